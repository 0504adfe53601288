//! Parquet: the files AWS delivers, and the ones other tools write with looser types.
//!
//! Parquet columns name themselves, so no format is involved: a column is a flow log field when its name is one
//! (`log_status`, `log-status` and `logStatus` all are); other columns are other tools' business and are left
//! unread. Whatever the file's types, batches come out with Athena's names and types, the same as from text, so
//! nothing downstream needs to know where a record came from. AWS's own types only need widening (protocol is
//! `INT_32` in VPC flow logs and `INT_64` in transit gateway ones, Athena wants `bigint`); files from Spark, pandas,
//! DuckDB or Glue may hold numbers as strings, floats or dictionaries, account ids as integers, and so on.
//!
//! Every value goes through the same check as a token of a text line ([`vpcflow_record::values::check`]), so a
//! value accepted here would be accepted in text and a refused one is described in the same words. A refused
//! value does not cost its row: it becomes null, and the row is reported (`file:row N: field dstport: …`) and
//! counted as a bad record, besides being handed on and counted as a record. A column whose type cannot hold a
//! flow log value at all (a list, a struct) is reported once for the file, which then counts as not fully read,
//! and the column is read as null.

use crate::columns::{Column, assemble};
use crate::layout::Partitions;
use crate::problem::{BadValue, Fault};
use crate::{Batch, FileSummary, Item, Problem, ReadOptions, Shape, SourceInfo};
use arrow::array::{
    Array, ArrayRef, AsArray, Int32Array, Int64Array, RecordBatch, RecordBatchOptions, StringArray,
    StringBuilder, new_null_array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, SchemaRef, TimeUnit, UInt64Type};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use std::sync::Arc;
use vpcflow_record::values::{Checked, ValueError, check};
use vpcflow_record::{Field, Kind, Location};

/// Parquet needs random access to its footer, so it is read either in place from a plain file or from memory
/// (after gzip was undone, or from standard input).
pub enum ParquetData {
    /// A file read in place.
    File(std::fs::File),
    /// Bytes in memory.
    Bytes(bytes::Bytes),
}

/// Reads a Parquet file's flow log columns as batches of Athena's schema.
pub(crate) fn read_parquet(
    data: ParquetData,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut out = Out::new(name, partitions, opts, emit);
    match data {
        ParquetData::File(file) => read_from(file, &mut out),
        ParquetData::Bytes(bytes) => read_from(bytes, &mut out),
    }
    out.finish();
}

fn read_from<T: ChunkReader + 'static>(data: T, out: &mut Out) {
    let builder = match ParquetRecordBatchReaderBuilder::try_new(data) {
        Ok(builder) => builder,
        Err(e) => {
            let location = out.file.clone();
            return out.fail(
                location,
                Fault::NotParquet {
                    cause: e.to_string(),
                },
            );
        }
    };
    let Some(plan) = Plan::new(builder.schema(), out) else {
        return;
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), plan.roots.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(out.opts.batch_size.max(1))
        .build();
    let reader = match reader {
        Ok(reader) => reader,
        Err(e) => {
            let location = out.file.clone();
            let cause = e.to_string();
            return out.fail(location, Fault::ParquetUnreadable { cause });
        }
    };
    for batch in reader {
        if out.stopped() {
            return;
        }
        let rows = out.summary.records;
        match batch
            .map_err(|e| e.to_string())
            .and_then(|batch| plan.convert(&batch, out))
        {
            Ok(()) => {}
            Err(cause) => {
                let location = out.file.row(rows + 1);
                return out.fail(location, Fault::ParquetBroken { cause, rows });
            }
        }
    }
}

/// Where each output column comes from, decided once per file from its schema.
struct Plan {
    /// The output fields, in output order.
    fields: Vec<Field>,
    /// Per output field: the position of its column in the projected batches and how to convert it.
    sources: Vec<Option<(usize, Conv)>>,
    /// The file's root columns to read, ascending (the order the projected batches hold them in).
    roots: Vec<usize>,
    schema: SchemaRef,
}

