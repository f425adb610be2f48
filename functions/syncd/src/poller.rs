//! The hourly poll: reads what changed in Intacct for every enabled connection
//! ([`sync_engine::operator::poll_enabled`], the same as the poller function's schedule).
//!
//! Each connection's poll gets a deadline, so one slow connection cannot starve the others
//! forever: the engine stops cleanly before it and the next poll continues from the committed
//! cursors.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use sync_engine::engine::Engine;
use sync_engine::operator::{PollBudget, poll_enabled};

/// Default time between polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(3600);

/// Longest one connection's poll may run before it yields to the next.
pub const POLL_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// Polls every `interval` (first poll at once) until `shutdown` turns true. Each connection's
/// result is logged by the shared poll.
pub async fn run(engine: Arc<Engine>, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let budget = PollBudget::Each(POLL_DEADLINE.min(interval));
        if let Err(e) = poll_enabled(&engine, budget).await {
            tracing::error!(error = %e, "cannot list connections");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
