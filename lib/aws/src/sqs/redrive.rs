//! Moving dead letters back to the retry queue once an operator fixed their cause.
//!
//! Two movers behind one trait: [`MoveTaskMover`] asks SQS to do it (StartMessageMoveTask, the
//! real AWS API, asynchronous and unbounded in count), and [`ManualMover`] does it by hand with
//! ReceiveMessage / SendMessage / DeleteMessage, in bounded batches, which also works on
//! emulators that lack the move-task API (moto 5.2.5).

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::start_message_move_task::StartMessageMoveTaskError;
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
    /// The handle of the SQS move task doing the work asynchronously, when the mover delegated
    /// it (`moved` is then 0: SQS reports progress through ListMessageMoveTasks).
    pub task_handle: Option<String>,
}

/// Why a redrive stopped.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// The endpoint does not implement the API (moto and other emulators lack
    /// StartMessageMoveTask); use [`ManualMover`] there.
    #[error("{operation} is not supported by this endpoint: {detail}")]
    NotSupported {
        /// The SQS action.
        operation: &'static str,
        /// What the endpoint answered.
        detail: String,
    },
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
    /// again after the operator's fix goes straight back to the dead-letter queue). A mover
    /// that cannot bound the count says so on its implementation ([`MoveTaskMover`]).
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

/// Moves dead letters with SQS's own move task (StartMessageMoveTask): one call, and SQS moves
/// every message of the dead-letter queue asynchronously, back to the queue each came from
/// unless a destination is set.
#[derive(Debug, Clone)]
pub struct MoveTaskMover {
    client: Client,
    dlq_arn: String,
    destination_arn: Option<String>,
}

/// SQS's ceiling on a move task's rate.
const MAX_MOVE_RATE: usize = 500;

impl MoveTaskMover {
    /// A mover for the dead-letter queue with ARN `dlq_arn` (the API takes ARNs, not URLs).
    pub fn new(client: Client, dlq_arn: impl Into<String>) -> Self {
        Self {
            client,
            dlq_arn: dlq_arn.into(),
            destination_arn: None,
        }
    }

    /// Sends every message to `arn` instead of the queue it came from.
    pub fn with_destination(mut self, arn: impl Into<String>) -> Self {
        self.destination_arn = Some(arn.into());
        self
    }
}

#[async_trait]
impl DeadLetterMover for MoveTaskMover {
    /// Starts the move task. A move task cannot stop at a count, so `limit` is used as its rate
    /// (messages per second, clamped to 1..=500) and the whole queue is moved; use
    /// [`ManualMover`] to move only some.
    async fn redrive(&self, limit: usize) -> Result<RedriveReport, RedriveError> {
        const OPERATION: &str = "StartMessageMoveTask";
        let output = self
            .client
            .start_message_move_task()
            .source_arn(&self.dlq_arn)
            .set_destination_arn(self.destination_arn.clone())
            .max_number_of_messages_per_second(to_i32(limit.clamp(1, MAX_MOVE_RATE)))
            .send()
            .await
            .map_err(|e| {
                if is_not_supported(&e) {
                    RedriveError::NotSupported {
                        operation: OPERATION,
                        detail: not_supported_detail(&e),
                    }
                } else {
                    RedriveError::Sqs {
                        operation: OPERATION,
                        moved: 0,
                        detail: DisplayErrorContext(&e).to_string(),
                    }
                }
            })?;
        Ok(RedriveReport {
            moved: 0,
            drained: false,
            task_handle: output.task_handle,
        })
    }
}

/// Whether the endpoint does not implement the action: SQS's own UnsupportedOperation, the
/// `InvalidAction` of emulators that do not know it, HTTP 501, or an HTTP 500 whose body is an
/// HTML page instead of an AWS error document (moto answers unimplemented actions with a Flask
/// "Internal Server Error" page; real SQS answers every error in its own protocol, with a code).
fn is_not_supported(error: &SdkError<StartMessageMoveTaskError, HttpResponse>) -> bool {
    if error
        .as_service_error()
        .is_some_and(StartMessageMoveTaskError::is_unsupported_operation)
    {
        return true;
    }
    if matches!(
        error.code(),
        Some("InvalidAction" | "UnsupportedOperation" | "NotImplemented")
    ) {
        return true;
    }
    let Some(response) = error.raw_response() else {
        return false;
    };
    let status = response.status().as_u16();
    let html = response
        .body()
        .bytes()
        .is_some_and(|b| b.trim_ascii_start().starts_with(b"<"));
    status == 501 || (status == 500 && error.code().is_none() && html)
}

/// A short description of a not-supported answer (the SDK's full context includes the raw
/// response, which for an HTML page is long and says nothing more).
fn not_supported_detail(error: &SdkError<StartMessageMoveTaskError, HttpResponse>) -> String {
    match (error.code(), error.raw_response()) {
        (Some(code), _) => format!("error code {code}"),
        (None, Some(response)) => format!(
            "HTTP {} without an AWS error document",
            response.status().as_u16()
        ),
        (None, None) => "no response".to_owned(),
    }
}

fn to_i32(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}
