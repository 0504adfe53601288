//! The hot path: lines of text into Arrow columns.
//!
//! One pass per line, straight into the vectors Arrow takes over without copying; nothing is allocated per
//! record. Lines written the way AWS writes them (single spaces, plain values) are read in a single pass that
//! finds each field's end while reading its value, driven by a plan made once per format. Anything else is
//! undone and read by the general path, which splits the line first and then checks each value, so that it can
//! say exactly what is wrong. A line with the wrong number of fields is refused at once; a line with a bad value
//! is kept until `finish`, which leaves it out of the batch and returns its error by row.
//!
//! Text columns are `Utf8` by default, or `Utf8View` for the query engine ([`BatchBuilder::with_views`]): a view
//! holds a value of up to 12 bytes itself, so addresses and words are written without copying their bytes. A
//! query's equalities ([`BatchBuilder::keep_only`]) let the reader leave out well-formed lines without parsing
//! them ([`BatchBuilder::excludes`]).
//!
//! An earlier version split every line and checked the values a column at a time when the batch was finished;
//! storing and re-reading the spans cost more than the per-field dispatch it saved (~3,300 instructions a line).

use crate::fields::{Field, Kind};
use crate::format::Format;
use crate::values::{Checked, ValueError, check, parse_addr};
use arrow::array::builder::BooleanBufferBuilder;
use arrow::array::{
    ArrayRef, BooleanArray, PrimitiveArray, StringArray, StringViewArray, new_null_array,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int32Type, Int64Type, Schema, SchemaRef};
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

impl std::error::Error for LineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            LineErrorKind::BadValue { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl LineError {
    /// A stable name for what is wrong (kebab-case, as a rule id): `field-count`, `bad-value`, `not-text`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            LineErrorKind::FieldCount { .. } => "field-count",
            LineErrorKind::BadValue { .. } => "bad-value",
            LineErrorKind::NotText => "not-text",
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

/// What to do with one field of the format: skip it, or check it and append it to a typed column.
#[derive(Clone, Copy)]
enum Op {
    /// Fields not projected: only their extent matters. One field each in `ops`; in the single pass's `steps`,
    /// a run of neighbours taken in one stride.
    Skip { fields: usize },
    /// An integer up to `max` into `ints32[col]`.
    Int32 { col: usize, max: i64 },
    /// An integer up to `max` into `ints64[col]`.
    Int64 { col: usize, max: i64 },
    /// A counter or time into `ints64[col]` (any `bigint`).
    Count { col: usize },
    /// An address into `texts[col]`.
    Addr { col: usize },
    /// One of the words of `kind` into `texts[col]`.
    Word { col: usize, kind: Kind },
    /// Free text into `texts[col]`.
    Text { col: usize },
}

/// An integer column being built.
struct IntColumn<T> {
    values: Vec<T>,
    nulls: Nulls,
}

/// A text column being built, as `Utf8` (offsets and value bytes) or as `Utf8View` (one 16-byte view per row,
/// holding values of up to 12 bytes itself, and the bytes of longer values).
struct TextColumn {
    values: Vec<u8>,
    /// `Utf8`: the end of each row's value, after a first 0. Empty for views.
    offsets: Vec<i32>,
    /// `Utf8View`: each row's view. Empty for `Utf8`.
    views: Vec<u128>,
    as_views: bool,
    nulls: Nulls,
}

impl TextColumn {
    /// Appends `line[start..end]`.
    #[inline(always)]
    fn push(&mut self, line: &[u8], start: usize, end: usize) {
        if self.as_views {
            self.push_view(line, start, end);
            return;
        }
        // Short tokens are copied as one fixed-size block, then cut to length: one 16- or 32-byte move instead of
        // a call to `memcpy` for a dozen bytes.
        let len = self.values.len() + (end - start);
        if let Some(block) = line.get(start..start + 16).filter(|_| end - start <= 16) {
            let block: &[u8; 16] = block.try_into().expect("16 bytes");
            self.values.extend_from_slice(block);
            self.values.truncate(len);
        } else if let Some(block) = line.get(start..start + 32).filter(|_| end - start <= 32) {
            let block: &[u8; 32] = block.try_into().expect("32 bytes");
            self.values.extend_from_slice(block);
            self.values.truncate(len);
        } else {
            self.values.extend_from_slice(&line[start..end]);
        }
        self.offsets.push(len as i32);
    }

    /// Appends the first `len` bytes of `block`.
    #[inline(always)]
    fn push_block(&mut self, block: &[u8; 8], len: usize) {
        if self.as_views {
            let bytes = u64::from_le_bytes(*block) & (u64::MAX >> (8 * (8 - len)));
            self.views.push(((bytes as u128) << 32) | len as u128);
            return;
        }
        let len = self.values.len() + len;
        self.values.extend_from_slice(block);
        self.values.truncate(len);
        self.offsets.push(len as i32);
    }

    /// Appends `line[start..end]` as a view. Arrow's layout, read as a little-endian `u128`: the length in the
    /// low 32 bits, then either the value itself, zero-padded (up to 12 bytes), or its first four bytes, the
    /// buffer (always 0 here) and the offset of the value in it. An address or a word fits in the view, so most
    /// rows copy nothing.
    #[inline(always)]
    fn push_view(&mut self, line: &[u8], start: usize, end: usize) {
        let len = end - start;
        if len <= 12 {
            let bytes = match line.get(start..start + 16) {
                Some(block) => u128::from_le_bytes(block.try_into().expect("16 bytes")),
                None => {
                    let mut block = [0u8; 16];
                    block[..len].copy_from_slice(&line[start..end]);
                    u128::from_le_bytes(block)
                }
            };
            let bytes = bytes & (u128::MAX >> (8 * (16 - len)));
            self.views.push((bytes << 32) | len as u128);
            return;
        }
        let offset = self.values.len();
        match line.get(start..start + 32).filter(|_| len <= 32) {
            Some(block) => {
                self.values.extend_from_slice(block);
                self.values.truncate(offset + len);
            }
            None => self.values.extend_from_slice(&line[start..end]),
        }
        let prefix = u32::from_le_bytes(line[start..start + 4].try_into().expect("4 bytes"));
        self.views
            .push(len as u128 | (prefix as u128) << 32 | (offset as u128) << 96);
    }

    /// Appends a token of the general path, or a null.
    fn push_token(&mut self, token: Option<&[u8]>, row: usize) {
        match token {
            Some(token) => self.push(token, 0, token.len()),
            None if self.as_views => self.views.push(0),
            None => self.offsets.push(self.values.len() as i32),
        }
        if token.is_none() {
            self.nulls.push(row);
        }
    }

