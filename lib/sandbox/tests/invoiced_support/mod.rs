//! Shared helpers for the Invoiced simulator tests: start a sandbox on a free port, talk to it
//! with reqwest and raw JSON, and run a webhook receiver that records what it gets.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use sandbox::invoiced::{InvoicedConfig, RunningInvoiced, spawn};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A started sandbox plus a client that authenticates with its key.
pub struct Sandbox {
    pub running: RunningInvoiced,
    pub http: reqwest::Client,
}

/// One HTTP answer, decoded.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub async fn start() -> Sandbox {
    start_with(InvoicedConfig::for_tests()).await
}

pub async fn start_with(config: InvoicedConfig) -> Sandbox {
    let running = spawn(config).await.expect("sandbox starts");
    Sandbox {
        running,
        http: reqwest::Client::new(),
    }
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.url, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request reaches the sandbox");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(self.running.api_key.expose_secret(), Some(""))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.authed(self.http.get(self.url(path)))).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.authed(self.http.delete(self.url(path))))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.authed(self.http.post(self.url(path))).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(self.authed(self.http.patch(self.url(path))).json(&body))
            .await
    }

    pub async fn post_with_key(&self, path: &str, body: Value, key: &str) -> Answer {
        self.send(
            self.authed(self.http.post(self.url(path)))
                .header("Idempotency-Key", key)
                .json(&body),
        )
        .await
    }

    /// Create a customer and return its id.
    pub async fn customer(&self, name: &str) -> i64 {
        let created = self
            .post("/customers", serde_json::json!({ "name": name }))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.json["id"].as_i64().expect("id")
    }

    /// Create an invoice with one line of `unit_cost` and return its JSON.
    pub async fn invoice(&self, customer: i64, unit_cost: &str) -> Value {
        let created = self
            .post(
                "/invoices",
                serde_json::json!({
                    "customer": customer,
                    "items": [{ "name": "Copy paper", "quantity": 1, "unit_cost": unit_cost.parse::<f64>().unwrap() }]
                }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.json
    }
}

/// A request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Status codes to answer with, in order; 200 once exhausted.
    script: VecDeque<u16>,
}

/// A local endpoint that records webhook deliveries.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<ReceiverState>>,
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut state = state.lock().unwrap();
    state.received.push(Received {
        headers,
        body: body.to_vec(),
    });
    let status = state.script.pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Start a receiver that answers with `script` statuses first, then 200.
    pub async fn start(script: &[u16]) -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState {
            received: vec![],
            script: script.iter().copied().collect(),
        }));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, state }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Wait until at least `count` deliveries arrived (or 10 s passed).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
