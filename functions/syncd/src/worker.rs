//! The retry worker: the one-machine stand-in for the SQS-triggered retrier Lambda.
//!
//! It receives due messages from the SQLite queue in batches and hands each to the engine on a
//! task of its own, a few at a time (the engine's leases already bound concurrent Intacct calls
//! per connection, so a small fixed concurrency is enough). A message is deleted only once the
//! engine made its outcome durable; on an engine error it is left to reappear after the
//! visibility timeout, and a handler that panics fails only its own message. Two kinds of
//! message go to the dead-letter table for an operator, as on AWS: one whose retries are
//! exhausted (its record is a reconciliation error; [`Engine::dead_letter_reason`], the rule the
//! Lambda retrier applies too), and one received `max_receives` times without success (SQS's
//! redrive policy there).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

use sync_engine::adapters::sqlite::{QueueReceipt, SqliteQueue, SqliteStore};
use sync_engine::engine::{Engine, EngineError, Outcome};
use sync_engine::model::RetryMessage;
use sync_engine::ports::QueueError;

/// What processes one message. The engine in production; tests inject failing or panicking
/// handlers to check the loop survives them.
#[async_trait]
pub trait RetryHandler: Send + Sync + 'static {
    /// Processes one message; `Ok` means the outcome is durable and the message may go.
    async fn handle(&self, message: &RetryMessage) -> Result<Outcome, EngineError>;

    /// Why a handled message goes to the dead letters instead of away; `None` by default.
    fn dead_letter_reason(&self, _message: &RetryMessage, _outcome: &Outcome) -> Option<String> {
        None
    }
}

#[async_trait]
impl RetryHandler for Engine {
    async fn handle(&self, message: &RetryMessage) -> Result<Outcome, EngineError> {
        self.handle_retry(message).await
    }

    fn dead_letter_reason(&self, message: &RetryMessage, outcome: &Outcome) -> Option<String> {
        Engine::dead_letter_reason(self, message, outcome)
    }
}

/// Worker tunables.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Messages received per pass.
    pub batch: usize,
    /// Messages processed at once.
    pub concurrency: usize,
    /// Receives after which a still-failing message is dead-lettered.
    pub max_receives: u32,
    /// Pause between passes that found nothing due.
    pub idle_wait: Duration,
    /// Demo and tests only: treat every queued message as due now (receive as if a day had
    /// passed), so backoff delays do not slow a scripted run down. Waits longer than one queue
    /// hop (a message's `not_before`) are still enforced by the engine. Never set in `serve`.
    pub ignore_delays: bool,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            batch: 16,
            concurrency: 4,
            max_receives: 10,
            idle_wait: Duration::from_secs(1),
            ignore_delays: false,
        }
    }
}

/// Counters since the worker started.
#[derive(Debug, Default)]
pub struct WorkerStats {
    received: AtomicU64,
    succeeded: AtomicU64,
    requeued: AtomicU64,
    failed: AtomicU64,
    panicked: AtomicU64,
    dead_lettered: AtomicU64,
}

/// A copy of [`WorkerStats`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Messages received.
    pub received: u64,
    /// Handled with a durable outcome (deleted, or dead-lettered when its retries are
    /// exhausted).
    pub succeeded: u64,
    /// Of those, outcomes that queued another attempt (throttled again, still waiting).
    pub requeued: u64,
    /// Engine errors (left for redelivery).
    pub failed: u64,
    /// Handler panics (left for redelivery).
    pub panicked: u64,
    /// Moved to the dead-letter table (retries exhausted, or received too often).
    pub dead_lettered: u64,
}

impl WorkerStats {
    /// Current values.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            received: self.received.load(Ordering::Relaxed),
            succeeded: self.succeeded.load(Ordering::Relaxed),
            requeued: self.requeued.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            panicked: self.panicked.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
        }
    }
}

/// The retry worker.
#[derive(Clone)]
pub struct Worker {
    queue: SqliteQueue,
    handler: Arc<dyn RetryHandler>,
    settings: WorkerSettings,
    stats: Arc<WorkerStats>,
}

/// How often [`Worker::run`] purges expired event ids and leases.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

impl Worker {
    /// A worker over `queue` handing messages to `handler`.
    pub fn new(
        queue: SqliteQueue,
        handler: Arc<dyn RetryHandler>,
        settings: WorkerSettings,
    ) -> Self {
        Self {
            queue,
            handler,
            settings,
            stats: Arc::new(WorkerStats::default()),
        }
    }

