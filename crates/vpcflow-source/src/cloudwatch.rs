//! Flow log records that went through CloudWatch Logs and come back as JSON.
//!
//! People get them three ways: `aws logs filter-log-events` / `get-log-events` output saved to a file (often
//! several pages, one object each), subscription envelopes (what Lambda, Kinesis and Firehose receive; Firehose
//! writes them to S3 back to back with no delimiter, one gzip member each), and events on their own (JSON Lines
//! or an array, as `jq '.events[]'` leaves them). All of them are read from one stream of JSON values, so a file
//! mixing them, or pages glued together with `cat`, reads as well. Every event's `message` is one record line and
//! goes through the same `LineSink` as text, so a message reads exactly like the same line in an S3 object.
//!
//! Events are numbered from 1 across the whole file, whatever envelope or page they came in, so that the `N` of a
//! problem's `file:event N` can be found again by counting messages.

use crate::layout::Partitions;
use crate::problem::{Fault, IoFault};
use crate::text::LineSink;
use crate::{Item, ReadOptions, Shape};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::io::{BufRead, ErrorKind, Read};

/// What we say we expected when a JSON value is none of the shapes we know.
const EXPECTED: &str = "expected `aws logs filter-log-events` or `get-log-events` output ({\"events\": […]}), \
                        a subscription envelope ({\"messageType\": \"DATA_MESSAGE\", \"logEvents\": […]}) \
                        or log events ({\"message\": …})";

/// Reads CloudWatch Logs JSON (already decompressed) and feeds each event's message to the line parser.
///
/// Events are handed on as they are parsed, not when their page or envelope ends, so that a page cut short (an
/// interrupted download, a full disk) keeps every event before the cut.
pub(crate) fn read_json(
    reader: impl BufRead,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut events = Events {
        sink: LineSink::new(name, Shape::CloudWatchJson, partitions, opts),
        count: 0,
        emit,
    };
    let mut input = Counted {
        inner: reader,
        at: Position {
            offset: 0,
            line: 1,
            column: 0,
        },
    };
    let mut values = 0usize;
    loop {
        match input.skip_whitespace() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                events.broken_io(&e, &input);
                break;
            }
        }
        values += 1;
        // One deserializer per top-level value: serde_json's stream iterator cannot carry our state into the
        // values, and a value that ends in `}` or `]` leaves no byte read ahead, so the next starts exactly there.
        let start = input.at;
        let mut json = serde_json::Deserializer::from_reader(&mut input);
        let result = ValueSeed {
            events: &mut events,
            what: format!("JSON value {values}"),
            top: true,
        }
        .deserialize(&mut json);
        if let Err(error) = result {
            if events.sink.wants_more() {
                events.broken(&error, start, input.at);
            }
            break;
        }
        if !events.sink.wants_more() {
            break;
        }
    }
    if !events.sink.aborted() {
        let Events { sink, emit, .. } = events;
        sink.finish(emit);
    }
}

/// The events of one file, numbered as they come.
struct Events<'a, 'e> {
    sink: LineSink<'a>,
    /// Events seen so far, good or bad: the number of the last one.
    count: u64,
    emit: &'e mut dyn FnMut(Item) -> bool,
}

impl Events<'_, '_> {
    /// One log event: its message is one record line, its timestamp (Unix milliseconds) the event's time.
    fn event(&mut self, event: &Value) {
        self.count += 1;
        let time = event.get("timestamp").and_then(Value::as_i64);
        match event.get("message") {
            Some(Value::String(message)) => {
                // A trailing newline is how some agents end a message; it is not part of the record.
                let line = message.trim_end_matches(['\n', '\r']);
                self.sink.line(line.as_bytes(), self.count, time, self.emit);
            }
            found => {
                let location = self.sink.location(self.count, 0, time);
                let fault = match found {
                    Some(other) => Fault::MessageNotText {
                        found: describe(other),
                    },
                    None => Fault::EventWithoutMessage {
                        event: describe(event),
                    },
                };
                self.sink.bad_record(self.count, location, fault);
            }
        }
    }

