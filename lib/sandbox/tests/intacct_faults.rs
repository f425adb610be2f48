//! Production failure modes on demand: the per-company concurrency limit (XMLGW_JPP0001),
//! seeded throttling and 5xx pages, and the unknown outcome — a write that took effect although
//! its response was lost. Also request counting and the JSON admin API.

mod intacct_support;

use intacct_support::{
    Sandbox, function, invoice_xml, request, result_status, start, start_with, text,
};
use pretty_assertions::assert_eq;
use sandbox::intacct::{IntacctConfig, ObjectKind, Settings, SettingsPatch, TimeoutMode};

const READ: &str = "<readByQuery><object>CUSTOMER</object><query/><fields>RECORDNO</fields><pagesize>1</pagesize></readByQuery>";

async fn with_settings(settings: Settings) -> Sandbox {
    start_with(IntacctConfig {
        settings,
        ..IntacctConfig::default()
    })
    .await
}

async fn raw(sandbox: &Sandbox, functions: &str) -> (u16, String) {
    let (s, p) = sandbox.sender();
    sandbox
        .post(request((&s, &p), &sandbox.login(), functions, false, false))
        .await
}

#[tokio::test]
async fn a_third_concurrent_request_gets_xmlgw_jpp0001() {
    let sandbox = with_settings(Settings {
        latency_ms: 800,
        ..Settings::default()
    })
    .await;
    let read = function("r", READ);
    let call = || raw(&sandbox, &read);
    let (a, b, c) = tokio::join!(call(), call(), call());
    let bodies = [a.1, b.1, c.1];
    let throttled: Vec<&String> = bodies
        .iter()
        .filter(|b| b.contains("XMLGW_JPP0001"))
        .collect();
    assert_eq!(throttled.len(), 1, "{bodies:?}");
    assert!(throttled[0].contains("<control><status>failure</status></control>"));
    assert!(throttled[0].contains("There are too many operations running for this company"));
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b.contains("<status>success</status><function>readByQuery"))
            .count(),
        2
    );

    // A raised limit, or waiting for a slot like the real gateway, lets all three through.
    sandbox
        .handle()
        .update_settings(SettingsPatch {
            concurrency_wait_ms: Some(2_000),
            ..SettingsPatch::default()
        })
        .unwrap();
    let (a, b, c) = tokio::join!(call(), call(), call());
    assert!([a.1, b.1, c.1].iter().all(|b| !b.contains("XMLGW_JPP0001")));
}

#[tokio::test]
async fn throttled_and_5xx_requests_do_not_run() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    sandbox.handle().set_fault_rates(1.0, 0.0, 0.0);
    let (status, body) = raw(
        &sandbox,
        &function("i", &invoice_xml("CUST-1", "INV-1", "5")),
    )
    .await;
    assert_eq!(
        (status, text(&body, "errorno").unwrap()),
        (200, "XMLGW_JPP0001".to_string())
    );
    sandbox.handle().set_fault_rates(0.0, 1.0, 0.0);
    let response = sandbox
        .http
        .post(&sandbox.running.endpoint)
        .body(request(
            (&sandbox.sender().0, &sandbox.sender().1),
            &sandbox.login(),
            &function("i", &invoice_xml("CUST-1", "INV-1", "5")),
            false,
            false,
        ))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_server_error());
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    assert_eq!(sandbox.handle().count(ObjectKind::ArInvoice), 0);
}

async fn statuses(seed: u64) -> Vec<u16> {
    let sandbox = start_with(IntacctConfig {
        fault_seed: seed,
        settings: Settings {
            throttle_rate: 0.2,
            error_rate: 0.1,
            ..Settings::default()
        },
        ..IntacctConfig::default()
    })
    .await;
    let mut out = Vec::new();
    for _ in 0..200 {
        let (status, body) = raw(&sandbox, &function("r", READ)).await;
        out.push(if body.contains("XMLGW_JPP0001") {
            429
        } else {
            status
        });
    }
    out
}

#[tokio::test]
async fn fault_rates_are_respected_and_replayable_with_the_seed() {
    let first = statuses(7).await;
    assert_eq!(first, statuses(7).await, "same seed, same faults");
    let throttled = first.iter().filter(|s| **s == 429).count();
    let errors = first.iter().filter(|s| **s >= 500).count();
    assert!((20..=60).contains(&throttled), "throttled {throttled}/200");
    assert!((8..=35).contains(&errors), "5xx {errors}/200");
    assert_ne!(first, statuses(8).await);
}

