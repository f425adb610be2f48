//! The deployed shape: the Lambda functions as cargo-lambda zips them (x86_64, so this host can
//! run them), on ministack, behind the resources infra/ declares, created with the settings
//! infra/ gives them (read with `e2e_tests::terraform`, not copied): the HTTP API and its routes
//! (payload 2.0), the retry queue with its dead-letter queue and the event source mapping to the
//! retrier (partial batch responses, bounded concurrency), the DynamoDB table, and the
//! environment every function gets. Both sandboxes run on 127.0.0.1 and Invoiced delivers its
//! own signed webhooks.
//!
//! What this catches that the in-process tests in `aws_e2e.rs` cannot: a function that does not
//! start from its zip (a variable infra/ forgot, a panic at init), the payload 2.0 event built
//! from the declared route (route key, path parameters, body encoding, as ministack renders it),
//! and the mapping deleting exactly the messages the retrier settled.
//!
//! Needs ministack (`MINISTACK_ENDPOINT_URL`, printed by `scripts/ministack`) and the zips in
//! `target/lambda-x86_64/<function>/bootstrap.zip` (`scripts/build-lambdas-x86_64`);
//! `scripts/deployed-shape-test` does both and runs this. Without them the test says why and
//! passes, unless `REQUIRE_DEPLOYED_SHAPE=1`, when it fails. infra/ is read first in any case,
//! so a change there this test could not deploy fails even where it skips.

mod deployed_shape {
    pub mod apply;
    pub mod declared;
    pub mod stack;
}

use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use e2e_tests::terraform::{Infra, workspace_root};
use sandbox::intacct::ObjectKind;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::ports::MappingStore;

use deployed_shape::declared::Declared;
use deployed_shape::stack::{CONNECTION, Deployed, Depth, eventually};

/// Set to 1 (scripts/deployed-shape-test, CI) to fail instead of skipping when the zips or
/// ministack are missing.
const REQUIRE: &str = "REQUIRE_DEPLOYED_SHAPE";

/// Where ministack answers and where the zips are, or why the test cannot run here.
struct Preconditions {
    endpoint: String,
    zips: PathBuf,
}

impl Preconditions {
    /// `None` (with a notice) when something is missing, unless [`REQUIRE`] is set.
    async fn check(declared: &Declared) -> Option<Preconditions> {
        let missing = |why: String| -> Option<Preconditions> {
            if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE}=1 but {why}");
            }
            // Straight to stderr: libtest captures `eprintln!` of a passing test, and a skip
            // must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "deployed_shape SKIPPED: {why} (scripts/deployed-shape-test runs it)"
            );
            None
        };
        let zips = std::env::var_os("LAMBDA_X86_64_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/lambda-x86_64"));
        if let Some(absent) = declared
            .functions
            .iter()
            .map(|f| zips.join(&f.binary).join("bootstrap.zip"))
            .find(|zip| !zip.is_file())
        {
            return missing(format!(
                "{} does not exist (scripts/build-lambdas-x86_64 builds it)",
                absent.display()
            ));
        }
        warn_if_stale(&zips, declared);
        let Ok(endpoint) = std::env::var("MINISTACK_ENDPOINT_URL") else {
            return missing("MINISTACK_ENDPOINT_URL is not set (scripts/ministack)".into());
        };
        let health = format!("{}/_ministack/health", endpoint.trim_end_matches('/'));
        let answered = reqwest::Client::new()
            .get(&health)
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if !answered {
            return missing(format!("ministack does not answer at {health}"));
        }
        Some(Preconditions { endpoint, zips })
    }
}

/// Says so when a source file is newer than the zips: the test would run yesterday's code.
/// Only a notice: scripts/deployed-shape-test rebuilds first, and in a shared checkout a file
/// saved during the build is no reason to fail.
fn warn_if_stale(zips: &Path, declared: &Declared) {
    fn newest(path: &Path) -> Option<SystemTime> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_dir() {
            return meta.modified().ok();
        }
        std::fs::read_dir(path)
            .ok()?
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| newest(&entry.path()))
            .max()
    }
    let root = workspace_root();
    let sources = ["lib", "functions", "Cargo.lock"]
        .iter()
        .filter_map(|p| newest(&root.join(p)))
        .max();
    let built = declared
        .functions
        .iter()
        .filter_map(|f| newest(&zips.join(&f.binary).join("bootstrap.zip")))
        .min();
    if let (Some(sources), Some(built)) = (sources, built)
        && sources > built
    {
        let _ = writeln!(
            std::io::stderr(),
            "deployed_shape: the zips in {} are older than the sources; \
             scripts/build-lambdas-x86_64 rebuilds them",
            zips.display()
        );
    }
}

