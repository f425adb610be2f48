//! ID mappings, unique both ways. A mapping is two items in one partition: the mapping itself
//! under `INV#<invoiced id>` (with its partner in `intacct_key`) and the uniqueness claim of the
//! Intacct side under `INT#<intacct key>` (with its partner in `invoiced_id`). Both are written
//! by one `TransactWriteItems`, each conditioned on "absent, or already paired with the same
//! partner", so the pair is claimed atomically and an identical re-put passes.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, Put, TransactWriteItem};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::Mapping;
use sync_engine::ports::{MappingStore, StoreError, StoreResult};

use super::codec::{BODY, Item, body, from_body, get_s, keyed, s};
use super::errors::{build, unavailable};
use super::keys::{MAPPING_INVOICED_PREFIX, mapping_intacct_sk, mapping_invoiced_sk, mapping_pk};
use super::{DynamoStore, PARTITION_KEY};

const INTACCT_KEY: &str = "intacct_key";
const INVOICED_ID: &str = "invoiced_id";

#[async_trait]
impl MappingStore for DynamoStore {
    async fn mapping_by_invoiced(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        invoiced_id: &str,
    ) -> StoreResult<Option<Mapping>> {
        let pk = mapping_pk(connection, record_type);
        self.get("mapping", pk, mapping_invoiced_sk(invoiced_id))
            .await?
            .as_ref()
            .map(from_body)
            .transpose()
    }

    async fn mapping_by_intacct(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        intacct_key: &str,
    ) -> StoreResult<Option<Mapping>> {
        let pk = mapping_pk(connection, record_type);
        let Some(claim) = self
            .get("mapping claim", pk, mapping_intacct_sk(intacct_key))
            .await?
        else {
            return Ok(None);
        };
        let invoiced_id = get_s(&claim, INVOICED_ID)?;
        self.mapping_by_invoiced(connection, record_type, invoiced_id)
            .await
    }

    async fn put_mapping(&self, mapping: &Mapping) -> StoreResult<()> {
        let pk = mapping_pk(&mapping.connection, mapping.record_type);
        let mut forward = keyed(pk.clone(), mapping_invoiced_sk(&mapping.invoiced_id));
        forward.insert(INTACCT_KEY.into(), s(&mapping.intacct_key));
        forward.insert(BODY.into(), body(mapping)?);
        let mut claim = keyed(pk.clone(), mapping_intacct_sk(&mapping.intacct_key));
        claim.insert(INVOICED_ID.into(), s(&mapping.invoiced_id));

        // Two transactions touching the same items at once can both be cancelled with
        // TransactionConflict; trying again settles which one wins (the other then fails its
        // condition and gets a real Conflict).
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .transact_items(claim_put(
                    &self.table,
                    forward.clone(),
                    INTACCT_KEY,
                    &mapping.intacct_key,
                )?)
                .transact_items(claim_put(
                    &self.table,
                    claim.clone(),
                    INVOICED_ID,
                    &mapping.invoiced_id,
                )?)
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                Err(err) => match err.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(cancelled))
                        if attempt < CONFLICT_ATTEMPTS
                            && only_transaction_conflicts(cancelled.cancellation_reasons()) =>
                    {
                        let pause = rand::random_range(10..50);
                        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    }
                    Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                        let error = explain_cancellation(mapping, cancelled.cancellation_reasons());
                        // A failed condition is decided by what is stored now: a partner that
                        // really holds either side is a conflict; a claim that vanished (its
                        // own transaction was cancelled too) means nobody won yet.
                        if attempt < CONFLICT_ATTEMPTS
                            && matches!(error, StoreError::Conflict(_))
                            && !self.claimed_by_another(mapping, &pk).await?
                        {
                            continue;
                        }
                        return Err(error);
                    }
                    _ => return Err(unavailable("TransactWriteItems (mapping)", err)),
                },
            }
        }
    }

    async fn count_mappings(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
    ) -> StoreResult<u64> {
        let pk = mapping_pk(connection, record_type);
        self.count("mappings", &pk, Some(MAPPING_INVOICED_PREFIX))
            .await
    }
}

impl DynamoStore {
    /// Whether either side of `mapping` is stored with a different partner.
    async fn claimed_by_another(&self, mapping: &Mapping, pk: &str) -> StoreResult<bool> {
        let forward = self
            .get(
                "mapping",
                pk.to_owned(),
                mapping_invoiced_sk(&mapping.invoiced_id),
            )
            .await?;
        if let Some(item) = &forward
            && get_s(item, INTACCT_KEY)? != mapping.intacct_key
        {
            return Ok(true);
        }
        let claim = self
            .get(
                "mapping claim",
                pk.to_owned(),
                mapping_intacct_sk(&mapping.intacct_key),
            )
            .await?;
        Ok(claim
            .as_ref()
            .map(|item| get_s(item, INVOICED_ID).map(|id| id != mapping.invoiced_id))
            .transpose()?
            .unwrap_or(false))
    }
}

/// Tries of a mapping transaction cancelled only by a concurrent transaction.
const CONFLICT_ATTEMPTS: u32 = 5;

fn only_transaction_conflicts(reasons: &[CancellationReason]) -> bool {
    let codes: Vec<_> = reasons
        .iter()
        .filter_map(|r| r.code())
        .filter(|code| *code != "None")
        .collect();
    !codes.is_empty() && codes.iter().all(|code| *code == "TransactionConflict")
}

/// A Put that succeeds only on an absent item or one already naming the same partner.
fn claim_put(
    table: &str,
    item: Item,
    partner_attribute: &str,
    partner: &str,
) -> StoreResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk) OR #partner = :partner")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_names("#partner", partner_attribute)
        .expression_attribute_values(":partner", s(partner))
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .build()
        .map_err(build)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Turns a cancelled transaction into the conflict the caller can act on. Reason 0 is the
/// by-Invoiced item, reason 1 the Intacct claim (the order they were sent in).
fn explain_cancellation(mapping: &Mapping, reasons: &[CancellationReason]) -> StoreError {
    let failed = |index: usize| {
        reasons
            .get(index)
            .filter(|r| r.code() == Some("ConditionalCheckFailed"))
    };
    let partner = |reason: &CancellationReason, attribute: &str| {
        reason
            .item()
            .and_then(|item| get_s(item, attribute).ok().map(str::to_owned))
            .unwrap_or_else(|| "another record".into())
    };
    if let Some(reason) = failed(0) {
        return StoreError::Conflict(format!(
            "{} {} is already mapped to Intacct {}",
            mapping.record_type,
            mapping.invoiced_id,
            partner(reason, INTACCT_KEY)
        ));
    }
    if let Some(reason) = failed(1) {
        return StoreError::Conflict(format!(
            "Intacct {} {} is already mapped to Invoiced {}",
            mapping.record_type,
            mapping.intacct_key,
            partner(reason, INVOICED_ID)
        ));
    }
    let codes: Vec<_> = reasons
        .iter()
        .filter_map(|r| r.code())
        .filter(|code| *code != "None")
        .collect();
    let summary = format!(
        "mapping {} {} ↔ {} was cancelled ({})",
        mapping.record_type,
        mapping.invoiced_id,
        mapping.intacct_key,
        codes.join(", ")
    );
    if codes.iter().all(|code| *code == "TransactionConflict") {
        // Another transaction was writing the same items: a lost race, never a silent success.
        StoreError::Conflict(format!("{summary}; re-read and decide"))
    } else {
        // Throttling, capacity or validation: the store, not the data, refused.
        StoreError::Unavailable(summary)
    }
}
