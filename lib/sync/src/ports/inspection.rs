//! [`QueueInspection`]: the retry queue and its dead letters as an operator sees them. The
//! runners' queues differ (SQS counts approximately and shares one queue between connections;
//! the embedded SQLite queue counts exactly), so each count says what it covers, and every
//! runtime answers `status`, `dlq list` and redrive with these same types.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::QueueError;
use crate::config::ConnectionId;
use crate::model::RetryMessage;

/// What a queue's `queued` and `due` counts cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueScope {
    /// Only the connection asked about.
    Connection,
    /// Every connection sharing the queue (SQS cannot count by connection without receiving,
    /// and receiving a retry message would spend one of its receives).
    AllConnections,
}

/// How much work waits, as the queue can count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Messages on the retry queue, due or not, in flight included (see `scope`).
    pub queued: u64,
    /// Of those, the ones a receive would return now.
    pub due: u64,
    /// What `queued` and `due` cover.
    pub scope: QueueScope,
    /// Dead letters of the connection.
    pub dead_letters: u64,
    /// Whether the counts are approximate (SQS's are eventually consistent, and a dead-letter
    /// count of a very long queue stops after a bounded look).
    pub approximate: bool,
}

/// The body of a dead letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LetterBody {
    /// A retry message: its `work`, `attempt`, `reason` and `not_before` appear as fields of
    /// the letter.
    Retry(RetryMessage),
    /// Not a retry message. A redrive would put it back as it is and it would fail again, so
    /// an operator should delete it instead.
    Unreadable {
        /// Why it does not parse.
        unreadable: String,
        /// Its first characters.
        body_preview: String,
    },
}

/// One dead letter, the same on every runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// Its id in the dead-letter queue (the SQLite row id, the SQS message id).
    pub id: String,
    /// The retry message, or why the body is not one.
    #[serde(flatten)]
    pub body: LetterBody,
    /// Why it was dead-lettered, when the runner recorded it (SQS's own redrive policy, which
    /// moves a message that never settled, records nothing).
    pub dead_letter_reason: Option<String>,
    /// How many times it had been received (on SQS: so far, each look included).
    pub receive_count: Option<u32>,
    /// When it reached the dead letters (on SQS: when it was sent there, or first sent when
    /// SQS's redrive policy moved it).
    pub dead_at: Option<DateTime<Utc>>,
}

impl DeadLetter {
    /// The retry message, unless the body is unreadable.
    pub fn message(&self) -> Option<&RetryMessage> {
        match &self.body {
            LetterBody::Retry(message) => Some(message),
            LetterBody::Unreadable { .. } => None,
        }
    }
}

/// What a look at the dead letters saw; it takes nothing away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeadLetterList {
    /// Dead letters in the queue when the look began (approximate on SQS).
    pub total: u64,
    /// Whether letters may exist that are not listed (the limit was reached, or the look ran
    /// out of time).
    pub maybe_more: bool,
    /// Ids of letters a look left hidden for a short while (SQS only: it reads by receiving).
    pub still_hidden: Vec<String>,
    /// The letters, oldest first.
    pub letters: Vec<DeadLetter>,
}

/// What a redrive did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Redriven {
    /// Letters put back on the retry queue, due at once, bodies unchanged (a message keeps its
    /// attempt count, so one that fails again goes straight back to the dead letters).
    pub moved: usize,
    /// Whether no dead letter was left.
    pub drained: bool,
}

/// The retry queue's counts and its dead letters, for operators. Dead-lettering itself is the
/// runner's (it holds the receipt); [`crate::engine::Engine::dead_letter_reason`] says when.
#[async_trait]
pub trait QueueInspection: Send + Sync {
    /// The counts for `connection` at `now`.
    async fn counts(
        &self,
        connection: &ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<QueueCounts, QueueError>;
    /// Up to `limit` dead letters, oldest first, left where they are.
    async fn list_dead_letters(&self, limit: usize) -> Result<DeadLetterList, QueueError>;
    /// Puts up to `limit` dead letters, oldest first, back on the retry queue, due at `now`.
    async fn redrive(&self, limit: usize, now: DateTime<Utc>) -> Result<Redriven, QueueError>;
}
