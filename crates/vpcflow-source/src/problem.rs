//! Problems met while reading, as data: where ([`Location`]), how bad ([`ProblemKind`]), and what ([`Fault`]: a
//! stable code and the typed parts the message is built from).
//!
//! The words of every message are here and only here, so that a front end can show the code, link the location,
//! or count problems by kind without parsing a sentence; `Display` is the line the command line prints
//! (`file:line:column: message`, as `grep -n` and compilers print).

use serde::Serialize;
use std::fmt;
use vpcflow_record::values::ValueError;
use vpcflow_record::{Field, LineError, Location};

/// What kind of problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// One record could not be read; the others were.
    BadRecord,
    /// A whole file (or the rest of it) could not be read.
    BadFile,
}

/// A problem met while reading, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// Where: the input, and the line and column, event, row or JSON path when the problem has one.
    pub location: Location,
    /// What is wrong.
    pub fault: Fault,
}

impl Problem {
    /// A problem with a whole file (or the rest of it).
    pub fn bad_file(location: Location, fault: Fault) -> Problem {
        Problem {
            kind: ProblemKind::BadFile,
            location,
            fault,
        }
    }

    /// A problem with one record.
    pub fn bad_record(location: Location, fault: Fault) -> Problem {
        Problem {
            kind: ProblemKind::BadRecord,
            location,
            fault,
        }
    }

    /// The fault's stable code.
    pub fn code(&self) -> &'static str {
        self.fault.code()
    }

    /// What is wrong, in words.
    pub fn message(&self) -> String {
        self.fault.to_string()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.fault)
    }
}

/// As JSON: `{"file": …, "line": 5, "column": 15, "kind": "bad-record", "code": "bad-value", "message": …}`.
impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            location: &'a Location,
            kind: ProblemKind,
            code: &'static str,
            message: String,
        }
        Shown {
            location: &self.location,
            kind: self.kind,
            code: self.code(),
            message: self.message(),
        }
        .serialize(s)
    }
}

/// An I/O error as met while reading: whether it means the compressed data is cut short or corrupt (rather than a
/// failing device or connection), and the error's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoFault {
    /// The data itself is at fault: truncated or corrupt compressed data.
    pub corrupt: bool,
    /// The error as the library said it.
    pub cause: String,
}

impl IoFault {
    /// The fault an I/O error stands for.
    pub fn of(e: &std::io::Error) -> IoFault {
        use std::io::ErrorKind;
        IoFault {
            corrupt: matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::InvalidInput | ErrorKind::InvalidData
            ),
            cause: e.to_string(),
        }
    }

    /// Cut short or corrupt compressed data, as a library said it.
    pub fn corrupt(cause: impl fmt::Display) -> IoFault {
        IoFault {
            corrupt: true,
            cause: cause.to_string(),
        }
    }

    fn code(&self) -> &'static str {
        if self.corrupt {
            "corrupt-data"
        } else {
            "read-error"
        }
    }
}

impl fmt::Display for IoFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.corrupt {
            "the compressed data is truncated or corrupt"
        } else {
            "read error"
        };
        write!(f, "{what} ({})", self.cause)
    }
}

/// A value a Parquet column holds that its field refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadValue {
    /// The field.
    pub field: Field,
    /// The value as written (cut to 60 bytes, as the text parser cuts a token).
    pub text: String,
    /// Why it is refused.
    pub reason: ValueError,
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {}: `{}` {}", self.field, self.text, self.reason)
    }
}

/// Where a problem's input lives, for the problems of reaching it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Amazon S3.
    S3,
    /// Amazon CloudWatch Logs.
    CloudWatchLogs,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::S3 => "S3",
            Service::CloudWatchLogs => "CloudWatch Logs",
        })
    }
}

