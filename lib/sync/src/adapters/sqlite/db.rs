//! The database handle: one connection, its pragmas, and the bridge from async trait methods to
//! blocking SQLite calls.
//!
//! One connection behind a mutex, driven from Tokio's blocking pool: SQLite serialises writers
//! anyway, the one-machine runner's load is a few writes a second, and a single connection makes
//! every method trivially one transaction. `spawn_blocking` keeps an fsync from stalling the async
//! workers that serve webhooks meanwhile. A second process (the operator CLI) may open the same
//! file: WAL lets it read while we write, and `busy_timeout` makes writers queue instead of fail.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::schema;
use crate::ports::{QueueError, StoreError};

/// How long a write waits for another connection's lock before giving up with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong inside the adapter, before it is reported through a port's error type.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// SQLite itself failed (I/O, lock timeout, constraint, corrupt row).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A JSON column could not be written or read back.
    #[error("json column: {0}")]
    Json(#[from] serde_json::Error),
    /// A conditional write lost or a uniqueness rule would break.
    #[error("{0}")]
    Conflict(String),
    /// The named row does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A value the schema cannot hold (a timestamp outside 1677–2262, a counter beyond i64).
    #[error("unrepresentable value: {0}")]
    Unrepresentable(String),
    /// The file was written by a newer release, or the schema could not be applied.
    #[error("schema: {0}")]
    Schema(String),
    /// The blocking task running the statement panicked or was cancelled.
    #[error("blocking task failed: {0}")]
    Task(String),
}

impl From<DbError> for StoreError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Conflict(message) => StoreError::Conflict(message),
            DbError::NotFound(message) => StoreError::NotFound(message),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<DbError> for QueueError {
    fn from(error: DbError) -> Self {
        QueueError(error.to_string())
    }
}

/// A shared handle on one database file (or in-memory database): the store and the queue of a
/// runner hold clones of the same handle.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, DbError> {
        Self::prepare(Connection::open(path)?)
    }

    /// A private database that lives as long as this handle (tests, dry runs).
    pub(crate) fn open_in_memory() -> Result<Self, DbError> {
        Self::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut conn: Connection) -> Result<Self, DbError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers (the CLI's status command) never block the runner's writes. An in-memory
        // database answers "memory", which is fine.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        // FULL: a write intent must be on disk before the Intacct request it guards is sent,
        // even across a power cut; NORMAL would only survive a process crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` in one write transaction, committed only if it returns `Ok`.
    ///
    /// `IMMEDIATE` takes the write lock up front, so two connections racing on one row queue on
    /// `busy_timeout` instead of one failing with an unretryable lock upgrade.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    {
        self.run(TransactionBehavior::Immediate, work).await
    }

    /// Runs `work` in one read transaction: a consistent snapshot across its statements.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    {
        self.run(TransactionBehavior::Deferred, work).await
    }

    async fn run<T, F>(&self, behavior: TransactionBehavior, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while the lock was held dropped its transaction, which rolled back: the
            // connection is clean, so a poisoned lock is safe to take over.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = conn.transaction_with_behavior(behavior)?;
            let value = work(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

/// Brings the database to [`schema::CURRENT_VERSION`] in one transaction (all or nothing).
fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let found = usize::try_from(found)
        .map_err(|_| DbError::Schema(format!("negative schema version {found}")))?;
    let current = schema::CURRENT_VERSION;
    if found > current {
        return Err(DbError::Schema(format!(
            "the database is at schema version {found}, newer than this release's \
             {current}; upgrade the runner instead of downgrading the file"
        )));
    }
    for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(found) {
        tx.execute_batch(sql)?;
        let version = i64::try_from(index + 1)
            .map_err(|_| DbError::Schema(format!("schema version {index} + 1")))?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}
