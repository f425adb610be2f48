//! The behaviour every [`Store`] adapter promises, as one executable suite. The memory, SQLite
//! and DynamoDB adapters all run it, so the engine can rely on the same semantics everywhere.
//!
//! Each check uses its own connection id, so the suite can run against a shared table.

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, TimeZone, Utc};
use std::time::Duration;

use crate::config::{ConnectionConfig, ConnectionId, RecordType};
use crate::model::{
    CursorState, Dependency, Direction, ErrorFilter, ErrorStatus, IntentKey, IntentState,
    KeysetPosition, Mapping, NewReconciliationError, Operation, Origin, RecordLocator, WorkItem,
    WriteIntent,
};
use crate::ports::{EventClaim, Store, StoreError};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn conn(name: &str) -> ConnectionId {
    let unique = format!("{name}-{}", std::process::id());
    ConnectionId::parse(&unique).expect("valid test connection id")
}

fn mapping(connection: &ConnectionId, invoiced: &str, intacct: &str) -> Mapping {
    Mapping {
        connection: connection.clone(),
        record_type: RecordType::Invoice,
        invoiced_id: invoiced.into(),
        intacct_key: intacct.into(),
        intacct_number: Some(format!("INV-{invoiced}")),
        origin: Origin::Invoiced,
        source_version: None,
        updated_at: t0(),
    }
}

/// Runs every check against `store`.
pub async fn run_all(store: &dyn Store) {
    configs_round_trip(store).await;
    mappings_are_unique_both_ways(store).await;
    intents_transition_only_from_the_expected_version(store).await;
    reconciliation_errors_upsert_and_list_newest_first(store).await;
    cursors_are_versioned(store).await;
    events_are_claimed_once_and_remembered_until_they_expire(store).await;
    leases_bound_concurrency_and_expire(store).await;
    parked_work_is_released_once(store).await;
}

/// A stored configuration comes back equal.
pub async fn configs_round_trip(store: &dyn Store) {
    let id = conn("cfg");
    let config = ConnectionConfig::from_json(&format!(
        r#"{{"id":"{id}","intacct":{{"company_id":"ACME"}},"flows":{{"read":{{"customers":true}}}}}}"#
    ))
    .expect("valid config");
    store.put_config(&config).await.expect("put config");
    assert_eq!(
        store.get_config(&id).await.expect("get"),
        Some(config.clone())
    );
    let listed = store.list_configs().await.expect("list");
    assert!(listed.contains(&config));
    assert_eq!(
        store.get_config(&conn("cfg-none")).await.expect("get"),
        None
    );
}

/// One Invoiced record maps to one Intacct record and back; re-putting the same pair is fine.
pub async fn mappings_are_unique_both_ways(store: &dyn Store) {
    let c = conn("map");
    store
        .put_mapping(&mapping(&c, "1", "100"))
        .await
        .expect("first mapping");
    let mut updated = mapping(&c, "1", "100");
    updated.intacct_number = Some("INV-renumbered".into());
    store.put_mapping(&updated).await.expect("same pair again");
    let got = store
        .mapping_by_intacct(&c, RecordType::Invoice, "100")
        .await
        .expect("lookup")
        .expect("mapped");
    assert_eq!(got.invoiced_id, "1");
    assert_eq!(got.intacct_number.as_deref(), Some("INV-renumbered"));

    let same_invoiced = store.put_mapping(&mapping(&c, "1", "200")).await;
    assert!(
        matches!(same_invoiced, Err(StoreError::Conflict(_))),
        "{same_invoiced:?}"
    );
    let same_intacct = store.put_mapping(&mapping(&c, "2", "100")).await;
    assert!(
        matches!(same_intacct, Err(StoreError::Conflict(_))),
        "{same_intacct:?}"
    );
    // The failed puts left nothing behind.
    assert!(
        store
            .mapping_by_intacct(&c, RecordType::Invoice, "200")
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        store
            .mapping_by_invoiced(&c, RecordType::Invoice, "2")
            .await
            .expect("lookup")
            .is_none()
    );
    // Record types are separate namespaces.
    let mut customer = mapping(&c, "1", "100");
    customer.record_type = RecordType::Customer;
    store
        .put_mapping(&customer)
        .await
        .expect("customer 1 ↔ 100");
    assert_eq!(
        store
            .count_mappings(&c, RecordType::Invoice)
            .await
            .expect("count"),
        1
    );
}

