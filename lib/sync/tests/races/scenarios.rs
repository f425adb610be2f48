//! The scenarios of `races.rs`, shared with the DynamoDB run in `tests/tests/races_dynamodb.rs`:
//! each takes the store to run on.

#![allow(dead_code)] // each test binary runs a different subset

use crate::common::{
    StoreKind, World, credit_note, credits, customer, invoice, line, payment, pays,
};
use futures::StreamExt;
use invoiced::RequestOptions;
use invoiced::models::{
    CreditNote, CreditNoteParams, CustomerParams, Invoice, InvoiceParams, Metadata, Payment,
    PaymentParams,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, Record, SeedSpec};
use sandbox::invoiced::Kind;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::engine::webhook::WebhookReply;
use sync_engine::model::{Direction, ErrorStatus, Origin, ReconciliationError};
use sync_engine::ports::Store;

/// A world on either store.
type RWorld = World<dyn Store>;

/// Records per type in the concurrency scenarios.
const N: usize = 60;
/// Copies of each record's `*.created` event delivered at the same moment.
const COPIES: usize = 3;
/// Share of Intacct requests throttled while the webhooks race.
const THROTTLE: f64 = 0.3;
/// Added to every Intacct request while the webhooks race (the real gateway takes longer), so
/// the copies of one record overlap the way they do in production.
const LATENCY_MS: u64 = 25;
/// How many records' deliveries overlap at once.
const RECORDS_AT_ONCE: usize = 4;
/// Retry messages handled at once (an SQS batch is handled in parallel).
const RETRIES_AT_ONCE: usize = 8;

// ---- helpers ----------------------------------------------------------------------------------

fn event_type(event: &Value) -> &str {
    event["type"].as_str().unwrap_or_default()
}

fn object_id(event: &Value) -> Option<i64> {
    event["data"]["object"]["id"].as_i64()
}

/// The events of one record: type starting with `prefix` (`"payment."`), object `id`.
fn events_of(events: &[Value], prefix: &str, id: i64) -> Vec<Value> {
    events
        .iter()
        .filter(|e| event_type(e).starts_with(prefix) && object_id(e) == Some(id))
        .cloned()
        .collect()
}

/// The first event of a type about one record.
fn event_about(events: &[Value], event_type_name: &str, id: i64) -> Value {
    events
        .iter()
        .find(|e| event_type(e) == event_type_name && object_id(e) == Some(id))
        .cloned()
        .unwrap_or_else(|| panic!("no {event_type_name} event for {id}"))
}

fn status_of(reply: &WebhookReply) -> String {
    reply.body["status"]
        .as_str()
        .map_or_else(|| format!("http {}", reply.status), str::to_owned)
}

fn count_statuses(replies: &[WebhookReply]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for reply in replies {
        *counts.entry(status_of(reply)).or_insert(0) += 1;
    }
    counts
}

/// Replies that say the delivery was acted on (rather than recognised as a duplicate).
fn is_processing(reply: &WebhookReply) -> bool {
    matches!(
        status_of(reply).as_str(),
        "written" | "queued" | "already_done" | "skipped" | "parked" | "reconciliation_error"
    )
}

/// Starts a world whose engine reaches Intacct through the lossy link.
async fn world_on(store: StoreKind) -> RWorld {
    World::start_on(store, IntacctConfig::default(), |_| {}).await
}

/// Delivers each group's events at the same moment, a few groups at a time.
async fn deliver_groups(world: &RWorld, groups: Vec<Vec<Value>>) -> Vec<WebhookReply> {
    futures::stream::iter(groups)
        .map(|group| async move { world.deliver_together(&group).await })
        .buffer_unordered(RECORDS_AT_ONCE)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// Intacct throttles [`THROTTLE`] of the requests and answers in [`LATENCY_MS`].
fn throttle_and_slow_down(world: &RWorld) {
    world.intacct.handle.set_fault_rates(THROTTLE, 0.0, 0.0);
    world.intacct.handle.set_latency_ms(LATENCY_MS);
}

/// Two retry passes still throttled (retries race each other too), then throttling off and the
/// queue run until quiet. Returns the messages still queued.
async fn drain_through_throttling(world: &RWorld) -> usize {
    world.drain_until_quiet(2, RETRIES_AT_ONCE).await;
    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    world.intacct.handle.set_latency_ms(0);
    world.drain_until_quiet(60, RETRIES_AT_ONCE).await
}

fn describe_errors(errors: &[ReconciliationError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "open reconciliation error {} ({}): {}",
                e.id,
                e.code,
                e.message.chars().take(160).collect::<String>()
            )
        })
        .collect()
}

/// Fails with a summary line and at most 20 problem lines.
fn assert_no_problems(summary: &str, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let shown: Vec<&str> = problems.iter().take(20).map(String::as_str).collect();
    let more = problems.len().saturating_sub(shown.len());
    panic!(
        "{summary}; {} problem(s):\n  {}{}",
        problems.len(),
        shown.join("\n  "),
        if more > 0 {
            format!("\n  … and {more} more")
        } else {
            String::new()
        }
    );
}

