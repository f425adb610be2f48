//! Handled webhook events: one item per event (a partition each, so webhook bursts spread), with
//! the exact `expires_at` (epoch nanoseconds) and a `ttl` (epoch seconds) for DynamoDB's TTL
//! deletion. TTL deletes lazily, up to days late, so a read compares `expires_at` itself.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_engine::config::ConnectionId;
use sync_engine::ports::{EventLog, StoreResult};

use super::codec::{deadline, get_n, keyed, n};
use super::errors::unavailable;
use super::keys::{EVENT_SK, event_pk};
use super::{DynamoStore, TTL_ATTRIBUTE};

const EXPIRES_AT: &str = "expires_at";

#[async_trait]
impl EventLog for DynamoStore {
    async fn event_seen(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        match self
            .get("event", event_pk(connection, event_id), EVENT_SK.into())
            .await?
        {
            Some(item) => Ok(get_n::<i64>(&item, EXPIRES_AT)? > deadline(now)),
            None => Ok(false),
        }
    }

    async fn remember_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut item = keyed(event_pk(connection, event_id), EVENT_SK.into());
        item.insert(EXPIRES_AT.into(), n(deadline(expires_at)));
        // TTL wants epoch seconds; round up so the item never disappears before `expires_at`.
        let ttl = expires_at
            .timestamp()
            .saturating_add(i64::from(expires_at.timestamp_subsec_nanos() > 0));
        item.insert(TTL_ATTRIBUTE.into(), n(ttl));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable("PutItem (event)", e))?;
        Ok(())
    }
}
