//! Printing batches of flow records and query answers: an aligned table, CSV, JSON Lines, Parquet or AWS's own
//! text format, the same for every frontend (the command line's `cat`, `query`, `top`, `capture`, the dashboard's
//! downloads).
//!
//! A [`Printer`] takes Arrow batches as they come and streams them out where the format allows; only the
//! aligned table (which must see every row to size its columns) and Parquet's footer wait for
//! [`Printer::finish`]. What each format needs of a batch is done here: nested values (`split(…)`) become the
//! text the table shows for CSV, and the engine's `Utf8View` strings become plain `Utf8` for Parquet readers.
//!
//! Output errors keep their [`std::io::Error`] (Arrow's CSV writer flattens them to text, so the printer keeps
//! the original from the writer underneath): a caller recognises a closed pipe by its kind
//! ([`PrintError::is_broken_pipe`]), never by its message.

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// What to print batches as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    /// An aligned table with a header row.
    Table,
    /// CSV with a header line (again wherever the columns change).
    Csv,
    /// JSON Lines: one object per row, keyed by column name in column order, nulls written as `null`.
    Json,
    /// One Parquet file.
    Parquet,
    /// AWS's text format: space-separated values, `-` for null, and a header line of field names where asked
    /// ([`Printer::header_next`]).
    Aws,
}

