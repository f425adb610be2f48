//! Writing, and the configuration-dependent failures production users hit: numbering collisions,
//! the payment batch key, BL02000051, DL02000001, uniqueid reuse and transaction rollback.

mod intacct_support;

use intacct_support::{
    all, data_attr, function, invoice_xml, result_status, result_statuses, start, text,
};
use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use sandbox::intacct::{ObjectKind, RecordNo, SummaryFrequency};

fn payment_xml(
    customer: &str,
    amount: &str,
    account: &str,
    currency: Option<&str>,
    items: &[(&str, &str)],
) -> String {
    let currency = currency.map_or_else(String::new, |c| format!("<basecurr>USD</basecurr><currency>{c}</currency><exchratetype>Intacct Daily Rate</exchratetype>"));
    let items: String = items
        .iter()
        .map(|(k, a)| {
            format!(
                "<arpaymentitem><invoicekey>{k}</invoicekey><amount>{a}</amount></arpaymentitem>"
            )
        })
        .collect();
    format!(
        "<create_arpayment><customerid>{customer}</customerid><paymentamount>{amount}</paymentamount>{account}<refid>Invoiced ID: 17</refid><datereceived><year>2024</year><month>02</month><day>10</day></datereceived><paymentmethod>EFT</paymentmethod>{currency}{items}</create_arpayment>"
    )
}

fn money(sandbox_record: &sandbox::intacct::Record, field: &str) -> Decimal {
    sandbox_record.money(field)
}

#[tokio::test]
async fn generic_customer_create_returns_listtype_objects_and_duplicates_are_bl34000061() {
    let sandbox = start().await;
    let body = sandbox
        .one("<create><CUSTOMER><CUSTOMERID>C1234</CUSTOMERID><NAME>SaaS Corp</NAME><DISPLAYCONTACT><PRINTAS>SaaS Corporation</PRINTAS><EMAIL1>ap@saas.example</EMAIL1><MAILADDRESS><CITY>San Jose</CITY></MAILADDRESS></DISPLAYCONTACT></CUSTOMER></create>")
        .await;
    assert_eq!(result_status(&body), "success");
    assert!(
        body.contains("<data listtype=\"objects\" count=\"1\"><customer><RECORDNO>"),
        "{body}"
    );
    assert_eq!(text(&body, "CUSTOMERID").unwrap(), "C1234");
    let stored = sandbox
        .handle()
        .find(ObjectKind::Customer, "CUSTOMERID", "C1234")
        .unwrap();
    assert_eq!(
        stored.get("DISPLAYCONTACT.MAILADDRESS.CITY"),
        Some("San Jose")
    );

    let body = sandbox.one("<create><CUSTOMER><CUSTOMERID>C1234</CUSTOMERID><NAME>Again</NAME></CUSTOMER></create>").await;
    assert_eq!(result_status(&body), "failure");
    assert_eq!(all(&body, "errorno"), ["BL34000061", "BL01001973"]);
    assert_eq!(sandbox.handle().count(ObjectKind::Customer), 1);
}

#[tokio::test]
async fn unknown_custom_field_is_dl02000001_until_the_field_exists() {
    let sandbox = start().await;
    let create = "<create><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>One</NAME><REGION>EMEA</REGION></CUSTOMER></create>";
    let body = sandbox.one(create).await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001");
    assert_eq!(sandbox.handle().count(ObjectKind::Customer), 0);
    sandbox
        .handle()
        .define_custom_field(ObjectKind::Customer, "REGION");
    let body = sandbox.one(create).await;
    assert_eq!(result_status(&body), "success", "{body}");
    let body = sandbox
        .one(
            "<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><SEGMENT>x</SEGMENT></CUSTOMER></update>",
        )
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001");
    let body = sandbox
        .one("<update><CUSTOMER><CUSTOMERID>C9</CUSTOMERID><NAME>x</NAME></CUSTOMER></update>")
        .await;
    assert_eq!(
        text(&body, "errorno").unwrap(),
        "Cannot update non-existing CUSTOMER with CUSTOMERID=C9."
    );
}

