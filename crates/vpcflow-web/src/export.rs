//! Downloads: a query's answer as CSV, JSON Lines or Parquet.
//!
//! CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) are written with a leading `'`, as OWASP recommends: a flow log's strings come from the
//! network and from whoever wrote the configuration, and opening an export must not run them.

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::sync::Arc;

/// A download format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Json,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// `csv`, `json`, `parquet`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/x-ndjson",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

/// The answer in `format`.
pub fn write(
    format: Format,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> anyhow::Result<Vec<u8>> {
    let schema = plain_schema(schema);
    let batches: Vec<RecordBatch> = batches
        .iter()
        .map(|b| plain(b, &schema))
        .collect::<anyhow::Result<_>>()?;
    let mut out = Vec::new();
    match format {
        Format::Csv => csv(&schema, &batches, &mut out)?,
        Format::Json => {
            let mut w = arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow::json::writer::LineDelimited>(&mut out);
            for b in &batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        Format::Parquet => {
            let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema.clone(), None)?;
            for b in &batches {
                w.write(b)?;
            }
            w.close()?;
        }
    }
    Ok(out)
}

/// Text columns as plain `Utf8` (dictionaries and views are not what every reader knows).
fn plain_schema(schema: &SchemaRef) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8View | DataType::Dictionary(..) | DataType::LargeUtf8 => {
                    Field::new(f.name(), DataType::Utf8, true)
                }
                _ => f.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
    ))
}

fn plain(batch: &RecordBatch, schema: &SchemaRef) -> anyhow::Result<RecordBatch> {
    let cols: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(a, f)| {
            if a.data_type() == f.data_type() {
                Ok(a.clone())
            } else {
                Ok(arrow::compute::cast(a, f.data_type())?)
            }
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(RecordBatch::try_new(schema.clone(), cols)?)
}

fn csv(schema: &SchemaRef, batches: &[RecordBatch], out: &mut Vec<u8>) -> anyhow::Result<()> {
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| cell(f.name(), true))
        .collect();
    out.extend_from_slice(names.join(",").as_bytes());
    out.push(b'\n');
    let options = FormatOptions::default();
    for b in batches {
        let shown: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|a| ArrayFormatter::try_new(a.as_ref(), &options))
            .collect::<Result<_, _>>()?;
        for row in 0..b.num_rows() {
            for (i, f) in shown.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if b.column(i).is_null(row) {
                    continue;
                }
                let text = f.value(row).to_string();
                let is_text = b.column(i).data_type() == &DataType::Utf8;
                out.extend_from_slice(cell(&text, is_text).as_bytes());
            }
            out.push(b'\n');
        }
    }
    Ok(())
}

/// One CSV cell: formula-looking text defused, quoted when it holds a comma, quote or line break.
pub fn cell(text: &str, is_text: bool) -> String {
    let mut t = text.to_string();
    if is_text && t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        t.insert(0, '\'');
    }
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_escaped() {
        assert_eq!(
            cell("=HYPERLINK(\"x\")", true),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(cell("+1", true), "'+1");
        assert_eq!(cell("-5", false), "-5");
        assert_eq!(cell("@sum", true), "'@sum");
        assert_eq!(cell("a,b", true), "\"a,b\"");
        assert_eq!(cell("10.0.0.1", true), "10.0.0.1");
    }
}