    /// Takes the rows pushed since the last batch back to `rows`.
    fn rewind(&mut self, rows: usize) {
        if self.as_views {
            // Bytes of long values the removed rows left behind are never looked at.
            self.views.truncate(rows);
        } else {
            self.offsets.truncate(rows + 1);
            self.values.truncate(self.offsets[rows] as usize);
        }
        self.nulls.rewind(rows);
    }
}

/// The rows of a column that are null. Nulls are rare and only the general path makes them, so the single pass
/// pays nothing for validity; the bitmap is made when the batch is finished.
#[derive(Default)]
struct Nulls(Vec<u32>);

impl Nulls {
    fn push(&mut self, row: usize) {
        self.0.push(row as u32);
    }

    fn rewind(&mut self, rows: usize) {
        while self.0.last().is_some_and(|r| *r as usize >= rows) {
            self.0.pop();
        }
    }

    fn take(&mut self, rows: usize) -> Option<NullBuffer> {
        if self.0.is_empty() {
            return None;
        }
        let mut valid = BooleanBufferBuilder::new(rows);
        valid.append_n(rows, true);
        for row in self.0.drain(..) {
            valid.set_bit(row as usize, false);
        }
        Some(NullBuffer::new(valid.finish()))
    }
}

/// The values of one field that a query keeps.
struct Wanted {
    /// The field's place on the line.
    pos: usize,
    kind: Kind,
    /// For integer kinds.
    ints: Vec<i64>,
    /// For the others, as written.
    texts: Vec<Vec<u8>>,
}

/// Where an output column comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Int32(usize),
    Int64(usize),
    Text(usize),
    /// The format lacks the field: all null.
    Missing,
}

/// Builds Arrow record batches from lines of one format.
pub struct BatchBuilder {
    format: Format,
    schema: SchemaRef,
    /// One operation per field of the format, in line order (the general path).
    ops: Vec<Op>,
    /// `ops` with each run of skipped fields made one step (the single pass).
    steps: Vec<Op>,
    /// Per output column, where its values are built.
    sources: Vec<Source>,
    ints32: Vec<IntColumn<i32>>,
    ints64: Vec<IntColumn<i64>>,
    texts: Vec<TextColumn>,
    /// Whether text columns are built as `Utf8View` rather than `Utf8`.
    views: bool,
    /// Lines whose value of a field is none of the wanted ones are left out unread (see [`Self::excludes`]).
    filters: Vec<Wanted>,
    /// Field spans of the line being pushed, for the general path (scratch).
    scratch: Vec<(u32, u32)>,
    /// Value errors of the rows pushed since the last `finish`, in row order.
    errors: Vec<RowError>,
    capacity: usize,
    rows: usize,
    text_bytes: usize,
    redacted: u64,
    /// Tests compare the single pass with the general path by turning the single pass off.
    #[cfg(test)]
    general_only: bool,
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
        let mut ops = vec![Op::Skip { fields: 1 }; format.len()];
        let mut sources = Vec::with_capacity(projection.len());
        let (mut n32, mut n64, mut ntext) = (0, 0, 0);
        for field in &projection {
            let Some(pos) = format.position(*field) else {
                sources.push(Source::Missing);
                continue;
            };
            // A field projected twice is read once and shared by its columns.
            if let Some(i) = projection.iter().position(|f| f == field)
                && i < sources.len()
                && sources[i] != Source::Missing
            {
                sources.push(sources[i]);
                continue;
            }
            let (op, source) = match field.kind() {
                Kind::Int32 => (
                    Op::Int32 {
                        col: n32,
                        max: i32::MAX as i64,
                    },
                    Source::Int32(n32),
                ),
                Kind::Port => (
                    Op::Int32 {
                        col: n32,
                        max: 65535,
                    },
                    Source::Int32(n32),
                ),
                Kind::TcpFlags | Kind::TrafficPath => {
                    (Op::Int32 { col: n32, max: 255 }, Source::Int32(n32))
                }
                Kind::Int64 => (Op::Count { col: n64 }, Source::Int64(n64)),
                Kind::Protocol => (Op::Int64 { col: n64, max: 255 }, Source::Int64(n64)),
                Kind::Addr => (Op::Addr { col: ntext }, Source::Text(ntext)),
                Kind::Text => (Op::Text { col: ntext }, Source::Text(ntext)),
                kind => (Op::Word { col: ntext, kind }, Source::Text(ntext)),
            };
            match source {
                Source::Int32(_) => n32 += 1,
                Source::Int64(_) => n64 += 1,
                _ => ntext += 1,
            }
            ops[pos] = op;
            sources.push(source);
        }
        let mut steps: Vec<Op> = Vec::with_capacity(ops.len());
        for op in &ops {
            match (steps.last_mut(), op) {
                (Some(Op::Skip { fields }), Op::Skip { .. }) => *fields += 1,
                _ => steps.push(*op),
            }
        }
        let mut builder = BatchBuilder {
            format: format.clone(),
            schema,
            ops,
            steps,
            sources,
            ints32: Vec::new(),
            ints64: Vec::new(),
            texts: Vec::new(),
            views: false,
            filters: Vec::new(),
            scratch: Vec::with_capacity(format.len() + 1),
            errors: Vec::new(),
            capacity: capacity.max(1),
            rows: 0,
            text_bytes: 0,
            redacted: 0,
            #[cfg(test)]
            general_only: false,
        };
        builder.ints32 = (0..n32).map(|_| builder.int_column()).collect();
        builder.ints64 = (0..n64).map(|_| builder.int_column()).collect();
        builder.texts = (0..ntext).map(|_| builder.text_column()).collect();
        builder
    }

    fn int_column<T>(&self) -> IntColumn<T> {
        IntColumn {
            values: Vec::with_capacity(self.capacity),
            nulls: Nulls::default(),
        }
    }

    fn text_column(&self) -> TextColumn {
        if self.views {
            return TextColumn {
                values: Vec::new(),
                offsets: Vec::new(),
                views: Vec::with_capacity(self.capacity),
                as_views: true,
                nulls: Nulls::default(),
            };
        }
        let mut offsets = Vec::with_capacity(self.capacity + 1);
        offsets.push(0);
        TextColumn {
            values: Vec::with_capacity(self.capacity * 16),
            offsets,
            views: Vec::new(),
            as_views: false,
            nulls: Nulls::default(),
        }
    }

