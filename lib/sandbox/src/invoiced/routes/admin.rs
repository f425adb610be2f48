//! `/sandbox/...`: a small JSON admin API for out-of-process drivers (the demo, run.sh, other
//! languages' tests). No authentication: the simulator binds loopback only.
//!
//! - `GET /sandbox/health`
//! - `GET|PATCH /sandbox/settings` — `latency_ms`, `error_rate`, `commit_then_fail_rate`,
//!   `in_flight_limit`, `webhook_url`,
//!   `webhook_secret`, `duplicate_rate`, `reorder_rate`, `retry_secs`
//! - `GET /sandbox/requests` — counts by route pattern
//! - `GET /sandbox/webhook_attempts`; `POST /sandbox/webhooks/{pause,resume,flush}`
//! - `GET /sandbox/records/{kind}[/{id}]`; `POST /sandbox/seed/customers {"count": N}`
//! - `POST /sandbox/clock {"advance_secs": N}`

use axum::body::Body as HttpBody;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use crate::invoiced::control::{InvoicedHandle, Kind};
use crate::invoiced::faults::parse_rate;
use crate::invoiced::server::Shared;

fn reply(status: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", "application/json")
        .body(HttpBody::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(HttpBody::empty()))
}

fn bad(message: impl Into<String>) -> Response {
    reply(
        400,
        json!({"type": "invalid_request", "message": message.into()}),
    )
}

fn settings(handle: &InvoicedHandle) -> Value {
    let faults = handle.api_faults();
    let hooks = handle.webhook_settings();
    json!({
        "latency_ms": faults.latency.as_millis() as u64,
        "error_rate": faults.error_rate,
        "commit_then_fail_rate": faults.commit_then_fail_rate,
        "in_flight_limit": faults.in_flight_limit,
        "webhook_url": hooks.url,
        "webhook_enabled": hooks.enabled,
        "duplicate_rate": hooks.duplicate_rate,
        "reorder_rate": hooks.reorder_rate,
        "retry_secs": hooks.retry_schedule.iter().map(Duration::as_secs_f64).collect::<Vec<_>>(),
        "webhooks_paused": handle.webhooks_paused(),
        "webhooks_pending": handle.pending_webhooks(),
    })
}

fn rate(body: &Value, key: &str) -> Result<Option<f64>, String> {
    match body.get(key) {
        None => Ok(None),
        Some(v) => parse_rate(&v.to_string())
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
    }
}

fn patch_settings(handle: &InvoicedHandle, body: &Value) -> Result<(), String> {
    let mut faults = handle.api_faults();
    if let Some(ms) = body.get("latency_ms") {
        faults.latency =
            Duration::from_millis(ms.as_u64().ok_or("latency_ms: not a whole number")?);
    }
    if let Some(r) = rate(body, "error_rate")? {
        faults.error_rate = r;
    }
    if let Some(r) = rate(body, "commit_then_fail_rate")? {
        faults.commit_then_fail_rate = r;
    }
    if let Some(limit) = body.get("in_flight_limit") {
        faults.in_flight_limit = limit
            .as_u64()
            .filter(|l| *l > 0)
            .ok_or("in_flight_limit: must be ≥ 1")? as usize;
    }
    let hooks = handle.webhook_settings();
    let duplicate = rate(body, "duplicate_rate")?.unwrap_or(hooks.duplicate_rate);
    let reorder = rate(body, "reorder_rate")?.unwrap_or(hooks.reorder_rate);
    let schedule = match body.get("retry_secs") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_f64()
                        .filter(|s| *s >= 0.0)
                        .map(Duration::from_secs_f64)
                })
                .collect::<Option<Vec<_>>>()
                .ok_or("retry_secs: must be non-negative numbers")?,
        ),
        Some(_) => return Err("retry_secs: must be an array".into()),
    };
    handle.set_api_faults(faults);
    handle.set_webhook_faults(duplicate, reorder);
    if let Some(schedule) = schedule {
        handle.set_retry_schedule(schedule);
    }
    if body.get("webhook_url").is_some() || body.get("webhook_secret").is_some() {
        let url = match body.get("webhook_url") {
            Some(v) => v.as_str().map(str::to_string),
            None => hooks.url,
        };
        let secret = match body.get("webhook_secret").and_then(Value::as_str) {
            Some(s) => SecretString::from(s.to_string()),
            None => hooks.secret,
        };
        handle.set_webhook(url, secret);
    }
    Ok(())
}

