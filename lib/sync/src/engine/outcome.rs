//! What became of a unit of work, and the failures that stop the engine from making that
//! outcome durable.

use std::time::Duration;

use crate::catalogue::Code;
use crate::config::ConnectionId;
use crate::model::Dependency;
use crate::ports::StoreError;

/// The durable end of one unit of work. Every webhook and retry ends in exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written to the other system now.
    Written {
        /// The key the other system gave the record.
        key: String,
    },
    /// Nothing to do: the effect already exists (a redelivery, an earlier attempt that
    /// succeeded, an existing mapping).
    AlreadyDone,
    /// Not written, by rule (draft, came from the other system, flow off, deleted).
    Skipped {
        /// Which rule.
        reason: String,
    },
    /// Queued for a later attempt.
    Queued {
        /// Catalogue code of the cause.
        reason: Code,
        /// Delay before the next attempt.
        delay: Duration,
    },
    /// Waiting for another record to reach Intacct first.
    Parked {
        /// What it waits for.
        waiting_for: Dependency,
    },
    /// Recorded as a reconciliation error for an operator.
    Failed {
        /// Reconciliation error id.
        error_id: String,
        /// Catalogue code.
        code: Code,
    },
}

/// A failure to make an outcome durable. Callers answer it with a 5xx (webhooks) or a failed
/// batch item (queue), so the work is delivered again; nothing is lost.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The retry queue failed.
    #[error("retry queue: {0}")]
    Queue(String),
    /// The connection is not configured.
    #[error("unknown connection {0}")]
    UnknownConnection(ConnectionId),
    /// Its credentials could not be loaded.
    #[error("{0}")]
    Secrets(String),
    /// Its clients could not be built.
    #[error("client setup: {0}")]
    Client(String),
}
