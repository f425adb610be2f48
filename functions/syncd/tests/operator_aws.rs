//! The operator commands pointed at an AWS deployment (`--aws`): the real binary against
//! DynamoDB, SQS and Secrets Manager on moto. Needs `AWS_ENDPOINT_URL` (scripts/test starts
//! moto) and fails with instructions otherwise.

mod common;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::aws::{aws, json_of, syncd, syncd_with, unique};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Direction, ErrorStatus, NewReconciliationError, Operation};
use sync_engine::ports::{ReconciliationStore, SecretSource};

#[tokio::test]
async fn operator_commands_work_against_the_aws_deployment() {
    let aws = aws().await;
    let dir = std::env::temp_dir().join(unique("syncd-aws-files"));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("acme.json");
    std::fs::write(
        &config,
        json!({"id": "acme", "intacct": {"company_id": "ACME"}}).to_string(),
    )
    .expect("config file");
    let secret = dir.join("acme-secret.json");
    std::fs::write(
        &secret,
        json!({"intacct_sender_id": "S", "intacct_sender_password": "sp-value-123",
               "intacct_user_id": "U", "intacct_user_password": "up-value-456",
               "invoiced_api_key": "key-value-789", "invoiced_webhook_secret": "wh-value-000"})
        .to_string(),
    )
    .expect("secret file");

    let config_path = config.to_str().expect("path");
    let secret_path = secret.to_str().expect("path");
    let added = syncd(
        &aws,
        &[
            "connection",
            "add",
            "--config",
            config_path,
            "--secret",
            secret_path,
        ],
    );
    assert!(added.0, "{}", added.2);
    assert!(
        !added.1.contains("sp-value-123") && !added.2.contains("sp-value-123"),
        "the secret is never printed"
    );
    assert!(
        !added.1.contains("127.0.0.1"),
        "the local listen address is not the deployment's webhook URL: {}",
        added.1
    );

    // An error recorded by a Lambda function is visible, ignorable and retryable from here.
    let conn = ConnectionId::parse("acme").expect("id");
    let recorded = aws
        .store
        .record_error(
            NewReconciliationError {
                connection: conn.clone(),
                direction: Direction::Write,
                record_type: RecordType::Invoice,
                record_id: "20001".into(),
                operation: Operation::Create,
                code: "INTACCT_NUMBERING_COLLISION".into(),
                message: "A transaction with the number 'INV-1' already exists".into(),
                fix: "Renumber".into(),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("error");
    let listed = json_of(syncd(
        &aws,
        &["--json", "errors", "list", "acme", "--status", "open"],
    ));
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let retried = json_of(syncd(
        &aws,
        &["--json", "errors", "retry", "acme", &recorded.id],
    ));
    assert_eq!(retried["action"], "queued");
    let status = json_of(syncd(&aws, &["--json", "status", "acme"]));
    assert_eq!(status["queue_total"], 1, "the retry is on SQS: {status}");
    assert_eq!(status["open_errors"], 1);
    let ignored = json_of(syncd(
        &aws,
        &["--json", "errors", "ignore", "acme", &recorded.id],
    ));
    assert_eq!(ignored["status"], "ignored");

    aws.sqs
        .send_message()
        .queue_url(&aws.dlq_url)
        .message_body(json!({"work": {"connection": "acme", "record_type": "invoice",
            "invoiced_id": "20001", "operation": "create"}, "attempt": 8, "reason": "INTACCT_THROTTLED"}).to_string())
        .send()
        .await
        .expect("dead letter");
    let redriven = json_of(syncd(&aws, &["--json", "dlq", "redrive", "--limit", "5"]));
    assert_eq!(redriven["moved"], 1, "{redriven}");
    assert_eq!(redriven["drained"], true, "{redriven}");
    let paused = json_of(syncd(&aws, &["--json", "connection", "pause", "acme"]));
    assert_eq!(paused["enabled"], false);
    let serve = syncd(&aws, &["serve"]);
    assert!(!serve.0 && serve.2.contains("Lambda"), "{}", serve.2);
}

/// A scratch directory with a connection configuration `acme.json`.
fn files(id: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(unique("syncd-aws-files"));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join(format!("{id}.json"));
    std::fs::write(
        &config,
        json!({"id": id, "intacct": {"company_id": "ACME"}}).to_string(),
    )
    .expect("config file");
    (dir, config)
}

/// Writes a secret document with these distinctive values and returns its path.
fn secret_file(dir: &Path, name: &str, user_password: &str, api_key: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        json!({"intacct_sender_id": "S", "intacct_sender_password": "sender-pw-Qx17",
               "intacct_user_id": "U", "intacct_user_password": user_password,
               "invoiced_api_key": api_key, "invoiced_webhook_secret": "whsec-Lm42"})
        .to_string(),
    )
    .expect("secret file");
    path
}

#[tokio::test]
async fn connection_add_on_aws_prints_the_api_gateway_webhook_url_or_where_to_find_it() {
    let aws = aws().await;
    let (_dir, config) = files("acme");
    let config = config.to_str().expect("path");

    let unknown = syncd(&aws, &["connection", "add", "--config", config]);
    assert!(unknown.0, "{}", unknown.2);
    assert!(!unknown.1.contains("127.0.0.1"), "{}", unknown.1);
    assert!(
        unknown
            .1
            .contains("terraform -chdir=infra output webhook_base_url")
            && unknown.1.contains("/webhooks/acme"),
        "tells where the base comes from: {}",
        unknown.1
    );
    let unknown_json = json_of(syncd(
        &aws,
        &["--json", "connection", "add", "--config", config],
    ));
    assert_eq!(unknown_json["webhook_url"], Value::Null);
    assert_eq!(unknown_json["webhook_path"], "/webhooks/acme");

    // Terraform's invoke URL ends with a slash: no double slash in what Invoiced is given.
    let invoke_url = "https://abc123.execute-api.us-east-1.amazonaws.com/";
    let from_env = syncd_with(
        &aws,
        &["connection", "add", "--config", config],
        &[(syncd::cli::WEBHOOK_BASE_URL_ENV, invoke_url)],
    );
    assert!(from_env.0, "{}", from_env.2);
    assert!(
        from_env.1.contains(
            "webhook URL: https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/acme\n"
        ),
        "{}",
        from_env.1
    );
    assert!(!from_env.1.contains("terraform"), "{}", from_env.1);

    let from_flag = json_of(syncd_with(
        &aws,
        &[
            "--json",
            "--webhook-base-url",
            "https://sync.example.com/prod",
            "connection",
            "add",
            "--config",
            config,
        ],
        &[(syncd::cli::WEBHOOK_BASE_URL_ENV, invoke_url)],
    ));
    assert_eq!(
        from_flag["webhook_url"], "https://sync.example.com/prod/webhooks/acme",
        "the flag wins over the environment"
    );

    let bad = syncd_with(
        &aws,
        &["connection", "add", "--config", config],
        &[(
            syncd::cli::WEBHOOK_BASE_URL_ENV,
            "abc123.execute-api.us-east-1.amazonaws.com",
        )],
    );
    assert!(!bad.0, "a base without scheme is refused");
    assert!(bad.2.contains("not an http(s) URL"), "{}", bad.2);
}

/// Receives from `url` until every id in `expected` was seen or 5 s pass (far below the
/// 30 s a peeked message would stay hidden if it were not made visible again).
async fn receivable_ids(sqs: &aws_sdk_sqs::Client, url: &str, expected: usize) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let until = Instant::now() + Duration::from_secs(5);
    while seen.len() < expected && Instant::now() < until {
        let received = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        seen.extend(
            received
                .messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.message_id),
        );
    }
    seen
}

