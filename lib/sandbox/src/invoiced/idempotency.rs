//! `Idempotency-Key` replay: the first response (status and body, errors included) to a POST or
//! PATCH carrying a key is stored for 24 h per API key and replayed as-is; the request body is not
//! compared. The scope is the API key, not the endpoint (as on the backend), so reusing a key on
//! another endpoint also replays.

use std::collections::HashMap;

use super::error::ApiError;

/// How long a stored response is replayed (86 400 s on the backend).
pub const TTL_SECS: i64 = 86_400;

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Body text (`None` for 204).
    pub body: Option<String>,
    /// Unix seconds when stored.
    pub stored_at: i64,
}

/// Stored responses by key.
#[derive(Debug, Default)]
pub struct IdempotencyCache {
    entries: HashMap<String, StoredResponse>,
}

/// Check the header against the backend's rules: POST/PATCH only, 6–64 characters.
pub fn validate(method: &str, key: &str) -> Result<(), ApiError> {
    if method != "POST" && method != "PATCH" {
        return Err(ApiError::invalid(format!(
            "Unsupported method: {method}. Idempotency keys can only be used with POST and PATCH requests."
        )));
    }
    let len = key.chars().count();
    if len < 6 {
        return Err(ApiError::invalid(
            "Idempotency key is too short. It must be at least 6 characters.",
        ));
    }
    if len > 64 {
        return Err(ApiError::invalid(
            "Idempotency key is too long. It must be at most 64 characters.",
        ));
    }
    Ok(())
}

impl IdempotencyCache {
    /// The stored response for a key, unless it has expired.
    pub fn get(&mut self, key: &str, now: i64) -> Option<StoredResponse> {
        self.entries.retain(|_, r| now - r.stored_at < TTL_SECS);
        self.entries.get(key).cloned()
    }

    /// Remember the first response for a key.
    pub fn put(&mut self, key: &str, response: StoredResponse) {
        self.entries.entry(key.to_string()).or_insert(response);
    }
}
