//! Sage Intacct XML gateway simulator.
//!
//! Speaks `POST /ia/xml/xmlgw.phtml` the way the real gateway does (envelope, sender and user
//! authentication, sessions, per-function results, legacy and generic functions), keeps an
//! in-memory company (customers, AR invoices/adjustments/payments, Order Entry documents), and
//! reproduces what production integrations run into: the per-company concurrency limit
//! (`XMLGW_JPP0001`), numbering collisions, the payment batch key setting, `BL02000051`,
//! `DL02000001`, `uniqueid` control-id reuse, transaction rollback, 5xx pages and responses lost
//! after the write took effect. Tests drive it in-process through [`IntacctHandle`]; scripts use the
//! JSON admin API under `/sandbox`.
//!
//! Where the public record is silent, the sandbox picks a shape and says so (see
//! `docs/reference.md#where-the-public-record-is-silent`), so clients must not key on more than
//! that section does:
//! - `XMLGW_JPP0001`: HTTP 200, gateway-error shape (`<control><status>failure</status></control>`),
//!   description "There are too many operations running for this company (200024)", correction
//!   "Please Try Again Later".
//! - Numbering collision and "Please provide a payment batch key.": exact user-visible texts under
//!   the catch-all `BL01001973` (their real codes are not public).
//! - `uniqueid=true` reuse of a completed *write* function's control id: function failure with
//!   errorno text `Control ID in use` (reads are never refused).
//! - `BL02000051` and `DL02000001` carry the reported texts plus a detail naming the value.
//! - `read` of a missing key silently omits it; `readByQuery` pagesize above 1000 is capped.

mod args;
mod clock;
mod faults;
mod functions;
mod query_lang;
mod request;
mod response;
mod seed;
mod server;
mod state;
mod store;
mod xml;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};
use secrecy::ExposeSecret as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use args::{IntacctArgs, IntacctConfig};
pub use clock::{Clock, format_timestamp, parse_intacct_datetime};
pub use seed::SeedSpec;
pub use server::GATEWAY_PATH;
pub use state::{
    BadLoginMode, Credentials, FaultCounts, Settings, SettingsPatch, SummaryFrequency, TimeoutMode,
};
pub use store::{Application, Fields, ObjectKind, Record, RecordNo};

/// A running simulator; dropping it stops the server.
pub struct RunningIntacct {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Full gateway URL clients post to.
    pub endpoint: String,
    /// The credentials it accepts.
    pub credentials: Credentials,
    /// In-process control.
    pub handle: IntacctHandle,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningIntacct {
    /// What the binary prints on start: where to post and what it accepts.
    pub fn banner(&self) -> String {
        let c = &self.credentials;
        format!(
            "Intacct sandbox listening on {url}\n  gateway endpoint: {endpoint}\n  sender id / password: {} / {}\n  company id: {}\n  user id / password: {} / {}\n  admin API: {url}/sandbox/state, POST {url}/sandbox/settings, POST {url}/sandbox/clock, GET {url}/sandbox/records/<OBJECT>",
            c.sender_id,
            c.sender_password.expose_secret(),
            c.company_id,
            c.user_id,
            c.user_password.expose_secret(),
            url = self.url,
            endpoint = self.endpoint,
        )
    }
}

impl Drop for RunningIntacct {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

/// Start the simulator in the background.
pub async fn spawn(config: IntacctConfig) -> anyhow::Result<RunningIntacct> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let advertised = match &config.public_host {
        Some(host) => format!("http://{host}:{}", addr.port()),
        None => url.clone(),
    };
    let endpoint = format!("{advertised}{GATEWAY_PATH}");
    let clock = Clock::default();
    if let Some(t) = config.frozen_clock {
        clock.set(t);
    }
    let mut state = state::State::new(config.settings.clone(), config.fault_seed);
    // Seed with a summary frequency that lets payments post, then apply the configured one.
    state.settings.payment_summary_frequency = SummaryFrequency::Daily;
    seed::seed(
        &mut state,
        config.seed,
        &config.credentials.user_id,
        &config.credentials.company_id,
        clock.now(),
    )?;
    state.settings.payment_summary_frequency = config.settings.payment_summary_frequency;
    let shared = Arc::new(server::Shared {
        state: std::sync::Mutex::new(state),
        clock,
        credentials: config.credentials.clone(),
        endpoint: endpoint.clone(),
        faults: faults::Faults::new(config.fault_seed),
        in_flight: std::sync::Mutex::new(std::collections::HashMap::new()),
        slot_freed: tokio::sync::Notify::new(),
    });
    let app = server::router(Arc::clone(&shared));
    // No Nagle delay on responses: clients measure the simulator's latency, not TCP's.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "intacct sandbox server stopped");
        }
    });
    Ok(RunningIntacct {
        url,
        endpoint: format!("http://{addr}{GATEWAY_PATH}"),
        credentials: config.credentials,
        handle: IntacctHandle(shared),
        shutdown: Some(tx),
        task,
    })
}

/// Cloneable in-process control of a running simulator.
#[derive(Clone)]
pub struct IntacctHandle(Arc<server::Shared>);

impl IntacctHandle {
    /// Current settings.
    pub fn settings(&self) -> Settings {
        self.0.lock().settings.clone()
    }

    /// Change settings at runtime; rates must be within 0.0–1.0.
    pub fn update_settings(&self, patch: SettingsPatch) -> Result<Settings, String> {
        let mut state = self.0.lock();
        state.settings.apply(patch)?;
        Ok(state.settings.clone())
    }

    /// Set the AR payment summary frequency (the "payment batch key" setting).
    pub fn set_payment_summary_frequency(&self, frequency: SummaryFrequency) {
        self.0.lock().settings.payment_summary_frequency = frequency;
    }

