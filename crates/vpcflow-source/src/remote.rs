//! Everything that reads over the network: one I/O runtime, the AWS settings, a store per S3 bucket, the
//! CloudWatch Logs client, and the local cache of fetched objects.
//!
//! Readers run on plain threads (`read_all`) or on the query engine's runtime; both reach S3 and CloudWatch Logs
//! through the runtime held here, so the SDK's connection pools are shared and live as long as this context.

use crate::aws::{AwsOptions, path_style, sdk_config};
use crate::s3::S3Store;
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::runtime::{Handle, Runtime};

/// The network side of reading: settings, runtime, clients and cache.
pub struct Remote {
    runtime: Option<Runtime>,
    aws: AwsOptions,
    config: tokio::sync::OnceCell<aws_config::SdkConfig>,
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    cache: Option<PathBuf>,
    /// Keeps the cache under its size, for every bucket's store.
    book: Option<Arc<CacheBook>>,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("aws", &self.aws)
            .field("cache", &self.cache)
            .finish()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        // Dropped from inside another runtime (an engine's task), a runtime may not block on its threads.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Remote {
    /// A context with its own I/O runtime. `cache`: a directory that keeps every object fetched whole, so that
    /// reading it again needs no download, kept under [`DEFAULT_CACHE_MAX`] bytes.
    pub fn new(aws: AwsOptions, cache: Option<PathBuf>) -> std::io::Result<Arc<Remote>> {
        Remote::with_cache(aws, cache, DEFAULT_CACHE_MAX)
    }

    /// [`Remote::new`], with the cache kept under `cache_max` bytes: the least recently used objects are removed
    /// first, never one this process is still reading (those go when the context ends, if still over).
    pub fn with_cache(
        aws: AwsOptions,
        cache: Option<PathBuf>,
        cache_max: u64,
    ) -> std::io::Result<Arc<Remote>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vpcflow-io")
            .enable_all()
            .build()?;
        Ok(Arc::new(Remote {
            runtime: Some(runtime),
            aws,
            config: tokio::sync::OnceCell::new(),
            stores: Mutex::new(HashMap::new()),
            book: cache.as_ref().map(|dir| {
                Arc::new(CacheBook {
                    root: dir.join("s3"),
                    max: cache_max,
                    state: Mutex::new(None),
                })
            }),
            cache,
        }))
    }

    /// The I/O runtime.
    pub fn handle(&self) -> Handle {
        self.runtime.as_ref().expect("alive").handle().clone()
    }

    /// Runs `future` to its end on the I/O runtime, from a thread that is not a runtime's.
    pub fn block_on<F: Future + Send + 'static>(&self, future: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        let handle = self.handle();
        match Handle::try_current() {
            // On a runtime's thread (an engine calling a reader): wait without blocking that runtime's workers.
            Ok(_) => std::thread::scope(|s| {
                s.spawn(move || handle.block_on(future))
                    .join()
                    .expect("I/O task panicked")
            }),
            Err(_) => handle.block_on(future),
        }
    }

    /// The settings.
    pub fn aws(&self) -> &AwsOptions {
        &self.aws
    }

    /// The SDK configuration, loaded once (credentials are resolved lazily, on the first request).
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let aws = self.aws.clone();
        self.config
            .get_or_init(|| async move { sdk_config(&aws).await })
            .await
            .clone()
    }

    /// An S3 client (path-style for an endpoint on an IP address or `localhost`).
    pub async fn s3_client(&self) -> aws_sdk_s3::Client {
        let config = self.sdk_config().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&config);
        if let Some(endpoint) = self.aws.s3_endpoint() {
            builder = builder.force_path_style(path_style(&endpoint));
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    /// A CloudWatch Logs client.
    pub async fn logs_client(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config().await)
    }

    /// The store for one bucket (with the cache in front when there is one), made once.
    pub fn s3_store(self: &Arc<Self>, bucket: &str) -> Arc<dyn ObjectStore> {
        let mut stores = self.stores.lock().expect("stores lock");
        if let Some(s) = stores.get(bucket) {
            return s.clone();
        }
        let this = self.clone();
        let client = self.block_on(async move { this.s3_client().await });
        let s3: Arc<dyn ObjectStore> = Arc::new(S3Store::new(client, bucket, self.handle()));
        let store = match &self.cache {
            Some(dir) => Arc::new(CachedStore {
                inner: s3,
                dir: dir.join("s3").join(bucket),
                busy: Mutex::new(HashMap::new()),
                book: self.book.clone().expect("made with the cache"),
            }) as Arc<dyn ObjectStore>,
            None => s3,
        };
        stores.insert(bucket.to_string(), store.clone());
        store
    }
}

