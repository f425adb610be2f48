//! The ports the engine talks to. Each is a small trait saying what it promises; adapters live
//! beside the engine (`adapters::memory`, `adapters::sqlite`) and in `lib/aws` (DynamoDB, SQS,
//! Secrets Manager). Engine functions take the narrowest trait they need.
//!
//! Every store method is a single atomic step: where two functions may race (two writers on one
//! record, a poller and an operator on one cursor), the method takes the version it expects and
//! fails with [`StoreError::Conflict`] rather than overwriting.

mod inspection;
mod systems;

pub use inspection::{
    DeadLetter, DeadLetterList, LetterBody, QueueCounts, QueueInspection, QueueScope, Redriven,
};
pub use systems::{Connector, IntacctApi, InvoicedApi, InvoicedError, Lookup};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::config::secrets::ConnectionSecrets;
use crate::config::{ConnectionConfig, ConnectionId, RecordType};
use crate::model::{
    CursorState, Dependency, ErrorFilter, ErrorStatus, IntentKey, IntentState, Mapping,
    NewReconciliationError, ReconciliationError, RetryMessage, WorkItem, WriteIntent,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost a race or would break a uniqueness rule; re-read and decide.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The named item does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The backing store failed (I/O, throttling, corrupt data). Retryable by the caller's
    /// policy; never swallowed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Connection configurations.
#[async_trait]
pub trait ConfigStore: Send + Sync {
    /// The configuration of one connection.
    async fn get_config(&self, connection: &ConnectionId) -> StoreResult<Option<ConnectionConfig>>;
    /// Creates or replaces a configuration (validated by the caller).
    async fn put_config(&self, config: &ConnectionConfig) -> StoreResult<()>;
    /// Every configured connection, ordered by id.
    async fn list_configs(&self) -> StoreResult<Vec<ConnectionConfig>>;
}

/// ID mappings between the two systems, unique both ways.
#[async_trait]
pub trait MappingStore: Send + Sync {
    /// The mapping of an Invoiced record.
    async fn mapping_by_invoiced(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        invoiced_id: &str,
    ) -> StoreResult<Option<Mapping>>;
    /// The mapping of an Intacct record.
    async fn mapping_by_intacct(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        intacct_key: &str,
    ) -> StoreResult<Option<Mapping>>;
    /// Records a mapping, atomically claiming both sides. Re-putting the same pair updates its
    /// details; pairing either side with a different partner is a [`StoreError::Conflict`].
    async fn put_mapping(&self, mapping: &Mapping) -> StoreResult<()>;
    /// Number of mappings of a connection per record type (status and tests).
    async fn count_mappings(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
    ) -> StoreResult<u64>;
}

/// Write intents: the record of a write to Intacct made *before* it is sent.
#[async_trait]
pub trait IntentStore: Send + Sync {
    /// The intent, if one was ever recorded.
    async fn get_intent(&self, key: &IntentKey) -> StoreResult<Option<WriteIntent>>;
    /// Stores `fresh` (version 1) if no intent exists for its key — an atomic insert-if-absent —
    /// and returns what is stored either way, so the caller sees an earlier attempt (or a racing
    /// one) instead of overwriting it.
    async fn begin_intent(&self, fresh: &WriteIntent) -> StoreResult<WriteIntent>;
    /// Moves the intent from `from` (as the caller read it) to `state` and `generation` if it is
    /// still at `from.version`; returns the new intent. Its key and locator never change.
    async fn transition_intent(
        &self,
        from: &WriteIntent,
        state: IntentState,
        generation: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteIntent>;
}

/// Reconciliation errors: what operators see, retry and ignore.
#[async_trait]
pub trait ReconciliationStore: Send + Sync {
    /// Records a failure: creates the error, or bumps attempts and `last_seen` and reopens it.
    /// An ignored error stays ignored (the operator said so) but its attempts still count.
    async fn record_error(
        &self,
        error: NewReconciliationError,
        now: DateTime<Utc>,
    ) -> StoreResult<ReconciliationError>;
    /// One error by id.
    async fn get_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> StoreResult<Option<ReconciliationError>>;
    /// Errors of a connection, newest `last_seen` first.
    async fn list_errors(
        &self,
        connection: &ConnectionId,
        filter: &ErrorFilter,
    ) -> StoreResult<Vec<ReconciliationError>>;
    /// Sets the status of one error (ignore, resolve, reopen for retry).
    async fn set_error_status(
        &self,
        connection: &ConnectionId,
        id: &str,
        status: ErrorStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// Read cursors per connection and stream.
#[async_trait]
pub trait CursorStore: Send + Sync {
    /// The cursor of a stream (default when never read).
    async fn get_cursor(&self, connection: &ConnectionId, stream: &str)
    -> StoreResult<CursorState>;
    /// Replaces the cursor if it is still at `state.version - 1`.
    async fn put_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
        state: &CursorState,
    ) -> StoreResult<()>;
}

/// What [`EventLog::claim_event`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClaim {
    /// The caller now holds the event and must finish or release it.
    Claimed,
    /// Another delivery of the event holds it and is still within its claim.
    InProgress,
    /// The event was handled and is still remembered.
    Handled,
}

/// Webhook event ids, claimed atomically by the delivery that handles them and then remembered
/// longer than Invoiced's 48 h redelivery window.
#[async_trait]
pub trait EventLog: Send + Sync {
    /// Claims an event for `holder` until `claim_until`, in one atomic insert-if-absent: an
    /// unknown event, or one whose earlier claim lapsed before `now` (its holder died), is
    /// claimed; otherwise says who has it. Of any number of concurrent calls at most one gets
    /// [`EventClaim::Claimed`].
    async fn claim_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
        claim_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<EventClaim>;
    /// Marks a claimed event handled and remembers it until `expires_at`.
    async fn finish_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Gives up `holder`'s claim (its outcome could not be made durable), so a redelivery is
    /// handled at once. Does nothing when someone else holds or handled the event.
    async fn release_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
    ) -> StoreResult<()>;
}

/// A held slot of a connection's Intacct concurrency bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Connection.
    pub connection: ConnectionId,
    /// Slot number, `0..slots`.
    pub slot: u8,
    /// Unique holder token; only the holder can release.
    pub holder: String,
    /// When the slot frees itself if never released (a crashed function cannot hold it forever).
    pub expires_at: DateTime<Utc>,
}

