//! API Gateway HTTP API (payload 2.0) `POST /webhooks/{connection}` → the engine's webhook path.

use lambda_http::{Body, Request, RequestExt, Response};
use sync_engine::engine::Engine;
use sync_engine::engine::webhook::MAX_WEBHOOK_BODY;

/// Answers one webhook delivery. The signature is checked over the raw body before anything
/// else; the answer is 2xx only once the outcome is durable (see the engine).
pub async fn handle(engine: &Engine, request: Request) -> Response<Body> {
    let connection = request
        .path_parameters_ref()
        .and_then(|p| p.first("connection"))
        .unwrap_or_default()
        .to_owned();
    let signature = request
        .headers()
        .get("x-invoiced-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    let reply = if body.len() > MAX_WEBHOOK_BODY {
        sync_engine::engine::webhook::WebhookReply {
            status: 413,
            body: serde_json::json!({"error": format!("body exceeds {MAX_WEBHOOK_BODY} bytes")}),
        }
    } else {
        engine
            .handle_webhook(&connection, signature.as_deref(), body)
            .await
    };
    Response::builder()
        .status(reply.status)
        .header("content-type", "application/json")
        .body(Body::Text(reply.body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
