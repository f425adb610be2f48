//! [`CursorStore`]: a write names the version it replaces (`state.version - 1`), checked by
//! the row count of a conditional insert or update.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::codec::{get_instant_opt, get_json_opt, get_unsigned, instant, int, json};
use super::db::DbError;
use crate::config::ConnectionId;
use crate::model::CursorState;
use crate::ports::{CursorStore, StoreResult};

#[async_trait]
impl CursorStore for SqliteStore {
    async fn get_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
    ) -> StoreResult<CursorState> {
        let connection = connection.to_string();
        let stream = stream.to_owned();
        Ok(self
            .db
            .read(move |tx| {
                let state = tx
                    .query_row(
                        "SELECT committed, last_sync_at, version FROM cursors
                         WHERE connection = ?1 AND stream = ?2",
                        [connection, stream],
                        |row| {
                            Ok(CursorState {
                                committed: get_json_opt(row, 0)?,
                                last_sync_at: get_instant_opt(row, 1)?,
                                version: get_unsigned(row, 2)?,
                            })
                        },
                    )
                    .optional()?;
                Ok(state.unwrap_or_default())
            })
            .await?)
    }

    async fn put_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
        state: &CursorState,
    ) -> StoreResult<()> {
        let connection = connection.to_string();
        let stream = stream.to_owned();
        let committed = state.committed.as_ref().map(json).transpose()?;
        let last_sync_at = state.last_sync_at.map(instant).transpose()?;
        let version = state.version;
        let stored_version = int(version)?;
        Ok(self
            .db
            .write(move |tx| {
                let values = params![connection, stream, committed, last_sync_at, stored_version];
                let changed = match version {
                    // Version 0 is the absent cursor, which no write can produce.
                    0 => 0,
                    1 => tx.execute(
                        "INSERT INTO cursors (connection, stream, committed, last_sync_at, version)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT DO NOTHING",
                        values,
                    )?,
                    _ => tx.execute(
                        "UPDATE cursors SET committed = ?3, last_sync_at = ?4, version = ?5
                         WHERE connection = ?1 AND stream = ?2 AND version = ?5 - 1",
                        values,
                    )?,
                };
                if changed == 1 {
                    return Ok(());
                }
                let current: u64 = tx
                    .query_row(
                        "SELECT version FROM cursors WHERE connection = ?1 AND stream = ?2",
                        [&connection, &stream],
                        |row| get_unsigned(row, 0),
                    )
                    .optional()?
                    .unwrap_or(0);
                Err(DbError::Conflict(format!(
                    "cursor {stream} is at version {current}; the write expected {}",
                    version.saturating_sub(1)
                )))
            })
            .await?)
    }
}
