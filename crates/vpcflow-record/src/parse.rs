//! The hot path: lines of text into Arrow columns.
//!
//! Parsing is done a column at a time. `push_line` only splits the line (checking its field count, the one error
//! that must be known at once) and keeps the line's bytes and the spans of the projected fields in buffers reused
//! from batch to batch; nothing is allocated per record. `finish` then runs one tight loop per column, in which
//! the kind of value is fixed, so the per-field dispatch that dominated a row-at-a-time parser disappears and the
//! values go straight into vectors that Arrow takes over without copying. A value that fails its check marks its
//! row bad; bad rows (rare) are filtered out of the batch and returned with their errors, by row.

use crate::fields::{Field, Kind};
use crate::format::Format;
use crate::values::{Checked, ValueError, check, is_redacted, parse_addr, parse_u63};
use arrow::array::builder::NullBufferBuilder;
use arrow::array::{ArrayRef, BooleanArray, Int32Array, Int64Array, StringArray, new_null_array};
use arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use std::fmt;
use std::sync::Arc;

/// What is wrong with one line. The reader adds the file name and line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based byte column where the problem starts (0 when it concerns the whole line).
    pub column: usize,
    /// What is wrong.
    pub kind: LineErrorKind,
}

/// The ways a line can be wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineErrorKind {
    /// The line has a different number of fields than its format.
    FieldCount {
        /// Fields on the line.
        found: usize,
        /// Fields in the format.
        expected: usize,
    },
    /// A field's value is not valid.
    BadValue {
        /// Which field.
        field: Field,
        /// The value as written (cut to 60 bytes, lossy UTF-8).
        text: String,
        /// Why it is refused.
        reason: ValueError,
    },
    /// The line is not UTF-8 text.
    NotText,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LineErrorKind::FieldCount { found, expected } => {
                let noun = if *found == 1 { "field" } else { "fields" };
                write!(f, "{found} {noun}, but the format has {expected}")?;
                if *found > *expected && found % expected == 0 {
                    write!(
                        f,
                        " (it looks like {} records joined on one line)",
                        found / expected
                    )?;
                }
                Ok(())
            }
            LineErrorKind::BadValue {
                field,
                text,
                reason,
            } => write!(f, "field {field}: `{text}` {reason}"),
            LineErrorKind::NotText => f.write_str("the line is not UTF-8 text (binary data?)"),
        }
    }
}

/// A value error found while finishing a batch: which of the lines pushed since the last `finish` it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 0-based index among the lines `push_line` accepted since the last `finish`.
    pub row: usize,
    /// What is wrong (the leftmost bad field of the line).
    pub error: LineError,
}

/// A finished batch: the good rows, and the errors of the rows left out (in row order).
#[derive(Debug)]
pub struct Parsed {
    /// The good rows.
    pub batch: RecordBatch,
    /// The rows left out, with what was wrong.
    pub errors: Vec<RowError>,
}

/// One projected field: where it is on the line, what it holds, which output column it goes to.
#[derive(Clone, Copy)]
struct Step {
    pos: usize,
    kind: Kind,
    column: usize,
}

/// Builds Arrow record batches from lines of one format.
pub struct BatchBuilder {
    format: Format,
    schema: SchemaRef,
    /// The projected fields in line order.
    plan: Vec<Step>,
    /// Every field's span on the line being pushed (scratch).
    scratch: Vec<(u32, u32)>,
    /// The bytes of the lines pushed since the last `finish`.
    text: Vec<u8>,
    /// Per pushed line, the span in `text` of each projected field, row-major (`rows * plan.len()`).
    spans: Vec<(u32, u32)>,
    /// Per pushed line, where it starts in `text` (for error columns).
    starts: Vec<u32>,
    rows: usize,
    redacted: u64,
}

impl BatchBuilder {
    /// A builder for lines of `format` that produces the columns `projection` (default: every field of the
    /// format, in format order). Projected fields the format lacks become all-null columns, so that files of
    /// different formats produce batches of one schema.
    pub fn new(format: &Format, projection: Option<&[Field]>, capacity: usize) -> BatchBuilder {
        let projection: Vec<Field> = projection
            .map(<[Field]>::to_vec)
            .unwrap_or_else(|| format.fields().to_vec());
        let schema = Arc::new(crate::schema(&projection));
        let mut plan: Vec<Step> = projection
            .iter()
            .enumerate()
            .filter_map(|(column, f)| {
                format.position(*f).map(|pos| Step {
                    pos,
                    kind: f.kind(),
                    column,
                })
            })
            .collect();
        plan.sort_unstable_by_key(|s| s.pos);
        BatchBuilder {
            format: format.clone(),
            schema,
            scratch: Vec::with_capacity(format.len() + 1),
            text: Vec::with_capacity(capacity * 128),
            spans: Vec::with_capacity(capacity * plan.len()),
            starts: Vec::with_capacity(capacity),
            plan,
            rows: 0,
            redacted: 0,
        }
    }