impl Plan {
    /// `None` when the file cannot be read (the problem is reported).
    fn new(file: &SchemaRef, out: &mut Out) -> Option<Plan> {
        // The first column of each field wins; a second spelling of the same field is someone else's copy.
        let mut found: Vec<(Field, usize)> = Vec::new();
        for (root, column) in file.fields().iter().enumerate() {
            if let Some(field) = Field::from_name(column.name())
                && !found.iter().any(|(f, _)| *f == field)
            {
                found.push((field, root));
            }
        }
        if found.is_empty() {
            const SHOWN: usize = 10;
            let columns = file
                .fields()
                .iter()
                .take(SHOWN)
                .map(|f| f.name().clone())
                .collect();
            let total = file.fields().len();
            let location = out.file.clone();
            out.fail(location, Fault::NoFlowColumns { columns, total });
            return None;
        }
        let fields: Vec<Field> = match &out.opts.columns {
            Some(columns) => columns
                .iter()
                .filter_map(|c| {
                    if let Column::Field(f) = c {
                        Some(*f)
                    } else {
                        None
                    }
                })
                .collect(),
            None => found.iter().map(|(f, _)| *f).collect(),
        };
        let mut wanted: Vec<(Field, usize, Conv)> = Vec::new();
        for field in &fields {
            let Some(&(_, root)) = found.iter().find(|(f, _)| f == field) else {
                continue;
            };
            if wanted.iter().any(|(f, _, _)| f == field) {
                continue;
            }
            let column = file.field(root);
            match Conv::for_type(column.data_type(), *field) {
                Some(conv) => wanted.push((*field, root, conv)),
                None => {
                    let location = out.file.clone();
                    out.summary.failed = true;
                    let fault = Fault::ColumnType {
                        column: column.name().clone(),
                        data_type: column.data_type().to_string(),
                        field: *field,
                    };
                    out.emit(Item::Problem(Problem::bad_file(location, fault)));
                }
            }
        }
        let mut roots: Vec<usize> = wanted.iter().map(|(_, root, _)| *root).collect();
        roots.sort_unstable();
        let sources = fields
            .iter()
            .map(|field| {
                wanted
                    .iter()
                    .find(|(f, _, _)| f == field)
                    .map(|(_, root, conv)| {
                        let position = roots
                            .binary_search(root)
                            .expect("every wanted root is read");
                        (position, *conv)
                    })
            })
            .collect();
        let schema = Arc::new(vpcflow_record::schema(&fields));
        Some(Plan {
            fields,
            sources,
            roots,
            schema,
        })
    }

    /// Converts one batch as read to Athena's types and hands it on, with its problems before it.
    fn convert(&self, batch: &RecordBatch, out: &mut Out) -> Result<(), String> {
        let rows = batch.num_rows();
        let first_row = out.summary.records + 1;
        let mut issues: Vec<(usize, BadValue)> = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.fields.len());
        for (field, source) in self.fields.iter().zip(&self.sources) {
            let array = match source {
                Some((position, conv)) => {
                    let mut values = Values {
                        field: *field,
                        range: range(field.kind()),
                        issues: &mut issues,
                        redacted: &mut out.summary.redacted,
                    };
                    values
                        .convert(batch.column(*position), *conv)
                        .map_err(|e| format!("column `{}`: {e}", field.column()))?
                }
                None => new_null_array(&field.kind().data_type(), rows),
            };
            arrays.push(array);
        }
        let data = RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| e.to_string())?;
        // One problem per row, naming its refused values in column order: a row is one bad record, as a line is.
        issues.sort_by_key(|(row, _)| *row);
        let mut issues = issues.into_iter().peekable();
        while let Some((row, first)) = issues.next() {
            let mut values = vec![first];
            while let Some((_, value)) = issues.next_if(|(r, _)| *r == row) {
                values.push(value);
            }
            let location = out.file.row(first_row + row as u64);
            out.summary.bad_records += 1;
            out.bad_row(location, Fault::BadValues(values));
        }
        out.summary.records += rows as u64;
        let data = match &out.opts.columns {
            Some(columns) => assemble(data, columns, &out.info.partitions, &out.info.name, &[]),
            None => data,
        };
        let positions = (first_row..first_row + rows as u64).collect();
        out.emit(Item::Batch(Batch {
            data,
            positions,
            times: Vec::new(),
            source: out.source.clone(),
        }));
        Ok(())
    }
}

