//! One shape on both runtimes. The same operator state on the one-machine SQLite file and on an
//! AWS deployment (moto) gives the same JSON from `syncd --json`, from `syncd --aws --json` and
//! from the operator API, up to what only one runtime can know: a dead letter's id and time,
//! receive counts (on SQS every look is a receive), and how the queue counts (`queue_scope`,
//! `counts_approximate`). Needs `AWS_ENDPOINT_URL` (scripts/test starts moto).

mod common;

use chrono::{DateTime, Utc};
use lambda_http::{Body, RequestExt};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::TempDir;
use common::aws::{Aws, aws};
use common::cli::{Run, syncd as local};
use sync_aws::runtime::Deployment;
use sync_engine::adapters::sqlite::SqliteStore;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{Direction, NewReconciliationError, Operation, RetryMessage, WorkItem};
use sync_engine::ports::{ReconciliationStore, SystemClock};

const REASON: &str = "retries exhausted (8 of 8 attempts): INTACCT_THROTTLED";

/// `syncd --aws ARGS` as a [`Run`].
fn on_aws(aws: &Aws, args: &[&str]) -> Run {
    let (ok, stdout, stderr) = common::aws::syncd(aws, args);
    Run { ok, stdout, stderr }
}

/// Calls the operator API's handler as API Gateway would.
async fn api(
    deployment: &Deployment,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    let params: HashMap<String, String> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let request = lambda_http::http::Request::builder()
        .method(method)
        .uri(path)
        .body(body.map_or(Body::Empty, |b| Body::Text(b.to_owned())))
        .expect("request")
        .with_query_string_parameters(params);
    let response = sync_aws::handlers::operator::handle(deployment, request).await;
    let status = response.status().as_u16();
    let body = match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

/// `value` with what only one runtime can know blanked out.
fn runtime_neutral(mut value: Value) -> Value {
    fn blank(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    if [
                        "dead_at",
                        "receive_count",
                        "queue_scope",
                        "counts_approximate",
                    ]
                    .contains(&key.as_str())
                    {
                        *field = json!("<runtime>");
                    } else {
                        blank(field);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(blank),
            _ => {}
        }
    }
    blank(&mut value);
    if let Some(letters) = value.get_mut("letters").and_then(Value::as_array_mut) {
        for letter in letters {
            letter["id"] = json!("<runtime>");
        }
    }
    value
}

fn the_error() -> NewReconciliationError {
    NewReconciliationError {
        connection: ConnectionId::parse("acme").expect("id"),
        direction: Direction::Write,
        record_type: RecordType::Invoice,
        record_id: "20001".into(),
        operation: Operation::Create,
        code: "INTACCT_THROTTLED".into(),
        message: "Too many operations".into(),
        fix: "None: retried with backoff".into(),
    }
}

fn the_message() -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: ConnectionId::parse("acme").expect("id"),
            record_type: RecordType::Invoice,
            invoiced_id: "20001".into(),
            operation: Operation::Create,
        },
        attempt: 8,
        reason: "INTACCT_THROTTLED".into(),
        not_before: None,
    }
}

/// The same error and dead letter on the SQLite file.
async fn seed_local(dir: &Path, now: DateTime<Utc>) {
    let store = SqliteStore::open(dir.join("syncd.sqlite")).expect("store");
    store.record_error(the_error(), now).await.expect("error");
    let queue = store.queue(Arc::new(SystemClock));
    queue
        .enqueue_at(&the_message(), Duration::ZERO, now)
        .await
        .expect("enqueue");
    let (receipt, _) = queue.receive_due(now, 1).await.expect("receive").remove(0);
    assert!(
        queue
            .move_to_dead_letter(&receipt, REASON, now)
            .await
            .expect("dead-letter")
    );
}

