//! Looking at dead letters without taking them off the queue.
//!
//! SQS has no "browse": the only way to read a message is to receive it, which hides it for a
//! visibility timeout. [`peek`] receives with a short timeout ([`PEEK_VISIBILITY_TIMEOUT`]) and,
//! once it has what it will report, sets every received message's visibility back to 0, so the
//! letters are visible again as soon as the listing ends, or after that short timeout if this
//! process dies first. Nothing is deleted or re-sent: ids, bodies, attributes and timestamps
//! stay as they were. Only ApproximateReceiveCount grows by one per look; the dead-letter queue
//! has no redrive policy of its own, so that count moves nothing.
//!
//! A body that is not a retry message is reported as unreadable with a short preview rather
//! than skipped: it is exactly what an operator needs to see before a redrive puts it back.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, Message, MessageSystemAttributeName,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use sync_engine::model::RetryMessage;
use sync_engine::ports::{DeadLetter, DeadLetterList, LetterBody};

use super::{attributes, parse_message};

/// How long peeked messages stay hidden if the reset to visible never happens (the process dies
/// mid-listing): short, so a crashed look delays a redrive by seconds, not minutes. Receiving
/// stops after half of it, so no message reappears (and is listed twice) while the look is
/// still collecting.
pub const PEEK_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long each receive waits. A long poll (> 0) asks every SQS server, so an empty answer
/// means the queue is (about) empty; a short poll samples some servers only.
const WAIT: Duration = Duration::from_secs(1);

/// SQS's ReceiveMessage and ChangeMessageVisibilityBatch maximum.
const BATCH: usize = 10;

/// Characters of an unreadable body shown to the operator.
const PREVIEW_CHARS: usize = 200;

/// One dead letter, as seen by [`peek`].
#[derive(Debug, Clone, PartialEq)]
pub struct PeekedLetter {
    /// The SQS message id (stable across receives, so two looks can be compared).
    pub message_id: String,
    /// When the message was first sent (SQS SentTimestamp; a dead-letter move keeps it, a
    /// manual redrive re-sends and so resets it).
    pub sent_at: Option<DateTime<Utc>>,
    /// SQS ApproximateReceiveCount, this look included.
    pub receive_count: Option<u32>,
    /// Why the retrier dead-lettered it (its `dead_letter_reason` attribute); `None` for a
    /// message SQS's redrive policy moved.
    pub dead_letter_reason: Option<String>,
    /// The retry message, or why the body is not one.
    pub body: PeekedBody,
}

/// The body of a [`PeekedLetter`].
#[derive(Debug, Clone, PartialEq)]
pub enum PeekedBody {
    /// A retry message: connection, record, operation, attempt and reason.
    Retry(RetryMessage),
    /// Not a retry message. A redrive would put it back as it is, and the retrier would fail it
    /// again, so the operator should delete it in the console instead.
    Unreadable {
        /// Why it does not parse.
        reason: String,
        /// The first characters of the body.
        preview: String,
    },
}

/// What a [`peek`] saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeekReport {
    /// The letters, oldest first by `sent_at` (SQS standard queues have no order of their own).
    pub letters: Vec<PeekedLetter>,
    /// Whether the queue may hold letters not listed: the limit was reached, or the look ran
    /// out of time before an empty receive.
    pub maybe_more: bool,
    /// Ids of letters whose visibility could not be reset: they stay hidden until
    /// [`PEEK_VISIBILITY_TIMEOUT`] passes, then reappear unchanged.
    pub still_hidden: Vec<String>,
}

impl From<PeekedLetter> for DeadLetter {
    /// The letter as every runtime lists it: the SQS message id, SentTimestamp as `dead_at`
    /// (the retrier sends an exhausted message there at that moment; SQS's redrive policy keeps
    /// the first send's time), and the reason the retrier attached, if any.
    fn from(letter: PeekedLetter) -> Self {
        DeadLetter {
            id: letter.message_id,
            body: match letter.body {
                PeekedBody::Retry(message) => LetterBody::Retry(message),
                PeekedBody::Unreadable { reason, preview } => LetterBody::Unreadable {
                    unreadable: reason,
                    body_preview: preview,
                },
            },
            dead_letter_reason: letter.dead_letter_reason,
            receive_count: letter.receive_count,
            dead_at: letter.sent_at,
        }
    }
}

impl PeekReport {
    /// The look as every runtime lists dead letters, with the queue's approximate depth.
    pub fn into_list(self, approximate_total: u64) -> DeadLetterList {
        DeadLetterList {
            total: approximate_total,
            maybe_more: self.maybe_more,
            still_hidden: self.still_hidden,
            letters: self.letters.into_iter().map(DeadLetter::from).collect(),
        }
    }
}