    /// The format this builder reads.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The schema of the batches it builds.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Lines pushed since the last `finish`.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no line was pushed since the last `finish`.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Values written over with `x` that were read as absent or kept as text, in the good rows finished so far.
    pub fn redacted(&self) -> u64 {
        self.redacted
    }

    /// Bytes of line text held for the current batch; the caller finishes the batch early when this grows large,
    /// so that very long lines cannot overflow Arrow's 32-bit offsets.
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }

    /// Takes one line (without its terminator; trailing `\r` are ignored). A line with the wrong number of
    /// fields is refused at once; the values are checked by `finish`.
    pub fn push_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let trimmed = line.iter().rposition(|b| *b != b'\r').map_or(0, |i| i + 1);
        let line = &line[..trimmed];
        let mut scratch = std::mem::take(&mut self.scratch);
        let found = split(line, &mut scratch);
        self.scratch = scratch;
        if found != self.format.len() {
            let column = self
                .scratch
                .get(self.format.len())
                .map_or(0, |s| s.0 as usize + 1);
            return Err(LineError {
                column,
                kind: LineErrorKind::FieldCount {
                    found,
                    expected: self.format.len(),
                },
            });
        }
        let base = self.text.len() as u32;
        self.starts.push(base);
        self.text.extend_from_slice(line);
        for step in &self.plan {
            let (s, e) = self.scratch[step.pos];
            self.spans.push((base + s, base + e));
        }
        self.rows += 1;
        Ok(())
    }

    /// Checks every value of the lines pushed so far, column by column, and returns the good rows as a batch
    /// with the errors of the others. The builder is then empty and ready for the next batch.
    pub fn finish(&mut self) -> Parsed {
        let rows = self.rows;
        let width = self.plan.len();
        let mut bad: Vec<Option<RowError>> = Vec::new();
        let mut redacted_rows: Vec<u32> = Vec::new();
        let mut arrays: Vec<Option<ArrayRef>> = vec![None; self.schema.fields().len()];
        for (i, step) in self.plan.iter().enumerate() {
            let spans = ColumnSpans {
                text: &self.text,
                spans: &self.spans,
                starts: &self.starts,
                width,
                index: i,
            };
            let mut sink = Problems {
                bad: &mut bad,
                redacted: &mut redacted_rows,
                rows,
                step: *step,
                format: &self.format,
            };
            let array = match step.kind {
                Kind::Int32 => ints32(&spans, rows, i32::MAX as i64, &mut sink),
                Kind::Port => ints32(&spans, rows, 65535, &mut sink),
                Kind::TcpFlags | Kind::TrafficPath => ints32(&spans, rows, 255, &mut sink),
                Kind::Int64 => ints64(&spans, rows, i64::MAX, &mut sink),
                Kind::Protocol => ints64(&spans, rows, 255, &mut sink),
                kind => texts(&spans, rows, kind, &mut sink),
            };
            arrays[step.column] = Some(array);
        }
        let arrays: Vec<ArrayRef> = arrays
            .into_iter()
            .zip(self.schema.fields())
            .map(|(array, field)| array.unwrap_or_else(|| new_null_array(field.data_type(), rows)))
            .collect();
        let batch = RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .expect("columns match the schema by construction");
        let errors: Vec<RowError> = bad.into_iter().flatten().collect();
        let batch = if errors.is_empty() {
            batch
        } else {
            let mut keep = vec![true; rows];
            for e in &errors {
                keep[e.row] = false;
            }
            arrow::compute::filter_record_batch(&batch, &BooleanArray::from(keep))
                .expect("mask matches the batch")
        };
        self.redacted += redacted_rows
            .iter()
            .filter(|r| {
                errors
                    .binary_search_by_key(&(**r as usize), |e| e.row)
                    .is_err()
            })
            .count() as u64;
        self.text.clear();
        self.spans.clear();
        self.starts.clear();
        self.rows = 0;
        Parsed { batch, errors }
    }
}