    /// Builds text columns as `Utf8View` instead of `Utf8`: what DataFusion works on, made here at less cost than
    /// a cast afterwards. Call before the first line.
    pub fn with_views(mut self) -> BatchBuilder {
        self.views = true;
        self.texts = (0..self.texts.len()).map(|_| self.text_column()).collect();
        let fields: Vec<_> = self
            .schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
                _ => f.as_ref().clone(),
            })
            .collect();
        self.schema = Arc::new(Schema::new(fields));
        self
    }

    /// Lets [`Self::excludes`] leave out lines whose `field` holds a valid value other than `values` (a query's
    /// `field = v` or `field IN (…)`; integers compare as numbers, anything else as written). Ignored when the
    /// format lacks the field.
    pub fn keep_only(&mut self, field: Field, values: &[String]) {
        let Some(pos) = self.format.position(field) else {
            return;
        };
        let kind = field.kind();
        let mut wanted = Wanted {
            pos,
            kind,
            ints: Vec::new(),
            texts: Vec::new(),
        };
        for v in values {
            match check(kind, v.as_bytes()) {
                Ok(Checked::Int(i)) => wanted.ints.push(i),
                _ => wanted.texts.push(v.as_bytes().to_vec()),
            }
        }
        self.filters.push(wanted);
    }

    /// Whether `line` can be left out without reading it, because a field given to [`Self::keep_only`] holds a
    /// valid value that the query does not want. Only a line of the right shape qualifies (the format's number
    /// of fields, single spaces, no tabs or comments) whose filtered fields all hold valid values; anything else
    /// is pushed, so that a malformed line or a bad value in a filtered field is still reported. Values in the other fields of a line left out are not
    /// checked, as for fields a query does not read.
    #[inline]
    pub fn excludes(&self, line: &[u8]) -> bool {
        !self.filters.is_empty() && self.unwanted(line)
    }

    fn unwanted(&self, line: &[u8]) -> bool {
        let kept = line.iter().rposition(|b| *b != b'\r').map_or(0, |i| i + 1);
        let line = &line[..kept];
        let n = self.format.len();
        if plain_fields(line) != Some(n) {
            return false;
        }
        // Left out when every filtered field holds a valid value (so that a bad one is still reported) and one of
        // them is not wanted.
        let mut unwanted = false;
        for w in &self.filters {
            // The field, counted from the nearer end of the line.
            let token = if w.pos < n / 2 {
                line.split(|b| *b == b' ').nth(w.pos)
            } else {
                line.rsplit(|b| *b == b' ').nth(n - 1 - w.pos)
            };
            let Some(token) = token else {
                return false;
            };
            unwanted |= match check(w.kind, token) {
                Ok(Checked::Int(v)) => !w.ints.contains(&v),
                Ok(Checked::Text) if std::str::from_utf8(token).is_ok() => {
                    !w.texts.iter().any(|t| t == token)
                }
                _ => return false,
            };
        }
        unwanted
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

    /// Values written over with `x` that were read as absent or kept as text, in the good rows pushed so far.
    pub fn redacted(&self) -> u64 {
        self.redacted
    }

    /// Bytes of line text taken into the current batch; the caller finishes the batch early when this grows
    /// large, so that very long lines cannot overflow Arrow's 32-bit offsets.
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// Takes one line (without its terminator; trailing `\r` are ignored). A line with the wrong number of
    /// fields is refused at once; a line with a bad value is taken, and left out of the batch by `finish` with
    /// its error.
    pub fn push_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let line = match line.last() {
            Some(b'\r') => {
                let kept = line.iter().rposition(|b| *b != b'\r').map_or(0, |i| i + 1);
                &line[..kept]
            }
            _ => line,
        };
        // Nearly every line is written the way AWS writes them: single spaces, plain values. Those go through a
        // single pass that finds each field's end while reading its value; anything else (blanks in runs, tabs,
        // comments, `-`, redacted or bad values, non-ASCII text, IPv6 in odd forms) is undone and goes through
        // the general path, which splits first and then checks, and so can say exactly what is wrong.
        #[cfg(test)]
        let fast = !self.general_only && self.fast_line(line).is_some();
        #[cfg(not(test))]
        let fast = self.fast_line(line).is_some();
        if !fast {
            self.rewind();
            self.general_line(line)?;
        }
        self.rows += 1;
        self.text_bytes += line.len();
        Ok(())
    }

    /// The single pass. Returns `None`, with some columns possibly appended to, when the line is not plain.
    #[inline]
    fn fast_line(&mut self, line: &[u8]) -> Option<()> {
        // Each step checks its field and the single space after it, and says where the next field starts; the end
        // of the line counts as the last field's separator, so a field found missing reads from past the end.
        let mut pos = 0;
        for op in &self.steps {
            pos = match *op {
                Op::Int32 { col, max } => {
                    let (value, next) = fast_int(line, pos)?;
                    if value > max as u64 {
                        return None;
                    }
                    self.ints32[col].values.push(value as i32);
                    next
                }
                Op::Int64 { col, max } => {
                    let (value, next) = fast_int(line, pos)?;
                    if value > max as u64 {
                        return None;
                    }
                    self.ints64[col].values.push(value as i64);
                    next
                }
                Op::Count { col } => {
                    // At most 16 digits: always in range.
                    let (value, next) = fast_int(line, pos)?;
                    self.ints64[col].values.push(value as i64);
                    next
                }
                Op::Addr { col } => {
                    // Near the end of the line, and for IPv6, the token is found first and then parsed.
                    let ipv4 = line.get(pos..pos + 16).and_then(ipv4_in_chunk);
                    let end = ipv4.map(|len| pos + len).or_else(|| {
                        let end = token_end(line, pos)?;
                        parse_addr(&line[pos..end]).map(|_| end)
                    })?;
                    self.texts[col].push(line, pos, end);
                    after(line, end)?
                }
                Op::Word { col, kind } => {
                    let end = token_end(line, pos)?;
                    let token = &line[pos..end];
                    match known_word(kind, token) {
                        Some(block) => self.texts[col].push_block(block, token.len()),
                        None if check(kind, token) == Ok(Checked::Text) => {
                            self.texts[col].push(line, pos, end)
                        }
                        None => return None,
                    }
                    end + 1
                }
                Op::Text { col } => {
                    let end = token_end(line, pos)?;
                    if end - pos == 1 && line[pos] == b'-' {
                        return None;
                    }
                    self.texts[col].push(line, pos, end);
                    end + 1
                }
                Op::Skip { fields } => skip_fields(line, pos, fields)?,
            };
        }
        (pos == line.len() + 1).then_some(())
    }

    /// Takes every column back to the rows before the current line.
    #[cold]
    fn rewind(&mut self) {
        let rows = self.rows;
        for c in &mut self.ints32 {
            c.values.truncate(rows);
            c.nulls.rewind(rows);
        }
        for c in &mut self.ints64 {
            c.values.truncate(rows);
            c.nulls.rewind(rows);
        }
        for c in &mut self.texts {
            c.rewind(rows);
        }
    }

    /// The general path: split, check the field count, then check each projected value, recording the leftmost
    /// bad one.
    #[cold]
    fn general_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let found = split(line, &mut scratch);
        if found != self.format.len() {
            let column = scratch
                .get(self.format.len())
                .map_or(0, |s| s.0 as usize + 1);
            self.scratch = scratch;
            return Err(LineError {
                column,
                kind: LineErrorKind::FieldCount {
                    found,
                    expected: self.format.len(),
                },
            });
        }
        let mut error: Option<LineError> = None;
        let mut redacted = 0;
        for (pos, op) in self.ops.iter().enumerate() {
            let (start, end) = scratch[pos];
            let token = &line[start as usize..end as usize];
            let bad = |reason| LineError {
                column: start as usize + 1,
                kind: LineErrorKind::BadValue {
                    field: self.format.fields()[pos],
                    text: String::from_utf8_lossy(&token[..token.len().min(60)]).into_owned(),
                    reason,
                },
            };
            match *op {
                Op::Skip { .. } => {}
                Op::Int32 { col, .. } | Op::Int64 { col, .. } | Op::Count { col } => {
                    let kind = self.format.fields()[pos].kind();
                    let value = match check(kind, token) {
                        Ok(Checked::Int(v)) => Some(v),
                        Ok(Checked::Redacted) => {
                            redacted += 1;
                            None
                        }
                        Ok(_) => None,
                        Err(reason) => {
                            error.get_or_insert_with(|| bad(reason));
                            None
                        }
                    };
                    if let Op::Int32 { .. } = op {
                        let column = &mut self.ints32[col];
                        column.values.push(value.unwrap_or(0) as i32);
                        if value.is_none() {
                            column.nulls.push(self.rows);
                        }
                    } else {
                        let column = &mut self.ints64[col];
                        column.values.push(value.unwrap_or(0));
                        if value.is_none() {
                            column.nulls.push(self.rows);
                        }
                    }
                }
                Op::Addr { col } | Op::Word { col, .. } | Op::Text { col } => {
                    let kind = self.format.fields()[pos].kind();
                    let keep = match check(kind, token) {
                        Ok(Checked::Absent) => false,
                        Ok(Checked::Redacted) => {
                            redacted += 1;
                            true
                        }
                        Ok(_) => match std::str::from_utf8(token) {
                            Ok(_) => true,
                            Err(e) => {
                                error.get_or_insert(LineError {
                                    column: start as usize + 1 + e.valid_up_to(),
                                    kind: LineErrorKind::NotText,
                                });
                                false
                            }
                        },
                        Err(reason) => {
                            error.get_or_insert_with(|| bad(reason));
                            false
                        }
                    };
                    self.texts[col].push_token(keep.then_some(token), self.rows);
                }
            }
        }
        self.scratch = scratch;
        match error {
            Some(error) => self.errors.push(RowError {
                row: self.rows,
                error,
            }),
            None => self.redacted += redacted,
        }
        Ok(())
    }

    /// Returns the lines pushed so far as a batch of the good rows, with the errors of the others. The builder is
    /// then empty and ready for the next batch.
    pub fn finish(&mut self) -> Parsed {
        let rows = self.rows;
        let capacity = self.capacity;
        let ints32 = take_ints::<Int32Type>(&mut self.ints32, rows, capacity);
        let ints64 = take_ints::<Int64Type>(&mut self.ints64, rows, capacity);
        let mut texts: Vec<ArrayRef> = Vec::with_capacity(self.texts.len());
        for i in 0..self.texts.len() {
            let fresh = self.text_column();
            let mut c = std::mem::replace(&mut self.texts[i], fresh);
            let nulls = c.nulls.take(rows);
            texts.push(checked_strings(c, nulls));
        }
        let arrays: Vec<ArrayRef> = self
            .sources
            .iter()
            .zip(self.schema.fields())
            .map(|(source, field)| match *source {
                Source::Int32(i) => ints32[i].clone(),
                Source::Int64(i) => ints64[i].clone(),
                Source::Text(i) => texts[i].clone(),
                Source::Missing => new_null_array(field.data_type(), rows),
            })
            .collect();
        let batch = RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .expect("columns match the schema by construction");
        let errors = std::mem::take(&mut self.errors);
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
        self.rows = 0;
        self.text_bytes = 0;
        Parsed { batch, errors }
    }
}

