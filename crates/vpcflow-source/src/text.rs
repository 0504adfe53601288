//! Text records: S3 objects with their header line, headerless lines, and lines copied from the console.
//!
//! `LineSink` is shared by every source whose records arrive as lines (text files, CloudWatch messages): it
//! resolves the format once (header line, `--format`, or the 14-field default), feeds the parser, turns parser
//! errors into located problems, and switches format when a new header line appears (concatenated objects).

use crate::columns::{Column, assemble};
use crate::layout::Partitions;
use crate::problem::{Fault, IoFault};
use crate::{Batch, FileSummary, Item, Problem, ReadOptions, Shape, SourceInfo};
use std::io::{BufRead, ErrorKind};
use std::sync::Arc;
use vpcflow_record::{BatchBuilder, Field, Format, Location};

/// The longest line we accept; a longer one is not a flow log record.
const MAX_LINE: usize = 1 << 20;

/// A batch is finished early once its lines hold this much text, far below Arrow's 2 GiB offset limit.
const MAX_BATCH_TEXT: usize = 64 << 20;

/// Turns lines into batches and problems for one file.
pub(crate) struct LineSink<'a> {
    info: SourceInfo,
    /// The file, for locations.
    file: Location,
    opts: &'a ReadOptions,
    field_columns: Option<Vec<Field>>,
    builder: Option<BatchBuilder>,
    positions: Vec<u64>,
    /// The events' timestamps, beside `positions` (log events only).
    times: Vec<Option<i64>>,
    summary: FileSummary,
    reported: usize,
    /// The file cannot be read further (unknown format).
    file_stopped: bool,
    /// The caller asked to stop everything.
    aborted: bool,
    /// Bad records not yet emitted, with their positions.
    pending: Vec<(u64, Problem)>,
}