#[tokio::test]
async fn legacy_invoice_returns_its_key_and_a_reused_number_collides() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let key = sandbox.create_invoice("CUST-1", "INV-0001", "250.00").await;
    let invoice = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, RecordNo::parse(&key).unwrap())
        .unwrap();
    assert_eq!(invoice.get("RECORDID"), Some("INV-0001"));
    assert_eq!(money(&invoice, "TOTALDUE"), Decimal::new(25000, 2));
    assert_eq!(invoice.lines.len(), 1);

    let body = sandbox.one(&invoice_xml("CUST-1", "INV-0001", "10")).await;
    assert_eq!(result_status(&body), "failure");
    assert_eq!(
        text(&body, "description2").unwrap(),
        "A transaction with the number 'INV-0001' already exists."
    );
    assert_eq!(sandbox.handle().count(ObjectKind::ArInvoice), 1);

    // Unknown customers fail, and so does a Sales Invoice document number used twice.
    let body = sandbox.one(&invoice_xml("NOPE", "INV-0002", "10")).await;
    assert_eq!(result_status(&body), "failure");
    let so = "<create_sotransaction><transactiontype>Sales Invoice</transactiontype><datecreated><year>2024</year><month>01</month><day>31</day></datecreated><customerid>CUST-1</customerid><documentno>SI-1</documentno><sotransitems><sotransitem><itemid>Consulting</itemid><quantity>2</quantity><unit>Hour</unit><price>100</price></sotransitem></sotransitems></create_sotransaction>";
    let body = sandbox.one(so).await;
    assert_eq!(text(&body, "key").unwrap(), "Sales Invoice-SI-1");
    let doc = sandbox
        .handle()
        .find(ObjectKind::SoDocument, "DOCID", "Sales Invoice-SI-1")
        .unwrap();
    let ar = sandbox
        .handle()
        .record(
            ObjectKind::ArInvoice,
            RecordNo::parse(doc.get("PRRECORDKEY").unwrap()).unwrap(),
        )
        .unwrap();
    assert_eq!(money(&ar, "TOTALDUE"), Decimal::new(200, 0));
    let body = sandbox.one(so).await;
    assert_eq!(
        text(&body, "description2").unwrap(),
        "A transaction with the number 'SI-1' already exists."
    );
}

#[tokio::test]
async fn payments_need_a_batch_key_until_summary_frequency_is_daily_then_lower_totaldue() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let key = sandbox.create_invoice("CUST-1", "INV-1", "100.00").await;
    sandbox
        .handle()
        .set_payment_summary_frequency(SummaryFrequency::UserSpecified);
    let pay = payment_xml(
        "CUST-1",
        "40.00",
        "<bankaccountid>BOA</bankaccountid>",
        None,
        &[(&key, "40.00")],
    );
    let body = sandbox.one(&pay).await;
    assert_eq!(result_status(&body), "failure");
    assert_eq!(
        text(&body, "description2").unwrap(),
        "Please provide a payment batch key."
    );
    assert_eq!(sandbox.handle().count(ObjectKind::ArPayment), 0);

    sandbox
        .handle()
        .set_payment_summary_frequency(SummaryFrequency::Daily);
    let body = sandbox.one(&pay).await;
    assert_eq!(result_status(&body), "success", "{body}");
    let payment_key = text(&body, "key").unwrap();
    let invoice_no = RecordNo::parse(&key).unwrap();
    let invoice = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, invoice_no)
        .unwrap();
    assert_eq!(
        (money(&invoice, "TOTALPAID"), money(&invoice, "TOTALDUE")),
        (Decimal::new(40, 0), Decimal::new(60, 0))
    );
    assert_eq!(invoice.get("STATE"), Some("Partially Paid"));

    // Paying more than is due fails; a key that names nothing is DL03000005.
    let body = sandbox
        .one(&payment_xml(
            "CUST-1",
            "70",
            "<bankaccountid>BOA</bankaccountid>",
            None,
            &[(&key, "70")],
        ))
        .await;
    assert_eq!(result_status(&body), "failure");
    let body = sandbox
        .one(&payment_xml(
            "CUST-1",
            "1",
            "<bankaccountid>BOA</bankaccountid>",
            None,
            &[("999999", "1")],
        ))
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL03000005");

    // Reversing restores the invoice and marks the payment voided.
    let body = sandbox.one(&format!("<reverse_arpayment key=\"{payment_key}\"><datereversed><year>2024</year><month>02</month><day>11</day></datereversed></reverse_arpayment>")).await;
    assert_eq!(result_status(&body), "success", "{body}");
    let invoice = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, invoice_no)
        .unwrap();
    assert_eq!(money(&invoice, "TOTALDUE"), Decimal::new(100, 0));
    assert_eq!(invoice.get("STATE"), Some("Posted"));
    let payments = sandbox.handle().records(ObjectKind::ArPayment);
    assert_eq!(payments.len(), 2, "original + reversal");
    assert!(payments.iter().all(|p| p.get("STATE") == Some("V")));
    assert_eq!(payments[1].invoices[0].amount, Decimal::new(-40, 0));
}

