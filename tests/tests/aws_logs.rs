//! Secrets never reach a log: a full run through the Lambda handlers (webhooks good and forged,
//! throttled writes through SQS and the retrier, polls with a fresh login) with the functions'
//! own JSON logging captured, then every secret value searched for in every line.
//!
//! Its own test binary, because logging is set up once per process.

mod support;

use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sandbox::intacct::{Credentials, IntacctConfig, SeedSpec};
use sandbox::invoiced::InvoicedConfig;
use support::{Stack, fast_retries, unique};
use sync_aws::handlers::{poller, writer};

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_value_appears_in_any_log_line_of_a_full_run() {
    let logs = Captured::default();
    sync_aws::runtime::init_logging_to(logs.clone());

    let secrets = [
        unique("sender-pw"),
        unique("user-pw"),
        unique("api-key"),
        unique("hook-secret"),
    ];
    let mut intacct_config = IntacctConfig::default();
    intacct_config.credentials = Credentials {
        sender_password: SecretString::from(secrets[0].clone()),
        user_password: SecretString::from(secrets[1].clone()),
        ..intacct_config.credentials
    };
    let mut invoiced_config = InvoicedConfig::for_tests();
    invoiced_config.api_key = SecretString::from(secrets[2].clone());
    invoiced_config.webhook_secret = SecretString::from(secrets[3].clone());
    let stack = Stack::start_with(
        SeedSpec {
            customers: 2,
            invoices: 3,
            returns: 0,
            payments: 1,
            ..SeedSpec::default()
        },
        fast_retries(),
        intacct_config,
        invoiced_config,
    )
    .await;

    // Webhooks: a good delivery, a forged one, and throttled writes through SQS.
    stack.invoice_in_invoiced("INV-LOG-1").await;
    stack.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    stack.deliver_all().await;
    let forged = stack.events().pop().expect("event");
    writer::handle(
        &stack.deployment.engine,
        stack.webhook_request(&forged, &"a".repeat(64)),
    )
    .await;
    stack.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    for _ in 0..3 {
        let event = stack
            .receive(&stack.retry_queue_url, Duration::from_secs(4))
            .await;
        if event.records.is_empty() {
            break;
        }
        stack.run_retrier(event).await;
    }
    // A poll, and a second one after Intacct dropped every session (a fresh login).
    let deadline = SystemTime::now() + Duration::from_secs(120);
    poller::handle(&stack.deployment.engine, serde_json::json!({}), deadline)
        .await
        .expect("poll");
    stack.intacct.handle.expire_sessions();
    poller::handle(
        &stack.deployment.engine,
        serde_json::json!({"connection": "acme"}),
        deadline,
    )
    .await
    .expect("poll after the sessions expired");

    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8 logs");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 10, "the run logged only: {text}");
    assert!(
        lines
            .iter()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "every line is one JSON object"
    );
    // The fields docs/runbook.md documents: every line has time, level, target and a message;
    // a write's lines carry the record's span (connection, record type, id, attempt), and
    // `spans` lists the enclosing spans too (in Lambda, the runtime's requestId).
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    for line in &parsed {
        for key in ["timestamp", "level", "target"] {
            assert!(line.get(key).is_some(), "no {key} in {line}");
        }
        assert!(
            line["fields"]["message"].is_string(),
            "no message in {line}"
        );
    }
    let settled = parsed
        .iter()
        .find(|l| l["fields"]["message"] == "write settled")
        .expect("a write settled");
    let span = &settled["span"];
    assert_eq!(span["name"], "write");
    assert_eq!(span["connection"], "acme");
    for key in ["record_type", "id", "attempt"] {
        assert!(
            span.get(key).is_some(),
            "no {key} in the write span: {settled}"
        );
    }
    assert!(
        settled["spans"].as_array().is_some_and(|s| !s.is_empty()),
        "the span list is logged: {settled}"
    );
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret value reached the logs"
        );
    }
    // Sanity: the secrets were really in play.
    assert_eq!(stack.invoiced.api_key.expose_secret(), secrets[2]);
}