/// The default cache directory: `$XDG_CACHE_HOME/vpcflow/objects`, else `~/.cache/vpcflow/objects`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("vpcflow").join("objects"))
}

/// The cache's size limit when none is given: 10 GiB.
pub const DEFAULT_CACHE_MAX: u64 = 10 << 30;

/// Keeps the cache directory under a size. The total is learnt by walking the directory once, then kept as
/// objects are added; over the limit, the least recently used objects (oldest modification time: a hit renews
/// it) are removed down to nine tenths of it, except those this process has used, which it may still be reading.
/// When the context ends, those may go too.
pub(crate) struct CacheBook {
    /// Every bucket's directory is below.
    root: PathBuf,
    max: u64,
    state: Mutex<Option<Book>>,
}

#[derive(Default)]
struct Book {
    /// Bytes of objects in the cache.
    total: u64,
    /// The object files this process fetched or read from the cache.
    used: std::collections::HashSet<PathBuf>,
}

impl CacheBook {
    /// An object file was written (`size` bytes).
    fn added(&self, data: &std::path::Path, size: u64) {
        let mut state = self.state.lock().expect("cache book lock");
        let book = match &mut *state {
            Some(book) => {
                book.total += size;
                book
            }
            // The first time: the walk counts what is there, this object included.
            None => state.insert(Book {
                total: self.files().iter().map(|f| f.1).sum(),
                ..Book::default()
            }),
        };
        book.used.insert(data.to_path_buf());
        if book.total > self.max {
            self.evict(book, true);
        }
    }

    /// An object was served from the cache: it is recently used again.
    fn touched(&self, file: &std::fs::File, data: &std::path::Path) {
        let _ = file.set_modified(std::time::SystemTime::now());
        let mut state = self.state.lock().expect("cache book lock");
        if let Some(book) = &mut *state {
            book.used.insert(data.to_path_buf());
        } else {
            let mut book = Book::default();
            book.used.insert(data.to_path_buf());
            book.total = self.files().iter().map(|f| f.1).sum();
            *state = Some(book);
        }
    }

    /// Every object file: path, size and when it was last used.
    fn files(&self) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let Ok(buckets) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for bucket in buckets.flatten() {
            for e in walkdir::WalkDir::new(bucket.path().join("data"))
                .into_iter()
                .flatten()
            {
                let hidden = e.file_name().to_string_lossy().starts_with(".fetch-");
                if let (false, Ok(meta)) = (hidden, e.metadata())
                    && meta.is_file()
                {
                    let when = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                    out.push((e.into_path(), meta.len(), when));
                }
            }
        }
        out
    }

    /// Removes the least recently used objects until the cache holds at most nine tenths of its limit (sparing
    /// those this process used, when `spare_used`).
    fn evict(&self, book: &mut Book, spare_used: bool) {
        let mut files = self.files();
        book.total = files.iter().map(|f| f.1).sum();
        files.sort_by_key(|f| f.2);
        let goal = self.max / 10 * 9;
        for (path, size, _) in files {
            if book.total <= goal {
                break;
            }
            if spare_used && book.used.contains(&path) {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                book.total -= size;
                let _ = std::fs::remove_file(tag_of(&path));
            }
        }
    }
}

impl Drop for CacheBook {
    fn drop(&mut self) {
        let state = self.state.get_mut().expect("cache book lock").take();
        if let Some(mut book) = state
            && book.total > self.max
        {
            self.evict(&mut book, false);
        }
    }
}

/// The entity tag file beside an object file (`…/BUCKET/data/KEY` → `…/BUCKET/etag/KEY`).
fn tag_of(data: &std::path::Path) -> PathBuf {
    let mut parts: Vec<std::ffi::OsString> = data.iter().map(|p| p.to_os_string()).collect();
    if let Some(i) = parts.iter().rposition(|p| p == "data") {
        parts[i] = "etag".into();
    }
    parts.iter().collect()
}

/// An object store with a directory in front: an object is fetched whole once, kept under the directory with its
/// entity tag, and read from there (as a local file) while the listing's entity tag still matches it.
struct CachedStore {
    inner: Arc<dyn ObjectStore>,
    dir: PathBuf,
    /// Keys being fetched, so that two readers of one object fetch it once.
    busy: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The cache's size, shared by every bucket.
    book: Arc<CacheBook>,
}

