//! Shared simulator state: credentials, runtime settings, sessions, result sets, counters.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::store::Store;

/// What the sandbox accepts as sender and user credentials.
#[derive(Clone)]
pub struct Credentials {
    /// Web Services sender id.
    pub sender_id: String,
    /// Sender password.
    pub sender_password: SecretString,
    /// Company id.
    pub company_id: String,
    /// API user id.
    pub user_id: String,
    /// API user password.
    pub user_password: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("sender_id", &self.sender_id)
            .field("company_id", &self.company_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// The AR "Summary frequency" setting for payments. Only `Daily` and `Monthly` let Intacct create
/// payment summaries itself; otherwise every payment needs a `batchkey` ("Please provide a
/// payment batch key.").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum SummaryFrequency {
    /// One summary per day (works without a batch key).
    Daily,
    /// One summary per month (works without a batch key).
    Monthly,
    /// User-specified summaries: payments without a batch key are refused.
    UserSpecified,
}

/// How a wrong user login is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BadLoginMode {
    /// Current gateways: HTTP 401 with an `XMLGW_JPP0002` body (resp_09).
    Http401,
    /// Older gateways: HTTP 200, authentication failure `XL03000006` (resp_02).
    AuthFailure,
}

/// What a "timed out after the write took effect" fault does once the hold time is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutMode {
    /// HTTP 524 with a CDN HTML page (the SDKs never retry 524).
    Status524,
    /// Send headers, then abort the body: the client sees a broken connection.
    Drop,
}

/// Settings changeable while the sandbox runs (handle or `POST /sandbox/settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Concurrent gateway requests per company before `XMLGW_JPP0001`.
    pub concurrency_limit: usize,
    /// How long an over-limit request waits for a slot before failing (the real gateway: 30 s).
    pub concurrency_wait_ms: u64,
    /// Added latency per request, held while occupying a concurrency slot.
    pub latency_ms: u64,
    /// Share of requests answered `XMLGW_JPP0001` without running (0.0–1.0).
    pub throttle_rate: f64,
    /// Share of requests answered HTTP 5xx with an HTML body, without running.
    pub error_rate: f64,
    /// Share of requests that run, then time out (unknown outcome for the client).
    pub timeout_rate: f64,
    /// How long a timed-out request holds the connection before [`TimeoutMode`] applies.
    pub timeout_hold_ms: u64,
    /// What the client finally sees for a timeout.
    pub timeout_mode: TimeoutMode,
    /// AR payment summary frequency.
    pub payment_summary_frequency: SummaryFrequency,
    /// Sliding session lifetime.
    pub session_ttl_secs: u64,
    /// Lifetime of a readByQuery result set for readMore.
    pub result_ttl_secs: u64,
    /// Company base currency; foreign-currency payments cannot go to undeposited funds.
    pub base_currency: String,
    /// How bad user credentials are answered.
    pub bad_login: BadLoginMode,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency_limit: 2,
            concurrency_wait_ms: 0,
            latency_ms: 0,
            throttle_rate: 0.0,
            error_rate: 0.0,
            timeout_rate: 0.0,
            timeout_hold_ms: 1_000,
            timeout_mode: TimeoutMode::Status524,
            payment_summary_frequency: SummaryFrequency::Daily,
            session_ttl_secs: 30 * 60,
            result_ttl_secs: 15 * 60,
            base_currency: "USD".into(),
            bad_login: BadLoginMode::Http401,
        }
    }
}

/// Partial settings update; absent fields are left alone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// See [`Settings::concurrency_limit`].
    pub concurrency_limit: Option<usize>,
    /// See [`Settings::concurrency_wait_ms`].
    pub concurrency_wait_ms: Option<u64>,
    /// See [`Settings::latency_ms`].
    pub latency_ms: Option<u64>,
    /// See [`Settings::throttle_rate`].
    pub throttle_rate: Option<f64>,
    /// See [`Settings::error_rate`].
    pub error_rate: Option<f64>,
    /// See [`Settings::timeout_rate`].
    pub timeout_rate: Option<f64>,
    /// See [`Settings::timeout_hold_ms`].
    pub timeout_hold_ms: Option<u64>,
    /// See [`Settings::timeout_mode`].
    pub timeout_mode: Option<TimeoutMode>,
    /// See [`Settings::payment_summary_frequency`].
    pub payment_summary_frequency: Option<SummaryFrequency>,
    /// See [`Settings::session_ttl_secs`].
    pub session_ttl_secs: Option<u64>,
    /// See [`Settings::result_ttl_secs`].
    pub result_ttl_secs: Option<u64>,
    /// See [`Settings::base_currency`].
    pub base_currency: Option<String>,
    /// See [`Settings::bad_login`].
    pub bad_login: Option<BadLoginMode>,
}

