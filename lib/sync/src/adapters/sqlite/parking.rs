//! [`ParkingStore`]: parked work as rows, one per (dependency, work) by a UNIQUE constraint,
//! handed out in parking order.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::SqliteStore;
use super::codec::{get_name, get_unsigned, instant, name};
use crate::config::ConnectionId;
use crate::model::{Dependency, WorkItem};
use crate::ports::{ParkingStore, StoreResult};

#[async_trait]
impl ParkingStore for SqliteStore {
    /// The first parking's reason and time are kept: they say why the work first waited.
    async fn park(
        &self,
        dependency: &Dependency,
        work: &WorkItem,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let values = (
            work.connection.to_string(),
            name(&dependency.record_type)?,
            dependency.invoiced_id.clone(),
            name(&work.record_type)?,
            work.invoiced_id.clone(),
            work.operation.as_str(),
            reason.to_owned(),
            instant(now)?,
        );
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO parked (connection, dep_record_type, dep_invoiced_id,
                         record_type, invoiced_id, operation, reason, parked_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (connection, dep_record_type, dep_invoiced_id,
                         record_type, invoiced_id, operation) DO NOTHING",
                    values,
                )?;
                Ok(())
            })
            .await?)
    }

    async fn take_parked(
        &self,
        connection: &ConnectionId,
        dependency: &Dependency,
    ) -> StoreResult<Vec<WorkItem>> {
        let connection = connection.to_string();
        let dep_record_type = name(&dependency.record_type)?;
        let dep_invoiced_id = dependency.invoiced_id.clone();
        Ok(self
            .db
            .write(move |tx| {
                let key = params![connection, dep_record_type, dep_invoiced_id];
                let mut statement = tx.prepare(
                    "SELECT connection, record_type, invoiced_id, operation FROM parked
                     WHERE connection = ?1 AND dep_record_type = ?2 AND dep_invoiced_id = ?3
                     ORDER BY seq",
                )?;
                let work: Vec<WorkItem> = statement
                    .query_map(key, |row| {
                        Ok(WorkItem {
                            connection: get_name(row, 0)?,
                            record_type: get_name(row, 1)?,
                            invoiced_id: row.get(2)?,
                            operation: get_name(row, 3)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                tx.execute(
                    "DELETE FROM parked
                     WHERE connection = ?1 AND dep_record_type = ?2 AND dep_invoiced_id = ?3",
                    key,
                )?;
                Ok(work)
            })
            .await?)
    }

    async fn count_parked(&self, connection: &ConnectionId) -> StoreResult<u64> {
        let connection = connection.to_string();
        Ok(self
            .db
            .read(move |tx| {
                Ok(tx.query_row(
                    "SELECT COUNT(*) FROM parked WHERE connection = ?1",
                    [connection],
                    |row| get_unsigned(row, 0),
                )?)
            })
            .await?)
    }
}