impl<'a> LineSink<'a> {
    pub(crate) fn new(
        name: String,
        shape: Shape,
        partitions: Partitions,
        opts: &'a ReadOptions,
    ) -> LineSink<'a> {
        let field_columns = opts.columns.as_ref().map(|cols| {
            cols.iter()
                .filter_map(|c| {
                    if let Column::Field(f) = c {
                        Some(*f)
                    } else {
                        None
                    }
                })
                .collect()
        });
        LineSink {
            file: Location::file(name.as_str()),
            summary: FileSummary {
                name: name.clone(),
                ..FileSummary::default()
            },
            info: SourceInfo {
                name,
                shape,
                format: None,
                header: false,
                partitions,
            },
            opts,
            field_columns,
            builder: None,
            positions: Vec::new(),
            times: Vec::new(),
            reported: 0,
            file_stopped: false,
            aborted: false,
            pending: Vec::new(),
        }
    }

    /// Whether more lines are wanted.
    pub(crate) fn wants_more(&self) -> bool {
        !self.file_stopped && !self.aborted
    }

    /// Whether the caller asked to stop everything.
    pub(crate) fn aborted(&self) -> bool {
        self.aborted
    }

    fn emit(&mut self, item: Item, emit: &mut dyn FnMut(Item) -> bool) {
        if !self.aborted && !emit(item) {
            self.aborted = true;
        }
    }

    fn start(&mut self, format: Format, header: bool) {
        self.info.format = Some(format.clone());
        self.info.header = header;
        let builder =
            BatchBuilder::new(&format, self.field_columns.as_deref(), self.opts.batch_size);
        let mut builder = if self.opts.text_views {
            builder.with_views()
        } else {
            builder
        };
        for (field, values) in &self.opts.keep_only {
            builder.keep_only(*field, values);
        }
        self.builder = Some(builder);
    }

    /// The file as a whole, for locations.
    pub(crate) fn file(&self) -> &Location {
        &self.file
    }

    /// Reports a problem that ends the file (or its rest).
    pub(crate) fn fail_file(
        &mut self,
        location: Location,
        fault: Fault,
        emit: &mut dyn FnMut(Item) -> bool,
    ) {
        // What was read before the failure goes out first, in order.
        self.flush(emit);
        self.summary.failed = true;
        self.file_stopped = true;
        self.emit(Item::Problem(Problem::bad_file(location, fault)), emit);
    }

    /// Reports one bad record at position `pos` (line or event number). Problems wait for the next flush, where
    /// they are merged with the value errors of the batch and emitted in position order.
    pub(crate) fn bad_record(&mut self, pos: u64, location: Location, fault: Fault) {
        self.summary.bad_records += 1;
        self.pending
            .push((pos, Problem::bad_record(location, fault)));
    }

    fn emit_pending(&mut self, emit: &mut dyn FnMut(Item) -> bool) {
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by_key(|(pos, _)| *pos);
        for (_, problem) in pending {
            if self.reported < self.opts.max_reported_per_file {
                self.reported += 1;
                self.emit(Item::Problem(problem), emit);
            }
        }
    }

    /// Where the line or event at `pos` is, with the byte column `column` in it (0: the whole line) and, for an
    /// event, its timestamp.
    pub(crate) fn location(&self, pos: u64, column: usize, time: Option<i64>) -> Location {
        let column = u32::try_from(column).unwrap_or(u32::MAX);
        match self.info.shape {
            Shape::CloudWatchJson => self.file.event(pos, column, time),
            _ => self.file.column(pos, column),
        }
    }

    /// One line (without its terminator) at position `pos` (line or event number); `time` is a log event's
    /// timestamp (Unix milliseconds).
    pub(crate) fn line(
        &mut self,
        line: &[u8],
        pos: u64,
        time: Option<i64>,
        emit: &mut dyn FnMut(Item) -> bool,
    ) {
        // Blank lines, and comment lines as documentation examples write them, are not records.
        match line.iter().find(|b| !b.is_ascii_whitespace()) {
            None | Some(b'#') => return,
            Some(_) if !self.wants_more() => return,
            Some(_) => {}
        }
        if self.builder.is_none() {
            if let Some(format) = Format::from_header(line) {
                self.start(format, true);
                return;
            }
            match &self.opts.format {
                Some(format) => self.start(format.clone(), false),
                None => {
                    let fields = line
                        .split(|b| *b == b' ' || *b == b'\t')
                        .filter(|t| !t.is_empty())
                        .count();
                    if fields == vpcflow_record::format::DEFAULT_FIELDS.len() {
                        self.start(Format::default_v2(), false);
                    } else {
                        let location = self.location(pos, 0, time);
                        self.fail_file(location, Fault::UnknownFormat { fields }, emit);
                        return;
                    }
                }
            }
        }
        if let Some(format) = self.header_instead(line) {
            // A new header: another object's text follows (e.g. `cat a.log b.log`).
            self.flush(emit);
            self.retire_builder();
            self.start(format, true);
            return;
        }
        let builder = self.builder.as_mut().expect("started above");
        if builder.excludes(line) {
            self.summary.records += 1;
            return;
        }
        match builder.push_line(line) {
            Ok(()) => {
                self.positions.push(pos);
                if self.info.shape == Shape::CloudWatchJson {
                    self.times.push(time);
                }
                if builder.len() >= self.opts.batch_size || builder.text_bytes() >= MAX_BATCH_TEXT {
                    self.flush(emit);
                }
            }
            Err(error) => {
                if let Some(format) = Format::from_header(line) {
                    self.flush(emit);
                    self.retire_builder();
                    self.start(format, true);
                    return;
                }
                let location = self.location(pos, error.column, time);
                self.bad_record(pos, location, Fault::Line(error));
            }
        }
    }

    /// A header line where a record was expected. Only lines that start with a lowercase letter can be one; when
    /// the format itself starts with a text field, only a line starting with that field's name is looked at, so
    /// that records are not parsed twice.
    fn header_instead(&self, line: &[u8]) -> Option<Format> {
        let first = *line.iter().find(|b| !b.is_ascii_whitespace())?;
        if !first.is_ascii_lowercase() {
            return None;
        }
        let format = self.builder.as_ref()?.format();
        let lead = format.fields()[0];
        if lead.kind() == vpcflow_record::Kind::Text {
            let token = line
                .split(|b| b.is_ascii_whitespace())
                .find(|t| !t.is_empty())?;
            if token != lead.name().as_bytes() && token != lead.column().as_bytes() {
                return None;
            }
        }
        Format::from_header(line)
    }

    fn retire_builder(&mut self) {
        if let Some(b) = self.builder.take() {
            self.summary.redacted += b.redacted();
        }
    }

    /// Checks the lines gathered so far, reports the bad ones at their lines, and emits the good ones.
    pub(crate) fn flush(&mut self, emit: &mut dyn FnMut(Item) -> bool) {
        let Some(builder) = self.builder.as_mut().filter(|b| !b.is_empty()) else {
            self.emit_pending(emit);
            return;
        };
        let parsed = builder.finish();
        let mut positions = std::mem::take(&mut self.positions);
        let mut times = std::mem::take(&mut self.times);
        if !parsed.errors.is_empty() {
            for e in parsed.errors {
                let time = times.get(e.row).copied().flatten();
                let location = self.location(positions[e.row], e.error.column, time);
                self.bad_record(positions[e.row], location, Fault::Line(e.error));
                positions[e.row] = 0;
            }
            // Line and event numbers start at 1: 0 marks the rows left out.
            if !times.is_empty() {
                let mut kept = positions.iter();
                times.retain(|_| kept.next().is_some_and(|p| *p != 0));
            }
            positions.retain(|p| *p != 0);
        }
        self.summary.records += parsed.batch.num_rows() as u64;
        self.emit_pending(emit);
        if parsed.batch.num_rows() == 0 {
            return;
        }
        let data = match &self.opts.columns {
            Some(columns) => assemble(
                parsed.batch,
                columns,
                &self.info.partitions,
                &self.info.name,
                &times,
            ),
            None => parsed.batch,
        };
        let batch = Batch {
            data,
            positions,
            times,
            source: Arc::new(self.info.clone()),
        };
        self.emit(Item::Batch(batch), emit);
    }

    /// Ends the file: last batch, the count of problems not shown, the summary.
    pub(crate) fn finish(mut self, emit: &mut dyn FnMut(Item) -> bool) {
        self.flush(emit);
        self.retire_builder();
        let hidden = self.summary.bad_records - self.reported as u64;
        if hidden > 0 {
            let problem = Problem::bad_record(self.file.clone(), Fault::MoreNotShown { hidden });
            self.emit(Item::Problem(problem), emit);
        }
        if self.summary.records == 0 && self.summary.bad_records == 0 && !self.summary.failed {
            let location = self.file.clone();
            self.fail_file(location, Fault::Empty, emit);
        }
        let summary = std::mem::take(&mut self.summary);
        self.emit(Item::Done(summary), emit);
    }
}

