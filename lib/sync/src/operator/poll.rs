//! The scheduled poll of every enabled connection, written once for the one-machine poller and
//! the poller function.

use serde::Serialize;
use std::time::{Duration, Instant};

use crate::config::ConnectionId;
use crate::engine::read::ReadReport;
use crate::engine::{Engine, EngineError};
use crate::ports::StoreError;

/// How long the polls of [`poll_enabled`] may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollBudget {
    /// Each connection gets this long, so one slow connection cannot starve the others; the
    /// next poll continues from the committed cursors (the one-machine poller).
    Each(Duration),
    /// Every poll stops by this instant (a Lambda invocation's deadline).
    Until(Instant),
}

impl PollBudget {
    fn deadline(self) -> Instant {
        match self {
            PollBudget::Each(budget) => Instant::now() + budget,
            PollBudget::Until(at) => at,
        }
    }
}

/// How one connection's read ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PollResult {
    /// It ran (to the end, or until its deadline).
    Read {
        /// Whether every stream was read to the end.
        finished: bool,
        /// Rows imported.
        imported: u64,
    },
    /// It failed; the next run retries from the cursors.
    Failed {
        /// Why.
        error: String,
    },
}

/// One connection's read in a scheduled or requested poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionPoll {
    /// Connection.
    pub connection: ConnectionId,
    /// How it ended.
    #[serde(flatten)]
    pub result: PollResult,
}

impl ConnectionPoll {
    /// Records (and logs) how `connection`'s read ended.
    pub fn new(connection: ConnectionId, report: Result<ReadReport, EngineError>) -> Self {
        let result = match report {
            Ok(report) => {
                tracing::info!(
                    %connection,
                    imported = report.imported(),
                    finished = report.finished(),
                    "poll done"
                );
                PollResult::Read {
                    finished: report.finished(),
                    imported: report.imported(),
                }
            }
            Err(e) => {
                tracing::error!(%connection, error = %e, "poll failed; the next run retries from the cursor");
                PollResult::Failed {
                    error: e.to_string(),
                }
            }
        };
        ConnectionPoll { connection, result }
    }
}

/// Every enabled connection, in id order: what a scheduled read covers.
pub async fn enabled_connections(engine: &Engine) -> Result<Vec<ConnectionId>, StoreError> {
    Ok(engine
        .store()
        .list_configs()
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| c.id)
        .collect())
}

/// Polls every enabled connection once, in id order. Fails only when the connections cannot
/// be listed; a connection's failure is its own [`PollResult::Failed`].
pub async fn poll_enabled(
    engine: &Engine,
    budget: PollBudget,
) -> Result<Vec<ConnectionPoll>, StoreError> {
    let mut results = Vec::new();
    for id in enabled_connections(engine).await? {
        let report = engine.poll(&id, Some(budget.deadline())).await;
        results.push(ConnectionPoll::new(id, report));
    }
    Ok(results)
}
