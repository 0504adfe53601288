//! Reading the fixtures: the explain fixtures' own line format, and any input the readers take.
//!
//! Explain fixture files hold record lines; `format: ...` switches the format for the lines after it (default:
//! AWS's default format) and `#` starts a comment. Each line is parsed on its own, through the real parser, so
//! that a field that is `-` everywhere in the file is still known to be in the format.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use vpcflow_record::{BatchBuilder, Format, Record, Value};
use vpcflow_source::{Input, Item, ReadOptions, read_all};

/// A record and where it came from.
pub struct Fixture {
    /// `tests/data/NAME:LINE`.
    pub location: String,
    /// The record.
    pub record: Record,
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The records of `tests/data/NAME`.
pub fn load(name: &str) -> Vec<Fixture> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut format = Format::default_v2();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(f) = line.strip_prefix("format:") {
            format = Format::parse(f).unwrap();
            continue;
        }
        let mut builder = BatchBuilder::new(&format, None, 1);
        // Hand-made examples with impossible values (55.123.456.78) are built from their tokens.
        let record = match builder
            .push_line(line.as_bytes())
            .map(|()| builder.finish())
        {
            Ok(parsed) if parsed.errors.is_empty() => Record::from_batch(&parsed.batch, 0, None),
            _ => from_tokens(&format, line),
        };
        out.push(Fixture {
            location: format!("tests/data/{name}:{}", i + 1),
            record,
        });
    }
    out
}

fn from_tokens(format: &Format, line: &str) -> Record {
    let values = format
        .fields()
        .iter()
        .zip(line.split(' '))
        .map(|(f, t)| {
            let v = if t == "-" {
                Value::Absent
            } else if f.kind().is_integer() {
                t.parse().map(Value::Int).unwrap_or(Value::Absent)
            } else {
                Value::Text(t.to_string())
            };
            (*f, v)
        })
        .collect();
    Record::new(values)
}

/// Every record of a file any reader takes (a log with a header line, a CloudWatch console copy), `relative` to
/// the workspace root, located as `SHOWN:LINE` so that snapshots do not depend on the checkout.
pub fn read(relative: &str, shown: &str) -> Vec<Fixture> {
    let path = root().join(relative);
    let mut out = Vec::new();
    read_all(
        &[Input::Path(path.clone())],
        &ReadOptions::default(),
        1,
        &mut |item| {
            match item {
                Item::Batch(b) => {
                    for row in 0..b.data.num_rows() {
                        out.push(Fixture {
                            location: b.location(row).replace(&path.display().to_string(), shown),
                            record: Record::from_batch(&b.data, row, b.source.format.as_ref()),
                        });
                    }
                }
                Item::Problem(p) => panic!("{p}"),
                Item::Done(_) => {}
            }
            true
        },
    );
    out
}
