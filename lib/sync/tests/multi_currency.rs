//! Multi-currency writes, on a company whose base currency is the euro: a document in another
//! currency carries the base currency, Intacct's daily rate type and its date; a card payment
//! in another currency is posted as EFT (Intacct takes cards only in the base currency); a
//! connection that does not say its base currency gets Intacct's refusal as a visible error.

mod common;

use common::{World, customer, line, pays};
use invoiced::RequestOptions;
use invoiced::models::{Currency, InvoiceParams, Metadata, PaymentMethod, PaymentParams};
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, Settings};
use sync_engine::config::payment_routes::{Deposit, PaymentRoute, RouteMatch};

fn euro_company() -> IntacctConfig {
    IntacctConfig {
        settings: Settings {
            base_currency: "EUR".into(),
            ..Settings::default()
        },
        ..IntacctConfig::default()
    }
}

async fn invoice_in(
    world: &World,
    currency: &str,
    number: &str,
) -> (invoiced::models::Customer, invoiced::models::Invoice) {
    let acme = customer(
        world,
        &format!("CUST-{number}"),
        &format!("Abroad {number} GmbH"),
    )
    .await;
    let invoice = world
        .api
        .invoices()
        .create(
            &InvoiceParams {
                customer: Some(acme.id),
                number: Some(number.into()),
                currency: Some(Currency::parse(currency).expect("currency")),
                items: Some(vec![line("Work", dec!(1), dec!(100), Metadata::new())]),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("invoice");
    (acme, invoice)
}

#[tokio::test]
async fn foreign_currency_writes_carry_base_currency_rate_type_and_date() {
    let world = World::start_with(euro_company(), |c| {
        c.intacct.base_currency = Some("EUR".into());
        // Foreign-currency payments go to a bank account (undeposited funds take only the
        // base currency).
        c.accounts.payment_routes = vec![PaymentRoute {
            currency: RouteMatch::Any,
            method: RouteMatch::Any,
            deposit: Deposit::BankAccount("BOA".into()),
        }];
    })
    .await;
    let (buyer, dollars) = invoice_in(&world, "usd", "INV-USD").await;
    invoice_in(&world, "eur", "INV-EUR").await;
    let replies = world.deliver_new_events().await;
    let errors = world.open_errors().await;
    assert!(errors.is_empty(), "{errors:?} {replies:?}");
    let ar = |number: &str| {
        world
            .intacct_records(ObjectKind::ArInvoice)
            .into_iter()
            .find(|r| r.fields["RECORDID"] == number)
            .unwrap_or_else(|| panic!("{number} in Intacct"))
    };
    let usd = ar("INV-USD");
    assert_eq!(usd.fields["CURRENCY"], "USD");
    assert_eq!(usd.fields["BASECURR"], "EUR");
    assert_eq!(usd.fields["EXCH_RATE_TYPE_ID"], "Intacct Daily Rate");
    assert_eq!(usd.fields["EXCH_RATE_DATE"], usd.fields["WHENCREATED"]);
    let eur = ar("INV-EUR");
    assert_eq!(eur.fields["CURRENCY"], "EUR");
    assert!(
        !eur.fields.contains_key("EXCH_RATE_TYPE_ID"),
        "no rate for the base currency"
    );

    // A card payment in dollars: EFT, not Credit Card.
    let card = world
        .api
        .payments()
        .create(
            &PaymentParams {
                customer: Some(buyer.id),
                amount: Some(dec!(100)),
                currency: Some(Currency::parse("usd").expect("currency")),
                method: Some(PaymentMethod::CreditCard),
                applied_to: Some(vec![pays(&dollars, dec!(100))]),
                ..PaymentParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("payment");
    world.deliver_new_events().await;
    let errors = world.open_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    let posted = world
        .intacct_records(ObjectKind::ArPayment)
        .into_iter()
        .find(|p| p.fields["DOCNUMBER"].contains(&card.id.to_string()))
        .expect("posted");
    assert_eq!(posted.fields["PAYMENTMETHOD"], "EFT");
    assert_eq!(posted.fields["CURRENCY"], "USD");
    assert_eq!(ar("INV-USD").fields["TRX_TOTALDUE"], "0.00");
}

#[tokio::test]
async fn without_its_base_currency_a_foreign_write_is_a_visible_error() {
    let world = World::start_with(euro_company(), |c| c.intacct.base_currency = None).await;
    invoice_in(&world, "usd", "INV-USD").await;
    world.deliver_new_events().await;
    let errors = world.open_errors().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("exchange rate"),
        "Intacct's refusal is the error: {}",
        errors[0].message
    );
    assert!(world.intacct_records(ObjectKind::ArInvoice).is_empty());
}
