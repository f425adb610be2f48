//! HTTP layer: the XML gateway endpoint and the JSON admin API under `/sandbox`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDateTime, TimeDelta};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use tokio::sync::Notify;

use super::clock::{Clock, format_timestamp, lifetime, parse_intacct_datetime};
use super::faults::{self, Fault, Faults};
use super::functions::{self, AuthInfo, Ctx};
use super::request::{self, Auth, Control, Envelope};
use super::response::{self, ApiError, AuthBlock, FnResult, Status};
use super::state::{BadLoginMode, Credentials, SettingsPatch, State, TimeoutMode};
use super::store::ObjectKind;

/// Gateway path, as on api.intacct.com.
pub const GATEWAY_PATH: &str = "/ia/xml/xmlgw.phtml";

/// Everything the handlers share.
pub struct Shared {
    /// Mutable state behind one lock (never held across an await).
    pub state: Mutex<State>,
    /// Simulated clock.
    pub clock: Clock,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Gateway URL handed out by getAPISession.
    pub endpoint: String,
    /// Seeded fault dice.
    pub faults: Faults,
    /// In-flight requests per company.
    pub in_flight: Mutex<HashMap<String, usize>>,
    /// Wakes requests waiting for a concurrency slot.
    pub slot_freed: Notify,
}

impl Shared {
    /// Lock the state.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The router.
pub fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route(GATEWAY_PATH, post(gateway))
        .route("/sandbox/state", get(admin_state))
        .route("/sandbox/settings", post(admin_settings))
        .route("/sandbox/clock", post(admin_clock))
        .route("/sandbox/records/{object}", get(admin_records))
        .with_state(shared)
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; encoding=\"UTF-8\""),
    );
    response
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

/// The gateway's answer to a company over its concurrency allowance (no public fixture: shaped
/// like the other `XMLGW_` gateway errors, text as users report it, HTTP 200).
fn too_many_operations() -> Response {
    xml(
        StatusCode::OK,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><control><status>failure</status></control><errormessage><error><errorno>XMLGW_JPP0001</errorno><description>There are too many operations running for this company (200024)</description><correction>Please Try Again Later</correction></error></errormessage></response>".to_string(),
    )
}

fn iso(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// A concurrency slot; dropping it frees the slot.
struct Slot {
    shared: Arc<Shared>,
    company: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut in_flight = self
            .shared
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = in_flight.get_mut(&self.company) {
            *n = n.saturating_sub(1);
        }
        drop(in_flight);
        self.shared.slot_freed.notify_waiters();
    }
}

async fn acquire(
    shared: &Arc<Shared>,
    company: &str,
    limit: usize,
    wait: Duration,
) -> Option<Slot> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let notified = shared.slot_freed.notified();
        {
            let mut in_flight = shared
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let n = in_flight.entry(company.to_string()).or_insert(0);
            if *n < limit {
                *n += 1;
                return Some(Slot {
                    shared: Arc::clone(shared),
                    company: company.to_string(),
                });
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return None;
        }
    }
}

enum Authenticated {
    Ok(AuthInfo),
    Rejected(Response),
}

fn authenticate(
    shared: &Shared,
    state: &mut State,
    control: &Control,
    auth: &Auth,
    now: NaiveDateTime,
) -> Authenticated {
    let creds = &shared.credentials;
    match auth {
        Auth::Login {
            userid,
            companyid,
            password,
            locationid,
        } => {
            let (company, entity) = match companyid.split_once('|') {
                Some((c, e)) => (c.to_string(), Some(e.to_string())),
                None => (companyid.clone(), None),
            };
            let ok = *userid == creds.user_id
                && company == creds.company_id
                && password.expose_secret() == creds.user_password.expose_secret();
            if !ok {
                return Authenticated::Rejected(match state.settings.bad_login {
                    BadLoginMode::Http401 => xml(
                        StatusCode::UNAUTHORIZED,
                        response::gateway_failure(
                            "XMLGW_JPP0002",
                            "Sign-in information is incorrect. Please check your request.",
                        ),
                    ),
                    BadLoginMode::AuthFailure => xml(
                        StatusCode::OK,
                        response::auth_failure(
                            control,
                            userid,
                            companyid,
                            &[ApiError::new(
                                "XL03000006",
                                "Sign-in information is incorrect",
                            )],
                        ),
                    ),
                });
            }
            Authenticated::Ok(AuthInfo {
                userid: userid.clone(),
                companyid: company,
                locationid: locationid.clone().or(entity).unwrap_or_default(),
            })
        }
        Auth::Session(id) => {
            let ttl = lifetime(state.settings.session_ttl_secs);
            let live = match state.sessions.get_mut(id) {
                Some(s) if s.expires_at >= now => {
                    s.expires_at = now + ttl;
                    Some(AuthInfo {
                        userid: s.userid.clone(),
                        companyid: s.companyid.clone(),
                        locationid: s.locationid.clone(),
                    })
                }
                Some(_) => {
                    state.sessions.remove(id);
                    None
                }
                None => None,
            };
            match live {
                Some(info) => Authenticated::Ok(info),
                None => Authenticated::Rejected(xml(
                    StatusCode::OK,
                    response::auth_failure(
                        control,
                        "",
                        "",
                        &[ApiError::new("XL03000006", format!("Invalid session {id}"))],
                    ),
                )),
            }
        }
    }
}

