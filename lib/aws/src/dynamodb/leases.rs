//! Concurrency leases: one item per (connection, slot) in the connection's lease partition.
//! Acquiring reads the slots once, then claims a free one with a conditional Put
//! (`attribute_not_exists(pk) OR expires_at <= :now`); losing that race moves on to the next
//! slot. Releasing deletes only if the holder still matches, so a late release after expiry
//! cannot free someone else's slot.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;
use sync_engine::config::ConnectionId;
use sync_engine::ports::{Lease, LeaseStore, StoreResult};

use super::codec::{deadline, get_n, keyed, n, s};
use super::errors::unavailable;
use super::keys::{lease_pk, lease_sk};
use super::{DynamoStore, PARTITION_KEY};

const SLOT: &str = "slot";
const HOLDER: &str = "holder";
const EXPIRES_AT: &str = "expires_at";

#[async_trait]
impl LeaseStore for DynamoStore {
    async fn try_acquire_lease(
        &self,
        connection: &ConnectionId,
        slots: u8,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Lease>> {
        let expires_at = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|ttl| now.checked_add_signed(ttl))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let now_nanos = deadline(now);
        let pk = lease_pk(connection);
        let mut held: HashMap<u8, i64> = HashMap::new();
        for item in self.query_all("leases", &pk, None).await? {
            held.insert(get_n(&item, SLOT)?, get_n(&item, EXPIRES_AT)?);
        }
        for slot in 0..slots {
            if held.get(&slot).is_some_and(|expiry| *expiry > now_nanos) {
                continue;
            }
            let mut item = keyed(pk.clone(), lease_sk(slot));
            item.insert(SLOT.into(), n(slot));
            item.insert(HOLDER.into(), s(holder));
            item.insert(EXPIRES_AT.into(), n(deadline(expires_at)));
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk) OR #expires_at <= :now")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_names("#expires_at", EXPIRES_AT)
                .expression_attribute_values(":now", n(now_nanos))
                .send()
                .await;
            match result {
                Ok(_) => {
                    return Ok(Some(Lease {
                        connection: connection.clone(),
                        slot,
                        holder: holder.to_owned(),
                        expires_at,
                    }));
                }
                Err(err) => match err.as_service_error() {
                    // Someone took this slot since the read: try the next one.
                    Some(PutItemError::ConditionalCheckFailedException(_)) => {}
                    _ => return Err(unavailable("PutItem (lease)", err)),
                },
            }
        }
        Ok(None)
    }

    async fn release_lease(&self, lease: &Lease) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keyed(
                lease_pk(&lease.connection),
                lease_sk(lease.slot),
            )))
            .condition_expression("#holder = :holder")
            .expression_attribute_names("#holder", HOLDER)
            .expression_attribute_values(":holder", s(&lease.holder))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                // Expired and taken over (or already released): nothing of ours to free.
                Some(DeleteItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(unavailable("DeleteItem (lease)", err)),
            },
        }
    }
}
