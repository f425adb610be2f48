//! End to end on AWS APIs: the real Lambda handlers over DynamoDB, SQS and Secrets Manager
//! (moto server, through the official Rust SDK) and both sandboxes.
//!
//! Needs `AWS_ENDPOINT_URL` (scripts/test starts moto); fails with instructions otherwise.

mod support;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_http::{Body, RequestExt};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use sandbox::intacct::{ObjectKind, SeedSpec};
use sync_aws::handlers::{poller, retrier, writer};
use sync_engine::config::RecordType;
use sync_engine::model::{ErrorFilter, ErrorStatus};
use sync_engine::ports::{CursorStore, MappingStore, ReconciliationStore};
use sync_engine::retry::RetryPolicy;

use support::{Stack, fast_retries};

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
async fn exhausted_retries_leave_an_error_and_a_dlq_message_the_operator_api_lists_and_redrives() {
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
    // The connection's status counts its dead letters (a look that takes nothing away) and
    // says its queue counts cover the shared queue.
    let dead = dlq.records.len();
    let (status, report) = call(&stack, "GET", "/connections/acme/status", None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["dead_letters"].as_u64(),
        Some(dead as u64),
        "{report}"
    );
    assert_eq!(report["queue_scope"], "all_connections", "{report}");
    assert_eq!(report["counts_approximate"], true, "{report}");
    // The operator looks at the dead letters through the API, twice: a look takes nothing away.
    for _ in 0..2 {
        let (status, listed) = call(&stack, "GET", "/dlq?limit=10", None).await;
        assert_eq!(status, 200, "{listed}");
        let letters = listed["letters"].as_array().expect("letters");
        assert_eq!(letters.len(), dead, "{listed}");
        assert!(
            letters
                .iter()
                .all(|l| l["work"]["invoiced_id"].is_string() && l["attempt"].as_u64() >= Some(1)),
            "each letter names its record and attempt: {listed}"
        );
        assert!(
            letters.iter().all(|l| l["dead_letter_reason"]
                .as_str()
                .is_some_and(|r| r.contains("retries exhausted"))),
            "the retrier says why it dead-lettered each: {listed}"
        );
    }
    let (status, refused) = call(&stack, "GET", "/dlq?limit=0", None).await;
    assert_eq!(status, 400, "{refused}");

    // Fixed; the operator redrives through the API.
    stack.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    let (status, report) = call(&stack, "POST", "/dlq/redrive?limit=10", None).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["moved"].as_u64() >= Some(1), "{report}");
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
            ..SeedSpec::default()
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

fn operator_request(method: &str, path: &str, body: Option<String>) -> lambda_http::Request {
    let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
    let request = lambda_http::http::Request::builder()
        .method(method)
        .uri(path)
        .body(body.map(Body::Text).unwrap_or(Body::Empty))
        .expect("request");
    let params: HashMap<String, String> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = path_only;
    request.with_query_string_parameters(params)
}

