//! Payments from Invoiced to Intacct: one AR payment per Invoiced payment, credit-note lines as
//! credit applications in the same all-or-nothing request, convenience fees per the setting,
//! voids reversed, and payments that arrive before their invoice waiting for it.

mod common;

use common::{World, credit_note, credits, customer, invoice, line, payment, pays};
use invoiced::models::{AmountApplication, AppliedTo, Metadata};
use rust_decimal_macros::dec;
use sandbox::intacct::{Fields, ObjectKind};
use serde_json::Value;
use sync_engine::catalogue::Code;
use sync_engine::config::{ConvenienceFees, DimensionIds, RecordType};
use sync_engine::engine::Outcome;
use sync_engine::ports::{MappingStore, ParkingStore};

fn event_type(event: &Value) -> &str {
    event["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_payment_that_arrives_before_its_invoice_waits_then_posts_once_the_invoice_lands() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-P1", "Early Payer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-P1",
        false,
        vec![line("Work", dec!(1), dec!(250), Metadata::new())],
    )
    .await;
    payment(&world, &acme, dec!(250), "usd", vec![pays(&inv, dec!(250))]).await;

    let events = world.new_events();
    let (payment_events, others): (Vec<_>, Vec<_>) = events
        .into_iter()
        .partition(|e| event_type(e).starts_with("payment."));
    // The payment's webhook overtakes the invoice's.
    for e in &payment_events {
        let reply = world.deliver(e).await;
        assert_eq!(reply.body["status"], "parked", "{reply:?}");
    }
    assert_eq!(world.store.count_parked(&world.conn).await.unwrap(), 1);
    assert!(world.intacct_records(ObjectKind::ArPayment).is_empty());

    for e in &others {
        world.deliver(e).await;
    }
    // The invoice landing released the payment onto the queue.
    let outcomes = world.drain_retries(3).await;
    assert!(
        matches!(outcomes.as_slice(), [Outcome::Written { .. }]),
        "{outcomes:?}"
    );
    let payments = world.intacct_records(ObjectKind::ArPayment);
    assert_eq!(payments.len(), 1);
    assert_eq!(world.store.count_parked(&world.conn).await.unwrap(), 0);
    let ar = &world.intacct_records(ObjectKind::ArInvoice)[0];
    assert_eq!(
        ar.fields["TOTALDUE"], "0.00",
        "the invoice is paid in Intacct"
    );
}

#[tokio::test]
async fn cash_and_credit_note_lines_post_as_one_payment_and_one_credit_application() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-P2", "Mixed Payer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-P2",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    let note = credit_note(&world, &acme, "CN-P2", dec!(30)).await;
    world.deliver_new_events().await;
    payment(
        &world,
        &acme,
        dec!(70),
        "usd",
        vec![pays(&inv, dec!(70)), credits(&note, &inv, dec!(30))],
    )
    .await;
    let before = world.intacct.handle.requests_total();
    let replies = world.deliver_new_events().await;
    assert!(
        replies.iter().any(|r| r.body["status"] == "written"),
        "{replies:?}"
    );

    let cash: Vec<_> = world
        .intacct_records(ObjectKind::ArPayment)
        .into_iter()
        .filter(|p| p.fields["PAYMENTMETHOD"] != "Credit Memo")
        .collect();
    assert_eq!(cash.len(), 1, "one Intacct payment, not one per line");
    assert_eq!(cash[0].fields["TOTALENTERED"], "70.00");
    assert_eq!(world.intacct.handle.function_calls("create_arpayment"), 1);
    assert_eq!(world.intacct.handle.function_calls("apply_arpayment"), 1);
    let ar = &world.intacct_records(ObjectKind::ArInvoice)[0];
    assert_eq!(
        ar.fields["TOTALDUE"], "0.00",
        "70 cash + 30 credit settle the invoice"
    );
    // Reading the payment from Invoiced plus one gateway request (lease-bounded) for the write.
    let gateway_requests = world.intacct.handle.requests_total() - before;
    assert!(
        gateway_requests <= 3,
        "{gateway_requests} gateway requests for one payment"
    );
}

