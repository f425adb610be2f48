//! Write intents: one item per (record, operation), the whole intent as the JSON body and its
//! `version` as a number attribute that every transition conditions on.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};
use sync_engine::model::{IntentKey, IntentState, WriteIntent};
use sync_engine::ports::{IntentStore, StoreError, StoreResult};

use super::codec::{BODY, Item, body, from_body, get_n, keyed, n};
use super::errors::unavailable;
use super::keys::{intent_pk, intent_sk};
use super::{DynamoStore, PARTITION_KEY};

const VERSION: &str = "version";

fn item(intent: &WriteIntent) -> StoreResult<Item> {
    let mut item = keyed(intent_pk(&intent.key), intent_sk(&intent.key));
    item.insert(VERSION.into(), n(intent.version));
    item.insert(BODY.into(), body(intent)?);
    Ok(item)
}

#[async_trait]
impl IntentStore for DynamoStore {
    async fn get_intent(&self, key: &IntentKey) -> StoreResult<Option<WriteIntent>> {
        self.get("intent", intent_pk(key), intent_sk(key))
            .await?
            .as_ref()
            .map(from_body)
            .transpose()
    }

    async fn begin_intent(&self, fresh: &WriteIntent) -> StoreResult<WriteIntent> {
        let key = &fresh.key;
        let fresh = WriteIntent {
            version: 1,
            ..fresh.clone()
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&fresh)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(fresh),
            Err(err) => match err.as_service_error() {
                // An earlier attempt exists: hand it back so the caller probes before re-posting.
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item() {
                        Some(existing) => from_body(existing),
                        None => self.get_intent(key).await?.ok_or_else(|| {
                            StoreError::Conflict(format!(
                                "intent {} was removed while it was being begun",
                                key.control_id(0)
                            ))
                        }),
                    }
                }
                _ => Err(unavailable("PutItem (begin intent)", err)),
            },
        }
    }

    async fn transition_intent(
        &self,
        from: &WriteIntent,
        state: IntentState,
        generation: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteIntent> {
        let key = &from.key;
        let expected_version = from.version;
        let next = WriteIntent {
            generation,
            state,
            version: expected_version.saturating_add(1),
            updated_at: now,
            ..from.clone()
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&next)?))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(next),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    // The old item comes back with the failure; re-read if the service omitted it.
                    let current = match failed.item() {
                        Some(current) => Some(get_n::<u64>(current, VERSION)?),
                        None => self.get_intent(key).await?.map(|intent| intent.version),
                    };
                    Err(match current {
                        Some(version) => StoreError::Conflict(format!(
                            "intent {} is at version {version}, not {expected_version}",
                            key.control_id(generation)
                        )),
                        None => StoreError::NotFound(format!("intent {}", key.control_id(0))),
                    })
                }
                _ => Err(unavailable("PutItem (transition intent)", err)),
            },
        }
    }
}
