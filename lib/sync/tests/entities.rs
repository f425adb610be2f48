//! A connection working in an entity of a multi-entity company: documents and payments are
//! written in the entity; customers, shared across entities, are read and written at the top
//! level unless the connection says otherwise.

mod common;

use common::{World, customer, invoice, line, payment, pays};
use invoiced::models::Metadata;
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, SeedSpec};

async fn write_customer_invoice_and_payment(top_level: bool) -> World {
    let world = World::start(|c| {
        c.intacct.entity_id = Some("US-EAST".into());
        c.intacct.customers_top_level = top_level;
    })
    .await;
    let acme = customer(&world, "CUST-E1", "Entity Buyer").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-E1",
        false,
        vec![line("Work", dec!(1), dec!(80), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    payment(&world, &acme, dec!(80), "usd", vec![pays(&inv, dec!(80))]).await;
    world.deliver_new_events().await;
    let errors = world.open_errors().await;
    assert!(errors.is_empty(), "{errors:?}");
    world
}

fn entity_of(world: &World, kind: ObjectKind) -> Vec<Option<String>> {
    world
        .intacct_records(kind)
        .iter()
        .map(|r| r.fields.get("MEGAENTITYID").cloned())
        .collect()
}

#[tokio::test]
async fn customers_are_written_at_the_top_level_and_documents_in_the_entity() {
    let world = write_customer_invoice_and_payment(true).await;
    assert_eq!(
        entity_of(&world, ObjectKind::Customer),
        [None],
        "shared customer"
    );
    assert_eq!(
        entity_of(&world, ObjectKind::ArInvoice),
        [Some("US-EAST".to_owned())]
    );
    assert_eq!(
        entity_of(&world, ObjectKind::ArPayment),
        [Some("US-EAST".to_owned())]
    );
    assert_eq!(
        world.intacct_records(ObjectKind::ArInvoice)[0].fields["TOTALDUE"],
        "0.00"
    );
}

#[tokio::test]
async fn with_customers_in_the_entity_they_are_written_there() {
    let world = write_customer_invoice_and_payment(false).await;
    assert_eq!(
        entity_of(&world, ObjectKind::Customer),
        [Some("US-EAST".to_owned())]
    );
}

#[tokio::test]
async fn a_poll_in_an_entity_imports_what_the_company_has() {
    let world = World::start_with(
        IntacctConfig {
            seed: SeedSpec {
                customers: 2,
                invoices: 3,
                returns: 1,
                payments: 1,
                ..SeedSpec::default()
            },
            ..IntacctConfig::default()
        },
        |c| c.intacct.entity_id = Some("US-EAST".into()),
    )
    .await;
    let report = world.engine.poll(&world.conn, None).await.expect("poll");
    let errors = world.open_errors().await;
    assert!(
        report.finished() && errors.is_empty(),
        "{report:?} {errors:?}"
    );
    assert_eq!(world.invoiced.handle().customers().len(), 2);
    assert_eq!(world.invoiced.handle().invoices().len(), 3);
    assert_eq!(world.invoiced.handle().payments().len(), 1);
}
