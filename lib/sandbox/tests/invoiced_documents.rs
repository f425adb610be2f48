//! Scenarios about invoice, credit note and payment rules: balances, status, closing, voiding.

mod invoiced_support;

use invoiced_support::start;
use pretty_assertions::assert_eq;
use serde_json::json;

#[tokio::test]
async fn a_partial_payment_lowers_the_balance_and_the_rest_closes_the_invoice() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let invoice = sandbox.invoice(customer, "100").await;
    let id = invoice["id"].as_i64().unwrap();

    let partial = sandbox
        .post("/payments", json!({"customer": customer, "amount": 40, "method": "check", "reference": "1001",
                                  "applied_to": [{"type": "invoice", "invoice": id, "amount": 40}]}))
        .await;
    assert_eq!(partial.status, 201, "{}", partial.text);
    assert_eq!(partial.json["balance"], 0);
    assert_eq!(partial.json["applied_to"][0]["type"], "invoice");
    let after_partial = sandbox.get(&format!("/invoices/{id}")).await;
    assert_eq!(
        (
            after_partial.json["balance"].as_f64(),
            after_partial.json["paid"].as_bool()
        ),
        (Some(60.0), Some(false))
    );

    let rest = sandbox
        .post("/payments", json!({"customer": customer, "amount": 60,
                                  "applied_to": [{"type": "invoice", "invoice": id, "amount": 60}]}))
        .await;
    assert_eq!(rest.status, 201);
    let paid = sandbox.get(&format!("/invoices/{id}")).await;
    assert_eq!(paid.json["balance"], 0);
    assert_eq!(paid.json["paid"], true);
    assert_eq!(paid.json["closed"], true);
    assert_eq!(paid.json["status"], "paid");

    let edit = sandbox
        .patch(&format!("/invoices/{id}"), json!({"notes": "late edit"}))
        .await;
    assert_eq!(edit.status, 400);
    assert!(edit.json["message"].as_str().unwrap().contains("is closed"));

    let types = sandbox.running.handle().event_types();
    assert_eq!(
        types.iter().filter(|t| *t == "invoice.paid").count(),
        1,
        "{types:?}"
    );
}

#[tokio::test]
async fn voiding_a_payment_restores_the_invoice_and_reopens_it() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let id = sandbox.invoice(customer, "25.50").await["id"]
        .as_i64()
        .unwrap();
    let payment = sandbox
        .post("/payments", json!({"customer": customer, "amount": 25.5,
                                  "applied_to": [{"type": "invoice", "invoice": id, "amount": 25.5}]}))
        .await;
    let payment_id = payment.json["id"].as_i64().unwrap();
    assert_eq!(
        sandbox.get(&format!("/invoices/{id}")).await.json["status"],
        "paid"
    );

    let voided = sandbox.delete(&format!("/payments/{payment_id}")).await;
    assert_eq!(voided.status, 200);
    assert_eq!(voided.json["voided"], true);
    assert_eq!(voided.json["balance"], 25.5);
    let reopened = sandbox.get(&format!("/invoices/{id}")).await;
    assert_eq!(reopened.json["balance"], 25.5);
    assert_eq!(
        (
            reopened.json["paid"].as_bool(),
            reopened.json["closed"].as_bool()
        ),
        (Some(false), Some(false))
    );

    let again = sandbox.delete(&format!("/payments/{payment_id}")).await;
    assert_eq!(
        (again.status, again.json["message"].as_str()),
        (400, Some("This payment has already been voided."))
    );
    let types = sandbox.running.handle().event_types();
    assert!(types.contains(&"payment.deleted".to_string()), "{types:?}");
    assert!(!types.iter().any(|t| t == "payment.voided"));
}

#[tokio::test]
async fn voiding_an_invoice_zeroes_its_balance_and_cannot_happen_twice_or_after_payment() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let id = sandbox.invoice(customer, "51.15").await["id"]
        .as_i64()
        .unwrap();
    let voided = sandbox
        .post(&format!("/invoices/{id}/void"), json!({}))
        .await;
    assert_eq!(voided.status, 200);
    assert_eq!(voided.json["status"], "voided");
    assert_eq!(voided.json["balance"], 0);
    assert!(voided.json.get("voided").is_none());
    let twice = sandbox
        .post(&format!("/invoices/{id}/void"), json!({}))
        .await;
    assert_eq!(
        (twice.status, twice.json["message"].as_str()),
        (400, Some("This document has already been voided."))
    );

    let paid = sandbox.invoice(customer, "10").await["id"]
        .as_i64()
        .unwrap();
    sandbox
        .post("/payments", json!({"customer": customer, "amount": 5, "applied_to": [{"type": "invoice", "invoice": paid, "amount": 5}]}))
        .await;
    let refused = sandbox
        .post(&format!("/invoices/{paid}/void"), json!({}))
        .await;
    assert_eq!(
        refused.json["message"],
        "This invoice cannot be voided because it has a payment applied."
    );
    let listed = sandbox.get("/invoices?filter[voided]=1").await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
    assert!(
        listed.json[0].get("voided").is_none(),
        "filter-only keys are not rendered"
    );
}

