//! [`SqliteQueue`]: the retry queue of the one-machine runner, in the store's database file.
//!
//! It behaves like the SQS queue it stands in for: a message is due after its delay; receiving
//! it hides it for a visibility timeout, so a runner that crashes mid-message sees it again
//! later instead of losing it; only a delete with the current receipt removes it; and messages
//! that keep failing go to a dead-letter table an operator can inspect and redrive (through
//! [`crate::ports::QueueInspection`], in [`inspection`]).

mod inspection;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::codec::{deadline, deadline_after, get_instant, get_json, get_unsigned, instant, json};
use super::db::{Db, DbError};
use crate::model::RetryMessage;
use crate::ports::{Clock, QueueError, RetryQueue};

/// How long a received message stays hidden unless deleted first. Generous: one message may
/// wait on Intacct's per-company concurrency bound and then on a slow Intacct call.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Proof of one receive of one message, needed to delete or dead-letter it.
///
/// A receipt goes stale when its message becomes visible again and is received anew (like an
/// SQS receipt handle): a slow worker that finishes after its timeout cannot delete the message
/// a second worker now holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueReceipt {
    id: i64,
    receive_count: u32,
}

impl QueueReceipt {
    /// How many times the message has been received, this time included (1 on the first): the
    /// runner dead-letters a message whose handler keeps crashing before it can re-queue it.
    pub fn receive_count(&self) -> u32 {
        self.receive_count
    }
}

/// How many messages the queue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Every message, whatever its state.
    pub total: u64,
    /// Messages a receive at `now` would return.
    pub due: u64,
    /// Messages received and hidden by their visibility timeout.
    pub in_flight: u64,
}

/// A row of the dead-letter table: a message that failed for good, or kept failing. Operators
/// see it as a [`crate::ports::DeadLetter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeadLetter {
    /// Position in the dead-letter table (oldest first).
    pub id: i64,
    /// The message as it was last received.
    pub message: RetryMessage,
    /// Why it was dead-lettered.
    pub reason: String,
    /// How many times it had been received.
    pub receive_count: u32,
    /// When it was dead-lettered.
    pub dead_at: DateTime<Utc>,
}

/// The durable retry queue. Cheap to clone.
#[derive(Clone)]
pub struct SqliteQueue {
    db: Db,
    clock: Arc<dyn Clock>,
    visibility_timeout: Duration,
}

impl fmt::Debug for SqliteQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteQueue")
            .field("db", &self.db)
            .field("visibility_timeout", &self.visibility_timeout)
            .finish_non_exhaustive()
    }
}

