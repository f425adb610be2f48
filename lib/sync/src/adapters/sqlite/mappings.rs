//! [`MappingStore`]: one row per pair, unique both ways by the table's own constraints.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, Transaction, ffi, params};

use super::SqliteStore;
use super::codec::{get_instant, get_name, get_unsigned, instant, name};
use super::db::DbError;
use crate::config::{ConnectionId, RecordType};
use crate::model::Mapping;
use crate::ports::{MappingStore, StoreResult};

const COLUMNS: &str = "connection, record_type, invoiced_id, intacct_key, intacct_number, origin, updated_at, \
     source_version";

fn mapping_from_row(row: &Row<'_>) -> rusqlite::Result<Mapping> {
    Ok(Mapping {
        connection: get_name(row, 0)?,
        record_type: get_name(row, 1)?,
        invoiced_id: row.get(2)?,
        intacct_key: row.get(3)?,
        intacct_number: row.get(4)?,
        origin: get_name(row, 5)?,
        updated_at: get_instant(row, 6)?,
        source_version: row.get(7)?,
    })
}

fn find(
    tx: &Transaction<'_>,
    side: &str,
    connection: &str,
    record_type: &str,
    id: &str,
) -> Result<Option<Mapping>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mappings WHERE connection = ?1 AND record_type = ?2 AND {side} = ?3"
    );
    Ok(tx
        .query_row(&sql, [connection, record_type, id], mapping_from_row)
        .optional()?)
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _) if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// Claims both sides in one statement. The upsert only touches an existing row for the same
/// Invoiced id when it names the same Intacct key (so a different partner changes no row), and
/// the UNIQUE on the Intacct side rejects a key already paired with another Invoiced id.
fn put(tx: &Transaction<'_>, mapping: &Mapping) -> Result<(), DbError> {
    let connection = mapping.connection.to_string();
    let record_type = name(&mapping.record_type)?;
    let written = tx.execute(
        &format!(
            "INSERT INTO mappings ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (connection, record_type, invoiced_id) DO UPDATE SET
                 intacct_number = excluded.intacct_number,
                 origin = excluded.origin,
                 updated_at = excluded.updated_at,
                 source_version = excluded.source_version
             WHERE mappings.intacct_key = excluded.intacct_key"
        ),
        params![
            connection,
            record_type,
            mapping.invoiced_id,
            mapping.intacct_key,
            mapping.intacct_number,
            mapping.origin.as_str(),
            instant(mapping.updated_at)?,
            mapping.source_version,
        ],
    );
    match written {
        Ok(1) => Ok(()),
        Ok(_) => {
            let existing = find(
                tx,
                "invoiced_id",
                &connection,
                &record_type,
                &mapping.invoiced_id,
            )?;
            Err(DbError::Conflict(format!(
                "{} {} is already mapped to Intacct {}",
                mapping.record_type,
                mapping.invoiced_id,
                existing.map_or_else(|| "another record".to_owned(), |m| m.intacct_key)
            )))
        }
        Err(error) if is_unique_violation(&error) => {
            let owner = find(
                tx,
                "intacct_key",
                &connection,
                &record_type,
                &mapping.intacct_key,
            )?;
            Err(DbError::Conflict(format!(
                "Intacct {} {} is already mapped to Invoiced {}",
                mapping.record_type,
                mapping.intacct_key,
                owner.map_or_else(|| "another record".to_owned(), |m| m.invoiced_id)
            )))
        }
        Err(error) => Err(error.into()),
    }
}

impl SqliteStore {
    async fn mapping_by(
        &self,
        side: &'static str,
        connection: &ConnectionId,
        record_type: RecordType,
        id: &str,
    ) -> StoreResult<Option<Mapping>> {
        let connection = connection.to_string();
        let record_type = name(&record_type)?;
        let id = id.to_owned();
        Ok(self
            .db
            .read(move |tx| find(tx, side, &connection, &record_type, &id))
            .await?)
    }
}

#[async_trait]
impl MappingStore for SqliteStore {
    async fn mapping_by_invoiced(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        invoiced_id: &str,
    ) -> StoreResult<Option<Mapping>> {
        self.mapping_by("invoiced_id", connection, record_type, invoiced_id)
            .await
    }

    async fn mapping_by_intacct(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        intacct_key: &str,
    ) -> StoreResult<Option<Mapping>> {
        self.mapping_by("intacct_key", connection, record_type, intacct_key)
            .await
    }

    async fn put_mapping(&self, mapping: &Mapping) -> StoreResult<()> {
        let mapping = mapping.clone();
        Ok(self.db.write(move |tx| put(tx, &mapping)).await?)
    }

    async fn count_mappings(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
    ) -> StoreResult<u64> {
        let connection = connection.to_string();
        let record_type = name(&record_type)?;
        Ok(self
            .db
            .read(move |tx| {
                Ok(tx.query_row(
                    "SELECT COUNT(*) FROM mappings WHERE connection = ?1 AND record_type = ?2",
                    [connection, record_type],
                    |row| get_unsigned(row, 0),
                )?)
            })
            .await?)
    }
}
