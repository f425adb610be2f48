//! The operator's HTTP API (API Gateway routes with IAM authorisation): reconciliation errors,
//! sync now, initial data sync, pause/resume, status and dead-letter redrive — the same actions
//! as `syncd`'s commands, through the shared [`sync_engine::operator`] module.
//!
//! | route | action |
//! |---|---|
//! | `PUT /connections/{c}` (body: connection config JSON) | add or replace a connection |
//! | `POST /connections/{c}/pause`, `/resume` | stop / restart a connection |
//! | `GET /connections/{c}/status` | last sync per stream, mappings, queue, parked, open errors |
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
use serde_json::{Value, json};
use std::time::{Duration, Instant};

use sync_engine::engine::read::InitialSync;
use sync_engine::model::ErrorFilter;
use sync_engine::operator::{self as ops, OpsError, QueueSnapshot};

use super::poller::InitialSyncRequest;
use crate::runtime::Deployment;
use crate::sqs::{DeadLetterMover, ManualMover, peek, queue_depth};

/// Most dead letters one `GET /dlq` lists: a look stops after 15 s anyway, inside API Gateway's
/// 30 s.
pub const MAX_LISTED_DEAD_LETTERS: usize = 100;

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

/// Answers one operator request.
pub async fn handle(deployment: &Deployment, request: Request) -> Response<Body> {
    match route(deployment, &request).await {
        Ok(body) => reply(200, body),
        Err(OpsError::Invalid(m)) => reply(400, json!({"error": m})),
        Err(OpsError::NotFound(m)) => reply(404, json!({"error": m})),
        Err(OpsError::Backend(m)) => {
            tracing::error!(error = %m, "operator request failed");
            reply(503, json!({"error": m}))
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

fn to_json(value: impl serde::Serialize) -> Result<Value, OpsError> {
    serde_json::to_value(value).map_err(|e| OpsError::Backend(e.to_string()))
}

fn body_text(request: &Request) -> &str {
    match request.body() {
        Body::Text(t) => t,
        Body::Binary(b) => std::str::from_utf8(b).unwrap_or_default(),
        _ => "",
    }
}

async fn route(deployment: &Deployment, request: &Request) -> Result<Value, OpsError> {
    let engine = &deployment.engine;
    let store = engine.store().as_ref();
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
    let Some(route) = Route::parse(&method, &path) else {
        return Err(OpsError::NotFound(format!(
            "no route {method} /{}",
            path.join("/")
        )));
    };
    match route {
        Route::PutConnection(id) => {
            let config = ops::add_connection(store, body_text(request)).await?;
            if config.id.as_str() != id {
                return Err(OpsError::Invalid(format!(
                    "the body configures `{}`, not `{id}`",
                    config.id
                )));
            }
            to_json(config)
        }
        Route::SetEnabled(id, enabled) => {
            let config = ops::set_enabled(store, &ops::connection_id(id)?, enabled).await?;
            Ok(json!({"connection": config.id, "enabled": config.enabled}))
        }
        Route::Status(id) => {
            let id = ops::connection_id(id)?;
            let queue = QueueSnapshot {
                total: queue_depth(&deployment.sqs, &deployment.retry_queue_url)
                    .await
                    .map_err(|e| OpsError::Backend(e.to_string()))?,
                due: 0,
                dead_letters: queue_depth(&deployment.sqs, &deployment.dead_letter_queue_url)
                    .await
                    .map_err(|e| OpsError::Backend(e.to_string()))?,
            };
            to_json(ops::status(store, &id, queue).await?)
        }
        Route::ListErrors(id) => {
            let filter = ErrorFilter {
                status: param("status")
                    .as_deref()
                    .map(ops::error_status)
                    .transpose()?,
                record_type: param("type").as_deref().map(ops::record_type).transpose()?,
                code: param("code"),
            };
            to_json(ops::list_errors(store, &ops::connection_id(id)?, &filter).await?)
        }
        Route::GetError(id, error) => {
            to_json(ops::get_error(store, &ops::connection_id(id)?, error).await?)
        }
        Route::RetryError(id, error) => {
            to_json(ops::retry_error(engine, &ops::connection_id(id)?, error).await?)
        }
        Route::IgnoreError(id, error) => {
            let now = engine.clock().now();
            to_json(ops::ignore_error(store, &ops::connection_id(id)?, error, now).await?)
        }
        Route::SyncNow(id) => {
            let report = engine
                .poll(
                    &ops::connection_id(id)?,
                    Some(Instant::now() + INLINE_BUDGET),
                )
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            Ok(json!({"finished": report.finished(), "imported": report.imported()}))
        }
        Route::InitialSync(id) => {
            let req: InitialSyncRequest = serde_json::from_str(body_text(request))
                .map_err(|e| OpsError::Invalid(format!("initial sync body: {e}")))?;
            let report = engine
                .initial_sync(
                    &ops::connection_id(id)?,
                    &InitialSync {
                        types: req.types,
                        from: req.from,
                        to: req.to,
                    },
                    &req.run,
                    Some(Instant::now() + INLINE_BUDGET),
                    &|_| {},
                )
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            Ok(
                json!({"run": req.run, "finished": report.finished(), "imported": report.imported()}),
            )
        }
        Route::ListDeadLetters => {
            let limit = param("limit")
                .map(|l| l.parse::<usize>())
                .transpose()
                .map_err(|e| OpsError::Invalid(format!("limit: {e}")))?
                .unwrap_or(50);
            if !(1..=MAX_LISTED_DEAD_LETTERS).contains(&limit) {
                return Err(OpsError::Invalid(format!(
                    "limit must be 1 to {MAX_LISTED_DEAD_LETTERS}"
                )));
            }
            let depth = queue_depth(&deployment.sqs, &deployment.dead_letter_queue_url)
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            let report = peek(&deployment.sqs, &deployment.dead_letter_queue_url, limit)
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            Ok(report.to_json(depth))
        }
        Route::Redrive => {
            let limit = param("limit")
                .map(|l| l.parse::<usize>())
                .transpose()
                .map_err(|e| OpsError::Invalid(format!("limit: {e}")))?
                .unwrap_or(100);
            let mover = ManualMover::new(
                deployment.sqs.clone(),
                deployment.dead_letter_queue_url.clone(),
                deployment.retry_queue_url.clone(),
            );
            let report = mover
                .redrive(limit)
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            Ok(json!({"moved": report.moved, "drained": report.drained}))
        }
    }
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
