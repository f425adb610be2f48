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
use crate::sqs::{DeadLetterMover, ManualMover, queue_depth};

/// Work done inline per request, under API Gateway's 30 s limit.
pub const INLINE_BUDGET: Duration = Duration::from_secs(20);

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
    match (method.as_str(), path.as_slice()) {
        ("PUT", ["connections", id]) => {
            let config = ops::add_connection(store, body_text(request)).await?;
            if config.id.as_str() != *id {
                return Err(OpsError::Invalid(format!(
                    "the body configures `{}`, not `{id}`",
                    config.id
                )));
            }
            to_json(config)
        }
        ("POST", ["connections", id, action @ ("pause" | "resume")]) => {
            let config =
                ops::set_enabled(store, &ops::connection_id(id)?, *action == "resume").await?;
            Ok(json!({"connection": config.id, "enabled": config.enabled}))
        }
        ("GET", ["connections", id, "status"]) => {
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
        ("GET", ["connections", id, "errors"]) => {
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
        ("GET", ["connections", id, "errors", error]) => {
            to_json(ops::get_error(store, &ops::connection_id(id)?, error).await?)
        }
        ("POST", ["connections", id, "errors", error, "retry"]) => {
            to_json(ops::retry_error(engine, &ops::connection_id(id)?, error).await?)
        }
        ("POST", ["connections", id, "errors", error, "ignore"]) => {
            let now = engine.clock().now();
            to_json(ops::ignore_error(store, &ops::connection_id(id)?, error, now).await?)
        }
        ("POST", ["connections", id, "sync"]) => {
            let report = engine
                .poll(
                    &ops::connection_id(id)?,
                    Some(Instant::now() + INLINE_BUDGET),
                )
                .await
                .map_err(|e| OpsError::Backend(e.to_string()))?;
            Ok(json!({"finished": report.finished(), "imported": report.imported()}))
        }
        ("POST", ["connections", id, "initial-sync"]) => {
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
        ("POST", ["dlq", "redrive"]) => {
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
        _ => Err(OpsError::NotFound(format!(
            "no route {method} /{}",
            path.join("/")
        ))),
    }
}
