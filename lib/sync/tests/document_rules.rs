//! The product's rules for documents and customers written to Intacct: voids reverse, edits
//! after posting are not posted, every line dimension override lands, customers update, custom
//! fields map, and bill-to contacts post to their one Intacct customer.

mod common;

use common::{World, credit_note, customer, invoice, line, payment, pays};
use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, Metadata};
use rust_decimal_macros::dec;
use sandbox::intacct::{Fields, ObjectKind};
use sync_engine::config::{CustomerSource, RecordType};
use sync_engine::model::{ErrorFilter, ErrorStatus, Operation, WorkItem};
use sync_engine::ports::ReconciliationStore;

#[tokio::test]
async fn a_voided_invoice_is_reversed_and_a_voided_credit_note_deleted_in_intacct() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-D1", "Voider").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-D1",
        false,
        vec![line("Work", dec!(1), dec!(60), Metadata::new())],
    )
    .await;
    let note = credit_note(&world, &acme, "CN-D1", dec!(15)).await;
    world.deliver_new_events().await;
    assert_eq!(world.intacct_records(ObjectKind::ArAdjustment).len(), 1);

    world
        .api
        .invoices()
        .void(inv.id, &RequestOptions::default())
        .await
        .expect("void invoice");
    world
        .api
        .credit_notes()
        .void(note.id, &RequestOptions::default())
        .await
        .expect("void credit note");
    let replies = world.deliver_new_events().await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
    assert_eq!(world.intacct.handle.function_calls("reverse_invoice"), 1);
    assert_eq!(
        world.intacct.handle.function_calls("delete_aradjustment"),
        1
    );
    assert!(world.intacct_records(ObjectKind::ArAdjustment).is_empty());
    let reversed = world
        .intacct_records(ObjectKind::ArInvoice)
        .into_iter()
        .find(|i| i.fields["RECORDID"] == "INV-D1")
        .expect("the invoice stays, reversed");
    assert_eq!(reversed.money("TOTALDUE"), dec!(0));
}

