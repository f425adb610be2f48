//! Where a connection stands: last read per stream, mappings, its work on the retry queue and
//! in the dead letters, parked work, open errors. One shape on every runtime; the queue counts
//! come from the runtime's [`QueueInspection`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

use super::names::stream_name;
use super::{OpsError, backend, config};
use crate::config::{ConnectionId, RecordType};
use crate::engine::read::Stream;
use crate::model::{ErrorFilter, ErrorStatus};
use crate::ports::{QueueInspection, QueueScope, Store};

/// Last complete read of one stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamStatus {
    /// The stream's key (its cursor name), stable for scripts.
    pub stream: String,
    /// What it reads, for a person (`invoices (Sales Invoice)`).
    pub name: String,
    /// When it was last read to the end.
    pub last_sync_at: Option<DateTime<Utc>>,
}

/// Where a connection stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionStatus {
    /// Connection.
    pub connection: ConnectionId,
    /// Whether it is running (not paused).
    pub enabled: bool,
    /// Per read stream.
    pub streams: Vec<StreamStatus>,
    /// Mappings per record type.
    pub mappings: BTreeMap<String, u64>,
    /// Messages on the retry queue, due or not (of this connection, or of every connection
    /// sharing the queue: see `queue_scope`).
    pub queue_total: u64,
    /// Of those, due now.
    pub queue_due: u64,
    /// What `queue_total` and `queue_due` cover.
    pub queue_scope: QueueScope,
    /// Dead letters of this connection.
    pub dead_letters: u64,
    /// Whether the queue's counts are approximate (SQS).
    pub counts_approximate: bool,
    /// Work waiting for a dependency.
    pub parked: u64,
    /// Open reconciliation errors.
    pub open_errors: u64,
}

/// Status of a connection at `now`.
pub async fn status(
    store: &dyn Store,
    queue: &dyn QueueInspection,
    id: &ConnectionId,
    now: DateTime<Utc>,
) -> Result<ConnectionStatus, OpsError> {
    let config = config(store, id).await?;
    let mut streams = Vec::new();
    for stream in Stream::all_for(&config) {
        let key = stream.name();
        let cursor = store.get_cursor(id, &key).await.map_err(backend)?;
        streams.push(StreamStatus {
            name: stream_name(&key),
            stream: key,
            last_sync_at: cursor.last_sync_at,
        });
    }
    let mut mappings = BTreeMap::new();
    for record_type in RecordType::ALL {
        let n = store
            .count_mappings(id, record_type)
            .await
            .map_err(backend)?;
        mappings.insert(record_type.as_str().to_owned(), n);
    }
    let parked = store.count_parked(id).await.map_err(backend)?;
    let open_errors = store
        .list_errors(
            id,
            &ErrorFilter {
                status: Some(ErrorStatus::Open),
                ..ErrorFilter::default()
            },
        )
        .await
        .map_err(backend)?
        .len() as u64;
    let counts = queue.counts(id, now).await.map_err(backend)?;
    Ok(ConnectionStatus {
        connection: id.clone(),
        enabled: config.enabled,
        streams,
        mappings,
        queue_total: counts.queued,
        queue_due: counts.due,
        queue_scope: counts.scope,
        dead_letters: counts.dead_letters,
        counts_approximate: counts.approximate,
        parked,
        open_errors,
    })
}