/// How a file's column is read, by its Arrow type as the Parquet reader gives it.
#[derive(Clone, Copy, Debug)]
enum Conv {
    /// Signed integers, and unsigned ones that fit an `i64`: widened to `Int64`.
    Int,
    /// `UInt64`: values past `i64::MAX` are out of range for every field.
    UInt64,
    /// Floats: pandas writes integer columns with missing values as `float64`, NaN for the missing.
    Float,
    /// Text, or anything whose text is the value (dictionaries, decimals), via `Utf8`.
    Text,
    /// Bytes without the UTF-8 annotation (older Hive and Spark writers), via `Binary`.
    Binary,
    /// A timestamp (for `start` and `end` only), read as whole seconds: this many units per second.
    Seconds(i64),
    /// A column of nulls only.
    Null,
}

impl Conv {
    /// `None`: the type cannot hold a value of `field`.
    fn for_type(data_type: &DataType, field: Field) -> Option<Conv> {
        use DataType as D;
        Some(match data_type {
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 => {
                Conv::Int
            }
            D::UInt64 => Conv::UInt64,
            D::Float16 | D::Float32 | D::Float64 => Conv::Float,
            D::Utf8 | D::LargeUtf8 | D::Utf8View => Conv::Text,
            D::Decimal32(_, _) | D::Decimal64(_, _) | D::Decimal128(_, _) | D::Decimal256(_, _) => {
                Conv::Text
            }
            D::Binary | D::LargeBinary | D::BinaryView | D::FixedSizeBinary(_) => Conv::Binary,
            D::Timestamp(unit, _) if matches!(field, Field::Start | Field::End) => {
                Conv::Seconds(match unit {
                    TimeUnit::Second => 1,
                    TimeUnit::Millisecond => 1_000,
                    TimeUnit::Microsecond => 1_000_000,
                    TimeUnit::Nanosecond => 1_000_000_000,
                })
            }
            D::Null => Conv::Null,
            // `cast` unpacks a dictionary to its values' type, so the values decide.
            D::Dictionary(_, values) => match Conv::for_type(values, field)? {
                Conv::Seconds(_) | Conv::Null => return None,
                conv => conv,
            },
            _ => return None,
        })
    }
}

/// Converts one column of one batch for one field, noting refused values by row.
struct Values<'a> {
    field: Field,
    /// What `check` accepts for the field, when it is an integer.
    range: (i64, i64),
    issues: &'a mut Vec<(usize, BadValue)>,
    redacted: &'a mut u64,
}

