//! [`SqsQueues`]: the retry queue and its dead-letter queue behind the engine's
//! [`QueueInspection`] port, and the retrier's way to dead-letter an exhausted message.
//!
//! SQS counts approximately and only per queue: the retry queue's counts cover every
//! connection (reading messages to tell them apart would spend their receives, and the queue's
//! redrive policy dead-letters a message after a few), while a connection's dead letters are
//! counted by looking at the dead-letter queue ([`peek`], which takes nothing away).

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{DateTime, Utc};

use sync_engine::config::ConnectionId;
use sync_engine::model::RetryMessage;
use sync_engine::ports::{
    DeadLetterList, QueueCounts, QueueError, QueueInspection, QueueScope, Redriven,
};

use super::peek::{PeekedBody, peek};
use super::redrive::{DeadLetterMover, ManualMover, queue_depth};
use super::{attribute, attribute_text, attributes, message_attributes, message_body};

/// Most dead letters a status look reads to count one connection's: beyond it (an alarm has
/// long fired) the count is a lower bound.
pub const COUNTED_DEAD_LETTERS: usize = 1000;

/// One deployment's retry queue and dead-letter queue.
#[derive(Debug, Clone)]
pub struct SqsQueues {
    client: Client,
    retry_queue_url: String,
    dead_letter_queue_url: String,
}

fn failed(e: impl std::fmt::Display) -> QueueError {
    QueueError(e.to_string())
}

impl SqsQueues {
    /// The queues at these URLs.
    pub fn new(
        client: Client,
        retry_queue_url: impl Into<String>,
        dead_letter_queue_url: impl Into<String>,
    ) -> Self {
        Self {
            client,
            retry_queue_url: retry_queue_url.into(),
            dead_letter_queue_url: dead_letter_queue_url.into(),
        }
    }

    /// Sends `message` to the dead-letter queue with `reason` (the `dead_letter_reason`
    /// attribute, which `dlq list` shows) and the usual console attributes. The caller then
    /// settles the original delivery, so a crash in between leaves a duplicate, never a loss.
    pub async fn dead_letter(
        &self,
        message: &RetryMessage,
        reason: &str,
    ) -> Result<(), QueueError> {
        let mut attrs = message_attributes(message)?;
        attrs.insert(
            attributes::DEAD_LETTER_REASON.to_owned(),
            attribute("String", attribute_text(reason))?,
        );
        self.client
            .send_message()
            .queue_url(&self.dead_letter_queue_url)
            .message_body(message_body(message)?)
            .set_message_attributes(Some(attrs))
            .send()
            .await
            .map_err(|e| {
                QueueError(format!(
                    "SendMessage to the dead-letter queue failed: {}",
                    DisplayErrorContext(&e)
                ))
            })?;
        Ok(())
    }

    /// Messages on the retry queue: (visible, in flight, delayed).
    async fn retry_queue_depths(&self) -> Result<(u64, u64, u64), QueueError> {
        let output = self
            .client
            .get_queue_attributes()
            .queue_url(&self.retry_queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .map_err(|e| {
                QueueError(format!(
                    "GetQueueAttributes of the retry queue failed: {}",
                    DisplayErrorContext(&e)
                ))
            })?;
        let count = |name: QueueAttributeName| -> Result<u64, QueueError> {
            let text = output
                .attributes()
                .and_then(|a| a.get(&name))
                .ok_or_else(|| QueueError(format!("{name} missing from GetQueueAttributes")))?;
            text.parse()
                .map_err(|_| QueueError(format!("{name} is not a count: {text:?}")))
        };
        Ok((
            count(QueueAttributeName::ApproximateNumberOfMessages)?,
            count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)?,
            count(QueueAttributeName::ApproximateNumberOfMessagesDelayed)?,
        ))
    }
}

#[async_trait]
impl QueueInspection for SqsQueues {
    async fn counts(
        &self,
        connection: &ConnectionId,
        _now: DateTime<Utc>,
    ) -> Result<QueueCounts, QueueError> {
        let (visible, in_flight, delayed) = self.retry_queue_depths().await?;
        let dead_letters = if queue_depth(&self.client, &self.dead_letter_queue_url)
            .await
            .map_err(failed)?
            == 0
        {
            0
        } else {
            peek(
                &self.client,
                &self.dead_letter_queue_url,
                COUNTED_DEAD_LETTERS,
            )
            .await
            .map_err(failed)?
            .letters
            .iter()
            .filter(|l| matches!(&l.body, PeekedBody::Retry(m) if &m.work.connection == connection))
            .count() as u64
        };
        Ok(QueueCounts {
            queued: visible + in_flight + delayed,
            due: visible,
            scope: QueueScope::AllConnections,
            dead_letters,
            approximate: true,
        })
    }

    async fn list_dead_letters(&self, limit: usize) -> Result<DeadLetterList, QueueError> {
        let total = queue_depth(&self.client, &self.dead_letter_queue_url)
            .await
            .map_err(failed)?;
        let report = peek(&self.client, &self.dead_letter_queue_url, limit)
            .await
            .map_err(failed)?;
        Ok(report.into_list(total))
    }

    async fn redrive(&self, limit: usize, _now: DateTime<Utc>) -> Result<Redriven, QueueError> {
        let report = ManualMover::new(
            self.client.clone(),
            self.dead_letter_queue_url.clone(),
            self.retry_queue_url.clone(),
        )
        .redrive(limit)
        .await
        .map_err(failed)?;
        Ok(Redriven {
            moved: report.moved,
            drained: report.drained,
        })
    }
}
