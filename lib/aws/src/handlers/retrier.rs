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
    handle_with(event, deadline, move |record| {
        let deployment = deployment.clone();
        async move { process(&deployment, record).await }
    })
    .await
}

/// The batch mechanics with the per-message work supplied: bounded concurrency, a task per
/// message (a panic fails that message alone), the deadline, and the partial batch response.
pub async fn handle_with<F, Fut>(event: SqsEvent, deadline: SystemTime, work: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let budget = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN);
    let results: Vec<(String, bool)> = futures::stream::iter(event.records.into_iter().map(|record| {
        let id = record.message_id.clone().unwrap_or_default();
        let future = work(record);
        async move {
            let task = tokio::spawn(future);
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
        Ok(outcome) => match engine.dead_letter_reason(&message, &outcome) {
            None => true,
            Some(reason) => {
                // Retries are exhausted: the reconciliation error is recorded, and the message
                // goes to the dead-letter queue so an operator can redrive it once the cause is
                // gone.
                tracing::warn!(%reason, attempt = message.attempt, "retries exhausted; to the dead-letter queue");
                match deployment.queues().dead_letter(&message, &reason).await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::error!(error = %e, "could not dead-letter the message; SQS will redeliver");
                        false
                    }
                }
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "retry outcome not durable; SQS will redeliver");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(bodies: &[&str]) -> SqsEvent {
        let mut event = SqsEvent::default();
        for (i, body) in bodies.iter().enumerate() {
            let mut record = SqsMessage::default();
            record.message_id = Some(format!("m{i}"));
            record.body = Some((*body).to_owned());
            event.records.push(record);
        }
        event
    }

    fn failed(response: &SqsBatchResponse) -> Vec<String> {
        let mut ids: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        ids.sort();
        ids
    }

    #[tokio::test]
    async fn a_panicking_message_fails_alone() {
        let event = batch(&["ok", "panic", "ok", "ok"]);
        let deadline = SystemTime::now() + Duration::from_secs(30);
        let response = handle_with(event, deadline, |record| async move {
            assert_ne!(record.body.as_deref(), Some("panic"), "poisoned message");
            true
        })
        .await;
        assert_eq!(failed(&response), ["m1"]);
    }

    #[tokio::test]
    async fn a_message_still_running_at_the_deadline_is_redelivered_and_the_rest_settle() {
        let event = batch(&["fast", "slow", "fast"]);
        // The margin leaves one second of budget.
        let deadline = SystemTime::now() + DEADLINE_MARGIN + Duration::from_secs(1);
        let response = handle_with(event, deadline, |record| async move {
            if record.body.as_deref() == Some("slow") {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            true
        })
        .await;
        assert_eq!(failed(&response), ["m1"]);
    }

    #[tokio::test]
    async fn a_batch_never_runs_more_than_the_bound_at_once() {
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let event = batch(&["a", "b", "c", "d", "e", "f"]);
        let deadline = SystemTime::now() + Duration::from_secs(30);
        let (r, p) = (running.clone(), peak.clone());
        handle_with(event, deadline, move |_| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                let now = r.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                p.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                r.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                true
            }
        })
        .await;
        assert_eq!(
            peak.load(std::sync::atomic::Ordering::SeqCst),
            BATCH_CONCURRENCY
        );
    }
}
