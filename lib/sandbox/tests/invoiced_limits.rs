//! Scenarios about idempotency replay, the in-flight limit and injected failures.

mod invoiced_support;

use invoiced_support::{start, start_with};
use pretty_assertions::assert_eq;
use sandbox::invoiced::InvoicedConfig;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_retried_create_with_the_same_idempotency_key_replays_and_creates_nothing_new() {
    let sandbox = start().await;
    let first = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "retry-key-0001")
        .await;
    let second = sandbox
        .post_with_key(
            "/customers",
            json!({"name": "Acme changed"}),
            "retry-key-0001",
        )
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(
        (second.status, &second.text),
        (201, &first.text),
        "same status and byte-identical body"
    );
    assert_eq!(sandbox.running.handle().customers().len(), 1);
    assert_eq!(
        sandbox.running.handle().event_types(),
        vec!["customer.created"]
    );

    // Errors are stored too: the first answer wins even if the retry would now succeed.
    let failed = sandbox
        .post_with_key("/customers", json!({}), "retry-key-0002")
        .await;
    let retried = sandbox
        .post_with_key("/customers", json!({"name": "Fixed"}), "retry-key-0002")
        .await;
    assert_eq!((failed.status, retried.status), (400, 400));

    let different = sandbox
        .post_with_key("/customers", json!({"name": "Bravo"}), "retry-key-0003")
        .await;
    assert_eq!(different.status, 201);
    assert_ne!(different.json["id"], first.json["id"]);

    let short = sandbox
        .post_with_key("/customers", json!({"name": "x"}), "abc")
        .await;
    assert_eq!(short.status, 400);
    let on_get = sandbox
        .send(
            sandbox
                .http
                .get(sandbox.url("/customers"))
                .basic_auth("test_api_key", Some(""))
                .header("Idempotency-Key", "retry-key-0004"),
        )
        .await;
    assert_eq!(
        on_get.json["message"],
        "Unsupported method: GET. Idempotency keys can only be used with POST and PATCH requests."
    );
}

#[tokio::test]
async fn more_concurrent_requests_than_the_limit_get_429_with_the_real_body_and_no_retry_after() {
    let config = InvoicedConfig {
        in_flight_limit: 3,
        latency: Duration::from_millis(800),
        ..InvoicedConfig::for_tests()
    };
    let sandbox = start_with(config).await;
    let calls = (0..8).map(|_| sandbox.get("/customers"));
    let answers = futures_join_all(calls).await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let limited: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!((ok, limited.len()), (3, 5));
    assert_eq!(
        limited[0].json,
        json!({"type": "rate_limit_error", "message": "Too many concurrent requests! You can only make 3 concurrent requests at a time."})
    );
    assert!(limited[0].header("retry-after").is_none());
    // The Java mock's message is invented, but its `type` is the real one.
    let mock: Value =
        serde_json::from_str(include_str!("fixtures/invoiced/error_429_rate_limit.json")).unwrap();
    assert_eq!(limited[0].json["type"], mock["type"]);
    // Slots are released when requests finish.
    assert_eq!(sandbox.get("/customers").await.status, 200);
    assert_eq!(sandbox.running.handle().request_count("GET /customers"), 9);
}

#[tokio::test]
async fn an_error_rate_of_one_fails_every_request_with_an_api_error_and_writes_nothing() {
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_error_rate(1.0);
    let failed = sandbox.post("/customers", json!({"name": "Acme"})).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.json["type"], "api_error");
    assert!(
        failed.json["message"]
            .as_str()
            .unwrap()
            .contains("Correlation ID:")
    );
    handle.set_error_rate(0.0);
    assert!(handle.customers().is_empty());
    assert_eq!(
        sandbox
            .post("/customers", json!({"name": "Acme"}))
            .await
            .status,
        201
    );
}

/// Run futures concurrently on the current task (no extra dev-dependency).
async fn futures_join_all<F: std::future::Future<Output = T>, T>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let mut pending: Vec<_> = futures.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

#[tokio::test]
async fn a_write_that_commits_then_fails_is_stored_and_a_keyed_retry_replays_it() {
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    handle.set_commit_then_fail_rate(1.0);
    let lost = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "unknown-outcome-1")
        .await;
    assert_eq!(lost.status, 500);
    assert_eq!(
        handle.customers().len(),
        1,
        "the write happened although the client saw a 500"
    );
    handle.set_commit_then_fail_rate(0.0);
    let retried = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "unknown-outcome-1")
        .await;
    assert_eq!(retried.status, 201);
    assert_eq!(
        retried.json["id"].as_i64(),
        handle.customers().first().map(|c| c.id)
    );
    assert_eq!(
        handle.customers().len(),
        1,
        "the keyed retry created nothing new"
    );
}

#[tokio::test]
async fn an_idempotency_key_is_forgotten_after_24_hours() {
    let sandbox = start().await;
    let handle = sandbox.running.handle();
    let first = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "daily-key-01")
        .await;
    handle.advance_clock(86_399);
    let within = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "daily-key-01")
        .await;
    assert_eq!(within.json["id"], first.json["id"]);
    handle.advance_clock(2);
    let after = sandbox
        .post_with_key("/customers", json!({"name": "Acme"}), "daily-key-01")
        .await;
    assert_eq!(after.status, 201);
    assert_ne!(after.json["id"], first.json["id"]);
    assert_eq!(handle.customers().len(), 2);
}
