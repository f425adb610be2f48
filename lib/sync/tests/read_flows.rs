//! Intacct → Invoiced: the poll brings customers, Order Entry invoices and returns, and AR
//! payments to Invoiced, exactly once, resuming where a cut-off run stopped.

mod common;

use common::{World, customer};
use sandbox::intacct::{Fields, IntacctConfig, ObjectKind, SeedSpec};
use std::time::{Duration, Instant};
use sync_engine::config::RecordType;
use sync_engine::engine::read::InitialSync;
use sync_engine::model::Origin;
use sync_engine::ports::{CursorStore, MappingStore, ReconciliationStore};

fn seeded(spec: SeedSpec) -> IntacctConfig {
    IntacctConfig {
        seed: spec,
        ..IntacctConfig::default()
    }
}

#[tokio::test]
async fn a_poll_imports_customers_documents_and_payments_and_a_second_poll_does_nothing() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 6,
            invoices: 10,
            returns: 2,
            payments: 3,
            ..SeedSpec::default()
        }),
        |_| {},
    )
    .await;
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    {
        let errors = world
            .store
            .list_errors(&world.conn, &Default::default())
            .await
            .unwrap();
        assert!(report.finished(), "{report:?} {errors:?}");
    }

    let sandbox = world.invoiced.handle();
    let intacct_customers = world.intacct_records(ObjectKind::Customer);
    assert_eq!(sandbox.customers().len(), intacct_customers.len());
    let invoices = sandbox.invoices();
    assert_eq!(invoices.len(), 10, "every Sales Invoice became an invoice");
    assert_eq!(
        sandbox.credit_notes().len(),
        2,
        "every Sales Return became a credit note"
    );
    assert_eq!(sandbox.payments().len(), 3);

    // Totals agree document by document.
    for doc in world
        .intacct_records(ObjectKind::SoDocument)
        .iter()
        .filter(|d| d.fields["DOCPARID"] == "Sales Invoice")
    {
        let number = &doc.fields["DOCNO"];
        let imported = invoices
            .iter()
            .find(|i| &i.number == number)
            .unwrap_or_else(|| panic!("{number} imported"));
        assert_eq!(imported.lines.total(), doc.money("TOTAL"), "{number}");
    }
    let paid = sandbox.payments();
    assert!(
        paid.iter().all(|p| !p.applied_to.is_empty()),
        "payments are applied to the imported invoices"
    );
    let paid_invoices = invoices.iter().filter(|i| i.paid()).count();
    assert_eq!(paid_invoices, 3);

    let writes_before = sandbox.request_count("POST");
    let second = world
        .engine
        .poll(&world.conn, None)
        .await
        .expect("second poll");
    assert!(second.finished());
    assert_eq!(second.imported(), 0, "{second:?}");
    assert_eq!(
        sandbox.request_count("POST"),
        writes_before,
        "nothing written twice"
    );
}

#[tokio::test]
async fn invoices_of_inactive_customers_are_not_imported() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 2,
            invoices: 4,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |_| {},
    )
    .await;
    let customers = world.intacct_records(ObjectKind::Customer);
    let inactive = &customers[0];
    let status: Fields = [("STATUS".to_owned(), "inactive".to_owned())]
        .into_iter()
        .collect();
    world
        .intacct
        .handle
        .edit_record(ObjectKind::Customer, inactive.recordno, status);
    let inactive_id = inactive.fields["CUSTOMERID"].clone();
    let expected = world
        .intacct_records(ObjectKind::SoDocument)
        .iter()
        .filter(|d| d.fields["CUSTVENDID"] != inactive_id)
        .count();
    world.engine.poll(&world.conn, None).await.expect("poll");
    assert_eq!(world.invoiced.handle().invoices().len(), expected);
    assert!(expected < 4);

    // Long after the documents were last changed (so the poll's look-back does not read them
    // again on their own), the customer becomes active again: the documents skipped while it
    // was inactive come with it.
    for doc in world.intacct_records(ObjectKind::SoDocument) {
        let long_ago: Fields = [("WHENMODIFIED".to_owned(), "01/01/2020 00:00:00".to_owned())]
            .into_iter()
            .collect();
        world
            .intacct
            .handle
            .overwrite_fields(ObjectKind::SoDocument, doc.recordno, long_ago);
    }
    world
        .intacct
        .handle
        .advance_clock(chrono::TimeDelta::seconds(5));
    let active: Fields = [("STATUS".to_owned(), "active".to_owned())]
        .into_iter()
        .collect();
    world
        .intacct
        .handle
        .edit_record(ObjectKind::Customer, inactive.recordno, active);
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_eq!(
        world.invoiced.handle().invoices().len(),
        4,
        "all four now {report:?}"
    );
    let again = world.engine.poll(&world.conn, None).await.expect("poll");
    assert_eq!(again.imported(), 0, "{again:?}");
}

