//! `vpcflow cat`: records out in the form another tool wants.

use crate::inputs::{InputArgs, read};
use anyhow::Context;
use arrow::datatypes::SchemaRef;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
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

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let columns = args
        .fields
        .as_deref()
        .map(Column::parse_list)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let opts = args.input.options(columns)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut writer = Writer {
        output: args.output,
        last_schema: None,
        last_source: None,
    };
    let outcome = read(&args.input, &opts, |batch| writer.write(batch, &mut out))?;
    out.flush().context("writing output")?;
    Ok(outcome.finish())
}

struct Writer {
    output: Output,
    last_schema: Option<SchemaRef>,
    last_source: Option<Arc<SourceInfo>>,
}

impl Writer {
    fn write(&mut self, batch: &Batch, out: &mut impl Write) -> anyhow::Result<()> {
        let data = &batch.data;
        let schema_changed = self.last_schema.as_ref() != Some(&data.schema());
        match self.output {
            Output::Table => {
                let table = arrow::util::pretty::pretty_format_batches(std::slice::from_ref(data))?;
                writeln!(out, "{table}")?;
            }
            Output::Json => {
                let mut w = arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow::json::writer::LineDelimited>(&mut *out);
                w.write(data)?;
                w.finish()?;
            }
            Output::Csv => {
                let mut w = arrow::csv::WriterBuilder::new()
                    .with_header(schema_changed)
                    .build(&mut *out);
                w.write(data)?;
            }
            Output::Aws => {
                // A header line wherever the input had one: at the start of each file that carried it.
                let new_source = self.last_source.as_ref().is_none_or(|s| {
                    !Arc::ptr_eq(s, &batch.source)
                        && (s.name != batch.source.name || s.format != batch.source.format)
                });
                if batch.source.header && (new_source || schema_changed) {
                    let names: Vec<String> = data
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| match Column::from_name(f.name()) {
                            Some(Column::Field(field)) => field.name().to_string(),
                            _ => f.name().clone(),
                        })
                        .collect();
                    writeln!(out, "{}", names.join(" "))?;
                }
                vpcflow_record::text::write_batch(data, out)?;
            }
        }
        self.last_schema = Some(data.schema());
        self.last_source = Some(batch.source.clone());
        Ok(())
    }
}
