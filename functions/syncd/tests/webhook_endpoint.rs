//! The runner's HTTP webhook endpoint, driven by the Invoiced sandbox's real signed deliveries.

mod common;

use common::World;
use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, LineItemParams};
use rust_decimal_macros::dec;
use sandbox::intacct::ObjectKind;
use sync_engine::engine::webhook::MAX_WEBHOOK_BODY;

#[tokio::test]
async fn a_signed_delivery_from_invoiced_becomes_an_ar_invoice_in_intacct() {
    let world = World::start().await;
    let hook = world.invoiced.handle();
    hook.set_webhook(
        Some(world.webhook_url()),
        world.invoiced.webhook_secret.clone(),
    );

    let customer = world
        .api
        .customers()
        .create(
            &CustomerParams {
                name: Some("Hooked Ltd".into()),
                number: Some("HOOK-1".into()),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("customer");
    world
        .api
        .invoices()
        .create(
            &InvoiceParams {
                customer: Some(customer.id),
                number: Some("HOOK-INV-1".into()),
                draft: Some(false),
                items: Some(vec![LineItemParams {
                    name: Some("Work".into()),
                    quantity: Some(dec!(2)),
                    unit_cost: Some(dec!(60.50)),
                    ..LineItemParams::default()
                }]),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("invoice");
    hook.flush_webhooks().await;

    let attempts = hook.webhook_attempts();
    assert!(!attempts.is_empty(), "the sandbox delivered over HTTP");
    assert!(
        attempts.iter().all(|a| a.status_code == Some(200)),
        "every delivery answered 200: {attempts:?}"
    );
    let ar = world
        .intacct
        .handle
        .find(ObjectKind::ArInvoice, "RECORDID", "HOOK-INV-1")
        .expect("AR invoice created in Intacct");
    assert_eq!(ar.money("TOTALENTERED"), dec!(121.00));
    assert_eq!(ar.get("CUSTOMERID"), Some("HOOK-1"));
}

#[tokio::test]
async fn a_delivery_with_a_bad_signature_is_refused_with_401_and_nothing_is_written() {
    let world = World::start().await;
    let body = serde_json::json!({
        "id": 99, "type": "customer.created",
        "data": { "object": { "id": 1, "name": "Forged" } }
    })
    .to_string();
    let forged = sandbox::invoiced::sign("not-the-secret", body.as_bytes());
    let client = reqwest::Client::new();
    let reply = client
        .post(world.webhook_url())
        .header("X-Invoiced-Signature", forged)
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status().as_u16(), 401);
    let unsigned = client
        .post(world.webhook_url())
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(
        world.intacct.handle.requests_total(),
        0,
        "Intacct never called"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_verification() {
    let world = World::start().await;
    let client = reqwest::Client::new();
    let body = vec![b' '; MAX_WEBHOOK_BODY + 1];
    let reply = client
        .post(world.webhook_url())
        .header("X-Invoiced-Signature", "00")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status().as_u16(), 413);

    // Exactly at the limit is read and judged on its signature instead.
    let at_limit = vec![b' '; MAX_WEBHOOK_BODY];
    let reply = client
        .post(world.webhook_url())
        .header("X-Invoiced-Signature", "00")
        .body(at_limit)
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status().as_u16(), 401);
}

#[tokio::test]
async fn unknown_connections_are_404_and_health_is_ok() {
    let world = World::start().await;
    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{}/webhooks/nobody", world.server_url))
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status().as_u16(), 404);
    let health = client
        .get(format!("{}/healthz", world.server_url))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.expect("body"), "ok");
}
