//! Operator actions of the one-machine runner: the engine's shared [`sync_engine::operator`]
//! actions, plus what depends on the SQLite queue (status counts, dead letters, redrive).

use chrono::{DateTime, Utc};

use sync_engine::adapters::sqlite::{DeadLetter, SqliteQueue};
use sync_engine::config::ConnectionId;
use sync_engine::ports::Store;

pub use sync_engine::operator::*;

fn backend(e: impl std::fmt::Display) -> OpsError {
    OpsError::Backend(e.to_string())
}

/// Status of a connection, with the SQLite queue's counts.
pub async fn status(
    store: &dyn Store,
    queue: &SqliteQueue,
    id: &ConnectionId,
    now: DateTime<Utc>,
) -> Result<ConnectionStatus, OpsError> {
    let depth = queue.depth(now).await.map_err(backend)?;
    let dead_letters = queue
        .dead_letters()
        .await
        .map_err(backend)?
        .iter()
        .filter(|d| &d.message.work.connection == id)
        .count() as u64;
    sync_engine::operator::status(
        store,
        id,
        QueueSnapshot {
            total: depth.total,
            due: depth.due,
            dead_letters,
        },
    )
    .await
}

/// Dead letters, oldest first.
pub async fn dead_letters(queue: &SqliteQueue) -> Result<Vec<DeadLetter>, OpsError> {
    queue.dead_letters().await.map_err(backend)
}

/// Puts up to `limit` dead letters back on the queue, due now.
pub async fn redrive(
    queue: &SqliteQueue,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<usize, OpsError> {
    queue
        .redrive_dead_letters(limit, now)
        .await
        .map_err(backend)
}
