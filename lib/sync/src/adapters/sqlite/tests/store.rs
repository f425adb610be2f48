//! The store: contract, durability, races between two connections on one file.

use chrono::Duration as ChronoDuration;
use pretty_assertions::assert_eq;
use std::time::Duration;

use super::{TempDb, connection, t0};
use crate::adapters::sqlite::SqliteStore;
use crate::adapters::sqlite::schema::CURRENT_VERSION;
use crate::config::{ConnectionConfig, RecordType};
use crate::model::{
    CursorState, Dependency, Direction, ErrorFilter, IntentKey, IntentState, KeysetPosition,
    Mapping, NewReconciliationError, Operation, Origin, WorkItem, WriteIntent,
};
use crate::ports::{
    ConfigStore, CursorStore, EventClaim, EventLog, IntentStore, LeaseStore, MappingStore,
    ParkingStore, ReconciliationStore, StoreError,
};

fn fresh_intent(key: &IntentKey) -> WriteIntent {
    WriteIntent {
        key: key.clone(),
        generation: 0,
        state: IntentState::claimed("test", t0() + ChronoDuration::minutes(5)),
        version: 1,
        updated_at: t0(),
        locator: None,
    }
}

fn invoice_mapping(name: &str, invoiced: &str, intacct: &str) -> Mapping {
    Mapping {
        connection: connection(name),
        record_type: RecordType::Invoice,
        invoiced_id: invoiced.into(),
        intacct_key: intacct.into(),
        intacct_number: None,
        origin: Origin::Invoiced,
        source_version: None,
        updated_at: t0(),
    }
}

#[tokio::test]
async fn an_in_memory_store_meets_the_store_contract() {
    let store = SqliteStore::open_in_memory().expect("open in memory");
    crate::testing::store_contract::run_all(&store).await;
}

#[tokio::test]
async fn a_file_store_meets_the_store_contract() {
    let file = TempDb::new("contract");
    let store = SqliteStore::open(file.path()).expect("open file");
    crate::testing::store_contract::run_all(&store).await;
}

/// The runner restarts (deploy, reboot, crash): everything it knew is still there.
#[tokio::test]
async fn a_reopened_file_still_has_everything_the_runner_knew() {
    let file = TempDb::new("restart");
    let c = connection("acme");
    let config = ConnectionConfig::from_json(
        r#"{"id":"acme","intacct":{"company_id":"ACME"},"flows":{"read":{"customers":true}}}"#,
    )
    .expect("valid config");
    let mapping = Mapping {
        intacct_number: Some("INV-0042".into()),
        ..invoice_mapping("acme", "42", "1042")
    };
    let intent_key = IntentKey {
        connection: c.clone(),
        record_type: RecordType::Invoice,
        invoiced_id: "42".into(),
        operation: Operation::Create,
    };
    let cursor = CursorState {
        committed: Some(KeysetPosition {
            when_modified: t0().naive_utc(),
            record_no: 1042,
        }),
        last_sync_at: Some(t0()),
        version: 1,
    };
    let payment = WorkItem {
        connection: c.clone(),
        record_type: RecordType::Payment,
        invoiced_id: "7".into(),
        operation: Operation::Create,
    };
    let awaited = Dependency {
        record_type: RecordType::Invoice,
        invoiced_id: "43".into(),
    };
    let (intent, error) = {
        let store = SqliteStore::open(file.path()).expect("open");
        store.put_config(&config).await.expect("config");
        store.put_mapping(&mapping).await.expect("mapping");
        let begun = store
            .begin_intent(&fresh_intent(&intent_key))
            .await
            .expect("begin");
        let intent = store
            .transition_intent(&begun, IntentState::UnknownOutcome, 0, t0())
            .await
            .expect("unknown outcome");
        let error = store
            .record_error(
                NewReconciliationError {
                    connection: c.clone(),
                    direction: Direction::Write,
                    record_type: RecordType::Invoice,
                    record_id: "43".into(),
                    operation: Operation::Create,
                    code: "INTACCT_CUSTOMER_MISSING".into(),
                    message: "Invalid Customer".into(),
                    fix: "Sync the customer first".into(),
                },
                t0(),
            )
            .await
            .expect("error");
        store
            .put_cursor(&c, "ARINVOICE", &cursor)
            .await
            .expect("cursor");
        store
            .finish_event(&c, "evt-9", t0() + ChronoDuration::hours(72))
            .await
            .expect("event");
        store
            .park(&awaited, &payment, "invoice 43 not in Intacct", t0())
            .await
            .expect("park");
        (intent, error)
    };

    let store = SqliteStore::open(file.path()).expect("reopen");
    assert_eq!(store.get_config(&c).await.expect("config"), Some(config));
    assert_eq!(
        store
            .mapping_by_intacct(&c, RecordType::Invoice, "1042")
            .await
            .expect("mapping"),
        Some(mapping)
    );
    assert_eq!(
        store.get_intent(&intent_key).await.expect("intent"),
        Some(intent)
    );
    assert_eq!(
        store
            .list_errors(&c, &ErrorFilter::default())
            .await
            .expect("errors"),
        vec![error]
    );
    assert_eq!(
        store.get_cursor(&c, "ARINVOICE").await.expect("cursor"),
        cursor
    );
    assert_eq!(
        store
            .claim_event(&c, "evt-9", "redelivery", t0(), t0())
            .await
            .expect("event"),
        EventClaim::Handled
    );
    assert_eq!(
        store.take_parked(&c, &awaited).await.expect("parked"),
        vec![payment]
    );
}

