//! Shared by the lib/aws integration tests: an SDK configuration pointed at moto server.
//!
//! The tests need a running moto. Without `AWS_ENDPOINT_URL` they fail (never silently pass):
//!
//! ```text
//! eval "$(scripts/moto)"    # installs moto into .venv-moto, starts it on 127.0.0.1:5000
//! cargo test -p sync-aws
//! scripts/moto-stop
//! ```

#![allow(dead_code)] // each test binary uses a different subset

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// The emulator's endpoint, or a failure explaining how to start it.
pub fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "AWS_ENDPOINT_URL is not set: these tests run against moto server. Start it with \
             `eval \"$(scripts/moto)\"` from the repository root, then re-run the tests."
        ),
    }
}

/// Static test credentials, us-east-1, the emulator endpoint, and no retries (moto answers an
/// unimplemented action with HTML 500; retrying it only wastes seconds).
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await
}

/// A name no other test (or earlier run against the same server) uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}