/// The scenario, on a deployment already created.
async fn webhooks_are_written_at_once_and_throttled_ones_once_through_the_retry_queue(
    d: Arc<Deployed>,
) {
    let d: &Deployed = &d;

    // 1. Invoiced delivers signed webhooks through the HTTP API: the writer posts the invoice.
    let events = d.invoice_in_invoiced("INV-DS-1").await;
    d.delivered(&events).await;
    assert_eq!(
        d.ar_invoices("INV-DS-1"),
        1,
        "the writer posted the invoice"
    );
    let invoice = d
        .intacct
        .handle
        .find(ObjectKind::ArInvoice, "RECORDID", "INV-DS-1")
        .expect("AR invoice");
    let connection = ConnectionId::parse(CONNECTION).expect("connection id");
    let mapping = d
        .store
        .mapping_by_intacct(
            &connection,
            RecordType::Invoice,
            &invoice.recordno.to_string(),
        )
        .await
        .expect("dynamodb")
        .expect("the writer recorded the mapping in DynamoDB");
    assert_eq!(mapping.intacct_number.as_deref(), Some("INV-DS-1"));

    // 2. The same route by the API's AWS host name: a forged signature is refused by the
    // writer before it touches anything.
    let requests_before = d.intacct.handle.requests_total();
    let response = d
        .api_endpoint_client()
        .post(format!("{}{}", d.applied.api_endpoint, d.webhook_path))
        .header("content-type", "application/json")
        .header("x-invoiced-signature", "0".repeat(64))
        .body(json!({"id": 999_999, "type": "invoice.created", "data": {"object": {}}}).to_string())
        .send()
        .await
        .expect("the API endpoint answers");
    let status = response.status().as_u16();
    assert_eq!(status, 401, "{:?}", response.text().await);
    assert_eq!(d.intacct.handle.requests_total(), requests_before);

    // 3. Intacct throttles every request: the writer queues the writes (delayed by the
    // engine's backoff) and still answers 2xx. The retry queue's mapping is paused meanwhile, so
    // the retrier's first batch holds every queued write, and a message it can never read.
    d.set_mapping_enabled(false).await;
    d.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    let events = d.invoice_in_invoiced("INV-DS-2").await;
    d.delivered(&events).await;
    assert_eq!(
        d.ar_invoices("INV-DS-2"),
        0,
        "nothing written while throttled"
    );
    let queued = eventually(
        "the throttled writes to wait on the retry queue and their delays to pass (up to 30 s)",
        Duration::from_secs(60),
        || async move {
            match d.depth(&d.applied.retry_queue_url).await {
                depth @ Depth {
                    visible: 1..,
                    delayed: 0,
                    in_flight: 0,
                } => Ok(depth.visible),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    d.send_unreadable_retry_message().await;
    let deliveries = d.deliveries();

    // 4. Intacct recovers and the mapping resumes: it hands the batch to the retrier, which
    // writes the invoice once; Invoiced delivers nothing more, so the write came through SQS.
    // The partial batch response names the unreadable message alone: the mapping deletes every
    // settled message and keeps that one in flight (on its way to the dead-letter queue).
    d.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    d.set_mapping_enabled(true).await;
    eventually(
        "the retrier to post INV-DS-2",
        Duration::from_secs(90),
        || async move {
            match d.ar_invoices("INV-DS-2") {
                0 => Err(format!(
                    "retry queue {:?}",
                    d.depth(&d.applied.retry_queue_url).await
                )),
                _ => Ok(()),
            }
        },
    )
    .await;
    let only_the_unreadable_one = Depth {
        in_flight: 1,
        ..Depth::default()
    };
    eventually(
        "the retry queue to hold nothing but the unreadable message, in flight",
        Duration::from_secs(30),
        || async move {
            match d.depth(&d.applied.retry_queue_url).await {
                depth if depth == only_the_unreadable_one => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        d.depth(&d.applied.retry_queue_url).await,
        only_the_unreadable_one,
        "of {} messages, the settled {queued} were deleted and the unreadable one kept",
        queued + 1
    );
    assert_eq!(d.ar_invoices("INV-DS-2"), 1, "written exactly once");
    assert_eq!(
        d.ar_invoices("INV-DS-1"),
        1,
        "the first invoice was not written again"
    );
    assert_eq!(
        d.deliveries(),
        deliveries,
        "no redelivery from Invoiced: the retrier wrote it"
    );
    assert_eq!(
        d.depth(&d.applied.dead_letter_queue_url).await,
        Depth::default(),
        "nothing dead-lettered yet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployed_functions_write_webhooks_at_once_and_throttled_ones_once_through_sqs() {
    let infra = Infra::repository().unwrap_or_else(|e| panic!("infra/: {e}"));
    let declared = Declared::read(&infra);
    let Some(pre) = Preconditions::check(&declared).await else {
        return;
    };
    let deployed = Arc::new(Deployed::create(&pre.endpoint, &pre.zips, &declared).await);
    let outcome = tokio::spawn(
        webhooks_are_written_at_once_and_throttled_ones_once_through_the_retry_queue(
            deployed.clone(),
        ),
    )
    .await;
    if let Err(failure) = outcome {
        eprintln!("{}", deployed.diagnostics().await);
        deployed.delete().await;
        std::panic::resume_unwind(failure.into_panic());
    }
    deployed.delete().await;
}
