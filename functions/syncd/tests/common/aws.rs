//! An AWS deployment on moto (a fresh table, retry queue, dead-letter queue and secret prefix
//! per test) and the `syncd --aws` binary pointed at it. Needs `AWS_ENDPOINT_URL` (scripts/test
//! starts moto) and fails with instructions otherwise.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use serde_json::Value;
use std::process::Command;

use sync_aws::dynamodb::DynamoStore;
use sync_aws::runtime::{Deployment, Resources};
use sync_engine::engine::EngineSettings;

/// `prefix` and a fresh suffix.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// One deployment's resources, clients and environment.
pub struct Aws {
    pub env: Vec<(&'static str, String)>,
    pub config: aws_config::SdkConfig,
    pub resources: Resources,
    pub store: DynamoStore,
    pub sqs: aws_sdk_sqs::Client,
    pub dlq_url: String,
}

/// Creates the resources.
pub async fn aws() -> Aws {
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
    let resources = Resources {
        table: table.clone(),
        retry_queue_url: urls[0].clone(),
        dead_letter_queue_url: urls[1].clone(),
        secret_prefix: prefix.clone(),
    };
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
        config,
        resources,
        store: DynamoStore::new(dynamo, table),
        sqs,
        dlq_url: urls[1].clone(),
    }
}

/// Runs `syncd --aws ARGS`: success, stdout, stderr.
pub fn syncd(aws: &Aws, args: &[&str]) -> (bool, String, String) {
    syncd_with(aws, args, &[])
}

/// Runs `syncd --aws ARGS` with the deployment's environment plus `extra`. The operator's own
/// SYNC_WEBHOOK_BASE_URL is removed so only the test decides it.
pub fn syncd_with(aws: &Aws, args: &[&str], extra: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_syncd"))
        .arg("--aws")
        .args(args)
        .env_remove(syncd::cli::WEBHOOK_BASE_URL_ENV)
        .envs(aws.env.iter().map(|(k, v)| (*k, v.as_str())))
        .envs(extra.iter().copied())
        .env_remove("RUST_LOG")
        .output()
        .expect("run syncd");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The stdout of a successful run, as JSON.
pub fn json_of(run: (bool, String, String)) -> Value {
    assert!(run.0, "command failed: {}", run.2);
    serde_json::from_str(&run.1).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.1))
}

impl Aws {
    /// A function's view of the deployment (what the operator API handler runs on).
    pub fn deployment(&self) -> Deployment {
        Deployment::new(
            &self.config,
            self.resources.clone(),
            EngineSettings::default(),
        )
    }
}