/// What is wrong: one variant per kind of problem, with the values its message is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    // One record.
    /// A line that is not a record of its format (`field-count`, `bad-value`, `not-text`).
    Line(LineError),
    /// A Parquet row with values its fields refuse, in column order (`bad-value`).
    BadValues(Vec<BadValue>),
    /// A log event with no `message` (`event-without-message`); `event` says what it has instead.
    EventWithoutMessage {
        /// A few words on the event.
        event: String,
    },
    /// A log event whose `message` is not text (`message-not-text`).
    MessageNotText {
        /// A few words on what it is.
        found: String,
    },
    /// Bad records of a file beyond those reported one by one (`more-not-shown`).
    MoreNotShown {
        /// How many.
        hidden: u64,
    },

    // A file, or the rest of it.
    /// Headerless lines that are not the default format, and no format given (`unknown-format`).
    UnknownFormat {
        /// Fields on the first line.
        fields: usize,
    },
    /// A line too long to be a record (`line-too-long`).
    LineTooLong {
        /// The longest line accepted, in bytes.
        max: usize,
    },
    /// Text that broke off (`corrupt-data`, `read-error`).
    TextBroken {
        /// How.
        io: IoFault,
        /// Lines read before it.
        lines: u64,
    },
    /// Compressed data that broke off before anything was read (`corrupt-data`).
    NothingRead {
        /// The inflater's words.
        cause: String,
    },
    /// No record and no problem in the whole file (`empty`).
    Empty,
    /// Bytes that are no kind of flow log (`binary-data`).
    Binary,
    /// The file cannot be opened (`cannot-open`).
    CannotOpen {
        /// The system's words.
        cause: String,
    },
    /// The file cannot be read (`cannot-read`).
    CannotRead {
        /// The system's words.
        cause: String,
    },
    /// An S3 object cannot be fetched (`cannot-fetch`).
    CannotFetch {
        /// The store's words.
        cause: String,
    },
    /// A prefix cannot be listed (`cannot-list`).
    CannotList {
        /// The store's words.
        cause: String,
    },
    /// A log group's streams cannot be listed (`cannot-list`).
    CannotListStreams {
        /// The service's words.
        cause: String,
    },
    /// Nothing under an S3 prefix (`no-objects`).
    NoObjects,
    /// A remote input read without the network context (`no-network`: a caller's mistake).
    NoNetwork {
        /// Which service.
        service: Service,
    },
    /// A remote input given to the local reader (`not-local`: a caller's mistake).
    NotLocal,
    /// A log stream's events could not be read to the end (`cannot-read-events`).
    EventsBroken {
        /// The service's words.
        cause: String,
        /// Events read before it.
        events: u64,
    },

    // CloudWatch Logs JSON.
    /// The stream of JSON broke off between values (`corrupt-data`, `read-error`).
    JsonBroken {
        /// How.
        io: IoFault,
        /// Bytes read before it.
        byte: u64,
        /// Events read before it.
        events: u64,
    },
    /// The stream of JSON broke off inside a value (`corrupt-data`, `read-error`).
    JsonIo {
        /// How.
        io: IoFault,
        /// Events read before it.
        events: u64,
    },
    /// The JSON ends inside a value (`json-cut`).
    JsonCut {
        /// The JSON parser's words.
        cause: String,
        /// 1-based line where the input ends.
        line: u64,
        /// 1-based column where the input ends.
        column: u64,
        /// Bytes in the input.
        byte: u64,
        /// Events read before it.
        events: u64,
    },
    /// Not JSON (`malformed-json`).
    JsonMalformed {
        /// The JSON parser's words.
        cause: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// Events read before it.
        events: u64,
    },
    /// JSON that is not CloudWatch Logs output (`not-cloudwatch-logs`).
    NotCloudWatchLogs {
        /// What it is, and what was expected.
        what: String,
    },

    // Parquet.
    /// Not a Parquet file one can read (`not-parquet`).
    NotParquet {
        /// The Parquet reader's words.
        cause: String,
    },
    /// A Parquet file whose reader cannot start (`parquet-error`).
    ParquetUnreadable {
        /// The Parquet reader's words.
        cause: String,
    },
    /// A Parquet file that broke off (`parquet-error`).
    ParquetBroken {
        /// The Parquet reader's words.
        cause: String,
        /// Rows read before it.
        rows: u64,
    },
    /// A Parquet file with no flow log column (`no-flow-columns`).
    NoFlowColumns {
        /// Its first columns' names.
        columns: Vec<String>,
        /// How many columns it has.
        total: usize,
    },
    /// A Parquet column whose type cannot hold its field's values (`column-type`).
    ColumnType {
        /// The column's name.
        column: String,
        /// Its type.
        data_type: String,
        /// The field.
        field: Field,
    },
}

impl Fault {
    /// A stable name for what is wrong, in kebab-case, as a linter's rule id.
    pub fn code(&self) -> &'static str {
        match self {
            Fault::Line(e) => e.code(),
            Fault::BadValues(_) => "bad-value",
            Fault::EventWithoutMessage { .. } => "event-without-message",
            Fault::MessageNotText { .. } => "message-not-text",
            Fault::MoreNotShown { .. } => "more-not-shown",
            Fault::UnknownFormat { .. } => "unknown-format",
            Fault::LineTooLong { .. } => "line-too-long",
            Fault::TextBroken { io, .. }
            | Fault::JsonBroken { io, .. }
            | Fault::JsonIo { io, .. } => io.code(),
            Fault::NothingRead { .. } => "corrupt-data",
            Fault::Empty => "empty",
            Fault::Binary => "binary-data",
            Fault::CannotOpen { .. } => "cannot-open",
            Fault::CannotRead { .. } => "cannot-read",
            Fault::CannotFetch { .. } => "cannot-fetch",
            Fault::CannotList { .. } | Fault::CannotListStreams { .. } => "cannot-list",
            Fault::NoObjects => "no-objects",
            Fault::NoNetwork { .. } => "no-network",
            Fault::NotLocal => "not-local",
            Fault::EventsBroken { .. } => "cannot-read-events",
            Fault::JsonCut { .. } => "json-cut",
            Fault::JsonMalformed { .. } => "malformed-json",
            Fault::NotCloudWatchLogs { .. } => "not-cloudwatch-logs",
            Fault::NotParquet { .. } => "not-parquet",
            Fault::ParquetUnreadable { .. } | Fault::ParquetBroken { .. } => "parquet-error",
            Fault::NoFlowColumns { .. } => "no-flow-columns",
            Fault::ColumnType { .. } => "column-type",
        }
    }
}

