//! Dead letters against moto: a message that keeps failing lands in the dead-letter queue, an
//! operator looks at it without taking it, and the mover brings it back after the operator fixed
//! the cause.

mod support;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{Message, QueueAttributeName};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use sync_aws::sqs::{
    DeadLetterMover, ManualMover, PeekedBody, RedriveError, SqsRetryQueue, attributes,
    parse_message, peek, queue_depth,
};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Operation, RetryMessage, WorkItem};
use sync_engine::ports::RetryQueue;

/// A retry queue whose redrive policy dead-letters a message after two receives.
struct Queues {
    client: Client,
    source_url: String,
    dlq_url: String,
}

impl Queues {
    async fn create() -> Self {
        let client = Client::new(&support::sdk_config().await);
        let dlq_url = create_queue(&client, "retry-dlq", None).await;
        let dlq_arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes")
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .expect("the DLQ has an ARN");
        let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"2"}}"#);
        let source_url = create_queue(&client, "retry", Some(policy)).await;
        Self {
            client,
            source_url,
            dlq_url,
        }
    }

    fn mover(&self) -> ManualMover {
        ManualMover::new(self.client.clone(), &self.dlq_url, &self.source_url)
    }

    /// Receives from `url` without deleting and with no visibility timeout, as a retrier that
    /// crashes on the message would, until the queue is empty or `deadline` passes.
    async fn fail_until_dead_lettered(&self, deadline: Duration) {
        let until = Instant::now() + deadline;
        while Instant::now() < until {
            if queue_depth(&self.client, &self.dlq_url)
                .await
                .expect("depth")
                >= 1
            {
                return;
            }
            self.client
                .receive_message()
                .queue_url(&self.source_url)
                .visibility_timeout(0)
                .send()
                .await
                .expect("ReceiveMessage");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the message never reached the dead-letter queue");
    }

    async fn receive(&self, url: &str) -> Vec<Message> {
        self.client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .send()
            .await
            .expect("ReceiveMessage")
            .messages
            .unwrap_or_default()
    }
}

async fn create_queue(client: &Client, prefix: &str, redrive_policy: Option<String>) -> String {
    let mut request = client
        .create_queue()
        .queue_name(support::unique_name(prefix));
    if let Some(policy) = redrive_policy {
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
    }
    request
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("queue URL")
}

fn message(invoiced_id: &str) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: ConnectionId::parse("acme-prod").expect("valid id"),
            record_type: RecordType::Invoice,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        },
        attempt: 8,
        reason: "INTACCT_PAYMENT_BATCH_KEY".to_owned(),
        not_before: None,
    }
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_dead_lettered_then_redriven_intact() {
    let queues = Queues::create().await;
    let queue = SqsRetryQueue::new(queues.client.clone(), &queues.source_url);
    let sent = message("inv-1001");
    queue.enqueue(&sent, Duration::ZERO).await.expect("enqueue");

    queues
        .fail_until_dead_lettered(Duration::from_secs(10))
        .await;
    assert!(queues.receive(&queues.source_url).await.is_empty());
    let mover = queues.mover();
    assert_eq!(mover.dlq_depth().await.expect("depth"), 1);

    let report = mover.redrive(10).await.expect("redrive");
    assert_eq!(report.moved, 1);
    assert!(report.drained, "the DLQ had nothing more");
    assert_eq!(mover.dlq_depth().await.expect("depth"), 0);

    let back = queues.receive(&queues.source_url).await;
    assert_eq!(
        back.len(),
        1,
        "the message is receivable from the source again"
    );
    let body = back[0].body.as_deref().expect("body");
    assert_eq!(parse_message(body).expect("same body"), sent);
    let attrs = back[0]
        .message_attributes
        .as_ref()
        .expect("attributes kept");
    assert_eq!(
        attrs
            .get(attributes::INVOICED_ID)
            .and_then(|v| v.string_value()),
        Some("inv-1001")
    );
    assert_eq!(
        attrs.get(attributes::ATTEMPT).map(|v| v.data_type()),
        Some("Number")
    );
}

