//! Races and expiry on the DynamoDB store, against moto: the guarantees that rest on DynamoDB's
//! conditional writes rather than on a lock.

mod support;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use std::collections::HashSet;
use std::time::Duration;
use sync_aws::dynamodb::{DynamoStore, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{
    Dependency, IntentKey, IntentState, Mapping, Operation, Origin, WorkItem, WriteIntent,
};
use sync_engine::ports::{
    EventClaim, EventLog, IntentStore, LeaseStore, MappingStore, ParkingStore, StoreError,
};

async fn fresh_store() -> (DynamoStore, Client) {
    let client = Client::new(&support::sdk_config().await);
    let table = support::unique_name("sync-races");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("create table on moto");
    (DynamoStore::new(client.clone(), table), client)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn connection(name: &str) -> ConnectionId {
    ConnectionId::parse(name).expect("valid connection id")
}

fn mapping(connection: &ConnectionId, invoiced: &str, intacct: &str) -> Mapping {
    Mapping {
        connection: connection.clone(),
        record_type: RecordType::Invoice,
        invoiced_id: invoiced.into(),
        intacct_key: intacct.into(),
        intacct_number: None,
        origin: Origin::Invoiced,
        source_version: None,
        updated_at: t0(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_mapping_one_invoice_to_different_intacct_keys_cannot_both_win() {
    let (store, _) = fresh_store().await;
    for round in 0..10 {
        let c = connection(&format!("race-{round}"));
        let first = tokio::spawn({
            let (store, m) = (store.clone(), mapping(&c, "1", "A"));
            async move { store.put_mapping(&m).await }
        });
        let second = tokio::spawn({
            let (store, m) = (store.clone(), mapping(&c, "1", "B"));
            async move { store.put_mapping(&m).await }
        });
        let results = [
            first.await.expect("task ran"),
            second.await.expect("task ran"),
        ];
        let winners: Vec<_> = ["A", "B"]
            .into_iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(key, _)| key)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(StoreError::Conflict(_)))),
            "round {round}: the loser sees a conflict: {results:?}"
        );
        let stored = store
            .mapping_by_invoiced(&c, RecordType::Invoice, "1")
            .await
            .expect("read")
            .expect("mapped");
        assert_eq!(stored.intacct_key, winners[0]);
        let loser = if winners[0] == "A" { "B" } else { "A" };
        assert_eq!(
            store
                .mapping_by_intacct(&c, RecordType::Invoice, loser)
                .await
                .expect("read"),
            None,
            "round {round}: the losing claim left nothing behind"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_invoices_racing_for_one_intacct_record_cannot_both_claim_it() {
    let (store, _) = fresh_store().await;
    for round in 0..10 {
        let c = connection(&format!("claim-{round}"));
        let first = tokio::spawn({
            let (store, m) = (store.clone(), mapping(&c, "1", "K"));
            async move { store.put_mapping(&m).await }
        });
        let second = tokio::spawn({
            let (store, m) = (store.clone(), mapping(&c, "2", "K"));
            async move { store.put_mapping(&m).await }
        });
        let results = [
            first.await.expect("task ran"),
            second.await.expect("task ran"),
        ];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert_eq!(
            store
                .count_mappings(&c, RecordType::Invoice)
                .await
                .expect("count"),
            1
        );
    }
}

#[tokio::test]
async fn ids_containing_the_key_separator_stay_distinct() {
    let (store, _) = fresh_store().await;
    let c = connection("separator");
    store
        .put_mapping(&mapping(&c, "1#INT#2", "100%23"))
        .await
        .expect("odd ids map");
    store
        .put_mapping(&mapping(&c, "1", "2"))
        .await
        .expect("plain ids do not collide with the escaped ones");
    let odd = store
        .mapping_by_intacct(&c, RecordType::Invoice, "100%23")
        .await
        .expect("read")
        .expect("mapped");
    assert_eq!(odd.invoiced_id, "1#INT#2");
    assert_eq!(
        store
            .mapping_by_intacct(&c, RecordType::Invoice, "100#")
            .await
            .expect("read"),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_intent_transitions_from_one_version_have_exactly_one_winner() {
    let (store, _) = fresh_store().await;
    let key = IntentKey {
        connection: connection("intent-race"),
        record_type: RecordType::Payment,
        invoiced_id: "42".into(),
        operation: Operation::Create,
    };
    let begun = store
        .begin_intent(&WriteIntent {
            key: key.clone(),
            generation: 0,
            state: IntentState::claimed("test", t0() + ChronoDuration::minutes(5)),
            version: 1,
            updated_at: t0(),
            locator: None,
        })
        .await
        .expect("begin");
    let tasks: Vec<_> = (0..5)
        .map(|writer| {
            let (store, from) = (store.clone(), begun.clone());
            tokio::spawn(async move {
                let state = IntentState::Succeeded {
                    intacct_key: format!("key-{writer}"),
                };
                store.transition_intent(&from, state, 0, t0()).await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(intent) => winners.push(intent),
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(winners[0].version, begun.version + 1);
    assert_eq!(
        store.get_intent(&key).await.expect("read"),
        Some(winners[0].clone())
    );

    let missing = WriteIntent {
        key: IntentKey {
            invoiced_id: "never-begun".into(),
            ..key
        },
        ..begun
    };
    let result = store
        .transition_intent(&missing, IntentState::UnknownOutcome, 0, t0())
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
}

#[tokio::test]
async fn a_lease_frees_itself_at_expiry_and_a_late_release_cannot_free_the_new_holder() {
    let (store, _) = fresh_store().await;
    let c = connection("lease-expiry");
    let ttl = Duration::from_secs(10);
    let crashed = store
        .try_acquire_lease(&c, 1, "crashed", ttl, t0())
        .await
        .expect("acquire")
        .expect("free slot");
    let halfway = t0() + ChronoDuration::seconds(5);
    assert_eq!(
        store
            .try_acquire_lease(&c, 1, "early", ttl, halfway)
            .await
            .expect("acquire"),
        None,
        "held until expiry"
    );
    let at_expiry = t0() + ChronoDuration::seconds(10);
    let successor = store
        .try_acquire_lease(&c, 1, "successor", ttl, at_expiry)
        .await
        .expect("acquire")
        .expect("expired slot is reclaimed");
    assert_eq!(successor.slot, crashed.slot);

    // The crashed holder wakes up and releases: the successor keeps the slot.
    store.release_lease(&crashed).await.expect("late release");
    assert_eq!(
        store
            .try_acquire_lease(&c, 1, "third", ttl, at_expiry + ChronoDuration::seconds(1))
            .await
            .expect("acquire"),
        None
    );
    store.release_lease(&successor).await.expect("release");
    assert!(
        store
            .try_acquire_lease(&c, 1, "third", ttl, at_expiry)
            .await
            .expect("acquire")
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_acquirers_never_exceed_the_slot_count() {
    let (store, _) = fresh_store().await;
    let c = connection("lease-race");
    let tasks: Vec<_> = (0..6)
        .map(|holder| {
            let (store, c) = (store.clone(), c.clone());
            tokio::spawn(async move {
                store
                    .try_acquire_lease(&c, 2, &format!("h{holder}"), Duration::from_secs(60), t0())
                    .await
            })
        })
        .collect();
    let mut slots = Vec::new();
    for task in tasks {
        if let Some(lease) = task.await.expect("task ran").expect("acquire") {
            slots.push(lease.slot);
        }
    }
    slots.sort_unstable();
    assert_eq!(slots, [0, 1], "exactly the two slots, each once");
}

#[tokio::test]
async fn an_event_is_forgotten_at_its_expiry_even_before_ttl_deletes_it() {
    let (store, client) = fresh_store().await;
    let c = connection("events-ttl");
    let expires_at = t0() + ChronoDuration::hours(72) + ChronoDuration::milliseconds(250);
    store
        .finish_event(&c, "evt_1", expires_at)
        .await
        .expect("remember");

    let claim_at = |now: DateTime<Utc>| {
        let store = &store;
        let c = &c;
        async move {
            store
                .claim_event(
                    c,
                    "evt_1",
                    "redelivery",
                    now + ChronoDuration::seconds(60),
                    now,
                )
                .await
                .expect("claim")
        }
    };
    assert_eq!(
        claim_at(expires_at - ChronoDuration::nanoseconds(1)).await,
        EventClaim::Handled
    );
    assert_eq!(
        claim_at(expires_at).await,
        EventClaim::Claimed,
        "expiry is exclusive"
    );
    // Put it back as handled for the raw checks below.
    store
        .finish_event(&c, "evt_1", expires_at)
        .await
        .expect("remember");

    // The item is still there (TTL deletion is lazy, and moto never runs it), with a `ttl`
    // rounded up to whole seconds so DynamoDB never deletes it early.
    let item = client
        .get_item()
        .table_name(store.table_name())
        .key(
            PARTITION_KEY,
            AttributeValue::S(format!("CONN#{c}#EVENT#evt_1")),
        )
        .key(SORT_KEY, AttributeValue::S("EVENT".into()))
        .send()
        .await
        .expect("raw read")
        .item
        .expect("item still stored after its expiry");
    assert_eq!(
        item.get(TTL_ATTRIBUTE),
        Some(&AttributeValue::N((expires_at.timestamp() + 1).to_string()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_takers_of_parked_work_hand_each_item_out_once() {
    let (store, _) = fresh_store().await;
    let c = connection("park-race");
    let invoice = Dependency {
        record_type: RecordType::Invoice,
        invoiced_id: "10".into(),
    };
    let other_invoice = Dependency {
        invoiced_id: "100".into(),
        ..invoice.clone()
    };
    let payment = |id: u32| WorkItem {
        connection: c.clone(),
        record_type: RecordType::Payment,
        invoiced_id: id.to_string(),
        operation: Operation::Create,
    };
    for id in 0..6 {
        store
            .park(&invoice, &payment(id), "invoice 10 not in Intacct", t0())
            .await
            .expect("park");
    }
    store
        .park(
            &other_invoice,
            &payment(99),
            "invoice 100 not in Intacct",
            t0(),
        )
        .await
        .expect("park");

    let takers: Vec<_> = (0..2)
        .map(|_| {
            let (store, c, invoice) = (store.clone(), c.clone(), invoice.clone());
            tokio::spawn(async move { store.take_parked(&c, &invoice).await })
        })
        .collect();
    let mut handed_out = Vec::new();
    for taker in takers {
        handed_out.extend(taker.await.expect("task ran").expect("take"));
    }
    let distinct: HashSet<_> = handed_out.iter().cloned().collect();
    assert_eq!(handed_out.len(), 6, "{handed_out:?}");
    assert_eq!(distinct, (0..6).map(payment).collect());
    assert_eq!(
        store.count_parked(&c).await.expect("count"),
        1,
        "work parked on invoice 100 is not released by invoice 10"
    );
}
