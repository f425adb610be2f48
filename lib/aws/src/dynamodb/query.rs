//! Reads shared by the item types: a consistent GetItem, and consistent Queries of one partition
//! (optionally one sort-key prefix) that follow pagination to the end.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::Select;
use sync_engine::ports::StoreResult;

use super::codec::{Item, keyed, s};
use super::errors::unavailable;
use super::{DynamoStore, PARTITION_KEY, SORT_KEY};

impl DynamoStore {
    /// One item, read consistently (the engine reads its own writes).
    pub(crate) async fn get(
        &self,
        what: &str,
        pk: String,
        sk: String,
    ) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keyed(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(&format!("GetItem ({what})"), e))?;
        Ok(out.item)
    }

    fn partition_query(&self, pk: &str, sk_prefix: Option<&str>) -> QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(true);
        match sk_prefix {
            Some(prefix) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", SORT_KEY)
                .expression_attribute_values(":prefix", s(prefix)),
            None => query.key_condition_expression("#pk = :pk"),
        }
    }

    /// Every item of a partition (whose sort key starts with `sk_prefix`), in sort-key order.
    pub(crate) async fn query_all(
        &self,
        what: &str,
        pk: &str,
        sk_prefix: Option<&str>,
    ) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .partition_query(pk, sk_prefix)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| unavailable(&format!("Query ({what})"), e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// The number of such items, counted server-side (`Select=COUNT`, no bodies transferred).
    pub(crate) async fn count(
        &self,
        what: &str,
        pk: &str,
        sk_prefix: Option<&str>,
    ) -> StoreResult<u64> {
        let mut total: u64 = 0;
        let mut start = None;
        loop {
            let out = self
                .partition_query(pk, sk_prefix)
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| unavailable(&format!("Query COUNT ({what})"), e))?;
            total = total.saturating_add(u64::try_from(out.count).unwrap_or(0));
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }
}