fn intent(key: &IntentKey, state: IntentState) -> WriteIntent {
    WriteIntent {
        key: key.clone(),
        generation: 0,
        state,
        version: 1,
        updated_at: t0(),
        locator: Some(RecordLocator {
            object: "ARPYMT".into(),
            field: "DOCNUMBER".into(),
            value: "Invoiced ID: 77".into(),
        }),
    }
}

/// Intents are created once (insert-if-absent, even by racing callers), keep their locator, and
/// move only from the version the caller saw.
pub async fn intents_transition_only_from_the_expected_version(store: &dyn Store) {
    let key = IntentKey {
        connection: conn("intent"),
        record_type: RecordType::Payment,
        invoiced_id: "77".into(),
        operation: Operation::Create,
    };
    assert!(store.get_intent(&key).await.expect("get").is_none());
    let claim = |owner: &str| IntentState::claimed(owner, t0() + ChronoDuration::minutes(5));
    // Racing begins: exactly one claim is stored, and every caller sees that one.
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let fresh = intent(&key, claim(&format!("owner-{i}")));
            async move { store.begin_intent(&fresh).await.expect("begin") }
        })
        .collect();
    let seen = futures::future::join_all(racers).await;
    let first = seen[0].clone();
    assert!(seen.iter().all(|i| *i == first), "{seen:?}");
    assert_eq!((first.version, first.generation), (1, 0));
    assert!(first.state.claimed_at(t0()));
    assert_eq!(first.locator, intent(&key, claim("x")).locator);

    let moved = store
        .transition_intent(&first, IntentState::UnknownOutcome, 0, t0())
        .await
        .expect("1 → 2");
    assert_eq!(moved.version, 2);
    assert_eq!(
        moved.locator, first.locator,
        "the locator survives transitions"
    );
    // A second begin sees the earlier attempt instead of starting afresh.
    let again = store
        .begin_intent(&intent(&key, claim("late")))
        .await
        .expect("begin again");
    assert_eq!(again.state, IntentState::UnknownOutcome);
    let stale = store
        .transition_intent(&first, claim("stale"), 0, t0())
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    // Racing transitions from one version: exactly one wins.
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let from = moved.clone();
            async move {
                store
                    .transition_intent(&from, claim(&format!("taker-{i}")), 0, t0())
                    .await
            }
        })
        .collect();
    let results = futures::future::join_all(racers).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let taken = results
        .into_iter()
        .find_map(Result::ok)
        .expect("one transition won");
    let done = store
        .transition_intent(
            &taken,
            IntentState::Succeeded {
                intacct_key: "9001".into(),
            },
            1,
            t0(),
        )
        .await
        .expect("3 → 4");
    assert_eq!(done.generation, 1);
    assert_eq!(store.get_intent(&key).await.expect("get"), Some(done));
}

