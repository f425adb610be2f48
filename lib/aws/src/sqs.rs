//! The SQS retry queue: [`SqsRetryQueue`] implements the engine's [`RetryQueue`] port, and
//! [`parse_message`] turns a delivered body back into a [`RetryMessage`] for the retrier.
//!
//! A message body is the JSON of the [`RetryMessage`]: ids only, never a record payload, so a
//! message redriven from the dead-letter queue days later makes the engine re-read the current
//! record instead of replaying a stale one. The same ids are copied into message attributes so
//! an operator browsing the queue in the console sees what each message is about without
//! decoding bodies; the retrier never reads them.
//!
//! Dead letters are moved back by the mover in [`redrive`] and listed, without being taken,
//! by [`peek()`]; [`SqsQueues`] offers both (and the queues' counts) to operators through the
//! engine's [`sync_engine::ports::QueueInspection`] port, and dead-letters what the retrier
//! gives up on.

pub mod inspect;
pub mod peek;
pub mod redrive;

pub use inspect::{COUNTED_DEAD_LETTERS, SqsQueues};

pub use peek::{PeekError, PeekReport, PeekedBody, PeekedLetter, peek};

pub use redrive::{DeadLetterMover, ManualMover, RedriveError, RedriveReport, queue_depth};

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use std::collections::HashMap;
use std::time::Duration;
use sync_engine::model::RetryMessage;
use sync_engine::ports::{QueueError, RetryQueue};
use sync_engine::retry::SQS_MAX_DELAY;

/// Names of the message attributes written on every retry message (for console inspection).
pub mod attributes {
    /// Connection id.
    pub const CONNECTION: &str = "connection";
    /// Record type (`customer`, `invoice`, …).
    pub const RECORD_TYPE: &str = "record_type";
    /// Invoiced id of the record.
    pub const INVOICED_ID: &str = "invoiced_id";
    /// Operation (`create`, `update`, `void`).
    pub const OPERATION: &str = "operation";
    /// Attempt number (an SQS `Number` attribute).
    pub const ATTEMPT: &str = "attempt";
    /// Catalogue code of the failure that queued the message.
    pub const REASON: &str = "reason";
    /// RFC 3339 time before which the message must be re-queued rather than processed.
    pub const NOT_BEFORE: &str = "not_before";
    /// Why the retrier sent the message to the dead-letter queue (only on dead letters; a
    /// redrive leaves it behind).
    pub const DEAD_LETTER_REASON: &str = "dead_letter_reason";
}

/// The production [`RetryQueue`]: one SQS standard queue whose redrive policy sends messages
/// that keep failing to a dead-letter queue.
#[derive(Debug, Clone)]
pub struct SqsRetryQueue {
    client: Client,
    queue_url: String,
}

impl SqsRetryQueue {
    /// A queue adapter sending to `queue_url` (as returned by CreateQueue / GetQueueUrl).
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The URL messages are sent to.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

#[async_trait]
impl RetryQueue for SqsRetryQueue {
    async fn enqueue(&self, message: &RetryMessage, delay: Duration) -> Result<(), QueueError> {
        let body = message_body(message)?;
        let delay_seconds = delay_seconds(delay);
        tracing::debug!(
            connection = %message.work.connection,
            record_type = message.work.record_type.as_str(),
            invoiced_id = %message.work.invoiced_id,
            attempt = message.attempt,
            delay_seconds,
            "queueing retry"
        );
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .set_message_attributes(Some(message_attributes(message)?))
            .delay_seconds(delay_seconds)
            .send()
            .await
            .map_err(|e| {
                QueueError(format!(
                    "SendMessage of {} {} {} (attempt {}) failed: {}",
                    message.work.connection,
                    message.work.record_type,
                    message.work.invoiced_id,
                    message.attempt,
                    DisplayErrorContext(&e)
                ))
            })?;
        Ok(())
    }
}

/// The `DelaySeconds` for a wanted delay: rounded *up* to whole seconds (a retry must not come
/// back before its backoff) and clamped to SQS's 900 s maximum. The engine already splits longer
/// waits with [`sync_engine::retry::split_for_sqs`] and sets `not_before`; the clamp keeps a
/// caller that forgot from having the whole send rejected.
pub fn delay_seconds(delay: Duration) -> i32 {
    let clamped = delay.min(SQS_MAX_DELAY);
    let whole = clamped.as_secs() + u64::from(clamped.subsec_nanos() > 0);
    // At most 900 after the clamp, so the conversion cannot fail; saturate rather than panic.
    i32::try_from(whole.min(SQS_MAX_DELAY.as_secs())).unwrap_or(i32::MAX)
}

/// Why a delivered body is not a retry message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseMessageError {
    /// The body is not JSON at all (truncated, or not ours).
    #[error("retry message body is not JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// The body is JSON but not a retry message (a field missing or of the wrong type).
    #[error("retry message body has the wrong shape: {detail}")]
    WrongShape {
        /// What serde found wrong.
        detail: String,
    },
}

