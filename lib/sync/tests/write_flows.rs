//! Invoiced → Intacct, as a user sees it: records made in Invoiced arrive in Intacct through
//! signed webhooks, exactly once, with the rules of the product.

mod common;

use common::{World, customer, invoice, line};
use invoiced::RequestOptions;
use invoiced::models::{InvoiceParams, Metadata};
use rust_decimal_macros::dec;
use sandbox::intacct::ObjectKind;
use sync_engine::config::RecordType;
use sync_engine::ports::MappingStore;

#[tokio::test]
async fn an_issued_invoice_reaches_intacct_with_its_customer_lines_and_dimensions() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-1", "Acme Corp").await;
    let overrides = Metadata::new()
        .with("intacct_department", "OPS")
        .with("intacct_project", "P-7");
    invoice(
        &world,
        &acme,
        "INV-1001",
        false,
        vec![
            line("Consulting", dec!(2), dec!(150.00), Metadata::new()),
            line("Licence", dec!(1), dec!(99.99), overrides),
        ],
    )
    .await;

    let replies = world.deliver_new_events().await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");

    let customers = world.intacct_records(ObjectKind::Customer);
    let intacct_customer = customers
        .iter()
        .find(|c| c.fields.get("CUSTOMERID").map(String::as_str) == Some("CUST-1"))
        .expect("customer created in Intacct with the Invoiced number as CUSTOMERID");
    assert_eq!(intacct_customer.fields["NAME"], "Acme Corp");

    let invoices = world.intacct_records(ObjectKind::ArInvoice);
    assert_eq!(invoices.len(), 1, "one AR invoice");
    let ar = &invoices[0];
    assert_eq!(ar.fields["RECORDID"], "INV-1001");
    assert_eq!(ar.fields["CUSTOMERID"], "CUST-1");
    assert_eq!(ar.lines.len(), 2);
    let amounts: Vec<&str> = ar.lines.iter().map(|l| l["AMOUNT"].as_str()).collect();
    assert_eq!(amounts, ["300.00", "99.99"]);
    for l in &ar.lines {
        assert_eq!(l["ACCOUNTNO"], "4000");
        assert_eq!(l["LOCATIONID"], "HQ", "default location on every line");
    }
    assert_eq!(ar.lines[0]["DEPARTMENTID"], "SALES", "default department");
    assert_eq!(
        ar.lines[1]["DEPARTMENTID"], "OPS",
        "custom field overrides the default"
    );
    assert_eq!(ar.lines[1]["PROJECTID"], "P-7");

    let mapping = world
        .store
        .mapping_by_intacct(&world.conn, RecordType::Invoice, &ar.recordno.to_string())
        .await
        .expect("store")
        .expect("invoice mapped");
    assert_eq!(mapping.intacct_number.as_deref(), Some("INV-1001"));
}

#[tokio::test]
async fn a_draft_is_not_posted_until_it_is_issued_and_a_redelivery_does_nothing_twice() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-2", "Draft Co").await;
    let draft = invoice(
        &world,
        &acme,
        "INV-2001",
        true,
        vec![line("Work", dec!(1), dec!(10), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    assert!(
        world.intacct_records(ObjectKind::ArInvoice).is_empty(),
        "drafts are not posted"
    );

    world
        .api
        .invoices()
        .update(
            draft.id,
            &InvoiceParams {
                draft: Some(false),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("issue the draft");
    let issued_events = world.new_events();
    for event in &issued_events {
        world.deliver(event).await;
    }
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice).len(),
        1,
        "leaving draft posts it"
    );

    // Invoiced redelivers the same events (same ids): nothing happens twice.
    let requests_before = world.intacct.handle.function_calls("create_invoice");
    for event in &issued_events {
        let reply = world.deliver(event).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["status"], "duplicate");
    }
    assert_eq!(
        world.intacct.handle.function_calls("create_invoice"),
        requests_before
    );
    assert_eq!(world.intacct_records(ObjectKind::ArInvoice).len(), 1);
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_nothing_is_stored() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-3", "Forged Inc").await;
    let _ = acme;
    let event = world.new_events().pop().expect("customer.created event");
    let body = serde_json::to_vec(&event).expect("body");
    let forged = world.forged_signature(&body);
    let reply = world
        .engine
        .handle_webhook(world.conn.as_str(), Some(&forged), &body)
        .await
        .reply();
    assert_eq!(reply.status, 401);
    let missing = world
        .engine
        .handle_webhook(world.conn.as_str(), None, &body)
        .await
        .reply();
    assert_eq!(missing.status, 401);
    assert!(
        world.intacct_records(ObjectKind::Customer).iter().all(|c| c
            .fields
            .get("CUSTOMERID")
            .map(String::as_str)
            != Some("CUST-3"))
    );
    assert_eq!(
        world.intacct.handle.requests_total(),
        0,
        "Intacct never called"
    );
}

#[tokio::test]
async fn signed_events_the_sync_does_not_act_on_are_ignored_and_malformed_ones_refused() {
    let world = World::start(|_| {}).await;
    let event = |id: u64, event_type: &str| {
        serde_json::json!({"id": id, "type": event_type, "timestamp": 1_700_000_000,
                           "data": {"object": {"id": 5}}})
    };
    let unknown = event(77_001, "subscription.renewed");
    for ignored in [&unknown, &event(77_002, "contact.created")] {
        let reply = world.deliver(ignored).await;
        assert_eq!(
            (reply.status, reply.body["status"].as_str()),
            (200, Some("ignored")),
            "{reply:?}"
        );
    }
    // An ignored event is remembered like any other.
    let again = world.deliver(&unknown).await;
    assert_eq!(
        (again.status, again.body["status"].as_str()),
        (200, Some("duplicate"))
    );

    let malformed = [
        serde_json::json!({"type": "invoice.created", "timestamp": 1, "data": {"object": {"id": 5}}}),
        serde_json::json!({"id": 77_003, "timestamp": 1, "data": {"object": {"id": 5}}}),
        serde_json::json!({"id": 77_004, "type": 12, "timestamp": 1, "data": {"object": {"id": 5}}}),
        serde_json::json!({"id": 77_005, "type": "invoice.created", "timestamp": 1, "data": {"object": {}}}),
    ];
    for body in &malformed {
        let reply = world.deliver(body).await;
        assert_eq!(reply.status, 400, "{body}: {reply:?}");
    }
    let not_json = world.deliver_raw(b"{\"id\": 77006, \"type\":").await;
    assert_eq!(not_json.status, 400, "{not_json:?}");
    assert!(
        not_json.body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("body is not JSON")),
        "{not_json:?}"
    );
    assert_eq!(
        world.intacct.handle.requests_total(),
        0,
        "Intacct never called"
    );
}
