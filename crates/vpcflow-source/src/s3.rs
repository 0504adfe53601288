//! S3 as an [`ObjectStore`], through the official AWS SDK: what DataFusion's scans (and Ballista's executors)
//! read objects through, so that a local file and an S3 object are opened the same way.
//!
//! Only reading is implemented (get with ranges, head, list, list with a delimiter); vpcflow delivers to S3 with
//! its own uploader (`vpcflow-deliver`). Every SDK call runs on the I/O runtime the store was made with, so the
//! store can be used from any runtime (the query engine's, a Ballista executor's) or from plain threads through
//! [`Remote`](crate::remote::Remote), and the SDK's connection pool lives as long as that runtime.

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetRange, GetResult, GetResultPayload, ListResult,
    MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload,
    PutResult,
};
use std::fmt;
use std::ops::Range;
use tokio::runtime::Handle;

const STORE: &str = "S3";

/// What went wrong with a request, after the SDK's own retries.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct S3Error {
    /// The SDK's description, with the service's error code.
    pub message: String,
    /// Whether trying again later could succeed (throttling, a server error, a dropped connection, a timeout),
    /// as opposed to a refusal (no such bucket, access denied).
    pub transient: bool,
}

/// One S3 bucket, read through the SDK.
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    io: Handle,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S3Store({})", self.bucket)
    }
}

impl fmt::Display for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}", self.bucket)
    }
}

impl S3Store {
    /// A store for `bucket` whose requests run on `io`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>, io: Handle) -> S3Store {
        S3Store {
            client,
            bucket: bucket.into(),
            io,
        }
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Runs `fut` on the I/O runtime.
    async fn on_io<T: Send + 'static>(
        &self,
        fut: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> object_store::Result<T> {
        self.io
            .spawn(fut)
            .await
            .map_err(|e| object_store::Error::Generic {
                store: STORE,
                source: Box::new(e),
            })?
    }

    async fn head(&self, location: &Path) -> object_store::Result<ObjectMeta> {
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), location.clone());
        self.on_io(async move {
            let out = client
                .head_object()
                .bucket(&bucket)
                .key(key_of(&key))
                .send()
                .await
                .map_err(|e| sdk_error(&key, e))?;
            Ok(ObjectMeta {
                location: key,
                last_modified: time(out.last_modified()),
                size: out.content_length().unwrap_or(0).max(0) as u64,
                e_tag: out.e_tag().map(str::to_string),
                version: out.version_id().map(str::to_string),
            })
        })
        .await
    }
}

/// An SDK error as an object store error: a missing key is `NotFound`, anything else carries an [`S3Error`].
fn sdk_error<E, R>(key: &Path, e: aws_sdk_s3::error::SdkError<E, R>) -> object_store::Error
where
    E: std::error::Error + aws_sdk_s3::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    use aws_sdk_s3::error::SdkError;
    let status = match &e {
        SdkError::ServiceError(s) => Some(raw_status(s.raw())),
        _ => None,
    };
    let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e).map(str::to_string);
    let message = aws_sdk_s3::error::DisplayErrorContext(&e).to_string();
    if status == Some(Some(404)) || matches!(code.as_deref(), Some("NoSuchKey" | "NotFound")) {
        return object_store::Error::NotFound {
            path: key.to_string(),
            source: message.into(),
        };
    }
    let transient = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => {
            matches!(status, Some(Some(429 | 500..=599)))
                || matches!(
                    code.as_deref(),
                    Some("SlowDown" | "Throttling" | "ThrottlingException" | "RequestTimeout")
                )
        }
        _ => false,
    };
    object_store::Error::Generic {
        store: STORE,
        source: Box::new(S3Error { message, transient }),
    }
}

/// The HTTP status of a raw response, when the response type is the SDK's.
fn raw_status<R: fmt::Debug + 'static>(raw: &R) -> Option<u16> {
    let any: &dyn std::any::Any = raw;
    any.downcast_ref::<aws_sdk_s3::config::http::HttpResponse>()
        .map(|r| r.status().as_u16())
}

fn time(t: Option<&aws_sdk_s3::primitives::DateTime>) -> chrono::DateTime<chrono::Utc> {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        .unwrap_or_default()
}

fn not_supported(what: &str) -> object_store::Error {
    object_store::Error::NotImplemented {
        operation: what.to_string(),
        implementer: "vpcflow's read-only S3 store".to_string(),
    }
}

