//! Where flow log records come from.
//!
//! A reader takes an input (a path, `-` for stdin, or a directory to walk), finds out what it holds by its first
//! bytes rather than its name (gzip, Parquet, CloudWatch JSON, text), and streams Arrow batches plus the problems
//! it met, as [`Item`]s, to a callback. Problems never stop a reader: a bad line is reported with its file and line
//! and the good lines around it are kept; the caller decides whether a problem is fatal (`--strict`).

pub mod cloudwatch;
pub mod columns;
mod gunzip;
pub mod layout;
pub mod parquet;
mod read;
pub mod text;

pub use columns::{Column, Extra};
pub use layout::Partitions;
pub use read::{expand_inputs, read_all, read_input};

use arrow::record_batch::RecordBatch;
use std::fmt;
use std::sync::Arc;
use vpcflow_record::{Field, Format};

/// Where to read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file (directories are expanded by [`expand_inputs`]).
    Path(std::path::PathBuf),
    /// Standard input.
    Stdin,
    /// Bytes already in memory (an object fetched from S3, a fuzz case), with the name or key to report.
    Memory {
        /// The name used in messages and for S3 key partitions.
        name: String,
        /// The object's bytes, as stored (possibly gzip'd).
        data: bytes::Bytes,
    },
}

impl Input {
    /// The name used in messages (`-` is shown as `<stdin>`).
    pub fn display_name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
            Input::Memory { name, .. } => name.clone(),
        }
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

/// Records read, with where each row came from.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The rows.
    pub data: RecordBatch,
    /// Per row: the line number (text), the event number (CloudWatch JSON) or the row number (Parquet), 1-based.
    pub positions: Vec<u64>,
    /// The file.
    pub source: Arc<SourceInfo>,
}

impl Batch {
    /// `file:line` (or `file:event N` / `file:row N`) of row `row`.
    pub fn location(&self, row: usize) -> String {
        let pos = self.positions.get(row).copied().unwrap_or(0);
        match self.source.shape {
            Shape::Text | Shape::ConsoleText => format!("{}:{pos}", self.source.name),
            Shape::CloudWatchJson => format!("{}:event {pos}", self.source.name),
            Shape::Parquet => format!("{}:row {pos}", self.source.name),
        }
    }
}

/// What kind of problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// `file`, `file:line`, `file:line:column`, `file:event N`.
    pub location: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
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
