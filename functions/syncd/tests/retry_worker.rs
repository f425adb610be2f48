//! The retry worker over the SQLite queue: it runs queued work through the engine, leaves
//! failures for redelivery, dead-letters what keeps failing or has exhausted its retries, and
//! survives a panicking handler.

mod common;

use async_trait::async_trait;
use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::watch;

use common::World;
use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, LineItemParams};
use rust_decimal_macros::dec;
use sandbox::intacct::ObjectKind;
use sync_engine::adapters::sqlite::{SqliteQueue, SqliteStore};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::engine::{EngineError, Outcome};
use sync_engine::model::{Operation, RetryMessage, WorkItem};
use sync_engine::ports::{QueueInspection, SystemClock};
use syncd::worker::{RetryHandler, Worker, WorkerSettings};

fn message(id: &str) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: ConnectionId::parse("acme").expect("id"),
            record_type: RecordType::Invoice,
            invoiced_id: id.to_owned(),
            operation: Operation::Create,
        },
        attempt: 2,
        reason: "INTACCT_THROTTLED".into(),
        not_before: None,
    }
}

/// A queue whose received messages become visible again at once, so redelivery is testable.
fn instant_redelivery_queue() -> (SqliteStore, SqliteQueue) {
    let store = SqliteStore::open_in_memory().expect("store");
    let queue = store
        .queue(Arc::new(SystemClock))
        .with_visibility_timeout(Duration::ZERO);
    (store, queue)
}

