//! [`EventLog`]: handled webhook event ids with an expiry, purged a few at a time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::codec::deadline;
use crate::config::ConnectionId;
use crate::ports::{EventLog, StoreResult};

/// Expired event ids deleted by each `event_seen`. Every webhook delivery checks once, so this
/// keeps pace with arrivals while bounding the work of any one call (the expiry index makes it
/// cheap).
const PURGE_PER_CHECK: i64 = 32;

#[async_trait]
impl EventLog for SqliteStore {
    async fn event_seen(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let connection = connection.to_string();
        let event_id = event_id.to_owned();
        let now = deadline(now);
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM events WHERE rowid IN
                         (SELECT rowid FROM events WHERE expires_at <= ?1 LIMIT ?2)",
                    [now, PURGE_PER_CHECK],
                )?;
                let seen = tx
                    .query_row(
                        "SELECT 1 FROM events
                         WHERE connection = ?1 AND event_id = ?2 AND expires_at > ?3",
                        params![connection, event_id, now],
                        |_| Ok(()),
                    )
                    .optional()?;
                Ok(seen.is_some())
            })
            .await?)
    }

    async fn remember_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let connection = connection.to_string();
        let event_id = event_id.to_owned();
        let expires_at = deadline(expires_at);
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO events (connection, event_id, expires_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (connection, event_id) DO UPDATE SET expires_at = excluded.expires_at",
                    params![connection, event_id, expires_at],
                )?;
                Ok(())
            })
            .await?)
    }
}
