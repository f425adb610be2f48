//! The error body every Invoiced failure carries: `{"type", "message", "param"?}`.

use super::wire::Json;

/// An API failure as the backend reports it. `type` is `invalid_request` for every 4xx except 429,
/// `rate_limit_error` for 429 and `api_error` for 5xx (the docs' `api` is not what is emitted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `type` field.
    pub kind: &'static str,
    /// Human-readable message, matching the backend's wording where it is known.
    pub message: String,
    /// The offending field, only for field-specific validation errors.
    pub param: Option<String>,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        let kind = match status {
            429 => "rate_limit_error",
            s if s >= 500 => "api_error",
            _ => "invalid_request",
        };
        ApiError {
            status,
            kind,
            message: message.into(),
            param: None,
        }
    }

    /// 400 without a field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 400 naming the field at fault.
    pub fn invalid_param(message: impl Into<String>, param: &str) -> Self {
        ApiError {
            param: Some(param.to_string()),
            ..Self::new(400, message)
        }
    }

    /// 401 with one of the backend's authentication messages.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, message)
    }

    /// 404 for a missing record: `"<Model Name> was not found: <id>"`.
    pub fn not_found(model: &str, id: impl std::fmt::Display) -> Self {
        Self::new(404, format!("{model} was not found: {id}"))
    }

    /// 404 for a path that matches no route.
    pub fn unknown_route(method: &str, path: &str) -> Self {
        Self::new(404, format!("Request was not recognized: {method} {path}"))
    }

    /// 405 for a known path with the wrong method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(405, format!("Method not allowed: {method} {path}"))
    }

    /// 429 from the concurrency limiter; the real body, and no `Retry-After`.
    pub fn rate_limited(limit: usize) -> Self {
        Self::new(
            429,
            format!(
                "Too many concurrent requests! You can only make {limit} concurrent requests at a time."
            ),
        )
    }

    /// 500 as the backend words it, with a correlation id.
    pub fn internal(correlation_id: &str) -> Self {
        Self::new(
            500,
            format!(
                "There was an error processing your request. Please contact support@invoiced.com if the problem persists. Correlation ID: {correlation_id}"
            ),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Json {
        let body = Json::obj()
            .set("type", self.kind)
            .set("message", self.message.as_str());
        match &self.param {
            Some(param) => body.set("param", param.as_str()),
            None => body,
        }
    }
}
