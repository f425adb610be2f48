//! The records the engine keeps about its own work: mappings between the two systems, write
//! intents, reconciliation errors, read cursors, parked work and retry messages.
//!
//! They are plain data: every store adapter (in memory, SQLite, DynamoDB) persists exactly these.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::config::{ConnectionId, RecordType};

/// The system a record was created in. Decides ownership: a record is only ever written to
/// the *other* system, never echoed back to where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Created in Invoiced and written to Intacct by us.
    Invoiced,
    /// Created in Intacct and imported by us (or found already existing there).
    Intacct,
}

impl Origin {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Invoiced => "invoiced",
            Origin::Intacct => "intacct",
        }
    }
}

/// The direction a record moves in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Intacct → Invoiced.
    Read,
    /// Invoiced → Intacct.
    Write,
}

impl Direction {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Read => "read",
            Direction::Write => "write",
        }
    }
}

/// One record known to both systems.
///
/// Unique both ways per connection and record type: one Invoiced id maps to at most one Intacct
/// key and one Intacct key to at most one Invoiced id. (In bill-to-contact mode the Intacct key
/// of a customer is its bill-to contact, so many Invoiced customers can share one Intacct
/// customer while the mapping stays one-to-one.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// Connection.
    pub connection: ConnectionId,
    /// Record type.
    pub record_type: RecordType,
    /// Invoiced id (decimal digits for Invoiced's integer ids).
    pub invoiced_id: String,
    /// Intacct key: RECORDNO, or the `<key>` a legacy create returned.
    pub intacct_key: String,
    /// Human-facing Intacct identifier when there is one (CUSTOMERID, document number), and the
    /// Intacct customer of a bill-to contact.
    pub intacct_number: Option<String>,
    /// Where the record was created.
    pub origin: Origin,
    /// For imported records, Intacct's WHENMODIFIED of the version last imported, so a row
    /// re-read by the look-back window is recognised as unchanged and not written again.
    #[serde(default)]
    pub source_version: Option<String>,
    /// Last time either side was synced.
    pub updated_at: DateTime<Utc>,
}

/// What a write to Intacct is for. Part of a write intent's identity.
///
/// There is no update: documents are never updated, and a customer update sets fields to their
/// current values, so repeating it is harmless and it needs no intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Create the record.
    Create,
    /// Void / reverse the record.
    Void,
}

impl Operation {
    /// Stable lowercase name, also used in deterministic control ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Void => "void",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity of one write to Intacct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntentKey {
    /// Connection.
    pub connection: ConnectionId,
    /// Record type.
    pub record_type: RecordType,
    /// The Invoiced record being written.
    pub invoiced_id: String,
    /// What the write does.
    pub operation: Operation,
}

impl IntentKey {
    /// The deterministic `controlid` of this write, sent with `uniqueid=true` so the gateway
    /// itself refuses a second execution of the same write. `generation` changes only when an
    /// operator deliberately re-posts a write Intacct has no trace of.
    pub fn control_id(&self, generation: u32) -> String {
        format!(
            "{}-{}-{}-{}-g{generation}",
            self.connection, self.record_type, self.invoiced_id, self.operation
        )
    }
}

/// Where a write to Intacct stands. Recorded *before* the request is sent.
///
/// The protocol (`engine::exactly_once`): whoever moves an intent to [`IntentState::InFlight`]
/// owns its generation until `until` and is the only one who sends a request of it or settles it.
/// A generation that may have run is never declared failed: it stays
/// [`IntentState::UnknownOutcome`] until a probe finds the record, or re-sending the same
/// control id (which `uniqueid=true` makes safe) settles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IntentState {
    /// `owner` is probing for or sending a request of the current generation. Found after
    /// `until` (the owner died or was cut off), it is an unknown outcome.
    InFlight {
        /// The claimant's token; empty in intents written before claims existed.
        #[serde(default)]
        owner: String,
        /// When the claim lapses. Longer than any request of the generation can run.
        #[serde(default)]
        until: Option<DateTime<Utc>>,
    },
    /// A request of this generation may or may not have taken effect (timeout after sending, 5xx
    /// without XML, 524, or a definite failure of a re-send after an earlier unknown outcome).
    /// Intacct is probed for the record before anything is re-sent.
    UnknownOutcome,
    /// Intacct answered success; the key it returned.
    Succeeded {
        /// Intacct key of the written record.
        intacct_key: String,
    },
    /// Every request of this generation was refused before it could take effect (throttled, no
    /// concurrency slot, or an error Intacct reported for it). Re-sending the same control id is
    /// safe. With [`SYNC_DUPLICATE_CONTROL_ID`](crate::engine::DUPLICATE_CONTROL_ID) the
    /// generation did run but its record cannot be found: only then does a later attempt, after
    /// a fresh probe, open a new generation.
    Failed {
        /// Catalogue code.
        code: String,
    },
    /// The record was voided (or deleted) in Invoiced before its create reached Intacct, and a
    /// probe showed no earlier attempt applied: the create is never sent.
    Abandoned {
        /// Why, for operators.
        reason: String,
    },
}

