//! The sample events in `events/` (for `cargo lambda invoke --data-file`) stay valid: each one
//! parses as the event type its function receives, webhook signatures match their bodies with
//! the documented sample secret, and retry messages parse. `REGENERATE_EVENTS=1 cargo test -p
//! e2e-tests --test sample_events` rewrites them from the definitions below.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::event::sqs::SqsEvent;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The webhook secret the sample webhooks are signed with (set it on the connection to replay
/// them against a deployment).
const SAMPLE_SECRET: &str = "sample-webhook-secret-0123456789ab";

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn customer() -> Value {
    json!({"id": 1001, "object": "customer", "name": "Acme Corp", "number": "CUST-00001",
           "email": "ar@acme.example", "active": true, "metadata": {}, "created_at": 1764000000})
}

fn invoice(status: &str) -> Value {
    json!({"id": 20001, "object": "invoice", "customer": customer(), "number": "INV-00001",
           "currency": "usd", "draft": false, "closed": false, "paid": false, "status": status,
           "date": 1764000000, "items": [{"object": "line_item", "name": "Consulting",
           "quantity": 2, "unit_cost": 150, "amount": 300, "metadata": {"intacct_department": "OPS"}}],
           "subtotal": 300, "total": 300, "balance": 300, "discounts": [], "taxes": [], "shipping": [],
           "metadata": {}})
}

fn credit_note() -> Value {
    json!({"id": 30001, "object": "credit_note", "customer": customer(), "number": "CN-00001",
           "currency": "usd", "draft": false, "closed": false, "paid": false, "status": "open",
           "date": 1764000000, "items": [{"object": "line_item", "name": "Return", "quantity": 1,
           "unit_cost": 50, "amount": 50, "metadata": {}}], "subtotal": 50, "total": 50,
           "balance": 50, "discounts": [], "taxes": [], "shipping": [], "metadata": {}})
}

fn payment(voided: bool) -> Value {
    json!({"id": 40001, "object": "payment", "customer": 1001, "date": 1764000000, "currency": "usd",
           "amount": 265, "balance": 0, "method": "credit_card", "reference": "CHK-100",
           "voided": voided, "metadata": {}, "applied_to": [
               {"type": "invoice", "invoice": 20001, "amount": 250},
               {"type": "credit_note", "credit_note": 30001, "document_type": "invoice",
                "invoice": 20001, "amount": 50},
               {"type": "convenience_fee", "amount": 15}]})
}

/// One Invoiced event as API Gateway (HTTP API, payload 2.0) hands it to the writer.
fn webhook(id: u64, event_type: &str, object: Value, previous: Option<Value>) -> Value {
    let mut data = json!({"object": object});
    if let Some(previous) = previous {
        data["previous"] = previous;
    }
    let body =
        json!({"id": id, "type": event_type, "timestamp": 1764000000, "data": data}).to_string();
    let secret = invoiced::WebhookSecret::new(SecretString::from(SAMPLE_SECRET)).expect("secret");
    let signature = invoiced::webhook::sign(&secret, body.as_bytes());
    json!({
        "version": "2.0",
        "routeKey": "POST /webhooks/{connection}",
        "rawPath": "/webhooks/acme",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "Invoiced/1.0",
                    "x-invoiced-signature": signature},
        "requestContext": {"accountId": "123456789012", "apiId": "sample", "domainName": "sample.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "sample", "http": {"method": "POST", "path": "/webhooks/acme", "protocol": "HTTP/1.1",
            "sourceIp": "52.9.36.210", "userAgent": "Invoiced/1.0"}, "requestId": format!("req-{id}"),
            "routeKey": "POST /webhooks/{connection}", "stage": "$default", "time": "25/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1764072000000_i64},
        "pathParameters": {"connection": "acme"},
        "body": body,
        "isBase64Encoded": false
    })
}

