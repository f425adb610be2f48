//! Scenarios from the troubleshooting guide and the transport edge cases: each error maps to
//! the class the engine acts on and to a known [`Failure`] (the operator's code and fix text
//! are the sync engine's catalogue, tested in `lib/sync`).
//!
//! Bodies here are synthetic where no public capture exists (XMLGW_JPP0001 has none; the
//! business errors' texts come from the reference integration's troubleshooting guide).

use intacct::response::ParseError;
use intacct::{
    Error, ErrorClass, ErrorDetail, Failure, ResultStatus, TransportKind, classify, failure_of,
    interpret,
};
use pretty_assertions::assert_eq;

fn function_error(errorno: &str, description2: &str, correction: &str) -> Error {
    Error::Function {
        function: "create_arpayment".into(),
        control_id: "pay-1".into(),
        status: ResultStatus::Failure,
        errors: vec![ErrorDetail {
            errorno: errorno.into(),
            description: None,
            description2: Some(description2.into()),
            correction: (!correction.is_empty()).then(|| correction.into()),
        }],
    }
}

fn result_body(errorno: &str, description2: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status><senderid>s</senderid><controlid>c</controlid><uniqueid>true</uniqueid><dtdversion>3.0</dtdversion></control>
<operation><authentication><status>success</status><userid>u</userid><companyid>co</companyid></authentication>
<result><status>failure</status><function>create_invoice</function><controlid>inv-1</controlid>
<errormessage><error><errorno>{errorno}</errorno><description></description><description2>{description2}</description2><correction></correction></error></errormessage></result></operation></response>"#
    )
}

fn code(e: &Error) -> Failure {
    failure_of(e)
}

#[test]
fn too_many_operations_is_throttled_at_any_level() {
    let control = r#"<response><control><status>failure</status></control><errormessage><error><errorno>XMLGW_JPP0001</errorno><description>There are too many operations running for this company (200024)</description></error></errormessage></response>"#;
    for status in [200, 429, 503] {
        let err = interpret(status, control.as_bytes(), true).unwrap_err();
        assert_eq!(classify(&err), ErrorClass::Throttled, "HTTP {status}");
        assert_eq!(code(&err), Failure::Throttled);
    }
    let try_later = function_error("BL01001973", "Unable to process", "Please Try Again Later");
    assert_eq!(classify(&try_later), ErrorClass::Throttled);
    let gw = Error::Control {
        status: 429,
        errors: vec![ErrorDetail {
            errorno: "GW-0010".into(),
            ..ErrorDetail::default()
        }],
    };
    assert_eq!(classify(&gw), ErrorClass::Throttled);
    let bare_429 = interpret(429, b"Too Many Requests", false).unwrap_err();
    assert_eq!(classify(&bare_429), ErrorClass::Throttled);
}

#[test]
fn numbering_collision_needs_operator_with_sequence_fix() {
    let body = result_body(
        "BL03000018",
        "A transaction with the number 'INV-00042' already exists.",
    );
    let response = interpret(200, body.as_bytes(), true).unwrap();
    let err = response.check_results().unwrap_err();
    assert_eq!(code(&err), Failure::NumberingCollision);
    assert_eq!(classify(&err), ErrorClass::NeedsOperator);
}

#[test]
fn payment_batch_key_points_at_summary_frequency() {
    let err = function_error("BL03000019", "Please provide a payment batch key.", "");
    assert_eq!(code(&err), Failure::PaymentBatchKey);
}

#[test]
fn missing_field_and_foreign_currency_undeposited_funds() {
    let dl = function_error(
        "DL02000001",
        "There was an error processing the request.",
        "",
    );
    assert_eq!(code(&dl), Failure::Dl02000001);
    let bl = function_error(
        "BL02000051",
        "You cannot make payment for foreign currency invoice for payment method \"EFT\" using Undeposited Fund Account.",
        "",
    );
    assert_eq!(code(&bl), Failure::Bl02000051);
    assert_eq!(classify(&bl), ErrorClass::NeedsOperator);
}

#[test]
fn lost_write_responses_have_unknown_outcome_but_reads_are_transient() {
    for status in [500, 502, 503, 524] {
        let write = interpret(status, b"<html>Bad gateway</html>", true).unwrap_err();
        let read = interpret(status, b"upstream error", false).unwrap_err();
        assert_eq!(
            classify(&write),
            ErrorClass::UnknownOutcome,
            "write HTTP {status}"
        );
        assert_eq!(classify(&read), ErrorClass::Transient, "read HTTP {status}");
    }
    let timeout_after = Error::Transport {
        kind: TransportKind::TimeoutAfterSend,
        message: "t".into(),
        write: true,
    };
    assert_eq!(classify(&timeout_after), ErrorClass::UnknownOutcome);
    assert_eq!(code(&timeout_after), Failure::UnknownOutcome);
    let connect = Error::Transport {
        kind: TransportKind::Connect,
        message: "refused".into(),
        write: true,
    };
    assert_eq!(classify(&connect), ErrorClass::Transient);
    let before = Error::Transport {
        kind: TransportKind::TimeoutBeforeSend,
        message: "t".into(),
        write: true,
    };
    assert_eq!(classify(&before), ErrorClass::Transient);
    let garbage_200 = interpret(200, b"<response><control>", true).unwrap_err();
    assert!(matches!(
        garbage_200,
        Error::InvalidResponse {
            source: ParseError::Xml(_),
            ..
        }
    ));
    assert_eq!(classify(&garbage_200), ErrorClass::UnknownOutcome);
}

#[test]
fn bare_401_and_other_statuses() {
    let err = interpret(401, b"Unauthorized", false).unwrap_err();
    assert!(matches!(err, Error::Http { status: 401, .. }));
    assert_eq!(code(&err), Failure::Auth401);
    let err = interpret(404, b"Not Found", false).unwrap_err();
    assert_eq!(classify(&err), ErrorClass::NeedsOperator);
    let err = interpret(200, b"<html><body>maintenance</body></html>", false).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidResponse {
            source: ParseError::Shape(_),
            ..
        }
    ));
    assert_eq!(classify(&err), ErrorClass::Transient);
}

#[test]
fn maintenance_text_is_transient() {
    let err = function_error("XL03000010", "The Service is Temporarily Off-line", "");
    assert_eq!(classify(&err), ErrorClass::Transient);
}

#[test]
fn every_class_is_reachable_and_codes_resolve() {
    for class in [
        ErrorClass::Throttled,
        ErrorClass::Transient,
        ErrorClass::UnknownOutcome,
        ErrorClass::Authentication,
        ErrorClass::NeedsOperator,
    ] {
        assert!(Failure::ALL.iter().any(|f| f.class() == class), "{class:?}");
    }
}
