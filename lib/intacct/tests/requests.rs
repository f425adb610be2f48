//! Request builders reproduce the SDK fixtures element for element (order included), because
//! the gateway validates legacy functions against `xs:sequence`s.

mod common;

use chrono::NaiveDate;
use intacct::functions::{
    ApplyArPayment, ArLineItem, ArPaymentItem, Create, CreateArAdjustment, CreateArPayment,
    CreateInvoice, CreateSoTransaction, CurrencyInfo, CustomField, DocumentAction, ExchangeRate,
    Filter, GetApiSession, LineAccount, Object, PaymentAccount, Query, Read, ReadByQuery, ReadMore,
    SoSubtotal, SoTransactionItem, TaxEntry,
};
use intacct::{Auth, ControlId, Credentials, Function, FunctionCall, Request};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use secrecy::SecretString;

use common::{Node, fixture, tree};

fn creds() -> Credentials {
    Credentials {
        sender_id: "testsenderid".into(),
        sender_password: SecretString::from("pass123!"),
        company_id: "testcompany".into(),
        user_id: "testuser".into(),
        user_password: SecretString::from("testpass"),
        entity_id: None,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn unittest() -> ControlId {
    ControlId::parse("unittest").unwrap()
}

/// The `<function>` element our writer produces for `function`, as a normalised tree.
fn function_tree(function: impl Into<Function>) -> Node {
    let request = Request::new().call(FunctionCall::new(unittest(), function));
    let session = SecretString::from("s");
    let xml = request.to_xml(&creds(), Auth::Session(&session));
    tree(&xml)
        .find("function")
        .cloned()
        .expect("function element")
}

fn assert_fixture(fixture_name: &str, element: &str, ours: &Node) {
    let expected = tree(&fixture(fixture_name));
    let expected = expected.find(element).expect("fixture element");
    assert_eq!(ours, expected, "{fixture_name}");
}

#[test]
fn envelope_with_session_matches_sdk_request_block() {
    let request = Request {
        control_id: unittest(),
        unique_id: false,
        transaction: false,
        policy_id: None,
        calls: vec![],
    };
    let session = SecretString::from("testsession..");
    let ours = tree(&request.to_xml(&creds(), Auth::Session(&session)));
    assert_fixture("req_01_envelope_control_sessionid.xml", "request", &ours);
}

#[test]
fn login_operation_for_get_api_session_matches_sdk() {
    let request = Request::new().call(FunctionCall::new(unittest(), GetApiSession::default()));
    let ours = tree(&request.to_xml(&creds(), Auth::Login(&creds())));
    assert_fixture(
        "req_02_operation_login_getapisession.xml",
        "operation",
        ours.find("operation").unwrap(),
    );
}

#[test]
fn entity_login_adds_locationid_after_password() {
    let mut c = creds();
    c.entity_id = Some("East & West".into());
    let request = Request::new().call(FunctionCall::new(unittest(), GetApiSession::default()));
    let ours = tree(&request.to_xml(&c, Auth::Login(&c)));
    let login = ours.find("login").unwrap();
    let names: Vec<_> = login.children.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["userid", "companyid", "password", "locationid"]);
    assert_eq!(login.children[3].text, "East & West");
}

#[test]
fn read_functions_match_sdk() {
    assert_fixture(
        "req_03_fn_readbyquery.xml",
        "function",
        &function_tree(ReadByQuery::new("CLASS", "RECORDNO < 2")),
    );
    assert_fixture(
        "req_04_fn_readmore_resultid.xml",
        "function",
        &function_tree(ReadMore {
            result_id: "6465763031VyprCMCoHYQAAGr@aRsAAAAU4".into(),
        }),
    );
    assert_fixture(
        "req_05_fn_read_keys_docparid.xml",
        "function",
        &function_tree(
            Read::new("CLASS", ["Key1", "Key2"])
                .fields(["Field1", "Field2"])
                .doc_par_id("Sales Invoice"),
        ),
    );
    assert_fixture(
        "req_06_fn_query_and_filter.xml",
        "function",
        &function_tree(
            Query::new("ARINVOICE", ["CUSTOMERID", "RECORDNO"]).filter(Filter::And(vec![
                Filter::gte("RECORDNO", "1"),
                Filter::lte("RECORDNO", "100"),
            ])),
        ),
    );
}

#[test]
fn generic_create_customer_matches_sdk_full_xml() {
    let customer = Object::builder("CUSTOMER")
        .text("CUSTOMERID", "C1234")
        .text("NAME", "SaaS Corp")
        .nested("DISPLAYCONTACT", |c| {
            c.text("PRINTAS", "SaaS Corporation")
                .text("COMPANYNAME", "SaaS Corp.")
                .boolean("TAXABLE", true)
                .text("TAXGROUP", "CA")
                .text("PREFIX", "Mr")
                .text("FIRSTNAME", "Bill")
                .text("LASTNAME", "Smith")
                .text("INITIAL", "G")
                .text("PHONE1", "12")
                .text("PHONE2", "34")
                .text("CELLPHONE", "56")
                .text("PAGER", "78")
                .text("FAX", "90")
                .text("EMAIL1", "noreply@intacct.com")
                .text("EMAIL2", "noreplyagain@intacct.com")
                .text("URL1", "www.intacct.com")
                .text("URL2", "us.intacct.com")
                .nested("MAILADDRESS", |a| {
                    a.text("ADDRESS1", "300 Park Ave")
                        .text("ADDRESS2", "Ste 1400")
                        .text("CITY", "San Jose")
                        .text("STATE", "CA")
                        .text("ZIP", "95110")
                        .text("COUNTRY", "United States")
                        .text("COUNTRYCODE", "US")
                })
        })
        .boolean("ONETIME", false)
        .text("STATUS", "active")
        .boolean("HIDEDISPLAYCONTACT", false)
        .text("CUSTTYPE", "SaaS")
        .text("PARENTID", "C5678")
        .text("GLGROUP", "Group")
        .text("TERRITORYID", "NE")
        .text("SUPDOCID", "A1234")
        .text("TERMNAME", "N30")
        .text("OFFSETGLACCOUNTNO", "1200")
        .text("ARACCOUNT", "4000")
        .text("SHIPPINGMETHOD", "USPS")
        .text("RESALENO", "123")
        .text("TAXID", "12-3456789")
        .decimal("CREDITLIMIT", dec!(1234.56))
        .boolean("ONHOLD", false)
        .text("DELIVERYOPTIONS", "Print")
        .text("CUSTMESSAGEID", "hello")
        .text("COMMENTS", "my comment")
        .text("CURRENCY", "USD")
        .text("ARINVOICEPRINTTEMPLATEID", "temp1")
        .text("OEQUOTEPRINTTEMPLATEID", "temp2")
        .text("OEORDERPRINTTEMPLATEID", "temp3")
        .text("OELISTPRINTTEMPLATEID", "temp4")
        .text("OEINVOICEPRINTTEMPLATEID", "temp5")
        .text("OEADJPRINTTEMPLATEID", "temp6")
        .text("OEOTHERPRINTTEMPLATEID", "temp7")
        .nested("CONTACTINFO", |c| c.text("CONTACTNAME", "primary"))
        .nested("BILLTO", |c| c.text("CONTACTNAME", "bill to"))
        .nested("SHIPTO", |c| c.text("CONTACTNAME", "ship to"))
        .text("OBJECTRESTRICTION", "Restricted")
        .text("RESTRICTEDLOCATIONS", "100#~#200")
        .text("RESTRICTEDDEPARTMENTS", "D100#~#D200")
        .text("CUSTOMFIELD1", "Hello")
        .build()
        .unwrap();
    assert_fixture(
        "req_07_fn_create_customer_full.xml",
        "function",
        &function_tree(Create::one(customer)),
    );
}

fn usd_daily_rate() -> CurrencyInfo {
    CurrencyInfo {
        base_currency: Some("USD".into()),
        currency: "USD".into(),
        exchange: Some(ExchangeRate::Type {
            date: Some(date(2015, 6, 30)),
            rate_type: "Intacct Daily Rate".into(),
        }),
    }
}

#[test]
fn legacy_create_invoice_matches_sdk_order() {
    let mut line = ArLineItem::new(LineAccount::GlAccountNo(String::new()), dec!(76343.43));
    line.tax_entries = vec![TaxEntry {
        detail_id: "TaxName".into(),
        trx_tax: Some(dec!(10)),
    }];
    let mut invoice = CreateInvoice::new("CUSTOMER1", date(2015, 6, 30), vec![line]);
    invoice.date_posted = Some(date(2015, 6, 30));
    invoice.date_due = Some(date(2020, 9, 24));
    invoice.term_name = Some("N30".into());
    invoice.action = Some(DocumentAction::Submit);
    invoice.batch_key = Some("20323".into());
    invoice.invoice_no = Some("234".into());
    invoice.po_number = Some("234235".into());
    invoice.on_hold = Some(true);
    invoice.description = Some("Some description".into());
    invoice.external_id = Some("20394".into());
    invoice.bill_to = Some("28952".into());
    invoice.ship_to = Some("289533".into());
    invoice.currency = Some(usd_daily_rate());
    invoice.no_gl = Some(false);
    invoice.supdoc_id = Some("6942".into());
    invoice.tax_solution_id = Some("taxsolution".into());
    invoice.custom_fields = vec![CustomField::new("customfield1", "customvalue1")];
    assert_fixture(
        "req_08_fn_create_invoice_legacy_full.xml",
        "function",
        &function_tree(invoice),
    );
}

#[test]
fn invoice_line_with_every_dimension_matches_sdk_order() {
    let mut line = ArLineItem::new(
        LineAccount::AccountLabel("TestBill Account1".into()),
        dec!(76343.43),
    );
    line.offset_gl_account_no = Some("93590253".into());
    line.memo = Some("Just another memo".into());
    line.location_id = Some("Location1".into());
    line.department_id = Some("Department1".into());
    line.key = Some("Key1".into());
    line.total_paid = Some(dec!(23484.93));
    line.total_due = Some(dec!(0));
    line.custom_fields = vec![CustomField::new("customfield1", "customvalue1")];
    line.rev_rec_template = Some("RevRec1".into());
    line.deferred_revenue_account = Some("2100".into());
    line.rev_rec_start_date = Some(date(2016, 6, 1));
    line.rev_rec_end_date = Some(date(2017, 5, 31));
    line.project_id = Some("Project1".into());
    line.customer_id = Some("Customer1".into());
    line.vendor_id = Some("Vendor1".into());
    line.employee_id = Some("Employee1".into());
    line.item_id = Some("Item1".into());
    line.class_id = Some("Class1".into());
    line.warehouse_id = Some("Warehouse1".into());
    line.tax_entries = vec![TaxEntry {
        detail_id: "TaxName".into(),
        trx_tax: Some(dec!(10)),
    }];
    let mut invoice = CreateInvoice::new("C1", date(2016, 6, 1), vec![line]);
    invoice.term_name = Some("N30".into());
    assert_fixture(
        "req_09_fn_invoice_lineitem_all_dimensions.xml",
        "lineitem",
        function_tree(invoice).find("lineitem").unwrap(),
    );
}

#[test]
fn allocation_and_contract_dimensions_sit_in_schema_order() {
    let mut line = ArLineItem::new(LineAccount::GlAccountNo("4000".into()), dec!(1));
    line.allocation_id = Some("ALLOC".into());
    line.memo = Some("m".into());
    line.contract_id = Some("CON-1".into());
    line.warehouse_id = Some("WH".into());
    let mut invoice = CreateInvoice::new("C1", date(2016, 6, 1), vec![line]);
    invoice.term_name = Some("N30".into());
    let tree = function_tree(invoice);
    let names: Vec<_> = tree
        .find("lineitem")
        .unwrap()
        .children
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "glaccountno",
            "amount",
            "allocationid",
            "memo",
            "contractid",
            "warehouseid"
        ]
    );
}

