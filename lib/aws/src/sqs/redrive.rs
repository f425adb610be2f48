//! Moving dead letters back to the retry queue once an operator fixed their cause.
//!
//! [`ManualMover`] does it by hand with ReceiveMessage / SendMessage / DeleteMessage, in bounded
//! batches. SQS's own StartMessageMoveTask is not used: it cannot stop at a count (an operator
//! redrives `--limit N`), and emulators such as moto 5.2.5 lack it.

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::QueueAttributeName;
use std::time::Duration;

/// What a redrive did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedriveReport {
    /// Messages sent back to the source queue and deleted from the dead-letter queue by this
    /// call.
    pub moved: usize,
    /// Whether the dead-letter queue was found empty before `limit` was reached.
    pub drained: bool,
}

/// Why a redrive stopped.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// An SQS call failed; `moved` messages had already been moved (and are not undone).
    #[error("SQS {operation} failed after {moved} message(s) moved: {detail}")]
    Sqs {
        /// The SQS action.
        operation: &'static str,
        /// Messages moved before the failure.
        moved: usize,
        /// The SDK error.
        detail: String,
    },
}

/// Puts dead letters back on the retry queue.
#[async_trait]
pub trait DeadLetterMover: Send + Sync {
    /// Moves up to `limit` dead letters back to their source queue, bodies unchanged (a
    /// message keeps its attempt count, as the embedded queue's redrive does, so one that fails
    /// again after the operator's fix goes straight back to the dead-letter queue).
    async fn redrive(&self, limit: usize) -> Result<RedriveReport, RedriveError>;
}

/// The approximate number of messages waiting in a queue (GetQueueAttributes
/// ApproximateNumberOfMessages): visible messages only, eventually consistent, good for alarms
/// and status pages rather than exact counting.
pub async fn queue_depth(client: &Client, queue_url: &str) -> Result<u64, RedriveError> {
    const OPERATION: &str = "GetQueueAttributes";
    let failed = |detail: String| RedriveError::Sqs {
        operation: OPERATION,
        moved: 0,
        detail,
    };
    let output = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| failed(DisplayErrorContext(&e).to_string()))?;
    let text = output
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
        .ok_or_else(|| failed("ApproximateNumberOfMessages missing from the answer".to_owned()))?;
    text.parse().map_err(|_| {
        failed(format!(
            "ApproximateNumberOfMessages is not a count: {text:?}"
        ))
    })
}

/// Moves dead letters by hand: receive a batch from the dead-letter queue, send each message to
/// the source queue with the same body and attributes (less the retrier's dead-letter reason)
/// and no delay, then delete it from the dead-letter queue.
///
/// A message is deleted only after its send succeeded. A crash (or an expired receipt) between
/// the two leaves it in both queues: it is duplicated, never lost. The duplicate is harmless
/// because the engine records a write intent before every Intacct write and probes an unknown
/// outcome before re-posting, so the second delivery finds the work done.
#[derive(Debug, Clone)]
pub struct ManualMover {
    client: Client,
    dlq_url: String,
    source_url: String,
    wait: Duration,
    visibility_timeout: Duration,
}

impl ManualMover {
    /// A mover from `dlq_url` back to `source_url`.
    pub fn new(client: Client, dlq_url: impl Into<String>, source_url: impl Into<String>) -> Self {
        Self {
            client,
            dlq_url: dlq_url.into(),
            source_url: source_url.into(),
            wait: Duration::from_secs(1),
            visibility_timeout: Duration::from_secs(60),
        }
    }

    /// How long each receive waits for messages (default 1 s, at most 20 s). Zero makes it a
    /// short poll, which samples only some SQS servers and may find a non-empty queue empty:
    /// the redrive would then stop early (never wrongly move anything).
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait.min(Duration::from_secs(20));
        self
    }

    /// How long received dead letters stay hidden (default 60 s): if this process dies mid-batch
    /// they reappear in the dead-letter queue after it. Keep it above the time one batch takes,
    /// or a slow batch may duplicate messages.
    pub fn with_visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// The approximate number of messages in the dead-letter queue.
    pub async fn dlq_depth(&self) -> Result<u64, RedriveError> {
        queue_depth(&self.client, &self.dlq_url).await
    }
}

/// SQS's ReceiveMessage maximum batch size.
const RECEIVE_BATCH: usize = 10;

#[async_trait]
impl DeadLetterMover for ManualMover {
    async fn redrive(&self, limit: usize) -> Result<RedriveReport, RedriveError> {
        let mut report = RedriveReport::default();
        let failed = |operation: &'static str, moved: usize, detail: String| RedriveError::Sqs {
            operation,
            moved,
            detail,
        };
        while report.moved < limit {
            let batch = (limit - report.moved).min(RECEIVE_BATCH);
            let received = self
                .client
                .receive_message()
                .queue_url(&self.dlq_url)
                .max_number_of_messages(to_i32(batch))
                .wait_time_seconds(to_i32(self.wait.as_secs()))
                .visibility_timeout(to_i32(self.visibility_timeout.as_secs().max(1)))
                .message_attribute_names("All")
                .send()
                .await
                .map_err(|e| {
                    failed(
                        "ReceiveMessage",
                        report.moved,
                        DisplayErrorContext(&e).to_string(),
                    )
                })?;
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                report.drained = true;
                break;
            }
            for message in messages {
                let Some(receipt) = message.receipt_handle else {
                    continue;
                };
                // The retrier's reason for dead-lettering stays behind: it is not true of the
                // message once it is back on the retry queue.
                let attributes = message.message_attributes.map(|mut a| {
                    a.remove(super::attributes::DEAD_LETTER_REASON);
                    a
                });
                self.client
                    .send_message()
                    .queue_url(&self.source_url)
                    .set_message_body(message.body)
                    .set_message_attributes(attributes)
                    .delay_seconds(0)
                    .send()
                    .await
                    .map_err(|e| {
                        failed(
                            "SendMessage",
                            report.moved,
                            DisplayErrorContext(&e).to_string(),
                        )
                    })?;
                self.client
                    .delete_message()
                    .queue_url(&self.dlq_url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .map_err(|e| {
                        failed(
                            "DeleteMessage",
                            report.moved,
                            DisplayErrorContext(&e).to_string(),
                        )
                    })?;
                report.moved += 1;
                tracing::info!(
                    message_id = message.message_id.as_deref().unwrap_or("?"),
                    "redrove dead letter to the retry queue"
                );
            }
        }
        Ok(report)
    }
}

fn to_i32(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
