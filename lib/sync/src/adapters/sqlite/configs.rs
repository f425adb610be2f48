//! [`ConfigStore`]: each connection's configuration as one JSON document.

use async_trait::async_trait;
use rusqlite::OptionalExtension;

use super::SqliteStore;
use super::codec::{get_json, json};
use crate::config::{ConnectionConfig, ConnectionId};
use crate::ports::{ConfigStore, StoreResult};

#[async_trait]
impl ConfigStore for SqliteStore {
    async fn get_config(&self, connection: &ConnectionId) -> StoreResult<Option<ConnectionConfig>> {
        let connection = connection.to_string();
        Ok(self
            .db
            .read(move |tx| {
                Ok(tx
                    .query_row(
                        "SELECT config FROM configs WHERE connection = ?1",
                        [connection],
                        |row| get_json(row, 0),
                    )
                    .optional()?)
            })
            .await?)
    }

    async fn put_config(&self, config: &ConnectionConfig) -> StoreResult<()> {
        let connection = config.id.to_string();
        let document = json(config)?;
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO configs (connection, config) VALUES (?1, ?2)
                     ON CONFLICT (connection) DO UPDATE SET config = excluded.config",
                    [connection, document],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn list_configs(&self) -> StoreResult<Vec<ConnectionConfig>> {
        Ok(self
            .db
            .read(|tx| {
                let mut statement = tx.prepare("SELECT config FROM configs ORDER BY connection")?;
                let configs = statement
                    .query_map([], |row| get_json(row, 0))?
                    .collect::<Result<_, _>>()?;
                Ok(configs)
            })
            .await?)
    }
}
