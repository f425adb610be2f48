//! The operator's HTTP API (API Gateway routes with IAM authorisation): reconciliation errors,
//! sync now, initial data sync, pause/resume, status and dead-letter redrive — the same actions
//! as `syncd`'s commands: a route becomes a [`sync_engine::operator::Request`], and the shared
//! [`sync_engine::operator::Operator`] answers it with the same JSON as `syncd --json`.
//!
//! | route | action |
//! |---|---|
//! | `PUT /connections/{c}` (body: connection config JSON) | add or replace a connection |
//! | `POST /connections/{c}/pause`, `/resume` | stop / restart a connection |
//! | `GET /connections/{c}/status` | last sync per stream, mappings, queue and dead letters, parked, open errors |
//! | `GET /connections/{c}/errors?status=&type=&code=` | reconciliation errors, newest first |
//! | `GET /connections/{c}/errors/{e}` | one error with its fix |
//! | `POST /connections/{c}/errors/{e}/retry`, `/ignore` | retry or ignore it |
//! | `POST /connections/{c}/sync` | sync now (up to [`INLINE_BUDGET`]; call again to continue) |
//! | `POST /connections/{c}/initial-sync` (`{"types":[..],"from":..,"to":..,"run":..}`) | initial data sync, same budget, resumable by `run` |
//! | `GET /dlq?limit=N` | look at dead letters without taking them off the queue |
//! | `POST /dlq/redrive?limit=N` | move dead letters back to the retry queue |
//!
//! API Gateway ends a request after 30 s, so long reads run in slices: each call commits its
//! progress and says whether it finished. A very long back-fill can also be started on the
//! poller function directly (`aws lambda invoke` with the same body plus `"connection"`).

use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;
use std::time::Duration;

use sync_engine::model::ErrorFilter;
use sync_engine::operator::{
    self as ops, ErrorKind, InitialSyncRequest, Operator, OpsError, Request as OpsRequest,
};

use crate::runtime::Deployment;

/// Most dead letters one `GET /dlq` lists: a look stops after 15 s anyway, inside API Gateway's
/// 30 s.
pub const MAX_LISTED_DEAD_LETTERS: usize = 100;

/// Dead letters `GET /dlq` lists without `limit`.
pub const DEFAULT_LISTED_DEAD_LETTERS: usize = 50;

/// Dead letters `POST /dlq/redrive` moves without `limit`.
pub const DEFAULT_REDRIVE_LIMIT: usize = 100;

/// Work done inline per request, under API Gateway's 30 s limit.
pub const INLINE_BUDGET: Duration = Duration::from_secs(20);

/// Every route this handler answers, as API Gateway route keys. `infra/api.tf` declares exactly
/// these with IAM authorisation (the infra rules test compares the two).
pub const ROUTES: [&str; 12] = [
    "PUT /connections/{connection}",
    "POST /connections/{connection}/pause",
    "POST /connections/{connection}/resume",
    "GET /connections/{connection}/status",
    "GET /connections/{connection}/errors",
    "GET /connections/{connection}/errors/{error}",
    "POST /connections/{connection}/errors/{error}/retry",
    "POST /connections/{connection}/errors/{error}/ignore",
    "POST /connections/{connection}/sync",
    "POST /connections/{connection}/initial-sync",
    "GET /dlq",
    "POST /dlq/redrive",
];

