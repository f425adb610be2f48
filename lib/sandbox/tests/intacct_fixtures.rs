//! The official SDKs' own request fixtures (lib/sandbox/tests/fixtures/intacct/SOURCES.md says
//! where each came from), posted to the sandbox: it must accept what the SDKs write and fail
//! where the real gateway would.

mod intacct_support;

use intacct_support::{Sandbox, all, data_attr, result_status, start, text};
use pretty_assertions::assert_eq;
use sandbox::intacct::ObjectKind;

/// The `<function>` element of a fixture, XML declaration removed.
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/intacct/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match raw.find("?>") {
        Some(end) => raw[end + 2..].trim().to_string(),
        None => raw.trim().to_string(),
    }
}

async fn post_fixture(sandbox: &Sandbox, name: &str) -> String {
    sandbox.call(&fixture(name)).await
}

#[tokio::test]
async fn full_customer_create_needs_its_custom_field_defined() {
    let sandbox = start().await;
    let body = post_fixture(&sandbox, "req_07_fn_create_customer_full.xml").await;
    assert_eq!(
        text(&body, "errorno").unwrap(),
        "DL02000001",
        "CUSTOMFIELD1 is not on CUSTOMER yet"
    );
    sandbox
        .handle()
        .define_custom_field(ObjectKind::Customer, "CUSTOMFIELD1");
    let body = post_fixture(&sandbox, "req_07_fn_create_customer_full.xml").await;
    assert_eq!(result_status(&body), "success", "{body}");
    let customer = sandbox
        .handle()
        .find(ObjectKind::Customer, "CUSTOMERID", "C1234")
        .unwrap();
    assert_eq!(
        customer.get("DISPLAYCONTACT.MAILADDRESS.CITY"),
        Some("San Jose")
    );
    assert_eq!(customer.get("CUSTOMFIELD1"), Some("Hello"));
}

#[tokio::test]
async fn legacy_invoice_with_a_blank_gl_account_is_refused_like_intacct() {
    let sandbox = start().await;
    sandbox
        .handle()
        .insert_customer("CUSTOMER1", "Customer One");
    sandbox
        .handle()
        .define_custom_field(ObjectKind::ArInvoice, "customfield1");
    let body = post_fixture(&sandbox, "req_08_fn_create_invoice_legacy_full.xml").await;
    assert_eq!(result_status(&body), "failure");
    assert!(
        text(&body, "description2")
            .unwrap()
            .starts_with("Enter an account number on line item 1"),
        "{body}"
    );
    // The same document with an account posts, custom field and all.
    let fixed = fixture("req_08_fn_create_invoice_legacy_full.xml").replace(
        "<glaccountno></glaccountno>",
        "<glaccountno>4000</glaccountno>",
    );
    let body = sandbox.call(&fixed).await;
    assert_eq!(result_status(&body), "success", "{body}");
    let invoice = sandbox
        .handle()
        .find(ObjectKind::ArInvoice, "RECORDID", "234")
        .unwrap();
    assert_eq!(invoice.get("CUSTOMFIELD1"), Some("customvalue1"));
    assert_eq!(invoice.get("TOTALDUE"), Some("76343.43"));
}

#[tokio::test]
async fn legacy_payment_for_an_unknown_invoice_key_is_dl03000005() {
    let sandbox = start().await;
    sandbox.handle().insert_customer("C0020", "Customer 20");
    let body = post_fixture(&sandbox, "req_11_fn_create_arpayment_legacy_with_items.xml").await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL03000005");
    assert_eq!(
        text(&body, "description2").unwrap(),
        "No record exits for the invoicekey 1000"
    );
}

#[tokio::test]
async fn sales_order_from_the_sdk_fixture_is_created_with_its_docid_key() {
    let sandbox = start().await;
    sandbox.handle().insert_customer("23530", "Customer 23530");
    sandbox
        .handle()
        .define_custom_field(ObjectKind::SoDocument, "customfield1");
    let body = post_fixture(&sandbox, "req_13_fn_create_sotransaction_legacy.xml").await;
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(text(&body, "key").unwrap(), "Sales Order-23430");
    assert_eq!(
        sandbox.handle().count(ObjectKind::ArInvoice),
        0,
        "a Sales Order does not post to AR"
    );
}

#[tokio::test]
async fn reads_from_the_sdk_fixtures() {
    let sandbox = start().await;
    let body = post_fixture(&sandbox, "req_03_fn_readbyquery.xml").await;
    assert_eq!(all(&body, "errorno"), ["Query Failed"]);
    assert_eq!(
        text(&body, "description2").unwrap(),
        "Object definition CLASS not found"
    );
    let body = post_fixture(&sandbox, "req_06_fn_query_and_filter.xml").await;
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(data_attr(&body, "listtype").unwrap(), "ARINVOICE");
    // Function control ids are echoed.
    assert_eq!(text(&body, "controlid").unwrap(), "ctl-1");
    assert!(body.contains("<controlid>unittest</controlid>"));
}
