//! The engine: turns webhook events, retry messages and polls into writes in the other system,
//! keeping the invariants of `docs/design.md#invariants` (nothing lost, nothing written twice, no
//! loops, bounded Intacct concurrency, throttling retried, dependencies waiting).
//!
//! It holds only ports; a Lambda function or the one-machine runner builds the adapters once
//! and hands events to [`Engine`].

mod exactly_once;
mod exhausted;
mod gateway;
mod outcome;
pub mod read;
mod records;
pub mod webhook;
pub(crate) mod write;

use rand::SeedableRng;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::secrets::ConnectionSecrets;
use crate::config::{ConnectionConfig, ConnectionId};
use crate::model::{RetryMessage, WorkItem};
use crate::ports::{Clock, Connector, IntacctApi, InvoicedApi, RetryQueue, SecretSource, Store};
use crate::retry::RetryPolicy;

use crate::catalogue::Code;
pub use outcome::{EngineError, Outcome};

/// Tunables of the engine, with production defaults.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Backoff and attempt cap of the retry queue.
    pub retry: RetryPolicy,
    /// A held Intacct concurrency slot frees itself after this long (a crashed function
    /// cannot hold it forever). Longer than the slowest expected gateway call.
    pub lease_ttl: Duration,
    /// How long to wait for a free slot before queuing the work instead; keeps webhook
    /// answers inside Invoiced's 30 s.
    pub lease_wait: Duration,
    /// How long handled webhook event ids are remembered: longer than Invoiced's 48 h of
    /// redeliveries.
    pub event_memory: Duration,
    /// How long a function's claim on a write intent lasts if it never settles it (it died or
    /// was cut off). Longer than the probe and the request of one attempt can take (two Intacct
    /// request timeouts of 120 s plus the lease waits), so a claim never lapses under a live
    /// request; meanwhile other deliveries of the same record wait.
    pub intent_claim_ttl: Duration,
    /// How long the claim of a write whose function was dropped mid-attempt (a deadline, a
    /// caller that hung up) still holds, so a request already sent can finish in Intacct
    /// before the next attempt probes for it.
    pub abandoned_claim_grace: Duration,
    /// How long a write waits in place for another function's young claim on the same record
    /// to settle before it queues itself to look again later.
    pub intent_wait: Duration,
    /// How long a webhook delivery's claim on its event lasts if it never finishes (the process
    /// died): past the write budget, well inside Invoiced's hourly redelivery.
    pub event_claim_ttl: Duration,
    /// Prefix of lease holder ids, to tell functions apart in the table.
    pub instance: String,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            lease_ttl: Duration::from_secs(120),
            lease_wait: Duration::from_secs(10),
            event_memory: Duration::from_secs(72 * 3600),
            intent_claim_ttl: Duration::from_secs(300),
            intent_wait: Duration::from_secs(3),
            abandoned_claim_grace: Duration::from_secs(30),
            event_claim_ttl: Duration::from_secs(60),
            instance: format!("engine-{}", std::process::id()),
        }
    }
}

/// The sync engine over its ports.
pub struct Engine {
    store: Arc<dyn Store>,
    queue: Arc<dyn RetryQueue>,
    secrets: Arc<dyn SecretSource>,
    connector: Arc<dyn Connector>,
    clock: Arc<dyn Clock>,
    settings: EngineSettings,
    rng: Mutex<rand::rngs::StdRng>,
}

/// One connection, ready to use: its configuration, credentials and clients.
pub struct Connection {
    /// Configuration.
    pub config: ConnectionConfig,
    /// Credentials.
    pub secrets: ConnectionSecrets,
    /// Intacct gateway.
    pub intacct: Arc<dyn IntacctApi>,
    /// Intacct gateway for requests that concern only customers (top level when the
    /// connection's customers are shared across entities; see `customers_top_level`).
    pub intacct_customers: Arc<dyn IntacctApi>,
    /// Invoiced account.
    pub invoiced: Arc<dyn InvoicedApi>,
}

impl Engine {
    /// An engine over the given adapters.
    pub fn new(
        store: Arc<dyn Store>,
        queue: Arc<dyn RetryQueue>,
        secrets: Arc<dyn SecretSource>,
        connector: Arc<dyn Connector>,
        clock: Arc<dyn Clock>,
        settings: EngineSettings,
    ) -> Self {
        Self {
            store,
            queue,
            secrets,
            connector,
            clock,
            settings,
            rng: Mutex::new(rand::rngs::StdRng::from_os_rng()),
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The store, for operator commands and status.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Loads a connection: configuration from the store, credentials from the secret source,
    /// clients from the connector.
    pub async fn connection(&self, id: &ConnectionId) -> Result<Connection, EngineError> {
        let config = self
            .store
            .get_config(id)
            .await?
            .ok_or_else(|| EngineError::UnknownConnection(id.clone()))?;
        let secrets = self
            .secrets
            .secrets(id)
            .await
            .map_err(|e| EngineError::Secrets(e.to_string()))?;
        let intacct = self
            .connector
            .intacct(&config, &secrets)
            .map_err(EngineError::Client)?;
        let intacct_customers = self
            .connector
            .intacct_for_customers(&config, &secrets)
            .map_err(EngineError::Client)?;
        let invoiced = self
            .connector
            .invoiced(&config, &secrets)
            .map_err(EngineError::Client)?;
        Ok(Connection {
            config,
            secrets,
            intacct,
            intacct_customers,
            invoiced,
        })
    }

    /// Processes a message from the retry queue: the same write path as a webhook, re-reading
    /// the current Invoiced record. A message that arrived before its `not_before` (a wait
    /// longer than one queue hop) is queued again for the rest.
    pub async fn handle_retry(&self, message: &RetryMessage) -> Result<Outcome, EngineError> {
        if let Some(not_before) = message.not_before {
            let now = self.clock.now();
            if not_before > now {
                let rest = (not_before - now).to_std().unwrap_or_default();
                self.enqueue(message.clone(), rest).await?;
                return Ok(Outcome::Queued {
                    reason: Code::SyncNotYetDue,
                    delay: rest,
                });
            }
        }
        let connection = self.connection(&message.work.connection).await?;
        self.process(&connection, &message.work, message.attempt)
            .await
    }

    /// Queues a message, splitting waits longer than the queue can hold.
    async fn enqueue(&self, mut message: RetryMessage, delay: Duration) -> Result<(), EngineError> {
        let (hop, not_before) = crate::retry::split_for_sqs(delay, self.clock.now());
        message.not_before = not_before;
        self.queue
            .enqueue(&message, hop)
            .await
            .map_err(|e| EngineError::Queue(e.to_string()))
    }

    /// Queues `work` to run again soon (a released dependency, a paused connection).
    pub async fn requeue(
        &self,
        work: WorkItem,
        reason: Code,
        delay: Duration,
    ) -> Result<(), EngineError> {
        self.enqueue(
            RetryMessage {
                work,
                attempt: 1,
                reason: reason.as_str().to_owned(),
                not_before: None,
            },
            delay,
        )
        .await
    }

    fn jitter_rng(&self) -> std::sync::MutexGuard<'_, rand::rngs::StdRng> {
        // A poisoned RNG is still a fine RNG.
        self.rng.lock().unwrap_or_else(|p| p.into_inner())
    }
}
