//! When Intacct says no: configuration problems become reconciliation errors with the fix, and
//! succeed on retry once fixed; throttling and lost answers are retried without duplicates.

mod common;

use common::{World, customer, invoice, line, payment, pays};
use invoiced::models::Metadata;
use rust_decimal_macros::dec;
use sandbox::intacct::SettingsPatch;
use sandbox::intacct::{Fields, ObjectKind, SummaryFrequency, TimeoutMode};
use sync_engine::config::RecordType;
use sync_engine::config::{Deposit, PaymentRoute, RouteMatch};
use sync_engine::engine::Outcome;
use sync_engine::model::{ErrorFilter, ErrorStatus, Operation, WorkItem};
use sync_engine::ports::{ConfigStore, ReconciliationStore};

async fn open_errors(world: &World) -> Vec<sync_engine::model::ReconciliationError> {
    world
        .store
        .list_errors(
            &world.conn,
            &ErrorFilter {
                status: Some(ErrorStatus::Open),
                ..ErrorFilter::default()
            },
        )
        .await
        .expect("errors")
}

/// What an operator's "retry" does: the record goes back on the queue.
async fn operator_retry(world: &World, record_type: RecordType, invoiced_id: String) {
    world
        .engine
        .requeue(
            WorkItem {
                connection: world.conn.clone(),
                record_type,
                invoiced_id,
                operation: Operation::Create,
            },
            sync_engine::catalogue::Code::SyncOperatorRetry,
            std::time::Duration::ZERO,
        )
        .await
        .expect("requeue");
}

#[tokio::test]
async fn a_missing_payment_batch_key_is_an_error_with_its_fix_and_a_retry_succeeds_once_fixed() {
    let world = World::start(|_| {}).await;
    world
        .intacct
        .handle
        .set_payment_summary_frequency(SummaryFrequency::UserSpecified);
    let acme = customer(&world, "CUST-E1", "Batchless").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-E1",
        false,
        vec![line("Work", dec!(1), dec!(80), Metadata::new())],
    )
    .await;
    let paid = payment(&world, &acme, dec!(80), "usd", vec![pays(&inv, dec!(80))]).await;
    world.deliver_new_events().await;

    let errors = open_errors(&world).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.code, "INTACCT_PAYMENT_BATCH_KEY");
    assert!(
        error.message.contains("Please provide a payment batch key"),
        "{}",
        error.message
    );
    assert!(error.fix.contains("Daily or Monthly"), "{}", error.fix);
    assert_eq!(error.record_id, paid.id.to_string());

    world
        .intacct
        .handle
        .set_payment_summary_frequency(SummaryFrequency::Daily);
    operator_retry(&world, RecordType::Payment, paid.id.to_string()).await;
    let outcomes = world.drain_retries(3).await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::Written { .. }]),
        "{outcomes:?}"
    );
    assert!(
        open_errors(&world).await.is_empty(),
        "a later success resolves the error"
    );
    let resolved = world
        .store
        .get_error(&world.conn, &error.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.status, ErrorStatus::Resolved);
}

#[tokio::test]
async fn a_foreign_currency_payment_into_undeposited_funds_is_refused_until_it_has_a_bank_route() {
    let world = World::start(|c| {
        c.accounts.payment_routes = vec![PaymentRoute {
            currency: RouteMatch::Any,
            method: RouteMatch::Any,
            deposit: Deposit::UndepositedFunds("1200".into()),
        }];
    })
    .await;
    let acme = customer(&world, "CUST-E2", "Euro Buyer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-E2",
        false,
        vec![line("Work", dec!(1), dec!(50), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(&world, &acme, dec!(50), "eur", vec![pays(&inv, dec!(50))]).await;
    world.deliver_new_events().await;
    let errors = open_errors(&world).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "INTACCT_BL02000051");

    let mut config = world.store.get_config(&world.conn).await.unwrap().unwrap();
    config.accounts.payment_routes.insert(
        0,
        PaymentRoute {
            currency: RouteMatch::Exactly("eur".into()),
            method: RouteMatch::Any,
            deposit: Deposit::BankAccount("BOA".into()),
        },
    );
    config.validate().expect("valid");
    world.store.put_config(&config).await.unwrap();
    operator_retry(&world, RecordType::Payment, paid.id.to_string()).await;
    world.drain_retries(3).await;
    assert!(open_errors(&world).await.is_empty());
    let posted = world.intacct_records(ObjectKind::ArPayment);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].fields["FINANCIALENTITY"], "BOA");
}

