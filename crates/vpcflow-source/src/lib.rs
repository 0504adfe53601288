//! Where flow log records come from.
//!
//! A reader takes an input (a path, `-` for stdin, or a directory to walk), finds out what it holds by its first
//! bytes rather than its name (gzip, Parquet, CloudWatch JSON, text), and streams Arrow batches plus the problems
//! it met, as [`Item`]s, to a callback. Problems never stop a reader: a bad line is reported with its file and line
//! and the good lines around it are kept; the caller decides whether a problem is fatal (`--strict`).

pub mod aws;
pub mod cloudwatch;
pub mod columns;
mod gunzip;
pub mod layout;
pub mod listing;
pub mod logs;
pub mod parquet;
pub mod problem;
mod read;
pub mod remote;
pub mod s3;
pub mod session;
pub mod text;

pub use columns::{Column, Extra};
pub use layout::Partitions;
pub use listing::{KeyFilter, TimeRange, expand};
pub use problem::{Fault, Problem, ProblemKind};
pub use read::{expand_inputs, read_all, read_as, read_input};
pub use remote::Remote;

use arrow::record_batch::RecordBatch;
use std::sync::Arc;
use vpcflow_record::{Field, Format, Location};

/// Where to read from: what a user names (a file or directory, `-`, an S3 prefix, a log group), and, once
/// [`expand`]ed, each file, object or log stream to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file (directories are expanded by [`expand`]).
    Path(std::path::PathBuf),
    /// Standard input.
    Stdin,
    /// Bytes already in memory (a fuzz case, a test), with the name or key to report.
    Memory {
        /// The name used in messages and for S3 key partitions.
        name: String,
        /// The object's bytes, as stored (possibly gzip'd).
        data: bytes::Bytes,
    },
    /// An S3 object, or before [`expand`] a prefix: `s3://bucket/key`.
    S3(S3Object),
    /// A CloudWatch Logs log group (`logs:GROUP`, `logs:GROUP:STREAM-PREFIX`), or after [`expand`] one stream.
    Logs(LogStreams),
}

/// An object (or a prefix) in an S3 bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Object {
    /// The bucket.
    pub bucket: String,
    /// The key, or a prefix of keys (no leading `/`).
    pub key: String,
    /// The object's size, once listed.
    pub size: Option<u64>,
    /// The object's entity tag, once listed (a cached copy is used while it matches).
    pub e_tag: Option<String>,
}

/// The streams of a log group to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogStreams {
    /// The log group's name.
    pub group: String,
    /// Streams whose names start with this (`eni-0a1b…-all`); after [`expand`], one stream's whole name.
    pub prefix: Option<String>,
    /// Whether `prefix` is one stream's exact name (set by [`expand`]).
    pub exact: bool,
}

impl Input {
    /// What a command-line argument names: `-` is standard input, `s3://bucket/prefix` an S3 prefix,
    /// `logs:GROUP[:STREAM-PREFIX]` a CloudWatch Logs log group, anything else a path.
    pub fn parse(text: &str) -> Input {
        if text == "-" {
            return Input::Stdin;
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            return Input::S3(S3Object {
                bucket: bucket.to_string(),
                key: key.trim_start_matches('/').to_string(),
                size: None,
                e_tag: None,
            });
        }
        if let Some(rest) = text.strip_prefix("logs:") {
            // Group names may hold `/` but never `:`, so the first `:` ends the group.
            let (group, prefix) = match rest.split_once(':') {
                Some((g, p)) => (g, Some(p.to_string()).filter(|p| !p.is_empty())),
                None => (rest, None),
            };
            return Input::Logs(LogStreams {
                group: group.to_string(),
                prefix,
                exact: false,
            });
        }
        Input::Path(text.into())
    }

    /// The name used in messages (`-` is shown as `<stdin>`).
    pub fn display_name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
            Input::Memory { name, .. } => name.clone(),
            Input::S3(o) => format!("s3://{}/{}", o.bucket, o.key),
            Input::Logs(l) => match &l.prefix {
                Some(p) => format!("logs:{}:{p}", l.group),
                None => format!("logs:{}", l.group),
            },
        }
    }

    /// Whether reading it needs the network ([`Remote`]).
    pub fn is_remote(&self) -> bool {
        matches!(self, Input::S3(_) | Input::Logs(_))
    }
}

