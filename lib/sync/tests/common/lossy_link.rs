//! A relay between the engine and the Intacct sandbox that can lose the answer of one chosen
//! request *after* Intacct applied it: what the sandbox's timeout fault does, but aimed at one
//! request (say the `create_arpayment`) instead of a share of all of them, so the reads the
//! engine makes before a write are not the ones that time out.
//!
//! Everything else is relayed unchanged (status, content type and body), except that the
//! endpoint a `getAPISession` answer names is this relay's, so session requests come back here.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

type Matcher = Box<dyn Fn(&str) -> bool + Send + Sync>;

struct Shared {
    upstream: String,
    own: String,
    client: reqwest::Client,
    armed: Mutex<Vec<Matcher>>,
    lost: AtomicUsize,
}

/// The relay; dropping it stops it.
pub struct LossyLink {
    /// Gateway URL to give the engine instead of the sandbox's.
    pub endpoint: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LossyLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Cloudflare's page for a 524, as the sandbox's timeout fault answers.
const TIMEOUT_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>api.intacct.com | 524: A timeout occurred</title></head><body><div id=\"cf-error-details\"><h1>A timeout occurred</h1><p>The origin web server timed out responding to this request.</p></div></body></html>\n";

impl LossyLink {
    /// Starts a relay to `upstream` (the sandbox's gateway URL) on 127.0.0.1.
    pub async fn start(upstream: &str) -> LossyLink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind lossy link");
        let addr = listener.local_addr().expect("address");
        let endpoint = format!("http://{addr}{}", sandbox::intacct::GATEWAY_PATH);
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            own: endpoint.clone(),
            client: reqwest::Client::new(),
            armed: Mutex::new(Vec::new()),
            lost: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route(sandbox::intacct::GATEWAY_PATH, axum::routing::post(relay))
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LossyLink {
            endpoint,
            shared,
            task,
        }
    }

    /// The next request whose XML body satisfies `matches` reaches Intacct and is applied
    /// there, but the engine gets a 524 instead of the answer.
    pub fn lose_next_answer(&self, matches: impl Fn(&str) -> bool + Send + Sync + 'static) {
        self.shared
            .armed
            .lock()
            .expect("lock")
            .push(Box::new(matches));
    }

    /// How many answers were lost so far.
    pub fn answers_lost(&self) -> usize {
        self.shared.lost.load(Ordering::SeqCst)
    }
}

async fn relay(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut request = shared.client.post(&shared.upstream).body(body.clone());
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        request = request.header(header::CONTENT_TYPE.as_str(), content_type.as_bytes());
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => {
            return (StatusCode::BAD_GATEWAY, format!("lossy link: {e}")).into_response();
        }
    };
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get(header::CONTENT_TYPE.as_str())
        .map(|v| v.as_bytes().to_vec());
    // A session names the endpoint to use with it (getAPISession): keep it pointing here.
    let bytes = answer.bytes().await.unwrap_or_default();
    let bytes = String::from_utf8_lossy(&bytes).replace(&shared.upstream, &shared.own);
    let text = String::from_utf8_lossy(&body);
    let lose = {
        let mut armed = shared.armed.lock().expect("lock");
        match armed.iter().position(|m| m(&text)) {
            Some(i) => {
                let _matched = armed.remove(i);
                true
            }
            None => false,
        }
    };
    if lose {
        shared.lost.fetch_add(1, Ordering::SeqCst);
        let mut response = (
            StatusCode::from_u16(524).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
            TIMEOUT_PAGE,
        )
            .into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=UTF-8"),
        );
        return response;
    }
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        bytes,
    )
        .into_response();
    if let Some(v) = content_type.and_then(|v| HeaderValue::from_bytes(&v).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}
