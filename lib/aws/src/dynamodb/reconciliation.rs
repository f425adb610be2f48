//! Reconciliation errors: one item per (connection, error id) in the connection's errors
//! partition. Upserts are read-modify-write guarded by a `rev` number (optimistic concurrency):
//! two functions recording the same record's failure at once both count, neither overwrites the
//! other. Listing is a consistent Query of the partition, filtered and sorted newest first here.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use chrono::{DateTime, Utc};
use sync_engine::config::ConnectionId;
use sync_engine::model::{ErrorFilter, ErrorStatus, NewReconciliationError, ReconciliationError};
use sync_engine::ports::{ReconciliationStore, StoreError, StoreResult};

use super::codec::{BODY, body, from_body, get_n, keyed, n};
use super::errors::unavailable;
use super::keys::{error_sk, errors_pk};
use super::{DynamoStore, PARTITION_KEY};

const REV: &str = "rev";
/// Read-modify-write attempts before a contended upsert reports a conflict.
const ATTEMPTS: usize = 8;

/// What a write of an error item should replace.
enum Expect {
    Absent,
    Rev(u64),
}

impl DynamoStore {
    async fn read_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> StoreResult<Option<(ReconciliationError, u64)>> {
        let Some(item) = self
            .get("reconciliation error", errors_pk(connection), error_sk(id))
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((from_body(&item)?, get_n(&item, REV)?)))
    }

    /// Writes the error if the stored item is still as read; `Ok(false)` when it changed since.
    async fn write_error(&self, error: &ReconciliationError, expect: Expect) -> StoreResult<bool> {
        let mut item = keyed(errors_pk(&error.connection), error_sk(&error.id));
        item.insert(BODY.into(), body(error)?);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .expression_attribute_names("#pk", PARTITION_KEY);
        let request = match expect {
            Expect::Absent => {
                item.insert(REV.into(), n(1));
                request.condition_expression("attribute_not_exists(#pk)")
            }
            Expect::Rev(rev) => {
                item.insert(REV.into(), n(rev.saturating_add(1)));
                request
                    .condition_expression("attribute_exists(#pk) AND #rev = :rev")
                    .expression_attribute_names("#rev", REV)
                    .expression_attribute_values(":rev", n(rev))
            }
        };
        match request.set_item(Some(item)).send().await {
            Ok(_) => Ok(true),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(unavailable("PutItem (reconciliation error)", err)),
            },
        }
    }
}

#[async_trait]
impl ReconciliationStore for DynamoStore {
    async fn record_error(
        &self,
        error: NewReconciliationError,
        now: DateTime<Utc>,
    ) -> StoreResult<ReconciliationError> {
        let id = ReconciliationError::id_for(error.direction, error.record_type, &error.record_id);
        for _ in 0..ATTEMPTS {
            let (existing, expect) = match self.read_error(&error.connection, &id).await? {
                Some((existing, rev)) => (Some(existing), Expect::Rev(rev)),
                None => (None, Expect::Absent),
            };
            let next = ReconciliationError::recorded(existing, &error, now);
            if self.write_error(&next, expect).await? {
                return Ok(next);
            }
        }
        Err(StoreError::Conflict(format!(
            "reconciliation error {id} kept changing during {ATTEMPTS} attempts to record it"
        )))
    }

    async fn get_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> StoreResult<Option<ReconciliationError>> {
        Ok(self
            .read_error(connection, id)
            .await?
            .map(|(error, _)| error))
    }

    async fn list_errors(
        &self,
        connection: &ConnectionId,
        filter: &ErrorFilter,
    ) -> StoreResult<Vec<ReconciliationError>> {
        let mut errors = Vec::new();
        for item in self
            .query_all("reconciliation errors", &errors_pk(connection), None)
            .await?
        {
            let error: ReconciliationError = from_body(&item)?;
            if filter.matches(&error) {
                errors.push(error);
            }
        }
        errors.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.id.cmp(&b.id)));
        Ok(errors)
    }

    async fn set_error_status(
        &self,
        connection: &ConnectionId,
        id: &str,
        status: ErrorStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for _ in 0..ATTEMPTS {
            let Some((mut error, rev)) = self.read_error(connection, id).await? else {
                return Err(StoreError::NotFound(format!("reconciliation error {id}")));
            };
            error.status = status;
            error.last_seen = error.last_seen.max(now);
            if self.write_error(&error, Expect::Rev(rev)).await? {
                return Ok(());
            }
        }
        Err(StoreError::Conflict(format!(
            "reconciliation error {id} kept changing during {ATTEMPTS} attempts to set its status"
        )))
    }
}