#[tokio::test]
async fn a_convenience_fee_becomes_its_own_invoice_the_payment_is_applied_to() {
    let world = World::start(|c| {
        c.convenience_fees = ConvenienceFees::Invoice {
            gl_account: "4900".into(),
            dimensions: DimensionIds {
                department_id: Some("FEES".into()),
                ..DimensionIds::default()
            },
        };
    })
    .await;
    let acme = customer(&world, "CUST-P3", "Card Payer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-P3",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    let paid = payment(
        &world,
        &acme,
        dec!(103),
        "usd",
        vec![
            pays(&inv, dec!(100)),
            AppliedTo::ConvenienceFee(AmountApplication {
                id: None,
                amount: dec!(3),
            }),
        ],
    )
    .await;
    world.deliver_new_events().await;

    let invoices = world.intacct_records(ObjectKind::ArInvoice);
    let fee = invoices
        .iter()
        .find(|i| i.fields["RECORDID"] == format!("CF-{}", paid.id))
        .expect("CF-<payment id> invoice");
    assert_eq!(fee.lines[0]["ACCOUNTNO"], "4900");
    assert_eq!(fee.lines[0]["DEPARTMENTID"], "FEES");
    assert_eq!(fee.fields["TOTALDUE"], "0.00", "the fee is applied to it");
    assert_eq!(world.intacct_records(ObjectKind::ArPayment).len(), 1);
}

#[tokio::test]
async fn with_fees_off_the_fee_stays_as_an_overpayment_with_its_dimensions() {
    let world = World::start(|c| {
        c.convenience_fees = ConvenienceFees::Overpayment {
            dimensions: DimensionIds {
                location_id: Some("OVR".into()),
                ..DimensionIds::default()
            },
        };
    })
    .await;
    let acme = customer(&world, "CUST-P4", "Card Payer Two").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-P4",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    payment(
        &world,
        &acme,
        dec!(103),
        "usd",
        vec![
            pays(&inv, dec!(100)),
            AppliedTo::ConvenienceFee(AmountApplication {
                id: None,
                amount: dec!(3),
            }),
        ],
    )
    .await;
    world.deliver_new_events().await;
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice).len(),
        1,
        "no fee invoice"
    );
    let pay = &world.intacct_records(ObjectKind::ArPayment)[0];
    assert_eq!(
        pay.fields["TOTALENTERED"], "103.00",
        "the whole amount is posted"
    );
    assert_eq!(
        pay.fields.get("OVERPAYLOCID").map(String::as_str),
        Some("OVR")
    );
}

#[tokio::test]
async fn a_voided_payment_is_reversed_in_intacct() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-P5", "Void Payer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-P5",
        false,
        vec![line("Work", dec!(1), dec!(40), Metadata::new())],
    )
    .await;
    let paid = payment(&world, &acme, dec!(40), "usd", vec![pays(&inv, dec!(40))]).await;
    world.deliver_new_events().await;
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice)[0].fields["TOTALDUE"],
        "0.00"
    );

    world
        .api
        .payments()
        .void(paid.id)
        .await
        .expect("void in Invoiced");
    let replies = world.deliver_new_events().await;
    assert!(
        replies.iter().any(|r| r.body["status"] == "written"),
        "{replies:?}"
    );
    assert_eq!(world.intacct.handle.function_calls("reverse_arpayment"), 1);
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice)[0].fields["TOTALDUE"],
        "40.00",
        "the reversal reopens the invoice"
    );
    let mapping = world
        .store
        .mapping_by_invoiced(&world.conn, RecordType::Payment, &paid.id.to_string())
        .await
        .unwrap();
    assert!(mapping.is_some(), "the mapping stays for the record");
}

#[tokio::test]
async fn a_rolled_back_payment_records_the_function_that_failed_not_the_one_rolled_back() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-RB", "Rolled Back").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-RB",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    let note = credit_note(&world, &acme, "CN-RB", dec!(30)).await;
    world.deliver_new_events().await;
    // Someone in Intacct used the credit meanwhile: the credit application inside the payment's
    // all-or-nothing request fails, and Intacct rolls back the create_arpayment before it.
    let adjustment = world
        .intacct_records(ObjectKind::ArAdjustment)
        .pop()
        .expect("credit note");
    let used: Fields = [("TOTALDUE", "0.00"), ("TRX_TOTALDUE", "0.00")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert!(world.intacct.handle.overwrite_fields(
        ObjectKind::ArAdjustment,
        adjustment.recordno,
        used
    ));
    payment(
        &world,
        &acme,
        dec!(70),
        "usd",
        vec![pays(&inv, dec!(70)), credits(&note, &inv, dec!(30))],
    )
    .await;
    let replies = world.deliver_new_events().await;
    assert!(
        replies
            .iter()
            .any(|r| r.body["reason"] == Code::SyncAppliedMoreThanOpen.as_str()),
        "the cause (an application above the open credit) decides what happens: {replies:?}"
    );
    // Its last attempt fails the same way: the record's error is what failed.
    let (mut last, _) = world.queue.drain().pop().expect("queued for retry");
    last.attempt = sync_engine::retry::RetryPolicy::default().max_attempts;
    last.not_before = None;
    let outcome = world.engine.handle_retry(&last).await.expect("handled");
    assert!(matches!(outcome, Outcome::Failed { .. }), "{outcome:?}");

    let errors = world.open_errors().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.code, Code::SyncAppliedMoreThanOpen.as_str());
    assert!(
        error.message.contains("apply_arpayment") && error.message.contains("available credit"),
        "names the function that failed and Intacct's text: {}",
        error.message
    );
    assert!(
        !error.message.contains("create_arpayment"),
        "not the payment the failure rolled back: {}",
        error.message
    );
    assert_eq!(error.fix, Code::SyncAppliedMoreThanOpen.fix());
    assert!(
        world
            .intacct_records(ObjectKind::ArPayment)
            .iter()
            .all(|p| p.fields["PAYMENTMETHOD"] == "Credit Memo" || p.fields["STATE"] == "V"),
        "nothing of the payment stayed in Intacct"
    );
}