/// The integer columns as Arrow arrays, leaving empty ones of `capacity` in their place.
fn take_ints<T: ArrowPrimitiveType>(
    columns: &mut [IntColumn<T::Native>],
    rows: usize,
    capacity: usize,
) -> Vec<ArrayRef> {
    columns
        .iter_mut()
        .map(|c| {
            let values = std::mem::replace(&mut c.values, Vec::with_capacity(capacity));
            let array: ArrayRef = Arc::new(PrimitiveArray::<T>::new(
                ScalarBuffer::from(values),
                c.nulls.take(rows),
            ));
            array
        })
        .collect()
}

/// A string column from values that were checked as they were appended.
///
/// This is the one place the workspace allows `unsafe`. Arrow's checked constructor would check again that the
/// values are UTF-8 and that every offset falls on a character boundary and never decreases: ~95 instructions a
/// line for the six text columns of the default format, 5% of parsing. Both hold by construction: the single
/// pass appends only tokens made of printable ASCII (`token_end` refuses anything else; addresses are digits,
/// dots and, through the standard parser, hex and colons; words are constants), the general path appends only
/// tokens that `str::from_utf8` or a value check accepted (redacted values are `x`, `X`, `.`, `:`, `*`), each
/// appended whole with its end as the next offset. Debug builds (every test, the fuzz targets' checks) verify it
/// with Arrow's own check.
///
/// Views hold the same tokens: inline ones whole, long ones as length, first four bytes and offset of a token
/// appended whole to the one buffer (rewound rows leave bytes no view points to, which is allowed).
#[allow(unsafe_code)]
fn checked_strings(column: TextColumn, nulls: Option<NullBuffer>) -> ArrayRef {
    let values = Buffer::from_vec(column.values);
    // Offsets are `i32` (views' `u32`): past 2 GiB they would have wrapped (the reader finishes batches long
    // before that).
    let check = cfg!(debug_assertions) || values.len() > i32::MAX as usize;
    if column.as_views {
        let views = ScalarBuffer::from(column.views);
        let buffers = if values.is_empty() {
            vec![]
        } else {
            vec![values]
        };
        if check {
            return Arc::new(
                StringViewArray::try_new(views, buffers, nulls).expect("views of appended text"),
            );
        }
        // SAFETY: every view was made by `push_view` from a token that is valid UTF-8 (see above): inline with
        // its exact length and zero padding, or pointing at the token's bytes in buffer 0 with its own prefix.
        return Arc::new(unsafe { StringViewArray::new_unchecked(views, buffers, nulls) });
    }
    let offsets = ScalarBuffer::from(column.offsets);
    if check {
        return Arc::new(
            StringArray::try_new(OffsetBuffer::new(offsets), values, nulls)
                .expect("appended text is UTF-8, offsets at token ends"),
        );
    }
    // SAFETY: the offsets start at 0, never decrease, end at `values.len()` and fall between tokens, each of which
    // is valid UTF-8 (see above), so every slice between two offsets is UTF-8 on character boundaries.
    Arc::new(unsafe {
        StringArray::new_unchecked(OffsetBuffer::new_unchecked(offsets), values, nulls)
    })
}

