//! Delivering flow log records the way AWS delivers them.
//!
//! A flow log's records reach people in one of three places, and tools downstream (Athena tables, log
//! subscriptions, vpcflow's own reader) rely on the exact shape AWS gives them there. This crate produces those
//! shapes from Arrow batches in a [`Format`]'s schema (what `vpcflow_record::BatchBuilder` and
//! `vpcflow_source::read_input` produce):
//!
//! - [`DirLayout`]: files in the S3 layout on a local disk: gzip'd text objects with the header line (or Parquet
//!   with AWS's column types), one per 5-minute window of the records' **end** time, split at 75 MB, named
//!   `{account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz` under the default, hourly or
//!   Hive-compatible prefixes ([`Layout`]).
//! - [`S3Delivery`]: the same objects put to S3 (or an S3-compatible store) with the AWS SDK for Rust.
//! - [`LogsDelivery`]: CloudWatch Logs: one log stream per network interface (`eni-…-all`), the record's start
//!   time as the event timestamp, the record line (no header) as the message, in `PutLogEvents` batches that
//!   respect every limit of the API.
//!
//! # Using it
//!
//! ```no_run
//! use vpcflow_deliver::{Deliver, Destination, Options};
//! # fn records() -> (arrow::record_batch::RecordBatch, vpcflow_record::Format) { unimplemented!() }
//! let mut sink = Destination::parse("s3://my-bucket/flow-logs")?.open(&Options::default())?;
//! let (batch, format) = records();
//! sink.deliver(&batch, &format)?; // as often as there are batches
//! let report = sink.flush()?; // at the end, and every few minutes in a long run
//! if report.spooled > 0 {
//!     eprintln!("{} objects wait in {:?} for the next run", report.spooled, report.spool_dir);
//! }
//! # Ok::<(), vpcflow_deliver::DeliverError>(())
//! ```
//!
//! [`Deliver::deliver`] groups records and may already write or send whole objects/batches; [`Deliver::flush`]
//! writes or sends everything still held and, for the AWS destinations, retries what earlier runs left in the
//! spool. Call `flush` at least every 5 minutes in a long-running producer so that objects appear as they would
//! from AWS. The AWS destinations run their own single-threaded Tokio runtime: call them from ordinary threads,
//! not from inside an async task.
//!
//! # Names when a format lacks a field
//!
//! - Object keys use [`Options::account`] when set (the flow log's owner, as AWS does); otherwise each record's
//!   `account-id` when it is a 12-digit account; otherwise `unknown`.
//! - The region in keys is [`Options::region`] when set; otherwise the record's `region` field; otherwise the
//!   SDK's region (S3) or `us-east-1`.
//! - Log streams are `{interface-id}-all`; without an interface id (transit gateway formats, NAT gateway
//!   records) the `tgw-attachment-id`, then `unknown`, take its place.
//! - A record without `end` is filed under its `start`; one without either under the epoch. A log event's
//!   timestamp is the record's `start`, else its `end`, else the time of delivery.
//!
//! # What is guaranteed
//!
//! - S3 and directory objects have deterministic names (the hash is a CRC-32 of the object's part number and
//!   content), so delivering the same records again writes the same keys: a retried `PutObject` can never
//!   duplicate records.
//! - Every S3 object and every `PutLogEvents` batch is written to the spool (a directory, by default under the
//!   user's cache directory) before it is sent, and removed only after the service acknowledged it. A failure
//!   leaves it there; the next `flush` (in this run or a later one with the same spool) sends it again.
//! - `PutLogEvents` is not idempotent, so the SDK's own retries are turned off and [`LogsDelivery`] retries by
//!   itself. A refusal by the service (throttling, a missing stream) means nothing was stored and the batch is
//!   simply sent again. After an ambiguous failure (timeout, broken connection, 5xx, or a crash while a batch
//!   was in flight, marked on disk) it first reads the stream's events in the batch's time range and sends only
//!   the events not yet there, counting identical `(timestamp, message)` pairs. The guarantee is therefore
//!   exactly once, except that an event identical to one already in the stream within the batch's time range is
//!   taken as delivered; and CloudWatch must show the stored events to `GetLogEvents` by the time of the retry
//!   (the backoff waits at least a second).
//! - Events CloudWatch rejects as too old (14 days or retention) or too new (2 hours ahead) are counted in
//!   [`Report::rejected`]; sending them again cannot help.
//! - One process per spool directory at a time.

mod aws;
mod dir;
mod error;
mod layout;
mod logs;
mod s3;
mod spool;

pub use aws::{AwsSettings, sdk_config};
pub use dir::DirLayout;
pub use error::DeliverError;
pub use logs::{
    Event, LogsDelivery, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS, batches,
};
pub use s3::S3Delivery;
pub use spool::default_spool_dir;
/// The key layouts, from the catalogue where keys are also read.
pub use vpcflow_catalog::s3_layout::Layout;

use arrow::record_batch::RecordBatch;
use std::path::PathBuf;
use std::time::Duration;
use vpcflow_record::Format;

/// A place records are delivered to, as AWS would deliver them there.
pub trait Deliver {
    /// Takes records (a batch in `format`'s schema, columns in the format's order). Whole objects or batches
    /// may be written or sent at once; the rest waits for [`Deliver::flush`].
    fn deliver(&mut self, batch: &RecordBatch, format: &Format) -> Result<(), DeliverError>;

