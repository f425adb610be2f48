//! Credits applied in Intacct reach Invoiced: a mixed payment (cash plus a Sales Return's
//! credit) and a credit-only application both import as credit-note applications, and every
//! document's balance in Invoiced is then Intacct's. The sync's own credit applications are not
//! imported back.

mod common;

use common::{World, credit_note, credits, customer, invoice, line, payment, pays};
use invoiced::models::Metadata;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, Record, SeedSpec};
use sync_engine::catalogue::Code;

fn seeded() -> IntacctConfig {
    IntacctConfig {
        seed: SeedSpec {
            customers: 1,
            invoices: 3,
            returns: 2,
            payments: 0,
            ..SeedSpec::default()
        },
        ..IntacctConfig::default()
    }
}

/// The AR record (PRRECORDKEY) and Intacct document of each OE document, by document number.
fn ar_record(world: &World, docno: &str) -> (String, Record) {
    let doc = world
        .intacct_records(ObjectKind::SoDocument)
        .into_iter()
        .find(|d| d.fields["DOCNO"] == docno)
        .unwrap_or_else(|| panic!("{docno} in Intacct"));
    let key = doc.fields["PRRECORDKEY"].clone();
    let ar = world
        .intacct_records(ObjectKind::ArInvoice)
        .into_iter()
        .find(|r| r.recordno.to_string() == key)
        .expect("its AR record");
    (key, ar)
}

/// Every imported invoice and credit note has Intacct's open balance.
fn assert_balances_agree(world: &World) {
    let invoiced = world.invoiced.handle();
    for doc in world.intacct_records(ObjectKind::SoDocument) {
        let number = doc.fields["DOCNO"].clone();
        let (_, ar) = ar_record(world, &number);
        let intacct_due = ar.money("TRX_TOTALDUE").abs();
        let balance = if doc.fields["DOCPARID"] == "Sales Return" {
            invoiced
                .credit_notes()
                .into_iter()
                .find(|c| c.number == number)
                .map(|c| c.balance())
        } else {
            invoiced
                .invoices()
                .into_iter()
                .find(|i| i.number == number)
                .map(|i| i.balance())
        };
        assert_eq!(balance, Some(intacct_due), "{number}: Invoiced vs Intacct");
    }
}

#[tokio::test]
async fn mixed_and_credit_only_payments_made_in_intacct_leave_the_same_balances_in_invoiced() {
    let world = World::start_with(seeded(), |_| {}).await;
    world
        .engine
        .poll(&world.conn, None)
        .await
        .expect("first poll");
    assert_balances_agree(&world);

    let (inv1, ar1) = ar_record(&world, "INV-00001");
    let (inv2, _) = ar_record(&world, "INV-00002");
    let (ret1, ret1_ar) = ar_record(&world, "RET-00001");
    let (ret2, ret2_ar) = ar_record(&world, "RET-00002");
    let due1 = ar1.money("TOTALDUE");
    let credit1 = ret1_ar
        .money("TOTALDUE")
        .abs()
        .min((due1 / dec!(2)).round_dp(2));
    let credit2 = ret2_ar.money("TOTALDUE").abs().min(dec!(20));
    let cash = due1 - credit1;
    assert!(
        cash > Decimal::ZERO,
        "the seed's first invoice exceeds its first return"
    );
    let date = world.intacct_records(ObjectKind::ArInvoice)[0].fields["WHENCREATED"].clone();

    // In Intacct: INV-00001 is paid with cash plus part of RET-00001's credit…
    world
        .intacct
        .handle
        .execute(&format!(
            "<create><ARPYMT><CUSTOMERID>C-00001</CUSTOMERID><PAYMENTMETHOD>Printed Check</PAYMENTMETHOD>\
             <FINANCIALENTITY>BOA</FINANCIALENTITY><RECEIPTDATE>{date}</RECEIPTDATE>\
             <TRX_AMOUNTTOPAY>{cash}</TRX_AMOUNTTOPAY><ARPYMTDETAILS><ARPYMTDETAIL>\
             <RECORDKEY>{inv1}</RECORDKEY><TRX_PAYMENTAMOUNT>{cash}</TRX_PAYMENTAMOUNT>\
             <ADJUSTMENTKEY>{ret1}</ADJUSTMENTKEY><TRX_ADJUSTMENTAMOUNT>{credit1}</TRX_ADJUSTMENTAMOUNT>\
             </ARPYMTDETAIL></ARPYMTDETAILS></ARPYMT></create>"
        ))
        .expect("mixed payment");
    // …and 20 of RET-00002's credit is applied to INV-00002 with no cash at all.
    world
        .intacct
        .handle
        .execute(&format!(
            "<apply_arpayment><arpaymentkey>{ret2}</arpaymentkey><paymentdate><year>2026</year>\
             <month>11</month><day>30</day></paymentdate><arpaymentitems><arpaymentitem>\
             <invoicekey>{inv2}</invoicekey><amount>{credit2}</amount></arpaymentitem>\
             </arpaymentitems></apply_arpayment>"
        ))
        .expect("credit applied");

    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_balances_agree(&world);

    let payments = world.invoiced.handle().payments();
    assert_eq!(payments.len(), 2, "one Invoiced payment per Intacct record");
    let mixed = payments
        .iter()
        .find(|p| !p.amount.is_zero())
        .expect("the mixed payment");
    assert_eq!(mixed.amount, cash, "the payment is its cash");
    let kinds: Vec<&str> = mixed.applied_to.iter().map(|a| a.kind.as_str()).collect();
    assert!(
        kinds.contains(&"invoice") && kinds.contains(&"credit_note"),
        "{kinds:?}"
    );
    let second = world.engine.poll(&world.conn, None).await.expect("again");
    assert_eq!(second.imported(), 0, "{second:?}");
}

