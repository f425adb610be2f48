//! Creating the table: used by tests and by an operator bootstrap where Terraform is not used.
//! Terraform must declare the same shape (see the constants in the module root).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification,
};
use std::time::Duration;
use sync_engine::ports::{StoreError, StoreResult};

use super::errors::{build, unavailable};
use super::{DynamoStore, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

/// How long to wait for a new table to become ACTIVE (real DynamoDB takes seconds).
const ACTIVE_POLLS: u32 = 120;
const ACTIVE_POLL_INTERVAL: Duration = Duration::from_millis(500);

impl DynamoStore {
    /// Creates the table (on-demand billing, `pk`/`sk` string keys), waits until it is ACTIVE
    /// and enables TTL on [`TTL_ATTRIBUTE`]. Fails if the table already exists.
    pub async fn create_table(client: &Client, name: &str) -> StoreResult<()> {
        let key_attribute = |attribute: &str| {
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build)
        };
        let key = |attribute: &str, key_type: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(attribute)
                .key_type(key_type)
                .build()
                .map_err(build)
        };
        client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(key_attribute(PARTITION_KEY)?)
            .attribute_definitions(key_attribute(SORT_KEY)?)
            .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(SORT_KEY, KeyType::Range)?)
            .send()
            .await
            .map_err(|e| unavailable("CreateTable", e))?;
        wait_until_active(client, name).await?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .map_err(build)?,
            )
            .send()
            .await
            .map_err(|e| unavailable("UpdateTimeToLive", e))?;
        Ok(())
    }
}

async fn wait_until_active(client: &Client, name: &str) -> StoreResult<()> {
    for _ in 0..ACTIVE_POLLS {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| unavailable("DescribeTable", e))?;
        let status = out.table.as_ref().and_then(|t| t.table_status.clone());
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(ACTIVE_POLL_INTERVAL).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {name} did not become ACTIVE within {} s",
        (ACTIVE_POLL_INTERVAL * ACTIVE_POLLS).as_secs()
    )))
}
