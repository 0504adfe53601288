//! The hot path: lines of text into Arrow columns.
//!
//! The caller owns the input buffers and hands us one line at a time as a byte slice; we never allocate per
//! record. The format is resolved to positions once (`BatchBuilder::new`), a line is split into spans in a
//! reused scratch vector, only the projected fields are checked, and values are appended to Arrow builders that
//! were sized up front. A line is checked completely before anything is appended, so a bad line leaves no trace
//! in the batch.

use crate::fields::{Field, Kind};
use crate::format::Format;
use crate::values::{Checked, ValueError, check};
use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, StringArray, new_null_array,
};
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

/// Text columns are built as binary and validated as UTF-8 once per batch, in bulk: per-token `&str` conversion
/// was a tenth of the parse time. Tokens of free-text fields are checked per line so that a bad one is reported
/// at its line; addresses and enumerations are ASCII once checked.
enum Column {
    I32(Int32Builder),
    I64(Int64Builder),
    Str(BinaryBuilder),
}

/// Builds Arrow record batches from lines of one format.
pub struct BatchBuilder {
    format: Format,
    schema: SchemaRef,
    /// For each output column, its position in the format (or `None`: the format lacks it, the column is null).
    sources: Vec<Option<usize>>,
    /// For each output column that the format has, its builder.
    columns: Vec<Option<Column>>,
    /// Kind per format position, so the hot loop does not go through `Field`.
    kinds: Vec<Kind>,
    /// Format positions in the projection, ascending, with their output column.
    wanted: Vec<(usize, usize)>,
    spans: Vec<(u32, u32)>,
    checked: Vec<Checked>,
    rows: usize,
    capacity: usize,
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
        let sources: Vec<Option<usize>> = projection.iter().map(|f| format.position(*f)).collect();
        let mut wanted: Vec<(usize, usize)> = sources
            .iter()
            .enumerate()
            .filter_map(|(out, src)| src.map(|p| (p, out)))
            .collect();
        wanted.sort_unstable();
        let mut builder = BatchBuilder {
            format: format.clone(),
            schema,
            sources,
            columns: Vec::new(),
            kinds: format.fields().iter().map(|f| f.kind()).collect(),
            wanted,
            spans: Vec::with_capacity(format.len() + 1),
            checked: vec![Checked::Absent; format.len()],
            rows: 0,
            capacity,
            redacted: 0,
        };
        builder.columns = builder.new_columns();
        builder
    }

    fn new_columns(&self) -> Vec<Option<Column>> {
        let cap = self.capacity;
        self.sources
            .iter()
            .map(|src| {
                src.map(|p| match self.kinds[p].data_type() {
                    arrow::datatypes::DataType::Int32 => {
                        Column::I32(Int32Builder::with_capacity(cap))
                    }
                    arrow::datatypes::DataType::Int64 => {
                        Column::I64(Int64Builder::with_capacity(cap))
                    }
                    _ => Column::Str(BinaryBuilder::with_capacity(cap, cap * 16)),
                })
            })
            .collect()
    }

    /// The format this builder reads.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// The schema of the batches it builds.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Rows appended since the last `finish`.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was appended since the last `finish`.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Values written over with `x` that were read as absent, since the builder was made.
    pub fn redacted(&self) -> u64 {
        self.redacted
    }

    /// Splits `line` at runs of spaces or tabs into the scratch spans. A token that starts with `#` begins a
    /// comment (AWS never writes one; documentation examples do). Returns the number of fields.
    ///
    /// Separators are found eight bytes at a time (SWAR): most of a record's bytes are not separators, so a
    /// byte-at-a-time loop spends its time on branches that almost never take.
    #[inline]
    fn split(&mut self, line: &[u8]) -> usize {
        self.spans.clear();
        let n = line.len();
        let mut start = 0usize;
        let mut base = 0usize;
        while base + 8 <= n {
            let word = u64::from_le_bytes(line[base..base + 8].try_into().expect("8 bytes"));
            let mut mask = separator_mask(word);
            while mask != 0 {
                let p = base + (mask.trailing_zeros() / 8) as usize;
                mask &= mask - 1;
                if p > start {
                    if line[start] == b'#' {
                        return self.spans.len();
                    }
                    self.spans.push((start as u32, p as u32));
                }
                start = p + 1;
            }
            base += 8;
        }
        for p in base..n {
            if line[p] == b' ' || line[p] == b'\t' {
                if p > start {
                    if line[start] == b'#' {
                        return self.spans.len();
                    }
                    self.spans.push((start as u32, p as u32));
                }
                start = p + 1;
            }
        }
        if start < n && line[start] != b'#' {
            self.spans.push((start as u32, n as u32));
        }
        self.spans.len()
    }

    /// Checks one line and appends it. `line` excludes the line terminator (a trailing `\r` is tolerated).
    /// On error nothing is appended.
    pub fn push_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let trimmed = line.iter().rposition(|b| *b != b'\r').map_or(0, |i| i + 1);
        let line = &line[..trimmed];
        let found = self.split(line);
        if found != self.format.len() {
            let column = self
                .spans
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
        for &(pos, _) in &self.wanted {
            let (s, e) = self.spans[pos];
            let token = &line[s as usize..e as usize];
            let kind = self.kinds[pos];
            match check(kind, token) {
                Ok(c) => self.checked[pos] = c,
                Err(reason) => {
                    return Err(LineError {
                        column: s as usize + 1,
                        kind: LineErrorKind::BadValue {
                            field: self.format.fields()[pos],
                            text: String::from_utf8_lossy(&token[..token.len().min(60)])
                                .into_owned(),
                            reason,
                        },
                    });
                }
            }
            if kind == Kind::Text && !token.is_ascii() && std::str::from_utf8(token).is_err() {
                let bad = token.utf8_chunks().next().map_or(0, |c| c.valid().len());
                return Err(LineError {
                    column: s as usize + 1 + bad,
                    kind: LineErrorKind::NotText,
                });
            }
        }
        for &(pos, out) in &self.wanted {
            let (s, e) = self.spans[pos];
            let checked = self.checked[pos];
            let column = self.columns[out]
                .as_mut()
                .expect("projected columns have builders");
            match (column, checked) {
                (Column::I32(b), Checked::Int(v)) => b.append_value(v as i32),
                (Column::I64(b), Checked::Int(v)) => b.append_value(v),
                (Column::Str(b), Checked::Text | Checked::Redacted) => {
                    b.append_value(&line[s as usize..e as usize])
                }
                (Column::I32(b), _) => b.append_null(),
                (Column::I64(b), _) => b.append_null(),
                (Column::Str(b), _) => b.append_null(),
            }
            if checked == Checked::Redacted {
                self.redacted += 1;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Takes the rows appended so far as a batch and starts a new one.
    pub fn finish(&mut self) -> RecordBatch {
        let rows = self.rows;
        let mut fresh = self.new_columns();
        std::mem::swap(&mut fresh, &mut self.columns);
        let arrays: Vec<ArrayRef> = fresh
            .into_iter()
            .zip(self.schema.fields())
            .map(|(col, field)| match col {
                Some(Column::I32(mut b)) => Arc::new(b.finish()) as ArrayRef,
                Some(Column::I64(mut b)) => Arc::new(b.finish()) as ArrayRef,
                Some(Column::Str(mut b)) => Arc::new(
                    StringArray::try_from_binary(b.finish())
                        .expect("text tokens were checked to be UTF-8"),
                ) as ArrayRef,
                None => new_null_array(field.data_type(), rows),
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .expect("columns match the schema by construction")
    }
}

/// The high bit of each byte of `word` that is a space or a tab; exact (no false positives), so the caller can
/// take positions straight from the mask.
#[inline]
fn separator_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero_bytes = |x: u64| !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
    zero_bytes(word ^ (ONES * b' ' as u64)) | zero_bytes(word ^ (ONES * b'\t' as u64))
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
        let mut b = BatchBuilder::new(&Format::default_v2(), None, 1);
        let n = b.split(line.as_bytes());
        b.spans[..n]
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