/// "the 3 events before it were read".
fn events_before(n: u64) -> String {
    match n {
        1 => "the 1 event before it was read".to_string(),
        n => format!("the {n} events before it were read"),
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Line(e) => write!(f, "{e}"),
            Fault::BadValues(values) => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Fault::EventWithoutMessage { event } => {
                write!(f, "the event ({event}) has no `message`")
            }
            Fault::MessageNotText { found } => {
                write!(f, "the event's `message` is {found}, not text")
            }
            Fault::MoreNotShown { hidden } => write!(f, "{hidden} more bad records not shown"),
            Fault::UnknownFormat { fields } => write!(
                f,
                "{fields} fields and no header line: this is not the default format (14 fields); give the \
                 format with --format (e.g. --format '${{version}} ${{vpc-id}} …')"
            ),
            Fault::LineTooLong { max } => {
                write!(f, "a line longer than {max} bytes: not flow log text")
            }
            Fault::TextBroken { io, lines } => write!(
                f,
                "{io}; the {lines} lines before it were read, the partial line after it was not"
            ),
            Fault::NothingRead { cause } => write!(
                f,
                "the compressed data is truncated or corrupt ({cause}); nothing was read"
            ),
            Fault::Empty => f.write_str("no records (empty file)"),
            Fault::Binary => f.write_str("binary data: not text, gzip, Parquet or JSON flow logs"),
            Fault::CannotOpen { cause } => write!(f, "cannot open: {cause}"),
            Fault::CannotRead { cause } => write!(f, "cannot read: {cause}"),
            Fault::CannotFetch { cause } => write!(f, "cannot fetch: {cause}"),
            Fault::CannotList { cause } => write!(f, "cannot list: {cause}"),
            Fault::CannotListStreams { cause } => {
                write!(f, "cannot list the log streams: {cause}")
            }
            Fault::NoObjects => f.write_str("no objects under this prefix"),
            Fault::NoNetwork { service } => write!(f, "{service} needs the network settings"),
            Fault::NotLocal => f.write_str("not a local input"),
            Fault::EventsBroken { cause, events } => write!(
                f,
                "cannot read the events ({cause}); the {events} events before it were read"
            ),
            Fault::JsonBroken { io, byte, events } => {
                write!(f, "{io} after byte {byte}; {}", events_before(*events))
            }
            Fault::JsonIo { io, events } => write!(f, "{io}; {}", events_before(*events)),
            Fault::JsonCut {
                cause,
                line,
                column,
                byte,
                events,
            } => write!(
                f,
                "the JSON is cut short at line {line}, column {column} (byte {byte}): {cause}; {}",
                events_before(*events)
            ),
            Fault::JsonMalformed {
                cause,
                line,
                column,
                events,
            } => write!(
                f,
                "malformed JSON at line {line}, column {column}: {cause}; {}",
                events_before(*events)
            ),
            Fault::NotCloudWatchLogs { what } => f.write_str(what),
            Fault::NotParquet { cause } => write!(
                f,
                "not a readable Parquet file, truncated or corrupt? ({cause}); nothing was read"
            ),
            Fault::ParquetUnreadable { cause } => {
                write!(
                    f,
                    "cannot read the Parquet file ({cause}); nothing was read"
                )
            }
            Fault::ParquetBroken { cause, rows } => write!(
                f,
                "cannot read the rest of the file ({cause}); the {rows} rows before it were read"
            ),
            Fault::NoFlowColumns { columns, total } => {
                let mut names: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
                if *total > columns.len() {
                    names.push("…".to_string());
                }
                let names = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                write!(
                    f,
                    "no column is a flow log field (the file's columns: {names})"
                )
            }
            Fault::ColumnType {
                column,
                data_type,
                field,
            } => write!(
                f,
                "column `{column}` is of type {data_type}, which cannot hold a {field} value; it is read as null"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_as_before_and_serialized_with_its_location() {
        let file = Location::file("flows.log");
        let p = Problem::bad_record(
            file.column(5, 15),
            Fault::BadValues(vec![BadValue {
                field: Field::Action,
                text: "OK".into(),
                reason: ValueError::NotOneOf(&["ACCEPT", "REJECT"]),
            }]),
        );
        assert_eq!(
            p.to_string(),
            "flows.log:5:15: field action: `OK` is not one of ACCEPT, REJECT"
        );
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"file":"flows.log","line":5,"column":15,"kind":"bad-record","code":"bad-value","message":"field action: `OK` is not one of ACCEPT, REJECT"}"#
        );
        let broken = Problem::bad_file(
            file.event(4, 0, Some(1_704_164_645_000)),
            Fault::JsonBroken {
                io: IoFault::corrupt("unexpected end of file"),
                byte: 900,
                events: 1,
            },
        );
        assert_eq!(broken.code(), "corrupt-data");
        assert_eq!(
            broken.to_string(),
            "flows.log:event 4: the compressed data is truncated or corrupt (unexpected end of file) after \
             byte 900; the 1 event before it was read"
        );
    }
}