/// How to read.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The format of headerless lines (CloudWatch messages, Firehose text, copied lines). A header line in a file
    /// wins over it. Without it, headerless input of 14 fields is read as the default format.
    pub format: Option<Format>,
    /// The columns to produce; `None`: every field of each file's format.
    pub columns: Option<Vec<Column>>,
    /// Rows per batch.
    pub batch_size: usize,
    /// How many bad lines of one file are reported one by one before the rest are only counted.
    pub max_reported_per_file: usize,
    /// Text read from lines comes as `Utf8View` instead of `Utf8` (the query engine's text type).
    pub text_views: bool,
    /// A query's filters `field IN (values)`: text lines whose field holds another valid value may be left out
    /// unread (counted as records, but in no batch). The caller must still filter what it gets.
    pub keep_only: Vec<(Field, Vec<String>)>,
    /// The network side, for S3 objects and log streams.
    pub remote: Option<Arc<Remote>>,
    /// The time range of log events to read from CloudWatch Logs.
    pub events: TimeRange,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            columns: None,
            batch_size: 8192,
            max_reported_per_file: 20,
            text_views: false,
            keep_only: Vec::new(),
            remote: None,
            events: TimeRange::default(),
        }
    }
}

/// What a file turned out to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Lines of records, with or without a header line.
    Text,
    /// Lines copied from the CloudWatch console: a timestamp before each record or on the line above it.
    ConsoleText,
    /// Parquet as AWS delivers it, or as other tools write it.
    Parquet,
    /// `aws logs filter-log-events` / `get-log-events` output, or subscription envelopes.
    CloudWatchJson,
}

/// The file or stream a batch came from.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    /// The name used in messages.
    pub name: String,
    /// What the file holds.
    pub shape: Shape,
    /// The format of the records (`None` for Parquet, whose columns name themselves).
    pub format: Option<Format>,
    /// Whether the format came from a header line in the file.
    pub header: bool,
    /// What the key says.
    pub partitions: Partitions,
}

impl SourceInfo {
    /// `file:line` (or `file:event N` / `file:row N`) of position `pos` (as [`Batch::positions`] gives it).
    pub fn location(&self, pos: u64) -> String {
        match self.shape {
            Shape::Text | Shape::ConsoleText => format!("{}:{pos}", self.name),
            Shape::CloudWatchJson => format!("{}:event {pos}", self.name),
            Shape::Parquet => format!("{}:row {pos}", self.name),
        }
    }
}

/// Records read, with where each row came from.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The rows.
    pub data: RecordBatch,
    /// Per row: the line number (text), the event number (CloudWatch JSON) or the row number (Parquet), 1-based.
    pub positions: Vec<u64>,
    /// Per row, for log events: the event's timestamp (Unix milliseconds), when it has one; empty for other
    /// sources.
    pub times: Vec<Option<i64>>,
    /// The file.
    pub source: Arc<SourceInfo>,
}

impl Batch {
    /// `file:line` (or `file:event N` / `file:row N`) of row `row`.
    pub fn location(&self, row: usize) -> String {
        self.located(row).to_string()
    }

    /// Where row `row` came from, as data: its line, its log event (with the event's timestamp), or its row.
    pub fn located(&self, row: usize) -> Location {
        let pos = self.positions.get(row).copied().unwrap_or(0);
        let file = Location::file(self.source.name.as_str());
        match self.source.shape {
            Shape::Text | Shape::ConsoleText => file.line(pos),
            Shape::CloudWatchJson => file.event(pos, 0, self.times.get(row).copied().flatten()),
            Shape::Parquet => file.row(pos),
        }
    }
}

/// Counts for one finished file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// The file's name.
    pub name: String,
    /// Records read (including any that `ReadOptions::keep_only` left out).
    pub records: u64,
    /// Records that could not be read (reported or only counted).
    pub bad_records: u64,
    /// Whether the file (or its rest) could not be read.
    pub failed: bool,
    /// Values written over with `x` (read as absent).
    pub redacted: u64,
    /// Bytes of the input this covers, as stored (compressed, for gzip), for progress; 0 when not known.
    pub bytes: u64,
}

/// What a reader hands to its caller, in order.
#[derive(Debug)]
pub enum Item {
    /// Records.
    Batch(Batch),
    /// A problem; reading goes on.
    Problem(Problem),
    /// A file is finished.
    Done(FileSummary),
}
