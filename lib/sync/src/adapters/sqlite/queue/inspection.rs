//! [`QueueInspection`] over the SQLite queue: exact counts per connection (each message's
//! connection is read from its JSON), and the dead-letter table listed and redriven in order.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SqliteQueue, StoredDeadLetter};
use crate::adapters::sqlite::codec::{deadline, get_instant, get_json, get_unsigned};
use crate::config::ConnectionId;
use crate::ports::{
    DeadLetter, DeadLetterList, LetterBody, QueueCounts, QueueError, QueueInspection, QueueScope,
    Redriven,
};

impl From<StoredDeadLetter> for DeadLetter {
    fn from(stored: StoredDeadLetter) -> Self {
        DeadLetter {
            id: stored.id.to_string(),
            body: LetterBody::Retry(stored.message),
            dead_letter_reason: Some(stored.reason),
            receive_count: Some(stored.receive_count),
            dead_at: Some(stored.dead_at),
        }
    }
}

impl SqliteQueue {
    /// The oldest `limit` dead letters, and how many there are in all.
    pub async fn dead_letter_page(
        &self,
        limit: usize,
    ) -> Result<(Vec<StoredDeadLetter>, u64), QueueError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self
            .db
            .read(move |tx| {
                let total = tx.query_row("SELECT COUNT(*) FROM retry_dead_letters", [], |row| {
                    get_unsigned(row, 0)
                })?;
                let letters = tx
                    .prepare(
                        "SELECT id, message, reason, receive_count, dead_at
                         FROM retry_dead_letters ORDER BY id LIMIT ?1",
                    )?
                    .query_map([limit], |row| {
                        Ok(StoredDeadLetter {
                            id: row.get(0)?,
                            message: get_json(row, 1)?,
                            reason: row.get(2)?,
                            receive_count: get_unsigned(row, 3)?,
                            dead_at: get_instant(row, 4)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                Ok((letters, total))
            })
            .await?)
    }
}

#[async_trait]
impl QueueInspection for SqliteQueue {
    async fn counts(
        &self,
        connection: &ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<QueueCounts, QueueError> {
        let connection = connection.to_string();
        let now = deadline(now);
        Ok(self
            .db
            .read(move |tx| {
                let (queued, due) = tx.query_row(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE visible_at <= ?2)
                     FROM retry_queue WHERE json_extract(message, '$.work.connection') = ?1",
                    rusqlite::params![connection, now],
                    |row| Ok((get_unsigned(row, 0)?, get_unsigned(row, 1)?)),
                )?;
                let dead_letters = tx.query_row(
                    "SELECT COUNT(*) FROM retry_dead_letters
                     WHERE json_extract(message, '$.work.connection') = ?1",
                    [&connection],
                    |row| get_unsigned(row, 0),
                )?;
                Ok(QueueCounts {
                    queued,
                    due,
                    scope: QueueScope::Connection,
                    dead_letters,
                    approximate: false,
                })
            })
            .await?)
    }

    async fn list_dead_letters(&self, limit: usize) -> Result<DeadLetterList, QueueError> {
        let (letters, total) = self.dead_letter_page(limit).await?;
        Ok(DeadLetterList {
            total,
            maybe_more: total > letters.len() as u64,
            still_hidden: Vec::new(),
            letters: letters.into_iter().map(DeadLetter::from).collect(),
        })
    }

    async fn redrive(&self, limit: usize, now: DateTime<Utc>) -> Result<Redriven, QueueError> {
        let moved = self.redrive_dead_letters(limit, now).await?;
        let (_, left) = self.dead_letter_page(0).await?;
        Ok(Redriven {
            moved,
            drained: left == 0,
        })
    }
}