#[tokio::test]
async fn records_written_from_invoiced_are_not_echoed_back() {
    let world = World::start(|_| {}).await;
    customer(&world, "CUST-R1", "Round Trip").await;
    world.deliver_new_events().await;
    assert_eq!(world.intacct_records(ObjectKind::Customer).len(), 1);
    let before = world.invoiced.handle().customers().len();
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    assert_eq!(report.imported(), 0, "{report:?}");
    assert_eq!(world.invoiced.handle().customers().len(), before);
}

#[tokio::test]
async fn a_poll_cut_off_by_its_deadline_resumes_without_gaps_or_duplicates() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 2_300,
            invoices: 0,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |c| {
            c.flows.read.invoices = false;
            c.flows.read.credit_notes = false;
            c.flows.read.payments = false;
        },
    )
    .await;
    // Some customers were imported into Intacct without a WHENMODIFIED.
    for record in world.intacct_records(ObjectKind::Customer).iter().take(5) {
        let cleared: Fields = [("WHENMODIFIED".to_owned(), String::new())]
            .into_iter()
            .collect();
        world
            .intacct
            .handle
            .overwrite_fields(ObjectKind::Customer, record.recordno, cleared);
    }
    world.intacct.handle.set_latency_ms(400);
    let first = world
        .engine
        .poll(
            &world.conn,
            Some(Instant::now() + Duration::from_millis(300)),
        )
        .await
        .expect("first poll");
    assert!(
        !first.finished(),
        "the deadline cut the poll short: {first:?}"
    );
    let after_first = world.invoiced.handle().customers().len();
    assert!(after_first > 0 && after_first < 2_300, "{after_first}");
    let cursor = world
        .store
        .get_cursor(&world.conn, "customer")
        .await
        .unwrap();
    assert!(
        cursor.committed.is_some(),
        "the finished page was checkpointed"
    );

    world.intacct.handle.set_latency_ms(0);
    let second = world
        .engine
        .poll(&world.conn, None)
        .await
        .expect("second poll");
    assert!(second.finished(), "{second:?}");
    let customers = world.invoiced.handle().customers();
    assert_eq!(customers.len(), 2_300, "no gaps, no duplicates");
    let mut numbers: Vec<_> = customers.iter().map(|c| c.number.clone()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 2_300);
    assert_eq!(
        world
            .store
            .count_mappings(&world.conn, RecordType::Customer)
            .await
            .unwrap(),
        2_300
    );
}

#[tokio::test]
async fn an_initial_sync_over_a_date_range_imports_the_chosen_types_with_progress() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 5,
            invoices: 12,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |c| {
            // Ongoing reads off: the initial sync decides what is read.
            c.flows.read = Default::default();
        },
    )
    .await;
    let today = world.intacct.handle.now().date();
    let progress = std::sync::Mutex::new(Vec::new());
    let report = world
        .engine
        .initial_sync(
            &world.conn,
            &InitialSync {
                types: vec![RecordType::Customer, RecordType::Invoice],
                from: today - chrono::Duration::days(400),
                to: today,
            },
            "run-1",
            None,
            &|p| progress.lock().unwrap().push(p.clone()),
        )
        .await
        .expect("initial sync");
    assert!(report.finished(), "{report:?}");
    assert_eq!(world.invoiced.handle().invoices().len(), 12);
    assert!(
        report.streams.len() > 12,
        "a 400-day range is read month by month"
    );
    let progress = progress.into_inner().unwrap();
    let done: u64 = progress
        .iter()
        .filter(|p| p.stream.contains("invoice"))
        .map(|p| p.done)
        .max()
        .unwrap_or_default();
    assert!(done > 0, "progress was reported");
    // The incremental cursor did not move.
    let cursor = world
        .store
        .get_cursor(&world.conn, "customer")
        .await
        .unwrap();
    assert!(cursor.committed.is_none());
    let mapping = world
        .store
        .mapping_by_invoiced(
            &world.conn,
            RecordType::Invoice,
            &world.invoiced.handle().invoices()[0].id.to_string(),
        )
        .await
        .unwrap()
        .expect("mapped");
    assert_eq!(mapping.origin, Origin::Intacct);
}