#[tokio::test]
async fn dlq_list_on_aws_shows_each_dead_letter_and_leaves_every_one_in_the_queue() {
    let aws = aws().await;
    for body in [
        json!({"work": {"connection": "acme", "record_type": "invoice", "invoiced_id": "20001",
            "operation": "create"}, "attempt": 8, "reason": "INTACCT_THROTTLED"})
        .to_string(),
        json!({"work": {"connection": "globex", "record_type": "payment", "invoiced_id": "p-77",
            "operation": "void"}, "attempt": 3, "reason": "INTACCT_PAYMENT_BATCH_KEY"})
        .to_string(),
        "truncated {\"work\":".to_owned(),
    ] {
        aws.sqs
            .send_message()
            .queue_url(&aws.dlq_url)
            .message_body(body)
            .send()
            .await
            .expect("dead letter");
    }

    let listed = json_of(syncd(&aws, &["--json", "dlq", "list", "--limit", "10"]));
    let letters = listed["letters"].as_array().expect("letters");
    assert_eq!(letters.len(), 3, "{listed}");
    assert_eq!(listed["maybe_more"], false);
    let invoice = letters
        .iter()
        .find(|l| l["work"]["invoiced_id"] == "20001")
        .expect("the invoice letter");
    assert_eq!(invoice["work"]["connection"], "acme");
    assert_eq!(invoice["work"]["record_type"], "invoice");
    assert_eq!(invoice["attempt"], 8);
    assert_eq!(invoice["reason"], "INTACCT_THROTTLED");
    assert_eq!(invoice["receive_count"], 1);
    assert!(invoice["dead_at"].is_string(), "{invoice}");
    assert_eq!(
        invoice["dead_letter_reason"],
        Value::Null,
        "put there by hand, not by the retrier"
    );
    let payment = letters
        .iter()
        .find(|l| l["work"]["invoiced_id"] == "p-77")
        .expect("the payment letter");
    assert_eq!(payment["work"]["operation"], "void");
    let unreadable = letters
        .iter()
        .find(|l| l.get("unreadable").is_some())
        .expect("the unreadable letter is listed, not dropped");
    assert_eq!(unreadable["body_preview"], "truncated {\"work\":");
    let ids: BTreeSet<String> = letters
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_owned())
        .collect();

    // Text output, limited: two rows, and a note that there are more.
    let text = syncd(&aws, &["dlq", "list", "--limit", "2"]);
    assert!(text.0, "{}", text.2);
    let rows = text
        .1
        .lines()
        .filter(|l| ids.iter().any(|id| l.starts_with(id.as_str())));
    assert_eq!(rows.count(), 2, "{}", text.1);
    assert!(text.1.contains("raise --limit"), "{}", text.1);

    // All three are still in the dead-letter queue and receivable now.
    assert_eq!(receivable_ids(&aws.sqs, &aws.dlq_url, 3).await, ids);
}

