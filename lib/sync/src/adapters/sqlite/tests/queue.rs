//! The retry queue: delays, visibility timeouts, receipts, dead letters, durability.

use chrono::Duration as ChronoDuration;
use pretty_assertions::assert_eq;
use std::sync::Arc;
use std::time::Duration;

use super::{TempDb, TestClock, connection, t0};
use crate::adapters::sqlite::{QueueDepth, SqliteQueue, SqliteStore};
use crate::config::RecordType;
use crate::model::{Operation, RetryMessage, WorkItem};
use crate::ports::{QueueCounts, QueueInspection, QueueScope, Redriven, RetryQueue};

const VISIBILITY: Duration = Duration::from_secs(120);

fn retry(invoiced_id: &str, attempt: u32) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: connection("acme"),
            record_type: RecordType::Payment,
            invoiced_id: invoiced_id.into(),
            operation: Operation::Create,
        },
        attempt,
        reason: "INTACCT_RATE_LIMITED".into(),
        not_before: None,
    }
}

fn queue_in_memory() -> SqliteQueue {
    SqliteStore::open_in_memory()
        .expect("open")
        .queue(Arc::new(TestClock::at(t0())))
        .with_visibility_timeout(VISIBILITY)
}

fn seconds(n: i64) -> chrono::DateTime<chrono::Utc> {
    t0() + ChronoDuration::seconds(n)
}

#[tokio::test]
async fn a_delayed_message_is_not_due_before_its_delay_and_is_due_after() {
    let queue = queue_in_memory();
    queue
        .enqueue_at(&retry("1", 1), Duration::from_secs(60), t0())
        .await
        .expect("enqueue");
    assert!(
        queue
            .receive_due(seconds(59), 10)
            .await
            .expect("receive")
            .is_empty()
    );
    let received = queue.receive_due(seconds(60), 10).await.expect("receive");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1, retry("1", 1));
    assert_eq!(received[0].0.receive_count(), 1);
}

/// SQLite holds any delay, so a message's own `not_before` is honoured directly instead of
/// costing an early delivery and a re-queue.
#[tokio::test]
async fn a_message_is_not_due_before_its_own_not_before() {
    let queue = queue_in_memory();
    let message = RetryMessage {
        not_before: Some(seconds(3600)),
        ..retry("1", 1)
    };
    queue
        .enqueue_at(&message, Duration::from_secs(900), t0())
        .await
        .expect("enqueue");
    assert!(
        queue
            .receive_due(seconds(900), 10)
            .await
            .expect("receive")
            .is_empty()
    );
    assert_eq!(
        queue
            .receive_due(seconds(3600), 10)
            .await
            .expect("receive")
            .len(),
        1
    );
}

/// `RetryQueue::enqueue` has no `now`: the queue's clock dates the message.
#[tokio::test]
async fn the_port_enqueue_counts_the_delay_from_the_queue_clock() {
    let clock = Arc::new(TestClock::at(seconds(1000)));
    let queue = SqliteStore::open_in_memory()
        .expect("open")
        .queue(clock.clone());
    clock.set(seconds(2000));
    queue
        .enqueue(&retry("1", 1), Duration::from_secs(30))
        .await
        .expect("enqueue");
    assert!(
        queue
            .receive_due(seconds(2029), 10)
            .await
            .expect("receive")
            .is_empty()
    );
    assert_eq!(
        queue
            .receive_due(seconds(2030), 10)
            .await
            .expect("receive")
            .len(),
        1
    );
}