impl Values<'_> {
    fn convert(
        &mut self,
        array: &ArrayRef,
        conv: Conv,
    ) -> Result<ArrayRef, arrow::error::ArrowError> {
        let kind = self.field.kind();
        let rows = array.len();
        if matches!(conv, Conv::Null) {
            return Ok(new_null_array(&kind.data_type(), rows));
        }
        if !kind.is_integer() {
            return self.text(array, conv);
        }
        let mut values: Vec<Option<i64>> = Vec::with_capacity(rows);
        match conv {
            Conv::Int | Conv::Seconds(_) => {
                let per_second = if let Conv::Seconds(n) = conv { n } else { 1 };
                let ints = cast(array, &DataType::Int64)?;
                if per_second == 1 {
                    // AWS's own columns: when the whole column is in range, one cast does it.
                    let ints64 = ints.as_primitive::<Int64Type>();
                    let (min, max) = self.range;
                    let low = arrow::compute::min(ints64).is_none_or(|v| v >= min);
                    let high = arrow::compute::max(ints64).is_none_or(|v| v <= max);
                    if low && high {
                        return cast(&ints, &kind.data_type());
                    }
                }
                for (row, v) in ints.as_primitive::<Int64Type>().iter().enumerate() {
                    values
                        .push(v.and_then(|v| self.int(row, i128::from(v.div_euclid(per_second)))));
                }
            }
            Conv::UInt64 => {
                for (row, v) in array.as_primitive::<UInt64Type>().iter().enumerate() {
                    values.push(v.and_then(|v| self.int(row, i128::from(v))));
                }
            }
            Conv::Float => {
                let floats = cast(array, &DataType::Float64)?;
                for (row, v) in floats.as_primitive::<Float64Type>().iter().enumerate() {
                    values.push(v.and_then(|v| self.float(row, v)));
                }
            }
            Conv::Text | Conv::Binary => {
                let text = self.utf8(array, conv)?;
                for (row, v) in text.iter().enumerate() {
                    values.push(v.and_then(|v| self.int_text(row, v)));
                }
            }
            Conv::Null => unreachable!("handled above"),
        }
        Ok(match kind.data_type() {
            DataType::Int32 => Arc::new(
                values
                    .into_iter()
                    .map(|v| v.map(|v| v as i32))
                    .collect::<Int32Array>(),
            ) as ArrayRef,
            _ => Arc::new(values.into_iter().collect::<Int64Array>()) as ArrayRef,
        })
    }

    fn refuse(&mut self, row: usize, text: &str, reason: ValueError) {
        // Cut as the text parser cuts a token, so that both say the same about the same value.
        let mut end = text.len().min(60);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let value = BadValue {
            field: self.field,
            text: text[..end].to_string(),
            reason,
        };
        self.issues.push((row, value));
    }

    /// An integer value for an integer field.
    fn int(&mut self, row: usize, v: i128) -> Option<i64> {
        let (min, max) = self.range;
        if (i128::from(min)..=i128::from(max)).contains(&v) {
            Some(v as i64)
        } else {
            self.refuse(row, &v.to_string(), ValueError::OutOfRange { min, max });
            None
        }
    }

    fn float(&mut self, row: usize, v: f64) -> Option<i64> {
        if v.is_nan() {
            return None;
        }
        if v.is_finite() && v.fract() == 0.0 {
            // Saturates far outside every range, so `int` still says "out of range".
            return self.int(row, v as i128);
        }
        self.refuse(row, &v.to_string(), ValueError::NotANumber);
        None
    }

    /// A number written as text for an integer field: read as the text parser reads a token.
    fn int_text(&mut self, row: usize, text: &str) -> Option<i64> {
        let token = text.trim();
        if token.is_empty() {
            return None;
        }
        match check(self.field.kind(), token.as_bytes()) {
            Ok(Checked::Int(v)) => Some(v),
            Ok(Checked::Redacted) => {
                *self.redacted += 1;
                None
            }
            Ok(Checked::Absent | Checked::Text) => None,
            Err(reason) => {
                self.refuse(row, token, reason);
                None
            }
        }
    }

    /// A text field: text is checked as in a line; numbers become their decimal text and are checked too.
    fn text(&mut self, array: &ArrayRef, conv: Conv) -> Result<ArrayRef, arrow::error::ArrowError> {
        let numbers: Vec<Option<String>> = match conv {
            Conv::Int | Conv::UInt64 => {
                let column = cast(array, &DataType::Utf8)?;
                column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(|v| self.number_text(v)))
                    .collect()
            }
            Conv::Float => {
                let floats = cast(array, &DataType::Float64)?;
                floats
                    .as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| match v {
                        Some(v) if v.is_nan() => None,
                        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e18 => {
                            Some(self.number_text(&(v as i64).to_string()))
                        }
                        Some(v) => Some(v.to_string()),
                        None => None,
                    })
                    .collect()
            }
            Conv::Text | Conv::Binary => {
                let column = self.utf8(array, conv)?;
                return Ok(self.check_text(column.iter(), Some(&column)));
            }
            Conv::Seconds(_) | Conv::Null => unreachable!("not planned for text fields"),
        };
        Ok(self.check_text(numbers.iter().map(Option::as_deref), None))
    }

    /// Account ids are twelve digits; a tool that stored one as a number dropped its leading zeros.
    fn number_text(&self, digits: &str) -> String {
        let account = matches!(
            self.field,
            Field::AccountId | Field::TgwSrcVpcAccountId | Field::TgwDstVpcAccountId
        );
        if account && digits.len() < 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!("{digits:0>12}")
        } else {
            digits.to_string()
        }
    }

    /// Checks each value; keeps `original` as it is when every value passes unchanged (AWS's own files).
    fn check_text<'v>(
        &mut self,
        values: impl Iterator<Item = Option<&'v str>> + Clone,
        original: Option<&StringArray>,
    ) -> ArrayRef {
        let kind = self.field.kind();
        let mut keep: Vec<bool> = Vec::new();
        let mut changed = false;
        for (row, value) in values.clone().enumerate() {
            let ok = match value {
                None => true,
                Some("") => false,
                Some(v) => match check(kind, v.as_bytes()) {
                    Ok(Checked::Text | Checked::Int(_)) => true,
                    Ok(Checked::Redacted) => {
                        *self.redacted += 1;
                        true
                    }
                    Ok(Checked::Absent) => false,
                    Err(reason) => {
                        self.refuse(row, v, reason);
                        false
                    }
                },
            };
            changed |= !ok;
            keep.push(ok);
        }
        if let Some(original) = original.filter(|_| !changed) {
            return Arc::new(original.clone());
        }
        let mut builder = StringBuilder::with_capacity(keep.len(), keep.len() * 16);
        for (value, ok) in values.zip(keep) {
            match value {
                Some(v) if ok => builder.append_value(v),
                _ => builder.append_null(),
            }
        }
        Arc::new(builder.finish())
    }

    /// The column as `Utf8`; bytes that are not UTF-8 are refused and read as null.
    fn utf8(
        &mut self,
        array: &ArrayRef,
        conv: Conv,
    ) -> Result<StringArray, arrow::error::ArrowError> {
        if matches!(conv, Conv::Text) {
            return Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone());
        }
        let bytes = cast(array, &DataType::Binary)?;
        let mut builder = StringBuilder::with_capacity(bytes.len(), bytes.len() * 16);
        for (row, value) in bytes.as_binary::<i32>().iter().enumerate() {
            match value.map(std::str::from_utf8) {
                Some(Ok(text)) => builder.append_value(text),
                Some(Err(_)) => {
                    let text = String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
                    self.refuse(row, &text, ValueError::NotText);
                    builder.append_null();
                }
                None => builder.append_null(),
            }
        }
        Ok(builder.finish())
    }
}