/// Choices a frontend makes about a format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Table: print each batch as a table of its own as it comes, instead of one table at the end. For
    /// unbounded inputs (`cat` of a day of logs), where keeping every row to align them is not an option.
    pub table_per_batch: bool,
    /// CSV: a text cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return) is written with a leading `'`, as OWASP advises for CSV meant to be opened in Excel or
    /// LibreOffice. For downloads from the dashboard, where the values come from logs an attacker can write to;
    /// off for the command line, whose CSV feeds programs that want the values as they are.
    pub csv_formula_guard: bool,
}

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The output could not be written (a closed pipe, a full disk).
    #[error("writing output")]
    Io(#[from] io::Error),
    /// A batch could not be turned into the format.
    #[error(transparent)]
    Arrow(#[from] ArrowError),
    /// The Parquet writer failed.
    #[error(transparent)]
    Parquet(#[from] ParquetError),
    /// Parquet output of no rows needs the columns, and none were given.
    #[error("a Parquet file needs the result's columns, and there were no rows to take them from")]
    NoColumns,
    /// An earlier call failed and took the output with it.
    #[error("the output failed earlier")]
    Failed,
}

impl PrintError {
    /// Whether the reader of the output went away (`vpcflow cat … | head`): a quiet end, not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, PrintError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Prints batches in one [`Output`] format to a writer. Call [`Printer::finish`] at the end: it writes what
/// waits (the table, a header for an empty result, Parquet's footer) and flushes.
pub struct Printer<W: Write + Send> {
    state: State<W>,
    options: Options,
    /// The output's first error, kept by the [`Sink`] underneath every writer.
    failed: Failure,
}

/// Where the printer is; each format keeps only what it needs, so that no state is half-made.
enum State<W: Write + Send> {
    /// Every batch, for one aligned table at the end (or none kept, with `table_per_batch`).
    Table {
        out: Sink<W>,
        kept: Vec<RecordBatch>,
    },
    /// The columns of the last header line written, if any.
    Csv {
        out: Sink<W>,
        header: Option<SchemaRef>,
    },
    Json {
        out: Sink<W>,
    },
    /// Nothing written yet: the file's schema comes from the first batch.
    ParquetWaiting {
        out: Sink<W>,
    },
    ParquetWriting {
        writer: Box<ArrowWriter<Sink<W>>>,
    },
    /// `header`: print a header line before the next rows.
    Aws {
        out: Sink<W>,
        header: bool,
    },
    /// An error took the output; every later call says so.
    Failed,
}

impl<W: Write + Send> Printer<W> {
    /// A printer of `output` to `out`.
    pub fn new(output: Output, out: W, options: Options) -> Printer<W> {
        let failed = Failure::default();
        let out = Sink {
            inner: out,
            failed: failed.clone(),
        };
        let state = match output {
            Output::Table => State::Table {
                out,
                kept: Vec::new(),
            },
            Output::Csv => State::Csv { out, header: None },
            Output::Json => State::Json { out },
            Output::Parquet => State::ParquetWaiting { out },
            Output::Aws => State::Aws { out, header: false },
        };
        Printer {
            state,
            options,
            failed,
        }
    }

    /// AWS text: print a header line (the columns' AWS field names) before the next rows, or at
    /// [`Printer::finish`] when no rows come. Other formats write their own headers and ignore this.
    pub fn header_next(&mut self) {
        if let State::Aws { header, .. } = &mut self.state {
            *header = true;
        }
    }

    /// Prints a batch (or keeps it, for the table).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), PrintError> {
        let result = self.write_batch(batch).map_err(|e| self.failed.explain(e));
        if let Err(PrintError::Io(_)) = &result {
            self.state = State::Failed;
        }
        result
    }

    fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), PrintError> {
        let options = self.options;
        match &mut self.state {
            State::Table { out, kept } => {
                if options.table_per_batch {
                    table(out, std::slice::from_ref(batch))?;
                } else {
                    kept.push(batch.clone());
                }
            }
            State::Csv { out, header } => {
                let batch = csv_cells(batch, options.csv_formula_guard)?;
                let with_header = header.as_ref() != Some(&batch.schema());
                arrow::csv::WriterBuilder::new()
                    .with_header(with_header)
                    .build(out)
                    .write(&batch)?;
                *header = Some(batch.schema());
            }
            State::Json { out } => {
                let mut w = arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow::json::writer::LineDelimited>(out);
                w.write(batch)?;
                w.finish()?;
            }
            State::ParquetWaiting { .. } => {
                let batch = plain_strings(batch)?;
                let State::ParquetWaiting { out } =
                    std::mem::replace(&mut self.state, State::Failed)
                else {
                    unreachable!("matched above")
                };
                let mut writer = ArrowWriter::try_new(out, batch.schema(), None)?;
                writer.write(&batch)?;
                self.state = State::ParquetWriting {
                    writer: Box::new(writer),
                };
            }
            State::ParquetWriting { writer } => {
                let batch = plain_strings(batch)?;
                writer.write(&batch)?;
            }
            State::Aws { out, header } => {
                if std::mem::take(header) {
                    aws_header(out, &batch.schema())?;
                }
                vpcflow_record::text::write_batch(batch, out)?;
            }
            State::Failed => return Err(PrintError::Failed),
        }
        Ok(())
    }

    /// Writes what waits (the table; for an empty result with `columns`, an empty table, a CSV header, an AWS
    /// header line asked for, an empty Parquet file), flushes, and gives the writer back.
    pub fn finish(self, columns: Option<&SchemaRef>) -> Result<W, PrintError> {
        let failed = self.failed.clone();
        self.finish_output(columns).map_err(|e| failed.explain(e))
    }

    fn finish_output(self, columns: Option<&SchemaRef>) -> Result<W, PrintError> {
        let mut out = match self.state {
            State::Table { mut out, mut kept } => {
                if kept.is_empty()
                    && !self.options.table_per_batch
                    && let Some(schema) = columns
                {
                    kept.push(RecordBatch::new_empty(schema.clone()));
                }
                if !kept.is_empty() {
                    table(&mut out, &kept)?;
                }
                out
            }
            State::Csv { mut out, header } => {
                if let (None, Some(schema)) = (header, columns) {
                    let names: Vec<&str> =
                        schema.fields().iter().map(|f| f.name().as_str()).collect();
                    writeln!(out, "{}", names.join(","))?;
                }
                out
            }
            State::Json { out } => out,
            State::ParquetWaiting { out } => {
                let schema = columns.ok_or(PrintError::NoColumns)?;
                let schema = plain_strings(&RecordBatch::new_empty(schema.clone()))?.schema();
                ArrowWriter::try_new(out, schema, None)?.into_inner()?
            }
            State::ParquetWriting { writer } => writer.into_inner()?,
            State::Aws { mut out, header } => {
                if header && let Some(schema) = columns {
                    aws_header(&mut out, schema)?;
                }
                out
            }
            State::Failed => return Err(PrintError::Failed),
        };
        out.flush()?;
        Ok(out.inner)
    }
}

fn table<W: Write>(out: &mut Sink<W>, batches: &[RecordBatch]) -> Result<(), PrintError> {
    let table = arrow::util::pretty::pretty_format_batches(batches)?;
    Ok(writeln!(out, "{table}")?)
}

fn aws_header<W: Write>(out: &mut Sink<W>, schema: &Schema) -> Result<(), PrintError> {
    let names: Vec<&str> = schema
        .fields()
        .iter()
        .map(|f| match vpcflow_record::Field::from_name(f.name()) {
            Some(field) => field.name(),
            None => f.name().as_str(),
        })
        .collect();
    Ok(writeln!(out, "{}", names.join(" "))?)
}

/// The output's first error, shared between the printer and the [`Sink`] it hands to Arrow's and Parquet's
/// writers: Arrow's CSV writer reports a failed write as text only, Parquet's footer as a general error, and the
/// caller needs the error's kind.
#[derive(Clone, Default)]
struct Failure(Arc<Mutex<Option<io::Error>>>);

impl Failure {
    /// `e`, or the output's own error when the output failed underneath it.
    fn explain(&self, e: PrintError) -> PrintError {
        match self.0.lock().map(|mut f| f.take()) {
            Ok(Some(io)) => PrintError::Io(io),
            _ => e,
        }
    }
}

/// The output, keeping its first error in a [`Failure`].
struct Sink<W> {
    inner: W,
    failed: Failure,
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.keep(e))
    }
}