#[tokio::test]
async fn a_redrive_moves_no_more_than_its_limit() {
    let queues = Queues::create().await;
    let dead = SqsRetryQueue::new(queues.client.clone(), &queues.dlq_url);
    for n in 0..5 {
        dead.enqueue(&message(&format!("inv-{n}")), Duration::ZERO)
            .await
            .expect("seed the DLQ");
    }
    let mover = queues.mover();

    let report = mover.redrive(3).await.expect("redrive");
    assert_eq!(report.moved, 3);
    assert!(!report.drained, "two were left behind on purpose");
    assert_eq!(mover.dlq_depth().await.expect("depth"), 2);
    assert_eq!(
        queue_depth(&queues.client, &queues.source_url)
            .await
            .expect("depth"),
        3
    );

    let moved: BTreeSet<String> = queues
        .receive(&queues.source_url)
        .await
        .iter()
        .filter_map(|m| m.body.as_deref())
        .map(|b| parse_message(b).expect("parses").work.invoiced_id)
        .collect();
    assert_eq!(moved.len(), 3, "three distinct messages: {moved:?}");

    let rest = mover.redrive(10).await.expect("second redrive");
    assert_eq!(rest.moved, 2);
    assert!(rest.drained);
}

#[tokio::test]
async fn a_redrive_of_an_empty_dead_letter_queue_moves_nothing() {
    let queues = Queues::create().await;
    let report = queues
        .mover()
        .with_wait(Duration::ZERO)
        .redrive(10)
        .await
        .expect("redrive");
    assert_eq!(report.moved, 0);
    assert!(report.drained);
}

#[tokio::test]
async fn a_redrive_limit_of_zero_touches_nothing() {
    let queues = Queues::create().await;
    let dead = SqsRetryQueue::new(queues.client.clone(), &queues.dlq_url);
    dead.enqueue(&message("inv-z"), Duration::ZERO)
        .await
        .expect("seed");
    let report = queues.mover().redrive(0).await.expect("redrive");
    assert_eq!(report.moved, 0);
    assert_eq!(queues.mover().dlq_depth().await.expect("depth"), 1);
}