/// The same error and dead letter on the deployment.
async fn seed_aws(aws: &Aws, now: DateTime<Utc>) {
    aws.store
        .record_error(the_error(), now)
        .await
        .expect("error");
    aws.deployment()
        .queues()
        .dead_letter(&the_message(), REASON)
        .await
        .expect("dead-letter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_on_both_runtimes_and_the_operator_api_answer_with_the_same_json() {
    let aws = aws().await;
    let deployment = aws.deployment();
    let dir = TempDir::new("same-json");
    let config = dir.path().join("acme.json");
    std::fs::write(
        &config,
        json!({"id": "acme", "intacct": {"company_id": "ACME"}}).to_string(),
    )
    .expect("config");
    let config = config.to_str().expect("path");
    // The binary runs off the async runtime's worker (the API handler below shares it).
    let run_local = |args: &[&str]| tokio::task::block_in_place(|| local(dir.path(), args));
    let run_aws = |args: &[&str]| tokio::task::block_in_place(|| on_aws(&aws, args));

    // Adding the connection.
    let add = [
        "--json",
        "--webhook-base-url",
        "https://sync.example.com",
        "connection",
        "add",
        "--config",
        config,
    ];
    let added = run_local(&add).json();
    assert_eq!(added, run_aws(&add).json());
    assert_eq!(
        added,
        json!({"connection": "acme", "enabled": true, "webhook_path": "/webhooks/acme",
               "webhook_url": "https://sync.example.com/webhooks/acme"})
    );
    let (code, put) = api(
        &deployment,
        "PUT",
        "/connections/acme",
        Some(&std::fs::read_to_string(config).expect("config")),
    )
    .await;
    assert_eq!(code, 200);
    let mut without_url = added.clone();
    without_url
        .as_object_mut()
        .expect("object")
        .remove("webhook_url");
    assert_eq!(
        put, without_url,
        "the API answers the same fields but the URL"
    );

    // One reconciliation error and one dead letter of acme, on each runtime.
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    seed_local(dir.path(), now).await;
    seed_aws(&aws, now).await;

    // Errors.
    let errors = run_local(&["--json", "errors", "list", "acme"]).json();
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{errors}");
    assert_eq!(
        errors,
        run_aws(&["--json", "errors", "list", "acme"]).json()
    );
    assert_eq!(
        errors,
        api(&deployment, "GET", "/connections/acme/errors", None)
            .await
            .1
    );

    // Dead letters.
    let letters = run_local(&["--json", "dlq", "list"]).json();
    let aws_letters = run_aws(&["--json", "dlq", "list"]).json();
    assert_eq!(
        runtime_neutral(letters.clone()),
        runtime_neutral(aws_letters.clone())
    );
    assert_eq!(letters["total"], 1);
    assert_eq!(letters["letters"][0]["work"]["invoiced_id"], "20001");
    assert_eq!(letters["letters"][0]["reason"], "INTACCT_THROTTLED");
    assert_eq!(letters["letters"][0]["dead_letter_reason"], REASON);
    let (code, api_letters) = api(&deployment, "GET", "/dlq", None).await;
    assert_eq!(code, 200);
    assert_eq!(runtime_neutral(api_letters), runtime_neutral(aws_letters));

    // Status: the same counts for one connection, each runtime saying how it counts.
    let status = run_local(&["--json", "status", "acme"]).json();
    let aws_status = run_aws(&["--json", "status", "acme"]).json();
    assert_eq!(
        runtime_neutral(status.clone()),
        runtime_neutral(aws_status.clone())
    );
    assert_eq!(
        (&status["queue_scope"], &status["counts_approximate"]),
        (&json!("connection"), &json!(false))
    );
    assert_eq!(
        (
            &aws_status["queue_scope"],
            &aws_status["counts_approximate"]
        ),
        (&json!("all_connections"), &json!(true))
    );
    assert_eq!(
        (
            &status["dead_letters"],
            &status["open_errors"],
            &status["queue_total"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    assert_eq!(
        api(&deployment, "GET", "/connections/acme/status", None)
            .await
            .1,
        aws_status
    );

    // Redrive, then the status again: the letter is due on the retry queue.
    let redrive = ["--json", "dlq", "redrive", "--limit", "5"];
    let redriven = run_local(&redrive).json();
    assert_eq!(redriven, json!({"moved": 1, "drained": true}));
    assert_eq!(redriven, run_aws(&redrive).json());
    assert_eq!(
        api(&deployment, "POST", "/dlq/redrive?limit=5", None)
            .await
            .1,
        json!({"moved": 0, "drained": true})
    );
    let status = run_local(&["--json", "status", "acme"]).json();
    assert_eq!(
        runtime_neutral(status.clone()),
        runtime_neutral(run_aws(&["--json", "status", "acme"]).json())
    );
    assert_eq!(
        (
            &status["queue_total"],
            &status["queue_due"],
            &status["dead_letters"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );

    // A failure: the same error body from both runtimes and the API (with its HTTP status).
    let unknown = run_local(&["--json", "status", "nobody"]);
    assert!(!unknown.ok);
    let body = unknown.output();
    assert_eq!(
        body,
        json!({"error": "no connection `nobody`", "kind": "not_found"})
    );
    let aws_unknown = run_aws(&["--json", "status", "nobody"]);
    assert!(!aws_unknown.ok);
    assert_eq!(aws_unknown.output(), body);
    assert_eq!(
        api(&deployment, "GET", "/connections/nobody/status", None).await,
        (404, body)
    );
}
