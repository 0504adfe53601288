//! How to reach AWS: the standard settings chain, as the AWS CLI reads it.
//!
//! Credentials, region and endpoint come from aws-config's chain: environment variables, the shared config and
//! credentials files (`--profile` or `AWS_PROFILE`), IAM Identity Center (SSO) profiles, web identity, and
//! container and instance roles. `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` (or `--endpoint-url`) point S3 at a
//! compatible store; an endpoint on an IP address or `localhost` is addressed path-style (`endpoint/bucket/key`),
//! as such servers expect. Throttling and server errors are retried by the SDK with exponential backoff and
//! jitter; what is left after the last attempt is reported against the object or stream it concerned.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

/// Settings that override the standard chain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// A named profile of the shared config files (`--profile`).
    pub profile: Option<String>,
    /// A region (`--region`); otherwise the chain's, otherwise `us-east-1`.
    pub region: Option<String>,
    /// An endpoint instead of AWS's (`--endpoint-url`); otherwise `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// An access key and secret instead of the chain (tests, S3-compatible stores).
    pub static_credentials: Option<(String, String)>,
    /// Attempts per request, the first included (throttling and 5xx are retried); 0: the default (5).
    pub max_attempts: u32,
    /// The wait before the first retry; the SDK doubles it (with jitter) for each further one. `None`: 1 s.
    pub first_backoff: Option<Duration>,
}

impl AwsOptions {
    /// The endpoint S3 requests go to when it is not AWS's: the option, else the environment.
    pub fn s3_endpoint(&self) -> Option<String> {
        self.endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .filter(|u| !u.is_empty())
    }
}

/// Whether an endpoint is addressed path-style: a host that is an IP address or `localhost` cannot carry the
/// bucket as a subdomain.
pub fn path_style(endpoint: &str) -> bool {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => {
            return v6
                .split(']')
                .next()
                .is_some_and(|h| h.parse::<std::net::Ipv6Addr>().is_ok());
        }
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// The SDK configuration for these options (region from the options, else the chain, else `us-east-1`).
pub async fn sdk_config(opts: &AwsOptions) -> SdkConfig {
    let config = loader(opts, opts.region.clone()).load().await;
    if config.region().is_some() {
        return config;
    }
    loader(opts, Some("us-east-1".to_string())).load().await
}

fn loader(opts: &AwsOptions, region: Option<String>) -> aws_config::ConfigLoader {
    // rustls over ring, as the rest of the project (no C TLS library to build).
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let attempts = if opts.max_attempts == 0 {
        5
    } else {
        opts.max_attempts
    };
    let retry = RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(opts.first_backoff.unwrap_or(Duration::from_secs(1)));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(retry)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((key, secret)) = &opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            key, secret, None, None, "vpcflow",
        ));
    }
    loader
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_style_for_addresses_and_localhost() {
        assert!(path_style("http://127.0.0.1:9000"));
        assert!(path_style("http://localhost:4566/"));
        assert!(path_style("http://[::1]:9000"));
        assert!(path_style("10.0.0.5"));
        assert!(!path_style("https://s3.eu-west-1.amazonaws.com"));
        assert!(!path_style("https://minio.example.com:9000"));
    }
}
