//! The SQS retry queue against moto: delays, the 900 s clamp, console attributes, and the body
//! the retrier parses back.

mod support;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{Message, QueueAttributeName};
use chrono::{TimeZone, Utc};
use std::time::{Duration, Instant};
use sync_aws::sqs::{ParseMessageError, SqsRetryQueue, attributes, parse_message};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Operation, RetryMessage, WorkItem};
use sync_engine::ports::RetryQueue;

async fn client() -> Client {
    Client::new(&support::sdk_config().await)
}

async fn create_queue(client: &Client) -> String {
    client
        .create_queue()
        .queue_name(support::unique_name("retry"))
        .send()
        .await
        .expect("CreateQueue on moto")
        .queue_url
        .expect("CreateQueue returns a URL")
}

fn message(invoiced_id: &str, attempt: u32) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: ConnectionId::parse("acme-prod").expect("valid id"),
            record_type: RecordType::Payment,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        },
        attempt,
        reason: "XMLGW_JPP0001".to_owned(),
        not_before: None,
    }
}

/// One receive without waiting (moto answers short polls exactly).
async fn receive_now(client: &Client, url: &str) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .message_attribute_names("All")
        .send()
        .await
        .expect("ReceiveMessage on moto")
        .messages
        .unwrap_or_default()
}

/// Receives until a message arrives or `deadline` passes.
async fn receive_within(client: &Client, url: &str, deadline: Duration) -> Option<Message> {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if let Some(message) = receive_now(client, url).await.into_iter().next() {
            return Some(message);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn a_retry_queued_with_a_delay_stays_hidden_until_the_delay_passes() {
    let client = client().await;
    let url = create_queue(&client).await;
    let queue = SqsRetryQueue::new(client.clone(), &url);
    let sent = message("pay-1", 1);

    let queued_at = Instant::now();
    queue
        .enqueue(&sent, Duration::from_secs(2))
        .await
        .expect("enqueue");

    assert!(
        receive_now(&client, &url).await.is_empty(),
        "a delayed retry must not be delivered at once"
    );
    let delivered = receive_within(&client, &url, Duration::from_secs(10))
        .await
        .expect("the retry is delivered once its delay passed");
    assert!(
        queued_at.elapsed() >= Duration::from_millis(1500),
        "delivered after {:?}, before the 2 s delay",
        queued_at.elapsed()
    );
    let body = delivered.body.expect("message has a body");
    assert_eq!(parse_message(&body).expect("our own body parses"), sent);
}

#[tokio::test]
async fn a_delay_beyond_the_sqs_maximum_is_clamped_instead_of_rejected() {
    let client = client().await;
    let url = create_queue(&client).await;
    let queue = SqsRetryQueue::new(client.clone(), &url);

    // SQS (and moto) refuse DelaySeconds above 900 sent as is...
    let raw = client
        .send_message()
        .queue_url(&url)
        .message_body("{}")
        .delay_seconds(3600)
        .send()
        .await;
    assert!(raw.is_err(), "the endpoint accepted DelaySeconds=3600");

    // ...so the adapter sends 900 rather than failing the retry.
    queue
        .enqueue(&message("pay-2", 3), Duration::from_secs(3600))
        .await
        .expect("a one-hour delay is clamped, not an error");

    assert!(receive_now(&client, &url).await.is_empty());
    let attrs = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("GetQueueAttributes");
    let delayed = attrs
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessagesDelayed))
        .cloned();
    assert_eq!(delayed.as_deref(), Some("1"), "the message waits delayed");
}