/// Two workers (here: two connections, as two processes would have) write the same invoice
/// at once with different Intacct keys: the database lets exactly one pair stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_of_one_invoice_leave_exactly_one_mapping() {
    let file = TempDb::new("race-mapping");
    let first = SqliteStore::open(file.path()).expect("first connection");
    let second = SqliteStore::open(file.path()).expect("second connection");
    for round in 0..25 {
        let invoiced = format!("inv-{round}");
        let ours = invoice_mapping("race", &invoiced, &format!("A{round}"));
        let theirs = invoice_mapping("race", &invoiced, &format!("B{round}"));
        let (a, b) = {
            let (first, second) = (first.clone(), second.clone());
            let (ours, theirs) = (ours.clone(), theirs.clone());
            tokio::join!(
                tokio::spawn(async move { first.put_mapping(&ours).await }),
                tokio::spawn(async move { second.put_mapping(&theirs).await }),
            )
        };
        let (a, b) = (a.expect("task a"), b.expect("task b"));
        let winner = match (&a, &b) {
            (Ok(()), Err(StoreError::Conflict(_))) => &ours,
            (Err(StoreError::Conflict(_)), Ok(())) => &theirs,
            other => panic!("round {round}: expected one winner and one conflict, got {other:?}"),
        };
        let stored = first
            .mapping_by_invoiced(&connection("race"), RecordType::Invoice, &invoiced)
            .await
            .expect("lookup");
        assert_eq!(stored.as_ref(), Some(winner), "round {round}");
    }
    assert_eq!(
        second
            .count_mappings(&connection("race"), RecordType::Invoice)
            .await
            .expect("count"),
        25
    );
}

/// Two invoices claimed as the same Intacct record at once: the UNIQUE on the Intacct side
/// lets one through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_claims_on_one_intacct_record_leave_exactly_one_mapping() {
    let file = TempDb::new("race-intacct");
    let first = SqliteStore::open(file.path()).expect("first connection");
    let second = SqliteStore::open(file.path()).expect("second connection");
    let ours = invoice_mapping("race", "1", "9001");
    let theirs = invoice_mapping("race", "2", "9001");
    let (a, b) = {
        let (ours, theirs) = (ours.clone(), theirs.clone());
        tokio::join!(
            tokio::spawn(async move { first.put_mapping(&ours).await }),
            tokio::spawn(async move { second.put_mapping(&theirs).await }),
        )
    };
    let results = [a.expect("task a"), b.expect("task b")];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(m)) if m.contains("9001"))),
        "{results:?}"
    );
}

/// Two workers both saw an intent at version 1 and both try to move it: one transition wins,
/// the other is told to re-read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_intent_transitions_from_one_version_let_one_through() {
    let file = TempDb::new("race-intent");
    let first = SqliteStore::open(file.path()).expect("first connection");
    let second = SqliteStore::open(file.path()).expect("second connection");
    let key = IntentKey {
        connection: connection("race"),
        record_type: RecordType::Payment,
        invoiced_id: "5".into(),
        operation: Operation::Create,
    };
    let begun = first
        .begin_intent(&fresh_intent(&key))
        .await
        .expect("begin");
    let succeeded = IntentState::Succeeded {
        intacct_key: "77".into(),
    };
    let (a, b) = {
        let (from1, from2, done) = (begun.clone(), begun.clone(), succeeded.clone());
        tokio::join!(
            tokio::spawn(async move { first.transition_intent(&from1, done, 0, t0()).await }),
            tokio::spawn(async move {
                second
                    .transition_intent(&from2, IntentState::UnknownOutcome, 0, t0())
                    .await
            }),
        )
    };
    let results = [a.expect("task a"), b.expect("task b")];
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert_eq!(winners[0].version, 2);
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(_))))
    );
}