#[tokio::test]
async fn in_bill_to_contact_mode_each_documents_bill_to_contact_becomes_the_invoiced_customer() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 1,
            invoices: 2,
            returns: 0,
            payments: 1,
            ..SeedSpec::default()
        }),
        |c| c.customers.source = sync_engine::config::CustomerSource::BillToContacts,
    )
    .await;
    let docs = world.intacct_records(ObjectKind::SoDocument);
    for (doc, (key, name)) in docs
        .iter()
        .zip([("501", "Branch East"), ("502", "Branch West")])
    {
        let contact: Fields = [
            ("BILLTOKEY".to_owned(), key.to_owned()),
            ("BILLTO.PRINTAS".to_owned(), name.to_owned()),
        ]
        .into_iter()
        .collect();
        world
            .intacct
            .handle
            .edit_record(ObjectKind::SoDocument, doc.recordno, contact);
    }
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    assert!(report.finished(), "{report:?}");
    let customers = world.invoiced.handle().customers();
    let mut names: Vec<_> = customers.iter().map(|c| c.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Branch East", "Branch West"]);
    let parent = &docs[0].fields["CUSTVENDID"];
    for c in &customers {
        let json = world
            .invoiced
            .handle()
            .get_json(sandbox::invoiced::Kind::Customer, c.id)
            .expect("customer json");
        assert_eq!(json["metadata"]["intacct_customer_number"], parent.as_str());
    }
    let invoices = world.invoiced.handle().invoices();
    assert_eq!(invoices.len(), 2);
    // The Intacct payment of the first invoice is that bill-to contact's payment in Invoiced,
    // and the invoice is paid on both sides.
    let payments = world.invoiced.handle().payments();
    assert_eq!(payments.len(), 1, "payments import in bill-to contact mode");
    let first = invoices
        .iter()
        .find(|i| i.number == docs[0].fields["DOCNO"])
        .expect("first invoice");
    assert_eq!(payments[0].customer, Some(first.customer));
    assert!(first.paid(), "balance 0 in Invoiced, as in Intacct");
    let east = customers
        .iter()
        .find(|c| c.name == "Branch East")
        .expect("east");
    assert_eq!(first.customer, east.id);
}

#[tokio::test]
async fn an_initial_sync_of_twenty_thousand_records_completes() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 2_000,
            invoices: 18_000,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |c| c.flows.read = Default::default(),
    )
    .await;
    let today = world.intacct.handle.now().date();
    let started = Instant::now();
    let report = world
        .engine
        .initial_sync(
            &world.conn,
            &InitialSync {
                types: vec![RecordType::Customer, RecordType::Invoice],
                from: today - chrono::Duration::days(31),
                to: today,
            },
            "big",
            None,
            &|_| {},
        )
        .await
        .expect("initial sync");
    assert!(report.finished(), "{report:?}");
    let rows: u64 = report.streams.iter().map(|s| s.rows).sum();
    assert_eq!(rows, 20_000);
    assert_eq!(world.invoiced.handle().customers().len(), 2_000);
    assert_eq!(world.invoiced.handle().invoices().len(), 18_000);
    eprintln!("initial sync of 20,000 records: {:?}", started.elapsed());
}

#[tokio::test]
async fn an_intacct_customer_already_in_invoiced_is_linked_by_number_or_name_not_duplicated() {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 2,
            invoices: 0,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |_| {},
    )
    .await;
    let intacct = world.intacct_records(ObjectKind::Customer);
    // One already exists in Invoiced under the same number, the other under the same name.
    common::customer(&world, &intacct[0].fields["CUSTOMERID"], "Some Other Name").await;
    world
        .api
        .customers()
        .create(
            &invoiced::models::CustomerParams {
                name: Some(intacct[1].fields["NAME"].clone()),
                number: Some("LOCAL-7".into()),
                ..Default::default()
            },
            &invoiced::RequestOptions::default(),
        )
        .await
        .expect("customer");
    let before = world.invoiced.handle().customers().len();
    world.engine.poll(&world.conn, None).await.expect("poll");
    assert_eq!(
        world.invoiced.handle().customers().len(),
        before,
        "linked, not duplicated"
    );
    assert_eq!(
        world
            .store
            .count_mappings(&world.conn, RecordType::Customer)
            .await
            .unwrap(),
        2
    );
}