#[test]
fn legacy_create_aradjustment_matches_sdk_order() {
    let line = ArLineItem::new(LineAccount::GlAccountNo(String::new()), dec!(76343.43));
    let mut adj = CreateArAdjustment::new("CUSTOMER1", date(2015, 6, 30), vec![line]);
    adj.date_posted = Some(date(2015, 6, 30));
    adj.batch_key = Some("20323".into());
    adj.adjustment_no = Some("234235".into());
    adj.action = Some(DocumentAction::Submit);
    adj.invoice_no = Some("234".into());
    adj.description = Some("Some description".into());
    adj.external_id = Some("20394".into());
    adj.currency = Some(usd_daily_rate());
    adj.no_gl = Some(false);
    assert_fixture(
        "req_10_fn_create_aradjustment_legacy.xml",
        "function",
        &function_tree(adj),
    );
}

fn payment_items() -> Vec<ArPaymentItem> {
    vec![
        ArPaymentItem {
            invoice_key: "1000".into(),
            amount: dec!(75),
        },
        ArPaymentItem {
            invoice_key: "1001".into(),
            amount: dec!(25.99),
        },
    ]
}

#[test]
fn legacy_create_arpayment_matches_sdk_order() {
    let mut p = CreateArPayment::new("C0020", dec!(100.99), date(2016, 6, 30), "Printed Check");
    p.account = Some(PaymentAccount::UndepositedFunds("1030".into()));
    p.ref_id = Some("123456789".into());
    p.overpay_location_id = Some("US".into());
    p.overpay_department_id = Some("CS".into());
    p.items = payment_items();
    assert_fixture(
        "req_11_fn_create_arpayment_legacy_with_items.xml",
        "function",
        &function_tree(p),
    );
}

