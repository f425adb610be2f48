//! [`EventLog`]: handled webhook event ids with an expiry, purged a few at a time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::codec::deadline;
use crate::config::ConnectionId;
use crate::ports::{EventClaim, EventLog, StoreResult};

/// Expired event ids deleted by each `claim_event`. Every webhook delivery claims once, so this
/// keeps pace with arrivals while bounding the work of any one call (the expiry index makes it
/// cheap).
const PURGE_PER_CHECK: i64 = 32;

#[async_trait]
impl EventLog for SqliteStore {
    async fn claim_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
        claim_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<EventClaim> {
        let connection = connection.to_string();
        let event_id = event_id.to_owned();
        let holder = holder.to_owned();
        let now = deadline(now);
        let claim_until = deadline(claim_until);
        // One write transaction: SQLite serialises writers, so check and insert are atomic.
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM events WHERE rowid IN
                         (SELECT rowid FROM events WHERE expires_at <= ?1 LIMIT ?2)",
                    [now, PURGE_PER_CHECK],
                )?;
                let current: Option<Option<String>> = tx
                    .query_row(
                        "SELECT holder FROM events
                         WHERE connection = ?1 AND event_id = ?2 AND expires_at > ?3",
                        params![connection, event_id, now],
                        |row| row.get(0),
                    )
                    .optional()?;
                match current {
                    Some(Some(_)) => Ok(EventClaim::InProgress),
                    Some(None) => Ok(EventClaim::Handled),
                    None => {
                        tx.execute(
                            "INSERT INTO events (connection, event_id, expires_at, holder)
                             VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (connection, event_id) DO UPDATE
                                 SET expires_at = excluded.expires_at, holder = excluded.holder",
                            params![connection, event_id, claim_until, holder],
                        )?;
                        Ok(EventClaim::Claimed)
                    }
                }
            })
            .await?)
    }

    async fn finish_event(
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
                    "INSERT INTO events (connection, event_id, expires_at, holder)
                     VALUES (?1, ?2, ?3, NULL)
                     ON CONFLICT (connection, event_id) DO UPDATE
                         SET expires_at = excluded.expires_at, holder = NULL",
                    params![connection, event_id, expires_at],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn release_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
    ) -> StoreResult<()> {
        let connection = connection.to_string();
        let event_id = event_id.to_owned();
        let holder = holder.to_owned();
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM events WHERE connection = ?1 AND event_id = ?2 AND holder = ?3",
                    params![connection, event_id, holder],
                )?;
                Ok(())
            })
            .await?)
    }
}