/// Two processes share one connection's Intacct concurrency bound through the file.
#[tokio::test]
async fn lease_slots_are_shared_by_every_connection_to_the_file() {
    let file = TempDb::new("leases");
    let runner = SqliteStore::open(file.path()).expect("runner");
    let cli = SqliteStore::open(file.path()).expect("cli");
    let c = connection("acme");
    let ttl = Duration::from_secs(60);
    let held = runner
        .try_acquire_lease(&c, 1, "runner", ttl, t0())
        .await
        .expect("acquire");
    assert!(held.is_some());
    assert_eq!(
        cli.try_acquire_lease(&c, 1, "cli", ttl, t0())
            .await
            .expect("acquire"),
        None
    );
    let after_expiry = t0() + ChronoDuration::seconds(60);
    let taken = cli
        .try_acquire_lease(&c, 1, "cli", ttl, after_expiry)
        .await
        .expect("acquire");
    assert_eq!(taken.map(|l| l.holder), Some("cli".to_owned()));
}

/// Expired event ids and leases are deleted by the purge; live ones stay.
#[tokio::test]
async fn purging_removes_only_expired_rows() {
    let store = SqliteStore::open_in_memory().expect("open");
    let c = connection("acme");
    store.finish_event(&c, "old", t0()).await.expect("remember");
    store
        .finish_event(&c, "fresh", t0() + ChronoDuration::hours(72))
        .await
        .expect("remember");
    store
        .try_acquire_lease(&c, 1, "crashed", Duration::from_secs(30), t0())
        .await
        .expect("acquire");
    let later = t0() + ChronoDuration::hours(1);
    assert_eq!(store.purge_expired(later).await.expect("purge"), 2);
    assert_eq!(store.purge_expired(later).await.expect("purge again"), 0);
    assert_eq!(
        store
            .claim_event(&c, "fresh", "redelivery", later, later)
            .await
            .expect("seen"),
        EventClaim::Handled
    );
}

/// A file of schema version 1 opens migrated: its intents (written before claims and
/// locators) read as lapsed claims without a locator, its handled events stay handled.
#[tokio::test]
async fn a_version_1_file_is_migrated_in_place() {
    let file = TempDb::new("v1");
    {
        let raw = rusqlite::Connection::open(file.path()).expect("raw open");
        raw.execute_batch(crate::adapters::sqlite::schema::V1)
            .expect("v1 schema");
        raw.pragma_update(None, "user_version", 1).expect("v1");
        raw.execute(
            "INSERT INTO intents VALUES ('acme', 'payment', '5', 'create', 0, '{\"state\":\"in_flight\"}', 3, 0)",
            [],
        )
        .expect("v1 intent");
        let later = (t0() + ChronoDuration::hours(72))
            .timestamp_nanos_opt()
            .expect("in range");
        raw.execute("INSERT INTO events VALUES ('acme', 'evt-1', ?1)", [later])
            .expect("v1 event");
    }
    let store = SqliteStore::open(file.path()).expect("migrate");
    let key = IntentKey {
        connection: connection("acme"),
        record_type: RecordType::Payment,
        invoiced_id: "5".into(),
        operation: Operation::Create,
    };
    let intent = store.get_intent(&key).await.expect("read").expect("kept");
    assert_eq!(
        (intent.state.clone(), intent.version, intent.locator.clone()),
        (
            IntentState::InFlight {
                owner: String::new(),
                until: None
            },
            3,
            None
        )
    );
    assert!(
        !intent.state.claimed_at(t0()),
        "an old in-flight intent is a lapsed claim"
    );
    assert_eq!(
        store
            .claim_event(&connection("acme"), "evt-1", "h", t0(), t0())
            .await
            .expect("claim"),
        EventClaim::Handled
    );
}

/// A file written by a newer release is refused instead of being misread or "migrated" back.
#[tokio::test]
async fn a_file_from_a_newer_release_is_refused() {
    let file = TempDb::new("newer");
    drop(SqliteStore::open(file.path()).expect("create"));
    {
        let raw = rusqlite::Connection::open(file.path()).expect("raw open");
        let version: i64 = raw
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("read version");
        assert_eq!(version, i64::try_from(CURRENT_VERSION).expect("small"));
        raw.pragma_update(None, "user_version", version + 1)
            .expect("bump");
    }
    let refused = SqliteStore::open(file.path());
    assert!(
        matches!(&refused, Err(StoreError::Unavailable(m)) if m.contains("newer")),
        "{refused:?}"
    );
}

/// A row damaged outside the adapter is reported as an unavailable store, not a panic or a
/// silently wrong value.
#[tokio::test]
async fn a_damaged_row_is_reported_not_trusted() {
    let file = TempDb::new("damaged");
    let store = SqliteStore::open(file.path()).expect("open");
    let c = connection("acme");
    store
        .put_mapping(&invoice_mapping("acme", "1", "100"))
        .await
        .expect("mapping");
    {
        let raw = rusqlite::Connection::open(file.path()).expect("raw open");
        raw.execute("UPDATE mappings SET origin = 'somewhere'", [])
            .expect("damage");
    }
    let read = store
        .mapping_by_invoiced(&c, RecordType::Invoice, "1")
        .await;
    assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    assert_eq!(
        store
            .count_mappings(&c, RecordType::Invoice)
            .await
            .expect("the store stays usable"),
        1
    );
}