#[tokio::test]
async fn attributes_show_what_a_message_is_about_without_decoding_the_body() {
    let client = client().await;
    let url = create_queue(&client).await;
    let queue = SqsRetryQueue::new(client.clone(), &url);
    let mut sent = message("inv-42", 4);
    sent.work.record_type = RecordType::Invoice;
    sent.work.operation = Operation::Void;
    sent.not_before = Some(Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0).unwrap());

    queue.enqueue(&sent, Duration::ZERO).await.expect("enqueue");
    let delivered = receive_within(&client, &url, Duration::from_secs(5))
        .await
        .expect("delivered");

    let attrs = delivered.message_attributes.expect("attributes present");
    let text = |name: &str| {
        attrs
            .get(name)
            .and_then(|v| v.string_value())
            .map(str::to_owned)
    };
    assert_eq!(text(attributes::CONNECTION).as_deref(), Some("acme-prod"));
    assert_eq!(text(attributes::RECORD_TYPE).as_deref(), Some("invoice"));
    assert_eq!(text(attributes::INVOICED_ID).as_deref(), Some("inv-42"));
    assert_eq!(text(attributes::OPERATION).as_deref(), Some("void"));
    assert_eq!(text(attributes::ATTEMPT).as_deref(), Some("4"));
    assert_eq!(
        attrs.get(attributes::ATTEMPT).map(|v| v.data_type()),
        Some("Number")
    );
    assert_eq!(text(attributes::REASON).as_deref(), Some("XMLGW_JPP0001"));
    assert_eq!(
        text(attributes::NOT_BEFORE).as_deref(),
        Some("2026-11-26T09:30:00+00:00")
    );

    // The body carries the same message, `not_before` included, and nothing else.
    let body = delivered.body.expect("body");
    assert_eq!(parse_message(&body).expect("parses"), sent);
    let fields: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mut keys: Vec<&str> = fields
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["attempt", "not_before", "reason", "work"]);
}

#[tokio::test]
async fn an_empty_reason_is_left_out_of_the_attributes_rather_than_failing_the_send() {
    let client = client().await;
    let url = create_queue(&client).await;
    let queue = SqsRetryQueue::new(client.clone(), &url);
    let mut sent = message("cust-7", 1);
    sent.reason = String::new();

    queue.enqueue(&sent, Duration::ZERO).await.expect("enqueue");
    let delivered = receive_within(&client, &url, Duration::from_secs(5))
        .await
        .expect("delivered");
    let attrs = delivered.message_attributes.expect("attributes");
    assert!(!attrs.contains_key(attributes::REASON));
    assert!(attrs.contains_key(attributes::CONNECTION));
}

#[tokio::test]
async fn sending_to_a_missing_queue_is_an_error_naming_the_work() {
    let client = client().await;
    let queue = SqsRetryQueue::new(
        client,
        format!(
            "{}/123456789012/{}",
            support::endpoint(),
            support::unique_name("gone")
        ),
    );
    let err = queue
        .enqueue(&message("pay-9", 2), Duration::ZERO)
        .await
        .expect_err("no such queue");
    assert!(err.0.contains("pay-9"), "{err}");
    assert!(err.0.contains("attempt 2"), "{err}");
}

#[test]
fn bodies_that_are_not_retry_messages_are_typed_errors() {
    assert!(matches!(
        parse_message("not json"),
        Err(ParseMessageError::NotJson { line: 1, .. })
    ));
    assert!(matches!(
        parse_message(""),
        Err(ParseMessageError::NotJson { .. })
    ));
    assert!(matches!(
        parse_message(r#"{"work": 1, "attempt": 1, "reason": "x"}"#),
        Err(ParseMessageError::WrongShape { .. })
    ));
    let unknown_type = r#"{"work":{"connection":"acme","record_type":"widget","invoiced_id":"1","operation":"create"},"attempt":1,"reason":"x"}"#;
    assert!(matches!(
        parse_message(unknown_type),
        Err(ParseMessageError::WrongShape { .. })
    ));
    let bad_connection = r#"{"work":{"connection":"ACME!","record_type":"invoice","invoiced_id":"1","operation":"create"},"attempt":1,"reason":"x"}"#;
    assert!(matches!(
        parse_message(bad_connection),
        Err(ParseMessageError::WrongShape { .. })
    ));
}
