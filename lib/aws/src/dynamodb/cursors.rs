//! Read cursors: one item per (connection, stream), the state as the JSON body and its
//! `version` as a number attribute. A write must replace exactly `state.version - 1` (version 1
//! creates the item), so a stale poller cannot move a cursor back.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use sync_engine::config::ConnectionId;
use sync_engine::model::CursorState;
use sync_engine::ports::{CursorStore, StoreError, StoreResult};

use super::codec::{BODY, body, from_body, keyed, n};
use super::errors::unavailable;
use super::keys::{cursor_pk, cursor_sk};
use super::{DynamoStore, PARTITION_KEY};

const VERSION: &str = "version";

#[async_trait]
impl CursorStore for DynamoStore {
    async fn get_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
    ) -> StoreResult<CursorState> {
        Ok(self
            .get("cursor", cursor_pk(connection), cursor_sk(stream))
            .await?
            .as_ref()
            .map(from_body)
            .transpose()?
            .unwrap_or_default())
    }

    async fn put_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
        state: &CursorState,
    ) -> StoreResult<()> {
        let Some(previous) = state.version.checked_sub(1) else {
            return Err(StoreError::Conflict(format!(
                "cursor {stream}: a write must carry version 1 or more, not 0"
            )));
        };
        let mut item = keyed(cursor_pk(connection), cursor_sk(stream));
        item.insert(VERSION.into(), n(state.version));
        item.insert(BODY.into(), body(state)?);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = if previous == 0 {
            request
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PARTITION_KEY)
        } else {
            request
                .condition_expression("#version = :previous")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":previous", n(previous))
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => {
                    Err(StoreError::Conflict(format!(
                        "cursor {stream} of {connection} is no longer at version {previous}"
                    )))
                }
                _ => Err(unavailable("PutItem (cursor)", err)),
            },
        }
    }
}
