//! `vpcflow top`: the top talkers, ports, interfaces… by flows, packets or bytes, in the spirit of nfdump `-s`.

use crate::inputs::{InputArgs, Outcome, Tally};
use crate::query::{Output, Session, blame_where, external};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use std::io::BufWriter;
use std::process::ExitCode;
use vpcflow_engine::filter::Filter;
use vpcflow_engine::reports::{self, By, Top};
use vpcflow_engine::{DataFusionError, Engine};
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
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        anyhow::bail!("name at least one field to rank (e.g. srcaddr or srcaddr,dstport)");
    }
    let by = match args.by {
        ByArg::Flows => By::Flows,
        ByArg::Packets => By::Packets,
        ByArg::Bytes => By::Bytes,
    };
    let top = Top {
        keys,
        by,
        n: args.n,
    };
    let filter = args.filter.as_deref().map(Filter::parse);
    print_report(&args.input, args.output, |engine, on_batch| {
        engine.top(&top, filter.as_ref(), on_batch)
    })
}

/// Runs a report over the inputs and prints its rows as they come.
pub fn print_report(
    input: &InputArgs,
    output: Output,
    report: impl FnOnce(
        &Engine,
        &mut dyn FnMut(&RecordBatch) -> Result<(), DataFusionError>,
    ) -> Result<SchemaRef, DataFusionError>,
) -> anyhow::Result<ExitCode> {
    let Some(session) = Session::open(input)? else {
        return Ok(Outcome::new(Tally::default(), ExitCode::from(2), true).finish());
    };
    let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut printer = Printer::new(output.into(), out, PrintOptions::default());
    let result = session
        .run(|engine| report(engine, &mut |b| printer.write(b).map_err(external)))
        .map_err(blame_where)?;
    if let Some(schema) = result {
        printer.finish(Some(&schema))?;
    }
    Ok(session.finish())
}
