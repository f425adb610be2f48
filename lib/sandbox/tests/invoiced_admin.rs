//! Scenarios about the `/sandbox/...` admin API that out-of-process drivers use.

mod invoiced_support;

use invoiced_support::start;
use pretty_assertions::assert_eq;
use serde_json::json;

#[tokio::test]
async fn the_admin_api_changes_settings_seeds_records_and_reports_traffic() {
    let sandbox = start().await;
    let admin = |path: &str| sandbox.url(&format!("/sandbox/{path}"));

    let health = sandbox.send(sandbox.http.get(admin("health"))).await;
    assert_eq!(
        (health.status, health.json.clone()),
        (200, json!({"ok": true}))
    );

    let patched = sandbox
        .send(
            sandbox
                .http
                .patch(admin("settings"))
                .json(&json!({"in_flight_limit": 7, "latency_ms": 5, "retry_secs": [0.5, 1]})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["in_flight_limit"], 7);
    assert_eq!(patched.json["retry_secs"], json!([0.5, 1.0]));
    assert!(
        patched.json.get("webhook_secret").is_none(),
        "the secret is never echoed"
    );
    assert_eq!(sandbox.running.handle().api_faults().in_flight_limit, 7);
    let refused = sandbox
        .send(
            sandbox
                .http
                .patch(admin("settings"))
                .json(&json!({"error_rate": 2})),
        )
        .await;
    assert_eq!(refused.status, 400);

    let seeded = sandbox
        .send(
            sandbox
                .http
                .post(admin("seed/customers"))
                .json(&json!({"count": 4})),
        )
        .await;
    assert_eq!(seeded.json["created"].as_array().unwrap().len(), 4);
    let id = seeded.json["created"][0].as_i64().unwrap();
    sandbox.get(&format!("/customers/{id}")).await;
    sandbox.get(&format!("/customers/{id}")).await;

    let records = sandbox
        .send(sandbox.http.get(admin("records/customers")))
        .await;
    assert_eq!(records.json.as_array().unwrap().len(), 4);
    let one = sandbox
        .send(sandbox.http.get(admin(&format!("records/customer/{id}"))))
        .await;
    assert_eq!(one.json["name"], "Sandbox Customer 1");
    let requests = sandbox.send(sandbox.http.get(admin("requests"))).await;
    assert_eq!(
        requests.json,
        json!({"GET /customers/:id": 2}),
        "admin calls are not counted"
    );
}