    /// The JSON stream broke, or held something that is not CloudWatch Logs output: say where, keep what was read.
    /// `start` is where the value began, `end` how far the parser read.
    fn broken(&mut self, error: &serde_json::Error, start: Position, end: Position) {
        // serde_json ends its messages with a position within the value; ours counts from the file's start. The
        // parser may have read on past the fault (it closes the brackets it is in), so the count of bytes it took
        // places only the end of the input.
        let text = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let cause = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
        let (line, column) = match error.line() as u64 {
            0 | 1 => (start.line, start.column + error.column() as u64),
            n => (start.line + n - 1, error.column() as u64),
        };
        let events = self.count;
        let fault = match error.classify() {
            serde_json::error::Category::Io => Fault::JsonIo {
                io: IoFault::corrupt(cause),
                events,
            },
            serde_json::error::Category::Eof => Fault::JsonCut {
                cause,
                line: end.line,
                column: end.column.max(1),
                byte: end.offset,
                events,
            },
            serde_json::error::Category::Syntax => Fault::JsonMalformed {
                cause,
                line,
                column,
                events,
            },
            serde_json::error::Category::Data => Fault::NotCloudWatchLogs { what: cause },
        };
        let location = self.sink.file().clone();
        self.sink.fail_file(location, fault, self.emit);
    }

    fn broken_io<R: BufRead>(&mut self, error: &std::io::Error, input: &Counted<R>) {
        let fault = Fault::JsonBroken {
            io: IoFault::of(error),
            byte: input.at.offset,
            events: self.count,
        };
        let location = self.sink.file().clone();
        self.sink.fail_file(location, fault, self.emit);
    }
}

