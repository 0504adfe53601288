//! `vpcflow cat`: records out in the form another tool wants.

use crate::inputs::{InputArgs, read};
use arrow::datatypes::SchemaRef;
use std::io::BufWriter;
use std::process::ExitCode;
use std::sync::Arc;
use vpcflow_print::{Options as PrintOptions, Printer};
use vpcflow_source::{Batch, Column, SourceInfo};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// How to print records. `json` is JSON Lines keyed by Athena's column names; `aws` is AWS's own text
    /// format (with the header line when the input had one).
    #[arg(long, short, value_enum, default_value_t = Output::Table)]
    output: Output,

    /// Columns to print, by field or column name, comma-separated (e.g. `srcaddr,dstport,action`). Also
    /// `aws-account-id`, `aws-region`, `year`, `month`, `day`, `hour`, `date` from S3 keys and `$path`.
    #[arg(long, value_name = "COLUMNS")]
    fields: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Table,
    Json,
    Csv,
    Aws,
}

impl From<Output> for vpcflow_print::Output {
    fn from(o: Output) -> Self {
        match o {
            Output::Table => vpcflow_print::Output::Table,
            Output::Json => vpcflow_print::Output::Json,
            Output::Csv => vpcflow_print::Output::Csv,
            Output::Aws => vpcflow_print::Output::Aws,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let columns = args
        .fields
        .as_deref()
        .map(Column::parse_list)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let opts = args.input.options(columns)?;
    let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    // Records are printed as they are read: a table per batch, never all of a day's logs held to align them.
    let options = PrintOptions {
        table_per_batch: true,
        ..PrintOptions::default()
    };
    let mut printer = Printer::new(args.output.into(), out, options);
    let mut seen = Seen::default();
    let outcome = read(&args.input, &opts, |batch| {
        if seen.header_due(batch) {
            printer.header_next();
        }
        Ok(printer.write(&batch.data)?)
    })?;
    printer.finish(None)?;
    Ok(outcome.finish())
}

/// The last batch's columns and source: AWS text gets a header line wherever the input had one, at the start of
/// each file that carried it (and again where the columns change).
#[derive(Default)]
struct Seen {
    schema: Option<SchemaRef>,
    source: Option<Arc<SourceInfo>>,
}

impl Seen {
    fn header_due(&mut self, batch: &Batch) -> bool {
        let schema = batch.data.schema();
        let schema_changed = self.schema.as_ref() != Some(&schema);
        let new_source = self.source.as_ref().is_none_or(|s| {
            !Arc::ptr_eq(s, &batch.source)
                && (s.name != batch.source.name || s.format != batch.source.format)
        });
        self.schema = Some(schema);
        self.source = Some(batch.source.clone());
        batch.source.header && (new_source || schema_changed)
    }
}