/// The object's bytes as they arrive, moved from the I/O runtime to whoever polls the stream; a connection that
/// breaks mid-body ends the stream with an error (the caller decides whether to fetch the rest again).
fn body_stream(
    io: &Handle,
    key: Path,
    mut body: ByteStream,
) -> BoxStream<'static, object_store::Result<Bytes>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<object_store::Result<Bytes>>(8);
    io.spawn(async move {
        loop {
            let chunk = match body.next().await {
                None => break,
                Some(Ok(chunk)) => Ok(chunk),
                Some(Err(e)) => Err(object_store::Error::Generic {
                    store: STORE,
                    source: Box::new(S3Error {
                        message: format!("reading {key}: {e}"),
                        transient: true,
                    }),
                }),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).boxed()
}

/// `bytes=…` for a range request, and the range it asks for once the size is known.
fn range_header(range: &GetRange) -> String {
    match range {
        GetRange::Bounded(r) => format!("bytes={}-{}", r.start, r.end.saturating_sub(1)),
        GetRange::Offset(o) => format!("bytes={o}-"),
        GetRange::Suffix(n) => format!("bytes=-{n}"),
    }
}

/// The byte range a `Content-Range: bytes a-b/total` header describes, and the total.
fn content_range(header: &str) -> Option<(Range<u64>, u64)> {
    let rest = header.strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b, total): (u64, u64, u64) = (a.parse().ok()?, b.parse().ok()?, total.parse().ok()?);
    Some((a..b + 1, total))
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put_opts(
        &self,
        _location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(not_supported("put"))
    }

    async fn put_multipart_opts(
        &self,
        _location: &Path,
        _opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(not_supported("put_multipart"))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        if options.head {
            let meta = self.head(location).await?;
            return Ok(GetResult {
                payload: GetResultPayload::Stream(futures::stream::empty().boxed()),
                range: 0..meta.size,
                meta,
                attributes: Attributes::default(),
            });
        }
        let (client, bucket, key, io) = (
            self.client.clone(),
            self.bucket.clone(),
            location.clone(),
            self.io.clone(),
        );
        self.on_io(async move {
            let mut request = client.get_object().bucket(&bucket).key(key_of(&key));
            if let Some(range) = &options.range {
                request = request.range(range_header(range));
            }
            if let Some(etag) = &options.if_match {
                request = request.if_match(etag);
            }
            let out = request.send().await.map_err(|e| sdk_error(&key, e))?;
            let length = out.content_length().unwrap_or(0).max(0) as u64;
            let (range, size) = match out.content_range().and_then(content_range) {
                Some((range, total)) => (range, total),
                None => (0..length, length),
            };
            let meta = ObjectMeta {
                location: key.clone(),
                last_modified: time(out.last_modified()),
                size,
                e_tag: out.e_tag().map(str::to_string),
                version: out.version_id().map(str::to_string),
            };
            Ok(GetResult {
                payload: GetResultPayload::Stream(body_stream(&io, key, out.body)),
                meta,
                range,
                attributes: Attributes::default(),
            })
        })
        .await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        locations.map(|_| Err(not_supported("delete"))).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let (client, bucket) = (self.client.clone(), self.bucket.clone());
        let prefix = prefix
            .map(|p| format!("{}/", key_of(p)))
            .filter(|p| p != "/");
        let (tx, rx) = tokio::sync::mpsc::channel::<object_store::Result<ObjectMeta>>(1000);
        self.io.spawn(async move {
            let mut token: Option<String> = None;
            loop {
                let page = client
                    .list_objects_v2()
                    .bucket(&bucket)
                    .set_prefix(prefix.clone())
                    .set_continuation_token(token.take())
                    .send()
                    .await;
                let page = match page {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx
                            .send(Err(sdk_error(&Path::from(bucket.as_str()), e)))
                            .await;
                        return;
                    }
                };
                for o in page.contents() {
                    if tx.send(Ok(meta_of(o))).await.is_err() {
                        return;
                    }
                }
                token = page.next_continuation_token().map(str::to_string);
                if token.is_none() {
                    return;
                }
            }
        });
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let (client, bucket) = (self.client.clone(), self.bucket.clone());
        let prefix = prefix
            .map(|p| format!("{}/", key_of(p)))
            .filter(|p| p != "/");
        self.on_io(async move {
            let mut out = ListResult {
                common_prefixes: Vec::new(),
                objects: Vec::new(),
            };
            let mut token: Option<String> = None;
            loop {
                let page = client
                    .list_objects_v2()
                    .bucket(&bucket)
                    .set_prefix(prefix.clone())
                    .delimiter("/")
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(|e| sdk_error(&Path::from(prefix.clone().unwrap_or_default()), e))?;
                for p in page.common_prefixes() {
                    if let Some(p) = p.prefix() {
                        out.common_prefixes
                            .push(Path::from(p.trim_end_matches('/')));
                    }
                }
                out.objects.extend(page.contents().iter().map(meta_of));
                token = page.next_continuation_token().map(str::to_string);
                if token.is_none() {
                    return Ok(out);
                }
            }
        })
        .await
    }

    async fn copy_opts(
        &self,
        _from: &Path,
        _to: &Path,
        _options: CopyOptions,
    ) -> object_store::Result<()> {
        Err(not_supported("copy"))
    }
}

/// The S3 key an object store path stands for. A path percent-encodes what it cannot hold (`<`, `>`, `"`, `%`,
/// `#`, …), so a key with those characters is its decoded form; `Path::from(key)` goes the other way.
pub fn key_of(path: &Path) -> String {
    percent_encoding::percent_decode_str(path.as_ref())
        .decode_utf8_lossy()
        .into_owned()
}

fn meta_of(o: &aws_sdk_s3::types::Object) -> ObjectMeta {
    ObjectMeta {
        location: Path::from(o.key().unwrap_or_default()),
        last_modified: time(o.last_modified()),
        size: o.size().unwrap_or(0).max(0) as u64,
        e_tag: o.e_tag().map(str::to_string),
        version: None,
    }
}

/// Whether an object store error is worth trying again later (throttling, server errors, broken connections).
pub fn is_transient(e: &object_store::Error) -> bool {
    match e {
        object_store::Error::Generic { source, .. } => source
            .downcast_ref::<S3Error>()
            .is_some_and(|s| s.transient),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range_header(&GetRange::Bounded(10..20)), "bytes=10-19");
        assert_eq!(range_header(&GetRange::Offset(5)), "bytes=5-");
        assert_eq!(content_range("bytes 10-19/100"), Some((10..20, 100)));
        assert_eq!(content_range("bytes */100"), None);
    }
}