impl Settings {
    /// Apply a patch, rejecting rates outside 0.0–1.0.
    pub fn apply(&mut self, patch: SettingsPatch) -> Result<(), String> {
        for rate in [patch.throttle_rate, patch.error_rate, patch.timeout_rate]
            .into_iter()
            .flatten()
        {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("rate {rate} is outside 0.0..=1.0"));
            }
        }
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = patch.$f { self.$f = v; })* };
        }
        set!(
            concurrency_limit,
            concurrency_wait_ms,
            latency_ms,
            throttle_rate,
            error_rate,
            timeout_rate,
            timeout_hold_ms,
            timeout_mode,
            payment_summary_frequency,
            session_ttl_secs,
            result_ttl_secs,
            base_currency,
            bad_login
        );
        Ok(())
    }
}

/// An API session from `getAPISession`.
#[derive(Debug, Clone)]
pub struct Session {
    /// User.
    pub userid: String,
    /// Company (without entity).
    pub companyid: String,
    /// Entity, empty at top level.
    pub locationid: String,
    /// Sliding expiry on the simulator clock.
    pub expires_at: NaiveDateTime,
}

/// A readByQuery result kept for readMore: a snapshot of the matching rows.
#[derive(Debug, Clone)]
pub struct ResultSet {
    /// `listtype` and row element name (lower-case object name).
    pub list_name: String,
    /// Rendered rows not yet returned, in RECORDNO order.
    pub remaining: std::collections::VecDeque<Vec<(String, String)>>,
    /// Total rows matched by the original query.
    pub total: usize,
    /// Page size of the original query.
    pub pagesize: usize,
    /// Expiry on the simulator clock.
    pub expires_at: NaiveDateTime,
}

/// Faults the gateway injected or refused with, counted since start (or the last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultCounts {
    /// Requests answered `XMLGW_JPP0001` by the throttle dice (nothing ran).
    pub throttled: u64,
    /// Requests answered `XMLGW_JPP0001` because the company's concurrency limit was reached.
    pub over_concurrency_limit: u64,
    /// Requests answered HTTP 500/502/503 with an HTML page (nothing ran).
    pub server_errors: u64,
    /// Requests that ran but whose answer was lost (524 or a dropped connection).
    pub lost_answers: u64,
}

/// Everything mutable behind the simulator's one lock.
#[derive(Debug)]
pub struct State {
    /// Company data.
    pub store: Store,
    /// Runtime settings.
    pub settings: Settings,
    /// Live sessions by id.
    pub sessions: HashMap<String, Session>,
    /// readMore continuations by resultId.
    pub result_sets: HashMap<String, ResultSet>,
    /// Gateway requests received, whatever their outcome.
    pub requests_total: u64,
    /// Function calls received, by function name.
    pub function_calls: BTreeMap<String, u64>,
    /// Injected faults and concurrency refusals.
    pub faults: FaultCounts,
    /// Session ids and resultIds.
    pub id_rng: StdRng,
}

impl State {
    /// Fresh state.
    pub fn new(settings: Settings, seed: u64) -> Self {
        Self {
            store: Store::default(),
            settings,
            sessions: HashMap::new(),
            result_sets: HashMap::new(),
            requests_total: 0,
            function_calls: BTreeMap::new(),
            faults: FaultCounts::default(),
            id_rng: StdRng::seed_from_u64(seed ^ 0x05ee_d1d5),
        }
    }

    /// An opaque id in the gateway's style (letters and digits).
    pub fn new_id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[self.id_rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }
}
