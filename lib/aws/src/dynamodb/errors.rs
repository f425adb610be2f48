//! SDK errors as [`StoreError`]s. Conditional-check failures are handled where they mean
//! something (a lost race, a uniqueness rule, a missing item); everything else (throttling, 5xx,
//! timeouts, an unreachable endpoint) is `Unavailable`, retryable by the caller's policy.

use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, SdkError};
use sync_engine::ports::StoreError;

/// Any failed SDK call as `Unavailable`, with the full error chain for the logs.
pub(crate) fn unavailable<E, R>(operation: &str, err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(format!(
        "DynamoDB {operation}: {}",
        DisplayErrorContext(&err)
    ))
}

/// A request that could not be built (a required field missing: a bug, reported not panicked).
pub(crate) fn build(err: BuildError) -> StoreError {
    StoreError::Unavailable(format!("DynamoDB request could not be built: {err}"))
}