/// A value at the top of the file (`top`) or an element of a top-level array: a page, an envelope or an event.
struct ValueSeed<'s, 'a, 'e> {
    events: &'s mut Events<'a, 'e>,
    /// Names the value in messages (`JSON value 2, element 5`).
    what: String,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ValueSeed<'_, '_, '_> {
    fn not_ours<E: de::Error>(&self, described: &str) -> E {
        E::custom(format!(
            "{} ({described}) is not CloudWatch Logs output: {EXPECTED}",
            self.what
        ))
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        Err(self.not_ours(&describe(&Value::Bool(v))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        Err(self.not_ours(&format!("the number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        Err(self.not_ours(&format!("the number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        Err(self.not_ours(&format!("the number {v}")))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.not_ours("a string"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.not_ours("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !self.top {
            return Err(self.not_ours("an array inside an array"));
        }
        let mut i = 0;
        loop {
            i += 1;
            let what = format!("{}, element {i}", self.what);
            let seed = ValueSeed {
                events: &mut *self.events,
                what,
                top: false,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            stop_if_done::<A::Error>(self.events)?;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        let mut message_type: Option<String> = None;
        let mut listed = false;
        // `logEvents` seen before `messageType`: kept until we know whether it is a control message.
        let mut pending: Option<Vec<Value>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "events" => {
                    map.next_value_seed(ListSeed {
                        events: &mut *self.events,
                        what: &self.what,
                        key: "events",
                    })?;
                    listed = true;
                }
                "logEvents" => {
                    match message_type.as_deref() {
                        // CloudWatch Logs checks that a destination is reachable with these; they carry no records.
                        Some("CONTROL_MESSAGE") => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        Some(_) => {
                            let seed = ListSeed {
                                events: &mut *self.events,
                                what: &self.what,
                                key: "logEvents",
                            };
                            map.next_value_seed(seed)?;
                        }
                        None => match map.next_value::<Value>()? {
                            Value::Array(list) => pending = Some(list),
                            other => return Err(not_a_list(&self.what, "logEvents", &other)),
                        },
                    }
                    listed = true;
                }
                _ => {
                    let value: Value = map.next_value()?;
                    if key == "messageType" {
                        message_type = value.as_str().map(str::to_string);
                    }
                    rest.insert(key, value);
                }
            }
        }
        let control = message_type.as_deref() == Some("CONTROL_MESSAGE");
        if let Some(list) = pending.filter(|_| !control) {
            for event in &list {
                self.events.event(event);
                stop_if_done::<A::Error>(self.events)?;
            }
        }
        if listed || control {
            return Ok(());
        }
        // An object with an event's other keys is an event that lost its message: a bad record, not a bad file.
        if ["message", "timestamp", "ingestionTime", "eventId"]
            .iter()
            .any(|k| rest.contains_key(*k))
        {
            self.events.event(&Value::Object(rest));
            return Ok(());
        }
        if rest.get("awslogs").is_some_and(|a| a.get("data").is_some()) {
            return Err(de::Error::custom(format!(
                "{} is a Lambda event whose `awslogs.data` is still base64 and gzip: decode it first \
                 (`jq -r .awslogs.data | base64 -d | gunzip`)",
                self.what
            )));
        }
        Err(self.not_ours(&describe_object(&rest)))
    }
}

/// The list of events of a page (`events`) or an envelope (`logEvents`), handed on one event at a time.
struct ListSeed<'s, 'w, 'a, 'e> {
    events: &'s mut Events<'a, 'e>,
    what: &'w str,
    key: &'static str,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of log events in `{}`", self.key)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(event) = seq.next_element::<Value>()? {
            self.events.event(&event);
            stop_if_done::<A::Error>(self.events)?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut object = Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            object.insert(k, v);
        }
        Err(not_a_list(self.what, self.key, &Value::Object(object)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(not_a_list(self.what, self.key, &Value::Null))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        Err(not_a_list(self.what, self.key, &Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        Err(not_a_list(self.what, self.key, &Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        Err(not_a_list(self.what, self.key, &Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        Err(not_a_list(self.what, self.key, &Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(not_a_list(
            self.what,
            self.key,
            &Value::String(String::new()),
        ))
    }
}

fn not_a_list<E: de::Error>(what: &str, key: &str, found: &Value) -> E {
    E::custom(format!(
        "{what}: `{key}` is {}, not a list of log events",
        describe(found)
    ))
}

/// Ends the parse early once the file needs no more events (its format is unknown, or the caller stopped);
/// `read_json` then reports nothing more.
fn stop_if_done<E: de::Error>(events: &Events) -> Result<(), E> {
    if events.sink.wants_more() {
        Ok(())
    } else {
        Err(E::custom("stopped"))
    }
}

/// The input, counting what the JSON parser took from it, so that a break is placed in the file and not in the
/// value it happened in.
struct Counted<R> {
    inner: R,
    at: Position,
}

/// Where the last byte consumed stands.
#[derive(Clone, Copy)]
struct Position {
    /// Bytes consumed.
    offset: u64,
    /// 1-based line.
    line: u64,
    /// 1-based byte column; 0 before the line's first byte.
    column: u64,
}

impl Position {
    fn advance(&mut self, bytes: &[u8]) {
        self.offset += bytes.len() as u64;
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                self.column = (bytes.len() - last - 1) as u64;
            }
            None => self.column += bytes.len() as u64,
        }
    }
}

impl<R: BufRead> Counted<R> {
    /// Skips whitespace before a value; `false` at the end of the input.
    fn skip_whitespace(&mut self) -> std::io::Result<bool> {
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(false);
            }
            let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            self.at.advance(&buf[..blank]);
            let more = blank < buf.len();
            self.inner.consume(blank);
            if more {
                return Ok(true);
            }
        }
    }
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.at.advance(&out[..n]);
        Ok(n)
    }
}

/// A few words on what a JSON value is, so that a user can tell which part of the file we mean.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a string".to_string(),
        Value::Array(a) => format!("an array of {} elements", a.len()),
        Value::Object(o) => describe_object(o),
    }
}

fn describe_object(object: &Map<String, Value>) -> String {
    const SHOWN: usize = 6;
    if object.is_empty() {
        return "an empty object".to_string();
    }
    let mut keys: Vec<String> = object
        .keys()
        .take(SHOWN)
        .map(|k| format!("`{k}`"))
        .collect();
    if object.len() > SHOWN {
        keys.push("…".to_string());
    }
    format!("an object with keys {}", keys.join(", "))
}
