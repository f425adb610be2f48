//! Connection configurations: one partition holding every configuration (there are few and
//! they change rarely), so listing is one Query.

use async_trait::async_trait;
use sync_engine::config::{ConnectionConfig, ConnectionId};
use sync_engine::ports::{ConfigStore, StoreResult};

use super::DynamoStore;
use super::codec::{BODY, body, from_body, keyed};
use super::errors::unavailable;
use super::keys::{CONFIG_PK, config_sk};

#[async_trait]
impl ConfigStore for DynamoStore {
    async fn get_config(&self, connection: &ConnectionId) -> StoreResult<Option<ConnectionConfig>> {
        self.get("config", CONFIG_PK.into(), config_sk(connection))
            .await?
            .as_ref()
            .map(from_body)
            .transpose()
    }

    async fn put_config(&self, config: &ConnectionConfig) -> StoreResult<()> {
        let mut item = keyed(CONFIG_PK.into(), config_sk(&config.id));
        item.insert(BODY.into(), body(config)?);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable("PutItem (config)", e))?;
        Ok(())
    }

    async fn list_configs(&self) -> StoreResult<Vec<ConnectionConfig>> {
        let mut configs = self
            .query_all("configs", CONFIG_PK, None)
            .await?
            .iter()
            .map(from_body::<ConnectionConfig>)
            .collect::<StoreResult<Vec<_>>>()?;
        configs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(configs)
    }
}