/// An SQS call of [`peek`] failed. Letters received before the failure were made visible
/// again (as far as SQS allowed).
#[derive(Debug, thiserror::Error)]
#[error("SQS {operation} on the dead-letter queue failed: {detail}")]
pub struct PeekError {
    /// The SQS action.
    pub operation: &'static str,
    /// The SDK error.
    pub detail: String,
}

/// Lists up to `limit` dead letters of `queue_url` and leaves them all in the queue, visible.
pub async fn peek(client: &Client, queue_url: &str, limit: usize) -> Result<PeekReport, PeekError> {
    let started = Instant::now();
    // Keyed by message id: a message received twice (its timeout passed during a slow look)
    // is listed once, and only its newest receipt handle can change its visibility.
    let mut received: Vec<Message> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut maybe_more = true;
    let mut failure = None;
    while received.len() < limit && started.elapsed() < PEEK_VISIBILITY_TIMEOUT / 2 {
        let batch = (limit - received.len()).min(BATCH);
        let answer = client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(to_i32(batch))
            .wait_time_seconds(to_i32(WAIT.as_secs()))
            .visibility_timeout(to_i32(PEEK_VISIBILITY_TIMEOUT.as_secs()))
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_attribute_names(attributes::DEAD_LETTER_REASON)
            .send()
            .await;
        let messages = match answer {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(e) => {
                failure = Some(PeekError {
                    operation: "ReceiveMessage",
                    detail: DisplayErrorContext(&e).to_string(),
                });
                break;
            }
        };
        if messages.is_empty() {
            maybe_more = false;
            break;
        }
        for message in messages {
            let id = message.message_id.clone().unwrap_or_default();
            match index.get(&id) {
                Some(&at) => received[at] = message,
                None => {
                    index.insert(id, received.len());
                    received.push(message);
                }
            }
        }
    }
    let still_hidden = make_visible(client, queue_url, &received).await;
    if let Some(failure) = failure {
        return Err(failure);
    }
    let mut letters: Vec<PeekedLetter> = received.into_iter().map(letter).collect();
    letters.sort_by(|a, b| {
        (a.sent_at.is_none(), a.sent_at, &a.message_id).cmp(&(
            b.sent_at.is_none(),
            b.sent_at,
            &b.message_id,
        ))
    });
    Ok(PeekReport {
        letters,
        maybe_more,
        still_hidden,
    })
}

/// Sets the messages' visibility timeout to 0; returns the ids SQS did not reset.
async fn make_visible(client: &Client, queue_url: &str, messages: &[Message]) -> Vec<String> {
    let mut still_hidden = Vec::new();
    for chunk in messages.chunks(BATCH) {
        let mut entries = Vec::with_capacity(chunk.len());
        for (i, message) in chunk.iter().enumerate() {
            let id = message.message_id.clone().unwrap_or_default();
            let entry = message.receipt_handle.as_ref().and_then(|receipt| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(receipt)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            });
            match entry {
                Some(entry) => entries.push((id, entry)),
                None => still_hidden.push(id),
            }
        }
        if entries.is_empty() {
            continue;
        }
        let answer = client
            .change_message_visibility_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries.iter().map(|(_, e)| e.clone()).collect()))
            .send()
            .await;
        match answer {
            Ok(output) => {
                for failed in output.failed() {
                    if let Some((id, _)) = entries.iter().find(|(_, e)| e.id() == failed.id()) {
                        still_hidden.push(id.clone());
                    }
                }
            }
            Err(e) => {
                tracing::warn!(
                    error = %DisplayErrorContext(&e),
                    "ChangeMessageVisibilityBatch failed; peeked dead letters reappear after the visibility timeout"
                );
                still_hidden.extend(entries.into_iter().map(|(id, _)| id));
            }
        }
    }
    still_hidden
}

fn letter(message: Message) -> PeekedLetter {
    let attribute = |name: &MessageSystemAttributeName| {
        message
            .attributes()
            .and_then(|a| a.get(name))
            .map(String::as_str)
    };
    let sent_at = attribute(&MessageSystemAttributeName::SentTimestamp)
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis);
    let receive_count = attribute(&MessageSystemAttributeName::ApproximateReceiveCount)
        .and_then(|n| n.parse().ok());
    let body = match message.body.as_deref() {
        None => PeekedBody::Unreadable {
            reason: "the message has no body".to_owned(),
            preview: String::new(),
        },
        Some(text) => match parse_message(text) {
            Ok(retry) => PeekedBody::Retry(retry),
            Err(e) => PeekedBody::Unreadable {
                reason: e.to_string(),
                preview: text.chars().take(PREVIEW_CHARS).collect(),
            },
        },
    };
    let dead_letter_reason = message
        .message_attributes()
        .and_then(|a| a.get(attributes::DEAD_LETTER_REASON))
        .and_then(|v| v.string_value())
        .map(str::to_owned);
    PeekedLetter {
        message_id: message.message_id.unwrap_or_default(),
        sent_at,
        receive_count,
        dead_letter_reason,
        body,
    }
}

fn to_i32(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
