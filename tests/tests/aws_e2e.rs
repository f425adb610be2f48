//! End to end on AWS APIs: the real Lambda handlers over DynamoDB, SQS and Secrets Manager
//! (moto server, through the official Rust SDK) and both sandboxes.
//!
//! Needs `AWS_ENDPOINT_URL` (scripts/test starts moto); fails with instructions otherwise.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use lambda_http::{Body, RequestExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, LineItemParams};
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, RunningIntacct, SeedSpec};
use sandbox::invoiced::{InvoicedConfig, Kind, RunningInvoiced};
use sync_aws::dynamodb::DynamoStore;
use sync_aws::handlers::{poller, retrier, writer};
use sync_aws::runtime::{Deployment, Resources};
use sync_engine::config::{ConnectionConfig, RecordType};
use sync_engine::engine::EngineSettings;
use sync_engine::model::{ErrorFilter, ErrorStatus};
use sync_engine::ports::{ConfigStore, CursorStore, MappingStore, ReconciliationStore};
use sync_engine::retry::RetryPolicy;

async fn sdk_config() -> SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: start moto with `eval \"$(scripts/moto)\"` first")
    });
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A deployment on moto with both sandboxes behind one connection.
struct Stack {
    deployment: Arc<Deployment>,
    store: Arc<DynamoStore>,
    sqs: aws_sdk_sqs::Client,
    retry_queue_url: String,
    dlq_url: String,
    intacct: RunningIntacct,
    invoiced: RunningInvoiced,
    api: invoiced::Client,
    connection: sync_engine::config::ConnectionId,
}

