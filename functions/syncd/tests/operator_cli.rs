//! The operator commands, run as the real binary against a SQLite file the test also opens
//! (as an operator's shell runs beside a running service).

mod common;

use chrono::Utc;
use std::path::Path;

use common::TempDir;
use common::cli::{syncd, syncd_async};
use sandbox::intacct::{IntacctConfig, SeedSpec};
use sandbox::invoiced::InvoicedConfig;
use sync_engine::adapters::sqlite::SqliteStore;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Direction, NewReconciliationError, Operation};
use sync_engine::ports::{ReconciliationStore, SystemClock};

fn offline_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("acme.json");
    std::fs::write(
        &path,
        serde_json::json!({
            "id": "acme",
            "intacct": { "company_id": "ACME", "endpoint": "http://127.0.0.1:9/ia/xml/xmlgw.phtml" },
            "invoiced": { "base_url": "http://127.0.0.1:9" },
            "flows": {
                "read": { "customers": true, "invoices": true },
                "write": { "customers": true, "invoices": true, "payments": true }
            },
            "accounts": { "item_account": "4000",
                "payment_routes": [ { "currency": "*", "method": "*", "deposit": { "undeposited_funds": "1200" } } ] }
        })
        .to_string(),
    )
    .expect("write config");
    path
}

fn failure(
    record_type: RecordType,
    id: &str,
    direction: Direction,
    code: &str,
) -> NewReconciliationError {
    NewReconciliationError {
        connection: ConnectionId::parse("acme").expect("id"),
        direction,
        record_type,
        record_id: id.to_owned(),
        operation: Operation::Create,
        code: code.to_owned(),
        message: format!("{code} happened"),
        fix: format!("fix for {code}"),
    }
}

