//! The operator commands pointed at an AWS deployment (`--aws`): the real binary against
//! DynamoDB, SQS and Secrets Manager on moto. Needs `AWS_ENDPOINT_URL` (scripts/test starts
//! moto) and fails with instructions otherwise.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use serde_json::{Value, json};
use std::process::Command;

use sync_aws::dynamodb::DynamoStore;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Direction, NewReconciliationError, Operation};
use sync_engine::ports::ReconciliationStore;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

struct Aws {
    env: Vec<(&'static str, String)>,
    store: DynamoStore,
    sqs: aws_sdk_sqs::Client,
    dlq_url: String,
}

async fn aws() -> Aws {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: start moto with `eval \"$(scripts/moto)\"` first")
    });
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    let table = unique("syncd-aws");
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    DynamoStore::create_table(&dynamo, &table)
        .await
        .expect("table");
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut urls = Vec::new();
    for name in [unique("retry"), unique("dlq")] {
        let url = sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .expect("queue")
            .queue_url
            .expect("url");
        urls.push(url);
    }
    let prefix = format!("{}/", unique("syncd"));
    Aws {
        env: vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("SYNC_TABLE_NAME", table.clone()),
            ("SYNC_RETRY_QUEUE_URL", urls[0].clone()),
            ("SYNC_DEAD_LETTER_QUEUE_URL", urls[1].clone()),
            ("SYNC_SECRET_PREFIX", prefix),
        ],
        store: DynamoStore::new(dynamo, table),
        sqs,
        dlq_url: urls[1].clone(),
    }
}

fn syncd(aws: &Aws, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_syncd"))
        .arg("--aws")
        .args(args)
        .envs(aws.env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("RUST_LOG")
        .output()
        .expect("run syncd");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json_of(run: (bool, String, String)) -> Value {
    assert!(run.0, "command failed: {}", run.2);
    serde_json::from_str(&run.1).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.1))
}

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
    assert_eq!(redriven["redriven"], 1, "{redriven}");
    let paused = json_of(syncd(&aws, &["--json", "connection", "pause", "acme"]));
    assert_eq!(paused["enabled"], false);
    let serve = syncd(&aws, &["serve"]);
    assert!(!serve.0 && serve.2.contains("Lambda"), "{}", serve.2);
}