#[tokio::test]
async fn a_queued_retry_is_written_to_intacct_and_removed_from_the_queue() {
    let world = World::start().await;
    let customer = world
        .api
        .customers()
        .create(
            &CustomerParams {
                name: Some("Retry Co".into()),
                number: Some("RETRY-1".into()),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("customer");
    let invoice = world
        .api
        .invoices()
        .create(
            &InvoiceParams {
                customer: Some(customer.id),
                number: Some("RETRY-INV-1".into()),
                draft: Some(false),
                items: Some(vec![LineItemParams {
                    name: Some("Work".into()),
                    quantity: Some(dec!(1)),
                    unit_cost: Some(dec!(42.00)),
                    ..LineItemParams::default()
                }]),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("invoice");
    // No webhook configured: the only way in is the queue.
    world
        .service
        .queue
        .enqueue_at(
            &message(&invoice.id.to_string()),
            Duration::ZERO,
            Utc::now(),
        )
        .await
        .expect("enqueue");
    let worker = Worker::new(
        world.service.queue.clone(),
        world.service.engine.clone(),
        WorkerSettings::default(),
    );

    assert_eq!(worker.run_once().await.expect("pass"), 1);

    let ar = world
        .intacct
        .handle
        .find(ObjectKind::ArInvoice, "RECORDID", "RETRY-INV-1")
        .expect("written to Intacct by the worker");
    assert_eq!(ar.money("TOTALENTERED"), dec!(42.00));
    let depth = world.service.queue.depth(Utc::now()).await.expect("depth");
    assert_eq!(depth.total, 0, "handled message deleted");
    assert_eq!(worker.stats().succeeded, 1);
}

/// The engine keeps failing to make anything durable (its store is down).
struct AlwaysDown;

#[async_trait]
impl RetryHandler for AlwaysDown {
    async fn handle(&self, _message: &RetryMessage) -> Result<Outcome, EngineError> {
        Err(EngineError::Queue("store unavailable".into()))
    }
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_redelivered_then_dead_lettered_after_n_receives() {
    let (_store, queue) = instant_redelivery_queue();
    queue
        .enqueue_at(&message("7"), Duration::ZERO, Utc::now())
        .await
        .expect("enqueue");
    let worker = Worker::new(
        queue.clone(),
        Arc::new(AlwaysDown),
        WorkerSettings {
            max_receives: 3,
            ..WorkerSettings::default()
        },
    );

    for receive in 1..=2 {
        assert_eq!(
            worker.run_once().await.expect("pass"),
            1,
            "receive {receive}"
        );
        assert!(queue.dead_letters().await.expect("dlq").is_empty());
        assert_eq!(
            queue.depth(Utc::now()).await.expect("depth").total,
            1,
            "left for redelivery"
        );
    }
    assert_eq!(worker.run_once().await.expect("pass"), 1);

    let dead = queue.dead_letters().await.expect("dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message.work.invoiced_id, "7");
    assert_eq!(dead[0].receive_count, 3);
    assert!(
        dead[0].reason.contains("store unavailable"),
        "{}",
        dead[0].reason
    );
    assert_eq!(queue.depth(Utc::now()).await.expect("depth").total, 0);
    let stats = worker.stats();
    assert_eq!((stats.failed, stats.dead_lettered), (3, 1));
}

/// Panics on one poisoned record; handles the others.
struct Poisoned {
    handled: AtomicU32,
}

#[async_trait]
impl RetryHandler for Poisoned {
    async fn handle(&self, message: &RetryMessage) -> Result<Outcome, EngineError> {
        if message.work.invoiced_id == "666" {
            panic!("poisoned message");
        }
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(Outcome::AlreadyDone)
    }
}

#[tokio::test]
async fn a_panicking_message_fails_alone_and_the_loop_keeps_running() {
    let (store, queue) = instant_redelivery_queue();
    for id in ["1", "666", "2"] {
        queue
            .enqueue_at(&message(id), Duration::ZERO, Utc::now())
            .await
            .expect("enqueue");
    }
    let handler = Arc::new(Poisoned {
        handled: AtomicU32::new(0),
    });
    let worker = Worker::new(
        queue.clone(),
        handler.clone(),
        WorkerSettings {
            max_receives: 2,
            idle_wait: Duration::from_millis(10),
            ..WorkerSettings::default()
        },
    );
    let (stop, stopped) = watch::channel(false);
    let running = {
        let worker = worker.clone();
        tokio::spawn(async move { worker.run(store, stopped).await })
    };

    // Work that arrives after the panic is still processed by the same loop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    queue
        .enqueue_at(&message("3"), Duration::ZERO, Utc::now())
        .await
        .expect("enqueue");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while handler.handled.load(Ordering::SeqCst) < 3
        || queue.dead_letters().await.expect("dlq").is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "loop stalled: {:?}",
            worker.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    running
        .await
        .expect("the loop ended cleanly, not by a panic");

    assert_eq!(handler.handled.load(Ordering::SeqCst), 3);
    let dead = queue.dead_letters().await.expect("dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message.work.invoiced_id, "666");
    assert!(dead[0].reason.contains("crashed"), "{}", dead[0].reason);
    assert_eq!(worker.stats().panicked, 2);
    assert_eq!(queue.depth(Utc::now()).await.expect("depth").total, 0);
}

/// Exhausted retries go to dead letters, as the AWS retrier sends them to the DLQ: the record
/// is a reconciliation error and its message waits for an operator's redrive.
#[tokio::test]
async fn a_message_whose_retries_are_exhausted_is_dead_lettered_and_a_redrive_writes_it() {
    let world = World::start().await;
    let customer = world
        .api
        .customers()
        .create(
            &CustomerParams {
                name: Some("Exhausted Co".into()),
                number: Some("EXHAUSTED-1".into()),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("customer");
    let max_attempts = world.service.engine.settings().retry.max_attempts;
    let last_attempt = RetryMessage {
        work: WorkItem {
            connection: world.conn.clone(),
            record_type: RecordType::Customer,
            invoiced_id: customer.id.to_string(),
            operation: Operation::Create,
        },
        attempt: max_attempts,
        reason: "INTACCT_THROTTLED".into(),
        not_before: None,
    };
    let queue = &world.service.queue;
    queue
        .enqueue_at(&last_attempt, Duration::ZERO, Utc::now())
        .await
        .expect("enqueue");
    world.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    let worker = Worker::new(
        queue.clone(),
        world.service.engine.clone(),
        WorkerSettings::default(),
    );

    assert_eq!(worker.run_once().await.expect("pass"), 1);

    let dead = queue.dead_letters().await.expect("dlq");
    assert_eq!(dead.len(), 1, "dead-lettered, not deleted");
    assert_eq!(dead[0].message, last_attempt);
    assert!(
        dead[0].reason.contains("retries exhausted") && dead[0].reason.contains("THROTTLED"),
        "{}",
        dead[0].reason
    );
    assert_eq!(worker.stats().dead_lettered, 1);
    let store = world.service.engine.store().as_ref();
    let status = sync_engine::operator::status(store, queue, &world.conn, Utc::now())
        .await
        .expect("status");
    assert_eq!(
        (status.queue_total, status.dead_letters, status.open_errors),
        (0, 1, 1)
    );

    // The operator fixes the cause and redrives: the write succeeds and resolves the error.
    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    let redriven = queue.redrive(10, Utc::now()).await.expect("redrive");
    assert_eq!((redriven.moved, redriven.drained), (1, true));
    assert_eq!(worker.run_once().await.expect("pass"), 1);
    assert!(queue.dead_letters().await.expect("dlq").is_empty());
    assert!(
        world
            .intacct
            .handle
            .find(ObjectKind::Customer, "CUSTOMERID", "EXHAUSTED-1")
            .is_some(),
        "written after the redrive"
    );
    let after = sync_engine::operator::status(store, queue, &world.conn, Utc::now())
        .await
        .expect("status");
    assert_eq!(
        (after.queue_total, after.dead_letters, after.open_errors),
        (0, 0, 0)
    );
}