/// One error per record: attempts accumulate, listing is newest first and filterable, an
/// ignored error stays ignored and a resolved one reopens when the record fails again.
pub async fn reconciliation_errors_upsert_and_list_newest_first(store: &dyn Store) {
    let c = conn("errors");
    let new = |record_id: &str, code: &str| NewReconciliationError {
        connection: c.clone(),
        direction: Direction::Write,
        record_type: RecordType::Payment,
        record_id: record_id.into(),
        operation: Operation::Create,
        code: code.into(),
        message: "Please provide a payment batch key".into(),
        fix: "Set the AR payment summary frequency to daily or monthly".into(),
    };
    let first = store
        .record_error(new("1", "A"), t0())
        .await
        .expect("record");
    assert_eq!((first.attempts, first.status), (1, ErrorStatus::Open));
    let second = store
        .record_error(new("1", "B"), t0() + ChronoDuration::minutes(5))
        .await
        .expect("record again");
    assert_eq!(second.attempts, 2);
    assert_eq!(second.code, "B");
    assert_eq!(second.first_seen, t0());
    store
        .record_error(new("2", "A"), t0() + ChronoDuration::minutes(10))
        .await
        .expect("another record");

    let all = store
        .list_errors(&c, &ErrorFilter::default())
        .await
        .expect("list");
    let ids: Vec<_> = all.iter().map(|e| e.record_id.as_str()).collect();
    assert_eq!(ids, ["2", "1"], "newest first");
    let only_a = ErrorFilter {
        code: Some("A".into()),
        ..ErrorFilter::default()
    };
    assert_eq!(store.list_errors(&c, &only_a).await.expect("list").len(), 1);

    store
        .set_error_status(&c, &first.id, ErrorStatus::Ignored, t0())
        .await
        .expect("ignore");
    let after_ignore = store
        .record_error(new("1", "B"), t0() + ChronoDuration::minutes(20))
        .await
        .expect("record while ignored");
    assert_eq!(after_ignore.status, ErrorStatus::Ignored);
    store
        .set_error_status(&c, &first.id, ErrorStatus::Resolved, t0())
        .await
        .expect("resolve");
    let reopened = store
        .record_error(new("1", "B"), t0() + ChronoDuration::minutes(30))
        .await
        .expect("record after resolve");
    assert_eq!(reopened.status, ErrorStatus::Open);
    let missing = store
        .set_error_status(&c, "write-payment-404", ErrorStatus::Ignored, t0())
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

/// A cursor write must name the version it replaces, so a stale poller cannot move it back.
pub async fn cursors_are_versioned(store: &dyn Store) {
    let c = conn("cursor");
    let initial = store.get_cursor(&c, "customer").await.expect("get");
    assert_eq!(initial, CursorState::default());
    let position = KeysetPosition {
        when_modified: NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("valid"),
        record_no: 42,
    };
    let next = CursorState {
        committed: Some(position),
        last_sync_at: Some(t0()),
        version: 1,
    };
    store
        .put_cursor(&c, "customer", &next)
        .await
        .expect("v0 → v1");
    assert_eq!(store.get_cursor(&c, "customer").await.expect("get"), next);
    let stale = store.put_cursor(&c, "customer", &next).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(
        store.get_cursor(&c, "invoice").await.expect("get"),
        CursorState::default(),
        "streams are independent"
    );
}

/// A webhook event is claimed by exactly one of any number of concurrent deliveries; a lapsed
/// claim (its holder died) or a released one is claimed again; a handled event is remembered
/// until its expiry and forgotten after.
pub async fn events_are_claimed_once_and_remembered_until_they_expire(store: &dyn Store) {
    let c = conn("events");
    let lapse = t0() + ChronoDuration::seconds(60);
    let racers: Vec<_> = (0..16)
        .map(|i| {
            let c = c.clone();
            async move {
                store
                    .claim_event(&c, "evt-1", &format!("holder-{i}"), lapse, t0())
                    .await
                    .expect("claim")
            }
        })
        .collect();
    let claims = futures::future::join_all(racers).await;
    assert_eq!(
        claims.iter().filter(|c| **c == EventClaim::Claimed).count(),
        1,
        "{claims:?}"
    );
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, EventClaim::Claimed | EventClaim::InProgress)),
        "{claims:?}"
    );
    // Its holder died: after the claim lapses, a redelivery takes it over.
    assert_eq!(
        store
            .claim_event(
                &c,
                "evt-1",
                "redelivery",
                lapse + ChronoDuration::hours(1),
                lapse
            )
            .await
            .expect("claim"),
        EventClaim::Claimed
    );
    // Only the holder can release it; released, it is claimable at once.
    store
        .release_event(&c, "evt-1", "holder-0")
        .await
        .expect("release by a stranger");
    assert_eq!(
        store
            .claim_event(
                &c,
                "evt-1",
                "other",
                lapse,
                t0() + ChronoDuration::seconds(61)
            )
            .await
            .expect("claim"),
        EventClaim::InProgress
    );
    store
        .release_event(&c, "evt-1", "redelivery")
        .await
        .expect("release");
    assert_eq!(
        store
            .claim_event(
                &c,
                "evt-1",
                "third",
                lapse + ChronoDuration::seconds(5),
                t0()
            )
            .await
            .expect("claim"),
        EventClaim::Claimed
    );
    store
        .finish_event(&c, "evt-1", t0() + ChronoDuration::hours(72))
        .await
        .expect("finish");
    assert_eq!(
        store
            .claim_event(&c, "evt-1", "late", lapse, t0() + ChronoDuration::hours(48))
            .await
            .expect("claim"),
        EventClaim::Handled
    );
    store
        .release_event(&c, "evt-1", "third")
        .await
        .expect("release after handled");
    assert_eq!(
        store
            .claim_event(&c, "evt-1", "late", lapse, t0() + ChronoDuration::hours(48))
            .await
            .expect("claim"),
        EventClaim::Handled,
        "a handled event is not released"
    );
    assert_eq!(
        store
            .claim_event(
                &c,
                "evt-1",
                "much-later",
                t0() + ChronoDuration::hours(74),
                t0() + ChronoDuration::hours(73)
            )
            .await
            .expect("claim"),
        EventClaim::Claimed,
        "forgotten after its expiry"
    );
    assert_eq!(
        store
            .claim_event(&conn("events-other"), "evt-1", "x", lapse, t0())
            .await
            .expect("claim"),
        EventClaim::Claimed,
        "connections are separate"
    );
}