#[test]
fn legacy_apply_arpayment_matches_sdk_order() {
    let apply = ApplyArPayment {
        ar_payment_key: "1234".into(),
        payment_date: date(2016, 6, 30),
        batch_key: Some("1000".into()),
        memo: Some("hello world".into()),
        overpay_location_id: Some("US".into()),
        overpay_department_id: Some("CS".into()),
        items: payment_items(),
    };
    assert_fixture(
        "req_12_fn_apply_arpayment_legacy_with_items.xml",
        "function",
        &function_tree(apply),
    );
}

#[test]
fn legacy_create_sotransaction_matches_sdk_order() {
    let mut so = CreateSoTransaction::new(
        "Sales Order",
        date(2015, 6, 30),
        "23530",
        vec![SoTransactionItem::new("2390552", dec!(223))],
    );
    so.date_posted = Some(date(2015, 6, 30));
    so.created_from = Some("Sales Quote-Q1002".into());
    so.document_no = Some("23430".into());
    so.orig_doc_date = Some(date(2015, 6, 15));
    so.reference_no = Some("234235".into());
    so.term_name = Some("N30".into());
    so.date_due = Some(date(2020, 9, 24));
    so.message = Some("Submit".into());
    so.shipping_method = Some("USPS".into());
    so.ship_to = Some("28952".into());
    so.bill_to = Some("289533".into());
    so.supdoc_id = Some("6942".into());
    so.external_id = Some("20394".into());
    so.currency = Some(usd_daily_rate());
    so.vsoe_price_list = Some("VSOEPricing".into());
    so.custom_fields = vec![CustomField::new("customfield1", "customvalue1")];
    so.state = Some("Pending".into());
    so.project_id = Some("P2904".into());
    so.subtotals = vec![SoSubtotal {
        description: "Subtotal description".into(),
        total: dec!(223),
    }];
    assert_fixture(
        "req_13_fn_create_sotransaction_legacy.xml",
        "function",
        &function_tree(so),
    );
}