/// Reads text records from `reader` (already decompressed). Lines are read where the reader holds them (the
/// whole text of an object inflated in memory, or a streaming decoder's buffer); only a line cut by the end of
/// one buffer is copied, to be completed from the next.
pub(crate) fn read_text(
    mut reader: impl BufRead,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut sink = LineSink::new(name, Shape::Text, partitions, opts);
    let mut console: Option<bool> = None;
    // The start of a line cut by the end of the previous buffer.
    let mut cut: Vec<u8> = Vec::new();
    let mut line_no = 0u64;
    let too_long = |sink: &mut LineSink, line_no: u64, emit: &mut dyn FnMut(Item) -> bool| {
        let location = sink.file.line(line_no + 1);
        sink.fail_file(location, Fault::LineTooLong { max: MAX_LINE }, emit);
    };
    loop {
        if !sink.wants_more() {
            break;
        }
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                let location = sink.file.line(line_no + 1);
                let fault = Fault::TextBroken {
                    io: IoFault::of(&e),
                    lines: line_no,
                };
                sink.fail_file(location, fault, emit);
                break;
            }
        };
        if chunk.is_empty() {
            if !cut.is_empty() {
                line_no += 1;
                feed(&mut sink, &cut, line_no, &mut console, emit);
            }
            break;
        }
        let len = chunk.len();
        let mut pos = 0;
        if !cut.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                cut.extend_from_slice(chunk);
                if cut.len() > MAX_LINE {
                    too_long(&mut sink, line_no, emit);
                    break;
                }
                reader.consume(len);
                continue;
            };
            cut.extend_from_slice(&chunk[..nl]);
            if cut.len() > MAX_LINE {
                too_long(&mut sink, line_no, emit);
                break;
            }
            line_no += 1;
            feed(&mut sink, &cut, line_no, &mut console, emit);
            cut.clear();
            pos = nl + 1;
        }
        let mut stopped = false;
        while let Some(nl) = memchr::memchr(b'\n', &chunk[pos..]) {
            if nl > MAX_LINE {
                too_long(&mut sink, line_no, emit);
                stopped = true;
                break;
            }
            line_no += 1;
            feed(
                &mut sink,
                &chunk[pos..pos + nl],
                line_no,
                &mut console,
                emit,
            );
            pos += nl + 1;
            if !sink.wants_more() {
                stopped = true;
                break;
            }
        }
        if stopped {
            break;
        }
        if len - pos > MAX_LINE {
            too_long(&mut sink, line_no, emit);
            break;
        }
        cut.extend_from_slice(&chunk[pos..]);
        reader.consume(len);
    }
    if !sink.aborted() {
        sink.finish(emit);
    }
}