fn live(record: &Record) -> bool {
    !matches!(
        record.get("STATE"),
        Some("V" | "Reversed" | "Reversal" | "Voided")
    )
}

/// Cash AR payments posted for an Invoiced payment (DOCNUMBER ends with `Invoiced ID: <id>`),
/// reversals included.
fn ar_payments_for(world: &RWorld, payment_id: i64) -> Vec<Record> {
    let tag = format!("Invoiced ID: {payment_id}");
    world
        .intacct_records(ObjectKind::ArPayment)
        .into_iter()
        .filter(|r| r.get("PAYMENTMETHOD") != Some("Credit Memo"))
        .filter(|r| r.get("DOCNUMBER").is_some_and(|d| d.ends_with(&tag)))
        .collect()
}

fn by_field(world: &RWorld, kind: ObjectKind, field: &str, value: &str) -> Vec<Record> {
    world
        .intacct_records(kind)
        .into_iter()
        .filter(|r| r.get(field) == Some(value))
        .collect()
}

async fn mapping_of(
    world: &RWorld,
    record_type: RecordType,
    id: impl ToString,
) -> Option<sync_engine::model::Mapping> {
    world
        .store
        .mapping_by_invoiced(&world.conn, record_type, &id.to_string())
        .await
        .expect("mapping")
}

async fn write_error_of(
    world: &RWorld,
    record_type: RecordType,
    id: impl ToString,
) -> Option<ReconciliationError> {
    world
        .store
        .get_error(
            &world.conn,
            &ReconciliationError::id_for(Direction::Write, record_type, &id.to_string()),
        )
        .await
        .expect("error")
}

/// Checks one document type written from Invoiced: exactly one live Intacct record numbered
/// like each Invoiced document, with its amount, mapped to it.
async fn check_documents(
    world: &RWorld,
    kind: ObjectKind,
    record_type: RecordType,
    documents: &[(i64, String, Decimal)],
    problems: &mut Vec<String>,
) {
    for (id, number, total) in documents {
        let found: Vec<Record> = by_field(world, kind, "RECORDID", number)
            .into_iter()
            .filter(live)
            .collect();
        match found.as_slice() {
            [one] => {
                if one.money("TOTALENTERED").abs() != *total {
                    problems.push(format!(
                        "{record_type} {id} ({number}): Intacct amount {} for Invoiced total {total}",
                        one.money("TOTALENTERED")
                    ));
                }
                match mapping_of(world, record_type, id).await {
                    Some(m) if m.intacct_key == one.recordno.to_string() => {}
                    Some(m) => problems.push(format!(
                        "{record_type} {id} ({number}): mapped to Intacct {}, but the record is {}",
                        m.intacct_key, one.recordno
                    )),
                    None => problems.push(format!(
                        "{record_type} {id} ({number}): in Intacct as {} but not mapped",
                        one.recordno
                    )),
                }
            }
            many => problems.push(format!(
                "{record_type} {id} ({number}): {} live Intacct records {:?}",
                many.len(),
                many.iter().map(|r| r.recordno.0).collect::<Vec<_>>()
            )),
        }
    }
}

// ---- 1. concurrent copies × throttling, per record type ---------------------------------------

/// Each customer's `customer.created` [`COPIES`] times at once, together with an invoice of
/// that customer (whose write creates the customer inline).
pub async fn concurrent_customer_events_under_throttling_write_each_customer_once(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let mut pairs: Vec<(invoiced::models::Customer, Invoice)> = Vec::new();
    for n in 0..N {
        let c = customer(
            &world,
            &format!("CUST-RC-{n}"),
            &format!("Racing Customer {n}"),
        )
        .await;
        let inv = invoice(
            &world,
            &c,
            &format!("INV-RC-{n}"),
            false,
            vec![line("Work", dec!(1), dec!(100), Metadata::new())],
        )
        .await;
        pairs.push((c, inv));
    }
    let events = world.new_events();
    let groups: Vec<Vec<Value>> = pairs
        .iter()
        .map(|(c, inv)| {
            let own = events_of(&events, "customer.", c.id.get());
            let mut group: Vec<Value> = (0..COPIES).flat_map(|_| own.clone()).collect();
            group.extend(events_of(&events, "invoice.", inv.id.get()));
            group
        })
        .collect();
    throttle_and_slow_down(&world);
    deliver_groups(&world, groups).await;
    let left = drain_through_throttling(&world).await;

    let mut problems = Vec::new();
    for (c, _) in &pairs {
        let number = c.number.clone().unwrap_or_default();
        let found = by_field(&world, ObjectKind::Customer, "CUSTOMERID", &number);
        match (
            found.as_slice(),
            mapping_of(&world, RecordType::Customer, c.id).await,
        ) {
            ([one], Some(m)) => {
                if m.intacct_key != one.recordno.to_string() {
                    problems.push(format!(
                        "customer {} ({number}): mapped to {}, Intacct record is {}",
                        c.id, m.intacct_key, one.recordno
                    ));
                }
                if m.origin != Origin::Invoiced {
                    problems.push(format!(
                        "customer {} ({number}): created from Invoiced but mapped as owned by {:?}",
                        c.id, m.origin
                    ));
                }
            }
            (found, mapping) => problems.push(format!(
                "customer {} ({number}): {} Intacct customers, mapping {:?}",
                c.id,
                found.len(),
                mapping.map(|m| m.intacct_key)
            )),
        }
    }
    let invoices: Vec<(i64, String, Decimal)> = pairs
        .iter()
        .map(|(_, inv)| (inv.id.get(), inv.number.clone(), inv.total))
        .collect();
    check_documents(
        &world,
        ObjectKind::ArInvoice,
        RecordType::Invoice,
        &invoices,
        &mut problems,
    )
    .await;
    problems.extend(describe_errors(&world.open_errors().await));
    if left > 0 {
        problems.push(format!("{left} retry messages never settled"));
    }
    assert_no_problems(
        &format!(
            "{} Intacct customers for {N} Invoiced customers, each one's customer.created delivered {COPIES} times at once together with an invoice of its own",
            world.intacct_records(ObjectKind::Customer).len()
        ),
        &problems,
    );
}