/// The per-connection bound on concurrent Intacct requests, shared by every function.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes a free (or expired) slot out of `slots`, or returns `None` when all are held.
    async fn try_acquire_lease(
        &self,
        connection: &ConnectionId,
        slots: u8,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Lease>>;
    /// Frees the slot if `lease.holder` still holds it.
    async fn release_lease(&self, lease: &Lease) -> StoreResult<()>;
}

/// Work waiting for a record to reach Intacct (a payment before its invoice).
#[async_trait]
pub trait ParkingStore: Send + Sync {
    /// Parks `work` until `dependency` is written. Parking the same work twice keeps one entry.
    async fn park(
        &self,
        dependency: &Dependency,
        work: &WorkItem,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Removes and returns the work waiting for `dependency`.
    async fn take_parked(
        &self,
        connection: &ConnectionId,
        dependency: &Dependency,
    ) -> StoreResult<Vec<WorkItem>>;
    /// Number of parked items of a connection.
    async fn count_parked(&self, connection: &ConnectionId) -> StoreResult<u64>;
}

/// Everything the engine keeps, in one store.
pub trait Store:
    ConfigStore
    + MappingStore
    + IntentStore
    + ReconciliationStore
    + CursorStore
    + EventLog
    + LeaseStore
    + ParkingStore
{
}

impl<T> Store for T where
    T: ConfigStore
        + MappingStore
        + IntentStore
        + ReconciliationStore
        + CursorStore
        + EventLog
        + LeaseStore
        + ParkingStore
{
}

/// Why a retry could not be queued.
#[derive(Debug, thiserror::Error)]
#[error("retry queue unavailable: {0}")]
pub struct QueueError(pub String);

/// The retry queue: messages come back after `delay` (SQS in production, SQLite embedded).
/// What operators see of it, and of its dead letters, is [`QueueInspection`].
#[async_trait]
pub trait RetryQueue: Send + Sync {
    /// Queues a message to be delivered after `delay`. Adapters with a shorter maximum delay
    /// (SQS: 900 s) deliver early and the handler re-queues for the rest.
    async fn enqueue(&self, message: &RetryMessage, delay: Duration) -> Result<(), QueueError>;
}

/// Why a connection's secrets could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("secrets of connection {connection} unavailable: {reason}")]
pub struct SecretsError {
    /// Connection.
    pub connection: ConnectionId,
    /// Why (never a secret value).
    pub reason: String,
}

/// Connection credentials, cached by adapters and refreshed on an authentication failure so a
/// rotated password takes effect without a deploy.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The credentials of a connection (from cache when fresh).
    async fn secrets(&self, connection: &ConnectionId) -> Result<ConnectionSecrets, SecretsError>;
    /// Drops the cached credentials, e.g. after Intacct rejected them.
    async fn invalidate(&self, connection: &ConnectionId);
}

/// Time, injectable so tests control it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