#[tokio::test]
async fn a_timed_out_write_took_effect_although_the_client_saw_524() {
    let sandbox = with_settings(Settings {
        timeout_hold_ms: 50,
        ..Settings::default()
    })
    .await;
    sandbox.create_customer("CUST-1", "Acme").await;
    sandbox.handle().set_fault_rates(0.0, 0.0, 1.0);
    let (status, body) = raw(
        &sandbox,
        &function("i", &invoice_xml("CUST-1", "INV-9", "5")),
    )
    .await;
    assert_eq!(status, 524);
    assert!(body.contains("A timeout occurred"));
    let invoice = sandbox
        .handle()
        .find(ObjectKind::ArInvoice, "RECORDID", "INV-9");
    assert!(invoice.is_some(), "the write was applied");
    // Re-posting blindly now collides: the client must probe before retrying.
    sandbox.handle().set_fault_rates(0.0, 0.0, 0.0);
    let (_, body) = raw(
        &sandbox,
        &function("i2", &invoice_xml("CUST-1", "INV-9", "5")),
    )
    .await;
    assert_eq!(
        text(&body, "description2").unwrap(),
        "A transaction with the number 'INV-9' already exists."
    );
}

#[tokio::test]
async fn a_dropped_connection_after_the_write_is_an_unknown_outcome() {
    let sandbox = with_settings(Settings {
        timeout_hold_ms: 10,
        timeout_mode: TimeoutMode::Drop,
        timeout_rate: 1.0,
        ..Settings::default()
    })
    .await;
    sandbox.handle().insert_customer("CUST-1", "Acme");
    let (s, p) = sandbox.sender();
    let outcome = async {
        let response = sandbox
            .http
            .post(&sandbox.running.endpoint)
            .body(request(
                (&s, &p),
                &sandbox.login(),
                &function("i", &invoice_xml("CUST-1", "INV-5", "5")),
                false,
                false,
            ))
            .send()
            .await?;
        response.text().await
    }
    .await;
    assert!(
        outcome.is_err(),
        "the client sees a broken connection: {outcome:?}"
    );
    assert_eq!(
        sandbox.handle().count(ObjectKind::ArInvoice),
        1,
        "yet the invoice exists"
    );
}

#[tokio::test]
async fn requests_are_counted_per_function() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let both = [
        function("a", &invoice_xml("CUST-1", "INV-1", "5")),
        function("b", READ),
    ]
    .concat();
    let (_, body) = raw(&sandbox, &both).await;
    assert_eq!(result_status(&body), "success");
    assert_eq!(sandbox.handle().requests_total(), 2);
    assert_eq!(sandbox.handle().function_calls("create_invoice"), 1);
    assert_eq!(sandbox.handle().function_calls("readByQuery"), 1);
    assert_eq!(sandbox.handle().function_calls("create"), 1);
}

#[tokio::test]
async fn admin_api_reports_state_and_changes_settings_and_clock() {
    let sandbox = start_with(IntacctConfig {
        seed: sandbox::intacct::SeedSpec {
            customers: 3,
            invoices: 4,
            returns: 1,
            payments: 2,
            ..sandbox::intacct::SeedSpec::default()
        },
        ..IntacctConfig::default()
    })
    .await;
    let url = &sandbox.running.url;
    let state: serde_json::Value = sandbox
        .http
        .get(format!("{url}/sandbox/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["records"]["CUSTOMER"], 3);
    assert_eq!(state["records"]["SODOCUMENT"], 5);
    assert_eq!(state["records"]["ARINVOICE"], 5);
    assert_eq!(state["records"]["ARPYMT"], 2);
    let updated: serde_json::Value = sandbox
        .http
        .post(format!("{url}/sandbox/settings"))
        .json(&serde_json::json!({ "concurrency_limit": 5, "payment_summary_frequency": "user_specified" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["concurrency_limit"], 5);
    assert_eq!(sandbox.handle().settings().concurrency_limit, 5);
    let bad = sandbox
        .http
        .post(format!("{url}/sandbox/settings"))
        .json(&serde_json::json!({ "throttle_rate": 2.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let clock: serde_json::Value = sandbox
        .http
        .post(format!("{url}/sandbox/clock"))
        .json(&serde_json::json!({ "set": "01/31/2024 10:00:00", "advance_secs": 60 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["clock"], "01/31/2024 10:01:00");
    let invoices: serde_json::Value = sandbox
        .http
        .get(format!("{url}/sandbox/records/ARINVOICE"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        invoices
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["fields"]["STATE"] == "Paid")
            .count(),
        2
    );
}