/// One line of a text file: decides once whether the file is console copy, then strips its prefixes.
fn feed(
    sink: &mut LineSink,
    line: &[u8],
    line_no: u64,
    console: &mut Option<bool>,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    if console.is_none() && !line.iter().all(u8::is_ascii_whitespace) {
        let is_console = strip_console_prefix(line).is_some();
        *console = Some(is_console);
        if is_console {
            sink.info.shape = Shape::ConsoleText;
        }
    }
    let line = match *console {
        Some(true) => strip_console_prefix(line).unwrap_or(line),
        _ => line,
    };
    sink.line(line, line_no, None, emit);
}

/// Strips what the CloudWatch console puts before a record when it is copied: the column titles ("Timestamp
/// Message", 「タイムスタンプ メッセージ」) and an ISO 8601 timestamp. `Some(rest)` when the line starts that
/// way (`rest` may be empty: the timestamp stood on its own line above the record).
pub fn strip_console_prefix(line: &[u8]) -> Option<&[u8]> {
    let text = std::str::from_utf8(line).ok()?;
    let mut rest = text.trim_start();
    let mut titled = false;
    for (title, next) in [
        ("タイムスタンプ", "メッセージ"),
        ("Timestamp", "Message"),
        ("timestamp", "message"),
    ] {
        if let Some(after) = rest.strip_prefix(title) {
            rest = after.trim_start();
            rest = rest.strip_prefix(next).unwrap_or(rest).trim_start();
            titled = true;
            break;
        }
    }
    match iso_timestamp_len(rest.as_bytes()) {
        Some(n) => {
            let after = &rest[n..];
            if after.is_empty() || after.starts_with(char::is_whitespace) {
                let offset = line.len() - after.trim_start().len();
                Some(&line[offset..])
            } else {
                None
            }
        }
        None if titled => Some(&line[line.len() - rest.len()..]),
        None => None,
    }
}

