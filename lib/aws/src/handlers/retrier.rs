//! SQS retry queue → the engine's write path, with partial batch responses.
//!
//! Only the ids of messages that could not be settled durably are returned, so SQS redelivers
//! just those. Messages of one batch run a few at a time (the engine's leases bound Intacct
//! per connection across every function; this bound keeps a batch from queueing on them), each
//! in its own task so a panic fails that message alone, and each within the invocation's
//! deadline so a slow one is retried rather than lost.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sync_engine::engine::Outcome;

use crate::runtime::Deployment;
use crate::sqs::parse_message;

/// Messages of one batch processed at once.
pub const BATCH_CONCURRENCY: usize = 2;

/// Time kept back from the deadline to answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// Processes one SQS batch; returns the ids to redeliver.
pub async fn handle(
    deployment: Arc<Deployment>,
    event: SqsEvent,
    deadline: SystemTime,
) -> SqsBatchResponse {
    let budget = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN);
    let results: Vec<(String, bool)> = futures::stream::iter(event.records.into_iter().map(|record| {
        let deployment = deployment.clone();
        async move {
            let id = record.message_id.clone().unwrap_or_default();
            let task = tokio::spawn(async move { process(&deployment, record).await });
            let settled = match tokio::time::timeout(budget, task).await {
                Ok(Ok(result)) => result,
                Ok(Err(join)) => {
                    tracing::error!(message_id = %id, error = %join, "retry message panicked");
                    false
                }
                Err(_) => {
                    tracing::warn!(message_id = %id, "retry message ran out of time; SQS will redeliver it");
                    false
                }
            };
            (id, settled)
        }
    }))
    .buffer_unordered(BATCH_CONCURRENCY)
    .collect()
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, settled) in results {
        if !settled {
            response.add_failure(id);
        }
    }
    response
}

/// True when the message's outcome is durable (written, queued again, parked, recorded).
async fn process(deployment: &Deployment, record: SqsMessage) -> bool {
    let engine = &deployment.engine;
    let Some(body) = record.body.as_deref() else {
        tracing::error!("retry message without a body; it will reach the dead-letter queue");
        return false;
    };
    let message = match parse_message(body) {
        Ok(m) => m,
        Err(e) => {
            // Never valid: failing it lets SQS move it to the dead-letter queue for an operator.
            tracing::error!(error = %e, "unreadable retry message");
            return false;
        }
    };
    match engine.handle_retry(&message).await {
        Ok(Outcome::Failed { error_id, code })
            if message.attempt >= engine.settings().retry.max_attempts =>
        {
            // Retries are exhausted: the reconciliation error is recorded, and the message goes
            // to the dead-letter queue so an operator can redrive it once the cause is gone.
            tracing::warn!(%error_id, %code, attempt = message.attempt, "retries exhausted; to the dead-letter queue");
            match deployment
                .sqs
                .send_message()
                .queue_url(&deployment.dead_letter_queue_url)
                .message_body(body)
                .send()
                .await
            {
                Ok(_) => true,
                Err(e) => {
                    tracing::error!(error = %e, "could not dead-letter the message; SQS will redeliver");
                    false
                }
            }
        }
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "retry outcome not durable; SQS will redeliver");
            false
        }
    }
}
