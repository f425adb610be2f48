//! In-process control of a running simulator, for tests and the sync engine's harness: change
//! settings at runtime, seed records, read records back as JSON or typed, count requests, and
//! watch or steer webhook delivery. Records inserted here go through the same validation and
//! emit the same events (and webhooks) as records created over the API.

use secrecy::SecretString;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::error::ApiError;
use super::faults::ApiFaults;
use super::input::Body;
use super::models::{Contact, CreditNote, Customer, Invoice, Payment};
use super::routes::{credit_notes, customers, invoices, payments};
use super::server::Shared;
use super::webhooks::{WebhookAttempt, WebhookSettings};

/// Object kinds the handle can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Customers.
    Customer,
    /// Contacts.
    Contact,
    /// Invoices.
    Invoice,
    /// Credit notes.
    CreditNote,
    /// Payments (rendered with `applied_to`).
    Payment,
    /// Events.
    Event,
}

impl Kind {
    /// Parse `customers`, `invoice`, `credit_notes` …
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text.trim_end_matches('s') {
            "customer" => Kind::Customer,
            "contact" => Kind::Contact,
            "invoice" => Kind::Invoice,
            "credit_note" => Kind::CreditNote,
            "payment" => Kind::Payment,
            "event" => Kind::Event,
            _ => return None,
        })
    }
}

/// A cloneable handle on a running simulator.
#[derive(Clone, Debug)]
pub struct InvoicedHandle {
    shared: Arc<Shared>,
}

fn object(body: Value) -> Result<Body, ApiError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::invalid("expected a JSON object")),
    }
}