#[tokio::test]
async fn foreign_currency_payment_into_undeposited_funds_is_bl02000051() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let key = sandbox.create_invoice("CUST-1", "INV-1", "100.00").await;
    let body = sandbox
        .one(&payment_xml(
            "CUST-1",
            "10",
            "<undepfundsacct>1030</undepfundsacct>",
            Some("CAD"),
            &[(&key, "10")],
        ))
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "BL02000051");
    assert!(
        text(&body, "description2")
            .unwrap()
            .contains("payment method \"EFT\" using Undeposited Fund Account")
    );
    let body = sandbox
        .one(&payment_xml(
            "CUST-1",
            "10",
            "<bankaccountid>WF01</bankaccountid>",
            Some("CAD"),
            &[(&key, "10")],
        ))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
}

#[tokio::test]
async fn credit_memo_applied_to_an_invoice_with_apply_arpayment() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let invoice = sandbox.create_invoice("CUST-1", "INV-1", "100.00").await;
    let body = sandbox
        .one("<create_aradjustment><customerid>CUST-1</customerid><datecreated><year>2024</year><month>02</month><day>01</day></datecreated><adjustmentno>CN-1</adjustmentno><aradjustmentitems><lineitem><glaccountno>4000</glaccountno><amount>-30.00</amount><memo>Refund</memo></lineitem></aradjustmentitems></create_aradjustment>")
        .await;
    let credit = text(&body, "key").unwrap();
    let body = sandbox
        .one(&format!("<apply_arpayment><arpaymentkey>{credit}</arpaymentkey><paymentdate><year>2024</year><month>02</month><day>02</day></paymentdate><arpaymentitems><arpaymentitem><invoicekey>{invoice}</invoicekey><amount>30</amount></arpaymentitem></arpaymentitems></apply_arpayment>"))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    let applied = sandbox
        .handle()
        .record(
            ObjectKind::ArPayment,
            RecordNo::parse(&text(&body, "key").unwrap()).unwrap(),
        )
        .unwrap();
    assert_eq!(applied.credits[0].record_type, "ra");
    let inv = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, RecordNo::parse(&invoice).unwrap())
        .unwrap();
    assert_eq!(money(&inv, "TOTALDUE"), Decimal::new(70, 0));
    let cn = sandbox
        .handle()
        .record(ObjectKind::ArAdjustment, RecordNo::parse(&credit).unwrap())
        .unwrap();
    assert_eq!(money(&cn, "TOTALDUE"), Decimal::ZERO);
    // The credit is used up.
    let body = sandbox
        .one(&format!("<apply_arpayment><arpaymentkey>{credit}</arpaymentkey><paymentdate><year>2024</year><month>02</month><day>02</day></paymentdate><arpaymentitems><arpaymentitem><invoicekey>{invoice}</invoicekey><amount>1</amount></arpaymentitem></arpaymentitems></apply_arpayment>"))
        .await;
    assert_eq!(result_status(&body), "failure");
}

#[tokio::test]
async fn uniqueid_true_refuses_a_function_controlid_that_already_completed() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let create = function("invoice-INV-7", &invoice_xml("CUST-1", "INV-7", "10"));
    let body = sandbox.call_with(&create, false, true).await;
    assert_eq!(result_status(&body), "success");
    let body = sandbox.call_with(&create, false, true).await;
    assert_eq!(result_status(&body), "failure");
    assert!(
        text(&body, "description2")
            .unwrap()
            .contains("control ID 'invoice-INV-7'"),
        "{body}"
    );
    assert_eq!(
        sandbox.handle().count(ObjectKind::ArInvoice),
        1,
        "executed once"
    );
}

