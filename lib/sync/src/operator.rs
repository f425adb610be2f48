//! Operator actions, shared by every runner (the one-machine `syncd` and the AWS operator
//! function) so an operator's retry, ignore, sync now and status take the same code path
//! everywhere. Each returns serialisable data.
//!
//! [`dispatch`] maps a request (from `syncd`'s command line or the operator API's routes) to
//! these actions and their one JSON shape; [`status`](mod@status), [`reads`] and [`poll`] hold what a
//! connection's status, a read's report and the scheduled poll of every connection are;
//! [`names`] turns internal stream keys into names a person reads.

pub mod dispatch;
pub mod names;
pub mod poll;
pub mod reads;
pub mod status;

pub use dispatch::{ConnectionSummary, Operator, Request, Response};
pub use names::stream_name;
pub use poll::{ConnectionPoll, PollBudget, PollResult, enabled_connections, poll_enabled};
pub use reads::{InitialSyncRequest, ReadSummary, StreamSummary};
pub use status::{ConnectionStatus, StreamStatus, status};

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::{Duration, Instant};

use crate::catalogue::Code;
use crate::config::{ConnectionConfig, ConnectionId, RecordType};
use crate::engine::Engine;
use crate::engine::read::ReadReport;
use crate::model::{Direction, ErrorFilter, ErrorStatus, ReconciliationError, WorkItem};
use crate::ports::Store;

/// Longest a poll started by an operator command may run.
pub const COMMAND_POLL_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// Why an operator action failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Bad input (config file, id, flag).
    #[error("{0}")]
    Invalid(String),
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The store, queue or engine failed.
    #[error("{0}")]
    Backend(String),
}

/// What kind of failure an [`OpsError`] is, as error bodies name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Bad input: fix the request.
    Invalid,
    /// The named thing does not exist.
    NotFound,
    /// A backend failed: try again later.
    Backend,
}

/// The JSON of a failed operator action, the same from the operator API (with an HTTP status
/// chosen by the kind) and from `syncd --json` (with a failing exit code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
    /// Its kind, for a script.
    pub kind: ErrorKind,
}

impl OpsError {
    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OpsError::Invalid(_) => ErrorKind::Invalid,
            OpsError::NotFound(_) => ErrorKind::NotFound,
            OpsError::Backend(_) => ErrorKind::Backend,
        }
    }

    /// Its JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.to_string(),
            kind: self.kind(),
        }
    }
}

fn backend(e: impl std::fmt::Display) -> OpsError {
    OpsError::Backend(e.to_string())
}

/// Parses a connection id argument.
pub fn connection_id(raw: &str) -> Result<ConnectionId, OpsError> {
    ConnectionId::parse(raw).map_err(|e| OpsError::Invalid(e.to_string()))
}

/// Parses a record type name (`customer`, `invoice`, `credit_note`, `payment`,
/// `convenience_fee`).
pub fn record_type(raw: &str) -> Result<RecordType, OpsError> {
    RecordType::ALL
        .into_iter()
        .find(|t| t.as_str() == raw.trim())
        .ok_or_else(|| {
            OpsError::Invalid(format!(
                "unknown record type `{raw}` (expected one of customer, invoice, credit_note, payment, convenience_fee)"
            ))
        })
}

/// Parses an error status name.
pub fn error_status(raw: &str) -> Result<ErrorStatus, OpsError> {
    [
        ErrorStatus::Open,
        ErrorStatus::Ignored,
        ErrorStatus::Resolved,
    ]
    .into_iter()
    .find(|s| s.as_str() == raw.trim())
    .ok_or_else(|| {
        OpsError::Invalid(format!(
            "unknown status `{raw}` (expected open, ignored or resolved)"
        ))
    })
}

/// Validates and stores a connection configuration (creating or replacing it).
pub async fn add_connection(store: &dyn Store, json: &str) -> Result<ConnectionConfig, OpsError> {
    let config = ConnectionConfig::from_json(json).map_err(|e| OpsError::Invalid(e.to_string()))?;
    config
        .validate()
        .map_err(|e| OpsError::Invalid(e.to_string()))?;
    store.put_config(&config).await.map_err(backend)?;
    Ok(config)
}

async fn config(store: &dyn Store, id: &ConnectionId) -> Result<ConnectionConfig, OpsError> {
    store
        .get_config(id)
        .await
        .map_err(backend)?
        .ok_or_else(|| OpsError::NotFound(format!("no connection `{id}`")))
}

