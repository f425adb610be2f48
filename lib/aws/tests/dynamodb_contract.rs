//! The DynamoDB store against moto: the engine's store contract, and the table shape Terraform
//! must reproduce.

mod support;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{BillingMode, KeyType, TimeToLiveStatus};
use sync_aws::dynamodb::{
    DynamoStore, GLOBAL_SECONDARY_INDEXES, PARTITION_KEY, SORT_KEY, TABLE_KEY_ATTRIBUTES,
    TTL_ATTRIBUTE,
};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::ports::{MappingStore, StoreError};

async fn fresh_table() -> (Client, String) {
    let client = Client::new(&support::sdk_config().await);
    let table = support::unique_name("sync-contract");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("create table on moto");
    (client, table)
}

#[tokio::test]
async fn the_dynamodb_store_meets_the_store_contract() {
    let (client, table) = fresh_table().await;
    sync_engine::testing::store_contract::run_all(&DynamoStore::new(client, table)).await;
}

#[tokio::test]
async fn the_table_has_the_documented_keys_billing_and_ttl() {
    let (client, table) = fresh_table().await;
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("describe")
        .table
        .expect("table description");

    let keys: Vec<_> = described
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().clone()))
        .collect();
    assert_eq!(
        keys,
        [(PARTITION_KEY, KeyType::Hash), (SORT_KEY, KeyType::Range)]
    );
    assert_eq!(TABLE_KEY_ATTRIBUTES, [PARTITION_KEY, SORT_KEY]);
    assert_eq!(
        described
            .billing_mode_summary()
            .and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    let indexes: Vec<_> = described
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    assert_eq!(indexes, GLOBAL_SECONDARY_INDEXES);

    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .expect("describe ttl")
        .time_to_live_description
        .expect("ttl description");
    assert_eq!(ttl.attribute_name(), Some(TTL_ATTRIBUTE));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test]
async fn a_missing_table_is_reported_as_unavailable() {
    let client = Client::new(&support::sdk_config().await);
    let store = DynamoStore::new(client, support::unique_name("never-created"));
    let connection = ConnectionId::parse("acme").expect("valid id");
    let result = store
        .mapping_by_invoiced(&connection, RecordType::Invoice, "1")
        .await;
    match result {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("GetItem"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
