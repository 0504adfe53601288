//! Where something is: the one location type shared by parse problems, configuration problems, I/O errors and the
//! records an explanation points back to.
//!
//! A location is data, not a pre-formatted string, so that a program (the dashboard, `--output json`) can link to
//! the file and line without parsing `file:line:column` back out of a message. [`Location`]'s `Display` is the
//! form people read in a terminal, the same as `grep -n` and compilers print: `flows.log:12:40`,
//! `export.json:event 3`, `flows.parquet:row 7`, `sg.json: $.SecurityGroups[0].IpPermissions[1].FromPort`.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A place in an input: the input's name as the user gave it (a path, `s3://bucket/key`, `logs:group/stream`,
/// `-` for standard input), and optionally where in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The input, as named by the user (shared: thousands of locations point into the same file).
    #[serde(serialize_with = "str_of")]
    pub file: Arc<str>,
    /// Where in the input; `None` for the input as a whole.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub at: Option<Position>,
}

/// A position inside an input, in the unit its shape has.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Position {
    /// A 1-based line of text, with the 1-based byte column where the problem starts, when one does.
    Line {
        /// The line.
        line: u64,
        /// The byte column.
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
    },
    /// The 1-based log event of a CloudWatch Logs document or stream, with the 1-based byte column of its message
    /// where the problem starts, when one does, and the event's timestamp (Unix milliseconds) when it has one.
    Event {
        /// The event.
        event: u64,
        /// The byte column in the event's message.
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
        /// When CloudWatch Logs says the event happened (for flow logs, the record's start), in Unix
        /// milliseconds. Not shown in the text form: the event's number finds it.
        #[serde(skip_serializing_if = "Option::is_none")]
        timestamp: Option<i64>,
    },
    /// The 1-based row of a Parquet file.
    Row {
        /// The row.
        row: u64,
    },
    /// A value inside a JSON document, as a JSONPath (`$.NetworkAcls[0].Entries[2].RuleNumber`).
    Json {
        /// The path.
        json_path: String,
    },
}

fn str_of<S: serde::Serializer>(file: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(file)
}

impl Location {
    /// The input as a whole.
    pub fn file(file: impl Into<Arc<str>>) -> Location {
        Location {
            file: file.into(),
            at: None,
        }
    }

    /// The same input, at `at`.
    pub fn at(&self, at: Position) -> Location {
        Location {
            file: self.file.clone(),
            at: Some(at),
        }
    }

    /// A line of the input.
    pub fn line(&self, line: u64) -> Location {
        self.at(Position::Line { line, column: None })
    }

    /// A line and byte column of the input (column 0 means the whole line).
    pub fn column(&self, line: u64, column: u32) -> Location {
        let column = (column > 0).then_some(column);
        self.at(Position::Line { line, column })
    }

    /// A log event of the input, with the byte column in its message (0 means the whole message) and its
    /// timestamp.
    pub fn event(&self, event: u64, column: u32, timestamp: Option<i64>) -> Location {
        let column = (column > 0).then_some(column);
        self.at(Position::Event {
            event,
            column,
            timestamp,
        })
    }

    /// A row of the input (Parquet).
    pub fn row(&self, row: u64) -> Location {
        self.at(Position::Row { row })
    }

    /// A JSON path in the input.
    pub fn json(&self, json_path: impl Into<String>) -> Location {
        self.at(Position::Json {
            json_path: json_path.into(),
        })
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match &self.at {
            None => Ok(()),
            Some(Position::Line { line, column: None }) => write!(f, ":{line}"),
            Some(Position::Line {
                line,
                column: Some(c),
            }) => write!(f, ":{line}:{c}"),
            Some(Position::Event { event, column, .. }) => {
                write!(f, ":event {event}")?;
                match column {
                    Some(c) => write!(f, ":{c}"),
                    None => Ok(()),
                }
            }
            Some(Position::Row { row }) => write!(f, ":row {row}"),
            Some(Position::Json { json_path }) => write!(f, ": {json_path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_people_write_it() {
        let f = Location::file("flows.log");
        assert_eq!(f.to_string(), "flows.log");
        assert_eq!(f.line(12).to_string(), "flows.log:12");
        assert_eq!(f.column(12, 40).to_string(), "flows.log:12:40");
        assert_eq!(f.column(12, 0).to_string(), "flows.log:12");
        assert_eq!(f.event(3, 0, None).to_string(), "flows.log:event 3");
        assert_eq!(
            f.event(3, 69, Some(1_704_164_645_000)).to_string(),
            "flows.log:event 3:69"
        );
        assert_eq!(f.row(7).to_string(), "flows.log:row 7");
        assert_eq!(
            Location::file("sg.json")
                .json("$.SecurityGroups[0]")
                .to_string(),
            "sg.json: $.SecurityGroups[0]"
        );
    }

    #[test]
    fn serializes_flat() {
        let json = |l: &Location| serde_json::to_string(l).unwrap();
        assert_eq!(json(&Location::file("a")), r#"{"file":"a"}"#);
        assert_eq!(
            json(&Location::file("a").column(2, 5)),
            r#"{"file":"a","line":2,"column":5}"#
        );
        assert_eq!(
            json(&Location::file("a").event(3, 0, Some(1_704_164_645_000))),
            r#"{"file":"a","event":3,"timestamp":1704164645000}"#
        );
        assert_eq!(
            json(&Location::file("a").json("$.X")),
            r#"{"file":"a","json_path":"$.X"}"#
        );
    }
}