#[tokio::test]
async fn the_seeded_credit_and_currency_shapes_import_with_every_balance_equal() {
    let world = World::start_with(
        IntacctConfig {
            seed: SeedSpec {
                customers: 3,
                invoices: 12,
                returns: 6,
                payments: 3,
                mixed_payments: 2,
                credit_applications: 2,
                foreign_invoices: 2,
            },
            ..IntacctConfig::default()
        },
        |_| {},
    )
    .await;
    let cash_and_credit = world
        .intacct_records(ObjectKind::ArPayment)
        .iter()
        .filter(|p| !p.credits.is_empty())
        .count();
    assert_eq!(
        cash_and_credit, 4,
        "the seed made two mixed payments and two applications"
    );
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_balances_agree(&world);
    let euros = world
        .invoiced
        .handle()
        .invoices()
        .into_iter()
        .filter(|i| i.currency == "eur")
        .count();
    assert_eq!(euros, 2);
    assert_eq!(world.invoiced.handle().payments().len(), 7);
}

#[tokio::test]
async fn a_credit_intacct_does_not_know_in_invoiced_is_an_error_not_a_lost_credit() {
    let world = World::start_with(seeded(), |_| {}).await;
    world
        .engine
        .poll(&world.conn, None)
        .await
        .expect("first poll");
    let (inv1, _) = ar_record(&world, "INV-00003");
    // An AR adjustment keyed in Intacct (not an Order Entry return): never imported.
    let adjustment = world
        .intacct
        .handle
        .execute(
            "<create_aradjustment><customerid>C-00001</customerid><datecreated><year>2026</year>\
             <month>11</month><day>30</day></datecreated><adjustmentno>ADJ-1</adjustmentno>\
             <aradjustmentitems><lineitem><glaccountno>4000</glaccountno><amount>-15</amount>\
             </lineitem></aradjustmentitems></create_aradjustment>",
        )
        .expect("adjustment")
        .expect("its key");
    world
        .intacct
        .handle
        .execute(&format!(
            "<apply_arpayment><arpaymentkey>{adjustment}</arpaymentkey><paymentdate><year>2026</year>\
             <month>11</month><day>30</day></paymentdate><arpaymentitems><arpaymentitem>\
             <invoicekey>{inv1}</invoicekey><amount>15</amount></arpaymentitem>\
             </arpaymentitems></apply_arpayment>"
        ))
        .expect("credit applied");

    world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, Code::SyncPaymentCreditUnknown.as_str());
    assert!(
        errors[0].message.contains(&adjustment),
        "{}",
        errors[0].message
    );
}

#[tokio::test]
async fn the_syncs_own_credit_applications_are_not_imported_back() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-OWN", "Own Writes").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-OWN",
        false,
        vec![line("Work", dec!(1), dec!(100), Metadata::new())],
    )
    .await;
    let note = credit_note(&world, &acme, "CN-OWN", dec!(30)).await;
    world.deliver_new_events().await;
    payment(
        &world,
        &acme,
        dec!(70),
        "usd",
        vec![pays(&inv, dec!(70)), credits(&note, &inv, dec!(30))],
    )
    .await;
    world.deliver_new_events().await;
    assert_eq!(world.intacct.handle.function_calls("apply_arpayment"), 1);
    let before = world.invoiced.handle().payments().len();

    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_eq!(
        world.invoiced.handle().payments().len(),
        before,
        "neither the payment nor its credit application came back as a new payment"
    );
}
