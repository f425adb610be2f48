//! Typed parsing of signed deliveries, with the Invoiced API docs' example objects
//! (their sources are listed in `lib/invoiced/tests/fixtures/SOURCES.md`).

use super::*;
use invoiced::models::EventObject;
use invoiced::webhook::{WebhookSecret, sign, verify_event};
use pretty_assertions::assert_eq;
use secrecy::SecretString;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../invoiced/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A delivery as Invoiced sends it, verified and parsed as the engine does.
fn delivered(event_type: &str, object: Value) -> Event {
    let secret = WebhookSecret::new(SecretString::from("whsec_unit")).expect("secret");
    let body = json!({"id": 900, "type": event_type, "timestamp": 1_700_000_000,
                      "data": {"object": object}})
    .to_string();
    let signature = sign(&secret, body.as_bytes());
    verify_event(&secret, body.as_bytes(), Some(&signature)).expect("a valid event")
}

fn acme() -> ConnectionId {
    ConnectionId::parse("acme").expect("id")
}

fn work(record_type: RecordType, invoiced_id: &str, operation: Operation) -> WorkItem {
    WorkItem {
        connection: acme(),
        record_type,
        invoiced_id: invoiced_id.into(),
        operation,
    }
}

#[test]
fn every_event_type_the_sync_acts_on_parses_typed_and_asks_for_its_work() {
    let cases = [
        (
            "customer.created",
            EventType::CustomerCreated,
            "customer.json",
        ),
        (
            "customer.updated",
            EventType::CustomerUpdated,
            "customer.json",
        ),
        ("invoice.created", EventType::InvoiceCreated, "invoice.json"),
        ("invoice.updated", EventType::InvoiceUpdated, "invoice.json"),
        ("invoice.paid", EventType::InvoicePaid, "invoice.json"),
        (
            "credit_note.created",
            EventType::CreditNoteCreated,
            "credit_note.json",
        ),
        (
            "credit_note.updated",
            EventType::CreditNoteUpdated,
            "credit_note.json",
        ),
        ("payment.created", EventType::PaymentCreated, "payment.json"),
        ("payment.updated", EventType::PaymentUpdated, "payment.json"),
        (
            "payment.deleted",
            EventType::PaymentDeleted,
            "payment_voided.json",
        ),
    ];
    for (wire, typed, object) in cases {
        let event = delivered(wire, fixture(object));
        assert_eq!(event.event_type, typed, "{wire}");
        let (record_type, operation) = action_for(&typed).expect("acted on");
        let id = event.object_id().expect("object id");
        assert_eq!(
            work_for_event(&acme(), &event),
            Ok(Some(work(record_type, &id.to_string(), operation))),
            "{wire}"
        );
        // The object is the record its type names.
        let matches_type = match (record_type, event.object().expect("typed object")) {
            (RecordType::Customer, EventObject::Customer(c)) => c.id.get() == id,
            (RecordType::Invoice, EventObject::Invoice(i)) => i.id.get() == id,
            (RecordType::CreditNote, EventObject::CreditNote(n)) => n.id.get() == id,
            (RecordType::Payment, EventObject::Payment(p)) => p.id.get() == id,
            _ => false,
        };
        assert!(matches_type, "{wire} carries its record");
    }
}

#[test]
fn the_work_of_each_event_type() {
    let expect = [
        ("customer.updated", RecordType::Customer, Operation::Create),
        ("invoice.paid", RecordType::Invoice, Operation::Create),
        (
            "credit_note.updated",
            RecordType::CreditNote,
            Operation::Create,
        ),
        ("payment.updated", RecordType::Payment, Operation::Create),
        ("payment.deleted", RecordType::Payment, Operation::Void),
    ];
    for (wire, record_type, operation) in expect {
        assert_eq!(
            work_for_event(&acme(), &delivered(wire, json!({"id": 31}))),
            Ok(Some(work(record_type, "31", operation))),
            "{wire}"
        );
    }
}

#[test]
fn unknown_and_unsynced_event_types_parse_and_ask_for_nothing() {
    let unknown = delivered("subscription.renewed", json!({"id": 5, "plan": "gold"}));
    assert_eq!(
        unknown.event_type,
        EventType::Unknown("subscription.renewed".into())
    );
    assert_eq!(work_for_event(&acme(), &unknown), Ok(None));

    for wire in [
        "customer.deleted",
        "invoice.deleted",
        "invoice.viewed",
        "credit_note.deleted",
        "contact.created",
        "transaction.created",
    ] {
        let event = delivered(wire, json!({"id": 5}));
        assert!(!matches!(event.event_type, EventType::Unknown(_)), "{wire}");
        assert_eq!(work_for_event(&acme(), &event), Ok(None), "{wire}");
    }
}

#[test]
fn an_event_the_sync_acts_on_without_an_object_id_is_refused() {
    for object in [json!({}), json!({"id": "61"}), json!({"id": null})] {
        assert_eq!(
            work_for_event(&acme(), &delivered("payment.deleted", object)),
            Err(NoObjectId {
                event_type: EventType::PaymentDeleted
            })
        );
    }
}