/// A runner that crashes mid-message never deletes it: the message comes back after the
/// visibility timeout, and the crashed worker's receipt can no longer delete it.
#[tokio::test]
async fn a_received_message_is_hidden_until_its_visibility_timeout_then_reappears() {
    let queue = queue_in_memory();
    queue
        .enqueue_at(&retry("1", 1), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    let first = queue.receive_due(t0(), 10).await.expect("receive");
    let (stale_receipt, _) = first.first().cloned().expect("one message");

    assert!(
        queue
            .receive_due(seconds(119), 10)
            .await
            .expect("receive")
            .is_empty()
    );
    assert_eq!(
        queue.depth(seconds(119)).await.expect("depth"),
        QueueDepth {
            total: 1,
            due: 0,
            in_flight: 1
        }
    );

    let again = queue.receive_due(seconds(120), 10).await.expect("receive");
    let (receipt, message) = again.first().cloned().expect("reappeared");
    assert_eq!(message, retry("1", 1));
    assert_eq!(receipt.receive_count(), 2);
    assert!(
        !queue.delete(&stale_receipt).await.expect("delete"),
        "stale receipt"
    );
    assert!(queue.delete(&receipt).await.expect("delete"));
    assert!(!queue.delete(&receipt).await.expect("delete twice"));
    assert_eq!(
        queue.depth(seconds(10_000)).await.expect("depth"),
        QueueDepth::default()
    );
}

#[tokio::test]
async fn a_deleted_message_never_comes_back() {
    let queue = queue_in_memory();
    queue
        .enqueue_at(&retry("1", 1), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    queue
        .enqueue_at(&retry("2", 1), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    let received = queue.receive_due(t0(), 1).await.expect("receive");
    assert_eq!(received.len(), 1, "the limit is honoured");
    assert_eq!(received[0].1, retry("1", 1), "oldest due first");
    assert!(queue.delete(&received[0].0).await.expect("delete"));
    let later = queue.receive_due(seconds(3600), 10).await.expect("receive");
    let ids: Vec<_> = later
        .iter()
        .map(|(_, m)| m.work.invoiced_id.as_str())
        .collect();
    assert_eq!(ids, ["2"]);
}

/// An operator sees a message that kept failing, fixes the cause, and redrives it.
#[tokio::test]
async fn a_dead_lettered_message_can_be_redriven() {
    let queue = queue_in_memory();
    queue
        .enqueue_at(&retry("1", 5), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    queue
        .enqueue_at(&retry("2", 1), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    let received = queue.receive_due(t0(), 10).await.expect("receive");
    let (receipt, _) = received
        .iter()
        .find(|(_, m)| m.work.invoiced_id == "1")
        .cloned()
        .expect("message 1");
    assert!(
        queue
            .move_to_dead_letter(&receipt, "handler crashed 5 times", seconds(1))
            .await
            .expect("dead-letter")
    );
    assert!(
        !queue
            .move_to_dead_letter(&receipt, "again", seconds(1))
            .await
            .expect("stale")
    );

    let dead = queue.dead_letters().await.expect("list");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message, retry("1", 5));
    assert_eq!(dead[0].reason, "handler crashed 5 times");
    assert_eq!((dead[0].receive_count, dead[0].dead_at), (1, seconds(1)));
    assert_eq!(
        queue.depth(seconds(1)).await.expect("depth").total,
        1,
        "message 2 only"
    );

    assert_eq!(
        queue
            .redrive_dead_letters(10, seconds(2))
            .await
            .expect("redrive"),
        1
    );
    assert!(queue.dead_letters().await.expect("list").is_empty());
    let redriven = queue.receive_due(seconds(2), 10).await.expect("receive");
    assert_eq!(redriven.len(), 1);
    assert_eq!(redriven[0].1, retry("1", 5));
    assert_eq!(redriven[0].0.receive_count(), 1, "a fresh start");
}

#[tokio::test]
async fn redrive_moves_at_most_the_limit_oldest_first() {
    let queue = queue_in_memory();
    for id in ["1", "2", "3"] {
        queue
            .enqueue_at(&retry(id, 1), Duration::ZERO, t0())
            .await
            .expect("enqueue");
    }
    for (receipt, _) in queue.receive_due(t0(), 10).await.expect("receive") {
        queue
            .move_to_dead_letter(&receipt, "poison", t0())
            .await
            .expect("dead-letter");
    }
    assert_eq!(
        queue.redrive_dead_letters(2, t0()).await.expect("redrive"),
        2
    );
    let left: Vec<_> = queue
        .dead_letters()
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.message.work.invoiced_id)
        .collect();
    assert_eq!(left, ["3"]);
}

#[tokio::test]
async fn depth_counts_queued_due_and_in_flight_messages() {
    let queue = queue_in_memory();
    queue
        .enqueue_at(&retry("now", 1), Duration::ZERO, t0())
        .await
        .expect("enqueue");
    queue
        .enqueue_at(&retry("soon", 1), Duration::from_secs(30), t0())
        .await
        .expect("enqueue");
    queue
        .enqueue_at(&retry("later", 1), Duration::from_secs(900), t0())
        .await
        .expect("enqueue");
    assert_eq!(
        queue.depth(t0()).await.expect("depth"),
        QueueDepth {
            total: 3,
            due: 1,
            in_flight: 0
        }
    );
    queue.receive_due(t0(), 10).await.expect("receive");
    assert_eq!(
        queue.depth(seconds(30)).await.expect("depth"),
        QueueDepth {
            total: 3,
            due: 1,
            in_flight: 1
        }
    );
}

/// Messages (queued and in flight) are on disk: a restarted runner finds them all.
#[tokio::test]
async fn queued_messages_survive_a_restart() {
    let file = TempDb::new("queue-restart");
    let clock = Arc::new(TestClock::at(t0()));
    {
        let queue = SqliteQueue::open(file.path(), clock.clone())
            .expect("open")
            .with_visibility_timeout(VISIBILITY);
        queue
            .enqueue(&retry("1", 1), Duration::ZERO)
            .await
            .expect("enqueue");
        queue
            .enqueue(&retry("2", 2), Duration::from_secs(600))
            .await
            .expect("enqueue");
        assert_eq!(queue.receive_due(t0(), 10).await.expect("receive").len(), 1);
        // The runner dies here without deleting message 1.
    }
    let queue = SqliteQueue::open(file.path(), clock).expect("reopen");
    assert_eq!(
        queue.depth(t0()).await.expect("depth"),
        QueueDepth {
            total: 2,
            due: 0,
            in_flight: 1
        }
    );
    let back: Vec<_> = queue
        .receive_due(seconds(600), 10)
        .await
        .expect("receive")
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(back, vec![retry("1", 1), retry("2", 2)]);
}

fn retry_for(connection_id: &str, invoiced_id: &str) -> RetryMessage {
    RetryMessage {
        work: WorkItem {
            connection: connection(connection_id),
            ..retry(invoiced_id, 1).work
        },
        ..retry(invoiced_id, 1)
    }
}

/// `status` counts one connection's messages and dead letters, not the whole queue's.
#[tokio::test]
async fn operators_see_queued_due_and_dead_letters_per_connection() {
    let queue = queue_in_memory();
    for (conn, id, delay) in [
        ("acme", "1", 0),
        ("acme", "2", 600),
        ("acme", "3", 0),
        ("globex", "4", 0),
        ("globex", "5", 0),
    ] {
        queue
            .enqueue_at(&retry_for(conn, id), Duration::from_secs(delay), t0())
            .await
            .expect("enqueue");
    }
    for (receipt, message) in queue.receive_due(t0(), 10).await.expect("receive") {
        if ["3", "5"].contains(&message.work.invoiced_id.as_str()) {
            queue
                .move_to_dead_letter(&receipt, "kept failing", t0())
                .await
                .expect("dead-letter");
        }
    }
    // "1" and "4" are in flight (received, hidden), "2" is delayed: none is due at t0.
    let acme = queue
        .counts(&connection("acme"), t0())
        .await
        .expect("counts");
    assert_eq!(
        acme,
        QueueCounts {
            queued: 2,
            due: 0,
            scope: QueueScope::Connection,
            dead_letters: 1,
            approximate: false,
        }
    );
    let later = queue
        .counts(&connection("acme"), seconds(600))
        .await
        .expect("counts");
    assert_eq!((later.queued, later.due), (2, 2));
    let globex = queue
        .counts(&connection("globex"), t0())
        .await
        .expect("counts");
    assert_eq!((globex.queued, globex.dead_letters), (1, 1));
    let nobody = queue
        .counts(&connection("initech"), t0())
        .await
        .expect("counts");
    assert_eq!((nobody.queued, nobody.dead_letters), (0, 0));
}

/// `dlq list` and redrive through the port: oldest first, a page at a time, and whether any
/// dead letter is left.
#[tokio::test]
async fn dead_letters_are_listed_a_page_at_a_time_and_redrive_says_when_none_is_left() {
    let queue = queue_in_memory();
    for id in ["1", "2", "3"] {
        queue
            .enqueue_at(&retry(id, 8), Duration::ZERO, t0())
            .await
            .expect("enqueue");
    }
    for (receipt, _) in queue.receive_due(t0(), 10).await.expect("receive") {
        queue
            .move_to_dead_letter(&receipt, "retries exhausted", seconds(5))
            .await
            .expect("dead-letter");
    }
    let page = queue.list_dead_letters(2).await.expect("list");
    assert_eq!((page.total, page.maybe_more), (3, true));
    assert!(page.still_hidden.is_empty());
    let first = &page.letters[0];
    assert_eq!(first.message(), Some(&retry("1", 8)));
    assert_eq!(
        first.dead_letter_reason.as_deref(),
        Some("retries exhausted")
    );
    assert_eq!(
        (first.receive_count, first.dead_at),
        (Some(1), Some(seconds(5)))
    );
    let all = queue.list_dead_letters(10).await.expect("list");
    assert_eq!((all.letters.len(), all.maybe_more), (3, false));

    assert_eq!(
        queue.redrive(2, seconds(6)).await.expect("redrive"),
        Redriven {
            moved: 2,
            drained: false
        }
    );
    assert_eq!(
        queue.redrive(2, seconds(6)).await.expect("redrive"),
        Redriven {
            moved: 1,
            drained: true
        }
    );
    assert_eq!(queue.list_dead_letters(10).await.expect("list").total, 0);
    assert_eq!(queue.depth(seconds(6)).await.expect("depth").due, 3);
}
