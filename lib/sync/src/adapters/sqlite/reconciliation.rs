//! [`ReconciliationStore`]: one row per failing record.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use super::codec::{get_instant, get_name, get_unsigned, instant, name};
use super::db::DbError;
use crate::config::ConnectionId;
use crate::model::{ErrorFilter, ErrorStatus, NewReconciliationError, ReconciliationError};
use crate::ports::{ReconciliationStore, StoreResult};

const COLUMNS: &str = "id, connection, direction, record_type, record_id, operation, code, \
                       message, fix, attempts, first_seen, last_seen, status";

fn error_from_row(row: &Row<'_>) -> rusqlite::Result<ReconciliationError> {
    Ok(ReconciliationError {
        id: row.get(0)?,
        connection: get_name(row, 1)?,
        direction: get_name(row, 2)?,
        record_type: get_name(row, 3)?,
        record_id: row.get(4)?,
        operation: get_name(row, 5)?,
        code: row.get(6)?,
        message: row.get(7)?,
        fix: row.get(8)?,
        attempts: get_unsigned(row, 9)?,
        first_seen: get_instant(row, 10)?,
        last_seen: get_instant(row, 11)?,
        status: get_name(row, 12)?,
    })
}

#[async_trait]
impl ReconciliationStore for SqliteStore {
    /// Read, merged by [`ReconciliationError::recorded`] (the rule every store shares) and
    /// written back in one write transaction, which SQLite serialises.
    async fn record_error(
        &self,
        error: NewReconciliationError,
        now: DateTime<Utc>,
    ) -> StoreResult<ReconciliationError> {
        let id = ReconciliationError::id_for(error.direction, error.record_type, &error.record_id);
        Ok(self
            .db
            .write(move |tx| {
                let existing = tx
                    .query_row(
                        &format!(
                            "SELECT {COLUMNS} FROM reconciliation_errors
                             WHERE connection = ?1 AND id = ?2"
                        ),
                        [error.connection.as_str(), id.as_str()],
                        error_from_row,
                    )
                    .optional()?;
                let next = ReconciliationError::recorded(existing, &error, now);
                tx.execute(
                    &format!(
                        "INSERT OR REPLACE INTO reconciliation_errors ({COLUMNS})
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                    ),
                    params![
                        next.id,
                        next.connection.as_str(),
                        next.direction.as_str(),
                        name(&next.record_type)?,
                        next.record_id,
                        next.operation.as_str(),
                        next.code,
                        next.message,
                        next.fix,
                        next.attempts,
                        instant(next.first_seen)?,
                        instant(next.last_seen)?,
                        next.status.as_str(),
                    ],
                )?;
                Ok(next)
            })
            .await?)
    }

    async fn get_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> StoreResult<Option<ReconciliationError>> {
        let connection = connection.to_string();
        let id = id.to_owned();
        Ok(self
            .db
            .read(move |tx| {
                Ok(tx
                    .query_row(
                        &format!(
                            "SELECT {COLUMNS} FROM reconciliation_errors
                             WHERE connection = ?1 AND id = ?2"
                        ),
                        [connection, id],
                        error_from_row,
                    )
                    .optional()?)
            })
            .await?)
    }

    async fn list_errors(
        &self,
        connection: &ConnectionId,
        filter: &ErrorFilter,
    ) -> StoreResult<Vec<ReconciliationError>> {
        let connection = connection.to_string();
        let status = filter.status.map(ErrorStatus::as_str);
        let record_type = filter.record_type.as_ref().map(name).transpose()?;
        let code = filter.code.clone();
        Ok(self
            .db
            .read(move |tx| {
                let mut statement = tx.prepare(&format!(
                    "SELECT {COLUMNS} FROM reconciliation_errors
                     WHERE connection = ?1
                       AND (?2 IS NULL OR status = ?2)
                       AND (?3 IS NULL OR record_type = ?3)
                       AND (?4 IS NULL OR code = ?4)
                     ORDER BY last_seen DESC, id"
                ))?;
                let errors = statement
                    .query_map(
                        params![connection, status, record_type, code],
                        error_from_row,
                    )?
                    .collect::<Result<_, _>>()?;
                Ok(errors)
            })
            .await?)
    }

    async fn set_error_status(
        &self,
        connection: &ConnectionId,
        id: &str,
        status: ErrorStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let connection = connection.to_string();
        let id = id.to_owned();
        let now = instant(now)?;
        Ok(self
            .db
            .write(move |tx| {
                let changed = tx.execute(
                    "UPDATE reconciliation_errors SET status = ?3, last_seen = MAX(last_seen, ?4)
                     WHERE connection = ?1 AND id = ?2",
                    params![connection, id, status.as_str(), now],
                )?;
                if changed == 0 {
                    return Err(DbError::NotFound(format!("reconciliation error {id}")));
                }
                Ok(())
            })
            .await?)
    }
}