/// Reads the decimal digits at `pos` and the separator after them: the value and where the next field starts.
/// `None` when there are no digits, more than 16 (so that the value cannot overflow; longer numbers go the
/// general way), or something other than a space or the end of the line after them.
///
/// Eight bytes at a time: the digits are found with one mask and combined with three multiplications instead of
/// one multiply-add and one branch per digit, and the byte after them is already in hand.
#[inline(always)]
fn fast_int(line: &[u8], pos: usize) -> Option<(u64, usize)> {
    let (value, n, digits) = eight(line, pos)?;
    if n < 8 {
        // The byte after the digits, less `'0'` (exact: nothing borrows from the digits before it).
        return (n > 0 && (digits >> (8 * n)) as u8 == b' '.wrapping_sub(b'0'))
            .then_some((value, pos + n + 1));
    }
    let (low, m, digits) = eight(line, pos + 8)?;
    (m < 8 && (digits >> (8 * m)) as u8 == b' '.wrapping_sub(b'0'))
        .then_some((value * POW10[m] + low, pos + 8 + m + 1))
}

/// The value of the up to eight digits at `pos`, how many there are, and the eight bytes less `'0'`. Too close
/// to the end of the line for an eight-byte read, it reads byte by byte.
#[inline(always)]
fn eight(line: &[u8], pos: usize) -> Option<(u64, usize, u64)> {
    let Some(bytes) = line.get(pos..pos + 8) else {
        return short_digits(line, pos);
    };
    let word = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    let digits = word.wrapping_sub(0x3030_3030_3030_3030);
    // High bit of each byte that is not a digit; exact up to the first one (borrows and carries only move
    // towards later bytes).
    let odd = (digits | digits.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
    let n = (odd.trailing_zeros() / 8) as usize;
    let value = if n == 0 {
        0
    } else {
        eight_digits(digits << (8 * (8 - n)))
    };
    Some((value, n, digits))
}

/// `eight` near the end of the line: the digits up to it, with the end of the line standing for a space.
#[cold]
fn short_digits(line: &[u8], pos: usize) -> Option<(u64, usize, u64)> {
    let rest = line.get(pos..)?;
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if n >= 8 {
        return None;
    }
    let value = rest[..n].iter().fold(0, |v, b| v * 10 + (b - b'0') as u64);
    let after = rest.get(n).map_or(b' ', |b| *b).wrapping_sub(b'0');
    Some((value, n, (after as u64) << (8 * n)))
}

const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The number written by eight digit values (0 to 9, one per byte, the first byte most significant).
#[inline(always)]
fn eight_digits(digits: u64) -> u64 {
    let pairs = (digits & 0x0f00_0f00_0f00_0f00) >> 8;
    let v = pairs + (digits & 0x000f_000f_000f_000f) * 10;
    let quads = (v & 0x00ff_0000_00ff_0000) >> 16;
    let v = quads + (v & 0x0000_00ff_0000_00ff) * 100;
    ((v & 0x0000_ffff_0000_0000) >> 32) + (v & 0x0000_0000_0000_ffff) * 10_000
}

/// The length of the dotted-quad IPv4 address at the start of `chunk` when the standard parser would accept it and
/// a space follows it. Sixteen bytes at once and no branch per byte: octets of one to three digits at random made
/// the byte loop it replaced mispredict at nearly every address.
#[inline(always)]
fn ipv4_in_chunk(chunk: &[u8]) -> Option<usize> {
    use wide::u8x16;
    let bytes = u8x16::new(chunk.try_into().expect("16 bytes"));
    let mask = |v: u8x16| v.move_mask() as u32;
    // Digit values; anything else is 10 or more.
    let values = bytes - u8x16::splat(b'0');
    let at_most = |n: u8| mask(values.min(u8x16::splat(n)).cmp_eq(values));
    let digits = at_most(9);
    let dots = mask(bytes.cmp_eq(u8x16::splat(b'.')));
    let end = (!(digits | dots)).trailing_zeros() as usize;
    if !(7..16).contains(&end) || chunk[end] != b' ' {
        return None;
    }
    let inside = (1u32 << end) - 1;
    let (digits, dots) = (digits & inside, dots & inside);
    // Where octets start: the first byte, and each byte after a dot.
    let starts = (1 | dots << 1) & inside;
    // A dot first, last or after a dot (an empty octet), or four digits in a row.
    let misshapen =
        dots & (1 | dots << 1 | 1 << (end - 1)) | digits & digits >> 1 & digits >> 2 & digits >> 3;
    let leading_zero = starts & at_most(0) & digits >> 1;
    // Three-digit octets over 255: the first digit over 2, or 2 and then over 5, or 25 and then over 5.
    let (over2, over5) = (digits & !at_most(2), digits & !at_most(5));
    let (two, five) = (at_most(2) & !at_most(1), at_most(5) & !at_most(4));
    let three = starts & digits >> 1 & digits >> 2;
    let over255 = three & (over2 | two & (over5 >> 1 | five >> 1 & over5 >> 2));
    (ones16(dots) == 3 && misshapen | leading_zero | over255 == 0).then_some(end)
}

/// Where the next field starts after a token that ends at `end`: past a single space, or past the end of the
/// line.
#[inline(always)]
fn after(line: &[u8], end: usize) -> Option<usize> {
    match line.get(end) {
        Some(b' ') | None => Some(end + 1),
        Some(_) => None,
    }
}

/// Where the token at `pos` ends (the next space, or the end of the line). `None` when the token is empty or
/// holds a byte that the single pass leaves to the general path: a tab or other control byte, or non-ASCII.
#[inline(always)]
fn token_end(line: &[u8], pos: usize) -> Option<usize> {
    // A token starting with `#` begins a comment, which only the general path understands.
    match line.get(pos) {
        None | Some(b'#') => return None,
        _ => {}
    }
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut base = pos;
    while base + 8 <= line.len() {
        let word = u64::from_le_bytes(line[base..base + 8].try_into().expect("8 bytes"));
        let spaces = byte_mask(word, b' ');
        // Bytes below 0x20 (tabs, controls) or above 0x7f; exact up to the first one, which is all we look at.
        let odd = (word.wrapping_sub(0x2020_2020_2020_2020) & !word & HIGH) | (word & HIGH);
        if spaces != 0 {
            let before = (spaces - 1) & !spaces;
            if odd & before != 0 {
                return None;
            }
            let end = base + (spaces.trailing_zeros() / 8) as usize;
            return (end > pos).then_some(end);
        }
        if odd != 0 {
            return None;
        }
        base += 8;
    }
    for (i, &b) in line[base..].iter().enumerate() {
        if b == b' ' {
            let end = base + i;
            return (end > pos).then_some(end);
        }
        if !(0x21..0x7f).contains(&b) {
            return None;
        }
    }
    (line.len() > pos).then_some(line.len())
}

/// The words of actions and log statuses, padded to a block that is copied whole (they come last on the line,
/// where there are not 16 bytes left to copy from).
#[inline(always)]
fn known_word(kind: Kind, token: &[u8]) -> Option<&'static [u8; 8]> {
    match (kind, token) {
        (Kind::Action, b"ACCEPT") => Some(b"ACCEPT  "),
        (Kind::Action, b"REJECT") => Some(b"REJECT  "),
        (Kind::LogStatus, b"OK") => Some(b"OK      "),
        (Kind::LogStatus, b"NODATA") => Some(b"NODATA  "),
        (Kind::LogStatus, b"SKIPDATA") => Some(b"SKIPDATA"),
        _ => None,
    }
}