impl Stack {
    async fn start(seed: SeedSpec, retry: RetryPolicy) -> Stack {
        let config = sdk_config().await;
        let table = unique("sync");
        DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
            .await
            .expect("table");
        let sqs = aws_sdk_sqs::Client::new(&config);
        let dlq_url = sqs
            .create_queue()
            .queue_name(unique("dlq"))
            .send()
            .await
            .expect("dlq")
            .queue_url
            .expect("dlq url");
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("dlq attributes")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .expect("dlq arn");
        let retry_queue_url = sqs
            .create_queue()
            .queue_name(unique("retry"))
            .attributes(
                QueueAttributeName::RedrivePolicy,
                json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}).to_string(),
            )
            .send()
            .await
            .expect("retry queue")
            .queue_url
            .expect("queue url");
        let intacct = sandbox::intacct::spawn(IntacctConfig {
            seed,
            ..IntacctConfig::default()
        })
        .await
        .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
            .await
            .expect("invoiced sandbox");
        let prefix = unique("sync/");
        let resources = Resources {
            table,
            retry_queue_url: retry_queue_url.clone(),
            dead_letter_queue_url: dlq_url.clone(),
            secret_prefix: format!("{prefix}/"),
        };
        let settings = EngineSettings {
            retry,
            lease_wait: Duration::from_secs(2),
            ..EngineSettings::default()
        };
        let deployment = Arc::new(Deployment::new(&config, resources, settings));
        let connection_config = ConnectionConfig::from_json(
            &json!({
                "id": "acme",
                "intacct": {"company_id": intacct.credentials.company_id, "endpoint": intacct.endpoint},
                "invoiced": {"base_url": invoiced.url},
                "flows": {
                    "read": {"customers": true, "invoices": true, "credit_notes": true, "payments": true},
                    "write": {"customers": true, "invoices": true, "credit_notes": true, "payments": true}
                },
                "accounts": {"item_account": "4000", "payment_routes": [
                    {"currency": "*", "method": "*", "deposit": {"bank_account": "BOA"}}
                ]}
            })
            .to_string(),
        )
        .expect("config");
        deployment
            .store
            .put_config(&connection_config)
            .await
            .expect("config stored");
        let creds = &intacct.credentials;
        let secret = json!({
            "intacct_sender_id": creds.sender_id,
            "intacct_sender_password": creds.sender_password.expose_secret(),
            "intacct_user_id": creds.user_id,
            "intacct_user_password": creds.user_password.expose_secret(),
            "invoiced_api_key": invoiced.api_key.expose_secret(),
            "invoiced_webhook_secret": invoiced.webhook_secret.expose_secret(),
        })
        .to_string();
        sync_aws::secrets::put_secret(
            &aws_sdk_secretsmanager::Client::new(&config),
            &format!("{prefix}/acme"),
            &SecretString::from(secret),
        )
        .await
        .expect("secret stored");
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse().expect("url")),
        ))
        .expect("client");
        Stack {
            store: deployment.store.clone(),
            deployment,
            sqs,
            retry_queue_url,
            dlq_url,
            intacct,
            invoiced,
            api,
            connection: connection_config.id,
        }
    }

    /// A webhook request exactly as API Gateway (payload 2.0) hands it to the writer.
    fn webhook_request(&self, event: &Value, signature: &str) -> lambda_http::Request {
        let body = serde_json::to_string(event).expect("body");
        let request = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/webhooks/acme")
            .header("x-invoiced-signature", signature)
            .body(Body::Text(body))
            .expect("request");
        request.with_path_parameters(HashMap::from([(
            "connection".to_owned(),
            "acme".to_owned(),
        )]))
    }

    fn sign(&self, event: &Value) -> String {
        let secret =
            invoiced::WebhookSecret::new(self.invoiced.webhook_secret.clone()).expect("secret");
        invoiced::webhook::sign(
            &secret,
            serde_json::to_string(event).expect("body").as_bytes(),
        )
    }

    fn events(&self) -> Vec<Value> {
        let mut events = self.invoiced.handle().list_json(Kind::Event);
        events.sort_by_key(|e| e["id"].as_i64().unwrap_or_default());
        events
    }

    async fn deliver_all(&self) -> Vec<u16> {
        let mut statuses = Vec::new();
        for event in self.events() {
            let request = self.webhook_request(&event, &self.sign(&event));
            statuses.push(
                writer::handle(&self.deployment.engine, request)
                    .await
                    .status()
                    .as_u16(),
            );
        }
        statuses
    }

    async fn invoice_in_invoiced(&self, number: &str) {
        let customer = self
            .api
            .customers()
            .create(
                &CustomerParams {
                    name: Some(format!("Customer of {number}")),
                    number: Some(format!("C-{number}")),
                    ..CustomerParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("customer");
        self.api
            .invoices()
            .create(
                &InvoiceParams {
                    customer: Some(customer.id),
                    number: Some(number.into()),
                    draft: Some(false),
                    items: Some(vec![LineItemParams {
                        name: Some("Work".into()),
                        quantity: Some(dec!(1)),
                        unit_cost: Some(dec!(42)),
                        ..LineItemParams::default()
                    }]),
                    ..InvoiceParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("invoice");
    }

    /// Receives what is on a queue now (waiting out delays up to `wait`), as an SQS event.
    async fn receive(&self, queue_url: &str, wait: Duration) -> SqsEvent {
        let deadline = std::time::Instant::now() + wait;
        let mut records = Vec::new();
        while records.is_empty() && std::time::Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            for m in out.messages.unwrap_or_default() {
                let mut record = SqsMessage::default();
                record.message_id = m.message_id;
                record.receipt_handle = m.receipt_handle;
                record.body = m.body;
                records.push(record);
            }
        }
        let mut event = SqsEvent::default();
        event.records = records;
        event
    }

    /// Deletes what the retrier settled (SQS does this for the event source mapping).
    async fn ack(&self, event: &SqsEvent, failed: &[String]) {
        for record in &event.records {
            if failed.contains(record.message_id.as_ref().expect("id")) {
                continue;
            }
            self.sqs
                .delete_message()
                .queue_url(&self.retry_queue_url)
                .receipt_handle(record.receipt_handle.clone().expect("receipt"))
                .send()
                .await
                .expect("delete");
        }
    }

    async fn run_retrier(&self, event: SqsEvent) -> Vec<String> {
        let deadline = SystemTime::now() + Duration::from_secs(60);
        let response = retrier::handle(self.deployment.clone(), event.clone(), deadline).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        self.ack(&event, &failed).await;
        failed
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(2),
        floor: Duration::from_secs(1),
        max_attempts: 3,
    }
}

#[tokio::test]
async fn a_signed_webhook_becomes_an_ar_invoice_and_a_mapping_in_dynamodb() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    stack.invoice_in_invoiced("INV-AWS-1").await;
    let statuses = stack.deliver_all().await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let invoices = stack.intacct.handle.records(ObjectKind::ArInvoice);
    assert_eq!(invoices.len(), 1);
    let mapping = stack
        .store
        .mapping_by_intacct(
            &stack.connection,
            RecordType::Invoice,
            &invoices[0].recordno.to_string(),
        )
        .await
        .expect("dynamodb")
        .expect("mapping in DynamoDB");
    assert_eq!(mapping.intacct_number.as_deref(), Some("INV-AWS-1"));
}

#[tokio::test]
async fn a_bad_signature_is_401_and_nothing_is_stored() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    stack.invoice_in_invoiced("INV-AWS-2").await;
    for event in stack.events() {
        let response = writer::handle(
            &stack.deployment.engine,
            stack.webhook_request(&event, &"0".repeat(64)),
        )
        .await;
        assert_eq!(response.status().as_u16(), 401);
    }
    assert_eq!(stack.intacct.handle.requests_total(), 0);
    for record_type in [RecordType::Customer, RecordType::Invoice] {
        assert_eq!(
            stack
                .store
                .count_mappings(&stack.connection, record_type)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn a_throttling_storm_goes_through_sqs_and_the_retrier_writes_once() {
    let stack = Stack::start(SeedSpec::default(), fast_retries()).await;
    stack.invoice_in_invoiced("INV-AWS-3").await;
    stack.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    let statuses = stack.deliver_all().await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "queued is a durable outcome: {statuses:?}"
    );
    // The throttled writes are on SQS, delayed, with their attempt number.
    let first = stack
        .receive(&stack.retry_queue_url, Duration::from_secs(6))
        .await;
    assert!(!first.records.is_empty(), "throttled writes were queued");
    for record in &first.records {
        let message =
            sync_aws::sqs::parse_message(record.body.as_deref().unwrap()).expect("message");
        assert_eq!(message.reason, "INTACCT_THROTTLED");
        assert_eq!(message.attempt, 2);
    }
    // Still throttled: the retrier queues attempt 3.
    let failed = stack.run_retrier(first).await;
    assert!(failed.is_empty(), "queued again is settled: {failed:?}");
    stack.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    for _ in 0..4 {
        let event = stack
            .receive(&stack.retry_queue_url, Duration::from_secs(6))
            .await;
        eprintln!(
            "DBG got {:?}",
            event
                .records
                .iter()
                .map(|r| r.body.clone())
                .collect::<Vec<_>>()
        );
        if event.records.is_empty() {
            break;
        }
        let f = stack.run_retrier(event).await;
        eprintln!(
            "DBG failed {f:?}; errors {:?}",
            stack
                .store
                .list_errors(&stack.connection, &Default::default())
                .await
        );
    }
    let invoices = stack.intacct.handle.records(ObjectKind::ArInvoice);
    assert_eq!(invoices.len(), 1, "written exactly once");
}

#[tokio::test]
async fn exhausted_retries_leave_an_error_and_a_dlq_message_that_a_redrive_writes() {
    let stack = Stack::start(SeedSpec::default(), fast_retries()).await;
    stack.invoice_in_invoiced("INV-AWS-4").await;
    stack.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    stack.deliver_all().await;
    for _ in 0..6 {
        let event = stack
            .receive(&stack.retry_queue_url, Duration::from_secs(6))
            .await;
        if event.records.is_empty() {
            break;
        }
        stack.run_retrier(event).await;
    }
    let open = ErrorFilter {
        status: Some(ErrorStatus::Open),
        ..ErrorFilter::default()
    };
    let errors = stack
        .store
        .list_errors(&stack.connection, &open)
        .await
        .unwrap();
    assert!(
        errors.iter().any(|e| e.code == "INTACCT_THROTTLED"),
        "exhausted retries are a reconciliation error: {errors:?}"
    );
    let dlq = stack.receive(&stack.dlq_url, Duration::from_secs(3)).await;
    assert!(
        !dlq.records.is_empty(),
        "the message is in the dead-letter queue"
    );
    // Make the DLQ messages visible again, then redrive them the way an operator would.
    for record in &dlq.records {
        stack
            .sqs
            .change_message_visibility()
            .queue_url(&stack.dlq_url)
            .receipt_handle(record.receipt_handle.clone().unwrap())
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
    }
    stack.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    use sync_aws::sqs::DeadLetterMover;
    let mover = sync_aws::sqs::ManualMover::new(
        stack.sqs.clone(),
        stack.dlq_url.clone(),
        stack.retry_queue_url.clone(),
    );
    let report = mover.redrive(10).await.expect("redrive");
    assert!(report.moved >= 1);
    let event = stack
        .receive(&stack.retry_queue_url, Duration::from_secs(6))
        .await;
    stack.run_retrier(event).await;
    assert_eq!(
        stack.intacct.handle.records(ObjectKind::ArInvoice).len(),
        1,
        "written after the redrive"
    );
    let errors = stack
        .store
        .list_errors(&stack.connection, &open)
        .await
        .unwrap();
    assert!(
        errors.is_empty(),
        "the success resolved the error: {errors:?}"
    );
}

#[tokio::test]
async fn the_poller_imports_seeded_intacct_data_keeps_its_cursor_in_dynamodb_and_a_second_poll_does_nothing()
 {
    let stack = Stack::start(
        SeedSpec {
            customers: 3,
            invoices: 5,
            returns: 1,
            payments: 2,
        },
        RetryPolicy::default(),
    )
    .await;
    let deadline = SystemTime::now() + Duration::from_secs(300);
    let result = poller::handle(
        &stack.deployment.engine,
        json!({"source": "aws.events", "detail-type": "Scheduled Event"}),
        deadline,
    )
    .await
    .expect("poll");
    assert_eq!(result["connections"][0]["finished"], true, "{result}");
    assert_eq!(stack.invoiced.handle().invoices().len(), 5);
    assert_eq!(stack.invoiced.handle().payments().len(), 2);
    let cursor = stack
        .store
        .get_cursor(&stack.connection, "customer")
        .await
        .unwrap();
    assert!(cursor.committed.is_some() && cursor.last_sync_at.is_some());
    let posts = stack.invoiced.handle().request_count("POST");
    let second = poller::handle(
        &stack.deployment.engine,
        json!({"connection": "acme"}),
        deadline,
    )
    .await
    .expect("sync now");
    assert_eq!(second["connections"][0]["imported"], 0, "{second}");
    assert_eq!(stack.invoiced.handle().request_count("POST"), posts);
}

#[tokio::test]
async fn two_writers_racing_on_one_webhook_make_one_intacct_record() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    stack.invoice_in_invoiced("INV-AWS-6").await;
    let events = stack.events();
    let engine = &stack.deployment.engine;
    for event in &events {
        let signature = stack.sign(event);
        let (a, b) = tokio::join!(
            writer::handle(engine, stack.webhook_request(event, &signature)),
            writer::handle(engine, stack.webhook_request(event, &signature)),
        );
        assert!(a.status().is_success() || b.status().is_success());
    }
    // Whatever lost a race was queued; let it run.
    for _ in 0..3 {
        let event = stack
            .receive(&stack.retry_queue_url, Duration::from_secs(3))
            .await;
        if event.records.is_empty() {
            break;
        }
        stack.run_retrier(event).await;
    }
    assert_eq!(stack.intacct.handle.records(ObjectKind::ArInvoice).len(), 1);
    assert_eq!(stack.intacct.handle.records(ObjectKind::Customer).len(), 1);
}