#[tokio::test]
async fn edits_after_posting_are_not_posted() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-D2", "Editor").await;
    let inv = invoice(
        &world,
        &acme,
        "INV-D2",
        false,
        vec![line("Work", dec!(1), dec!(60), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    world
        .api
        .invoices()
        .update(
            inv.id,
            &InvoiceParams {
                purchase_order: Some("PO-CHANGED".into()),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("edit");
    let before = world.intacct.handle.requests_total();
    let replies = world.deliver_new_events().await;
    assert!(
        replies.iter().all(|r| r.body["status"] == "already_done"),
        "{replies:?}"
    );
    assert_eq!(
        world.intacct.handle.requests_total(),
        before,
        "Intacct not called"
    );
}

#[tokio::test]
async fn every_intacct_custom_field_on_a_line_reaches_the_intacct_line() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-D3", "Dimensions").await;
    // Invoiced allows 10 metadata keys per line: the 16 overrides are split over two lines.
    let first = Metadata::new()
        .with("intacct_glaccountno", "4100")
        .with("intacct_offsetglaccountno", "1100")
        .with("intacct_allocation", "ALLOC")
        .with("intacct_location", "EAST")
        .with("intacct_department", "OPS")
        .with("intacct_project", "P1")
        .with("intacct_vendor", "V1")
        .with("intacct_employee", "E1");
    let second = Metadata::new()
        .with("intacct_item", "ITEM1")
        .with("intacct_class", "C1")
        .with("intacct_contract", "K1")
        .with("intacct_warehouse", "W1")
        .with("intacct_deferredrevaccount", "2400")
        .with("intacct_revrecstartdate", "2026-01-01")
        .with("intacct_revrecenddate", "2026-12-31")
        .with("intacct_revrectemplate", "MONTHLY");
    invoice(
        &world,
        &acme,
        "INV-D3",
        false,
        vec![
            line("One", dec!(1), dec!(10), first),
            line("Two", dec!(1), dec!(20), second),
        ],
    )
    .await;
    world.deliver_new_events().await;
    let ar = world
        .intacct_records(ObjectKind::ArInvoice)
        .pop()
        .expect("posted");
    let expect = |l: &Fields, field: &str, value: &str| {
        assert_eq!(
            l.get(field).map(String::as_str),
            Some(value),
            "{field} in {l:?}"
        );
    };
    let (one, two) = (&ar.lines[0], &ar.lines[1]);
    expect(one, "ACCOUNTNO", "4100");
    expect(one, "OFFSETGLACCOUNTNO", "1100");
    expect(one, "ALLOCATION", "ALLOC");
    expect(one, "LOCATIONID", "EAST");
    expect(one, "DEPARTMENTID", "OPS");
    expect(one, "PROJECTID", "P1");
    expect(one, "VENDORID", "V1");
    expect(one, "EMPLOYEEID", "E1");
    expect(two, "ITEMID", "ITEM1");
    expect(two, "CLASSID", "C1");
    expect(two, "CONTRACTID", "K1");
    expect(two, "WAREHOUSEID", "W1");
    expect(two, "DEFERREDREVACCTNO", "2400");
    expect(two, "REVRECTEMPLATE", "MONTHLY");
    assert!(
        two.get("REVRECSTARTDATE")
            .is_some_and(|d| d.contains("2026")),
        "{two:?}"
    );
    assert!(
        two.get("REVRECENDDATE").is_some_and(|d| d.contains("2026")),
        "{two:?}"
    );
    expect(two, "LOCATIONID", "HQ");
    expect(two, "DEPARTMENTID", "SALES");
    expect(two, "ACCOUNTNO", "4000");
}

#[tokio::test]
async fn a_customer_edited_in_invoiced_is_updated_in_intacct() {
    let world = World::start(|_| {}).await;
    let acme = customer(&world, "CUST-D4", "Old Name").await;
    world.deliver_new_events().await;
    world
        .api
        .customers()
        .update(
            acme.id,
            &CustomerParams {
                name: Some("New Name".into()),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("rename");
    world.deliver_new_events().await;
    let customers = world.intacct_records(ObjectKind::Customer);
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].fields["NAME"], "New Name");
}

#[tokio::test]
async fn a_custom_field_intacct_does_not_have_is_dl02000001_until_the_field_exists() {
    let world = World::start(|c| {
        c.custom_fields
            .customer
            .insert("metadata.region".into(), "REGION".into());
    })
    .await;
    let created = world
        .api
        .customers()
        .create(
            &CustomerParams {
                name: Some("Regional".into()),
                number: Some("CUST-D5".into()),
                metadata: Some(Metadata::new().with("region", "EMEA")),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("customer");
    world.deliver_new_events().await;
    let open = ErrorFilter {
        status: Some(ErrorStatus::Open),
        ..ErrorFilter::default()
    };
    let errors = world.store.list_errors(&world.conn, &open).await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "INTACCT_DL02000001");
    assert!(errors[0].fix.contains("custom field"), "{}", errors[0].fix);

    world
        .intacct
        .handle
        .define_custom_field(ObjectKind::Customer, "REGION");
    world
        .engine
        .requeue(
            WorkItem {
                connection: world.conn.clone(),
                record_type: RecordType::Customer,
                invoiced_id: created.id.to_string(),
                operation: Operation::Create,
            },
            sync_engine::catalogue::Code::SyncOperatorRetry,
            std::time::Duration::ZERO,
        )
        .await
        .unwrap();
    world.drain_retries(3).await;
    assert!(
        world
            .store
            .list_errors(&world.conn, &open)
            .await
            .unwrap()
            .is_empty()
    );
    let intacct = world.intacct_records(ObjectKind::Customer);
    assert_eq!(
        intacct[0].fields.get("REGION").map(String::as_str),
        Some("EMEA")
    );
}

#[tokio::test]
async fn bill_to_contacts_pay_into_their_one_intacct_customer() {
    let world = World::start(|c| c.customers.source = CustomerSource::BillToContacts).await;
    world
        .intacct
        .handle
        .insert_customer("C-PARENT", "Parent Holdings");
    // Two Invoiced customers (bill-to contacts) of the same Intacct customer.
    let mut contacts = Vec::new();
    for (number, name) in [("BT-1", "Parent East"), ("BT-2", "Parent West")] {
        let c = world
            .api
            .customers()
            .create(
                &CustomerParams {
                    name: Some(name.into()),
                    number: Some(number.into()),
                    metadata: Some(Metadata::new().with("intacct_customer_number", "C-PARENT")),
                    ..CustomerParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("contact customer");
        contacts.push(c);
    }
    let inv_east = invoice(
        &world,
        &contacts[0],
        "INV-BT1",
        false,
        vec![line("A", dec!(1), dec!(10), Metadata::new())],
    )
    .await;
    let inv_west = invoice(
        &world,
        &contacts[1],
        "INV-BT2",
        false,
        vec![line("B", dec!(1), dec!(20), Metadata::new())],
    )
    .await;
    world.deliver_new_events().await;
    payment(
        &world,
        &contacts[0],
        dec!(10),
        "usd",
        vec![pays(&inv_east, dec!(10))],
    )
    .await;
    payment(
        &world,
        &contacts[1],
        dec!(20),
        "usd",
        vec![pays(&inv_west, dec!(20))],
    )
    .await;
    world.deliver_new_events().await;

    let customers = world.intacct_records(ObjectKind::Customer);
    assert_eq!(customers.len(), 1, "no Intacct customer per contact");
    for doc in world
        .intacct_records(ObjectKind::ArInvoice)
        .iter()
        .chain(world.intacct_records(ObjectKind::ArPayment).iter())
    {
        assert_eq!(doc.fields["CUSTOMERID"], "C-PARENT", "{:?}", doc.fields);
    }
    assert_eq!(world.intacct_records(ObjectKind::ArPayment).len(), 2);
}
