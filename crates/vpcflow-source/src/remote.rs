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
    /// reading it again needs no download.
    pub fn new(aws: AwsOptions, cache: Option<PathBuf>) -> std::io::Result<Arc<Remote>> {
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

/// An object store with a directory in front: an object is fetched whole once, kept under the directory with its
/// entity tag, and read from there (as a local file) while the listing's entity tag still matches it.
struct CachedStore {
    inner: Arc<dyn ObjectStore>,
    dir: PathBuf,
    /// Keys being fetched, so that two readers of one object fetch it once.
    busy: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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
                Some(hit) => hit,
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