async fn gateway(AxumState(shared): AxumState<Arc<Shared>>, body: String) -> Response {
    let now = shared.clock.now();
    let envelope = {
        let mut state = shared.lock();
        state.requests_total += 1;
        match request::parse(&body) {
            Ok(envelope) => {
                for f in &envelope.operation.functions {
                    *state.function_calls.entry(f.name.clone()).or_insert(0) += 1;
                }
                envelope
            }
            Err(rejected) => {
                let errors: Vec<ApiError> = rejected
                    .problems
                    .iter()
                    .map(|p| ApiError::new("XL03000003", p.clone()))
                    .collect();
                return xml(
                    StatusCode::OK,
                    response::control_failure(rejected.control.as_deref(), &errors),
                );
            }
        }
    };
    // Schema validation comes first: one unknown function fails the whole request, and none of
    // its functions runs.
    let unknown: Vec<ApiError> = envelope
        .operation
        .functions
        .iter()
        .filter(|f| !functions::KNOWN.contains(&f.name.as_str()))
        .map(|f| functions::unknown_function(&f.name))
        .collect();
    if !unknown.is_empty() {
        return xml(
            StatusCode::OK,
            response::control_failure(Some(&envelope.control), &unknown),
        );
    }
    let control = &envelope.control;
    let creds = &shared.credentials;
    if control.senderid != creds.sender_id
        || control.password.expose_secret() != creds.sender_password.expose_secret()
    {
        return xml(
            StatusCode::OK,
            response::control_failure(
                Some(control),
                &[ApiError::new(
                    "XL03000006",
                    "Incorrect Intacct XML Partner ID or password.",
                )],
            ),
        );
    }
    if let Some(policy) = &control.policyid {
        return xml(
            StatusCode::OK,
            response::control_failure(
                Some(control),
                &[ApiError::new(
                    "XL03000006",
                    format!("{policy} is not a valid transport policy."),
                )],
            ),
        );
    }
    let (auth, settings) = {
        let mut state = shared.lock();
        let auth = authenticate(&shared, &mut state, control, &envelope.operation.auth, now);
        (auth, state.settings.clone())
    };
    let auth = match auth {
        Authenticated::Ok(info) => info,
        Authenticated::Rejected(response) => return response,
    };
    let Some(slot) = acquire(
        &shared,
        &auth.companyid,
        settings.concurrency_limit,
        Duration::from_millis(settings.concurrency_wait_ms),
    )
    .await
    else {
        shared.lock().faults.over_concurrency_limit += 1;
        return too_many_operations();
    };
    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
    }
    let fault = shared.faults.draw(&settings);
    {
        let counts = &mut shared.lock().faults;
        match fault {
            Fault::Throttle => counts.throttled += 1,
            Fault::ServerError(_) => counts.server_errors += 1,
            Fault::Timeout => counts.lost_answers += 1,
            Fault::None => {}
        }
    }
    match fault {
        Fault::Throttle => return too_many_operations(),
        Fault::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return html(
                status,
                faults::html_page(code, status.canonical_reason().unwrap_or("Server Error")),
            );
        }
        Fault::None | Fault::Timeout => {}
    }
    let body = {
        let mut state = shared.lock();
        run_operation(&shared, &mut state, &envelope, &auth, shared.clock.now())
    };
    drop(slot);
    if fault == Fault::Timeout {
        tokio::time::sleep(Duration::from_millis(settings.timeout_hold_ms)).await;
        return match settings.timeout_mode {
            TimeoutMode::Status524 => html(
                StatusCode::from_u16(524).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
                faults::html_524(),
            ),
            TimeoutMode::Drop => {
                let broken = futures_broken_body();
                let mut response = Response::new(broken);
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/xml; encoding=\"UTF-8\""),
                );
                response
            }
        };
    }
    xml(StatusCode::OK, body)
}

/// A body that fails after the headers went out: the client sees the connection break.
fn futures_broken_body() -> Body {
    let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
        Ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>"),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by fault injection",
        )),
    ];
    Body::from_stream(futures::stream::iter(chunks))
}

fn rollback_error() -> ApiError {
    ApiError::new(
        "XL03000009",
        "The entire transaction in this operation has been rolled back due to an error.",
    )
}

/// The error for a reused function control id under `uniqueid=true`. Neither code nor text is
/// public, so the errorno is free text (as `Query Failed` is) and the text follows the Sage support
/// article title "A Request's Function With the Control ID Is in Process".
fn control_id_reused(controlid: &str) -> ApiError {
    ApiError::new(
        "Control ID in use",
        format!("A request's function with the control ID '{controlid}' is in process or has already been executed."),
    )
    .correction("Read the record back to confirm the earlier outcome; use a new control ID for a new operation.")
}