/// Length of a leading `yyyy-mm-ddThh:mm:ss[.fff][Z|±hh:mm]` (a space may stand for the `T`).
fn iso_timestamp_len(s: &[u8]) -> Option<usize> {
    let pattern = b"dddd-dd-ddTdd:dd:dd";
    if s.len() < pattern.len() {
        return None;
    }
    for (i, p) in pattern.iter().enumerate() {
        let ok = match p {
            b'd' => s[i].is_ascii_digit(),
            b'T' => s[i] == b'T' || s[i] == b' ',
            c => s[i] == *c,
        };
        if !ok {
            return None;
        }
    }
    let mut n = pattern.len();
    if s.get(n) == Some(&b'.') {
        n += 1;
        while s.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    match s.get(n) {
        Some(b'Z') => n += 1,
        Some(b'+' | b'-')
            if s.len() >= n + 6
                && s[n + 3] == b':'
                && [1, 2, 4, 5].iter().all(|i| s[n + i].is_ascii_digit()) =>
        {
            n += 6
        }
        Some(b'+' | b'-') if s.len() >= n + 5 && s[n + 1..n + 5].iter().all(u8::is_ascii_digit) => {
            n += 5
        }
        _ => {}
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::util::pretty::pretty_format_batches;

    /// Everything `read_text` emits, as text: batches printed, problems and the summary's counts.
    fn read(reader: impl BufRead) -> Vec<String> {
        let opts = ReadOptions::default();
        let mut seen = Vec::new();
        read_text(
            reader,
            "f.log".into(),
            Partitions::default(),
            &opts,
            &mut |item| {
                seen.push(match item {
                    Item::Batch(b) => pretty_format_batches(&[b.data]).unwrap().to_string(),
                    Item::Problem(p) => p.to_string(),
                    Item::Done(s) => format!("{} records, {} bad", s.records, s.bad_records),
                });
                true
            },
        );
        seen
    }

    /// Lines cut by the end of a buffer, at every place, read as they do from one buffer.
    #[test]
    fn lines_cut_between_buffers_are_joined() {
        let text = "version srcaddr dstport action\n2 10.0.0.1 22 ACCEPT\r\n\n2 10.0.0.2 443 REJECT\n2 10.0.0.3 80 OK\n2 10.0.0.4 53 ACCEPT";
        let whole = read(text.as_bytes());
        assert_eq!(whole.len(), 3, "{whole:?}");
        assert!(
            whole[0].starts_with("f.log:5:15: field action"),
            "{whole:?}"
        );
        assert_eq!(whole[2], "3 records, 1 bad");
        for capacity in 1..=text.len() {
            let cut = read(std::io::BufReader::with_capacity(capacity, text.as_bytes()));
            assert_eq!(cut, whole, "buffers of {capacity} bytes");
        }
    }

    /// A line over the limit ends the file with a located problem, whether it is in one buffer or cut.
    #[test]
    fn a_line_too_long_ends_the_file() {
        let mut text =
            b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + 1));
        text.extend(b"\n2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK\n");
        for seen in [
            read(&text[..]),
            read(std::io::BufReader::with_capacity(4096, &text[..])),
        ] {
            assert_eq!(seen.len(), 3, "{seen:?}");
            assert_eq!(
                seen[1],
                format!("f.log:2: a line longer than {MAX_LINE} bytes: not flow log text")
            );
            assert_eq!(seen[2], "1 records, 0 bad");
        }
    }

    #[test]
    fn console_prefixes() {
        let s = |l: &str| {
            strip_console_prefix(l.as_bytes()).map(|r| String::from_utf8_lossy(r).into_owned())
        };
        assert_eq!(s("2023-02-14T05:30:47.000+09:00"), Some(String::new()));
        assert_eq!(
            s("2021-05-17T22:48:43.000+09:00    2 X eni-a"),
            Some("2 X eni-a".into())
        );
        assert_eq!(
            s(
                "タイムスタンプ                       メッセージ2021-05-17T22:48:43.000+09:00    2 XXXXXXXXX"
            ),
            Some("2 XXXXXXXXX".into())
        );
        assert_eq!(s("Timestamp Message"), Some(String::new()));
        assert_eq!(s("2 123456789010 eni-1"), None);
        assert_eq!(s("version account-id"), None);
    }

    /// Found by the `read_input` fuzz target: an offset `+09:` followed by a multi-byte character was taken as a
    /// complete offset and the line sliced inside the character.
    #[test]
    fn timestamp_offset_followed_by_multibyte_text_does_not_panic() {
        let line = "2023-02-14T05:30:47.000+09:タイムスタンプ00".as_bytes();
        assert_eq!(strip_console_prefix(line), None);
        assert_eq!(
            strip_console_prefix("2023-02-14T05:30:47+09:00 2 x".as_bytes()),
            Some(&b"2 x"[..])
        );
    }
}