/// Each invoice's `invoice.created` [`COPIES`] times at once, together with its
/// `invoice.updated`.
pub async fn concurrent_invoice_events_under_throttling_write_each_invoice_once(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-RI", "Racing Invoicer").await;
    world.deliver_new_events().await;
    let mut expected = Vec::new();
    for n in 0..N {
        let amount = Decimal::from(100 + n);
        let inv = invoice(
            &world,
            &acme,
            &format!("INV-RI-{n}"),
            false,
            vec![line("Work", dec!(1), amount, Metadata::new())],
        )
        .await;
        world
            .api
            .invoices()
            .update(
                inv.id,
                &InvoiceParams {
                    purchase_order: Some(format!("PO-{n}")),
                    ..InvoiceParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("invoice updated in Invoiced");
        expected.push((inv.id.get(), inv.number.clone(), inv.total));
    }
    race_documents(&world, DocumentRace::INVOICES, &expected).await;
}

/// Each credit note's `credit_note.created` [`COPIES`] times at once, together with its
/// `credit_note.updated`.
pub async fn concurrent_credit_note_events_under_throttling_write_each_credit_note_once(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-RN", "Racing Returner").await;
    world.deliver_new_events().await;
    let mut expected = Vec::new();
    for n in 0..N {
        let note = credit_note(&world, &acme, &format!("CN-RN-{n}"), Decimal::from(10 + n)).await;
        world
            .api
            .credit_notes()
            .update(
                note.id,
                &CreditNoteParams {
                    notes: Some(format!("Return #{n}")),
                    ..CreditNoteParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("credit note updated in Invoiced");
        expected.push((note.id.get(), note.number.clone(), note.total));
    }
    race_documents(&world, DocumentRace::CREDIT_NOTES, &expected).await;
}

/// What differs between the invoice and the credit-note races.
struct DocumentRace {
    /// Event type prefix, e.g. `invoice.`.
    events: &'static str,
    /// The created event's type.
    created: &'static str,
    /// The Intacct object each becomes.
    object: ObjectKind,
    /// Its record type.
    record_type: RecordType,
    /// How the summary names the Intacct and the Invoiced records.
    names: (&'static str, &'static str),
}

impl DocumentRace {
    const INVOICES: DocumentRace = DocumentRace {
        events: "invoice.",
        created: "invoice.created",
        object: ObjectKind::ArInvoice,
        record_type: RecordType::Invoice,
        names: ("AR invoices", "invoices"),
    };
    const CREDIT_NOTES: DocumentRace = DocumentRace {
        events: "credit_note.",
        created: "credit_note.created",
        object: ObjectKind::ArAdjustment,
        record_type: RecordType::CreditNote,
        names: ("AR adjustments", "credit notes"),
    };
}

/// Delivers each document's events with extra copies of its created event, all at once under
/// throttling, drains, and checks each document is in Intacct once (`expected`: Invoiced id,
/// number, total).
async fn race_documents(world: &RWorld, race: DocumentRace, expected: &[(i64, String, Decimal)]) {
    let events = world.new_events();
    let groups = expected
        .iter()
        .map(|(id, _, _)| {
            let mut group = events_of(&events, race.events, *id);
            let created = event_about(&events, race.created, *id);
            group.extend((1..COPIES).map(|_| created.clone()));
            group
        })
        .collect();
    throttle_and_slow_down(world);
    deliver_groups(world, groups).await;
    let left = drain_through_throttling(world).await;

    let mut problems = Vec::new();
    check_documents(
        world,
        race.object,
        race.record_type,
        expected,
        &mut problems,
    )
    .await;
    problems.extend(describe_errors(&world.open_errors().await));
    if left > 0 {
        problems.push(format!("{left} retry messages never settled"));
    }
    assert_no_problems(
        &format!(
            "{} {} in Intacct for {N} Invoiced {}",
            world.intacct_records(race.object).len(),
            race.names.0,
            race.names.1
        ),
        &problems,
    );
}

/// Each payment (60 cash + 20 from a credit note on a 200 invoice) delivered as
/// `payment.created` [`COPIES`] times at once together with its `payment.updated`.
pub async fn concurrent_payment_events_under_throttling_post_each_payment_once(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-RP", "Racing Payer").await;
    let mut docs: Vec<(Invoice, CreditNote)> = Vec::new();
    for n in 0..N {
        let inv = invoice(
            &world,
            &acme,
            &format!("INV-RP-{n}"),
            false,
            vec![line("Work", dec!(1), dec!(200), Metadata::new())],
        )
        .await;
        let note = credit_note(&world, &acme, &format!("CN-RP-{n}"), dec!(50)).await;
        docs.push((inv, note));
    }
    world.deliver_new_events().await;
    assert!(
        world.open_errors().await.is_empty(),
        "precondition: invoices and credit notes synced"
    );
    let mut paid: Vec<(Payment, Invoice)> = Vec::new();
    for (inv, note) in &docs {
        let p = payment(
            &world,
            &acme,
            dec!(60),
            "usd",
            vec![pays(inv, dec!(60)), credits(note, inv, dec!(20))],
        )
        .await;
        world
            .api
            .payments()
            .update(
                p.id,
                &PaymentParams {
                    notes: Some("Matched to the bank statement".into()),
                    ..PaymentParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("payment updated in Invoiced");
        paid.push((p, inv.clone()));
    }
    let events = world.new_events();
    let groups = paid
        .iter()
        .map(|(p, _)| {
            let mut group = events_of(&events, "payment.", p.id.get());
            let created = event_about(&events, "payment.created", p.id.get());
            group.extend((1..COPIES).map(|_| created.clone()));
            group
        })
        .collect();
    throttle_and_slow_down(&world);
    deliver_groups(&world, groups).await;
    // The invoice and credit-note events the payments caused, too.
    for e in world.new_events() {
        world.deliver(&e).await;
    }
    let left = drain_through_throttling(&world).await;

    let mut problems = Vec::new();
    let ar = world.intacct_records(ObjectKind::ArPayment);
    for (p, inv) in &paid {
        let posted: Vec<Record> = ar_payments_for(&world, p.id.get())
            .into_iter()
            .filter(live)
            .collect();
        match posted.as_slice() {
            [one] => {
                if one.money("TOTALENTERED") != p.amount {
                    problems.push(format!(
                        "payment {}: posted {} for {}",
                        p.id,
                        one.money("TOTALENTERED"),
                        p.amount
                    ));
                }
                match mapping_of(&world, RecordType::Payment, p.id).await {
                    Some(m) if m.intacct_key == one.recordno.to_string() => {}
                    other => problems.push(format!(
                        "payment {}: AR payment {} mapped as {:?}",
                        p.id,
                        one.recordno,
                        other.map(|m| m.intacct_key)
                    )),
                }
            }
            many => problems.push(format!(
                "payment {}: {} AR payments {:?}",
                p.id,
                many.len(),
                many.iter().map(|r| r.recordno.0).collect::<Vec<_>>()
            )),
        }
        let memo = format!("Credit applied by Invoiced payment {}", p.id);
        let applications = ar
            .iter()
            .filter(|r| r.get("PAYMENTMETHOD") == Some("Credit Memo"))
            .filter(|r| r.get("DESCRIPTION") == Some(memo.as_str()))
            .filter(|r| live(r))
            .count();
        if applications != 1 {
            problems.push(format!(
                "payment {}: {applications} credit applications",
                p.id
            ));
        }
        let balance = world
            .api
            .invoices()
            .retrieve(inv.id)
            .await
            .expect("invoice")
            .balance;
        let due: Vec<Decimal> = by_field(&world, ObjectKind::ArInvoice, "RECORDID", &inv.number)
            .iter()
            .map(|r| r.money("TOTALDUE"))
            .collect();
        if due != [balance] {
            problems.push(format!(
                "invoice {}: balance {balance} in Invoiced, TOTALDUE {due:?} in Intacct",
                inv.number
            ));
        }
    }
    problems.extend(describe_errors(&world.open_errors().await));
    if left > 0 {
        problems.push(format!("{left} retry messages never settled"));
    }
    let cash = ar
        .iter()
        .filter(|r| r.get("PAYMENTMETHOD") != Some("Credit Memo"))
        .count();
    assert_no_problems(
        &format!("{cash} AR payments in Intacct for {N} Invoiced payments"),
        &problems,
    );
}

// ---- 2. the webhook claim is atomic -----------------------------------------------------------

pub async fn two_hundred_simultaneous_copies_of_one_event_are_processed_once(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-CL", "Claim Co").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-CL",
        false,
        vec![line("Work", dec!(1), dec!(90), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(&world, &acme, dec!(90), "usd", vec![pays(&inv, dec!(90))]).await;
    let event = event_about(&world.new_events(), "payment.created", paid.id.get());

    // Invoiced answers in 50 ms: the first copy is still working when the last one arrives.
    world
        .invoiced
        .handle()
        .set_latency(std::time::Duration::from_millis(50));
    let replies = world.deliver_copies(&event, 200).await;
    let statuses = count_statuses(&replies);
    let processed = replies.iter().filter(|r| is_processing(r)).count();
    let left = world.drain_until_quiet(20, RETRIES_AT_ONCE).await;
    let creates = world.intacct.handle.function_calls("create_arpayment");
    let posted = ar_payments_for(&world, paid.id.get()).len();
    assert!(
        processed == 1 && creates == 1 && posted == 1 && left == 0,
        "200 simultaneous copies of event {} (payment.created {}): {processed} were processed \
         instead of 1 (replies by status: {statuses:?}); create_arpayment reached Intacct \
         {creates} times; {posted} AR payment(s) exist; {left} retries left",
        event["id"],
        paid.id
    );
}

// ---- 3. a void while the create's outcome is unknown ------------------------------------------

pub async fn a_payment_voided_while_its_create_outcome_is_unknown_is_not_left_live_in_intacct(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-VU", "Void Unknown").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-VU",
        false,
        vec![line("Work", dec!(1), dec!(80), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(&world, &acme, dec!(80), "usd", vec![pays(&inv, dec!(80))]).await;
    world
        .link()
        .lose_next_answer(|xml| xml.contains("<create_arpayment"));
    let replies = world.deliver_new_events().await;
    assert_eq!(
        world.link().answers_lost(),
        1,
        "precondition: the create's answer was lost: {replies:?}"
    );
    assert_eq!(
        ar_payments_for(&world, paid.id.get()).len(),
        1,
        "precondition: Intacct applied the create"
    );

    world
        .api
        .payments()
        .void(paid.id)
        .await
        .expect("voided in Invoiced");
    let void_replies = world.deliver_new_events().await;
    let left = world.drain_until_quiet(20, 1).await;

    let still_live: Vec<Record> = ar_payments_for(&world, paid.id.get())
        .into_iter()
        .filter(live)
        .collect();
    let error = write_error_of(&world, RecordType::Payment, paid.id)
        .await
        .filter(|e| e.status == ErrorStatus::Open);
    let due = by_field(&world, ObjectKind::ArInvoice, "RECORDID", "INV-VU")
        .first()
        .map(|r| r.money("TOTALDUE"));
    assert!(
        still_live.is_empty() || error.is_some(),
        "payment {} is voided in Invoiced, but its AR payment {:?} is live in Intacct (STATE {:?}, \
         invoice INV-VU TOTALDUE {due:?}) and no open reconciliation error says so \
         (void webhook answered {:?}; {left} retries left)",
        paid.id,
        still_live.iter().map(|r| r.recordno.0).collect::<Vec<_>>(),
        still_live
            .iter()
            .map(|r| r.get("STATE").unwrap_or_default())
            .collect::<Vec<_>>(),
        void_replies.iter().map(|r| &r.body).collect::<Vec<_>>(),
    );
}

pub async fn an_invoice_voided_while_its_create_outcome_is_unknown_is_not_left_posted_in_intacct(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-VI", "Void Unknown Invoice").await;
    world.deliver_new_events().await;
    let inv = invoice(
        &world,
        &acme,
        "INV-VI",
        false,
        vec![line("Work", dec!(1), dec!(70), Metadata::new())],
    )
    .await;
    world
        .link()
        .lose_next_answer(|xml| xml.contains("<create_invoice"));
    let replies = world.deliver_new_events().await;
    assert_eq!(
        world.link().answers_lost(),
        1,
        "precondition: the create's answer was lost: {replies:?}"
    );
    assert_eq!(
        by_field(&world, ObjectKind::ArInvoice, "RECORDID", "INV-VI").len(),
        1,
        "precondition: Intacct applied the create"
    );

    world
        .api
        .invoices()
        .void(inv.id, &RequestOptions::default())
        .await
        .expect("voided in Invoiced");
    let void_replies = world.deliver_new_events().await;
    let left = world.drain_until_quiet(20, 1).await;

    let states: Vec<String> = by_field(&world, ObjectKind::ArInvoice, "RECORDID", "INV-VI")
        .iter()
        .map(|r| {
            format!(
                "{} TOTALDUE {}",
                r.get("STATE").unwrap_or_default(),
                r.money("TOTALDUE")
            )
        })
        .collect();
    let error = write_error_of(&world, RecordType::Invoice, inv.id)
        .await
        .filter(|e| e.status == ErrorStatus::Open)
        .map(|e| format!("{} ({})", e.id, e.code));
    assert!(
        states.len() == 1 && states[0].starts_with("Reversed "),
        "invoice {} (INV-VI) is voided in Invoiced, but Intacct has it as {states:?} instead of \
         Reversed (open reconciliation error: {error:?}; void webhook answered {:?}; {left} \
         retries left)",
        inv.id,
        void_replies.iter().map(|r| &r.body).collect::<Vec<_>>(),
    );
}

// ---- 4. a poll between the write and its mapping ----------------------------------------------

pub async fn a_poll_between_a_payment_write_and_its_mapping_does_not_import_it_back(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-PW", "Poll Window").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-PW",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(&world, &acme, dec!(40), "usd", vec![pays(&inv, dec!(40))]).await;
    world
        .link()
        .lose_next_answer(|xml| xml.contains("<create_arpayment"));
    world.deliver_new_events().await;
    let posted = ar_payments_for(&world, paid.id.get());
    assert!(
        world.link().answers_lost() == 1 && posted.len() == 1,
        "precondition: Intacct applied the create and its answer was lost"
    );

    // The hourly poll runs before the write's retry does.
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let live_payments: Vec<i64> = world
        .invoiced
        .handle()
        .list_json(Kind::Payment)
        .iter()
        .filter(|p| p["customer"].as_i64() == Some(acme.id.get()) && p["voided"] != true)
        .filter_map(|p| p["id"].as_i64())
        .collect();
    let balance = world
        .api
        .invoices()
        .retrieve(inv.id)
        .await
        .expect("invoice")
        .balance;
    let due = by_field(&world, ObjectKind::ArInvoice, "RECORDID", "INV-PW")[0].money("TOTALDUE");
    assert!(
        live_payments == [paid.id.get()] && balance == due,
        "the poll imported AR payment {} (Invoiced payment {}'s own write, whose answer was lost) \
         back into Invoiced: live Invoiced payments {live_payments:?}; INV-PW balance {balance} \
         in Invoiced vs TOTALDUE {due} in Intacct (the poll imported {} record(s))",
        posted[0].recordno,
        paid.id,
        report.imported()
    );

    let left = world.drain_until_quiet(20, 1).await;
    let mapping = mapping_of(&world, RecordType::Payment, paid.id).await;
    let errors = describe_errors(&world.open_errors().await);
    assert!(
        mapping.as_ref().map(|m| m.intacct_key.clone()) == Some(posted[0].recordno.to_string())
            && errors.is_empty()
            && left == 0,
        "after the retry: payment {} mapped as {mapping:?}, {errors:?}, {left} retries left",
        paid.id
    );
}

pub async fn a_poll_between_a_customer_write_and_its_mapping_leaves_it_owned_by_invoiced(
    store: StoreKind,
) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-PC", "Poll Window Customer").await;
    world
        .link()
        .lose_next_answer(|xml| xml.contains("<create><CUSTOMER>"));
    world.deliver_new_events().await;
    let found = by_field(&world, ObjectKind::Customer, "CUSTOMERID", "CUST-PC");
    assert!(
        world.link().answers_lost() == 1 && found.len() == 1,
        "precondition: Intacct applied the create and its answer was lost"
    );

    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let after_poll = mapping_of(&world, RecordType::Customer, acme.id).await;
    let left = world.drain_until_quiet(20, 1).await;

    world
        .api
        .customers()
        .update(
            acme.id,
            &CustomerParams {
                name: Some("Poll Window Renamed".into()),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("renamed in Invoiced");
    let replies = world.deliver_new_events().await;
    let name = by_field(&world, ObjectKind::Customer, "CUSTOMERID", "CUST-PC")[0]
        .get("NAME")
        .map(str::to_owned);
    let mapping = mapping_of(&world, RecordType::Customer, acme.id).await;
    assert!(
        name.as_deref() == Some("Poll Window Renamed")
            && mapping
                .as_ref()
                .is_some_and(|m| m.origin == Origin::Invoiced),
        "customer {} was created from Invoiced, but after a poll ran between its write and its \
         mapping a rename in Invoiced did not reach Intacct (NAME {name:?}; webhook answered \
         {:?}): mapping after the poll {:?}, now {:?} ({left} retries left; the poll imported \
         {} record(s))",
        acme.id,
        replies.iter().map(|r| &r.body).collect::<Vec<_>>(),
        after_poll.map(|m| (m.intacct_key, m.origin)),
        mapping.map(|m| (m.intacct_key, m.origin)),
        report.imported(),
    );
}

// ---- 5. a long connection id ------------------------------------------------------------------

pub async fn an_import_retried_after_commit_then_fail_creates_one_payment_even_with_a_long_connection_id(
    store: StoreKind,
) {
    let long_id = format!("acme-{}xyz", "0123456789".repeat(4));
    let world = World::start_on(
        store,
        IntacctConfig {
            seed: SeedSpec {
                customers: 1,
                invoices: 1,
                returns: 0,
                payments: 0,
                ..SeedSpec::default()
            },
            ..IntacctConfig::default()
        },
        |c| c.id = ConnectionId::parse(&long_id).expect("a valid connection id"),
    )
    .await;
    assert_eq!(world.conn.as_str().len(), 48);
    let first = world.engine.poll(&world.conn, None).await.expect("poll");
    assert!(
        first.finished() && world.invoiced.handle().invoices().len() == 1,
        "precondition: the customer and the invoice were imported: {first:?}"
    );

    // A payment is recorded in Intacct against the imported invoice.
    let doc = world.intacct_records(ObjectKind::SoDocument).remove(0);
    let mut create = intacct::functions::CreateArPayment::new(
        doc.get("CUSTVENDID").expect("customer"),
        dec!(1.00),
        world.intacct.handle.now().date(),
        "Printed Check",
    );
    create.account = Some(intacct::functions::PaymentAccount::BankAccount(
        "BOA".into(),
    ));
    create.ref_id = Some("CHK-LONG-1".into());
    create.items = vec![intacct::functions::ArPaymentItem {
        invoice_key: doc.get("PRRECORDKEY").expect("AR record").to_owned(),
        amount: dec!(1.00),
    }];
    let key = world
        .intacct_client()
        .execute_one(intacct::FunctionCall::random(create))
        .await
        .expect("posted in Intacct")
        .ensure_success()
        .expect("success")
        .key
        .expect("payment key");

    // Invoiced commits the create but answers 500; the next poll tries again.
    world.invoiced.handle().set_commit_then_fail_rate(1.0);
    let failed = world.engine.poll(&world.conn, None).await.expect("poll");
    world.invoiced.handle().set_commit_then_fail_rate(0.0);
    let again = world.engine.poll(&world.conn, None).await.expect("poll");

    let imported: Vec<i64> = world
        .invoiced
        .handle()
        .list_json(Kind::Payment)
        .iter()
        .filter(|p| p["metadata"]["intacct_record_no"] == key.as_str() && p["voided"] != true)
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert!(
        imported.len() == 1,
        "Intacct AR payment {key} of connection {} (48 characters) became {} Invoiced payments \
         {imported:?} after Invoiced committed the first create and answered 500: the import's \
         retry must reuse the first create's idempotency key (the faulty poll imported {} \
         record(s), the next one {})",
        world.conn.as_str(),
        imported.len(),
        failed.imported(),
        again.imported()
    );
}

// ---- 6. a forged payment.deleted --------------------------------------------------------------

pub async fn a_signed_payment_deleted_for_a_live_payment_does_not_reverse_it(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-FD", "Forged Delete").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-FD",
        false,
        vec![line("Work", dec!(1), dec!(40), Metadata::new())],
    )
    .await;
    let paid = payment(&world, &acme, dec!(40), "usd", vec![pays(&inv, dec!(40))]).await;
    world.deliver_new_events().await;
    assert_eq!(
        ar_payments_for(&world, paid.id.get()).len(),
        1,
        "precondition: posted"
    );

    // Correctly signed, but the payment is live in Invoiced.
    let created = event_about(
        &world.invoiced.handle().list_json(Kind::Event),
        "payment.created",
        paid.id.get(),
    );
    let mut forged = created.clone();
    forged["id"] = json!(990_000_001_i64);
    forged["type"] = json!("payment.deleted");
    let reply = world.deliver(&forged).await;
    world.drain_until_quiet(20, 1).await;

    let voided_in_invoiced = world
        .api
        .payments()
        .retrieve(paid.id)
        .await
        .expect("payment")
        .voided;
    let reversals = world.intacct.handle.function_calls("reverse_arpayment");
    let live_now = ar_payments_for(&world, paid.id.get())
        .into_iter()
        .filter(live)
        .count();
    assert!(
        reversals == 0 && live_now == 1,
        "a signed payment.deleted event for payment {}, which is live in Invoiced (voided: \
         {voided_in_invoiced}), was answered {:?} and sent reverse_arpayment {reversals} time(s): \
         {live_now} live AR payment(s) left",
        paid.id,
        reply.body
    );
}

// ---- 7. stale errors --------------------------------------------------------------------------

pub async fn a_customer_error_is_resolved_when_an_invoice_brings_the_customer_to_intacct(
    store: StoreKind,
) {
    let world = world_on(store).await;
    world.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    let acme = customer(&world, "CUST-SE", "Stale Error").await;
    world.deliver_new_events().await;
    world.drain_until_quiet(20, 1).await;
    let error = write_error_of(&world, RecordType::Customer, acme.id)
        .await
        .filter(|e| e.status == ErrorStatus::Open)
        .expect("precondition: the customer's write ended as an open reconciliation error");

    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    let inv = invoice(
        &world,
        &acme,
        "INV-SE",
        false,
        vec![line("Work", dec!(1), dec!(25), Metadata::new())],
    )
    .await;
    let replies = world.deliver_new_events().await;
    let mapping = mapping_of(&world, RecordType::Customer, acme.id).await;
    assert!(
        mapping.is_some()
            && by_field(&world, ObjectKind::Customer, "CUSTOMERID", "CUST-SE").len() == 1,
        "precondition: invoice {}'s write brought the customer to Intacct: {replies:?}",
        inv.id
    );
    let now = write_error_of(&world, RecordType::Customer, acme.id)
        .await
        .expect("error");
    assert_ne!(
        now.status,
        ErrorStatus::Open,
        "customer {} is in Intacct (mapped to {:?}) since invoice {}'s write created it, but its \
         reconciliation error {} ({}) is still open",
        acme.id,
        mapping.map(|m| m.intacct_key),
        inv.id,
        error.id,
        error.code
    );
}

pub async fn a_stream_read_error_is_resolved_when_a_later_poll_reads_the_stream_to_the_end(
    store: StoreKind,
) {
    let world = world_on(store).await;
    world.intacct.handle.set_fault_rates(1.0, 0.0, 0.0);
    let first = world.engine.poll(&world.conn, None).await.expect("poll");
    let stream_errors = |errors: Vec<ReconciliationError>| -> Vec<ReconciliationError> {
        errors
            .into_iter()
            .filter(|e| e.record_id.starts_with("stream:"))
            .collect()
    };
    let before = stream_errors(world.open_errors().await);
    assert!(
        !first.finished() && !before.is_empty(),
        "precondition: a throttled poll left a stream error: {first:?}"
    );

    world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    let second = world.engine.poll(&world.conn, None).await.expect("poll");
    assert!(second.finished(), "precondition: {second:?}");
    let after = stream_errors(world.open_errors().await);
    assert!(
        after.is_empty(),
        "a poll read every stream to the end ({:?}), but stream read error(s) {:?} are still open",
        second
            .streams
            .iter()
            .map(|s| s.stream.as_str())
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|e| format!("{} ({})", e.id, e.code))
            .collect::<Vec<_>>()
    );
}

// ---- 8. a delivery cut off mid-write ------------------------------------------------------------

/// A webhook handler dropped mid-write (the caller hung up) gives its event back: the next
/// delivery of the event is handled at once instead of being refused as "in progress" until the
/// claim lapses, and the payment still reaches Intacct once.
pub async fn a_delivery_cut_off_mid_write_gives_its_event_back(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-CO", "Cut Off").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-CO",
        false,
        vec![line("Work", dec!(1), dec!(30), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(&world, &acme, dec!(30), "usd", vec![pays(&inv, dec!(30))]).await;
    let created = event_about(
        &world.invoiced.handle().list_json(Kind::Event),
        "payment.created",
        paid.id.get(),
    );
    // Intacct is slow: the first delivery is still writing when its caller gives up.
    world.intacct.handle.set_latency_ms(1_500);
    let (body, signature) = world.signed(&created);
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        world
            .engine
            .handle_webhook(world.conn.as_str(), Some(&signature), &body),
    )
    .await;
    assert!(cut.is_err(), "precondition: the first delivery was cut off");
    // Let the dropped handler's releases run and the write's grace pass, then redeliver.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    world.intacct.handle.set_latency_ms(0);
    let again = world.deliver(&created).await;
    assert_ne!(
        status_of(&again),
        "in_progress",
        "the cut-off delivery still held event {}: {:?}",
        created["id"],
        again.body
    );
    world.drain_until_quiet(20, 1).await;
    assert_eq!(
        ar_payments_for(&world, paid.id.get()).len(),
        1,
        "payment {} reached Intacct once",
        paid.id
    );
}

// ---- 9. a payment overtaking the reversal it depends on ----------------------------------------

/// A payment made in Invoiced after another payment of the same invoice was voided can reach
/// Intacct before that void's reversal (throttling reorders writes). Intacct then refuses it:
/// the invoice has nothing open yet. It must wait for the reversal, not end as an error.
pub async fn a_payment_overtaking_a_pending_reversal_waits_for_it(store: StoreKind) {
    let world = world_on(store).await;
    let acme = customer(&world, "CUST-OT", "Overtaken").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-OT",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    let first = payment(&world, &acme, dec!(100), "usd", vec![pays(&inv, dec!(100))]).await;
    world.deliver_new_events().await;
    world
        .api
        .payments()
        .void(first.id)
        .await
        .expect("voided in Invoiced");
    let void_events = world.new_events();
    let second = payment(&world, &acme, dec!(100), "usd", vec![pays(&inv, dec!(100))]).await;
    // The second payment's events arrive first; the void's come later.
    let second_events: Vec<Value> = world
        .new_events()
        .into_iter()
        .filter(|e| !void_events.iter().any(|v| v["id"] == e["id"]))
        .collect();
    for event in &second_events {
        world.deliver(event).await;
    }
    for event in &void_events {
        world.deliver(event).await;
    }
    world.drain_until_quiet(20, 1).await;

    let live_second = ar_payments_for(&world, second.id.get())
        .into_iter()
        .filter(live)
        .count();
    let live_first = ar_payments_for(&world, first.id.get())
        .into_iter()
        .filter(live)
        .count();
    let due = world
        .intacct_records(ObjectKind::ArInvoice)
        .into_iter()
        .find(|r| r.get("RECORDID") == Some("INV-OT"))
        .map(|r| r.money("TOTALDUE"));
    let errors = describe_errors(&world.open_errors().await);
    assert!(
        live_first == 0 && live_second == 1 && due == Some(dec!(0)) && errors.is_empty(),
        "after payment {} was voided and payment {} overtook its reversal: {live_first} live AR \
         payment(s) of the first, {live_second} of the second, INV-OT due {due:?} in Intacct; {errors:?}",
        first.id,
        second.id
    );
}