impl fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CachedStore({}, {})", self.inner, self.dir.display())
    }
}

impl fmt::Display for CachedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (cached in {})", self.inner, self.dir.display())
    }
}

impl CachedStore {
    fn paths(&self, location: &Path) -> (PathBuf, PathBuf) {
        let mut data = self.dir.join("data");
        let mut tag = self.dir.join("etag");
        for part in location.parts() {
            data.push(part.as_ref());
            tag.push(part.as_ref());
        }
        (data, tag)
    }

    /// The cached copy, when there is one and (given an entity tag) it is that version.
    fn cached(
        &self,
        location: &Path,
        e_tag: Option<&str>,
    ) -> Option<(std::fs::File, PathBuf, u64)> {
        let (data, tag) = self.paths(location);
        if let Some(want) = e_tag {
            let have = std::fs::read_to_string(&tag).ok()?;
            if have != want {
                return None;
            }
        }
        let file = std::fs::File::open(&data).ok()?;
        let size = file.metadata().ok()?.len();
        Some((file, data, size))
    }

    /// Fetches the whole object into the cache (written aside, then renamed into place).
    async fn fill(&self, location: &Path) -> object_store::Result<ObjectMeta> {
        let (data, tag) = self.paths(location);
        let io = |e: std::io::Error| object_store::Error::Generic {
            store: "cache",
            source: Box::new(e),
        };
        let got = self.inner.get_opts(location, GetOptions::default()).await?;
        let meta = got.meta.clone();
        let parent = data.parent().expect("under the cache dir").to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io)?;
        let mut tmp = tempfile_in(&parent).map_err(io)?;
        let mut stream = match got.payload {
            GetResultPayload::Stream(s) => s,
            GetResultPayload::File(..) => {
                return Err(object_store::Error::NotSupported {
                    source: "a local file is not cached".into(),
                });
            }
        };
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            written += chunk.len() as u64;
            tmp.1.write_all(&chunk).map_err(io)?;
        }
        if written != meta.size {
            let _ = std::fs::remove_file(&tmp.0);
            return Err(object_store::Error::Generic {
                store: "cache",
                source: format!("{location}: {written} bytes arrived of {}", meta.size).into(),
            });
        }
        tmp.1.flush().map_err(io)?;
        std::fs::rename(&tmp.0, &data).map_err(io)?;
        self.book.added(&data, written);
        if let Some(e_tag) = &meta.e_tag {
            std::fs::create_dir_all(tag.parent().expect("under the cache dir")).map_err(io)?;
            std::fs::write(&tag, e_tag).map_err(io)?;
        }
        Ok(meta)
    }
}

/// A new file beside where the object will go (same file system, so the rename is atomic).
fn tempfile_in(dir: &std::path::Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        ".fetch-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    let file = std::fs::File::create(&path)?;
    Ok((path, file))
}