/// Parses a delivered message body. A bad body is a typed error, never a panic: the retrier
/// reports it (it will never succeed, so it belongs in the dead-letter queue) and goes on with
/// the rest of the batch.
pub fn parse_message(body: &str) -> Result<RetryMessage, ParseMessageError> {
    serde_json::from_str(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ParseMessageError::WrongShape {
            detail: e.to_string(),
        },
        _ => ParseMessageError::NotJson {
            line: e.line(),
            column: e.column(),
        },
    })
}

/// The JSON body. SQS rejects a body with U+FFFE or U+FFFF, which serde_json writes raw; outside
/// strings JSON is ASCII, so escaping them in place keeps the document equal.
fn message_body(message: &RetryMessage) -> Result<String, QueueError> {
    let body = serde_json::to_string(message)
        .map_err(|e| QueueError(format!("retry message not serialisable: {e}")))?;
    Ok(if body.contains(['\u{FFFE}', '\u{FFFF}']) {
        body.replace('\u{FFFE}', "\\ufffe")
            .replace('\u{FFFF}', "\\uffff")
    } else {
        body
    })
}

/// Message attributes for console inspection. SQS rejects empty attribute values, so an empty
/// field is left out rather than failing the send.
fn message_attributes(
    message: &RetryMessage,
) -> Result<HashMap<String, MessageAttributeValue>, QueueError> {
    let work = &message.work;
    let not_before = message.not_before.map(|t| t.to_rfc3339());
    let strings = [
        (attributes::CONNECTION, Some(work.connection.to_string())),
        (
            attributes::RECORD_TYPE,
            Some(work.record_type.as_str().to_owned()),
        ),
        (attributes::INVOICED_ID, Some(work.invoiced_id.clone())),
        (
            attributes::OPERATION,
            Some(work.operation.as_str().to_owned()),
        ),
        (attributes::REASON, Some(message.reason.clone())),
        (attributes::NOT_BEFORE, not_before),
    ];
    let mut out = HashMap::with_capacity(strings.len() + 1);
    for (name, value) in strings {
        let Some(value) = value.map(|v| attribute_text(&v)).filter(|v| !v.is_empty()) else {
            continue;
        };
        out.insert(name.to_owned(), attribute("String", value)?);
    }
    out.insert(
        attributes::ATTEMPT.to_owned(),
        attribute("Number", message.attempt.to_string())?,
    );
    Ok(out)
}

fn attribute(data_type: &str, value: String) -> Result<MessageAttributeValue, QueueError> {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .map_err(|e| QueueError(format!("message attribute not buildable: {e}")))
}

/// An attribute value SQS accepts: it allows only tab, LF, CR and U+0020..=U+FFFD (plus the
/// supplementary planes); anything else would fail the whole send for an informational field.
fn attribute_text(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '?',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_up_and_clamp_to_the_sqs_maximum() {
        assert_eq!(delay_seconds(Duration::ZERO), 0);
        assert_eq!(delay_seconds(Duration::from_millis(1)), 1);
        assert_eq!(delay_seconds(Duration::from_millis(2500)), 3);
        assert_eq!(delay_seconds(Duration::from_secs(900)), 900);
        assert_eq!(delay_seconds(Duration::from_secs(901)), 900);
        assert_eq!(delay_seconds(Duration::MAX), 900);
    }

    #[test]
    fn attribute_text_replaces_what_sqs_rejects() {
        assert_eq!(attribute_text("a\u{1}b\tc\u{FFFF}"), "a?b\tc?");
        assert_eq!(attribute_text("plain ✓"), "plain ✓");
    }
}