/// Splits `line` at runs of spaces or tabs into the scratch spans. A token that starts with `#` begins a
/// comment (AWS never writes one; documentation examples do). Returns the number of fields.
///
/// Separators are found eight bytes at a time (SWAR): most of a record's bytes are not separators, so a
/// byte-at-a-time loop spends its time on branches that almost never take.
#[inline]
fn split(line: &[u8], spans: &mut Vec<(u32, u32)>) -> usize {
    spans.clear();
    let n = line.len();
    let mut start = 0usize;
    let mut base = 0usize;
    // AWS separates with single spaces; tabs only appear in hand-edited text, so they are looked for once and the
    // word loop then tests one byte value instead of two.
    let tabs = memchr::memchr(b'\t', line).is_some();
    while base + 8 <= n {
        let word = u64::from_le_bytes(line[base..base + 8].try_into().expect("8 bytes"));
        let mut mask = if tabs {
            separator_mask(word)
        } else {
            byte_mask(word, b' ')
        };
        while mask != 0 {
            let p = base + (mask.trailing_zeros() / 8) as usize;
            mask &= mask - 1;
            if p > start {
                if line[start] == b'#' {
                    return spans.len();
                }
                spans.push((start as u32, p as u32));
            }
            start = p + 1;
        }
        base += 8;
    }
    for p in base..n {
        if line[p] == b' ' || line[p] == b'\t' {
            if p > start {
                if line[start] == b'#' {
                    return spans.len();
                }
                spans.push((start as u32, p as u32));
            }
            start = p + 1;
        }
    }
    if start < n && line[start] != b'#' {
        spans.push((start as u32, n as u32));
    }
    spans.len()
}

/// The spans of one projected field over the rows of a batch.
struct ColumnSpans<'a> {
    text: &'a [u8],
    spans: &'a [(u32, u32)],
    starts: &'a [u32],
    width: usize,
    index: usize,
}

impl ColumnSpans<'_> {
    #[inline]
    fn token(&self, row: usize) -> (&[u8], u32) {
        let (s, e) = self.spans[row * self.width + self.index];
        (&self.text[s as usize..e as usize], s)
    }
}

/// Where a column loop reports bad values and redacted ones.
struct Problems<'a> {
    bad: &'a mut Vec<Option<RowError>>,
    redacted: &'a mut Vec<u32>,
    rows: usize,
    step: Step,
    format: &'a Format,
}

impl Problems<'_> {
    /// Records the first (leftmost) error of a row; columns run left to right, so a later one is ignored.
    #[cold]
    fn bad(&mut self, row: usize, token: &[u8], line_start: usize, start: u32, reason: ValueError) {
        if self.bad.is_empty() {
            self.bad.resize(self.rows, None);
        }
        if self.bad[row].is_none() {
            self.bad[row] = Some(RowError {
                row,
                error: LineError {
                    column: (start as usize - line_start) + 1,
                    kind: LineErrorKind::BadValue {
                        field: self.format.fields()[self.step.pos],
                        text: String::from_utf8_lossy(&token[..token.len().min(60)]).into_owned(),
                        reason,
                    },
                },
            });
        }
    }

    #[cold]
    fn not_text(&mut self, row: usize, token: &[u8], line_start: usize, start: u32) {
        if self.bad.is_empty() {
            self.bad.resize(self.rows, None);
        }
        if self.bad[row].is_none() {
            let valid = token.utf8_chunks().next().map_or(0, |c| c.valid().len());
            self.bad[row] = Some(RowError {
                row,
                error: LineError {
                    column: start as usize - line_start + 1 + valid,
                    kind: LineErrorKind::NotText,
                },
            });
        }
    }

    #[cold]
    fn redacted(&mut self, row: usize) {
        self.redacted.push(row as u32);
    }
}

/// Where row `row`'s line starts in the batch text.
#[inline]
fn line_start(spans: &ColumnSpans, row: usize) -> usize {
    spans.starts[row] as usize
}

fn ints32(spans: &ColumnSpans, rows: usize, max: i64, problems: &mut Problems) -> ArrayRef {
    let mut values: Vec<i32> = Vec::with_capacity(rows);
    let mut nulls = NullBufferBuilder::new(rows);
    for row in 0..rows {
        let (token, start) = spans.token(row);
        match parse_u63(token) {
            Some(v) if v <= max => {
                values.push(v as i32);
                nulls.append_non_null();
            }
            parsed => {
                values.push(0);
                nulls.append_null();
                odd_int(token, parsed, max, row, start, spans, problems);
            }
        }
    }
    Arc::new(Int32Array::new(ScalarBuffer::from(values), nulls.finish()))
}

fn ints64(spans: &ColumnSpans, rows: usize, max: i64, problems: &mut Problems) -> ArrayRef {
    let mut values: Vec<i64> = Vec::with_capacity(rows);
    let mut nulls = NullBufferBuilder::new(rows);
    for row in 0..rows {
        let (token, start) = spans.token(row);
        match parse_u63(token) {
            Some(v) if v <= max => {
                values.push(v);
                nulls.append_non_null();
            }
            parsed => {
                values.push(0);
                nulls.append_null();
                odd_int(token, parsed, max, row, start, spans, problems);
            }
        }
    }
    Arc::new(Int64Array::new(ScalarBuffer::from(values), nulls.finish()))
}

