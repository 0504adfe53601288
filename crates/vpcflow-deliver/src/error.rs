//! One error type for every destination, so that callers can report any of them the same way.

use std::path::PathBuf;

/// Why records could not be taken or written. Failures to reach S3 or CloudWatch Logs are not errors: the
/// records stay spooled and the [`crate::Report`] says so.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// A file or directory could not be written or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The batch does not match the format it came with.
    #[error("records do not match their format: {0}")]
    Records(String),
    /// A destination that cannot be parsed.
    #[error("destination `{0}`: {1}")]
    Destination(String, String),
    /// The AWS SDK could not be set up, or the service refused a request for good (not a transient failure).
    #[error("{0}")]
    Aws(String),
    /// A spool entry that cannot be read.
    #[error("spool entry {}: {message}", path.display())]
    Spool {
        /// The entry's file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Arrow refused a conversion (an internal error: batches are checked first).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Parquet could not be written.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}

impl DeliverError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DeliverError {
        let path = path.into();
        move |source| DeliverError::Io { path, source }
    }
}
