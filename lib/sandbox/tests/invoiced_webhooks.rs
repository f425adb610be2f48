//! Scenarios about webhook delivery: signatures, retries, injected duplicates and reordering.

mod invoiced_support;

use invoiced_support::{Receiver, start};
use pretty_assertions::assert_eq;
use sandbox::invoiced::sign;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn the_signer_reproduces_the_backend_test_vector() {
    let vector: Value = serde_json::from_str(include_str!(
        "fixtures/invoiced/transcribed_webhook_signature_vector.json"
    ))
    .unwrap();
    let signature = sign(
        vector["secret"].as_str().unwrap(),
        vector["body"].as_str().unwrap().as_bytes(),
    );
    assert_eq!(signature, vector["expected_signature"].as_str().unwrap());
}

#[tokio::test]
async fn a_new_customer_is_delivered_signed_with_the_webhook_secret() {
    let receiver = Receiver::start(&[]).await;
    let sandbox = start().await;
    sandbox.running.handle().set_webhook(
        Some(receiver.url.clone()),
        SecretString::from("whsec_acme_0123456789abcdef"),
    );
    let customer = sandbox.customer("Acme").await;

    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let delivery = &got[0];
    assert_eq!(delivery.header("user-agent"), "Invoiced/1.0");
    assert_eq!(delivery.header("content-type"), "application/json");
    assert_eq!(
        delivery.header("x-invoiced-signature"),
        sign("whsec_acme_0123456789abcdef", &delivery.body)
    );
    let event = delivery.json();
    assert_eq!(event["type"], "customer.created");
    assert_eq!(event["data"]["object"]["id"], customer);
    // The payload is identical to what the Events API returns.
    let listed = sandbox.get(&format!("/events/{}", event["id"])).await;
    assert_eq!(listed.text.as_bytes(), delivery.body.as_slice());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_on_the_schedule_until_it_succeeds() {
    let receiver = Receiver::start(&[500, 503]).await;
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_retry_schedule(vec![
        Duration::from_millis(100),
        Duration::from_millis(100),
        Duration::from_millis(100),
    ]);
    handle.set_webhook(Some(receiver.url.clone()), SecretString::from("secret"));
    sandbox.customer("Acme").await;

    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "retries resend the same body"
    );
    let attempts = handle.webhook_attempts();
    let outcome: Vec<(u32, Option<u16>)> = attempts
        .iter()
        .map(|a| (a.attempt, a.status_code))
        .collect();
    assert_eq!(
        outcome,
        vec![(1, Some(500)), (2, Some(503)), (3, Some(200))]
    );
    assert_eq!(handle.pending_webhooks(), 0);
}

#[tokio::test]
async fn an_endpoint_that_stays_down_exhausts_the_retries_and_the_webhook_is_disabled() {
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_retry_schedule(vec![Duration::from_millis(50)]);
    // Nothing listens on this port: a connection error counts as a failure.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", dead.local_addr().unwrap());
    drop(dead);
    handle.set_webhook(Some(url), SecretString::from("secret"));
    sandbox.customer("Acme").await;
    for _ in 0..100 {
        if !handle.webhook_settings().enabled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let attempts = handle.webhook_attempts();
    assert_eq!(attempts.len(), 2, "one try and one retry");
    assert!(attempts.iter().all(|a| a.error.is_some() && !a.succeeded));
    assert!(!handle.webhook_settings().enabled);
}

#[tokio::test]
async fn injected_duplicates_send_every_event_twice_with_the_same_id_and_signature() {
    let receiver = Receiver::start(&[]).await;
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_webhook_faults(1.0, 0.0);
    handle.set_webhook(Some(receiver.url.clone()), SecretString::from("secret"));
    sandbox.customer("Acme").await;
    sandbox.customer("Bravo").await;

    let got = receiver.wait_for(4).await;
    assert_eq!(got.len(), 4);
    let ids: Vec<i64> = got
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[2], ids[3]);
    assert_eq!(
        got[0].header("x-invoiced-signature"),
        got[1].header("x-invoiced-signature")
    );
    assert_eq!(
        handle
            .webhook_attempts()
            .iter()
            .filter(|a| a.duplicate)
            .count(),
        2
    );
}

#[tokio::test]
async fn paused_deliveries_queue_up_and_reordering_swaps_neighbours_deterministically() {
    let receiver = Receiver::start(&[]).await;
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.pause_webhooks();
    handle.set_webhook_faults(0.0, 1.0);
    handle.set_webhook(Some(receiver.url.clone()), SecretString::from("secret"));
    for name in ["A", "B", "C", "D"] {
        sandbox.post("/customers", json!({"name": name})).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        receiver.received().is_empty(),
        "nothing is sent while paused"
    );
    assert_eq!(handle.flush_webhooks().await, 4);

    let names: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| {
            r.json()["data"]["object"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        vec!["B", "A", "D", "C"],
        "each held event goes out after the next one"
    );
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_410_gone_disables_the_webhook_at_once() {
    let receiver = Receiver::start(&[302, 410]).await;
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_retry_schedule(vec![Duration::from_millis(50); 5]);
    handle.set_webhook(Some(receiver.url.clone()), SecretString::from("secret"));
    sandbox.customer("Acme").await;

    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2, "the 302 is not followed but retried");
    for _ in 0..100 {
        if !handle.webhook_settings().enabled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !handle.webhook_settings().enabled,
        "410 Gone disables the webhook"
    );
    sandbox.customer("Bravo").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "nothing is sent to a disabled webhook"
    );
    let codes: Vec<Option<u16>> = handle
        .webhook_attempts()
        .iter()
        .map(|a| a.status_code)
        .collect();
    assert_eq!(codes, vec![Some(302), Some(410)]);
}