fn retry_record(
    id: &str,
    record_type: &str,
    invoiced_id: &str,
    attempt: u32,
    reason: &str,
) -> Value {
    let body = json!({"work": {"connection": "acme", "record_type": record_type,
                                "invoiced_id": invoiced_id, "operation": "create"},
                      "attempt": attempt, "reason": reason})
    .to_string();
    json!({"messageId": id, "receiptHandle": format!("receipt-{id}"), "body": body,
           "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1764072000000"},
           "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
           "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:invoiced-intacct-sync-retry",
           "awsRegion": "us-east-1"})
}

fn samples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "schedule.json",
            json!({"version": "0", "id": "sample", "detail-type": "Scheduled Event",
            "source": "aws.scheduler", "account": "123456789012", "time": "2026-11-25T12:00:00Z",
            "region": "us-east-1", "resources": [], "detail": {}}),
        ),
        ("sync-now.json", json!({"connection": "acme"})),
        (
            "initial-sync.json",
            json!({"connection": "acme", "initial_sync": {
            "types": ["customer", "invoice", "credit_note", "payment"],
            "from": "2026-01-01", "to": "2026-11-25", "run": "backfill-2026"}}),
        ),
        (
            "webhook-customer-created.json",
            webhook(900001, "customer.created", customer(), None),
        ),
        (
            "webhook-customer-updated.json",
            webhook(
                900002,
                "customer.updated",
                customer(),
                Some(json!({"name": "Acme"})),
            ),
        ),
        (
            "webhook-invoice-created.json",
            webhook(900003, "invoice.created", invoice("not_sent"), None),
        ),
        (
            "webhook-invoice-voided.json",
            webhook(
                900004,
                "invoice.updated",
                invoice("voided"),
                Some(json!({"status": "not_sent"})),
            ),
        ),
        (
            "webhook-credit-note-created.json",
            webhook(900005, "credit_note.created", credit_note(), None),
        ),
        (
            "webhook-payment-created.json",
            webhook(900006, "payment.created", payment(false), None),
        ),
        (
            "webhook-payment-deleted.json",
            webhook(900007, "payment.deleted", payment(true), None),
        ),
        (
            "sqs-batch.json",
            json!({"Records": [
            retry_record("msg-1", "invoice", "20001", 2, "INTACCT_THROTTLED"),
            retry_record("msg-2", "payment", "40001", 3, "SYNC_DEPENDENCY_RELEASED")]}),
        ),
    ]
}

#[test]
fn every_sample_event_parses_as_its_functions_event_and_webhooks_are_signed() {
    let regenerate = std::env::var("REGENERATE_EVENTS").is_ok();
    let secret = invoiced::WebhookSecret::new(SecretString::from(SAMPLE_SECRET)).expect("secret");
    for (name, expected) in samples() {
        let path = events_dir().join(name);
        if regenerate {
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&expected).expect("json") + "\n",
            )
            .expect("write sample");
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (REGENERATE_EVENTS=1 writes it)", path.display()));
        let stored: Value = serde_json::from_str(&text).expect("sample is JSON");
        assert_eq!(
            stored, expected,
            "{name} is out of date: run with REGENERATE_EVENTS=1"
        );
        if name.starts_with("webhook-") {
            let request: ApiGatewayV2httpRequest =
                serde_json::from_value(stored).expect("HTTP API request");
            let body = request.body.expect("body");
            let signature = request
                .headers
                .get("x-invoiced-signature")
                .and_then(|v| v.to_str().ok());
            invoiced::webhook::verify(&secret, body.as_bytes(), signature)
                .expect("valid signature");
            let event: invoiced::models::Event =
                serde_json::from_str(&body).expect("Invoiced event");
            assert!(
                matches!(
                    sync_engine::engine::webhook::work_for_event(
                        &sync_engine::config::ConnectionId::parse("acme").expect("id"),
                        &event,
                    ),
                    Ok(Some(_))
                ),
                "{name} is an event the writer acts on"
            );
        } else if name == "sqs-batch.json" {
            let batch: SqsEvent = serde_json::from_value(stored).expect("SQS event");
            for record in batch.records {
                sync_aws::sqs::parse_message(record.body.as_deref().expect("body"))
                    .expect("retry message");
            }
        } else {
            let _: sync_aws::handlers::poller::PollerEvent =
                serde_json::from_value(stored).expect("poller event");
        }
    }
}
