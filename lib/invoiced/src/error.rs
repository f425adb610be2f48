//! Errors of the Invoiced client.
//!
//! Invoiced answers errors with `{"type", "message", "param"?}`. The `type` is coarse (`invalid_request`
//! covers 400, 401, 403 and 404), so the variant is chosen by HTTP status and the body is kept whole in
//! [`ApiError`]. Messages are safe to show: they never contain the API key (the server masks it).

use serde::Deserialize;
use std::fmt;

/// The error body returned by Invoiced, with the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Error `type` (`invalid_request`, `rate_limit_error`, `api_error`, or something else); `None` if
    /// the body was not the usual JSON.
    pub error_type: Option<String>,
    /// Human-readable message; the body text (truncated) when the body was not JSON.
    pub message: String,
    /// The offending request field, for validation errors.
    pub param: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)?;
        if let Some(param) = &self.param {
            write!(f, " (param `{param}`)")?;
        }
        Ok(())
    }
}

/// The longest non-JSON error body kept in a message; gateways can return whole HTML pages.
const MAX_RAW_MESSAGE: usize = 512;

impl ApiError {
    /// Builds the error from a status and a response body, tolerating non-JSON bodies.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Body {
            #[serde(rename = "type")]
            error_type: Option<String>,
            message: Option<String>,
            param: Option<String>,
        }
        match serde_json::from_slice::<Body>(body) {
            Ok(parsed) if parsed.message.is_some() || parsed.error_type.is_some() => Self {
                status,
                error_type: parsed.error_type,
                message: parsed.message.unwrap_or_default(),
                param: parsed.param,
            },
            _ => {
                let text = String::from_utf8_lossy(body);
                let mut message: String = text.trim().chars().take(MAX_RAW_MESSAGE).collect();
                if message.is_empty() {
                    message = format!("empty response body with status {status}");
                }
                Self {
                    status,
                    error_type: None,
                    message,
                    param: None,
                }
            }
        }
    }
}

/// Everything that can go wrong talking to Invoiced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400 (and other 4xx without a dedicated variant: 402 account cancelled, 403, 405, 409...):
    /// the request was refused; retrying the same request will fail the same way.
    #[error("Invoiced rejected the request: {0}")]
    InvalidRequest(ApiError),
    /// 401: the API key is missing or wrong.
    #[error("Invoiced authentication failed: {0}")]
    Authentication(ApiError),
    /// 404: the object (or route) does not exist, e.g. "Customer was not found: 51123223".
    #[error("Invoiced object not found: {0}")]
    NotFound(ApiError),
    /// 429 on every attempt: more than 20 requests were in flight for this API key.
    #[error("Invoiced rate limit still hit after {attempts} attempts: {error}")]
    RateLimited {
        /// How many attempts were made.
        attempts: u32,
        /// The last 429 response.
        error: ApiError,
    },
    /// 5xx: Invoiced failed; the outcome of a POST/PATCH is unknown but safe to retry with the same
    /// idempotency key.
    #[error("Invoiced server error: {0}")]
    Server(ApiError),
    /// A status this client does not expect (1xx/3xx).
    #[error("unexpected response from Invoiced: {0}")]
    UnexpectedStatus(ApiError),
    /// The request did not complete (connect, TLS, timeout, reading the body).
    #[error("could not reach Invoiced: {0}")]
    Transport(#[source] reqwest::Error),
    /// A 2xx body that does not match the expected model.
    #[error("unexpected {what} from Invoiced: {source}")]
    Decode {
        /// What was being read, e.g. `Invoice` or `list of Customer`.
        what: String,
        /// The parse error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// A request body could not be encoded (e.g. an amount too precise for a JSON number).
    #[error("could not encode the request body: {0}")]
    Encode(#[source] serde_json::Error),
    /// The configured base URL cannot carry API paths.
    #[error("invalid Invoiced base URL `{0}`: it must be an absolute http(s) URL")]
    InvalidBaseUrl(String),
    /// The `Link` header pointed at the page just fetched; following it would loop forever.
    #[error("Invoiced pagination loop: the `next` link repeats {0}")]
    PaginationLoop(String),
    /// A metadata look-up matched several records where one was expected.
    #[error("metadata {key}={value} matches {count} {what} records; expected at most one")]
    AmbiguousLookup {
        /// Object type looked up.
        what: &'static str,
        /// Metadata key.
        key: String,
        /// Metadata value.
        value: String,
        /// Number of matches (`X-Total-Count`, or the page length when absent).
        count: u64,
    },
}

impl Error {
    /// Maps a non-2xx status and its body to the matching variant (429 is handled by the retry loop).
    pub(crate) fn from_status(status: u16, body: &[u8]) -> Self {
        let api = ApiError::from_response(status, body);
        match status {
            401 => Self::Authentication(api),
            404 => Self::NotFound(api),
            429 => Self::RateLimited {
                attempts: 1,
                error: api,
            },
            400..=499 => Self::InvalidRequest(api),
            500..=599 => Self::Server(api),
            _ => Self::UnexpectedStatus(api),
        }
    }

    /// Whether repeating the same call later may succeed: rate limits, server errors and transport
    /// failures. Callers (the retry queue) use this to tell throttled/transient from needs-operator.
    /// A write that failed this way has an unknown outcome: repeat it with the same
    /// [`crate::IdempotencyKey`] so Invoiced replays the first result instead of creating twice.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server(_) | Self::Transport(_)
        )
    }

    /// The API error body, for variants that came from an HTTP response.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::InvalidRequest(e)
            | Self::Authentication(e)
            | Self::NotFound(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e)
            | Self::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_variants_and_keep_the_body() {
        let body = br#"{"type":"invalid_request","message":"Name missing","param":"name"}"#;
        match Error::from_status(400, body) {
            Error::InvalidRequest(e) => {
                assert_eq!(e.message, "Name missing");
                assert_eq!(e.param.as_deref(), Some("name"));
                assert_eq!(e.error_type.as_deref(), Some("invalid_request"));
            }
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
        assert!(matches!(
            Error::from_status(401, b"{}"),
            Error::Authentication(_)
        ));
        assert!(matches!(
            Error::from_status(402, b""),
            Error::InvalidRequest(_)
        ));
        assert!(matches!(
            Error::from_status(503, b"<html>"),
            Error::Server(_)
        ));
        assert!(matches!(
            Error::from_status(302, b""),
            Error::UnexpectedStatus(_)
        ));
    }

    #[test]
    fn non_json_bodies_become_truncated_messages() {
        let long = "x".repeat(5000);
        let err = ApiError::from_response(502, long.as_bytes());
        assert_eq!(err.message.len(), MAX_RAW_MESSAGE);
        assert_eq!(err.error_type, None);
        let empty = ApiError::from_response(500, b"");
        assert!(empty.message.contains("500"));
    }
}