impl SqliteQueue {
    pub(crate) fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            clock,
            visibility_timeout: DEFAULT_VISIBILITY_TIMEOUT,
        }
    }

    /// Opens the queue in the database file at `path` on a connection of its own (another
    /// process, such as the operator CLI, may hold the store). `clock` dates what
    /// [`RetryQueue::enqueue`] queues.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Self, QueueError> {
        Ok(Self::new(Db::open(path.as_ref())?, clock))
    }

    /// Hides received messages for `timeout` instead of [`DEFAULT_VISIBILITY_TIMEOUT`]. Set it
    /// above the longest time one message may take, or a slow message is handled twice (the
    /// write intents make that safe, but wasteful).
    pub fn with_visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// Queues `message` to become due `delay` after `now`, or at its `not_before` if later.
    pub async fn enqueue_at(
        &self,
        message: &RetryMessage,
        delay: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), QueueError> {
        let document = json(message)?;
        let attempt = message.attempt;
        let reason = message.reason.clone();
        let enqueued_at = instant(now)?;
        // No hop limit here (unlike SQS), so a `not_before` beyond the delay is waited for
        // directly rather than by an early delivery and a re-queue.
        let due_at = deadline_after(now, delay).max(message.not_before.map_or(i64::MIN, deadline));
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO retry_queue (message, attempt, reason, enqueued_at, visible_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![document, attempt, reason, enqueued_at, due_at],
                )?;
                Ok(())
            })
            .await?)
    }

    /// Up to `limit` messages due at `now`, oldest due first, each hidden until `now` plus the
    /// visibility timeout. Delete each once handled; one not deleted comes back after the
    /// timeout.
    pub async fn receive_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(QueueReceipt, RetryMessage)>, QueueError> {
        let hidden_until = deadline_after(now, self.visibility_timeout);
        let now = deadline(now);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self
            .db
            .write(move |tx| {
                let due: Vec<(i64, u32, RetryMessage)> = tx
                    .prepare(
                        "SELECT id, receive_count, message FROM retry_queue
                         WHERE visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2",
                    )?
                    .query_map([now, limit], |row| {
                        Ok((row.get(0)?, get_unsigned(row, 1)?, get_json(row, 2)?))
                    })?
                    .collect::<Result<_, _>>()?;
                let mut hide = tx.prepare(
                    "UPDATE retry_queue SET visible_at = ?2, receive_count = ?3 WHERE id = ?1",
                )?;
                let mut received = Vec::with_capacity(due.len());
                for (id, count, message) in due {
                    let receive_count = count.saturating_add(1);
                    hide.execute(params![id, hidden_until, receive_count])?;
                    received.push((QueueReceipt { id, receive_count }, message));
                }
                Ok(received)
            })
            .await?)
    }

    /// Removes a handled message. `false` when the receipt is stale (the message timed out and
    /// was received again, or is already gone): the current holder owns it now.
    pub async fn delete(&self, receipt: &QueueReceipt) -> Result<bool, QueueError> {
        let QueueReceipt { id, receive_count } = *receipt;
        Ok(self
            .db
            .write(move |tx| {
                let deleted = tx.execute(
                    "DELETE FROM retry_queue WHERE id = ?1 AND receive_count = ?2",
                    params![id, receive_count],
                )?;
                Ok(deleted == 1)
            })
            .await?)
    }

    /// Moves a received message to the dead-letter table with the operator-facing `reason`.
    /// `false` when the receipt is stale, as for [`Self::delete`].
    pub async fn move_to_dead_letter(
        &self,
        receipt: &QueueReceipt,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, QueueError> {
        let QueueReceipt { id, receive_count } = *receipt;
        let reason = reason.to_owned();
        let dead_at = instant(now)?;
        Ok(self
            .db
            .write(move |tx| dead_letter(tx, id, receive_count, &reason, dead_at))
            .await?)
    }

    /// Every dead letter, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<StoredDeadLetter>, QueueError> {
        Ok(self
            .db
            .read(|tx| {
                let letters = tx
                    .prepare(
                        "SELECT id, message, reason, receive_count, dead_at
                         FROM retry_dead_letters ORDER BY id",
                    )?
                    .query_map([], |row| {
                        Ok(StoredDeadLetter {
                            id: row.get(0)?,
                            message: get_json(row, 1)?,
                            reason: row.get(2)?,
                            receive_count: get_unsigned(row, 3)?,
                            dead_at: get_instant(row, 4)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                Ok(letters)
            })
            .await?)
    }

    /// Puts up to `limit` of the oldest dead letters back on the queue, due at `now` with a
    /// fresh receive count (after the operator fixed the cause). Returns how many moved.
    pub async fn redrive_dead_letters(
        &self,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<usize, QueueError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let enqueued_at = instant(now)?;
        Ok(self
            .db
            .write(move |tx| {
                let moved = tx.execute(
                    "INSERT INTO retry_queue (message, attempt, reason, enqueued_at, visible_at)
                     SELECT message, json_extract(message, '$.attempt'),
                            json_extract(message, '$.reason'), ?1, ?1
                     FROM retry_dead_letters ORDER BY id LIMIT ?2",
                    [enqueued_at, limit],
                )?;
                tx.execute(
                    "DELETE FROM retry_dead_letters WHERE id IN
                         (SELECT id FROM retry_dead_letters ORDER BY id LIMIT ?1)",
                    [limit],
                )?;
                Ok(moved)
            })
            .await?)
    }

    /// How many messages are queued, due at `now`, and in flight.
    pub async fn depth(&self, now: DateTime<Utc>) -> Result<QueueDepth, QueueError> {
        let now = deadline(now);
        Ok(self
            .db
            .read(move |tx| {
                Ok(tx.query_row(
                    "SELECT COUNT(*),
                            COUNT(*) FILTER (WHERE visible_at <= ?1),
                            COUNT(*) FILTER (WHERE visible_at > ?1 AND receive_count > 0)
                     FROM retry_queue",
                    [now],
                    |row| {
                        Ok(QueueDepth {
                            total: get_unsigned(row, 0)?,
                            due: get_unsigned(row, 1)?,
                            in_flight: get_unsigned(row, 2)?,
                        })
                    },
                )?)
            })
            .await?)
    }
}

fn dead_letter(
    tx: &Transaction<'_>,
    id: i64,
    receive_count: u32,
    reason: &str,
    dead_at: i64,
) -> Result<bool, DbError> {
    let message: Option<String> = tx
        .query_row(
            "SELECT message FROM retry_queue WHERE id = ?1 AND receive_count = ?2",
            params![id, receive_count],
            |row| row.get(0),
        )
        .optional()?;
    let Some(message) = message else {
        return Ok(false);
    };
    tx.execute(
        "INSERT INTO retry_dead_letters (message, reason, receive_count, dead_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![message, reason, receive_count, dead_at],
    )?;
    tx.execute("DELETE FROM retry_queue WHERE id = ?1", [id])?;
    Ok(true)
}

#[async_trait]
impl RetryQueue for SqliteQueue {
    async fn enqueue(&self, message: &RetryMessage, delay: Duration) -> Result<(), QueueError> {
        self.enqueue_at(message, delay, self.clock.now()).await
    }
}
