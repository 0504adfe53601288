//! Downloads: a query's answer as CSV, JSON Lines or Parquet, written by the printer every command uses
//! (`vpcflow-print`), so a download holds what `vpcflow query -o csv|json|parquet` prints.
//!
//! CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) are written with a leading `'`, as OWASP recommends: a flow log's strings come from the
//! network and from whoever wrote the configuration, and opening an export must not run them.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use vpcflow_print::{Options, Output, Printer};

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

    /// The printer's output.
    fn output(self) -> Output {
        match self {
            Format::Csv => Output::Csv,
            Format::Json => Output::Json,
            Format::Parquet => Output::Parquet,
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
    let options = Options {
        csv_formula_guard: true,
        ..Options::default()
    };
    let mut printer = Printer::new(format.output(), Vec::new(), options);
    for b in batches.iter().filter(|b| b.num_rows() > 0) {
        printer.write(b)?;
    }
    Ok(printer.finish(Some(schema))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringViewArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    #[test]
    fn formulas_are_defused_and_quotes_escaped() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("tag", DataType::Utf8View, true),
            Field::new("n", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringViewArray::from(vec![
                    Some("=HYPERLINK(\"x\")"),
                    Some("+1"),
                    Some("@sum"),
                    Some("a,b"),
                    Some("10.0.0.1"),
                    None,
                ])),
                Arc::new(Int64Array::from(vec![-5, 1, 2, 3, 4, 5])),
            ],
        )
        .unwrap();
        let csv = write(Format::Csv, &schema, std::slice::from_ref(&batch)).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "tag,n\n\"'=HYPERLINK(\"\"x\"\")\",-5\n'+1,1\n'@sum,2\n\"a,b\",3\n10.0.0.1,4\n,5\n"
        );
        let json = write(Format::Json, &schema, &[batch]).unwrap();
        let first = String::from_utf8(json).unwrap();
        assert_eq!(
            first.lines().next().unwrap(),
            r#"{"tag":"=HYPERLINK(\"x\")","n":-5}"#
        );
        // No rows: the header alone, from the answer's columns.
        let empty = write(Format::Csv, &schema, &[]).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "tag,n\n");
    }
}