#[tokio::test]
async fn rotating_credentials_on_aws_reaches_a_warm_deployment_and_never_prints_a_value() {
    let aws = aws().await;
    let (dir, config) = files("acme");
    let first = secret_file(&dir, "first.json", "user-pw-Old111", "api-key-Old222");
    let second = secret_file(&dir, "second.json", "user-pw-New333", "api-key-New444");
    let values = [
        "sender-pw-Qx17",
        "whsec-Lm42",
        "user-pw-Old111",
        "api-key-Old222",
        "user-pw-New333",
        "api-key-New444",
    ];
    let path = |p: &Path| p.to_str().expect("path").to_owned();
    let mut outputs = Vec::new();

    let unknown = syncd(
        &aws,
        &["connection", "secret", "acme", "--secret", &path(&first)],
    );
    assert!(
        !unknown.0,
        "no secret for a connection that is not configured"
    );
    assert!(unknown.2.contains("connection add"), "{}", unknown.2);
    outputs.push(unknown);

    let added = syncd(
        &aws,
        &[
            "connection",
            "add",
            "--config",
            &path(&config),
            "--secret",
            &path(&first),
        ],
    );
    assert!(added.0, "{}", added.2);
    outputs.push(added);

    // A warm function: its source has read (and cached) the first credentials.
    let deployment = aws.deployment();
    let conn = ConnectionId::parse("acme").expect("id");
    let warm = deployment.secret_source.load(&conn).await.expect("secrets");
    assert_eq!(warm.intacct_user_password.expose_secret(), "user-pw-Old111");

    let rotated = syncd(
        &aws,
        &[
            "-v",
            "connection",
            "secret",
            "acme",
            "--secret",
            &path(&second),
        ],
    );
    assert!(rotated.0, "{}", rotated.2);
    let secret_name = format!("{}acme", aws.resources.secret_prefix);
    assert!(
        rotated.1.contains(&format!("secret {secret_name} updated"))
            && rotated.1.contains("intacct_user_password")
            && rotated.1.contains("invoiced_api_key"),
        "says what changed: {}",
        rotated.1
    );
    assert!(
        !rotated.1.contains("intacct_sender_password"),
        "names only what changed: {}",
        rotated.1
    );
    outputs.push(rotated);

    // Until its cache expires (SECRET_CACHE_TTL) or an authentication failure invalidates it,
    // the warm function keeps the old value; after invalidation it reads the new one.
    let cached = deployment.secret_source.load(&conn).await.expect("secrets");
    assert_eq!(
        cached.intacct_user_password.expose_secret(),
        "user-pw-Old111"
    );
    deployment.secret_source.invalidate(&conn).await;
    let fresh = deployment.secret_source.load(&conn).await.expect("secrets");
    assert_eq!(
        fresh.intacct_user_password.expose_secret(),
        "user-pw-New333"
    );
    assert_eq!(fresh.invoiced_api_key.expose_secret(), "api-key-New444");
    assert_eq!(
        fresh.intacct_sender_password.expose_secret(),
        "sender-pw-Qx17"
    );

    let again = json_of(syncd(
        &aws,
        &[
            "--json",
            "connection",
            "secret",
            "acme",
            "--secret",
            &path(&second),
        ],
    ));
    assert_eq!(again["result"], "unchanged", "{again}");
    outputs.push((true, again.to_string(), String::new()));

    for (_, stdout, stderr) in &outputs {
        for value in values {
            assert!(
                !stdout.contains(value) && !stderr.contains(value),
                "a secret value was printed: {stdout}\n{stderr}"
            );
        }
    }
}

