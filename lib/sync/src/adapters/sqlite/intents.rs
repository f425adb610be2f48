//! [`IntentStore`]: one row per write, moved only by `UPDATE … WHERE version = ?`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::SqliteStore;
use super::codec::{get_instant, get_json, get_json_opt, get_unsigned, instant, int, json, name};
use super::db::DbError;
use crate::model::{IntentKey, IntentState, WriteIntent};
use crate::ports::{IntentStore, StoreResult};

/// An intent key as its four key columns.
struct KeyColumns {
    connection: String,
    record_type: String,
    invoiced_id: String,
    operation: String,
}

impl KeyColumns {
    fn of(key: &IntentKey) -> Result<Self, DbError> {
        Ok(Self {
            connection: key.connection.to_string(),
            record_type: name(&key.record_type)?,
            invoiced_id: key.invoiced_id.clone(),
            operation: name(&key.operation)?,
        })
    }
}

const WHERE_KEY: &str =
    "connection = ?1 AND record_type = ?2 AND invoiced_id = ?3 AND operation = ?4";

fn find(tx: &Transaction<'_>, key: &IntentKey) -> Result<Option<WriteIntent>, DbError> {
    let k = KeyColumns::of(key)?;
    let from_row = |row: &Row<'_>| -> rusqlite::Result<WriteIntent> {
        Ok(WriteIntent {
            key: key.clone(),
            generation: get_unsigned(row, 0)?,
            state: get_json(row, 1)?,
            version: get_unsigned(row, 2)?,
            updated_at: get_instant(row, 3)?,
            locator: get_json_opt(row, 4)?,
        })
    };
    Ok(tx
        .query_row(
            &format!(
                "SELECT generation, state, version, updated_at, locator FROM intents WHERE {WHERE_KEY}"
            ),
            params![k.connection, k.record_type, k.invoiced_id, k.operation],
            from_row,
        )
        .optional()?)
}

fn begin(tx: &Transaction<'_>, fresh: &WriteIntent) -> Result<WriteIntent, DbError> {
    let key = &fresh.key;
    let k = KeyColumns::of(key)?;
    let locator = fresh.locator.as_ref().map(json).transpose()?;
    tx.execute(
        "INSERT INTO intents
             (connection, record_type, invoiced_id, operation, generation, state, version,
              updated_at, locator)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)
         ON CONFLICT DO NOTHING",
        params![
            k.connection,
            k.record_type,
            k.invoiced_id,
            k.operation,
            fresh.generation,
            json(&fresh.state)?,
            instant(fresh.updated_at)?,
            locator,
        ],
    )?;
    find(tx, key)?.ok_or_else(|| DbError::NotFound(format!("intent {}", key.control_id(0))))
}

fn transition(
    tx: &Transaction<'_>,
    key: &IntentKey,
    expected_version: u64,
    state: &IntentState,
    generation: u32,
    now: DateTime<Utc>,
) -> Result<WriteIntent, DbError> {
    let k = KeyColumns::of(key)?;
    // A version beyond i64 was never stored, so it can only be stale.
    let changed = match int(expected_version) {
        Ok(expected) => tx.execute(
            &format!(
                "UPDATE intents SET state = ?5, generation = ?6, version = version + 1,
                     updated_at = ?7
                 WHERE {WHERE_KEY} AND version = ?8"
            ),
            params![
                k.connection,
                k.record_type,
                k.invoiced_id,
                k.operation,
                json(state)?,
                generation,
                instant(now)?,
                expected,
            ],
        )?,
        Err(_) => 0,
    };
    let current =
        find(tx, key)?.ok_or_else(|| DbError::NotFound(format!("intent {}", key.control_id(0))))?;
    if changed == 1 {
        Ok(current)
    } else {
        Err(DbError::Conflict(format!(
            "intent {} is at version {}, not {expected_version}",
            key.control_id(current.generation),
            current.version
        )))
    }
}

#[async_trait]
impl IntentStore for SqliteStore {
    async fn get_intent(&self, key: &IntentKey) -> StoreResult<Option<WriteIntent>> {
        let key = key.clone();
        Ok(self.db.read(move |tx| find(tx, &key)).await?)
    }

    async fn begin_intent(&self, fresh: &WriteIntent) -> StoreResult<WriteIntent> {
        let fresh = fresh.clone();
        Ok(self.db.write(move |tx| begin(tx, &fresh)).await?)
    }

    async fn transition_intent(
        &self,
        from: &WriteIntent,
        state: IntentState,
        generation: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteIntent> {
        let key = from.key.clone();
        let expected_version = from.version;
        Ok(self
            .db
            .write(move |tx| transition(tx, &key, expected_version, &state, generation, now))
            .await?)
    }
}