    /// Writes or sends everything held, retries what is spooled, and says what happened since the last flush.
    /// Delivery failures are not errors: what could not be sent stays spooled and is counted in the report.
    fn flush(&mut self) -> Result<Report, DeliverError>;
}

/// What a flush did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Records the destination acknowledged (including records spooled by earlier runs).
    pub records: u64,
    /// Objects or files written, or `PutLogEvents` batches accepted.
    pub units: u64,
    /// Object keys, file paths or `group/stream` names written, in order.
    pub locations: Vec<String>,
    /// Objects or batches left in the spool to be sent by a later flush.
    pub spooled: u64,
    /// Records in them.
    pub spooled_records: u64,
    /// Events CloudWatch Logs refused for their age (not retried: they can never be accepted).
    pub rejected: u64,
    /// Events found already stored when a batch was resent after an ambiguous failure (not sent again).
    pub already_stored: u64,
    /// The spool directory, for the AWS destinations.
    pub spool_dir: Option<PathBuf>,
    /// The last delivery error that left something spooled.
    pub last_error: Option<String>,
}

/// How to retry a request that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per object or batch in one flush (at least 1).
    pub attempts: u32,
    /// Wait after the first failure; doubled after each further one, up to 20 s.
    pub first_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
        }
    }
}

/// Output choices shared by every destination.
#[derive(Clone, Debug)]
pub struct Options {
    /// The flow log's owner, used in object keys and names (see the crate docs for the fallback).
    pub account: Option<String>,
    /// The flow log's region, used in keys and as the SDK's region (see the crate docs for the fallback).
    pub region: Option<String>,
    /// The flow log id in object names (`fl-…`).
    pub flow_log_id: String,
    /// Key prefixes: default, hourly, Hive-compatible.
    pub layout: Layout,
    /// Parquet objects (`.log.parquet`) instead of gzip'd text.
    pub parquet: bool,
    /// Largest object, in bytes of uncompressed text (AWS: 75 MB); a window with more is split.
    pub max_object_bytes: usize,
    /// Where undelivered objects and batches wait; `None`: [`default_spool_dir`].
    pub spool: Option<PathBuf>,
    /// Retrying failed requests.
    pub retry: Retry,
    /// Endpoint and credentials for the AWS SDK.
    pub aws: AwsSettings,
}

/// AWS's largest flow log object.
pub const MAX_OBJECT_BYTES: usize = 75 * 1024 * 1024;

impl Default for Options {
    fn default() -> Self {
        Options {
            account: None,
            region: None,
            flow_log_id: "fl-00000000000000000".to_string(),
            layout: Layout::Default,
            parquet: false,
            max_object_bytes: MAX_OBJECT_BYTES,
            spool: None,
            retry: Retry::default(),
            aws: AwsSettings::default(),
        }
    }
}

/// Where to deliver, as written on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// `dir:OUTDIR`: files in the S3 layout under a local directory.
    Dir(PathBuf),
    /// `s3://bucket[/prefix]`.
    S3 {
        /// The bucket (it must exist).
        bucket: String,
        /// The key prefix before `AWSLogs/`, without slashes at either end; may be empty.
        prefix: String,
    },
    /// `logs:GROUP`: a CloudWatch Logs log group (created when missing).
    Logs {
        /// The log group's name.
        group: String,
    },
}

impl Destination {
    /// Reads `s3://bucket/prefix`, `dir:OUTDIR` or `logs:GROUP`.
    pub fn parse(text: &str) -> Result<Destination, DeliverError> {
        let bad = |why: &str| DeliverError::Destination(text.to_string(), why.to_string());
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("no bucket after s3://"));
            }
            return Ok(Destination::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if let Some(dir) = text.strip_prefix("dir:") {
            if dir.is_empty() {
                return Err(bad("no directory after dir:"));
            }
            return Ok(Destination::Dir(PathBuf::from(dir)));
        }
        if let Some(group) = text.strip_prefix("logs:") {
            if group.is_empty() {
                return Err(bad("no log group after logs:"));
            }
            return Ok(Destination::Logs {
                group: group.to_string(),
            });
        }
        Err(bad(
            "expected s3://BUCKET[/PREFIX], dir:OUTDIR or logs:GROUP",
        ))
    }

    /// Opens the destination. For S3 and CloudWatch Logs this loads the AWS configuration (credentials from the
    /// standard chain unless [`AwsSettings::static_credentials`] is set) but sends nothing yet.
    pub fn open(&self, opts: &Options) -> Result<Box<dyn Deliver>, DeliverError> {
        Ok(match self {
            Destination::Dir(root) => Box::new(DirLayout::new(root.clone(), opts.clone())),
            Destination::S3 { bucket, prefix } => Box::new(S3Delivery::new(
                bucket.clone(),
                prefix.clone(),
                opts.clone(),
            )?),
            Destination::Logs { group } => {
                Box::new(LogsDelivery::new(group.clone(), opts.clone())?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse() {
        assert_eq!(
            Destination::parse("s3://b/p/q/").unwrap(),
            Destination::S3 {
                bucket: "b".into(),
                prefix: "p/q".into()
            }
        );
        assert_eq!(
            Destination::parse("s3://b").unwrap(),
            Destination::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            Destination::parse("dir:out").unwrap(),
            Destination::Dir("out".into())
        );
        assert_eq!(
            Destination::parse("logs:/vpc/flows").unwrap(),
            Destination::Logs {
                group: "/vpc/flows".into()
            }
        );
        assert!(Destination::parse("s3://").is_err());
        assert!(Destination::parse("ftp://x").is_err());
    }
}