impl InvoicedHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        InvoicedHandle { shared }
    }

    // ---- settings -------------------------------------------------------------------------

    /// Current API fault settings.
    pub fn api_faults(&self) -> ApiFaults {
        self.shared.api_faults()
    }

    /// Replace the API fault settings.
    pub fn set_api_faults(&self, faults: ApiFaults) {
        *self
            .shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Latency added to each API request.
    pub fn set_latency(&self, latency: Duration) {
        self.shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .latency = latency;
    }

    /// Probability of an injected 500.
    pub fn set_error_rate(&self, rate: f64) {
        self.shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .error_rate = rate.clamp(0.0, 1.0);
    }

    /// Probability that a write is committed but answered with a 500.
    pub fn set_commit_then_fail_rate(&self, rate: f64) {
        self.shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .commit_then_fail_rate = rate.clamp(0.0, 1.0);
    }

    /// Requests in flight before 429.
    pub fn set_in_flight_limit(&self, limit: usize) {
        self.shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .in_flight_limit = limit.max(1);
    }

    /// Current webhook settings.
    pub fn webhook_settings(&self) -> WebhookSettings {
        self.shared.webhooks.settings()
    }

    /// Point webhooks at `url` signed with `secret` (re-enables a disabled webhook); `None` stops
    /// queueing deliveries.
    pub fn set_webhook(&self, url: Option<String>, secret: SecretString) {
        self.shared.webhooks.update(|s| {
            s.url = url;
            s.secret = secret;
            s.enabled = true;
        });
    }

    /// Duplicate and reorder probabilities for webhook deliveries.
    pub fn set_webhook_faults(&self, duplicate_rate: f64, reorder_rate: f64) {
        self.shared.webhooks.update(|s| {
            s.duplicate_rate = duplicate_rate.clamp(0.0, 1.0);
            s.reorder_rate = reorder_rate.clamp(0.0, 1.0);
        });
    }

    /// Wait before each webhook retry (its length is the number of retries).
    pub fn set_retry_schedule(&self, schedule: Vec<Duration>) {
        self.shared.webhooks.update(|s| s.retry_schedule = schedule);
    }

    /// Move the simulator's clock (due dates, `past_due`, timestamps) forward or back.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.mutate(|state| state.clock_offset += seconds);
    }

    // ---- seeding ---------------------------------------------------------------------------

    /// Create a customer from an API-shaped JSON body (emits `customer.created`).
    pub fn insert_customer(&self, body: Value) -> Result<Customer, ApiError> {
        let body = object(body)?;
        self.shared.mutate(|state| customers::insert(state, &body))
    }

    /// Create an invoice from an API-shaped JSON body.
    pub fn insert_invoice(&self, body: Value) -> Result<Invoice, ApiError> {
        let body = object(body)?;
        self.shared.mutate(|state| invoices::insert(state, &body))
    }

    /// Create a credit note from an API-shaped JSON body.
    pub fn insert_credit_note(&self, body: Value) -> Result<CreditNote, ApiError> {
        let body = object(body)?;
        self.shared
            .mutate(|state| credit_notes::insert(state, &body))
    }

    /// Record a payment (with `applied_to`) from an API-shaped JSON body.
    pub fn insert_payment(&self, body: Value) -> Result<Payment, ApiError> {
        let body = object(body)?;
        self.shared.mutate(|state| payments::insert(state, &body))
    }

    /// Create `count` customers named `Sandbox Customer N` with numbers `CUST-NNNN`.
    pub fn seed_customers(&self, count: usize) -> Result<Vec<Customer>, ApiError> {
        (0..count)
            .map(|n| {
                self.insert_customer(serde_json::json!({
                    "name": format!("Sandbox Customer {}", n + 1),
                    "email": format!("billing{}@example.com", n + 1),
                    "payment_terms": "NET 30",
                }))
            })
            .collect()
    }

    // ---- reading ---------------------------------------------------------------------------

    /// Every record of a kind as the API renders it (payments with `applied_to`; events oldest
    /// first).
    pub fn list_json(&self, kind: Kind) -> Vec<Value> {
        let state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = state.now();
        match kind {
            Kind::Customer => state
                .customers
                .values()
                .map(|c| c.render().to_value())
                .collect(),
            Kind::Contact => state
                .contacts
                .values()
                .map(|c| c.render().to_value())
                .collect(),
            Kind::Invoice => state
                .invoices
                .values()
                .map(|i| i.render(now).to_value())
                .collect(),
            Kind::CreditNote => state
                .credit_notes
                .values()
                .map(|c| c.render().to_value())
                .collect(),
            Kind::Payment => state
                .payments
                .values()
                .map(|p| p.render(true).to_value())
                .collect(),
            Kind::Event => state.events.iter().map(|e| e.render().to_value()).collect(),
        }
    }

    /// One record as JSON.
    pub fn get_json(&self, kind: Kind, id: i64) -> Option<Value> {
        self.list_json(kind)
            .into_iter()
            .find(|v| v.get("id").and_then(Value::as_i64) == Some(id))
    }

    /// All customers, typed.
    pub fn customers(&self) -> Vec<Customer> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .customers
            .values()
            .cloned()
            .collect()
    }

    /// All contacts, typed.
    pub fn contacts(&self) -> Vec<Contact> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contacts
            .values()
            .cloned()
            .collect()
    }

    /// All invoices, typed.
    pub fn invoices(&self) -> Vec<Invoice> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .invoices
            .values()
            .cloned()
            .collect()
    }

    /// All credit notes, typed.
    pub fn credit_notes(&self) -> Vec<CreditNote> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .credit_notes
            .values()
            .cloned()
            .collect()
    }

    /// All payments, typed.
    pub fn payments(&self) -> Vec<Payment> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .payments
            .values()
            .cloned()
            .collect()
    }

    /// Event types in order written, e.g. `["customer.created", "invoice.created"]`.
    pub fn event_types(&self) -> Vec<String> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .iter()
            .map(|e| e.kind.clone())
            .collect()
    }

    // ---- observing -------------------------------------------------------------------------

    /// Requests seen per route pattern, e.g. `"GET /customers/:id" → 3` (admin calls excluded).
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Requests seen for one route pattern.
    pub fn request_count(&self, pattern: &str) -> u64 {
        self.request_counts().get(pattern).copied().unwrap_or(0)
    }

    /// API requests currently in flight.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.current()
    }

    /// Every webhook delivery attempt so far.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.shared.webhooks.attempts()
    }

    /// Deliveries not yet attempted or waiting for a retry.
    pub fn pending_webhooks(&self) -> usize {
        self.shared.webhooks.pending()
    }

    /// Whether delivery is paused.
    pub fn webhooks_paused(&self) -> bool {
        self.shared.webhooks.is_paused()
    }

    /// Hold webhook deliveries (they keep queueing).
    pub fn pause_webhooks(&self) {
        self.shared.webhooks.pause();
    }

    /// Release held deliveries.
    pub fn resume_webhooks(&self) {
        self.shared.webhooks.resume();
    }

    /// Attempt every queued delivery now, retries included; returns how many were attempted.
    pub async fn flush_webhooks(&self) -> usize {
        self.shared.webhooks.flush().await
    }
}