#[tokio::test]
async fn errors_list_on_aws_filters_by_connection_type_code_and_status() {
    let aws = aws().await;
    let (_dir, config) = files("acme");
    let added = syncd(
        &aws,
        &[
            "connection",
            "add",
            "--config",
            config.to_str().expect("path"),
        ],
    );
    assert!(added.0, "{}", added.2);
    let now = chrono::Utc::now();
    let record =
        |connection: &str, record_type: RecordType, id: &str, code: &str| NewReconciliationError {
            connection: ConnectionId::parse(connection).expect("id"),
            direction: Direction::Write,
            record_type,
            record_id: id.to_owned(),
            operation: Operation::Create,
            code: code.to_owned(),
            message: format!("{code} happened"),
            fix: format!("fix for {code}"),
        };
    let mut ids = std::collections::HashMap::new();
    for (connection, record_type, id, code) in [
        (
            "acme",
            RecordType::Invoice,
            "20001",
            "INTACCT_NUMBERING_COLLISION",
        ),
        (
            "acme",
            RecordType::Invoice,
            "20002",
            "INTACCT_CUSTOMER_MISSING",
        ),
        (
            "acme",
            RecordType::Payment,
            "p-1",
            "INTACCT_PAYMENT_BATCH_KEY",
        ),
        (
            "acme",
            RecordType::Customer,
            "c-1",
            "INTACCT_CUSTOMER_MISSING",
        ),
        (
            "globex",
            RecordType::Invoice,
            "30001",
            "INTACCT_NUMBERING_COLLISION",
        ),
    ] {
        let error = aws
            .store
            .record_error(record(connection, record_type, id, code), now)
            .await
            .expect("record");
        ids.insert(id, error.id);
    }
    let ignored = syncd(&aws, &["errors", "ignore", "acme", &ids["20002"]]);
    assert!(ignored.0, "{}", ignored.2);
    aws.store
        .set_error_status(
            &ConnectionId::parse("acme").expect("id"),
            &ids["p-1"],
            ErrorStatus::Resolved,
            now,
        )
        .await
        .expect("resolve");

    let list = |filters: &[&str]| -> BTreeSet<String> {
        let mut args = vec!["--json", "errors", "list", "acme"];
        args.extend_from_slice(filters);
        let listed = json_of(syncd(&aws, &args));
        listed
            .as_array()
            .expect("array")
            .iter()
            .map(|e| e["record_id"].as_str().expect("record id").to_owned())
            .collect()
    };
    let set = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(
        list(&[]),
        set(&["20001", "20002", "p-1", "c-1"]),
        "acme only"
    );
    assert_eq!(list(&["--type", "invoice"]), set(&["20001", "20002"]));
    assert_eq!(
        list(&["--code", "INTACCT_CUSTOMER_MISSING"]),
        set(&["20002", "c-1"])
    );
    assert_eq!(list(&["--status", "open"]), set(&["20001", "c-1"]));
    assert_eq!(list(&["--status", "ignored"]), set(&["20002"]));
    assert_eq!(list(&["--status", "resolved"]), set(&["p-1"]));
    assert_eq!(
        list(&[
            "--status",
            "open",
            "--type",
            "invoice",
            "--code",
            "INTACCT_NUMBERING_COLLISION"
        ]),
        set(&["20001"])
    );
    let bad = syncd(&aws, &["errors", "list", "acme", "--type", "widget"]);
    assert!(
        !bad.0,
        "an unknown record type is refused, not read as no filter"
    );
}
