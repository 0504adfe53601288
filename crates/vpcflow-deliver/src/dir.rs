//! The S3 layout on a local disk: what `aws s3 sync s3://bucket/prefix OUTDIR` would give for the same records.

use crate::layout::{Object, Objects};
use crate::{Deliver, DeliverError, Options, Report};
use arrow::record_batch::RecordBatch;
use std::path::{Path, PathBuf};
use vpcflow_record::Format;

/// Writes objects as files under a directory, keyed like S3 (`OUTDIR/AWSLogs/…`). A file appears whole or not
/// at all: it is written under a temporary name and renamed. No spool: a write error is an error.
pub struct DirLayout {
    root: PathBuf,
    objects: Objects,
    report: Report,
}

impl DirLayout {
    /// Files go under `root`, which is created when missing.
    pub fn new(root: PathBuf, opts: Options) -> DirLayout {
        let fallback = opts
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_string());
        DirLayout {
            root,
            objects: Objects::new(opts, fallback),
            report: Report::default(),
        }
    }

    fn write(&mut self, objects: Vec<Object>) -> Result<(), DeliverError> {
        for object in objects {
            let path = self.root.join(&object.key);
            write_atomically(&path, &object.body)?;
            self.report.records += object.records;
            self.report.units += 1;
            self.report.locations.push(path.display().to_string());
        }
        Ok(())
    }
}

impl Deliver for DirLayout {
    fn deliver(&mut self, batch: &RecordBatch, format: &Format) -> Result<(), DeliverError> {
        self.objects.push(batch, format)?;
        let ready = self.objects.take_ready();
        self.write(ready)
    }

    fn flush(&mut self) -> Result<Report, DeliverError> {
        let rest = self.objects.finish()?;
        self.write(rest)?;
        Ok(std::mem::take(&mut self.report))
    }
}

/// Writes `data` to `path` through a temporary file in the same directory, so that readers never see half a file.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> Result<(), DeliverError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(DeliverError::io(dir))?;
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, data).map_err(DeliverError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(DeliverError::io(path))
}