#[test]
fn exactly_once_write_batch_is_one_transaction_with_unique_ids() {
    let invoice_line = ArLineItem::new(LineAccount::GlAccountNo("4000".into()), dec!(10));
    let mut invoice = CreateInvoice::new("C1", date(2026, 1, 2), vec![invoice_line]);
    invoice.term_name = Some("N30".into());
    let mut payment = CreateArPayment::new("C1", dec!(10), date(2026, 1, 3), "EFT");
    payment.account = Some(PaymentAccount::BankAccount("BOA".into()));
    let request = Request::write(ControlId::parse("pay-42").unwrap())
        .call(FunctionCall::new(
            ControlId::parse("pay-42-fee").unwrap(),
            invoice,
        ))
        .call(FunctionCall::new(
            ControlId::parse("pay-42-payment").unwrap(),
            payment,
        ));
    request.validate().unwrap();
    assert!(request.is_write());
    let session = SecretString::from("s");
    let xml = tree(&request.to_xml(&creds(), Auth::Session(&session)));
    assert_eq!(xml.find("uniqueid").unwrap().text, "true");
    assert_eq!(
        xml.find("operation").unwrap().attrs,
        [("transaction".to_owned(), "true".to_owned())]
    );
    let controlids: Vec<_> = xml
        .find("content")
        .unwrap()
        .children
        .iter()
        .map(|f| f.attrs[0].1.as_str())
        .collect();
    assert_eq!(controlids, ["pay-42-fee", "pay-42-payment"]);
}