#[test]
fn operators_list_ignore_retry_errors_read_status_and_redrive_dead_letters() {
    let dir = TempDir::new("cli");
    let config = offline_config(dir.path());
    let added = syncd(
        dir.path(),
        &[
            "connection",
            "add",
            "--config",
            config.to_str().expect("path"),
        ],
    );
    assert!(added.ok, "{}", added.stderr);
    assert!(
        added.stdout.contains("http://127.0.0.1:8787/webhooks/acme"),
        "prints the webhook URL: {}",
        added.stdout
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = SqliteStore::open(dir.path().join("syncd.sqlite")).expect("store");
    let queue = store.queue(std::sync::Arc::new(SystemClock));
    runtime.block_on(async {
        let now = Utc::now();
        for f in [
            failure(
                RecordType::Invoice,
                "101",
                Direction::Write,
                "INTACCT_NUMBERING_COLLISION",
            ),
            failure(
                RecordType::Payment,
                "202",
                Direction::Write,
                "INTACCT_PAYMENT_BATCH_KEY",
            ),
            failure(
                RecordType::Customer,
                "stream:customer",
                Direction::Read,
                "INTACCT_THROTTLED",
            ),
        ] {
            store.record_error(f, now).await.expect("record");
        }
    });

    let all = syncd(dir.path(), &["errors", "list", "acme", "--json"]).json();
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let payments = syncd(
        dir.path(),
        &["errors", "list", "acme", "--type", "payment", "--json"],
    )
    .json();
    assert_eq!(payments[0]["id"], "write-payment-202");
    assert_eq!(payments.as_array().map(Vec::len), Some(1));
    let collisions = syncd(
        dir.path(),
        &[
            "errors",
            "list",
            "acme",
            "--code",
            "INTACCT_NUMBERING_COLLISION",
            "--json",
        ],
    )
    .json();
    assert_eq!(collisions[0]["id"], "write-invoice-101");
    let table = syncd(dir.path(), &["errors", "list", "acme"]);
    assert!(table.stdout.starts_with("ID"), "a table: {}", table.stdout);
    assert!(table.stdout.contains("INTACCT_PAYMENT_BATCH_KEY"));

    let ignored = syncd(
        dir.path(),
        &["errors", "ignore", "acme", "write-invoice-101", "--json"],
    )
    .json();
    assert_eq!(ignored["status"], "ignored");
    let open = syncd(
        dir.path(),
        &["errors", "list", "acme", "--status", "open", "--json"],
    )
    .json();
    assert_eq!(open.as_array().map(Vec::len), Some(2));

    let shown = syncd(dir.path(), &["errors", "show", "acme", "write-payment-202"]);
    assert!(
        shown.stdout.contains("fix for INTACCT_PAYMENT_BATCH_KEY"),
        "{}",
        shown.stdout
    );

    let retried = syncd(
        dir.path(),
        &["errors", "retry", "acme", "write-payment-202", "--json"],
    )
    .json();
    assert_eq!(retried["action"], "queued");
    let queued = runtime
        .block_on(queue.receive_due(Utc::now(), 10))
        .expect("receive");
    assert_eq!(queued.len(), 1, "the retry is on the queue");
    let (receipt, message) = &queued[0];
    assert_eq!(message.work.invoiced_id, "202");
    assert_eq!(message.work.record_type, RecordType::Payment);
    assert_eq!(message.reason, "SYNC_OPERATOR_RETRY");

    // The message keeps failing: dead-letter it, see it, redrive it.
    assert!(
        runtime
            .block_on(queue.move_to_dead_letter(receipt, "kept failing", Utc::now()))
            .expect("dead-letter")
    );
    let status = syncd(dir.path(), &["status", "acme", "--json"]).json();
    assert_eq!(
        status["open_errors"], 2,
        "retry keeps the error open until it succeeds"
    );
    assert_eq!(status["dead_letters"], 1);
    assert_eq!(status["queue_total"], 0);
    assert_eq!(status["enabled"], true);
    let streams: Vec<&str> = status["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter_map(|s| s["stream"].as_str())
        .collect();
    assert_eq!(streams, ["customer", "invoice:Sales Invoice"]);

    let listed = syncd(dir.path(), &["dlq", "list", "--json"]).json();
    assert_eq!(listed["total"], 1);
    let letters = &listed["letters"];
    assert_eq!(letters[0]["work"]["invoiced_id"], "202");
    assert_eq!(letters[0]["reason"], "SYNC_OPERATOR_RETRY");
    assert_eq!(letters[0]["dead_letter_reason"], "kept failing");
    let redriven = syncd(dir.path(), &["dlq", "redrive", "--limit", "5", "--json"]).json();
    assert_eq!(
        redriven,
        serde_json::json!({"moved": 1, "drained": true}),
        "the operator API's shape"
    );
    assert_eq!(
        syncd(dir.path(), &["dlq", "list", "--json"]).json(),
        serde_json::json!({"total": 0, "maybe_more": false, "still_hidden": [], "letters": []})
    );
    let status = syncd(dir.path(), &["status", "acme", "--json"]).json();
    assert_eq!(
        (
            status["queue_total"].as_u64(),
            status["dead_letters"].as_u64()
        ),
        (Some(1), Some(0))
    );

    let human = syncd(dir.path(), &["status", "acme"]);
    assert!(human.stdout.contains("open errors   2"), "{}", human.stdout);

    let paused = syncd(dir.path(), &["connection", "pause", "acme", "--json"]).json();
    assert_eq!(paused["enabled"], false);
    assert_eq!(
        syncd(dir.path(), &["status", "acme", "--json"]).json()["enabled"],
        false
    );
    let resumed = syncd(dir.path(), &["connection", "resume", "acme", "--json"]).json();
    assert_eq!(resumed["enabled"], true);

    let unknown = syncd(dir.path(), &["status", "nobody"]);
    assert!(!unknown.ok);
    assert!(
        unknown.stderr.contains("no connection `nobody`"),
        "{}",
        unknown.stderr
    );
    let bad_status = syncd(
        dir.path(),
        &["errors", "list", "acme", "--status", "closed"],
    );
    assert!(!bad_status.ok);

    // Tables name streams as a person reads them.
    assert!(
        human.stdout.contains("invoices (Sales Invoice)") && human.stdout.contains("customers"),
        "{}",
        human.stdout
    );
    assert!(
        !human.stdout.contains("invoice:Sales Invoice"),
        "{}",
        human.stdout
    );
}

#[test]
fn every_command_answers_json_failures_included() {
    let dir = TempDir::new("cli-json");
    let unknown = syncd(dir.path(), &["status", "nobody", "--json"]);
    assert!(!unknown.ok);
    assert_eq!(
        unknown.output(),
        serde_json::json!({"error": "no connection `nobody`", "kind": "not_found"}),
        "the operator API's error body"
    );
    assert!(unknown.stderr.is_empty(), "{}", unknown.stderr);

    // A value clap refuses, and a refusal of the command itself.
    let bad_flag = syncd(
        dir.path(),
        &["--json", "errors", "list", "acme", "--status", "closed"],
    );
    assert!(!bad_flag.ok);
    let body = bad_flag.output();
    assert_eq!(body["kind"], "invalid");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("closed")),
        "{body}"
    );
    let no_secret = syncd(
        dir.path(),
        &[
            "--json",
            "connection",
            "secret",
            "acme",
            "--secret",
            "x.json",
        ],
    );
    assert!(!no_secret.ok);
    assert_eq!(no_secret.output()["kind"], "invalid");
    let zero = syncd(dir.path(), &["--json", "dlq", "list", "--limit", "0"]);
    assert_eq!(zero.output()["kind"], "invalid");

    let listed = syncd(dir.path(), &["--json", "dlq", "list"]).json();
    assert_eq!(listed["letters"], serde_json::json!([]));
    let serve_on_aws = syncd(dir.path(), &["--json", "--aws", "serve"]);
    assert!(!serve_on_aws.ok);
    assert_eq!(serve_on_aws.output()["kind"], "invalid");
}

