use super::*;
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::model::Dependency;
use pretty_assertions::assert_eq;
use std::time::Duration;

fn answer(outcome: WebhookOutcome) -> (u16, Value) {
    let reply = outcome.reply();
    (reply.status, reply.body)
}

fn handled(outcome: Outcome) -> (u16, Value) {
    answer(WebhookOutcome::Handled {
        event: EventId::new(7),
        outcome,
    })
}

#[test]
fn durable_outcomes_are_200_and_name_the_event_as_a_string() {
    assert_eq!(
        handled(Outcome::Written { key: "42".into() }),
        (
            200,
            json!({"event": "7", "status": "written", "intacct_key": "42"})
        )
    );
    assert_eq!(
        handled(Outcome::AlreadyDone),
        (200, json!({"event": "7", "status": "already_done"}))
    );
    assert_eq!(
        handled(Outcome::Skipped {
            reason: "draft".into()
        }),
        (
            200,
            json!({"event": "7", "status": "skipped", "reason": "draft"})
        )
    );
    assert_eq!(
        handled(Outcome::Queued {
            reason: Code::IntacctThrottled,
            delay: Duration::from_secs(30),
        }),
        (
            200,
            json!({"event": "7", "status": "queued", "reason": "INTACCT_THROTTLED", "delay_secs": 30})
        )
    );
    assert_eq!(
        handled(Outcome::Parked {
            waiting_for: Dependency {
                record_type: RecordType::Invoice,
                invoiced_id: "20001".into(),
            },
        }),
        (
            200,
            json!({"event": "7", "status": "parked", "waiting_for": "invoice 20001"})
        )
    );
    assert_eq!(
        handled(Outcome::Failed {
            error_id: "write-invoice-20001".into(),
            code: Code::IntacctFunctionFailed,
        }),
        (
            200,
            json!({"event": "7", "status": "reconciliation_error",
                   "error": "write-invoice-20001", "code": "INTACCT_FUNCTION_FAILED"})
        )
    );
}

#[test]
fn duplicates_are_200_and_deliveries_in_progress_409() {
    assert_eq!(
        answer(WebhookOutcome::Duplicate {
            event: EventId::new(7)
        }),
        (200, json!({"status": "duplicate", "event": "7"}))
    );
    assert_eq!(
        answer(WebhookOutcome::InProgress {
            event: EventId::new(7)
        }),
        (
            409,
            json!({"status": "in_progress", "event": "7",
                   "error": "another delivery of this event is being handled; redeliver later"})
        )
    );
}

#[test]
fn event_types_the_sync_does_not_act_on_are_200_ignored() {
    assert_eq!(
        answer(WebhookOutcome::Ignored {
            event_type: EventType::Unknown("subscription.created".into())
        }),
        (
            200,
            json!({"status": "ignored", "reason": "subscription.created events are not synced"})
        )
    );
    assert_eq!(
        answer(WebhookOutcome::Ignored {
            event_type: EventType::ContactCreated
        })
        .0,
        200
    );
}

#[test]
fn refusals_are_4xx() {
    assert_eq!(
        answer(WebhookOutcome::BadSignature(SignatureError::Missing)),
        (
            401,
            json!({"error": "invalid signature: missing X-Invoiced-Signature header"})
        )
    );
    assert_eq!(
        answer(WebhookOutcome::BadSignature(SignatureError::Mismatch)).0,
        401
    );
    assert_eq!(
        answer(WebhookOutcome::Malformed(Malformed::NotJson(
            "EOF while parsing".into()
        ))),
        (400, json!({"error": "body is not JSON: EOF while parsing"}))
    );
    assert_eq!(
        answer(WebhookOutcome::Malformed(Malformed::NotAnEvent(
            "missing field `id`".into()
        ))),
        (
            400,
            json!({"error": "not an Invoiced event: missing field `id`"})
        )
    );
    assert_eq!(
        answer(WebhookOutcome::Malformed(Malformed::Unreadable(
            "connection reset".into()
        ))),
        (
            400,
            json!({"error": "could not read the body: connection reset"})
        )
    );
    assert_eq!(
        answer(WebhookOutcome::UnknownConnection),
        (404, json!({"error": "unknown connection"}))
    );
    assert_eq!(
        answer(WebhookOutcome::TooLarge),
        (
            413,
            json!({"error": format!("body exceeds the {MAX_WEBHOOK_BODY}-byte limit")})
        )
    );
}

#[test]
fn failures_to_answer_durably_are_5xx_so_invoiced_redelivers() {
    assert_eq!(
        answer(WebhookOutcome::NoWebhookSecret),
        (
            500,
            json!({"error": "the connection has no webhook secret configured"})
        )
    );
    assert_eq!(
        answer(WebhookOutcome::Unavailable),
        (503, json!({"error": "temporarily unavailable; redeliver"}))
    );
    assert_eq!(
        answer(WebhookOutcome::NotDurable),
        (
            503,
            json!({"error": "could not record the outcome; redeliver"})
        )
    );
}

#[test]
fn parse_failures_are_sorted_into_not_json_and_not_an_event() {
    let not_json = serde_json::from_slice::<Value>(b"{\"id\": 1,").expect_err("truncated");
    assert!(matches!(
        Malformed::from_json_error(&not_json),
        Malformed::NotJson(_)
    ));
    let not_an_event =
        serde_json::from_slice::<invoiced::models::Event>(br#"{"type": "invoice.created"}"#)
            .expect_err("no id");
    assert!(matches!(
        Malformed::from_json_error(&not_an_event),
        Malformed::NotAnEvent(_)
    ));
}
