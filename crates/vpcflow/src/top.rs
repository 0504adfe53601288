//! `vpcflow top`: the top talkers, ports, interfaces… by flows, packets or bytes, in the spirit of nfdump `-s`.

use crate::inputs::{InputArgs, Outcome, Tally};
use crate::query::{Output, Session, external};
use anyhow::Context;
use std::io::BufWriter;
use std::process::ExitCode;
use vpcflow_engine::filter::Filter;
use vpcflow_engine::reports::{self, By};
use vpcflow_print::{Options as PrintOptions, Printer};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to rank, comma-separated: any column (`srcaddr`, `dstport`, `interface_id`, `aws-region`), or
    /// `srcip`, `dstip`, `proto`, `service` (the destination port's service name).
    #[arg(value_name = "FIELD[,FIELD…]")]
    fields: String,

    #[command(flatten)]
    input: InputArgs,

    /// Rank by records (flows), packets or bytes.
    #[arg(long, value_enum, default_value_t = ByArg::Bytes)]
    by: ByArg,

    /// How many rows.
    #[arg(short = 'n', long = "limit", default_value_t = 10)]
    n: usize,

    /// Only these records: filter words (`src net 10.0.0.0/8 and dst port 22 and action reject`) or a SQL
    /// expression (`dstport = 22 AND bytes > 1000`).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,

    /// How to print the result.
    #[arg(long, short, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ByArg {
    Flows,
    Packets,
    Bytes,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keys = args
        .fields
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(reports::key)
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    if keys.is_empty() {
        anyhow::bail!("name at least one field to rank (e.g. srcaddr or srcaddr,dstport)");
    }
    let by = match args.by {
        ByArg::Flows => By::Flows,
        ByArg::Packets => By::Packets,
        ByArg::Bytes => By::Bytes,
    };
    let filter = args.filter.as_deref().map(Filter::parse);
    let sql = reports::top(&keys, by, args.n, filter.as_ref().map(Filter::sql));
    run_report(&args.input, &sql, filter.as_ref(), args.output)
}

/// Runs a canned report's SQL and prints the result; a bad `--where` is explained in both of its languages.
pub fn run_report(
    input: &InputArgs,
    sql: &str,
    filter: Option<&Filter>,
    output: Output,
) -> anyhow::Result<ExitCode> {
    let Some(session) = Session::open(input)? else {
        return Ok(Outcome::new(Tally::default(), ExitCode::from(2), true).finish());
    };
    let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut printer = Printer::new(output.into(), out, PrintOptions::default());
    let result = session.run(|engine| engine.query(sql, |b| printer.write(b).map_err(external)));
    let result = match (result, filter) {
        (Err(e), Some(Filter::Sql { sql, words_error })) => Err(e).with_context(|| {
            format!("--where `{sql}` is neither a filter expression ({words_error}) nor valid SQL")
        }),
        (r, _) => r,
    };
    if let Some(schema) = result? {
        printer.finish(Some(&schema))?;
    }
    Ok(session.finish())
}
