//! Dates are the company's dates: an Invoiced timestamp near midnight posts on the company's
//! day in Intacct, and an Intacct day imports as that day in the company's zone, at UTC+14 and
//! at UTC−12.

mod common;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use common::{World, customer, line};
use invoiced::RequestOptions;
use invoiced::models::{InvoiceParams, Metadata};
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, SeedSpec};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("RFC 3339")
}

async fn posted_day(zone: &str, invoiced_date: &str) -> String {
    let zone: Tz = zone.parse().expect("zone");
    let world = World::start(|c| c.intacct.time_zone = zone).await;
    let acme = customer(&world, "CUST-TZ", "Far Away Ltd").await;
    world
        .api
        .invoices()
        .create(
            &InvoiceParams {
                customer: Some(acme.id),
                number: Some("INV-TZ".into()),
                date: Some(at(invoiced_date)),
                due_date: Some(at(invoiced_date)),
                items: Some(vec![line("Work", dec!(1), dec!(100), Metadata::new())]),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("invoice");
    world.deliver_new_events().await;
    let ar = world
        .intacct_records(ObjectKind::ArInvoice)
        .pop()
        .expect("written to Intacct");
    assert_eq!(ar.fields["WHENDUE"], ar.fields["WHENCREATED"]);
    ar.fields["WHENCREATED"].clone()
}

#[tokio::test]
async fn an_invoiced_timestamp_posts_on_the_companys_day() {
    // 10:30 UTC on 30 November is 00:30 on 1 December at UTC+14.
    assert_eq!(
        posted_day("Pacific/Kiritimati", "2026-11-30T10:30:00Z").await,
        "12/01/2026"
    );
    // 11:30 UTC on 30 November is 23:30 on 29 November at UTC−12.
    assert_eq!(
        posted_day("Etc/GMT+12", "2026-11-30T11:30:00Z").await,
        "11/29/2026"
    );
    assert_eq!(
        posted_day("UTC", "2026-11-30T23:59:00Z").await,
        "11/30/2026"
    );
}

#[tokio::test]
async fn an_intacct_day_imports_as_that_day_in_the_companys_zone() {
    for (zone, noon_in_utc) in [("Pacific/Kiritimati", "22:00"), ("Etc/GMT+12", "00:00")] {
        let zone: Tz = zone.parse().expect("zone");
        let world = World::start_with(
            IntacctConfig {
                seed: SeedSpec {
                    customers: 1,
                    invoices: 1,
                    returns: 0,
                    payments: 1,
                    ..SeedSpec::default()
                },
                ..IntacctConfig::default()
            },
            |c| c.intacct.time_zone = zone,
        )
        .await;
        world.engine.poll(&world.conn, None).await.expect("poll");
        let doc = world
            .intacct_records(ObjectKind::SoDocument)
            .pop()
            .expect("doc");
        let intacct_day = chrono::NaiveDate::parse_from_str(&doc.fields["WHENCREATED"], "%m/%d/%Y")
            .expect("Intacct date");
        let invoice = world.invoiced.handle().invoices().pop().expect("imported");
        let date = DateTime::from_timestamp(invoice.date, 0).expect("instant");
        assert_eq!(
            date.with_timezone(&zone).date_naive(),
            intacct_day,
            "{zone}: the same calendar day"
        );
        assert_eq!(
            date.format("%H:%M").to_string(),
            noon_in_utc,
            "{zone}: its noon"
        );
        let payment = world.invoiced.handle().payments().pop().expect("payment");
        let paid = DateTime::from_timestamp(payment.date, 0).expect("instant");
        assert_eq!(
            paid.with_timezone(&zone).date_naive(),
            intacct_day,
            "{zone}"
        );
    }
}