/// At most `slots` holders at once; a crashed holder's slot frees itself at expiry; only the
/// holder can release.
pub async fn leases_bound_concurrency_and_expire(store: &dyn Store) {
    let c = conn("lease");
    let ttl = Duration::from_secs(30);
    let a = store
        .try_acquire_lease(&c, 2, "a", ttl, t0())
        .await
        .expect("a")
        .expect("slot for a");
    let b = store
        .try_acquire_lease(&c, 2, "b", ttl, t0())
        .await
        .expect("b")
        .expect("slot for b");
    assert_ne!(a.slot, b.slot);
    assert!(
        store
            .try_acquire_lease(&c, 2, "c", ttl, t0())
            .await
            .expect("c")
            .is_none()
    );
    // Someone else's release does nothing.
    let forged = crate::ports::Lease {
        holder: "mallory".into(),
        ..a.clone()
    };
    store.release_lease(&forged).await.expect("release");
    assert!(
        store
            .try_acquire_lease(&c, 2, "c", ttl, t0())
            .await
            .expect("c")
            .is_none()
    );
    store.release_lease(&a).await.expect("release a");
    let c_lease = store
        .try_acquire_lease(&c, 2, "c", ttl, t0())
        .await
        .expect("c")
        .expect("freed slot");
    assert_eq!(c_lease.slot, a.slot);
    // b crashes and never releases: after its ttl the slot is free again.
    let later = t0() + ChronoDuration::seconds(31);
    let d = store
        .try_acquire_lease(&c, 2, "d", ttl, later)
        .await
        .expect("d");
    assert!(d.is_some(), "expired leases are reclaimed");
}

/// Parked work waits for its dependency, is kept once, and is handed out once.
pub async fn parked_work_is_released_once(store: &dyn Store) {
    let c = conn("park");
    let dependency = Dependency {
        record_type: RecordType::Invoice,
        invoiced_id: "10".into(),
    };
    let work = WorkItem {
        connection: c.clone(),
        record_type: RecordType::Payment,
        invoiced_id: "20".into(),
        operation: Operation::Create,
    };
    store
        .park(&dependency, &work, "invoice 10 not in Intacct", t0())
        .await
        .expect("park");
    store
        .park(&dependency, &work, "again", t0())
        .await
        .expect("park twice");
    assert_eq!(store.count_parked(&c).await.expect("count"), 1);
    assert_eq!(
        store.take_parked(&c, &dependency).await.expect("take"),
        vec![work]
    );
    assert!(
        store
            .take_parked(&c, &dependency)
            .await
            .expect("take")
            .is_empty()
    );
    assert_eq!(store.count_parked(&c).await.expect("count"), 0);
}