/// An integer token that is not a plain in-range number: `-`, redacted, or bad.
#[cold]
fn odd_int(
    token: &[u8],
    parsed: Option<i64>,
    max: i64,
    row: usize,
    start: u32,
    spans: &ColumnSpans,
    p: &mut Problems,
) {
    if token == b"-" {
        return;
    }
    if is_redacted(token) {
        p.redacted(row);
        return;
    }
    let reason = match parsed {
        Some(_) => ValueError::OutOfRange { min: 0, max },
        None => ValueError::NotANumber,
    };
    p.bad(row, token, line_start(spans, row), start, reason);
}

fn texts(spans: &ColumnSpans, rows: usize, kind: Kind, problems: &mut Problems) -> ArrayRef {
    let mut values: Vec<u8> = Vec::with_capacity(rows * 16);
    let mut offsets: Vec<i32> = Vec::with_capacity(rows + 1);
    offsets.push(0);
    let mut nulls = NullBufferBuilder::new(rows);
    for row in 0..rows {
        let (token, start) = spans.token(row);
        let ok = match kind {
            Kind::Text => token != b"-" && (token.is_ascii() || std::str::from_utf8(token).is_ok()),
            Kind::Addr => token != b"-" && parse_addr(token).is_some(),
            _ => token != b"-" && check(kind, token) == Ok(Checked::Text),
        };
        if ok {
            values.extend_from_slice(token);
            nulls.append_non_null();
        } else {
            match check(kind, token) {
                Ok(Checked::Redacted) => {
                    problems.redacted(row);
                    values.extend_from_slice(token);
                    nulls.append_non_null();
                }
                Ok(_) if token == b"-" => nulls.append_null(),
                Ok(_) => {
                    // Only free text gets here: not UTF-8.
                    problems.not_text(row, token, line_start(spans, row), start);
                    nulls.append_null();
                }
                Err(reason) => {
                    problems.bad(row, token, line_start(spans, row), start, reason);
                    nulls.append_null();
                }
            }
        }
        offsets.push(values.len() as i32);
    }
    Arc::new(
        StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from_vec(values),
            nulls.finish(),
        )
        .expect("text values were checked to be UTF-8"),
    )
}

/// The high bit of each byte of `word` that is a space or a tab; exact (no false positives), so the caller can
/// take positions straight from the mask.
#[inline]
fn separator_mask(word: u64) -> u64 {
    byte_mask(word, b' ') | byte_mask(word, b'\t')
}

/// The high bit of each byte of `word` equal to `byte`, exactly.
#[inline]
fn byte_mask(word: u64, byte: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (ONES * byte as u64);
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The Arrow schema for a list of fields: Athena's column names and types, every column nullable.
pub fn schema(fields: &[Field]) -> Schema {
    Schema::new(
        fields
            .iter()
            .map(|f| arrow::datatypes::Field::new(f.column(), f.kind().data_type(), true))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(line: &str) -> Vec<String> {
        let mut spans = Vec::new();
        let n = split(line.as_bytes(), &mut spans);
        spans[..n]
            .iter()
            .map(|(s, e)| line[*s as usize..*e as usize].to_string())
            .collect()
    }

    #[test]
    fn splits_on_runs_of_blanks_and_stops_at_comments() {
        assert_eq!(tokens("a b"), ["a", "b"]);
        assert_eq!(
            tokens("  alpha\t\tbeta   gamma-delta-epsilon  "),
            ["alpha", "beta", "gamma-delta-epsilon"]
        );
        assert_eq!(
            tokens("12345678 12345678 1234567 123456789"),
            ["12345678", "12345678", "1234567", "123456789"]
        );
        assert_eq!(tokens("one two #three four"), ["one", "two"]);
        assert_eq!(tokens("a#b c"), ["a#b", "c"]);
        assert_eq!(tokens("#all comment here"), Vec::<String>::new());
        assert_eq!(tokens(""), Vec::<String>::new());
        assert_eq!(tokens("        "), Vec::<String>::new());
        assert_eq!(tokens("x\u{a0}y z"), ["x\u{a0}y", "z"]);
    }

    #[test]
    fn separator_mask_is_exact() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b' ', b, b'\t', b, b, 0x80 | b, b]);
            let expected: u64 = (0..8)
                .filter(|i| matches!(word.to_le_bytes()[*i], b' ' | b'\t'))
                .map(|i| 0x80u64 << (8 * i))
                .sum();
            assert_eq!(separator_mask(word), expected, "byte {b:#x}");
        }
    }
}