#[tokio::test]
async fn a_redrive_to_a_missing_source_queue_fails_without_losing_the_dead_letter() {
    let queues = Queues::create().await;
    let dead = SqsRetryQueue::new(queues.client.clone(), &queues.dlq_url);
    dead.enqueue(&message("inv-keep"), Duration::ZERO)
        .await
        .expect("seed");
    let gone = format!(
        "{}/123456789012/{}",
        support::endpoint(),
        support::unique_name("gone")
    );
    let mover = ManualMover::new(queues.client.clone(), &queues.dlq_url, gone)
        .with_visibility_timeout(Duration::from_secs(1));

    let err = mover.redrive(10).await.expect_err("the send fails");
    assert!(
        matches!(
            err,
            RedriveError::Sqs {
                operation: "SendMessage",
                moved: 0,
                ..
            }
        ),
        "{err}"
    );
    // Not deleted: it reappears in the DLQ once the mover's visibility timeout ends.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if !queues.receive(&queues.dlq_url).await.is_empty() {
            break;
        }
        assert!(
            Instant::now() < until,
            "the dead letter was lost after a failed send"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn looking_at_dead_letters_lists_every_one_and_leaves_them_all_in_the_queue() {
    let queues = Queues::create().await;
    // One letter dead-lettered by the queue's own redrive policy, one put there directly, and
    // two bodies that are not retry messages (not JSON; JSON of the wrong shape).
    SqsRetryQueue::new(queues.client.clone(), &queues.source_url)
        .enqueue(&message("inv-dead"), Duration::ZERO)
        .await
        .expect("enqueue");
    queues
        .fail_until_dead_lettered(Duration::from_secs(10))
        .await;
    SqsRetryQueue::new(queues.client.clone(), &queues.dlq_url)
        .enqueue(&message("inv-direct"), Duration::ZERO)
        .await
        .expect("seed the DLQ");
    for garbage in ["not json {", r#"{"work": 42}"#] {
        queues
            .client
            .send_message()
            .queue_url(&queues.dlq_url)
            .message_body(garbage)
            .send()
            .await
            .expect("SendMessage");
    }

    let before = chrono::Utc::now() - chrono::Duration::minutes(5);
    let first = peek(&queues.client, &queues.dlq_url, 10)
        .await
        .expect("peek");
    assert_eq!(first.letters.len(), 4, "{first:#?}");
    assert!(!first.maybe_more, "an empty receive ended the look");
    assert!(first.still_hidden.is_empty());
    let mut readable = BTreeSet::new();
    let mut unreadable = BTreeSet::new();
    for letter in &first.letters {
        assert!(letter.sent_at.is_some_and(|t| t > before), "{letter:?}");
        assert!(letter.receive_count.is_some_and(|n| n >= 1), "{letter:?}");
        match &letter.body {
            PeekedBody::Retry(m) => {
                assert_eq!(m.attempt, 8);
                assert_eq!(m.work.connection.as_str(), "acme-prod");
                readable.insert(m.work.invoiced_id.clone());
            }
            PeekedBody::Unreadable { reason, preview } => {
                assert!(reason.contains("retry message body"), "{reason}");
                unreadable.insert(preview.clone());
            }
        }
    }
    assert_eq!(
        readable,
        BTreeSet::from(["inv-dead".to_owned(), "inv-direct".to_owned()])
    );
    assert_eq!(
        unreadable,
        BTreeSet::from(["not json {".to_owned(), r#"{"work": 42}"#.to_owned()])
    );

    // Visible again at once (not after the 30 s peek timeout), and the same four messages.
    assert_eq!(queues.mover().dlq_depth().await.expect("depth"), 4);
    let second = peek(&queues.client, &queues.dlq_url, 10)
        .await
        .expect("second peek");
    let ids = |letters: &[sync_aws::sqs::PeekedLetter]| -> BTreeSet<String> {
        letters.iter().map(|l| l.message_id.clone()).collect()
    };
    assert_eq!(ids(&second.letters), ids(&first.letters));
    for letter in &second.letters {
        let earlier = first
            .letters
            .iter()
            .find(|l| l.message_id == letter.message_id)
            .expect("same message");
        assert_eq!(letter.body, earlier.body, "bodies untouched");
        assert_eq!(letter.sent_at, earlier.sent_at, "not re-sent");
        assert_eq!(
            letter.receive_count,
            earlier.receive_count.map(|n| n + 1),
            "a look is one receive"
        );
    }
}

#[tokio::test]
async fn a_look_stops_at_its_limit_says_there_may_be_more_and_hides_nothing() {
    let queues = Queues::create().await;
    let dead = SqsRetryQueue::new(queues.client.clone(), &queues.dlq_url);
    for n in 0..5 {
        dead.enqueue(&message(&format!("inv-{n}")), Duration::ZERO)
            .await
            .expect("seed the DLQ");
    }
    let report = peek(&queues.client, &queues.dlq_url, 2)
        .await
        .expect("peek");
    assert_eq!(report.letters.len(), 2);
    assert!(report.maybe_more);
    assert_eq!(queues.mover().dlq_depth().await.expect("depth"), 5);
    let all = peek(&queues.client, &queues.dlq_url, 10)
        .await
        .expect("peek all");
    assert_eq!(all.letters.len(), 5);
    assert!(
        all.letters.windows(2).all(|w| w[0].sent_at <= w[1].sent_at),
        "oldest first"
    );
}