impl IntentState {
    /// A fresh claim by `owner`, lapsing at `until`.
    pub fn claimed(owner: &str, until: DateTime<Utc>) -> Self {
        IntentState::InFlight {
            owner: owner.to_owned(),
            until: Some(until),
        }
    }

    /// Whether someone other than a lapsed claimant is working on it at `now`.
    pub fn claimed_at(&self, now: DateTime<Utc>) -> bool {
        matches!(self, IntentState::InFlight { until: Some(until), .. } if *until > now)
    }
}

/// How to find the record a create makes, without knowing its key: the probe sent after an
/// unknown outcome. Kept with the intent, so the record can be found with the identifiers the
/// request was actually sent with, even after the Invoiced record changed or disappeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLocator {
    /// Intacct object, e.g. `ARPYMT`.
    pub object: String,
    /// Field written with the record, e.g. `DOCNUMBER`.
    pub field: String,
    /// Its value.
    pub value: String,
}

/// One write to Intacct and its state, versioned for conditional transitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteIntent {
    /// Identity.
    pub key: IntentKey,
    /// Part of the control id. Bumped only after Intacct said the control id ran and a probe
    /// still finds no record (deleted in Intacct): see [`IntentState::Failed`].
    pub generation: u32,
    /// Current state.
    pub state: IntentState,
    /// Incremented on every transition; a transition names the version it expects.
    pub version: u64,
    /// Last transition time.
    pub updated_at: DateTime<Utc>,
    /// How to find the record the first request was sent with (creates of findable records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<RecordLocator>,
}

/// Whether an operator still has to act on a reconciliation error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatus {
    /// Needs attention.
    Open,
    /// An operator chose to ignore it.
    Ignored,
    /// A later success (or a retry that succeeded) resolved it.
    Resolved,
}

impl ErrorStatus {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorStatus::Open => "open",
            ErrorStatus::Ignored => "ignored",
            ErrorStatus::Resolved => "resolved",
        }
    }
}

/// A record that could not sync, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationError {
    /// Deterministic id: one error per (connection, direction, record type, record id).
    pub id: String,
    /// Connection.
    pub connection: ConnectionId,
    /// Read or write.
    pub direction: Direction,
    /// Record type.
    pub record_type: RecordType,
    /// Id of the record in its source system (Invoiced id for writes, Intacct key for reads).
    pub record_id: String,
    /// What was being done.
    pub operation: Operation,
    /// Stable catalogue code, e.g. `INTACCT_PAYMENT_BATCH_KEY`.
    pub code: String,
    /// The error text as the other system gave it.
    pub message: String,
    /// What the operator should do.
    pub fix: String,
    /// How many times the record failed.
    pub attempts: u32,
    /// First failure.
    pub first_seen: DateTime<Utc>,
    /// Latest failure.
    pub last_seen: DateTime<Utc>,
    /// Open, ignored or resolved.
    pub status: ErrorStatus,
}

impl ReconciliationError {
    /// The deterministic id of the error of one record.
    pub fn id_for(direction: Direction, record_type: RecordType, record_id: &str) -> String {
        format!("{}-{}-{}", direction.as_str(), record_type, record_id)
    }