fn run_operation(
    shared: &Shared,
    state: &mut State,
    envelope: &Envelope,
    auth: &AuthInfo,
    now: NaiveDateTime,
) -> String {
    let op = &envelope.operation;
    let ttl = lifetime(state.settings.session_ttl_secs);
    let auth_block = AuthBlock {
        userid: auth.userid.clone(),
        companyid: auth.companyid.clone(),
        locationid: auth.locationid.clone(),
        sessiontimestamp: iso(now),
        sessiontimeout: iso(now + ttl),
    };
    let snapshot = op.transaction.then(|| state.store.clone());
    let mut results: Vec<FnResult> = Vec::new();
    let mut failed = false;
    for call in &op.functions {
        let mut result = FnResult {
            status: Status::Success,
            function: call.name.clone(),
            controlid: call.controlid.clone(),
            key: None,
            data: None,
            errors: Vec::new(),
        };
        if failed {
            // transaction="true": nothing after the failure runs.
            result.status = Status::Aborted;
            result.errors.push(rollback_error());
            results.push(result);
            continue;
        }
        let write = functions::is_write(&call.name);
        if write
            && envelope.control.uniqueid
            && state.store.completed_controlids.contains(&call.controlid)
        {
            result.status = Status::Failure;
            result.errors.push(control_id_reused(&call.controlid));
        } else {
            let before =
                (!op.transaction && functions::needs_snapshot(call)).then(|| state.store.clone());
            let mut ctx = Ctx {
                state: &mut *state,
                now,
                auth,
                endpoint: &shared.endpoint,
            };
            match functions::execute(&mut ctx, call) {
                Ok(success) => {
                    result.key = success.key;
                    result.data = success.data;
                    if write {
                        state
                            .store
                            .completed_controlids
                            .insert(call.controlid.clone());
                    }
                }
                Err(errors) => {
                    if let Some(before) = before {
                        state.store = before;
                    }
                    result.status = Status::Failure;
                    result.errors = errors;
                }
            }
        }
        if result.status == Status::Failure && op.transaction {
            failed = true;
        }
        results.push(result);
    }
    if failed {
        if let Some(snapshot) = snapshot {
            state.store = snapshot;
        }
        for result in &mut results {
            match result.status {
                Status::Success => {
                    result.status = Status::Aborted;
                    result.key = None;
                    result.data = None;
                    result.errors = vec![rollback_error()];
                }
                Status::Failure => result.errors.push(rollback_error()),
                Status::Aborted => {}
            }
        }
    }
    response::operation(&envelope.control, &auth_block, &results)
}

// ---- admin API ---------------------------------------------------------------------------------

async fn admin_state(AxumState(shared): AxumState<Arc<Shared>>) -> Json<serde_json::Value> {
    let state = shared.lock();
    let counts: serde_json::Map<String, serde_json::Value> = ObjectKind::ALL
        .iter()
        .map(|k| (k.name().to_string(), state.store.count(*k).into()))
        .collect();
    Json(serde_json::json!({
        "endpoint": shared.endpoint,
        "clock": format_timestamp(shared.clock.now()),
        "settings": state.settings,
        "records": counts,
        "requests_total": state.requests_total,
        "function_calls": state.function_calls,
        "faults": state.faults,
        "sessions": state.sessions.len(),
    }))
}

async fn admin_settings(
    AxumState(shared): AxumState<Arc<Shared>>,
    Json(patch): Json<SettingsPatch>,
) -> Response {
    let mut state = shared.lock();
    match state.settings.apply(patch) {
        Ok(()) => Json(state.settings.clone()).into_response(),
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": message })),
        )
            .into_response(),
    }
}

/// `POST /sandbox/clock` body: `{"advance_secs": 3600}` or `{"set": "01/31/2024 10:00:00"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    advance_secs: Option<i64>,
    set: Option<String>,
}

async fn admin_clock(
    AxumState(shared): AxumState<Arc<Shared>>,
    Json(change): Json<ClockChange>,
) -> Response {
    if let Some(raw) = change.set {
        let Some(t) = parse_intacct_datetime(&raw) else {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "error": "use MM/DD/YYYY HH:MM:SS" })),
            )
                .into_response();
        };
        shared.clock.set(t);
    }
    if let Some(secs) = change.advance_secs {
        shared
            .clock
            .advance(TimeDelta::try_seconds(secs).unwrap_or_default());
    }
    Json(serde_json::json!({ "clock": format_timestamp(shared.clock.now()) })).into_response()
}

async fn admin_records(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(object): Path<String>,
) -> Response {
    let Some(kind) = ObjectKind::parse(&object) else {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("unknown object {object}") })),
        )
            .into_response();
    };
    let state = shared.lock();
    let records: Vec<_> = state.store.all(kind).cloned().collect();
    Json(records).into_response()
}