/// A world whose one Intacct invoice names a customer Intacct does not have, polled once: the
/// invoice's read error is the only error. Returns the document and its real customer.
async fn an_invoice_with_a_ghost_customer() -> (World, sandbox::intacct::Record, String) {
    let world = World::start_with(
        seeded(SeedSpec {
            customers: 1,
            invoices: 1,
            returns: 0,
            payments: 0,
            ..SeedSpec::default()
        }),
        |_| {},
    )
    .await;
    let doc = world
        .intacct_records(ObjectKind::SoDocument)
        .pop()
        .expect("seeded invoice");
    let owner = doc.fields["CUSTVENDID"].clone();
    let ghost: Fields = [("CUSTVENDID".to_owned(), "GHOST".to_owned())]
        .into_iter()
        .collect();
    world
        .intacct
        .handle
        .overwrite_fields(ObjectKind::SoDocument, doc.recordno, ghost);
    world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("GHOST"), "{}", errors[0].message);
    assert!(world.invoiced.handle().invoices().is_empty());
    (world, doc, owner)
}

#[tokio::test]
async fn a_read_error_is_retried_by_importing_that_one_record_again() {
    let (world, doc, owner) = an_invoice_with_a_ghost_customer().await;
    let errors = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap();

    // Fixed in Intacct without touching WHENMODIFIED: only a retry of this record finds it.
    let fixed: Fields = [("CUSTVENDID".to_owned(), owner)].into_iter().collect();
    world
        .intacct
        .handle
        .overwrite_fields(ObjectKind::SoDocument, doc.recordno, fixed);
    let action = sync_engine::operator::retry_error(&world.engine, &world.conn, &errors[0].id)
        .await
        .expect("retry");
    assert!(
        matches!(
            action,
            sync_engine::operator::RetryAction::Reimported { imported: true, .. }
        ),
        "{action:?}"
    );
    assert_eq!(world.invoiced.handle().invoices().len(), 1);
    let after = world
        .store
        .get_error(&world.conn, &errors[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, sync_engine::model::ErrorStatus::Resolved);
}

/// A retry of an invoice's read error that fails again (Intacct throttling) stays that
/// invoice's one error: it is not filed under the customer stream as a second error.
#[tokio::test]
async fn a_failed_retry_of_a_read_error_stays_the_same_error() {
    let (world, _, _) = an_invoice_with_a_ghost_customer().await;
    let original = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap()
        .remove(0);

    world.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    sync_engine::operator::retry_error(&world.engine, &world.conn, &original.id)
        .await
        .expect("retry");
    let after = world
        .store
        .list_errors(&world.conn, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        vec![original.id.as_str()],
        "the failed retry is the same error: {after:?}"
    );
    assert_eq!(after[0].attempts, original.attempts + 1);
    assert_eq!(after[0].status, sync_engine::model::ErrorStatus::Open);
    assert_eq!(after[0].code, "INTACCT_THROTTLED");
}

#[tokio::test]
async fn a_payment_reversed_in_intacct_is_voided_in_invoiced_and_not_reversed_twice() {
    let world = World::start(|_| {}).await;
    let acme = common::customer(&world, "CUST-REV", "Reversal Co").await;
    let inv = common::invoice(
        &world,
        &acme,
        "INV-REV",
        false,
        vec![common::line(
            "Work",
            rust_decimal::Decimal::ONE,
            rust_decimal::Decimal::TEN,
            invoiced::models::Metadata::new(),
        )],
    )
    .await;
    let paid = common::payment(
        &world,
        &acme,
        rust_decimal::Decimal::TEN,
        "usd",
        vec![common::pays(&inv, rust_decimal::Decimal::TEN)],
    )
    .await;
    world.deliver_new_events().await;
    let intacct_payment = world
        .intacct_records(ObjectKind::ArPayment)
        .pop()
        .expect("posted");

    // Someone reverses it in Intacct.
    let client = world.intacct_client();
    let reverse = intacct::functions::ReverseArPayment {
        key: intacct_payment.recordno.to_string(),
        date_reversed: chrono::Utc::now().date_naive(),
        description: Some("Bounced".into()),
    };
    client
        .execute_one(intacct::FunctionCall::random(reverse))
        .await
        .expect("reversed in Intacct")
        .ensure_success()
        .expect("success");

    world.engine.poll(&world.conn, None).await.expect("poll");
    let voided = world
        .invoiced
        .handle()
        .payments()
        .into_iter()
        .find(|p| p.id == paid.id.get())
        .expect("payment");
    assert!(voided.voided, "the Intacct reversal reached Invoiced");
    world.deliver_new_events().await;
    assert_eq!(
        world.intacct.handle.function_calls("reverse_arpayment"),
        1,
        "the void's webhook is not written back as a second reversal"
    );
}
