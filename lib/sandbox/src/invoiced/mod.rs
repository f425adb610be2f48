//! Invoiced simulator: the REST API (customers, contacts, invoices, credit notes, payments,
//! events) and signed webhooks, reproduced from the backend's documented and observed behaviour
//! (the project's Invoiced API reference: auth, lists, errors, limits, idempotency, events,
//! webhooks), with fault injection and in-process control.
//!
//! Start it with [`spawn`]; talk to it over HTTP at [`RunningInvoiced::url`] with the API key as
//! the Basic user name; steer it from tests through [`InvoicedHandle`] or the `/sandbox/...`
//! admin API.

mod args;
mod control;
pub mod error;
pub mod events;
mod faults;
mod idempotency;
mod input;
mod ledger;
pub mod models;
pub mod money;
mod pagination;
mod routes;
mod server;
mod store;
pub mod webhooks;
pub mod wire;

pub use args::{InvoicedArgs, InvoicedConfig};
pub use control::{InvoicedHandle, Kind};
pub use faults::ApiFaults;
pub use webhooks::{WebhookAttempt, WebhookSettings, sign};

use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, RwLock};
use tokio::task::JoinHandle;

/// A running simulator; dropping it stops the server and the webhook worker.
pub struct RunningInvoiced {
    /// Base URL clients use, e.g. `http://127.0.0.1:43123` (no trailing slash, no version).
    pub url: String,
    /// The API key clients must send.
    pub api_key: SecretString,
    /// The webhook signing secret at start-up (change it with [`InvoicedHandle::set_webhook`]).
    pub webhook_secret: SecretString,
    handle: InvoicedHandle,
    server: JoinHandle<()>,
    worker: JoinHandle<()>,
}

impl std::fmt::Debug for RunningInvoiced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningInvoiced")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RunningInvoiced {
    /// A cloneable control handle.
    pub fn handle(&self) -> InvoicedHandle {
        self.handle.clone()
    }

    /// What the binary prints on start: URL, API key and webhook settings (a local test key and
    /// secret, printed on purpose so a developer can point a client at the sandbox).
    pub fn banner(&self) -> String {
        let hooks = self.handle.webhook_settings();
        let faults = self.handle.api_faults();
        let webhook = match &hooks.url {
            Some(url) => format!(
                "{url} (secret {}, retries {:?}, duplicate rate {}, reorder rate {})",
                hooks.secret.expose_secret(),
                hooks.retry_schedule,
                hooks.duplicate_rate,
                hooks.reorder_rate
            ),
            None => "none (pass --webhook-url)".to_string(),
        };
        format!(
            "Invoiced sandbox listening on {}\n  API key:   {} (HTTP Basic user name, blank password)\n  webhooks:  {webhook}\n  faults:    latency {:?}, error rate {}, commit-then-fail rate {}, in-flight limit {}\n  admin:     {}/sandbox/settings",
            self.url,
            self.api_key.expose_secret(),
            faults.latency,
            faults.error_rate,
            faults.commit_then_fail_rate,
            faults.in_flight_limit,
            self.url
        )
    }
}

impl Drop for RunningInvoiced {
    fn drop(&mut self) {
        self.server.abort();
        self.worker.abort();
    }
}

/// Start the simulator in the background on `config.addr` (loopback only).
pub async fn spawn(config: InvoicedConfig) -> anyhow::Result<RunningInvoiced> {
    if !config.addr.ip().is_loopback() {
        anyhow::bail!(
            "the Invoiced sandbox binds loopback addresses only, got {}",
            config.addr
        );
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let hub = Arc::new(webhooks::WebhookHub::new(
        WebhookSettings {
            url: config.webhook_url.clone(),
            secret: config.webhook_secret.clone(),
            duplicate_rate: config.duplicate_rate,
            reorder_rate: config.reorder_rate,
            retry_schedule: config.retry_schedule.clone(),
            enabled: true,
        },
        config.fault_seed,
    )?);
    let shared = Arc::new(server::Shared {
        state: Mutex::new(store::State::default()),
        faults: RwLock::new(ApiFaults {
            latency: config.latency,
            error_rate: config.error_rate,
            in_flight_limit: config.in_flight_limit,
            commit_then_fail_rate: config.commit_then_fail_rate,
        }),
        in_flight: faults::InFlight::default(),
        requests: Mutex::new(Default::default()),
        dice: faults::Dice::new(config.fault_seed),
        webhooks: hub.clone(),
        api_key: config.api_key.clone(),
        base_url: url.clone(),
    });
    let handle = InvoicedHandle::new(shared.clone());
    handle.seed_customers(config.seed_customers)?;
    let app = axum::Router::new()
        .fallback(server::dispatch)
        .with_state(shared);
    // No Nagle delay on responses: clients measure the simulator's latency, not TCP's.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(%err, "Invoiced sandbox server stopped");
        }
    });
    let worker = tokio::spawn(hub.run());
    Ok(RunningInvoiced {
        url,
        api_key: config.api_key,
        webhook_secret: config.webhook_secret,
        handle,
        server,
        worker,
    })
}
