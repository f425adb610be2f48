//! Every check passes on a consistent snapshot and fails, naming the record, on each way of
//! breaking it.

use super::*;
use rust_decimal_macros::dec;
use serde_json::json;

fn doc(recordno: &str, number: &str, total: Decimal, due: Decimal) -> IaDoc {
    IaDoc {
        recordno: recordno.into(),
        number: number.into(),
        state: "Posted".into(),
        total,
        due,
        ..IaDoc::default()
    }
}

fn payment(recordno: &str, docnumber: &str, total: Decimal) -> IaDoc {
    IaDoc {
        recordno: recordno.into(),
        docnumber: docnumber.into(),
        state: "C".into(),
        total,
        ..IaDoc::default()
    }
}

/// One of everything, in sync: an Invoiced customer, invoice (partly paid), voided invoice,
/// credit note, payment with a fee; an Intacct customer, sales invoice and payment imported.
fn consistent() -> Snapshot {
    Snapshot {
        inv_customers: vec![
            InvCustomer {
                id: "1".into(),
                number: "CH00001".into(),
            },
            InvCustomer {
                id: "2".into(),
                number: "IA-C0001".into(),
            },
        ],
        inv_invoices: vec![
            InvDoc {
                id: "10".into(),
                number: "CH00001-INV-001".into(),
                total: dec!(100.00),
                balance: dec!(40.00),
                ..InvDoc::default()
            },
            InvDoc {
                id: "11".into(),
                number: "CH00001-INV-002".into(),
                total: dec!(50.00),
                balance: dec!(0),
                voided: true,
                ..InvDoc::default()
            },
            InvDoc {
                id: "12".into(),
                number: "IA-INV-00001".into(),
                total: dec!(80.00),
                balance: dec!(0),
                imported_from: Some("3".into()),
                ..InvDoc::default()
            },
        ],
        inv_credit_notes: vec![InvDoc {
            id: "20".into(),
            number: "CH00001-CN-001".into(),
            total: dec!(10.00),
            balance: dec!(10.00),
            ..InvDoc::default()
        }],
        inv_payments: vec![
            InvPayment {
                id: "30".into(),
                amount: dec!(62.50),
                fee: dec!(2.50),
                ..InvPayment::default()
            },
            InvPayment {
                id: "31".into(),
                amount: dec!(80.00),
                imported_from: Some("90".into()),
                ..InvPayment::default()
            },
        ],
        ia_customers: vec![
            ("5".into(), "CH00001".into()),
            ("7".into(), "IA-C0001".into()),
        ],
        ia_invoices: vec![
            doc("1", "CH00001-INV-001", dec!(100.00), dec!(40.00)),
            IaDoc {
                state: "Reversed".into(),
                ..doc("2", "CH00001-INV-002", dec!(50.00), dec!(0))
            },
            IaDoc {
                state: "Reversal".into(),
                ..doc("4", "CH00001-INV-002-R", dec!(-50.00), dec!(0))
            },
            doc("3", "IA-INV-00001", dec!(80.00), dec!(0)),
            doc("6", "CF-30", dec!(2.50), dec!(0)),
        ],
        ia_adjustments: vec![doc("8", "CH00001-CN-001", dec!(-10.00), dec!(-10.00))],
        ia_payments: vec![
            payment("50", "Invoiced ID: 30", dec!(62.50)),
            payment("90", "IA-PAY-00001", dec!(80.00)),
        ],
        ia_sales_docs: vec![IaSalesDoc {
            number: "IA-INV-00001".into(),
            doc_type: "Sales Invoice".into(),
            total: dec!(80.00),
            ar_key: "3".into(),
        }],
        open_errors: vec![],
        dead_letters: vec![],
        polled: BTreeMap::from([("customer".to_owned(), "2026-01-01T10:00:00Z".to_owned())]),
    }
}

/// The single problem a broken snapshot yields.
fn only_problem(s: &Snapshot) -> Problem {
    let v = verdict(s);
    let problems: Vec<Problem> = v.checks.into_iter().flat_map(|c| c.problems).collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems[0].clone()
}

#[test]
fn a_consistent_snapshot_passes_every_check() {
    let v = verdict(&consistent());
    assert!(v.ok(), "{v:#?}");
    assert!(v.checks.iter().filter(|c| c.checked > 0).count() >= 7);
}

#[test]
fn a_lost_invoice_is_found() {
    let mut s = consistent();
    s.ia_invoices.retain(|d| d.recordno != "1");
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Lost);
    assert!(p.record.contains("Invoiced invoice 10"), "{p:?}");
}

#[test]
fn a_second_ar_payment_for_one_invoiced_payment_is_a_duplicate() {
    let mut s = consistent();
    s.ia_payments
        .push(payment("51", "Reference: X, Invoiced ID: 30", dec!(62.50)));
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Duplicated);
    assert!(p.record.contains("Invoiced payment 30"), "{p:?}");
    assert!(p.detail.contains("50, 51"), "{p:?}");
}

