//! `vpcflow timeline`: flows, packets, bytes and rejects per time bin.

use crate::inputs::InputArgs;
use crate::query::Output;
use anyhow::Context;
use std::process::ExitCode;
use vpcflow_engine::filter::Filter;
use vpcflow_engine::reports;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// The width of a bin: `30s`, `5m`, `1h`, `1d` (bins start at multiples of it, by record start).
    #[arg(long, default_value = "5m")]
    bin: String,

    /// The time zone to show bins in (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone
    /// (UTC when the system's zone has no IANA name).
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,

    /// Only these records: filter words or a SQL expression (see `vpcflow top --help`).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,

    /// How to print the result.
    #[arg(long, short, value_enum, default_value_t = Output::Table)]
    output: Output,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bin = reports::parse_duration(&args.bin).context("--bin")?;
    let zone = crate::conversations::zone_name(args.tz.as_deref())?;
    let filter = args.filter.as_deref().map(Filter::parse);
    crate::top::print_report(&args.input, args.output, |engine, on_batch| {
        engine.timeline(bin, &zone, filter.as_ref(), on_batch)
    })
}