/// Pauses (`false`) or resumes (`true`) a connection. Paused connections queue their work and
/// are not polled.
pub async fn set_enabled(
    store: &dyn Store,
    id: &ConnectionId,
    enabled: bool,
) -> Result<ConnectionConfig, OpsError> {
    let mut config = config(store, id).await?;
    config.enabled = enabled;
    store.put_config(&config).await.map_err(backend)?;
    Ok(config)
}

/// Reconciliation errors of a connection, newest first.
pub async fn list_errors(
    store: &dyn Store,
    id: &ConnectionId,
    filter: &ErrorFilter,
) -> Result<Vec<ReconciliationError>, OpsError> {
    config(store, id).await?;
    store.list_errors(id, filter).await.map_err(backend)
}

/// One reconciliation error.
pub async fn get_error(
    store: &dyn Store,
    id: &ConnectionId,
    error_id: &str,
) -> Result<ReconciliationError, OpsError> {
    store
        .get_error(id, error_id)
        .await
        .map_err(backend)?
        .ok_or_else(|| OpsError::NotFound(format!("no error `{error_id}` on connection `{id}`")))
}

/// Marks an error ignored: it stays out of the open list, though its attempts keep counting.
pub async fn ignore_error(
    store: &dyn Store,
    id: &ConnectionId,
    error_id: &str,
    now: DateTime<Utc>,
) -> Result<ReconciliationError, OpsError> {
    get_error(store, id, error_id).await?;
    store
        .set_error_status(id, error_id, ErrorStatus::Ignored, now)
        .await
        .map_err(backend)?;
    get_error(store, id, error_id).await
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RetryAction {
    /// A write error: the record was queued for an immediate attempt; the error stays open
    /// until that attempt succeeds (which resolves it).
    Queued {
        /// The queued work.
        record_type: RecordType,
        /// Invoiced id.
        invoiced_id: String,
    },
    /// A read error of one record: it was imported again by its key.
    Reimported {
        /// Record type.
        record_type: RecordType,
        /// Its Intacct key.
        intacct_key: String,
        /// Whether it was created or updated in Invoiced (false: a rule skipped it, or it
        /// failed again and its error is open again).
        imported: bool,
    },
    /// A read error of a whole stream: a poll ran.
    Polled {
        /// Rows imported.
        imported: u64,
        /// Whether every stream was read to the end.
        finished: bool,
    },
}

/// Retries a reconciliation error (`errors retry`; also the demo's fix step).
pub async fn retry_error(
    engine: &Engine,
    id: &ConnectionId,
    error_id: &str,
) -> Result<RetryAction, OpsError> {
    let store = engine.store().as_ref();
    let error = get_error(store, id, error_id).await?;
    let now = engine.clock().now();
    match error.direction {
        Direction::Write => {
            let work = WorkItem {
                connection: id.clone(),
                record_type: error.record_type,
                invoiced_id: error.record_id.clone(),
                operation: error.operation,
            };
            engine
                .requeue(work, Code::SyncOperatorRetry, Duration::ZERO)
                .await
                .map_err(backend)?;
            store
                .set_error_status(id, error_id, ErrorStatus::Open, now)
                .await
                .map_err(backend)?;
            Ok(RetryAction::Queued {
                record_type: error.record_type,
                invoiced_id: error.record_id,
            })
        }
        Direction::Read if error.record_id.starts_with("stream:") => {
            // A whole stream failed: read it again.
            store
                .set_error_status(id, error_id, ErrorStatus::Open, now)
                .await
                .map_err(backend)?;
            let report = engine
                .poll(id, Some(Instant::now() + COMMAND_POLL_DEADLINE))
                .await
                .map_err(backend)?;
            Ok(RetryAction::Polled {
                imported: report.imported(),
                finished: report.finished(),
            })
        }
        Direction::Read => {
            // One record: import it again by its key; success resolves the error.
            let imported = engine
                .reimport(id, error.record_type, &error.record_id)
                .await
                .map_err(backend)?;
            Ok(RetryAction::Reimported {
                record_type: error.record_type,
                intacct_key: error.record_id,
                imported,
            })
        }
    }
}

/// "Sync now": one poll of a connection.
pub async fn sync_now(engine: &Engine, id: &ConnectionId) -> Result<ReadReport, OpsError> {
    engine
        .poll(id, Some(Instant::now() + COMMAND_POLL_DEADLINE))
        .await
        .map_err(backend)
}