    /// The rule every store applies when a record fails: the first failure opens an error; a
    /// later one updates the existing error's cause (code, text, fix, operation), counts the
    /// attempt (saturating), moves `last_seen`, and reopens it if it was resolved. An error an
    /// operator ignored stays ignored, and `first_seen` stays the first.
    pub fn recorded(
        existing: Option<ReconciliationError>,
        failure: &NewReconciliationError,
        now: DateTime<Utc>,
    ) -> ReconciliationError {
        match existing {
            Some(mut error) => {
                error.attempts = error.attempts.saturating_add(1);
                error.last_seen = now;
                error.code.clone_from(&failure.code);
                error.message.clone_from(&failure.message);
                error.fix.clone_from(&failure.fix);
                error.operation = failure.operation;
                if error.status == ErrorStatus::Resolved {
                    error.status = ErrorStatus::Open;
                }
                error
            }
            None => ReconciliationError {
                id: Self::id_for(failure.direction, failure.record_type, &failure.record_id),
                connection: failure.connection.clone(),
                direction: failure.direction,
                record_type: failure.record_type,
                record_id: failure.record_id.clone(),
                operation: failure.operation,
                code: failure.code.clone(),
                message: failure.message.clone(),
                fix: failure.fix.clone(),
                attempts: 1,
                first_seen: now,
                last_seen: now,
                status: ErrorStatus::Open,
            },
        }
    }
}

/// A failure to record: the store fills in attempts, timestamps and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReconciliationError {
    /// Connection.
    pub connection: ConnectionId,
    /// Read or write.
    pub direction: Direction,
    /// Record type.
    pub record_type: RecordType,
    /// Id in the source system.
    pub record_id: String,
    /// What was being done.
    pub operation: Operation,
    /// Catalogue code.
    pub code: String,
    /// Error text.
    pub message: String,
    /// Operator's fix.
    pub fix: String,
}

/// Which reconciliation errors to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorFilter {
    /// Only this status (all when `None`).
    pub status: Option<ErrorStatus>,
    /// Only this record type.
    pub record_type: Option<RecordType>,
    /// Only this catalogue code.
    pub code: Option<String>,
}

impl ErrorFilter {
    /// Whether `error` passes the filter.
    pub fn matches(&self, error: &ReconciliationError) -> bool {
        self.status.is_none_or(|s| s == error.status)
            && self.record_type.is_none_or(|t| t == error.record_type)
            && self.code.as_deref().is_none_or(|c| c == error.code)
    }
}

/// A keyset position in an Intacct object: rows are read in (WHENMODIFIED, RECORDNO) order and a
/// position means "everything up to and including this row is done".
///
/// Rows whose WHENMODIFIED is NULL sort first (as the epoch) so they are read exactly once by an
/// initial sync and never lost by an incremental one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeysetPosition {
    /// WHENMODIFIED of the last processed row (in the API user's time zone, as Intacct sends it).
    pub when_modified: NaiveDateTime,
    /// RECORDNO of the last processed row.
    pub record_no: u64,
}

/// The read progress of one stream (an Intacct object, or an Order Entry document type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorState {
    /// Everything at or before this position is synced. Only ever moves past fully processed
    /// pages.
    pub committed: Option<KeysetPosition>,
    /// When the last complete read of this stream finished.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Incremented on every write; a write names the version it expects.
    pub version: u64,
}

/// A reference to a record that other work may be waiting for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dependency {
    /// Record type of the awaited record.
    pub record_type: RecordType,
    /// Its Invoiced id.
    pub invoiced_id: String,
}

/// A unit of write work: "bring this Invoiced record to Intacct". It carries ids only; the
/// current record is re-read when it runs, so a message redriven days later never replays a
/// stale payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkItem {
    /// Connection.
    pub connection: ConnectionId,
    /// Record type.
    pub record_type: RecordType,
    /// Invoiced id.
    pub invoiced_id: String,
    /// What to do.
    pub operation: Operation,
}

/// A work item on the retry queue, with its attempt count and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryMessage {
    /// What to do.
    pub work: WorkItem,
    /// 1 for the first retry.
    pub attempt: u32,
    /// Why it was queued (catalogue code), for logs and operators.
    pub reason: String,
    /// Not to be processed before this time. Set when the wanted delay exceeds what the queue
    /// can hold in one hop (SQS: 900 s); a message delivered early is re-queued for the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
}