    /// Its counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    fn receive_time(&self) -> DateTime<Utc> {
        let now = Utc::now();
        if self.settings.ignore_delays {
            now + chrono::Duration::days(1)
        } else {
            now
        }
    }

    /// One pass: receives up to a batch of due messages and processes them. Returns how many
    /// were received.
    pub async fn run_once(&self) -> Result<usize, QueueError> {
        let received = self
            .queue
            .receive_due(self.receive_time(), self.settings.batch)
            .await?;
        let count = received.len();
        let permits = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut tasks = Vec::with_capacity(count);
        for (receipt, message) in received {
            self.stats.received.fetch_add(1, Ordering::Relaxed);
            let permit = Arc::clone(&permits).acquire_owned().await;
            let handler = Arc::clone(&self.handler);
            let task_message = message.clone();
            let task = tokio::spawn(async move {
                let _permit = permit;
                handler.handle(&task_message).await
            });
            tasks.push((receipt, message, task));
        }
        for (receipt, message, task) in tasks {
            let failure = match task.await {
                Ok(Ok(outcome)) => {
                    if matches!(outcome, Outcome::Queued { .. }) {
                        self.stats.requeued.fetch_add(1, Ordering::Relaxed);
                    }
                    self.stats.succeeded.fetch_add(1, Ordering::Relaxed);
                    match self.handler.dead_letter_reason(&message, &outcome) {
                        Some(reason) => self.dead_letter(&receipt, &message, &reason).await?,
                        None => {
                            if !self.queue.delete(&receipt).await? {
                                tracing::warn!(work = ?message.work, "receipt went stale before delete; another receive owns the message");
                            }
                        }
                    }
                    continue;
                }
                Ok(Err(e)) => {
                    self.stats.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(work = ?message.work, error = %e, "retry not durable; left for redelivery");
                    format!("engine error: {e}")
                }
                Err(join) => {
                    self.stats.panicked.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(work = ?message.work, error = %join, "retry handler crashed; left for redelivery");
                    format!("handler crashed: {join}")
                }
            };
            self.dead_letter_if_exhausted(&receipt, &message, &failure)
                .await?;
        }
        Ok(count)
    }

    async fn dead_letter_if_exhausted(
        &self,
        receipt: &QueueReceipt,
        message: &RetryMessage,
        failure: &str,
    ) -> Result<(), QueueError> {
        if receipt.receive_count() < self.settings.max_receives {
            return Ok(());
        }
        let reason = format!(
            "received {} times without success; last: {failure}",
            receipt.receive_count()
        );
        self.dead_letter(receipt, message, &reason).await
    }

    async fn dead_letter(
        &self,
        receipt: &QueueReceipt,
        message: &RetryMessage,
        reason: &str,
    ) -> Result<(), QueueError> {
        if self
            .queue
            .move_to_dead_letter(receipt, reason, Utc::now())
            .await?
        {
            self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
            tracing::error!(work = ?message.work, %reason, "dead-lettered");
        }
        Ok(())
    }

    /// Runs passes until the queue holds nothing (due or not, when delays are ignored; due
    /// otherwise) or `max_passes` ran. Returns the passes run. For the demo, tests and
    /// one-shot commands.
    pub async fn drain(&self, max_passes: usize) -> Result<usize, QueueError> {
        for pass in 0..max_passes {
            if self.run_once().await? == 0 {
                // Nothing was due; stop unless something became due meanwhile.
                if self.queue.depth(self.receive_time()).await?.due == 0 {
                    return Ok(pass);
                }
            }
        }
        Ok(max_passes)
    }

    /// Runs until `shutdown` turns true; purges expired rows of `store` hourly. Queue errors are
    /// logged and retried after the idle wait: the loop itself never stops on a bad message.
    pub async fn run(&self, store: SqliteStore, mut shutdown: watch::Receiver<bool>) {
        let mut last_purge = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let idle = match self.run_once().await {
                Ok(n) => n == 0,
                Err(e) => {
                    tracing::error!(error = %e, "retry queue unavailable");
                    true
                }
            };
            if last_purge.elapsed() >= PURGE_EVERY {
                last_purge = tokio::time::Instant::now();
                match store.purge_expired(Utc::now()).await {
                    Ok(n) => tracing::debug!(rows = n, "purged expired event ids and leases"),
                    Err(e) => tracing::warn!(error = %e, "purge failed"),
                }
            }
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.idle_wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}