#[tokio::test]
async fn a_credit_note_applied_through_a_payment_lowers_both_balances() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let invoice = sandbox.invoice(customer, "100").await["id"]
        .as_i64()
        .unwrap();
    let note = sandbox
        .post(
            "/credit_notes",
            json!({"customer": customer, "items": [{"name": "Refund", "unit_cost": 30}]}),
        )
        .await;
    assert_eq!(note.status, 201);
    assert_eq!(note.json["status"], "open");
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/invoiced/credit_note.json")).unwrap();
    for key in fixture.as_object().unwrap().keys() {
        assert!(note.json.get(key).is_some(), "credit note lacks `{key}`");
    }
    let note_id = note.json["id"].as_i64().unwrap();

    let applied = sandbox
        .post("/payments", json!({"customer": customer, "amount": 0, "applied_to": [
            {"type": "credit_note", "credit_note": note_id, "document_type": "invoice", "invoice": invoice, "amount": 30}]}))
        .await;
    assert_eq!(applied.status, 201, "{}", applied.text);
    assert_eq!(
        sandbox.get(&format!("/invoices/{invoice}")).await.json["balance"],
        70
    );
    let note_after = sandbox.get(&format!("/credit_notes/{note_id}")).await;
    assert_eq!(
        (
            note_after.json["balance"].as_f64(),
            note_after.json["status"].as_str()
        ),
        (Some(0.0), Some("paid"))
    );
    let void_note = sandbox
        .post(&format!("/credit_notes/{note_id}/void"), json!({}))
        .await;
    assert_eq!(void_note.status, 400);
}

#[tokio::test]
async fn a_convenience_fee_is_part_of_the_amount_but_never_reduces_the_invoice() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let invoice = sandbox.invoice(customer, "40").await["id"]
        .as_i64()
        .unwrap();
    let payment = sandbox
        .post("/payments", json!({"customer": customer, "amount": 45, "method": "credit_card", "applied_to": [
            {"type": "invoice", "invoice": invoice, "amount": 40}, {"type": "convenience_fee", "amount": 5}]}))
        .await;
    assert_eq!(payment.status, 201, "{}", payment.text);
    assert_eq!(payment.json["balance"], 0);
    assert_eq!(
        sandbox.get(&format!("/invoices/{invoice}")).await.json["status"],
        "paid"
    );
    let fetched = sandbox
        .get(&format!("/payments/{}", payment.json["id"]))
        .await;
    assert!(
        fetched.json.get("applied_to").is_none(),
        "applied_to needs include=applied_to"
    );
    let included = sandbox
        .get(&format!(
            "/payments/{}?include=applied_to",
            payment.json["id"]
        ))
        .await;
    assert_eq!(
        included.json["applied_to"][1],
        json!({"id": included.json["applied_to"][1]["id"], "type": "convenience_fee", "amount": 5})
    );
}

#[tokio::test]
async fn applying_more_than_the_payment_or_the_invoice_balance_is_refused() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let invoice = sandbox.invoice(customer, "10").await["id"]
        .as_i64()
        .unwrap();
    let too_much = sandbox
        .post("/payments", json!({"customer": customer, "amount": 5, "applied_to": [{"type": "invoice", "invoice": invoice, "amount": 6}]}))
        .await;
    assert_eq!(too_much.status, 400);
    assert_eq!(
        too_much.json["message"],
        "Total amount applied (6) cannot exceed the payment amount (5)"
    );
    assert_eq!(too_much.json["param"], "applied_to");
    let over_balance = sandbox
        .post("/payments", json!({"customer": customer, "amount": 50, "applied_to": [{"type": "invoice", "invoice": invoice, "amount": 11}]}))
        .await;
    assert_eq!(over_balance.status, 400);
    assert!(
        sandbox.running.handle().payments().is_empty(),
        "a refused payment is not recorded"
    );
}

#[tokio::test]
async fn an_invoice_past_its_due_date_is_past_due_and_patch_items_replaces_lines() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let invoice = sandbox
        .post("/invoices", json!({"customer": customer, "payment_terms": "NET 30",
                                  "items": [{"name": "A", "unit_cost": 10}, {"name": "B", "unit_cost": 20}]}))
        .await;
    let id = invoice.json["id"].as_i64().unwrap();
    let keep = invoice.json["items"][1]["id"].clone();
    let patched = sandbox
        .patch(
            &format!("/invoices/{id}"),
            json!({"items": [{"id": keep, "quantity": 2}, {"name": "C", "unit_cost": 1}]}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let names: Vec<&str> = patched.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["B", "C"]);
    assert_eq!(patched.json["items"][0]["id"], keep);
    assert_eq!(patched.json["total"], 41);

    sandbox.running.handle().advance_clock(31 * 86_400);
    assert_eq!(
        sandbox.get(&format!("/invoices/{id}")).await.json["status"],
        "past_due"
    );
    let draft = sandbox
        .post("/invoices", json!({"customer": customer, "draft": true}))
        .await;
    assert_eq!(draft.json["status"], "draft");
}