async fn call(stack: &Stack, method: &str, path: &str, body: Option<String>) -> (u16, Value) {
    let response = sync_aws::handlers::operator::handle(
        &stack.deployment,
        operator_request(method, path, body),
    )
    .await;
    let status = response.status().as_u16();
    let body = match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

#[tokio::test]
async fn the_operator_api_lists_ignores_and_retries_errors_and_reports_status() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    // A document number already taken in Intacct: a numbering collision for an operator.
    let taken: sandbox::intacct::Fields = [
        ("RECORDID", "INV-OP-1"),
        ("CUSTOMERID", "X"),
        ("TOTALDUE", "1.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    stack
        .intacct
        .handle
        .insert_record(ObjectKind::ArInvoice, taken);
    stack.invoice_in_invoiced("INV-OP-1").await;
    stack.deliver_all().await;

    let (status, errors) = call(&stack, "GET", "/connections/acme/errors?status=open", None).await;
    assert_eq!(status, 200, "{errors}");
    let errors = errors.as_array().expect("list").clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "INTACCT_NUMBERING_COLLISION");
    let id = errors[0]["id"].as_str().expect("id").to_owned();

    let (status, shown) = call(
        &stack,
        "GET",
        &format!("/connections/acme/errors/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        shown["fix"]
            .as_str()
            .unwrap_or_default()
            .contains("auto-numbering")
    );

    let (status, ignored) = call(
        &stack,
        "POST",
        &format!("/connections/acme/errors/{id}/ignore"),
        None,
    )
    .await;
    assert_eq!((status, ignored["status"].as_str()), (200, Some("ignored")));
    let (_, report) = call(&stack, "GET", "/connections/acme/status", None).await;
    assert_eq!(report["open_errors"], 0, "{report}");
    assert_eq!(report["mappings"]["customer"], 1, "{report}");

    let (status, retried) = call(
        &stack,
        "POST",
        &format!("/connections/acme/errors/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(
        (status, retried["action"].as_str()),
        (200, Some("queued")),
        "{retried}"
    );
    let queued = stack
        .receive(&stack.retry_queue_url, Duration::from_secs(3))
        .await;
    let message = sync_aws::sqs::parse_message(queued.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(message.reason, "SYNC_OPERATOR_RETRY");

    let (status, redrive) = call(&stack, "POST", "/dlq/redrive?limit=5", None).await;
    assert_eq!(
        (status, redrive["moved"].as_u64()),
        (200, Some(0)),
        "{redrive}"
    );
    let (status, _) = call(&stack, "GET", "/connections/nope/status", None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&stack, "DELETE", "/connections/acme", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_rotated_password_takes_effect_without_a_redeploy() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    // The secret holds a wrong password: Intacct refuses the sign-in.
    stack.put_intacct_user_password("not-the-password").await;
    stack.invoice_in_invoiced("INV-ROT-1").await;
    stack.deliver_all().await;
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
        errors.iter().any(|e| e.code == "INTACCT_AUTH_401"),
        "{errors:?}"
    );
    assert!(
        stack
            .intacct
            .handle
            .records(ObjectKind::ArInvoice)
            .is_empty()
    );

    // The operator rotates the secret (here: back to the right password) and retries; the same
    // warm deployment picks the new value up because the failure dropped the cached one.
    stack
        .put_intacct_user_password(stack.intacct.credentials.user_password.expose_secret())
        .await;
    for error in &errors {
        sync_engine::operator::retry_error(&stack.deployment.engine, &stack.connection, &error.id)
            .await
            .expect("retry");
    }
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
}

#[tokio::test]
async fn an_oversized_webhook_is_refused_with_413() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    let huge = json!({"id": 1, "type": "invoice.created", "data": {"object": {"id": 1, "pad": "x".repeat(600 * 1024)}}});
    let response = writer::handle(
        &stack.deployment.engine,
        stack.webhook_request(&huge, &stack.sign(&huge)),
    )
    .await;
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(stack.intacct.handle.requests_total(), 0);
}

#[tokio::test]
async fn a_poisoned_message_fails_alone_and_the_rest_of_the_batch_is_settled() {
    let stack = Stack::start(SeedSpec::default(), RetryPolicy::default()).await;
    stack.invoice_in_invoiced("INV-POISON-1").await;
    let invoice_id = stack.invoiced.handle().invoices()[0].id;
    let good = json!({"work": {"connection": "acme", "record_type": "invoice",
        "invoiced_id": invoice_id.to_string(), "operation": "create"}, "attempt": 1, "reason": "TEST"});
    let mut event = SqsEvent::default();
    for (id, body) in [
        ("good", good.to_string()),
        ("poison", "{not json".to_owned()),
    ] {
        let mut record = SqsMessage::default();
        record.message_id = Some(id.to_owned());
        record.body = Some(body);
        event.records.push(record);
    }
    let response = retrier::handle(
        stack.deployment.clone(),
        event,
        SystemTime::now() + Duration::from_secs(30),
    )
    .await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["poison"],
        "only the poisoned message is redelivered"
    );
    assert_eq!(stack.intacct.handle.records(ObjectKind::ArInvoice).len(), 1);
}
