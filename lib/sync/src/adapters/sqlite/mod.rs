//! The embedded, durable adapter of the store ports and the retry queue: one SQLite file holds
//! everything the one-machine runner keeps, and survives restarts.
//!
//! Same semantics as [`crate::adapters::memory`], checked by the same executable contract
//! ([`crate::testing::store_contract`]). Each trait method is one SQLite transaction; races are
//! settled by the database (UNIQUE constraints, `UPDATE … WHERE version = ?` with a row count),
//! so two processes on one file (the runner and the operator CLI) stay correct.
//!
//! The async methods run on Tokio's blocking pool, so they need a Tokio runtime.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use sync_engine::adapters::sqlite::SqliteStore;
//! use sync_engine::ports::SystemClock;
//!
//! let store = SqliteStore::open("/var/lib/invoiced-intacct/sync.db")?;
//! let queue = store.queue(Arc::new(SystemClock));
//! # Ok(()) }
//! ```

mod codec;
mod configs;
mod cursors;
mod db;
mod events;
mod intents;
mod leases;
mod mappings;
mod parking;
mod queue;
mod reconciliation;
mod schema;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;

use crate::ports::{Clock, StoreResult};
use db::Db;

pub use queue::{QueueDepth, QueueReceipt, SqliteQueue, StoredDeadLetter};

/// Every store port over one SQLite database.
///
/// Cheap to clone: clones share one connection (and so one file lock and one transaction at a
/// time).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it and its schema if needed and migrating an
    /// older schema in place. Fails on a file written by a newer release.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Ok(Self {
            db: Db::open(path.as_ref())?,
        })
    }

    /// A private in-memory database, gone when the last clone is dropped (tests, dry runs).
    pub fn open_in_memory() -> StoreResult<Self> {
        Ok(Self {
            db: Db::open_in_memory()?,
        })
    }

    /// The retry queue in the same database, sharing this store's connection. `clock` dates the
    /// messages [`crate::ports::RetryQueue::enqueue`] queues, since that port takes no `now`.
    pub fn queue(&self, clock: Arc<dyn Clock>) -> SqliteQueue {
        SqliteQueue::new(self.db.clone(), clock)
    }

    /// Deletes webhook event ids and leases that expired before `now`; returns how many rows
    /// went. Expired rows are already ignored by every read, so this only bounds the file's
    /// growth: call it now and then (hourly is plenty). `event_seen` also purges a few each
    /// call, so a runner that never calls this still stays small.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let now = codec::deadline(now);
        Ok(self
            .db
            .write(move |tx| {
                let events = tx.execute("DELETE FROM events WHERE expires_at <= ?1", [now])?;
                let leases = tx.execute("DELETE FROM leases WHERE expires_at <= ?1", [now])?;
                Ok((events + leases) as u64)
            })
            .await?)
    }
}
