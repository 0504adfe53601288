//! The on-disk spool: everything bound for S3 or CloudWatch Logs is written here before it is sent and removed
//! only after the service acknowledged it, so that no failure (or crash) loses records.
//!
//! An entry is two files: `{id}.body` (the object's bytes, or a batch of log events as JSON) and
//! `{id}.meta.json` (where it goes). The meta file is written last, through a rename, so an entry exists only
//! once its body is complete; removing it removes the meta file first. `{id}.attempted` marks an entry that
//! was (perhaps) sent before, so that a resend checks what already arrived. Ids sort in creation order.

use crate::DeliverError;
use crate::dir::write_atomically;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where undelivered records wait when no spool directory is given: `$XDG_CACHE_HOME/vpcflow/spool`, else
/// `~/.cache/vpcflow/spool`, else under the system's temporary directory.
pub fn default_spool_dir() -> PathBuf {
    let non_empty = |v: &str| {
        std::env::var_os(v)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    };
    if let Some(cache) = non_empty("XDG_CACHE_HOME") {
        return cache.join("vpcflow").join("spool");
    }
    if let Some(home) = non_empty("HOME") {
        return home.join(".cache").join("vpcflow").join("spool");
    }
    std::env::temp_dir().join("vpcflow-spool")
}

/// Where an entry goes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Meta {
    /// `s3` or `logs`.
    pub kind: String,
    /// The bucket or log group.
    pub target: String,
    /// The object key or log stream.
    pub name: String,
    /// Records in the entry.
    pub records: u64,
}

/// One spooled object or batch.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub id: String,
    pub meta: Meta,
}

pub(crate) struct Spool {
    dir: PathBuf,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Spool {
    pub fn open(dir: &Path) -> Result<Spool, DeliverError> {
        std::fs::create_dir_all(dir).map_err(DeliverError::io(dir))?;
        Ok(Spool {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str, suffix: &str) -> PathBuf {
        self.dir.join(format!("{id}.{suffix}"))
    }

    /// Stores a new entry.
    pub fn put(&self, meta: Meta, body: &[u8]) -> Result<Entry, DeliverError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let id = format!(
            "{nanos:024}-{:08}-{:08}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        write_atomically(&self.path(&id, "body"), body)?;
        let json = serde_json::to_vec(&meta).expect("plain struct");
        write_atomically(&self.path(&id, "meta.json"), &json)?;
        Ok(Entry { id, meta })
    }

    /// Entries of one kind and target, oldest first.
    pub fn list(&self, kind: &str, target: &str) -> Result<Vec<Entry>, DeliverError> {
        let read = std::fs::read_dir(&self.dir).map_err(DeliverError::io(&self.dir))?;
        let mut out = Vec::new();
        for item in read {
            let item = item.map_err(DeliverError::io(&self.dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".meta.json") else {
                continue;
            };
            if id.starts_with('.') {
                continue;
            }
            let path = item.path();
            let text = std::fs::read(&path).map_err(DeliverError::io(&path))?;
            let meta: Meta = serde_json::from_slice(&text).map_err(|e| DeliverError::Spool {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if meta.kind == kind && meta.target == target {
                out.push(Entry {
                    id: id.to_string(),
                    meta,
                });
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    pub fn body(&self, entry: &Entry) -> Result<Vec<u8>, DeliverError> {
        let path = self.path(&entry.id, "body");
        std::fs::read(&path).map_err(DeliverError::io(path))
    }

    /// Replaces an entry's body (what is left to send of a partly stored batch).
    pub fn rewrite(&self, entry: &Entry, body: &[u8], records: u64) -> Result<Entry, DeliverError> {
        write_atomically(&self.path(&entry.id, "body"), body)?;
        let meta = Meta {
            records,
            ..entry.meta.clone()
        };
        let json = serde_json::to_vec(&meta).expect("plain struct");
        write_atomically(&self.path(&entry.id, "meta.json"), &json)?;
        Ok(Entry {
            id: entry.id.clone(),
            meta,
        })
    }

    pub fn mark_attempted(&self, entry: &Entry) -> Result<(), DeliverError> {
        let path = self.path(&entry.id, "attempted");
        std::fs::write(&path, b"").map_err(DeliverError::io(path))
    }

    pub fn attempted(&self, entry: &Entry) -> bool {
        self.path(&entry.id, "attempted").exists()
    }

    /// Forgets a delivered entry.
    pub fn remove(&self, entry: &Entry) -> Result<(), DeliverError> {
        for suffix in ["meta.json", "body", "attempted"] {
            let path = self.path(&entry.id, suffix);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(DeliverError::Io { path, source: e }),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let meta = |name: &str| Meta {
            kind: "s3".into(),
            target: "b".into(),
            name: name.into(),
            records: 1,
        };
        let a = spool.put(meta("a"), b"one").unwrap();
        let b = spool.put(meta("b"), b"two").unwrap();
        spool
            .put(
                Meta {
                    target: "other".into(),
                    ..meta("c")
                },
                b"three",
            )
            .unwrap();
        let listed = spool.list("s3", "b").unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|e| e.meta.name.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(spool.body(&listed[1]).unwrap(), b"two");
        assert!(!spool.attempted(&a));
        spool.mark_attempted(&a).unwrap();
        assert!(spool.attempted(&a));
        spool.remove(&a).unwrap();
        spool.remove(&b).unwrap();
        assert!(spool.list("s3", "b").unwrap().is_empty());
        assert_eq!(spool.list("s3", "other").unwrap().len(), 1);
    }
}