#[tokio::test]
async fn transaction_true_rolls_everything_back_and_aborts_the_rest() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    sandbox.create_invoice("CUST-1", "INV-1", "10").await;
    let functions = [
        function("a", &invoice_xml("CUST-1", "INV-2", "10")),
        function("b", &invoice_xml("CUST-1", "INV-1", "10")), // collides
        function("c", &invoice_xml("CUST-1", "INV-3", "10")),
    ]
    .concat();
    let body = sandbox.call_with(&functions, true, false).await;
    assert_eq!(result_statuses(&body), ["aborted", "failure", "aborted"]);
    let rollback = "The entire transaction in this operation has been rolled back due to an error.";
    assert_eq!(
        all(&body, "description2")
            .iter()
            .filter(|d| *d == rollback)
            .count(),
        3
    );
    assert!(!body.contains("<key>"), "aborted results carry no key");
    assert_eq!(
        sandbox.handle().count(ObjectKind::ArInvoice),
        1,
        "INV-2 was rolled back"
    );

    // Without transaction, the same batch keeps the independent successes.
    let body = sandbox.call_with(&functions, false, false).await;
    assert_eq!(result_statuses(&body), ["success", "failure", "success"]);
    assert_eq!(sandbox.handle().count(ObjectKind::ArInvoice), 3);
}

#[tokio::test]
async fn generic_arpymt_create_and_delete() {
    let sandbox = start().await;
    sandbox.create_customer("JHC", "JHC Inc").await;
    let invoice = sandbox.create_invoice("JHC", "INV-007", "125").await;
    let body = sandbox
        .one(&format!("<create><ARPYMT><FINANCIALENTITY>BOA</FINANCIALENTITY><PAYMENTMETHOD>Cash</PAYMENTMETHOD><CUSTOMERID>JHC</CUSTOMERID><DOCNUMBER>INV-007</DOCNUMBER><RECEIPTDATE>05/15/2019</RECEIPTDATE><ARPYMTDETAILS><ARPYMTDETAIL><RECORDKEY>{invoice}</RECORDKEY><TRX_PAYMENTAMOUNT>125</TRX_PAYMENTAMOUNT></ARPYMTDETAIL></ARPYMTDETAILS></ARPYMT></create>"))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(data_attr(&body, "listtype").unwrap(), "objects");
    let inv = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, RecordNo::parse(&invoice).unwrap())
        .unwrap();
    assert_eq!(inv.get("STATE"), Some("Paid"));
    // A paid invoice cannot be deleted.
    let body = sandbox
        .one(&format!(
            "<delete><object>ARINVOICE</object><keys>{invoice}</keys></delete>"
        ))
        .await;
    assert_eq!(result_status(&body), "failure");
    let body = sandbox
        .one("<delete><object>CUSTOMER</object><keys>424242</keys></delete>")
        .await;
    assert_eq!(
        text(&body, "description2").unwrap(),
        "Cannot find customer with key '424242' to delete."
    );
}

fn so_xml(doctype: &str, number: &str, price: &str) -> String {
    format!(
        "<create_sotransaction><transactiontype>{doctype}</transactiontype><datecreated><year>2024</year><month>01</month><day>31</day></datecreated><customerid>CUST-1</customerid><documentno>{number}</documentno><sotransitems><sotransitem><itemid>Consulting</itemid><quantity>1</quantity><unit>Hour</unit><price>{price}</price></sotransitem></sotransitems></create_sotransaction>"
    )
}

