//! `vpcflow conversations`: both directions of each connection, paired, with who initiated and what happened.

use crate::inputs::{InputArgs, Outcome, read};
use anyhow::Context;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use vpcflow_diagnose::{Conversations, Flow};
use vpcflow_explain::{Lang, Style};
use vpcflow_record::Record;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,

    /// `text` for people; `json` for the records and connections as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// The language of the text.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Output {
    Text,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LangArg {
    En,
    Ja,
}

/// `--tz`, the zone times are shown in; one default for every command: the local zone (`TZ`, or the system's).
pub fn zone(tz: Option<&str>) -> anyhow::Result<jiff::tz::TimeZone> {
    Ok(match tz {
        Some(name) => jiff::tz::TimeZone::get(name)
            .with_context(|| format!("--tz {name}: unknown time zone"))?,
        None => jiff::tz::TimeZone::system(),
    })
}

/// `--tz` by its IANA name, for SQL: the local zone's name, or `UTC` when the system's zone has none.
pub fn zone_name(tz: Option<&str>) -> anyhow::Result<String> {
    let zone = zone(tz)?;
    Ok(zone.iana_name().unwrap_or("UTC").to_string())
}

/// The language and time zone from the shared options.
pub fn style(lang: LangArg, tz: Option<&str>) -> anyhow::Result<Style> {
    let tz = zone(tz)?;
    let lang = match lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    Ok(Style { lang, tz })
}

/// Reads every record of the inputs as flows (connections need all of them before pairing).
pub fn read_flows(input: &InputArgs) -> anyhow::Result<(Vec<Flow>, Outcome)> {
    let opts = input.options(None)?;
    let mut flows = Vec::new();
    let outcome = read(input, &opts, |batch| {
        for row in 0..batch.data.num_rows() {
            let record = Record::from_batch(&batch.data, row, batch.source.format.as_ref());
            if let Some(flow) = Flow::from_record(&record, &batch.location(row)) {
                flows.push(flow);
            }
        }
        Ok(())
    })?;
    Ok((flows, outcome))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let (flows, outcome) = read_flows(&args.input)?;
    let conv = Conversations::build(flows);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.output {
        Output::Text => write!(
            out,
            "{}",
            vpcflow_explain::text::conversations(&conv, &style)
        )?,
        Output::Json => {
            serde_json::to_writer_pretty(&mut out, &conv)?;
            writeln!(out)?;
        }
    }
    out.flush().context("writing output")?;
    Ok(outcome.finish())
}
