//! The HTTP front: every request goes through the same pipeline as on the real backend —
//! authentication, the per-key concurrency limit, (injected) latency and failures, idempotency
//! replay, then the handler under the state lock — and leaves with the standard API headers.

use axum::body::{Body as HttpBody, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::faults::{ApiFaults, Dice, InFlight};
use super::idempotency::{self, StoredResponse};
use super::pagination::Query;
use super::routes::{self, Req};
use super::store::State;
use super::webhooks::WebhookHub;

/// Everything the server, the webhook worker and the control handle share.
#[derive(Debug)]
pub struct Shared {
    /// The account's data, events and idempotency store.
    pub state: Mutex<State>,
    /// Latency, error rate and concurrency limit.
    pub faults: RwLock<ApiFaults>,
    /// Requests in flight (one API key per simulator, so one counter).
    pub in_flight: InFlight,
    /// Requests seen, by route pattern such as `GET /customers/:id`.
    pub requests: Mutex<BTreeMap<String, u64>>,
    /// Seeded generator for API faults.
    pub dice: Dice,
    /// Webhook delivery.
    pub webhooks: Arc<WebhookHub>,
    /// The one valid API key.
    pub api_key: SecretString,
    /// Base URL used in `Link` headers.
    pub base_url: String,
}

impl Shared {
    /// Run `f` on the state under the lock, then queue webhooks for the events it wrote.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (result, events) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let result = f(&mut state);
            (result, state.drain_outbox())
        };
        self.webhooks.enqueue(&events);
        result
    }

    /// Current API faults.
    pub fn api_faults(&self) -> ApiFaults {
        self.faults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn count(&self, pattern: &str) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(pattern.to_string())
            .or_default() += 1;
    }
}

/// Mask a key as the backend does in its 401: first and last three characters kept.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 6 {
        return "*****".to_string();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}*****{tail}")
}

/// HTTP Basic with the key as user name and a blank password. A user name *and* a non-empty
/// password means "company username + key", and this simulated account has no username.
fn authenticate(headers: &HeaderMap, api_key: &SecretString) -> Result<(), ApiError> {
    let missing = || {
        ApiError::unauthorized(
            "Missing API key! HINT: You can pass in your API key as the username parameter using HTTP Basic Auth.",
        )
    };
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(missing)?;
    let encoded = header.strip_prefix("Basic ").ok_or_else(missing)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| missing())?;
    let decoded = String::from_utf8(decoded).map_err(|_| missing())?;
    let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
    if !password.is_empty() && !user.is_empty() {
        return Err(ApiError::unauthorized(format!(
            "We did not find an account matching the username: {user}"
        )));
    }
    let key = if user.is_empty() { password } else { user };
    if key.is_empty() {
        return Err(missing());
    }
    let expected = api_key.expose_secret().as_bytes();
    // Constant time, so response timing does not reveal how much of a guessed key was right.
    if !bool::from(key.as_bytes().ct_eq(expected)) {
        return Err(ApiError::unauthorized(format!(
            "We could not authenticate you with the API Key: {}",
            mask(key)
        )));
    }
    Ok(())
}

/// Status, body text and extra headers of one answer.
struct Answer {
    status: u16,
    body: Option<String>,
    headers: Vec<(&'static str, String)>,
}

impl From<ApiError> for Answer {
    fn from(err: ApiError) -> Answer {
        Answer {
            status: err.status,
            body: Some(err.body().to_text()),
            headers: vec![],
        }
    }
}

fn respond(answer: Answer, app_version: bool) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .header("cache-control", "no-cache, no-store");
    if !app_version {
        builder = builder.header("www-authenticate", "Basic realm=\"Invoiced\"");
    }
    for (name, value) in answer.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(
            answer
                .body
                .map(HttpBody::from)
                .unwrap_or_else(HttpBody::empty),
        )
        .unwrap_or_else(|_| Response::new(HttpBody::empty()))
}

/// The single entry point for every path.
pub async fn dispatch(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return routes::admin::handle(&shared, method.as_str(), &path, uri.query(), &body).await;
    }
    let app_version = headers.contains_key("x-app-version");
    let (pattern, route) = routes::resolve(method.as_str(), &path);
    shared.count(&pattern);
    let answer = pipeline(
        &shared,
        method.as_str(),
        &path,
        uri.query(),
        &headers,
        &body,
        route,
    )
    .await;
    tracing::debug!(route = %pattern, status = answer.status, "invoiced sandbox request");
    respond(answer, app_version)
}

async fn pipeline(
    shared: &Shared,
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    route: Result<routes::Route, ApiError>,
) -> Answer {
    if let Err(err) = authenticate(headers, &shared.api_key) {
        return err.into();
    }
    let faults = shared.api_faults();
    let Some(_permit) = shared.in_flight.try_acquire(faults.in_flight_limit) else {
        return ApiError::rate_limited(faults.in_flight_limit).into();
    };
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if shared.dice.roll(faults.error_rate) {
        return ApiError::internal(&shared.dice.token()).into();
    }
    let route = match route {
        Ok(route) => route,
        Err(err) => return err.into(),
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(key) = &key
        && let Err(err) = idempotency::validate(method, key)
    {
        return err.into();
    }
    let query = Query::parse(raw_query);
    let answer = shared.mutate(|state| {
        let now = state.now();
        if let Some(key) = &key
            && let Some(stored) = state.idempotency.get(key, now)
        {
            return Answer {
                status: stored.status,
                body: stored.body,
                headers: vec![],
            };
        }
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        let answer = match routes::parse_body(body, content_type) {
            Err(err) => Answer::from(err),
            Ok(body) => {
                let req = Req {
                    path,
                    query: &query,
                    body: &body,
                    base_url: &shared.base_url,
                };
                match routes::handle(state, route, &req) {
                    Ok(reply) => Answer {
                        status: reply.status,
                        body: reply.body.map(|b| b.to_text()),
                        headers: reply.headers,
                    },
                    Err(err) => err.into(),
                }
            }
        };
        if let Some(key) = &key {
            state.idempotency.put(
                key,
                StoredResponse {
                    status: answer.status,
                    body: answer.body.clone(),
                    stored_at: now,
                },
            );
        }
        answer
    });
    let is_write = method != "GET";
    if is_write && answer.status < 300 && shared.dice.roll(faults.commit_then_fail_rate) {
        return ApiError::internal(&shared.dice.token()).into();
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_like_the_backend() {
        assert_eq!(mask("abcdefghijxyz"), "abc*****xyz");
        assert_eq!(mask("short"), "*****");
    }
}
