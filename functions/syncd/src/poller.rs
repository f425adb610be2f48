//! The hourly poll: reads what changed in Intacct for every enabled connection.
//!
//! Each poll gets a deadline, so one slow connection cannot starve the others forever: the
//! engine stops cleanly before it and the next poll continues from the committed cursors.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

use sync_engine::config::ConnectionId;
use sync_engine::engine::read::ReadReport;
use sync_engine::engine::{Engine, EngineError};
use sync_engine::ports::StoreError;

/// Default time between polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(3600);

/// Longest one connection's poll may run before it yields to the next.
pub const POLL_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// Polls every enabled connection once, in id order.
pub async fn poll_all(
    engine: &Engine,
    deadline: Duration,
) -> Result<Vec<(ConnectionId, Result<ReadReport, EngineError>)>, StoreError> {
    let configs = engine.store().list_configs().await?;
    let mut results = Vec::new();
    for config in configs.into_iter().filter(|c| c.enabled) {
        let report = engine
            .poll(&config.id, Some(Instant::now() + deadline))
            .await;
        results.push((config.id, report));
    }
    Ok(results)
}

/// Polls every `interval` (first poll at once) until `shutdown` turns true.
pub async fn run(engine: Arc<Engine>, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        match poll_all(&engine, POLL_DEADLINE.min(interval)).await {
            Ok(results) => {
                for (id, result) in results {
                    match result {
                        Ok(report) => tracing::info!(
                            connection = %id,
                            imported = report.imported(),
                            finished = report.finished(),
                            "poll done"
                        ),
                        Err(e) => tracing::error!(connection = %id, error = %e, "poll failed"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list connections"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