fn attempts(handle: &InvoicedHandle) -> Value {
    Value::Array(
        handle
            .webhook_attempts()
            .into_iter()
            .map(|a| {
                json!({
                    "event_id": a.event_id, "event_type": a.event_type, "url": a.url, "attempt": a.attempt,
                    "duplicate": a.duplicate, "status_code": a.status_code, "error": a.error,
                    "succeeded": a.succeeded, "signature": a.signature, "timestamp": a.timestamp,
                })
            })
            .collect(),
    )
}

/// Serve one admin request.
pub async fn handle(
    shared: &Arc<Shared>,
    method: &str,
    path: &str,
    _query: Option<&str>,
    body: &[u8],
) -> Response {
    let handle = InvoicedHandle::new(shared.clone());
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(format!("invalid JSON: {e}")),
        }
    };
    let segs: Vec<&str> = path.trim_matches('/').split('/').skip(1).collect();
    match (method, segs.as_slice()) {
        ("GET", ["health"]) => reply(200, json!({"ok": true})),
        ("GET", ["settings"]) => reply(200, settings(&handle)),
        ("PATCH", ["settings"]) => match patch_settings(&handle, &body) {
            Ok(()) => reply(200, settings(&handle)),
            Err(e) => bad(e),
        },
        ("GET", ["requests"]) => reply(200, json!(handle.request_counts())),
        ("GET", ["webhook_attempts"]) => reply(200, attempts(&handle)),
        ("POST", ["webhooks", "pause"]) => {
            handle.pause_webhooks();
            reply(200, json!({"paused": true}))
        }
        ("POST", ["webhooks", "resume"]) => {
            handle.resume_webhooks();
            reply(200, json!({"paused": false}))
        }
        ("POST", ["webhooks", "flush"]) => {
            reply(200, json!({"attempted": handle.flush_webhooks().await}))
        }
        ("GET", ["records", kind]) => match Kind::parse(kind) {
            Some(kind) => reply(200, Value::Array(handle.list_json(kind))),
            None => bad(format!("unknown kind: {kind}")),
        },
        ("GET", ["records", kind, id]) => match (Kind::parse(kind), id.parse::<i64>()) {
            (Some(kind), Ok(id)) => match handle.get_json(kind, id) {
                Some(v) => reply(200, v),
                None => reply(
                    404,
                    json!({"type": "invalid_request", "message": format!("not found: {id}")}),
                ),
            },
            _ => bad("expected /sandbox/records/{kind}/{id}"),
        },
        ("POST", ["seed", "customers"]) => {
            let count = body.get("count").and_then(Value::as_u64).unwrap_or(1) as usize;
            match handle.seed_customers(count.min(10_000)) {
                Ok(created) => reply(
                    201,
                    json!({"created": created.iter().map(|c| c.id).collect::<Vec<_>>()}),
                ),
                Err(e) => bad(e.message),
            }
        }
        ("POST", ["clock"]) => match body.get("advance_secs").and_then(Value::as_i64) {
            Some(secs) => {
                handle.advance_clock(secs);
                reply(200, json!({"advanced": secs}))
            }
            None => bad("advance_secs: integer required"),
        },
        _ => reply(
            404,
            json!({"type": "invalid_request", "message": format!("Request was not recognized: {method} {path}")}),
        ),
    }
}