#[test]
fn values_are_escaped_and_names_validated() {
    let object = Object::builder("CUSTOMER")
        .text("NAME", "Smith & Sons <Ltd> \"quoted\" 'x'")
        .build()
        .unwrap();
    let session = SecretString::from("s");
    let request = Request::new().call(FunctionCall::new(unittest(), Create::one(object)));
    let xml = request.to_xml(&creds(), Auth::Session(&session));
    assert!(xml.contains("Smith &amp; Sons &lt;Ltd&gt; &quot;quoted&quot; &apos;x&apos;"));
    assert_eq!(
        tree(&xml).find("NAME").unwrap().text,
        "Smith & Sons <Ltd> \"quoted\" 'x'"
    );
    assert!(
        Object::builder("CUSTOMER")
            .text("NA ME", "x")
            .build()
            .is_err()
    );
}

#[test]
fn invalid_requests_are_refused_before_sending() {
    let no_lines = CreateInvoice::new("C1", date(2026, 1, 2), vec![]);
    let err = Request::new()
        .call(FunctionCall::random(no_lines))
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("at least 1 line"), "{err}");
    let session_mixed = Request::new()
        .call(FunctionCall::random(GetApiSession::default()))
        .call(FunctionCall::random(ReadByQuery::new("CUSTOMER", "")));
    assert!(session_mixed.validate().is_err());
    let dup = Request::new()
        .call(FunctionCall::new(
            unittest(),
            ReadByQuery::new("CUSTOMER", ""),
        ))
        .call(FunctionCall::new(
            unittest(),
            ReadByQuery::new("CUSTOMER", ""),
        ));
    assert!(dup.validate().is_err());
    assert!(Request::new().validate().is_err());
    let mut adj_line = ArLineItem::new(LineAccount::GlAccountNo("4000".into()), dec!(-5));
    adj_line.rev_rec_template = Some("RR".into());
    let adj = CreateArAdjustment::new("C1", date(2026, 1, 2), vec![adj_line]);
    assert!(
        Request::new()
            .call(FunctionCall::random(adj))
            .validate()
            .is_err()
    );
}

