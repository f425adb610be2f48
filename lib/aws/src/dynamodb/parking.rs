//! Work parked on a dependency: one item per (dependency, work item) in the connection's parked
//! partition; the sort key dedupes a second park of the same work. Taking deletes each item with
//! `ReturnValues=ALL_OLD` and hands out only what this call actually deleted, so two concurrent
//! takers never both run the same work.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_engine::config::ConnectionId;
use sync_engine::model::{Dependency, WorkItem};
use sync_engine::ports::{ParkingStore, StoreResult};

use super::codec::{BODY, body, from_body, get_s, keyed};
use super::errors::unavailable;
use super::keys::{parked_dependency_prefix, parked_pk, parked_sk};
use super::{DynamoStore, SORT_KEY};

/// The stored body: the work and why/when it was parked (for operators).
#[derive(Serialize, Deserialize)]
struct Parked {
    work: WorkItem,
    reason: String,
    parked_at: DateTime<Utc>,
}

#[async_trait]
impl ParkingStore for DynamoStore {
    async fn park(
        &self,
        dependency: &Dependency,
        work: &WorkItem,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut item = keyed(parked_pk(&work.connection), parked_sk(dependency, work));
        let parked = Parked {
            work: work.clone(),
            reason: reason.to_owned(),
            parked_at: now,
        };
        item.insert(BODY.into(), body(&parked)?);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable("PutItem (parked work)", e))?;
        Ok(())
    }

    async fn take_parked(
        &self,
        connection: &ConnectionId,
        dependency: &Dependency,
    ) -> StoreResult<Vec<WorkItem>> {
        let pk = parked_pk(connection);
        let prefix = parked_dependency_prefix(dependency);
        let mut taken = Vec::new();
        for item in self.query_all("parked work", &pk, Some(&prefix)).await? {
            let sk = get_s(&item, SORT_KEY)?.to_owned();
            // Decode before deleting: an unreadable item stays parked for an operator instead of
            // being deleted and lost.
            let parked = match from_body::<Parked>(&item) {
                Ok(parked) => parked,
                Err(err) => {
                    tracing::warn!(%connection, sk, error = %err, "skipping unreadable parked work");
                    continue;
                }
            };
            let out = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(keyed(pk.clone(), sk)))
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map_err(|e| unavailable("DeleteItem (parked work)", e))?;
            // No old item: a concurrent taker got it first.
            if out.attributes.is_some() {
                taken.push(parked.work);
            }
        }
        Ok(taken)
    }

    async fn count_parked(&self, connection: &ConnectionId) -> StoreResult<u64> {
        self.count("parked work", &parked_pk(connection), None)
            .await
    }
}