/// A request's route, with its path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    PutConnection(&'a str),
    SetEnabled(&'a str, bool),
    Status(&'a str),
    ListErrors(&'a str),
    GetError(&'a str, &'a str),
    RetryError(&'a str, &'a str),
    IgnoreError(&'a str, &'a str),
    SyncNow(&'a str),
    InitialSync(&'a str),
    ListDeadLetters,
    Redrive,
}

impl<'a> Route<'a> {
    fn parse(method: &str, path: &[&'a str]) -> Option<Self> {
        Some(match (method, path) {
            ("PUT", ["connections", id]) => Self::PutConnection(id),
            ("POST", ["connections", id, "pause"]) => Self::SetEnabled(id, false),
            ("POST", ["connections", id, "resume"]) => Self::SetEnabled(id, true),
            ("GET", ["connections", id, "status"]) => Self::Status(id),
            ("GET", ["connections", id, "errors"]) => Self::ListErrors(id),
            ("GET", ["connections", id, "errors", error]) => Self::GetError(id, error),
            ("POST", ["connections", id, "errors", error, "retry"]) => Self::RetryError(id, error),
            ("POST", ["connections", id, "errors", error, "ignore"]) => {
                Self::IgnoreError(id, error)
            }
            ("POST", ["connections", id, "sync"]) => Self::SyncNow(id),
            ("POST", ["connections", id, "initial-sync"]) => Self::InitialSync(id),
            ("GET", ["dlq"]) => Self::ListDeadLetters,
            ("POST", ["dlq", "redrive"]) => Self::Redrive,
            _ => return None,
        })
    }
}

/// Answers one operator request: the action's JSON with 200, or its [`ops::ErrorBody`] with
/// 400 (invalid), 404 (not found) or 503 (a backend failed).
pub async fn handle(deployment: &Deployment, request: Request) -> Response<Body> {
    let queues = deployment.queues();
    let operator = Operator::new(&deployment.engine, &queues);
    let answer = match request_of(&request) {
        Ok(request) => operator.dispatch(request).await,
        Err(e) => Err(e),
    };
    match answer.and_then(|response| {
        serde_json::to_value(response).map_err(|e| OpsError::Backend(e.to_string()))
    }) {
        Ok(body) => reply(200, body),
        Err(e) => {
            let status = match e.kind() {
                ErrorKind::Invalid => 400,
                ErrorKind::NotFound => 404,
                ErrorKind::Backend => {
                    tracing::error!(error = %e, "operator request failed");
                    503
                }
            };
            reply(status, serde_json::to_value(e.body()).unwrap_or_default())
        }
    }
}

fn reply(status: u16, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

fn body_text(request: &Request) -> &str {
    match request.body() {
        Body::Text(t) => t,
        Body::Binary(b) => std::str::from_utf8(b).unwrap_or_default(),
        _ => "",
    }
}

/// The operator request an HTTP request makes.
fn request_of(request: &Request) -> Result<OpsRequest, OpsError> {
    let method = request.method().as_str().to_owned();
    let path: Vec<&str> = request
        .uri()
        .path()
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let query = request.query_string_parameters_ref();
    let param = |name: &str| query.and_then(|q| q.first(name)).map(str::to_owned);
    let limit = |default: usize| -> Result<usize, OpsError> {
        param("limit")
            .map(|l| l.parse::<usize>())
            .transpose()
            .map_err(|e| OpsError::Invalid(format!("limit: {e}")))
            .map(|l| l.unwrap_or(default))
    };
    let Some(route) = Route::parse(&method, &path) else {
        return Err(OpsError::NotFound(format!(
            "no route {method} /{}",
            path.join("/")
        )));
    };
    let text = |s: &str| s.to_owned();
    Ok(match route {
        Route::PutConnection(id) => OpsRequest::PutConnection {
            json: body_text(request).to_owned(),
            expected: Some(text(id)),
        },
        Route::SetEnabled(id, enabled) => OpsRequest::SetEnabled {
            connection: text(id),
            enabled,
        },
        Route::Status(id) => OpsRequest::Status {
            connection: text(id),
        },
        Route::ListErrors(id) => OpsRequest::ListErrors {
            connection: text(id),
            filter: ErrorFilter {
                status: param("status")
                    .as_deref()
                    .map(ops::error_status)
                    .transpose()?,
                record_type: param("type").as_deref().map(ops::record_type).transpose()?,
                code: param("code"),
            },
        },
        Route::GetError(id, error) => OpsRequest::GetError {
            connection: text(id),
            error: text(error),
        },
        Route::RetryError(id, error) => OpsRequest::RetryError {
            connection: text(id),
            error: text(error),
        },
        Route::IgnoreError(id, error) => OpsRequest::IgnoreError {
            connection: text(id),
            error: text(error),
        },
        Route::SyncNow(id) => OpsRequest::SyncNow {
            connection: text(id),
            budget: INLINE_BUDGET,
        },
        Route::InitialSync(id) => OpsRequest::InitialSync {
            connection: text(id),
            request: serde_json::from_str::<InitialSyncRequest>(body_text(request))
                .map_err(|e| OpsError::Invalid(format!("initial sync body: {e}")))?,
            budget: Some(INLINE_BUDGET),
        },
        Route::ListDeadLetters => {
            let limit = limit(DEFAULT_LISTED_DEAD_LETTERS)?;
            if !(1..=MAX_LISTED_DEAD_LETTERS).contains(&limit) {
                return Err(OpsError::Invalid(format!(
                    "limit must be 1 to {MAX_LISTED_DEAD_LETTERS}"
                )));
            }
            OpsRequest::ListDeadLetters { limit }
        }
        Route::Redrive => OpsRequest::Redrive {
            limit: limit(DEFAULT_REDRIVE_LIMIT)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Splits an API Gateway route key into a method and path segments, with each `{param}`
    /// replaced by a sample value.
    fn sample(key: &str) -> (&str, Vec<&str>) {
        let (method, path) = key.split_once(' ').expect("METHOD /path");
        let segments = path
            .trim_matches('/')
            .split('/')
            .map(|s| if s.starts_with('{') { "p1" } else { s })
            .collect();
        (method, segments)
    }

    #[test]
    fn every_declared_route_is_answered_by_its_own_action() {
        let mut actions = HashSet::new();
        for key in ROUTES {
            let (method, path) = sample(key);
            let route = Route::parse(method, &path).unwrap_or_else(|| panic!("{key} not routed"));
            assert!(
                actions.insert(format!("{route:?}")),
                "{key} shares an action"
            );
        }
    }

    #[test]
    fn an_undeclared_route_is_not_answered() {
        for (method, path) in [
            ("GET", "/connections/acme/pause"),
            ("DELETE", "/connections/acme"),
            ("POST", "/dlq"),
            ("GET", "/connections/acme/errors/e1/retry"),
            ("POST", "/webhooks/acme"),
        ] {
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            assert_eq!(Route::parse(method, &segments), None, "{method} {path}");
        }
    }
}