    /// Set the per-company concurrency limit.
    pub fn set_concurrency_limit(&self, limit: usize) {
        self.0.lock().settings.concurrency_limit = limit.max(1);
    }

    /// Set the added latency per request.
    pub fn set_latency_ms(&self, latency_ms: u64) {
        self.0.lock().settings.latency_ms = latency_ms;
    }

    /// Set the fault shares (each clamped to 0.0–1.0).
    pub fn set_fault_rates(&self, throttle: f64, error: f64, timeout: f64) {
        let mut state = self.0.lock();
        state.settings.throttle_rate = throttle.clamp(0.0, 1.0);
        state.settings.error_rate = error.clamp(0.0, 1.0);
        state.settings.timeout_rate = timeout.clamp(0.0, 1.0);
    }

    /// Simulated now.
    pub fn now(&self) -> NaiveDateTime {
        self.0.clock.now()
    }

    /// Freeze the clock at `t`.
    pub fn set_clock(&self, t: NaiveDateTime) {
        self.0.clock.set(t);
    }

    /// Move the clock.
    pub fn advance_clock(&self, by: TimeDelta) {
        self.0.clock.advance(by);
    }

    /// Define a custom field on an object so creates/reads may use it.
    pub fn define_custom_field(&self, kind: ObjectKind, name: &str) {
        self.0
            .lock()
            .store
            .custom_fields
            .entry(kind)
            .or_default()
            .insert(name.to_ascii_uppercase());
    }

    /// Insert a record directly (RECORDNO/WHENCREATED/WHENMODIFIED stamped now).
    pub fn insert_record(&self, kind: ObjectKind, fields: Fields) -> RecordNo {
        let now = self.0.clock.now();
        self.0.lock().store.insert(kind, Record::new(fields), now)
    }

    /// Insert an active customer.
    pub fn insert_customer(&self, customer_id: &str, name: &str) -> RecordNo {
        let fields: Fields = [
            ("CUSTOMERID", customer_id),
            ("NAME", name),
            ("STATUS", "active"),
            ("DISPLAYCONTACT.PRINTAS", name),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        self.insert_record(ObjectKind::Customer, fields)
    }

    /// Change fields of a record as if edited in Intacct (WHENMODIFIED bumped).
    pub fn edit_record(&self, kind: ObjectKind, recordno: RecordNo, changes: Fields) -> bool {
        let now = self.0.clock.now();
        let mut state = self.0.lock();
        let Some(record) = state.store.get_mut(kind, recordno) else {
            return false;
        };
        record.fields.extend(changes);
        state.store.touch(kind, recordno, now);
        true
    }

    /// Change fields *without* bumping WHENMODIFIED: simulates records whose WHENMODIFIED is
    /// NULL (pass an empty value) or changes that become visible late (eventual consistency).
    pub fn overwrite_fields(&self, kind: ObjectKind, recordno: RecordNo, changes: Fields) -> bool {
        let mut state = self.0.lock();
        let Some(record) = state.store.get_mut(kind, recordno) else {
            return false;
        };
        record.fields.extend(changes);
        state.store.reindex(kind, recordno);
        true
    }

    /// All records of an object, in RECORDNO order.
    pub fn records(&self, kind: ObjectKind) -> Vec<Record> {
        self.0.lock().store.all(kind).cloned().collect()
    }

    /// One record.
    pub fn record(&self, kind: ObjectKind, recordno: RecordNo) -> Option<Record> {
        self.0.lock().store.get(kind, recordno).cloned()
    }

    /// First record whose `field` equals `value`.
    pub fn find(&self, kind: ObjectKind, field: &str, value: &str) -> Option<Record> {
        self.0.lock().store.find(kind, field, value).cloned()
    }

    /// Number of records of an object.
    pub fn count(&self, kind: ObjectKind) -> usize {
        self.0.lock().store.count(kind)
    }

    /// Gateway requests received (every POST, whatever happened to it).
    pub fn requests_total(&self) -> u64 {
        self.0.lock().requests_total
    }

    /// Calls of one function received (e.g. `create_invoice`).
    pub fn function_calls(&self, name: &str) -> u64 {
        self.0.lock().function_calls.get(name).copied().unwrap_or(0)
    }

    /// Calls received per function.
    pub fn function_call_counts(&self) -> BTreeMap<String, u64> {
        self.0.lock().function_calls.clone()
    }

    /// Faults injected (throttles, 5xx, lost answers) and concurrency refusals so far.
    pub fn fault_counts(&self) -> FaultCounts {
        self.0.lock().faults
    }

    /// Zero the request and fault counters (between phases of a test).
    pub fn reset_counters(&self) {
        let mut state = self.0.lock();
        state.requests_total = 0;
        state.function_calls.clear();
        state.faults = FaultCounts::default();
    }

    /// Run one gateway function (its XML element, e.g. `<create_sotransaction>…`) as the API user
    /// would, in-process: no session, no faults, no concurrency slot, same validation and effects
    /// (PRRECORDKEY links, balances, payment applications). Returns the function's `<key>`.
    pub fn execute(&self, function: &str) -> Result<Option<String>, String> {
        let now = self.0.clock.now();
        let auth = functions::AuthInfo {
            userid: self.0.credentials.user_id.clone(),
            companyid: self.0.credentials.company_id.clone(),
            locationid: String::new(),
        };
        let mut state = self.0.lock();
        seed::run(&mut state, &auth, now, "handle", function).map_err(|e| e.to_string())
    }

    /// Forget every session (as if Intacct logged everyone out).
    pub fn expire_sessions(&self) {
        self.0.lock().sessions.clear();
    }
}