#[async_trait]
impl ObjectStore for CachedStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    /// A head request goes to the store; a read is served from the cache, filled first when needed. The entity
    /// tag asked for with `if_match` (the listing's) decides whether a cached copy is current.
    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if options.head {
            return self.inner.get_opts(location, options).await;
        }
        let want = options.if_match.clone();
        let lock = {
            let mut busy = self.busy.lock().expect("busy lock");
            busy.entry(location.to_string()).or_default().clone()
        };
        let (file, path, size) = {
            let _guard = lock.lock().await;
            match self.cached(location, want.as_deref()) {
                Some(hit) => {
                    self.book.touched(&hit.0, &hit.1);
                    hit
                }
                None => {
                    self.fill(location).await?;
                    self.cached(location, None)
                        .ok_or_else(|| object_store::Error::NotFound {
                            path: location.to_string(),
                            source: "the cached copy vanished".into(),
                        })?
                }
            }
        };
        let range = match &options.range {
            Some(r) => r.as_range(size).map_err(|e| object_store::Error::Generic {
                store: "cache",
                source: Box::new(e),
            })?,
            None => 0..size,
        };
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: chrono::DateTime::default(),
            size,
            e_tag: want,
            version: None,
        };
        Ok(GetResult {
            payload: GetResultPayload::File(file, path),
            meta,
            range,
            attributes: Attributes::default(),
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

/// How often a fetch that broke mid-body (or was throttled past the SDK's own retries) is tried again.
const FETCH_ATTEMPTS: u32 = 4;

/// An object (or a range of it) as fetched: a local file (the object is on disk: a local store, the cache) or
/// the bytes.
pub enum Fetched {
    /// A file holding the object; `range` is the part asked for.
    File(std::fs::File, PathBuf, std::ops::Range<u64>),
    /// The bytes of the part asked for.
    Bytes(bytes::Bytes),
}

/// Fetches `range` (or all) of an object. A body that breaks off is fetched again from where it broke (for the
/// same version, by entity tag), and throttling or a server error that outlasts the SDK's retries is tried again
/// after a pause, a few times, before the error is returned.
pub async fn fetch(
    store: &Arc<dyn ObjectStore>,
    location: &Path,
    range: Option<std::ops::Range<u64>>,
    e_tag: Option<String>,
) -> object_store::Result<Fetched> {
    let mut have = bytes::BytesMut::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let start = range.as_ref().map_or(0, |r| r.start) + have.len() as u64;
        let options = GetOptions {
            range: match &range {
                Some(r) => Some(object_store::GetRange::Bounded(start..r.end)),
                None if start > 0 => Some(object_store::GetRange::Offset(start)),
                None => None,
            },
            if_match: e_tag.clone(),
            ..GetOptions::default()
        };
        let error = match store.get_opts(location, options).await {
            Ok(got) => match got.payload {
                GetResultPayload::File(file, path) => {
                    return Ok(Fetched::File(file, path, got.range));
                }
                GetResultPayload::Stream(mut stream) => {
                    if have.is_empty() {
                        have.reserve((got.range.end - got.range.start) as usize);
                    }
                    let mut broke = None;
                    while let Some(chunk) = stream.next().await {
                        match chunk {
                            Ok(chunk) => have.extend_from_slice(&chunk),
                            Err(e) => {
                                broke = Some(e);
                                break;
                            }
                        }
                    }
                    match broke {
                        None => return Ok(Fetched::Bytes(have.freeze())),
                        Some(e) => e,
                    }
                }
            },
            Err(e) => e,
        };
        if attempt >= FETCH_ATTEMPTS || !crate::s3::is_transient(&error) {
            return Err(error);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// An object file of `size` bytes (and its entity tag), last used `age` seconds ago.
    fn object(root: &std::path::Path, key: &str, size: usize, age: u64) -> PathBuf {
        let data = root.join("s3/b/data").join(key);
        let tag = root.join("s3/b/etag").join(key);
        for (path, body) in [(&data, vec![b'x'; size]), (&tag, b"\"e\"".to_vec())] {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let when = SystemTime::now() - Duration::from_secs(age);
        std::fs::File::options()
            .write(true)
            .open(&data)
            .unwrap()
            .set_modified(when)
            .unwrap();
        data
    }

    #[test]
    fn the_cache_keeps_under_its_size_least_recently_used_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let old = object(root, "2024/01/01/old.gz", 400, 300);
        let older = object(root, "2024/01/01/older.gz", 400, 400);
        let hit = object(root, "2024/01/02/hit.gz", 400, 500);
        let book = CacheBook {
            root: root.join("s3"),
            max: 1000,
            state: Mutex::new(None),
        };
        // A hit renews the oldest object and keeps it for this process.
        book.touched(&std::fs::File::open(&hit).unwrap(), &hit);
        assert_eq!(book.state.lock().unwrap().as_ref().unwrap().total, 1200);
        // A new object: 1600 bytes, over the limit; the least recently used go, down to 900 bytes, sparing what
        // this process used (the hit and the new one), though that leaves it over.
        let new = object(root, "2024/01/03/new.gz", 400, 0);
        book.added(&new, 400);
        assert!(
            !older.exists() && !old.exists(),
            "least recently used first"
        );
        assert!(!tag_of(&older).exists(), "with its entity tag");
        assert!(hit.exists() && new.exists(), "what this process used stays");
        assert_eq!(book.state.lock().unwrap().as_ref().unwrap().total, 800);
        // Once the process is done with them, they may go too.
        let big = object(root, "2024/01/04/big.gz", 900, 0);
        book.added(&big, 900);
        drop(book);
        let left: Vec<bool> = [&hit, &new, &big].iter().map(|p| p.exists()).collect();
        assert_eq!(left, [false, false, true], "down to nine tenths at the end");
        assert_eq!(
            tag_of(&big),
            root.join("s3/b/etag/2024/01/04/big.gz"),
            "the tag's place"
        );
    }
}
