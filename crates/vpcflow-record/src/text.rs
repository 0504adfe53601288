//! Writing records back in AWS's own text form, byte for byte.
//!
//! Addresses and ids are stored as the text AWS wrote and integers print without padding, so a well-formed line
//! read and written again is the same line.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use arrow::record_batch::RecordBatch;
use std::io::{self, Write};

/// Appends row `row` of `batch` as one AWS text line (with `\n`) to `out`; null values print as `-`.
pub fn write_row(batch: &RecordBatch, row: usize, out: &mut Vec<u8>) {
    for (i, column) in batch.columns().iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_value(column, row, out);
    }
    out.push(b'\n');
}

fn write_value(column: &ArrayRef, row: usize, out: &mut Vec<u8>) {
    if column.is_null(row) {
        out.push(b'-');
        return;
    }
    match column.data_type() {
        DataType::Int32 => out.extend_from_slice(
            itoa(column.as_primitive::<Int32Type>().value(row) as i64).as_bytes(),
        ),
        DataType::Int64 => {
            out.extend_from_slice(itoa(column.as_primitive::<Int64Type>().value(row)).as_bytes())
        }
        DataType::Utf8 => out.extend_from_slice(column.as_string::<i32>().value(row).as_bytes()),
        _ => {
            let text = arrow::util::display::array_value_to_string(column, row).unwrap_or_default();
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn itoa(v: i64) -> String {
    v.to_string()
}

/// Writes every row of `batch` in AWS text form.
pub fn write_batch(batch: &RecordBatch, out: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(batch.num_rows() * 128);
    for row in 0..batch.num_rows() {
        write_row(batch, row, &mut buf);
    }
    out.write_all(&buf)
}