/// Splits `line` at runs of spaces or tabs into the scratch spans. A token that starts with `#` begins a
/// comment (AWS never writes one; documentation examples do). Returns the number of fields.
///
/// Separators are found eight bytes at a time (SWAR): most of a record's bytes are not separators, so a
/// byte-at-a-time loop spends its time on branches that almost never take.
fn split(line: &[u8], spans: &mut Vec<(u32, u32)>) -> usize {
    spans.clear();
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

/// Where the field `fields` fields after the one at `pos` starts (past the end of the line when they reach it),
/// for fields that are not read: nothing about them matters but that the general path would find the same ones,
/// so they must be non-empty, single spaces apart, with no tab and no `#` (`None` otherwise).
///
/// Sixteen bytes at a time: skipped fields are most of a line in most queries, and taking them token by token
/// cost as much as reading the wanted ones.
#[inline(always)]
fn skip_fields(line: &[u8], pos: usize, fields: usize) -> Option<usize> {
    // Separators still to find; the end of the line stands for the last one.
    let mut left = fields as u32;
    let mut base = pos;
    // The byte before `pos` counts as a space, so that a field may not start with one.
    let mut last_was_space = 1;
    while let Some(chunk) = line.get(base..base + 16) {
        let (spaces, odd) = separators16(chunk);
        let empty = spaces & ((spaces << 1) | last_was_space);
        let found = ones16(spaces);
        if found >= left {
            return nth_space(spaces, odd | empty, left).map(|at| base + at + 1);
        }
        if odd | empty != 0 {
            return None;
        }
        left -= found;
        last_was_space = spaces >> 15;
        base += 16;
    }
    // The last (up to) sixteen bytes: the line's last sixteen, less those already seen, with the end of the line
    // standing for one more space.
    let Some(start) = line.len().checked_sub(16) else {
        return skip_in_short_line(line, pos, fields);
    };
    // The loop stops with fewer than sixteen bytes left, so `base` is past `start`.
    let seen = base - start;
    if seen > 16 {
        return None;
    }
    let (spaces, odd) = separators16(&line[start..]);
    let (spaces, odd) = ((spaces >> seen) | (1 << (16 - seen)), odd >> seen);
    let empty = spaces & ((spaces << 1) | last_was_space);
    if ones16(spaces) < left {
        return None;
    }
    nth_space(spaces, odd | empty, left).map(|at| base + at + 1)
}

/// The place of the `nth` space of a chunk's mask (there are that many), when no byte up to it is `bad`.
#[inline(always)]
fn nth_space(spaces: u32, bad: u32, nth: u32) -> Option<usize> {
    let mut rest = spaces;
    for _ in 1..nth {
        rest &= rest - 1;
    }
    let at = rest.trailing_zeros();
    let upto = (2u32 << at).wrapping_sub(1);
    (bad & upto == 0).then_some(at as usize)
}

/// `skip_fields` on a line too short for a sixteen-byte read, a byte at a time.
#[cold]
fn skip_in_short_line(line: &[u8], pos: usize, fields: usize) -> Option<usize> {
    let mut left = fields;
    let mut last_was_space = true;
    for (i, &b) in line.iter().enumerate().skip(pos) {
        match b {
            b' ' if last_was_space => return None,
            b' ' => {
                left -= 1;
                if left == 0 {
                    return Some(i + 1);
                }
            }
            b'\t' | b'#' => return None,
            _ => {}
        }
        last_was_space = b == b' ';
    }
    (left == 1 && !last_was_space).then_some(line.len() + 1)
}

/// The spaces of 16 bytes, and their tabs and `#` (which only the general path understands), as bit masks: one
/// comparison per kind of byte and a bit per byte.
#[inline(always)]
fn separators16(chunk: &[u8]) -> (u32, u32) {
    use wide::u8x16;
    let bytes = u8x16::new(chunk.try_into().expect("16 bytes"));
    let spaces = bytes.cmp_eq(u8x16::splat(b' ')).move_mask() as u32;
    let odd =
        (bytes.cmp_eq(u8x16::splat(b'\t')) | bytes.cmp_eq(u8x16::splat(b'#'))).move_mask() as u32;
    (spaces, odd)
}

/// The number of bits set in a 16-bit mask, by table: the build targets plain x86-64, which lacks `popcnt`, so
/// `count_ones` is a dozen instructions there against two loads. (Building for x86-64-v2, with `popcnt`, made no
/// measurable difference to a query; see BENCHMARKS.md.)
#[inline(always)]
fn ones16(mask: u32) -> u32 {
    const ONES: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u32).count_ones() as u8;
            i += 1;
        }
        t
    };
    (ONES[(mask & 0xff) as usize] + ONES[((mask >> 8) & 0xff) as usize]) as u32
}

