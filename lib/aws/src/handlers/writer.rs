//! API Gateway HTTP API (payload 2.0) `POST /webhooks/{connection}` → the engine's webhook path.

use lambda_http::{Body, Request, RequestExt, Response};
use sync_engine::engine::Engine;
use sync_engine::engine::webhook::SIGNATURE_HEADER;

/// Answers one webhook delivery. The engine checks the size and then the signature over the raw
/// body before anything else; the answer is 2xx only once the outcome is durable (see the
/// engine), and is chosen by the engine's `WebhookOutcome::reply`, as on the `syncd` server.
pub async fn handle(engine: &Engine, request: Request) -> Response<Body> {
    let connection = request
        .path_parameters_ref()
        .and_then(|p| p.first("connection"))
        .unwrap_or_default()
        .to_owned();
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    let reply = engine
        .handle_webhook(&connection, signature.as_deref(), body)
        .await
        .reply();
    Response::builder()
        .status(reply.status)
        .header("content-type", "application/json")
        .body(Body::Text(reply.body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