/// The values `check` accepts for an integer kind, asked of `check` itself so that the limits live in one place.
fn range(kind: Kind) -> (i64, i64) {
    match check(kind, i64::MAX.to_string().as_bytes()) {
        Err(ValueError::OutOfRange { min, max }) => (min, max),
        _ => (0, i64::MAX),
    }
}

/// Hands items to the caller and keeps the file's counts, as `LineSink` does for lines.
struct Out<'a, 'e> {
    info: SourceInfo,
    /// The file, for locations.
    file: Location,
    source: Arc<SourceInfo>,
    opts: &'a ReadOptions,
    emit: &'e mut dyn FnMut(Item) -> bool,
    /// `records` counts every row handed on; `bad_records` the rows among them with a refused value.
    summary: FileSummary,
    reported: usize,
    aborted: bool,
}

impl<'a, 'e> Out<'a, 'e> {
    fn new(
        name: String,
        partitions: Partitions,
        opts: &'a ReadOptions,
        emit: &'e mut dyn FnMut(Item) -> bool,
    ) -> Self {
        let info = SourceInfo {
            name,
            shape: Shape::Parquet,
            format: None,
            header: false,
            partitions,
        };
        Out {
            file: Location::file(info.name.as_str()),
            source: Arc::new(info.clone()),
            opts,
            emit,
            summary: FileSummary {
                name: info.name.clone(),
                ..FileSummary::default()
            },
            info,
            reported: 0,
            aborted: false,
        }
    }

    fn stopped(&self) -> bool {
        self.aborted
    }

    fn emit(&mut self, item: Item) {
        if !self.aborted && !(self.emit)(item) {
            self.aborted = true;
        }
    }

    fn fail(&mut self, location: Location, fault: Fault) {
        self.summary.failed = true;
        self.emit(Item::Problem(Problem::bad_file(location, fault)));
    }

    fn bad_row(&mut self, location: Location, fault: Fault) {
        if self.reported < self.opts.max_reported_per_file {
            self.reported += 1;
            self.emit(Item::Problem(Problem::bad_record(location, fault)));
        }
    }

    fn finish(mut self) {
        let bad = self.summary.bad_records;
        let hidden = bad - self.reported as u64;
        if hidden > 0 {
            let problem = Problem::bad_record(self.file.clone(), Fault::MoreNotShown { hidden });
            self.emit(Item::Problem(problem));
        }
        if self.summary.records == 0 && bad == 0 && !self.summary.failed {
            let location = self.file.clone();
            self.fail(location, Fault::Empty);
        }
        let summary = std::mem::take(&mut self.summary);
        self.emit(Item::Done(summary));
    }
}