/// The number of fields of a line written plainly: single spaces between fields, none before the first or after
/// the last, no tabs and no `#`; `None` for any other line. On such a line the general path finds the same fields.
fn plain_fields(line: &[u8]) -> Option<usize> {
    if line.first().is_none_or(|b| *b == b' ') || line.last() == Some(&b' ') {
        return None;
    }
    let mut spaces_seen = 0;
    let mut last_was_space = 0;
    let chunks = line.chunks_exact(16);
    let tail = chunks.remainder();
    for chunk in chunks {
        let (spaces, odd) = separators16(chunk);
        if odd != 0 || spaces & ((spaces << 1) | last_was_space) != 0 {
            return None;
        }
        spaces_seen += ones16(spaces) as usize;
        last_was_space = spaces >> 15;
    }
    let mut last_was_space = last_was_space != 0;
    for &b in tail {
        match b {
            b' ' if last_was_space => return None,
            b' ' => spaces_seen += 1,
            b'\t' | b'#' => return None,
            _ => {}
        }
        last_was_space = b == b' ';
    }
    Some(spaces_seen + 1)
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
    use proptest::prelude::*;

    /// Tokens for each kind of field: plain values (the single pass), and everything it hands to the general
    /// path (`-`, redaction, bad values, limits, IPv6, non-ASCII, comments).
    fn tokens_for(kind: Kind) -> Vec<&'static str> {
        let mut t = vec![
            "-",
            "xxx",
            "x.x",
            "",
            "#",
            "#c",
            "é",
            "9999999999999999999999",
            "1e3",
            "+1",
            "0x1",
        ];
        t.extend(match kind {
            Kind::Int32
            | Kind::Int64
            | Kind::Port
            | Kind::Protocol
            | Kind::TcpFlags
            | Kind::TrafficPath => vec![
                "0",
                "7",
                "255",
                "256",
                "65535",
                "65536",
                "007",
                "1418530010",
                "2147483647",
                "2147483648",
                "12345678",
                "123456789",
                "1234567890123456",
                "12345678901234567",
                "999999999999999999",
                "9223372036854775807",
                "9223372036854775808",
                "12a",
                "1-",
            ],
            Kind::Addr => vec![
                "10.0.0.1",
                "172.31.9.69",
                "255.255.255.255",
                "256.1.1.1",
                "01.2.3.4",
                "1.2.3",
                "1.2.3.4.5",
                "1..2.3",
                "2001:db8::1",
                "::",
                "fe80::1%eth0",
                "::ffff:1.2.3.4",
                "xxx.xxx.xxx.xxx",
                "1.2.3.4x",
            ],
            Kind::Action => vec!["ACCEPT", "REJECT", "accept", "ACCEPTED", "REJEC"],
            Kind::LogStatus => vec!["OK", "NODATA", "SKIPDATA", "ok", "OKAY"],
            Kind::IpType => vec!["IPv4", "IPv6", "EFA", "ipv4"],
            Kind::Direction => vec!["ingress", "egress", "in"],
            Kind::Text => vec![
                "eni-1235b8ca123456789",
                "123456789010",
                "vpc-0a1b",
                "XXXXXXXXXXXX",
                "a\u{7f}b",
                "日本",
            ],
        });
        t
    }

    fn line_strategy(format: Format) -> impl Strategy<Value = String> {
        let fields: Vec<_> = format
            .fields()
            .iter()
            .map(|f| {
                let tokens = tokens_for(f.kind());
                // Mostly plain values, so that whole lines go through the single pass often.
                prop_oneof![4 => proptest::sample::select(tokens[11..].to_vec()), 1 => proptest::sample::select(tokens)]
            })
            .collect();
        let seps = proptest::collection::vec(
            prop_oneof![12 => Just(" "), 1 => Just("  "), 1 => Just("\t"), 1 => Just(" \t ")],
            format.len(),
        );
        let ends = prop_oneof![8 => Just(""), 1 => Just("\r"), 1 => Just(" "), 1 => Just(" # note"), 1 => Just(" extra")];
        (fields, seps, ends).prop_map(|(fields, seps, end)| {
            let mut line = String::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    line.push_str(seps[i]);
                }
                line.push_str(f);
            }
            line.push_str(end);
            line
        })
    }

    /// Pushes `lines` through a builder and returns everything observable.
    fn run(
        format: &Format,
        projection: Option<&[Field]>,
        lines: &[String],
        general_only: bool,
        views: bool,
    ) -> (Vec<Result<(), LineError>>, RecordBatch, Vec<RowError>, u64) {
        let mut b = BatchBuilder::new(format, projection, 4);
        if views {
            b = b.with_views();
        }
        b.general_only = general_only;
        let pushed = lines.iter().map(|l| b.push_line(l.as_bytes())).collect();
        let parsed = b.finish();
        let mut batch = parsed.batch;
        if views {
            // The same values as `Utf8`, so that the batches compare.
            let plain = BatchBuilder::new(format, projection, 4).schema().clone();
            let columns = batch
                .columns()
                .iter()
                .zip(plain.fields())
                .map(|(c, f)| arrow::compute::cast(c, f.data_type()).unwrap())
                .collect();
            batch = RecordBatch::try_new_with_options(
                plain,
                columns,
                &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
            )
            .unwrap();
        }
        (pushed, batch, parsed.errors, b.redacted())
    }

    fn agrees(
        format: &Format,
        projection: Option<&[Field]>,
        lines: &[String],
    ) -> Result<(), TestCaseError> {
        let fast = run(format, projection, lines, false, false);
        // Views, both ways, must hold the same values as the offsets of the single pass.
        for other in [
            run(format, projection, lines, true, false),
            run(format, projection, lines, false, true),
            run(format, projection, lines, true, true),
        ] {
            prop_assert_eq!(&fast.0, &other.0);
            prop_assert_eq!(&fast.1, &other.1);
            prop_assert_eq!(&fast.2, &other.2);
            prop_assert_eq!(fast.3, other.3);
        }
        Ok(())
    }

    fn custom() -> Format {
        Format::parse(
            "${version} ${vpc-id} ${srcaddr} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} \
             ${flow-direction} ${traffic-path} ${bytes} ${start} ${action} ${log-status}",
        )
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn single_pass_agrees_with_the_general_path(
            lines in proptest::collection::vec(line_strategy(Format::default_v2()), 1..12)
        ) {
            agrees(&Format::default_v2(), None, &lines)?;
            let some = [Field::Dstport, Field::Srcaddr, Field::Action, Field::Bytes, Field::Dstport];
            agrees(&Format::default_v2(), Some(&some), &lines)?;
            // Long runs of skipped fields, at the start, the middle and the end of the line.
            for few in [&[Field::Srcaddr, Field::Dstaddr, Field::Bytes][..], &[Field::InterfaceId], &[Field::LogStatus]] {
                agrees(&Format::default_v2(), Some(few), &lines)?;
            }
        }

        /// The sixteen-byte IPv4 check accepts exactly what the standard parser accepts, followed by a space.
        #[test]
        fn ipv4_in_chunk_agrees_with_std(
            chunk in proptest::collection::vec(proptest::sample::select(b"0123456789.....  x".to_vec()), 16),
            octets in proptest::array::uniform4(0u16..300),
            zero in proptest::bool::ANY,
        ) {
            let text = String::from_utf8(chunk.clone()).unwrap();
            let expected = text.split_once(' ').and_then(|(address, _)| {
                address.parse::<std::net::Ipv4Addr>().is_ok().then_some(address.len())
            });
            prop_assert_eq!(ipv4_in_chunk(&chunk), expected, "{:?}", text);
            // Mostly valid addresses, some with an octet over 255 or a leading zero.
            let address = octets.map(|o| if zero && o < 10 { format!("0{o}") } else { o.to_string() }).join(".");
            let line = format!("{address} 6 1234567890123");
            let expected = address.parse::<std::net::Ipv4Addr>().is_ok().then_some(address.len());
            prop_assert_eq!(ipv4_in_chunk(&line.as_bytes()[..16]), expected, "{}", line);
        }

        /// Skipping in strides finds what taking the fields one by one finds.
        #[test]
        fn skipping_agrees_with_field_by_field(
            line in proptest::collection::vec(proptest::sample::select(b"aaaaaaa  \t#\xc3".to_vec()), 0..80),
            pos in 0usize..82,
            fields in 1usize..14,
        ) {
            let one_by_one = || {
                let mut i = pos;
                for _ in 0..fields {
                    let start = i;
                    while let Some(&b) = line.get(i) {
                        match b {
                            b' ' => break,
                            b'\t' | b'#' => return None,
                            _ => i += 1,
                        }
                    }
                    if i == start {
                        return None;
                    }
                    i += 1;
                }
                Some(i)
            };
            prop_assert_eq!(skip_fields(&line, pos, fields), one_by_one());
        }

        /// A line is left out only when it is a good line that the query's filter refuses.
        #[test]
        fn lines_left_out_are_refused_by_the_filter(
            lines in proptest::collection::vec(line_strategy(Format::default_v2()), 1..12)
        ) {
            let format = Format::default_v2();
            let wanted_ports = ["255".to_string(), "7".to_string()];
            let mut b = BatchBuilder::new(&format, Some(&[Field::Action, Field::Dstport]), 16);
            b.keep_only(Field::Action, &["REJECT".to_string()]);
            b.keep_only(Field::Dstport, &wanted_ports);
            for line in &lines {
                let excluded = b.excludes(line.as_bytes());
                // A plain line has the fields the general path finds.
                let trimmed = line.trim_end_matches('\r').as_bytes();
                prop_assert!(plain_fields(trimmed).is_none_or(|n| n == split(trimmed, &mut Vec::new())));
                let pushed = b.push_line(line.as_bytes());
                let parsed = b.finish();
                if !excluded {
                    continue;
                }
                prop_assert!(pushed.is_ok(), "{:?} was left out but is bad: {:?}", line, pushed);
                prop_assert!(parsed.errors.is_empty(), "{line:?} was left out but has {:?}", parsed.errors);
                use arrow::array::Array;
                let action = parsed.batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
                let port = parsed.batch.column(1).as_any().downcast_ref::<arrow::array::Int32Array>().unwrap();
                prop_assert!(
                    action.value(0) != "REJECT" || !wanted_ports.contains(&port.value(0).to_string()),
                    "{line:?} was left out but is wanted"
                );
                prop_assert!(action.is_valid(0) && port.is_valid(0));
            }
        }

        #[test]
        fn single_pass_agrees_on_custom_formats(
            lines in proptest::collection::vec(line_strategy(custom()), 1..12)
        ) {
            agrees(&custom(), None, &lines)?;
            agrees(&custom(), Some(&[Field::PktSrcaddr, Field::Version, Field::Bytes, Field::TcpFlags]), &lines)?;
        }
    }

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
    fn plain_lines_whose_filtered_field_is_unwanted_are_left_out() {
        let mut b = BatchBuilder::new(&Format::default_v2(), None, 4);
        let line = |action: &str| {
            format!(
                "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 {action} OK"
            )
        };
        assert!(!b.excludes(line("ACCEPT").as_bytes()), "no filter yet");
        b.keep_only(Field::Action, &["REJECT".to_string()]);
        assert!(b.excludes(line("ACCEPT").as_bytes()));
        assert!(b.excludes(format!("{}\r", line("ACCEPT")).as_bytes()));
        assert!(!b.excludes(line("REJECT").as_bytes()));
        // Not plain, not a valid value, or not the right number of fields: read in full (and reported).
        assert!(!b.excludes(line("-").as_bytes()));
        assert!(!b.excludes(line("ACCEPTED").as_bytes()));
        assert!(!b.excludes(line("ACCEPT").replace(" 6 ", "  6 ").as_bytes()));
        assert!(!b.excludes(line("ACCEPT").replace(" 6 ", "\t6 ").as_bytes()));
        assert!(!b.excludes(line("ACCEPT").replace(" 6 ", " 6 7 ").as_bytes()));
        assert!(!b.excludes(format!("{} # note", line("ACCEPT")).as_bytes()));
        b.keep_only(Field::Dstport, &["22".to_string(), "3389".to_string()]);
        assert!(!b.excludes(line("REJECT").as_bytes()));
        assert!(b.excludes(line("REJECT").replace(" 3389 ", " 03388 ").as_bytes()));
        assert!(!b.excludes(line("REJECT").replace(" 3389 ", " 03389 ").as_bytes()));
    }

    #[test]
    fn ipv4_in_chunk_agrees_with_std_on_edge_cases() {
        for address in [
            "0.0.0.0",
            "1.2.3.4",
            "10.0.0.1",
            "255.255.255.255",
            "199.249.250.251",
            "100.200.249.255",
            "256.1.1.1",
            "1.1.1.256",
            "260.0.0.0",
            "300.1.1.1",
            "1.2.3.2555",
            "01.2.3.4",
            "1.2.3.00",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1234.1.1.1",
            "1.2.3.4x",
            "1.2.3.4:80",
            "",
        ] {
            let chunk = format!("{address} 123456789012345");
            let expected = address
                .parse::<std::net::Ipv4Addr>()
                .is_ok()
                .then_some(address.len());
            assert_eq!(
                ipv4_in_chunk(&chunk.as_bytes()[..16]),
                expected,
                "{address:?}"
            );
        }
    }

    #[test]
    fn ones16_counts_every_mask() {
        for mask in 0..=u16::MAX as u32 {
            assert_eq!(ones16(mask), mask.count_ones(), "{mask:#x}");
        }
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
