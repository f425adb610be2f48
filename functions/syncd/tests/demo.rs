//! `syncd demo` end to end: both sandboxes, real webhooks, throttling, an error fixed by the
//! operator path, and the final agreement check.

use syncd::demo::{DemoOptions, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_syncs_both_ways_recovers_from_an_error_and_both_systems_agree() {
    let report = run(DemoOptions {
        live: false,
        ..DemoOptions::default()
    })
    .await
    .expect("demo ran");

    assert!(report.agreement.ok(), "{}", report.render());
    for (record_type, origin) in [
        ("customer", "intacct"),
        ("invoice", "intacct"),
        ("payment", "intacct"),
        ("customer", "invoiced"),
        ("invoice", "invoiced"),
        ("credit_note", "invoiced"),
        ("payment", "invoiced"),
        ("convenience_fee", "invoiced"),
    ] {
        assert!(
            report
                .mappings
                .iter()
                .any(|m| m.record_type == record_type && m.origin == origin && m.count > 0),
            "no {record_type} from {origin}: {:?}",
            report.mappings
        );
    }
    // One retry is the batch-key fix; the rest are writes Intacct throttled.
    assert!(report.retries.processed > 1, "throttling caused retries");
    assert_eq!(report.retries.dead_lettered, 0);
    assert_eq!(report.webhooks_delivered, report.webhooks_accepted);
    let batch_key = report
        .errors
        .iter()
        .find(|e| e.code == "INTACCT_PAYMENT_BATCH_KEY")
        .expect("the provoked payment batch key error was recorded");
    assert_eq!(batch_key.final_status, "resolved");
    assert!(report.elapsed_ms < 60_000, "took {} ms", report.elapsed_ms);

    // Each step is printed once: live as it happens, never again in the summary.
    let summary = report.render();
    assert!(!report.steps.is_empty());
    for step in &report.steps {
        assert!(!summary.contains(step.as_str()), "repeated: {step}");
    }
}
