//! Scenarios about the Events API: every change is recorded, newest first, with `previous`.

mod invoiced_support;

use invoiced_support::start;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

#[tokio::test]
async fn an_update_event_carries_only_the_changed_keys_in_data_previous() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    sandbox
        .patch(
            &format!("/customers/{customer}"),
            json!({"email": "ap@acme.test"}),
        )
        .await;
    // A PATCH that changes nothing writes no event.
    sandbox
        .patch(
            &format!("/customers/{customer}"),
            json!({"email": "ap@acme.test"}),
        )
        .await;

    let events = sandbox.get("/events").await;
    assert_eq!(events.status, 200);
    let list = events.json.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["type"], "customer.updated", "newest first");
    assert_eq!(list[0]["data"]["previous"], json!({"email": null}));
    assert_eq!(list[0]["data"]["object"]["email"], "ap@acme.test");
    assert!(
        list[0].get("object").is_none(),
        "events have no `object` key"
    );
    assert_eq!(list[1]["type"], "customer.created");
    assert!(list[1]["data"].get("previous").is_none());

    let shape: Value = serde_json::from_str(include_str!(
        "fixtures/invoiced/transcribed_event_server_shape.json"
    ))
    .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&list[0]), keys(&shape[0]));

    let one = sandbox.get(&format!("/events/{}", list[0]["id"])).await;
    assert_eq!(one.json, list[0]);
    assert_eq!(sandbox.get("/events/1").await.status, 404);
}

#[tokio::test]
async fn events_filter_by_object_type_exact_type_and_related_object() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let other = sandbox.customer("Other").await;
    let invoice = sandbox.invoice(customer, "10").await["id"]
        .as_i64()
        .unwrap();
    sandbox
        .post("/payments", json!({"customer": customer, "amount": 10, "applied_to": [{"type": "invoice", "invoice": invoice, "amount": 10}]}))
        .await;

    let types = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let invoice_events = sandbox.get("/events?type=invoice").await;
    assert_eq!(
        types(&invoice_events.json),
        vec!["invoice.paid", "invoice.created"]
    );
    let paid = &invoice_events.json[0];
    assert_eq!(paid["data"]["previous"]["status"], "not_sent");
    assert_eq!(paid["data"]["previous"]["balance"], 10);
    assert_eq!(
        paid["data"]["object"]["customer"]["name"], "Acme",
        "documents expand customer in events"
    );

    let exact = sandbox.get("/events?filter[type]=payment.created").await;
    assert_eq!(
        exact.json[0]["data"]["object"]["applied_to"][0]["invoice"], invoice,
        "payments include applied_to"
    );

    let related = sandbox
        .get(&format!("/events?related_to=customer,{customer}"))
        .await;
    assert_eq!(
        types(&related.json),
        vec![
            "invoice.paid",
            "payment.created",
            "invoice.created",
            "customer.created"
        ]
    );
    let others = sandbox
        .get(&format!("/events?related_to=customer,{other}"))
        .await;
    assert_eq!(types(&others.json), vec!["customer.created"]);
}
