//! Webhook signatures: the server's own test vector, and every way a delivery can fail verification.

use invoiced::models::EventType;
use invoiced::webhook::{self, SIGNATURE_HEADER, SignatureError, WebhookError, WebhookSecret};
use pretty_assertions::assert_eq;
use secrecy::SecretString;
use serde_json::Value;

fn vector() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcribed_webhook_signature_vector.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name].as_str().expect("string field")
}

fn secret(text: &str) -> WebhookSecret {
    WebhookSecret::new(SecretString::from(text.to_owned())).expect("non-empty secret")
}

#[test]
fn the_invoiced_test_vector_signs_and_verifies() {
    let v = vector();
    let secret = secret(field(&v, "secret"));
    let body = field(&v, "body").as_bytes();
    let expected = field(&v, "expected_signature");
    assert_eq!(field(&v, "header"), SIGNATURE_HEADER);
    assert_eq!(webhook::sign(&secret, body), expected);
    assert_eq!(webhook::verify(&secret, body, Some(expected)), Ok(()));
}

#[test]
fn a_tampered_body_or_wrong_secret_is_a_mismatch() {
    let v = vector();
    let expected = field(&v, "expected_signature");
    let right = secret(field(&v, "secret"));
    assert_eq!(
        webhook::verify(&right, br#"{"test":false}"#, Some(expected)),
        Err(SignatureError::Mismatch)
    );
    let wrong = secret("not-the-webhook-secret");
    assert_eq!(
        webhook::verify(&wrong, field(&v, "body").as_bytes(), Some(expected)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn missing_and_malformed_signatures_are_told_apart() {
    let v = vector();
    let s = secret(field(&v, "secret"));
    let body = field(&v, "body").as_bytes();
    assert_eq!(
        webhook::verify(&s, body, None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        webhook::verify(&s, body, Some("  ")),
        Err(SignatureError::Missing)
    );
    assert!(matches!(
        webhook::verify(
            &s,
            body,
            Some("zz1cb5ca9555e923c908c2eb5d36189ea11d90c0dfd559377c5edb669f9cf240")
        ),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        webhook::verify(&s, body, Some("341cb5ca")),
        Err(SignatureError::Malformed(_))
    ));
    let with_prefix = format!("sha256={}", field(&v, "expected_signature"));
    assert!(matches!(
        webhook::verify(&s, body, Some(&with_prefix)),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn empty_secret_is_refused_and_secrets_stay_out_of_debug() {
    assert!(WebhookSecret::new(SecretString::from(String::new())).is_err());
    let s = secret("4b37d5776dad4059ab4c80fa072e3fce");
    assert!(!format!("{s:?}").contains("4b37"));
}

#[test]
fn a_verified_delivery_is_parsed_into_an_event() {
    let s = secret("whsec_local_demo_secret");
    let body =
        br#"{"id":42,"type":"invoice.created","timestamp":1700000000,"data":{"object":{"id":1}}}"#;
    let signature = webhook::sign(&s, body);
    let event = webhook::verify_event(&s, body, Some(&signature)).expect("event");
    assert_eq!(event.event_type, EventType::InvoiceCreated);
    assert_eq!(event.id.get(), 42);
    assert_eq!(event.object_id(), Some(1));

    let without_object_id =
        br#"{"id":43,"type":"unheard.of","timestamp":1700000000,"data":{"object":{"id":"x"}}}"#;
    let signature = webhook::sign(&s, without_object_id);
    let event = webhook::verify_event(&s, without_object_id, Some(&signature)).expect("event");
    assert_eq!(event.event_type, EventType::Unknown("unheard.of".into()));
    assert_eq!(event.object_id(), None);

    let not_an_event = br#"{"test":true}"#;
    let signature = webhook::sign(&s, not_an_event);
    assert!(matches!(
        webhook::verify_event(&s, not_an_event, Some(&signature)),
        Err(WebhookError::Body(_))
    ));
    assert!(matches!(
        webhook::verify_event(&s, body, None),
        Err(WebhookError::Signature(SignatureError::Missing))
    ));
}
