//! Webhook events: one item per event (a partition each, so webhook bursts spread). A delivery
//! claims the event with a conditional put (`holder` set, `expires_at` = the claim's end), then
//! marks it handled (no `holder`, `expires_at` = how long it is remembered) or releases it.
//! `expires_at` is exact (epoch nanoseconds); `ttl` (epoch seconds) lets DynamoDB delete the item
//! later. TTL deletes lazily, up to days late, so every check compares `expires_at` itself.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};
use sync_engine::config::ConnectionId;
use sync_engine::ports::{EventClaim, EventLog, StoreResult};

use super::codec::{Item, deadline, get_n, keyed, n, s};
use super::errors::unavailable;
use super::keys::{EVENT_SK, event_pk};
use super::{DynamoStore, PARTITION_KEY, TTL_ATTRIBUTE};

const EXPIRES_AT: &str = "expires_at";
const HOLDER: &str = "holder";

/// The event's item: claimed by `holder` or, without one, handled; both until `until`.
fn event_item(
    connection: &ConnectionId,
    event_id: &str,
    holder: Option<&str>,
    until: DateTime<Utc>,
) -> Item {
    let mut item = keyed(event_pk(connection, event_id), EVENT_SK.into());
    item.insert(EXPIRES_AT.into(), n(deadline(until)));
    // TTL wants epoch seconds; round up so the item never disappears before `expires_at`.
    let ttl = until
        .timestamp()
        .saturating_add(i64::from(until.timestamp_subsec_nanos() > 0));
    item.insert(TTL_ATTRIBUTE.into(), n(ttl));
    if let Some(holder) = holder {
        item.insert(HOLDER.into(), s(holder));
    }
    item
}

#[async_trait]
impl EventLog for DynamoStore {
    async fn claim_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
        claim_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<EventClaim> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(event_item(
                connection,
                event_id,
                Some(holder),
                claim_until,
            )))
            // Insert-if-absent, or take over an entry that lapsed (a dead holder's claim, or a
            // handled event past its memory that TTL has not deleted yet).
            .condition_expression("attribute_not_exists(#pk) OR #expires <= :now")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":now", n(deadline(now)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(EventClaim::Claimed),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let held = match failed.item() {
                        Some(current) => current.contains_key(HOLDER),
                        // The service omitted the old item: read it (consistently).
                        None => match self
                            .get("event", event_pk(connection, event_id), EVENT_SK.into())
                            .await?
                        {
                            Some(current) => {
                                current.contains_key(HOLDER)
                                    && get_n::<i64>(&current, EXPIRES_AT)? > deadline(now)
                            }
                            None => true,
                        },
                    };
                    Ok(if held {
                        EventClaim::InProgress
                    } else {
                        EventClaim::Handled
                    })
                }
                _ => Err(unavailable("PutItem (claim event)", err)),
            },
        }
    }

    async fn finish_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(event_item(connection, event_id, None, expires_at)))
            .send()
            .await
            .map_err(|e| unavailable("PutItem (event handled)", e))?;
        Ok(())
    }

    async fn release_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(keyed(event_pk(connection, event_id), EVENT_SK.into())))
            .condition_expression("#holder = :holder")
            .expression_attribute_names("#holder", HOLDER)
            .expression_attribute_values(":holder", s(holder))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone else holds or handled it: theirs to keep.
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(unavailable("DeleteItem (release event)", err)),
        }
    }
}
