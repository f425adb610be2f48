//! The SQS side of the engine's `QueueInspection` port, against moto: what `status`, `dlq list`
//! and `dlq redrive` see and do on AWS, and the retrier's dead-lettering with its reason.

mod support;

use aws_sdk_sqs::Client;
use chrono::Utc;
use std::time::Duration;
use sync_aws::sqs::{SqsQueues, SqsRetryQueue, attributes};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Operation, RetryMessage, WorkItem};
use sync_engine::ports::{LetterBody, QueueInspection, QueueScope, RetryQueue};

struct Queues {
    client: Client,
    retry_url: String,
    inspection: SqsQueues,
}

async fn queues() -> Queues {
    let client = Client::new(&support::sdk_config().await);
    let mut urls = Vec::new();
    for prefix in ["retry", "retry-dlq"] {
        urls.push(
            client
                .create_queue()
                .queue_name(support::unique_name(prefix))
                .send()
                .await
                .expect("CreateQueue")
                .queue_url
                .expect("queue URL"),
        );
    }
    let inspection = SqsQueues::new(client.clone(), &urls[0], &urls[1]);
    Queues {
        client,
        retry_url: urls[0].clone(),
        inspection,
    }
}

fn message(connection: &str, invoiced_id: &str) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: ConnectionId::parse(connection).expect("valid id"),
            record_type: RecordType::Invoice,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        },
        attempt: 8,
        reason: "INTACCT_THROTTLED".to_owned(),
        not_before: None,
    }
}

fn id(raw: &str) -> ConnectionId {
    ConnectionId::parse(raw).expect("valid id")
}

#[tokio::test]
async fn status_counts_the_shared_retry_queue_and_one_connection_s_dead_letters() {
    let q = queues().await;
    let retry = SqsRetryQueue::new(q.client.clone(), &q.retry_url);
    retry
        .enqueue(&message("acme", "1"), Duration::ZERO)
        .await
        .expect("due");
    retry
        .enqueue(&message("globex", "2"), Duration::from_secs(600))
        .await
        .expect("delayed");
    for (conn, invoiced_id) in [("acme", "3"), ("globex", "4"), ("globex", "5")] {
        q.inspection
            .dead_letter(&message(conn, invoiced_id), "retries exhausted")
            .await
            .expect("dead-letter");
    }

    let acme = q
        .inspection
        .counts(&id("acme"), Utc::now())
        .await
        .expect("counts");
    assert_eq!(
        (acme.queued, acme.due, acme.scope, acme.approximate),
        (2, 1, QueueScope::AllConnections, true),
        "the retry queue is shared: both messages, one due"
    );
    assert_eq!(acme.dead_letters, 1, "only acme's dead letter");
    let globex = q
        .inspection
        .counts(&id("globex"), Utc::now())
        .await
        .expect("counts");
    assert_eq!(globex.dead_letters, 2);
    let nobody = q
        .inspection
        .counts(&id("initech"), Utc::now())
        .await
        .expect("counts");
    assert_eq!(nobody.dead_letters, 0);

    // Counting looked at the letters without taking them.
    let listed = q.inspection.list_dead_letters(10).await.expect("list");
    assert_eq!(listed.letters.len(), 3);
}

#[tokio::test]
async fn a_dead_letter_carries_the_retrier_s_reason_until_a_redrive_puts_it_back() {
    let q = queues().await;
    q.inspection
        .dead_letter(
            &message("acme", "20001"),
            "retries exhausted (8 of 8 attempts)",
        )
        .await
        .expect("dead-letter");

    let listed = q.inspection.list_dead_letters(10).await.expect("list");
    assert_eq!((listed.total, listed.maybe_more), (1, false));
    let letter = &listed.letters[0];
    assert_eq!(letter.body, LetterBody::Retry(message("acme", "20001")));
    assert_eq!(
        letter.dead_letter_reason.as_deref(),
        Some("retries exhausted (8 of 8 attempts)")
    );
    assert!(letter.dead_at.is_some() && letter.receive_count == Some(1));

    let redriven = q.inspection.redrive(10, Utc::now()).await.expect("redrive");
    assert_eq!((redriven.moved, redriven.drained), (1, true));
    let back = q
        .client
        .receive_message()
        .queue_url(&q.retry_url)
        .message_attribute_names("All")
        .wait_time_seconds(1)
        .send()
        .await
        .expect("ReceiveMessage")
        .messages
        .unwrap_or_default();
    assert_eq!(back.len(), 1, "on the retry queue again");
    let attrs = back[0].message_attributes().expect("console attributes");
    assert!(attrs.contains_key(attributes::INVOICED_ID));
    assert!(
        !attrs.contains_key(attributes::DEAD_LETTER_REASON),
        "the reason stays behind: {attrs:?}"
    );
    assert_eq!(
        q.inspection
            .list_dead_letters(10)
            .await
            .expect("list")
            .total,
        0
    );
}
