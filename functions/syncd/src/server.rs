//! The HTTP face of the runner: Invoiced posts its webhooks here.
//!
//! The body is read raw (the signature covers the exact bytes) and never past
//! [`MAX_WEBHOOK_BODY`]: a declared or streamed body over the limit is answered 413 without
//! reading the rest, so a misbehaving sender cannot make the runner buffer gigabytes. Every
//! answer is the engine's `WebhookOutcome::reply`, as in the writer Lambda.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

use sync_engine::engine::Engine;
use sync_engine::engine::webhook::{MAX_WEBHOOK_BODY, Malformed, SIGNATURE_HEADER, WebhookOutcome};

/// The routes: `POST /webhooks/{connection}` and `GET /healthz`.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/webhooks/{connection}", post(webhook))
        .route("/healthz", get(healthz))
        .with_state(engine)
}

/// Serves the router on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(engine))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn webhook(
    State(engine): State<Arc<Engine>>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_WEBHOOK_BODY as u64) {
        return answer(&WebhookOutcome::TooLarge);
    }
    let raw = match read_limited(body, MAX_WEBHOOK_BODY).await {
        Ok(raw) => raw,
        Err(BodyError::TooLarge) => return answer(&WebhookOutcome::TooLarge),
        Err(BodyError::Read(e)) => {
            return answer(&WebhookOutcome::Malformed(Malformed::Unreadable(
                e.to_string(),
            )));
        }
    };
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    answer(&engine.handle_webhook(&connection, signature, &raw).await)
}

/// The HTTP answer the engine's outcome maps to.
fn answer(outcome: &WebhookOutcome) -> Response {
    let reply = outcome.reply();
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(reply.body)).into_response()
}

enum BodyError {
    TooLarge,
    Read(axum::Error),
}

/// Reads the body chunk by chunk, stopping as soon as it passes `limit`.
async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut stream = body.into_data_stream();
    let mut raw = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        if raw.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        raw.extend_from_slice(&chunk);
    }
    Ok(raw)
}