#[test]
fn the_reversing_copy_of_a_voided_payment_is_not_a_duplicate() {
    let mut s = consistent();
    s.inv_payments[0].voided = true;
    s.ia_payments[0].state = "V".into();
    s.ia_payments.push(IaDoc {
        parent: "50".into(),
        ..payment("52", "Invoiced ID: 30", dec!(-62.50))
    });
    assert!(verdict(&s).ok());
}

#[test]
fn a_lost_void_is_a_mismatch() {
    let mut s = consistent();
    s.inv_payments[0].voided = true;
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Mismatch);
    assert!(p.detail.contains("not reversed"), "{p:?}");

    let mut s = consistent();
    s.ia_invoices[1].state = "Posted".into();
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Mismatch);
    assert!(p.record.contains("Invoiced invoice 11"), "{p:?}");
}

#[test]
fn totals_and_balances_must_agree() {
    let mut s = consistent();
    s.ia_invoices[0].due = dec!(100.00);
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Mismatch);
    assert!(p.detail.contains("balance 40.00"), "{p:?}");

    let mut s = consistent();
    s.ia_adjustments[0].total = dec!(-11.00);
    assert_eq!(only_problem(&s).kind, Kind::Mismatch);

    let mut s = consistent();
    s.ia_payments[0].total = dec!(60.00);
    assert_eq!(only_problem(&s).kind, Kind::Mismatch);

    let mut s = consistent();
    s.inv_invoices[2].balance = dec!(80.00);
    let p = only_problem(&s);
    assert!(p.record.contains("IA-INV-00001"), "{p:?}");
}

#[test]
fn customers_must_be_on_both_sides_once() {
    let mut s = consistent();
    s.ia_customers.remove(0);
    assert_eq!(only_problem(&s).kind, Kind::Lost);

    let mut s = consistent();
    s.inv_customers.push(InvCustomer {
        id: "3".into(),
        number: "IA-C0001".into(),
    });
    assert_eq!(only_problem(&s).kind, Kind::Duplicated);
}

#[test]
fn intacct_records_must_reach_invoiced_once_and_ours_never_come_back() {
    let mut s = consistent();
    s.inv_payments.retain(|p| p.id != "31");
    assert_eq!(only_problem(&s).kind, Kind::Lost);

    let mut s = consistent();
    s.inv_payments.push(InvPayment {
        id: "32".into(),
        amount: dec!(62.50),
        imported_from: Some("50".into()),
        ..InvPayment::default()
    });
    let p = only_problem(&s);
    assert_eq!(p.kind, Kind::Duplicated);
    assert!(p.detail.contains("imported back"), "{p:?}");

    let mut s = consistent();
    s.inv_invoices.retain(|i| i.id != "12");
    assert_eq!(only_problem(&s).kind, Kind::Lost);
}

#[test]
fn drafts_and_fees() {
    let mut s = consistent();
    s.inv_invoices[0].draft = true;
    let p = only_problem(&s);
    assert!(p.record.contains("draft"), "{p:?}");

    let mut s = consistent();
    s.ia_invoices.retain(|d| d.number != "CF-30");
    let p = only_problem(&s);
    assert!(p.record.contains("fee"), "{p:?}");
}

#[test]
fn open_errors_count_only_for_records_in_sync_and_dead_letters_always() {
    let mut s = consistent();
    s.open_errors = vec![json!({
        "id": "write-payment-30", "record_type": "payment", "record_id": "30",
        "direction": "write", "code": "XMLGW_JPP0001", "message": "throttled"
    })];
    assert_eq!(only_problem(&s).kind, Kind::StaleError);

    // The same error on a payment that is really missing is part of that failure, not extra.
    s.ia_payments.retain(|p| p.recordno != "50");
    s.ia_invoices.retain(|d| d.number != "CF-30");
    let v = verdict(&s);
    assert_eq!(v.count(Kind::StaleError), 0);
    assert_eq!(v.count(Kind::Lost), 2);

    // A stream's read error is stale only once the stream was read to the end after it.
    let mut s = consistent();
    s.open_errors = vec![json!({
        "id": "read-customer-stream:customer", "record_type": "customer",
        "record_id": "stream:customer", "direction": "read", "code": "INTACCT_THROTTLED",
        "message": "throttled", "last_seen": "2026-01-01T09:00:00Z"
    })];
    assert_eq!(only_problem(&s).kind, Kind::StaleError);
    s.open_errors[0]["last_seen"] = json!("2026-01-01T11:00:00Z");
    assert!(verdict(&s).ok());

    let mut s = consistent();
    s.dead_letters = vec![json!({
        "id": "1", "work": {"record_type": "invoice", "invoiced_id": "10"},
        "receive_count": 10, "reason": "INTACCT_THROTTLED", "dead_letter_reason": "store failed"
    })];
    assert_eq!(only_problem(&s).kind, Kind::DeadLetter);
}

#[test]
fn the_invoiced_id_is_read_from_both_docnumber_forms() {
    assert_eq!(invoiced_id_in("Invoiced ID: 60012"), Some("60012"));
    assert_eq!(
        invoiced_id_in("Reference: CHK-1, Invoiced ID: 60012"),
        Some("60012")
    );
    assert_eq!(invoiced_id_in("IA-PAY-00001"), None);
}
