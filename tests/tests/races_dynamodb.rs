//! The exactly-once race scenarios of `lib/sync/tests/races.rs` on the DynamoDB store (moto):
//! concurrent copies of each record type's events under throttling, and 200 simultaneous copies
//! of one event. The memory and SQLite runs are in `lib/sync`; the scenarios are shared.
//!
//! Needs moto (`eval "$(scripts/moto)"`); without `AWS_ENDPOINT_URL` the tests fail.

#[path = "../../lib/sync/tests/common/mod.rs"]
mod common;
#[path = "../../lib/sync/tests/races/scenarios.rs"]
mod scenarios;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use std::sync::Arc;
use sync_aws::dynamodb::DynamoStore;

use common::StoreKind;

/// A DynamoDB store on a fresh table of moto.
async fn dynamodb() -> StoreKind {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: start moto with `eval \"$(scripts/moto)\"` first")
    });
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = format!("sync-races-{}", uuid::Uuid::new_v4().simple());
    DynamoStore::create_table(&client, &table)
        .await
        .expect("table on moto");
    StoreKind::Given(Arc::new(DynamoStore::new(client, table)))
}

macro_rules! on_dynamodb {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            scenarios::$name(dynamodb().await).await;
        }
    )*};
}

on_dynamodb!(
    concurrent_customer_events_under_throttling_write_each_customer_once,
    concurrent_invoice_events_under_throttling_write_each_invoice_once,
    concurrent_credit_note_events_under_throttling_write_each_credit_note_once,
    concurrent_payment_events_under_throttling_post_each_payment_once,
    two_hundred_simultaneous_copies_of_one_event_are_processed_once,
    a_payment_voided_while_its_create_outcome_is_unknown_is_not_left_live_in_intacct,
    a_poll_between_a_payment_write_and_its_mapping_does_not_import_it_back,
);