#[test]
fn keyset_query_writes_nested_filters_ordering_and_paging() {
    use intacct::functions::SortDirection;
    let q = Query::new("CUSTOMER", ["RECORDNO", "WHENMODIFIED"])
        .filter(Filter::Or(vec![
            Filter::gt("WHENMODIFIED", "11/25/2026 10:00:00"),
            Filter::And(vec![
                Filter::eq("WHENMODIFIED", "11/25/2026 10:00:00"),
                Filter::gt("RECORDNO", "1042"),
            ]),
            Filter::is_null("WHENMODIFIED"),
            Filter::is_in("STATUS", ["active", "inactive"]),
            Filter::lt("RECORDNO", "9"),
        ]))
        .order_by("WHENMODIFIED", SortDirection::Ascending)
        .order_by("RECORDNO", SortDirection::Ascending)
        .page_size(2000)
        .offset(4000);
    let f = function_tree(q);
    let query = f.find("query").unwrap();
    let names: Vec<_> = query.children.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "select", "object", "filter", "orderby", "pagesize", "offset"
        ]
    );
    let or = query.find("or").unwrap();
    let ops: Vec<_> = or.children.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(ops, ["greaterthan", "and", "isnull", "in", "lessthan"]);
    let values: Vec<_> = or
        .find("in")
        .unwrap()
        .children
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(values, ["STATUS", "active", "inactive"]);
    let order = query.find("orderby").unwrap();
    assert_eq!(order.children[0].children[1].name, "ascending");
    assert_eq!(query.find("offset").unwrap().text, "4000");
}

#[test]
fn reversals_carry_the_key_attribute_and_a_split_date() {
    use intacct::functions::{ReverseArPayment, ReverseInvoice};
    let inv = function_tree(ReverseInvoice {
        key: "1234".into(),
        date_reversed: date(2015, 6, 30),
        description: Some("void from Invoiced".into()),
    });
    let rev = inv.find("reverse_invoice").unwrap();
    assert_eq!(rev.attrs, [("key".to_owned(), "1234".to_owned())]);
    let names: Vec<_> = rev.children.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["datereversed", "description"]);
    let parts: Vec<_> = rev.children[0]
        .children
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(parts, ["2015", "06", "30"]);
    let pay = function_tree(ReverseArPayment {
        key: "77".into(),
        date_reversed: date(2026, 2, 1),
        description: None,
    });
    let rev = pay.find("reverse_arpayment").unwrap();
    assert_eq!(rev.attrs, [("key".to_owned(), "77".to_owned())]);
    assert_eq!(rev.children.len(), 1);
}

#[test]
fn foreign_currency_payment_to_bank_with_explicit_rate() {
    let mut p = CreateArPayment::new("C1", dec!(1.00), date(2019, 11, 10), "EFT");
    p.translated_amount = Some(dec!(0.77));
    p.account = Some(PaymentAccount::BankAccount("WF01".into()));
    p.currency = Some(CurrencyInfo {
        base_currency: Some("USD".into()),
        currency: "CAD".into(),
        exchange: Some(ExchangeRate::Rate(dec!(0.77))),
    });
    let f = function_tree(p);
    let names: Vec<_> = f
        .find("create_arpayment")
        .unwrap()
        .children
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "customerid",
            "paymentamount",
            "translatedamount",
            "bankaccountid",
            "datereceived",
            "paymentmethod",
            "basecurr",
            "currency",
            "exchrate"
        ]
    );
    assert_eq!(f.find("paymentamount").unwrap().text, "1.00");
}

#[test]
fn a_request_says_which_objects_it_concerns() {
    use intacct::functions::ReverseArPayment;
    let customers =
        Request::read(Query::new("CUSTOMER", ["RECORDNO"]).filter(Filter::eq("CUSTOMERID", "C-1")));
    assert!(customers.concerns_only("CUSTOMER"));
    assert!(!customers.concerns_only("ARPYMT"));
    let mixed = customers
        .clone()
        .call(FunctionCall::random(ReverseArPayment {
            key: "7".into(),
            date_reversed: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            description: None,
        }));
    assert!(
        !mixed.concerns_only("CUSTOMER"),
        "one function is about payments"
    );
    assert!(
        !Request::new().concerns_only("CUSTOMER"),
        "an empty request concerns nothing"
    );
}