#[tokio::test]
async fn a_document_number_already_used_in_intacct_is_a_numbering_collision() {
    let world = World::start(|_| {}).await;
    let intacct_customer = world
        .intacct
        .handle
        .insert_customer("CUST-OTHER", "Someone Else");
    let _ = intacct_customer;
    let taken: Fields = [
        ("RECORDID", "INV-E3"),
        ("CUSTOMERID", "CUST-OTHER"),
        ("RECORDTYPE", "ri"),
        ("STATE", "Posted"),
        ("TOTALENTERED", "5.00"),
        ("TOTALDUE", "5.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let other = world
        .intacct
        .handle
        .insert_record(ObjectKind::ArInvoice, taken);
    let acme = customer(&world, "CUST-E3", "Collider").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-E3",
        false,
        vec![line("Work", dec!(1), dec!(10), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let errors = open_errors(&world).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "INTACCT_NUMBERING_COLLISION");
    assert!(
        errors[0].fix.contains("auto-numbering"),
        "{}",
        errors[0].fix
    );

    // The operator renumbers the other document in Intacct, then retries.
    let renumbered: Fields = [("RECORDID".to_owned(), "LEGACY-INV-E3".to_owned())]
        .into_iter()
        .collect();
    assert!(
        world
            .intacct
            .handle
            .edit_record(ObjectKind::ArInvoice, other, renumbered)
    );
    operator_retry(&world, RecordType::Invoice, inv.id.to_string()).await;
    world.drain_retries(3).await;
    assert!(open_errors(&world).await.is_empty());
    assert_eq!(world.intacct_records(ObjectKind::ArInvoice).len(), 2);
}

#[tokio::test]
async fn a_throttling_storm_is_retried_with_growing_delays_and_writes_once() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-E4", "Storm Co").await;
    world.deliver_new_events().await;
    world.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    invoice(
        &world,
        &acme,
        "INV-E4",
        false,
        vec![line("Work", dec!(1), dec!(20), Metadata::new())],
    )
    .await;
    let replies = world.deliver_new_events().await;
    assert!(
        replies.iter().any(|r| r.body["status"] == "queued"),
        "{replies:?}"
    );

    let mut ceilings = Vec::new();
    for _ in 0..4 {
        let batch = world.queue.drain();
        assert_eq!(batch.len(), 1);
        let (message, delay) = &batch[0];
        assert_eq!(message.reason, "INTACCT_THROTTLED");
        ceilings.push((message.attempt, *delay));
        world.engine.handle_retry(message).await.expect("handled");
    }
    let attempts: Vec<u32> = ceilings.iter().map(|(a, _)| *a).collect();
    assert_eq!(attempts, [2, 3, 4, 5], "each retry counts");
    assert!(
        ceilings
            .iter()
            .all(|(a, d)| *d <= sync_engine::retry::RetryPolicy::default().ceiling(a - 1))
    );

    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    world.drain_retries(3).await;
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice).len(),
        1,
        "written exactly once"
    );
    assert!(open_errors(&world).await.is_empty());
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_probed_not_posted_again() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-E5", "Lost Answer").await;
    world.deliver_new_events().await;
    world
        .intacct
        .handle
        .update_settings(SettingsPatch {
            timeout_rate: Some(1.0),
            timeout_mode: Some(TimeoutMode::Status524),
            ..SettingsPatch::default()
        })
        .expect("settings");
    invoice(
        &world,
        &acme,
        "INV-E5",
        false,
        vec![line("Work", dec!(1), dec!(30), Metadata::new())],
    )
    .await;
    let replies = world.deliver_new_events().await;
    assert!(
        replies
            .iter()
            .any(|r| r.body["reason"] == "INTACCT_UNKNOWN_OUTCOME"),
        "{replies:?}"
    );
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice).len(),
        1,
        "the write took effect"
    );

    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    let outcomes = world.drain_retries(3).await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::Written { .. }]),
        "{outcomes:?}"
    );
    assert_eq!(
        world.intacct.handle.function_calls("create_invoice"),
        1,
        "never re-posted"
    );
    assert_eq!(world.intacct_records(ObjectKind::ArInvoice).len(), 1);
}

#[tokio::test]
async fn concurrent_webhooks_stay_within_the_companys_two_request_limit() {
    let world = World::start(|_| {}).await;
    world.intacct.handle.set_latency_ms(150);
    let acme = customer(&world, "CUST-E6", "Busy Co").await;
    world.deliver_new_events().await;
    for n in 0..6 {
        invoice(
            &world,
            &acme,
            &format!("INV-E6-{n}"),
            false,
            vec![line("Work", dec!(1), dec!(5), Metadata::new())],
        )
        .await;
    }
    let events = world.new_events();
    let replies = futures::future::join_all(events.iter().map(|e| world.deliver(e))).await;
    assert!(
        replies.iter().all(|r| r.body["status"] == "written"),
        "every write went through without being throttled: {replies:?}"
    );
    assert_eq!(world.intacct_records(ObjectKind::ArInvoice).len(), 6);
}

#[tokio::test]
async fn a_message_delivered_before_its_not_before_is_queued_again_for_the_rest_of_the_wait() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-E7", "Patient Co").await;
    let message = sync_engine::model::RetryMessage {
        work: WorkItem {
            connection: world.conn.clone(),
            record_type: RecordType::Customer,
            invoiced_id: acme.id.to_string(),
            operation: Operation::Create,
        },
        attempt: 6,
        reason: "INTACCT_THROTTLED".into(),
        // A 40-minute wait: longer than one 15-minute SQS hop.
        not_before: Some(chrono::Utc::now() + chrono::Duration::minutes(40)),
    };
    let outcome = world.engine.handle_retry(&message).await.expect("handled");
    assert!(matches!(outcome, Outcome::Queued { .. }), "{outcome:?}");
    let queued = world.queue.drain();
    assert_eq!(queued.len(), 1);
    let (again, hop) = &queued[0];
    assert_eq!(
        *hop,
        sync_engine::retry::SQS_MAX_DELAY,
        "one full hop, then another"
    );
    assert_eq!(again.attempt, 6, "waiting is not an attempt");
    assert_eq!(
        world.intacct.handle.requests_total(),
        0,
        "Intacct not called early"
    );
}