/// A card payment of 103 paying a 100 invoice with a 3 convenience fee (fees as invoices).
async fn card_payment_with_fee(world: &World) -> invoiced::models::Payment {
    let acme = customer(world, "CUST-CF", "Card Payer").await;
    let inv = invoice(
        world,
        &acme,
        "INV-CF",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    payment(
        world,
        &acme,
        dec!(103),
        "usd",
        vec![
            pays(&inv, dec!(100)),
            AppliedTo::ConvenienceFee(AmountApplication {
                id: None,
                amount: dec!(3),
            }),
        ],
    )
    .await
}

fn fee_invoice(
    world: &World,
    payment: &invoiced::models::Payment,
) -> Option<sandbox::intacct::Record> {
    world
        .intacct_records(ObjectKind::ArInvoice)
        .into_iter()
        .find(|i| i.fields["RECORDID"] == format!("CF-{}", payment.id))
}

fn fees_as_invoices(c: &mut sync_engine::config::ConnectionConfig) {
    c.convenience_fees = ConvenienceFees::Invoice {
        gl_account: "4900".into(),
        dimensions: DimensionIds::default(),
    };
}

#[tokio::test]
async fn voiding_a_card_payment_reverses_its_convenience_fee_invoice_too() {
    let world = World::start(fees_as_invoices).await;
    let paid = card_payment_with_fee(&world).await;
    world.deliver_new_events().await;
    assert_eq!(
        fee_invoice(&world, &paid).expect("CF").fields["TOTALDUE"],
        "0.00"
    );

    world
        .api
        .payments()
        .void(paid.id)
        .await
        .expect("void in Invoiced");
    world.deliver_new_events().await;
    assert_eq!(world.intacct.handle.function_calls("reverse_arpayment"), 1);
    let fee = fee_invoice(&world, &paid).expect("CF");
    assert_eq!(
        fee.fields["STATE"], "Reversed",
        "the fee invoice goes with its payment"
    );
    assert_eq!(
        fee.fields["TOTALDUE"], "0.00",
        "nothing of the payment stays open"
    );
    assert!(world.open_errors().await.is_empty());
}

#[tokio::test]
async fn a_payment_that_cannot_be_posted_leaves_no_fee_invoice_open_and_a_retry_posts_both() {
    let world = World::start(fees_as_invoices).await;
    // The payment itself is refused (no payment batch key), after its fee invoice was made.
    world
        .intacct
        .handle
        .set_payment_summary_frequency(sandbox::intacct::SummaryFrequency::UserSpecified);
    let paid = card_payment_with_fee(&world).await;
    world.deliver_new_events().await;

    let errors = world.open_errors().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "INTACCT_PAYMENT_BATCH_KEY");
    assert!(
        errors[0].message.contains(&format!("CF-{}", paid.id))
            && errors[0].message.contains("deleted"),
        "the error says what became of the fee invoice: {}",
        errors[0].message
    );
    assert!(
        fee_invoice(&world, &paid).is_none(),
        "no fee invoice left open in Intacct"
    );

    // The operator fixes the setting and retries: the fee invoice is made again and paid.
    world
        .intacct
        .handle
        .set_payment_summary_frequency(sandbox::intacct::SummaryFrequency::Daily);
    world
        .engine
        .requeue(
            sync_engine::model::WorkItem {
                connection: world.conn.clone(),
                record_type: RecordType::Payment,
                invoiced_id: paid.id.to_string(),
                operation: sync_engine::model::Operation::Create,
            },
            Code::SyncOperatorRetry,
            std::time::Duration::ZERO,
        )
        .await
        .expect("queued");
    let outcomes = world.drain_retries(3).await;
    let errors = world.open_errors().await;
    assert!(errors.is_empty(), "{errors:?} {outcomes:?}");
    assert_eq!(
        fee_invoice(&world, &paid).expect("CF again").fields["TOTALDUE"],
        "0.00"
    );
    assert_eq!(world.intacct_records(ObjectKind::ArPayment).len(), 1);
}