impl<W> Sink<W> {
    /// Keeps `e` (the first one) and hands the writer above a stand-in of the same kind.
    fn keep(&mut self, e: io::Error) -> io::Error {
        if e.kind() == io::ErrorKind::Interrupted {
            return e;
        }
        let stand_in = io::Error::new(e.kind(), e.to_string());
        if let Ok(mut failed) = self.failed.0.lock() {
            failed.get_or_insert(e);
        }
        stand_in
    }
}

/// The batch as CSV cells: nested values (`split(…)`, `array_agg(…)`) as the table shows them, `[22, 443]`
/// (CSV has no nested values), and with `formula_guard`, text that would start a formula made inert.
fn csv_cells(batch: &RecordBatch, formula_guard: bool) -> Result<RecordBatch, ArrowError> {
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let batch = columns_as_text(batch, DataType::is_nested, |a| {
        let shown = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?;
        let text: StringArray = (0..a.len())
            .map(|i| a.is_valid(i).then(|| shown.value(i).to_string()))
            .collect();
        Ok(Arc::new(text) as ArrayRef)
    })?;
    if !formula_guard {
        return Ok(batch);
    }
    columns_as_text(&batch, is_text, |a| {
        let a = arrow::compute::cast(a, &DataType::Utf8)?;
        let guarded: StringArray = a
            .as_string::<i32>()
            .iter()
            .map(|v| {
                v.map(|v| match v.as_bytes().first() {
                    Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{v}"),
                    _ => v.to_string(),
                })
            })
            .collect();
        Ok(Arc::new(guarded) as ArrayRef)
    })
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

/// The batch with the engine's `Utf8View` text columns as plain `Utf8`, so that a Parquet result carries the
/// string type every reader knows (the view type exists only in recent Arrow).
fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    columns_as_text(
        batch,
        |t| t == &DataType::Utf8View,
        |a| arrow::compute::cast(a, &DataType::Utf8),
    )
}

/// The batch with each column whose type `pick` chooses turned into a `Utf8` column by `text`.
fn columns_as_text(
    batch: &RecordBatch,
    pick: impl Fn(&DataType) -> bool,
    text: impl Fn(&ArrayRef) -> Result<ArrayRef, ArrowError>,
) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    if !schema.fields().iter().any(|f| pick(f.data_type())) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (f, a) in schema.fields().iter().zip(batch.columns()) {
        if pick(f.data_type()) {
            fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
            columns.push(text(a)?);
        } else {
            fields.push(f.as_ref().clone());
            columns.push(a.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}
