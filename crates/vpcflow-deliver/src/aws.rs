//! Setting up the AWS SDK for Rust: the standard configuration chain, with an endpoint for S3-compatible stores
//! and local test servers, an HTTP client over rustls/ring, and the SDK's own retries turned off (we retry
//! ourselves, because `PutLogEvents` must not be sent twice blindly).

use crate::{DeliverError, Options};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

/// How to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    /// An endpoint instead of AWS's (an S3-compatible store, a local test server). S3 then uses path-style
    /// addressing (`endpoint/bucket/key`), which such servers expect.
    pub endpoint_url: Option<String>,
    /// An access key and secret to use instead of the standard credential chain (environment, profile, web
    /// identity, container and instance roles), for S3-compatible stores and tests.
    pub static_credentials: Option<(String, String)>,
}

/// A runtime for the SDK's futures: delivery is called from plain threads.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, DeliverError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DeliverError::Aws(format!("cannot start the AWS SDK's runtime: {e}")))
}

/// The SDK configuration deliveries use (region from the options, else the standard chain, else `us-east-1`;
/// SDK retries off), for callers that want to read back what was delivered with the same settings.
pub async fn sdk_config(opts: &Options) -> SdkConfig {
    let config = loader(opts, opts.region.clone()).load().await;
    if config.region().is_some() {
        return config;
    }
    loader(opts, Some("us-east-1".to_string())).load().await
}

/// A loader with our HTTP client, timeouts and retry policy; without a region the standard chain looks for one
/// (through our HTTP client, which the default providers would otherwise lack).
fn loader(opts: &Options, region: Option<String>) -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(300))
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = &opts.aws.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((key, secret)) = &opts.aws.static_credentials {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            key, secret, None, None, "vpcflow",
        ));
    }
    loader
}

/// The wait before attempt `attempt` (1-based; the first waits nothing).
pub(crate) fn backoff(first: Duration, attempt: u32) -> Duration {
    if attempt <= 1 {
        return Duration::ZERO;
    }
    let factor = 1u32 << (attempt - 2).min(10);
    (first * factor).min(Duration::from_secs(20))
}

/// The error's full chain of causes on one line: the SDK's top-level messages ("dispatch failure") say little.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}