#[tokio::test]
async fn sales_return_credit_applied_to_a_sales_invoice_through_their_ar_records() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    sandbox.one(&so_xml("Sales Invoice", "INV-3", "100")).await;
    sandbox.one(&so_xml("Sales Return", "RET-4", "25")).await;
    let invoice_doc = sandbox
        .handle()
        .find(ObjectKind::SoDocument, "DOCID", "Sales Invoice-INV-3")
        .unwrap();
    let return_doc = sandbox
        .handle()
        .find(ObjectKind::SoDocument, "DOCID", "Sales Return-RET-4")
        .unwrap();
    let (invoice_ar, return_ar) = (
        invoice_doc.get("PRRECORDKEY").unwrap(),
        return_doc.get("PRRECORDKEY").unwrap(),
    );
    let credit = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, RecordNo::parse(return_ar).unwrap())
        .unwrap();
    assert_eq!(
        money(&credit, "TOTALENTERED"),
        Decimal::new(-25, 0),
        "a Sales Return posts a negative AR invoice"
    );

    sandbox
        .handle()
        .advance_clock(chrono::TimeDelta::minutes(5));
    let body = sandbox
        .one(&format!("<apply_arpayment><arpaymentkey>{return_ar}</arpaymentkey><paymentdate><year>2024</year><month>02</month><day>01</day></paymentdate><arpaymentitems><arpaymentitem><invoicekey>{invoice_ar}</invoicekey><amount>25</amount></arpaymentitem></arpaymentitems></apply_arpayment>"))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    // The Order Entry document mirrors the AR balance and shows up in WHENMODIFIED scans again.
    let invoice_doc_after = sandbox
        .handle()
        .record(ObjectKind::SoDocument, invoice_doc.recordno)
        .unwrap();
    assert_eq!(
        money(&invoice_doc_after, "TRX_TOTALDUE"),
        Decimal::new(75, 0)
    );
    assert_ne!(
        invoice_doc_after.get("WHENMODIFIED"),
        invoice_doc.get("WHENMODIFIED")
    );
    let payment = sandbox
        .handle()
        .records(ObjectKind::ArPayment)
        .pop()
        .unwrap();
    assert_eq!(payment.credits[0].record_type, "ri");
    assert_eq!(payment.invoices[0].record.to_string(), invoice_ar);
}

#[tokio::test]
async fn voids_reverse_unpaid_invoices_and_delete_unapplied_credit_notes() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let unpaid = sandbox.create_invoice("CUST-1", "INV-1", "50").await;
    let body = sandbox
        .one(&format!("<reverse_invoice key=\"{unpaid}\"><datereversed><year>2024</year><month>02</month><day>01</day></datereversed><description>Voided on Invoiced</description></reverse_invoice>"))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    let original = sandbox
        .handle()
        .record(ObjectKind::ArInvoice, RecordNo::parse(&unpaid).unwrap())
        .unwrap();
    assert_eq!(original.get("STATE"), Some("Reversed"));
    let reversal = sandbox
        .handle()
        .record(
            ObjectKind::ArInvoice,
            RecordNo::parse(&text(&body, "key").unwrap()).unwrap(),
        )
        .unwrap();
    assert_eq!(reversal.get("STATE"), Some("Reversal"));

    let paid = sandbox.create_invoice("CUST-1", "INV-2", "50").await;
    sandbox
        .one(&payment_xml(
            "CUST-1",
            "50",
            "<bankaccountid>BOA</bankaccountid>",
            None,
            &[(&paid, "50")],
        ))
        .await;
    let body = sandbox
        .one(&format!("<reverse_invoice key=\"{paid}\"/>"))
        .await;
    assert_eq!(
        result_status(&body),
        "failure",
        "payments must be reversed first"
    );

    let body = sandbox
        .one("<create_aradjustment><customerid>CUST-1</customerid><datecreated><year>2024</year><month>02</month><day>01</day></datecreated><adjustmentno>CN-1</adjustmentno><aradjustmentitems><lineitem><glaccountno>4000</glaccountno><amount>-10</amount></lineitem></aradjustmentitems></create_aradjustment>")
        .await;
    let credit = text(&body, "key").unwrap();
    let body = sandbox
        .one(&format!("<delete_aradjustment key=\"{credit}\"/>"))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(sandbox.handle().count(ObjectKind::ArAdjustment), 0);
}

#[tokio::test]
async fn an_unknown_function_fails_the_whole_request_before_anything_runs() {
    let sandbox = start().await;
    sandbox.create_customer("CUST-1", "Acme").await;
    let (s, p) = sandbox.sender();
    let functions = format!(
        "{}{}",
        function("c-1", &invoice_xml("CUST-1", "INV-0001", "10")),
        function("c-2", "<create_widget><name>x</name></create_widget>")
    );
    let (status, body) = sandbox
        .post(intacct_support::request(
            (&s, &p),
            &sandbox.login(),
            &functions,
            false,
            false,
        ))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("<control><status>failure</status>"), "{body}");
    assert_eq!(text(&body, "errorno").unwrap(), "XL03000003");
    assert!(
        text(&body, "description2")
            .unwrap()
            .contains("'create_widget'"),
        "{body}"
    );
    assert!(
        sandbox.handle().records(ObjectKind::ArInvoice).is_empty(),
        "the valid function before it did not run either"
    );
}