#[test]
fn enumerated_flags_list_their_values_in_help() {
    let dir = TempDir::new("cli-help");
    let help = syncd(dir.path(), &["errors", "list", "--help"]);
    assert!(help.ok, "{}", help.stderr);
    for value in [
        "open",
        "ignored",
        "resolved",
        "customer",
        "invoice",
        "credit_note",
        "payment",
        "convenience_fee",
    ] {
        assert!(help.stdout.contains(value), "{value}: {}", help.stdout);
    }
    let help = syncd(dir.path(), &["initial-sync", "--help"]);
    assert!(
        help.stdout.contains("credit_note")
            && help.stdout.to_lowercase().contains("possible values"),
        "{}",
        help.stdout
    );
}

#[test]
fn behind_a_reverse_proxy_the_printed_webhook_url_is_the_proxy_s() {
    let dir = TempDir::new("cli-proxy");
    let config = offline_config(dir.path());
    let added = syncd(
        dir.path(),
        &[
            "--webhook-base-url",
            "https://sync.example.com/",
            "connection",
            "add",
            "--config",
            config.to_str().expect("path"),
        ],
    );
    assert!(added.ok, "{}", added.stderr);
    assert!(
        added
            .stdout
            .contains("webhook URL: https://sync.example.com/webhooks/acme\n"),
        "{}",
        added.stdout
    );
}

#[test]
fn rotating_a_secret_on_one_machine_points_to_the_secrets_file() {
    let dir = TempDir::new("cli-secret");
    let secret = dir.path().join("acme-secret.json");
    std::fs::write(&secret, "{}").expect("write");
    let run = syncd(
        dir.path(),
        &[
            "connection",
            "secret",
            "acme",
            "--secret",
            secret.to_str().expect("path"),
        ],
    );
    assert!(!run.ok, "nothing to rotate without --aws");
    assert!(
        run.stderr.contains("--secrets file") && run.stderr.contains("--aws"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("syncd.sqlite").exists(),
        "refused before opening anything"
    );
}

#[test]
fn a_bad_config_is_refused_and_nothing_is_stored() {
    let dir = TempDir::new("cli-bad");
    let path = dir.path().join("bad.json");
    std::fs::write(&path, r#"{"id": "acme", "intacct": {}}"#).expect("write");
    let run = syncd(
        dir.path(),
        &[
            "connection",
            "add",
            "--config",
            path.to_str().expect("path"),
        ],
    );
    assert!(!run.ok);
    assert!(
        run.stderr.contains("company_id"),
        "names the problem: {}",
        run.stderr
    );
    assert!(!syncd(dir.path(), &["status", "acme"]).ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_and_sync_now_import_from_intacct_with_credentials_from_a_secrets_file() {
    let intacct = sandbox::intacct::spawn(IntacctConfig {
        seed: SeedSpec {
            customers: 3,
            invoices: 5,
            ..SeedSpec::default()
        },
        ..IntacctConfig::default()
    })
    .await
    .expect("intacct");
    let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
        .await
        .expect("invoiced");
    let dir = TempDir::new("cli-sync");
    let config = dir.path().join("acme.json");
    std::fs::write(
        &config,
        common::connection_json("acme", &intacct, &invoiced.url),
    )
    .expect("config");
    let secrets = dir.path().join("secrets.json");
    std::fs::write(&secrets, common::secrets_json("acme", &intacct, &invoiced)).expect("secrets");
    let secrets = secrets.to_str().expect("path");
    assert!(
        syncd_async(
            dir.path(),
            &[
                "connection",
                "add",
                "--config",
                config.to_str().expect("path")
            ]
        )
        .await
        .ok
    );

    let today = intacct.handle.now().date();
    let from = (today - chrono::Duration::days(1)).to_string();
    let to = (today + chrono::Duration::days(1)).to_string();
    let initial = syncd_async(
        dir.path(),
        &[
            "--secrets",
            secrets,
            "initial-sync",
            "acme",
            "--types",
            "customer,invoice",
            "--from",
            &from,
            "--to",
            &to,
            "--json",
        ],
    )
    .await;
    let report = initial.json();
    assert_eq!(report["finished"], true);
    assert_eq!(report["imported"], 8, "3 customers and 5 invoices");
    assert!(
        initial.stderr.contains("Sales Invoice") && initial.stderr.contains("5/5"),
        "progress lines on stderr: {}",
        initial.stderr
    );
    assert_eq!(invoiced.handle().invoices().len(), 5);

    let polled = syncd_async(
        dir.path(),
        &["--secrets", secrets, "sync-now", "acme", "--json"],
    )
    .await
    .json();
    assert_eq!(polled["finished"], true);
    assert_eq!(
        invoiced.handle().invoices().len(),
        5,
        "nothing imported twice"
    );

    // The table names what was read, not the cursors behind it.
    let table = syncd_async(dir.path(), &["--secrets", secrets, "sync-now", "acme"]).await;
    assert!(table.ok, "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("customers without a modification date"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("#null"), "{}", table.stdout);
    assert!(
        !initial.stderr.contains("initial/"),
        "progress names months, not run cursors: {}",
        initial.stderr
    );

    let without_secrets = syncd_async(dir.path(), &["sync-now", "acme"]).await;
    assert!(!without_secrets.ok, "no credentials, no sync");
}
