//! Reading: readByQuery paging with numremaining/resultId, readMore expiry, the query syntax the
//! sync's cursors use, new-style query, read by keys, and DL02000001 for unknown fields.

mod intacct_support;

use chrono::TimeDelta;
use intacct_support::{Sandbox, all, data_attr, result_status, start, start_with, text};
use pretty_assertions::assert_eq;
use sandbox::intacct::{IntacctConfig, ObjectKind, SeedSpec, parse_intacct_datetime};

fn rbq(object: &str, query: &str, fields: &str, pagesize: usize) -> String {
    format!(
        "<readByQuery><object>{object}</object><query>{query}</query><fields>{fields}</fields><pagesize>{pagesize}</pagesize><returnFormat>xml</returnFormat></readByQuery>"
    )
}

async fn seeded(customers: usize, invoices: usize, returns: usize, payments: usize) -> Sandbox {
    start_with(IntacctConfig {
        seed: SeedSpec {
            customers,
            invoices,
            returns,
            payments,
            ..SeedSpec::default()
        },
        ..IntacctConfig::default()
    })
    .await
}

#[tokio::test]
async fn readbyquery_pages_with_numremaining_and_readmore_until_done() {
    let sandbox = seeded(5, 0, 0, 0).await;
    let body = sandbox
        .one(&rbq("CUSTOMER", "", "RECORDNO,CUSTOMERID", 2))
        .await;
    assert_eq!(data_attr(&body, "listtype").unwrap(), "customer");
    assert_eq!(data_attr(&body, "count").unwrap(), "2");
    assert_eq!(data_attr(&body, "totalcount").unwrap(), "5");
    assert_eq!(data_attr(&body, "numremaining").unwrap(), "3");
    let result_id = data_attr(&body, "resultId").unwrap();
    assert!(!result_id.is_empty());
    let mut ids = all(&body, "CUSTOMERID");

    let more = format!("<readMore><resultId>{result_id}</resultId></readMore>");
    let body = sandbox.one(&more).await;
    assert_eq!(text(&body, "function").unwrap(), "readMore");
    assert_eq!(data_attr(&body, "numremaining").unwrap(), "1");
    assert_eq!(
        data_attr(&body, "resultId").unwrap(),
        result_id,
        "the resultId stays the same across pages"
    );
    ids.extend(all(&body, "CUSTOMERID"));
    let body = sandbox.one(&more).await;
    assert_eq!(data_attr(&body, "numremaining").unwrap(), "0");
    ids.extend(all(&body, "CUSTOMERID"));
    assert_eq!(
        ids,
        ["C-00001", "C-00002", "C-00003", "C-00004", "C-00005"],
        "ordered by RECORDNO"
    );

    // Exhausted result sets are gone: the resp_23 failure.
    let body = sandbox.one(&more).await;
    assert_eq!(result_status(&body), "failure");
    assert_eq!(text(&body, "errorno").unwrap(), "readMore failed");
    assert_eq!(
        text(&body, "description2").unwrap(),
        format!("Attempt to readMore with an invalid or expired resultId: {result_id}")
    );
}

#[tokio::test]
async fn readmore_fails_once_the_result_set_expired() {
    let sandbox = seeded(3, 0, 0, 0).await;
    let body = sandbox.one(&rbq("CUSTOMER", "", "*", 1)).await;
    let result_id = data_attr(&body, "resultId").unwrap();
    sandbox.handle().advance_clock(TimeDelta::minutes(16));
    let body = sandbox
        .one(&format!(
            "<readMore><resultId>{result_id}</resultId></readMore>"
        ))
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "readMore failed");
}

#[tokio::test]
async fn empty_result_is_a_self_closing_data_element() {
    let sandbox = start().await;
    let body = sandbox
        .one(&rbq("CUSTOMER", "CUSTOMERID = 'nobody'", "*", 100))
        .await;
    assert!(body.contains("<data listtype=\"customer\" count=\"0\" totalcount=\"0\" numremaining=\"0\" resultId=\"\"/>"), "{body}");
}

#[tokio::test]
async fn keyset_cursor_on_whenmodified_and_recordno_sees_only_later_changes() {
    let sandbox = start().await;
    let t0 = parse_intacct_datetime("01/31/2024 10:00:00").unwrap();
    sandbox.handle().set_clock(t0);
    let a = sandbox.create_customer("A", "Alpha").await;
    let b = sandbox.create_customer("B", "Beta").await;
    sandbox.handle().advance_clock(TimeDelta::seconds(90));
    let c = sandbox.create_customer("C", "Gamma").await;
    // The cursor is (01/31/2024 10:00:00, a): b (same second, higher RECORDNO) and c qualify.
    let query = format!(
        "WHENMODIFIED &gt; '01/31/2024 10:00:00' OR (WHENMODIFIED = '01/31/2024 10:00:00' AND RECORDNO &gt; {a})"
    );
    let body = sandbox
        .one(&rbq("CUSTOMER", &query, "RECORDNO,WHENMODIFIED", 100))
        .await;
    assert_eq!(all(&body, "RECORDNO"), [b, c.clone()]);
    assert_eq!(all(&body, "WHENMODIFIED")[1], "01/31/2024 10:01:30");
    // An edit in Intacct bumps WHENMODIFIED and brings the record back.
    sandbox.handle().advance_clock(TimeDelta::seconds(60));
    let no = sandbox
        .handle()
        .find(ObjectKind::Customer, "CUSTOMERID", "A")
        .unwrap()
        .recordno;
    sandbox.handle().edit_record(
        ObjectKind::Customer,
        no,
        [("NAME".to_string(), "Alpha 2".to_string())].into(),
    );
    let body = sandbox
        .one(&rbq(
            "CUSTOMER",
            "WHENMODIFIED &gt;= '01/31/2024 10:02:00'",
            "CUSTOMERID,NAME",
            100,
        ))
        .await;
    assert_eq!(all(&body, "NAME"), ["Alpha 2"]);
}

#[tokio::test]
async fn order_entry_scan_by_docparid_and_in_lists() {
    let sandbox = seeded(2, 3, 2, 0).await;
    let body = sandbox
        .one(&rbq(
            "SODOCUMENT",
            "DOCPARID = 'Sales Return' AND PRRECORDKEY IS NOT NULL",
            "RECORDNO,DOCNO,PRRECORDKEY",
            100,
        ))
        .await;
    assert_eq!(all(&body, "DOCNO"), ["RET-00001", "RET-00002"]);
    let body = sandbox
        .one("<readByQuery><object>SODOCUMENT</object><docparid>Sales Invoice</docparid><query>DOCNO IN ('INV-00001','INV-00003') OR STATUS IS NULL</query><fields>DOCNO</fields><pagesize>100</pagesize></readByQuery>")
        .await;
    // STATUS is not a SODOCUMENT field: DL02000001.
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001", "{body}");
    let body = sandbox
        .one("<readByQuery><object>SODOCUMENT</object><docparid>Sales Invoice</docparid><query>DOCNO IN ('INV-00001','INV-00003') AND CUSTVENDID &lt;&gt; 'C-00009'</query><fields>DOCNO,PRRECORDKEY</fields><pagesize>100</pagesize></readByQuery>")
        .await;
    assert_eq!(all(&body, "DOCNO"), ["INV-00001", "INV-00003"]);
    // PRRECORDKEY is the AR invoice behind the document.
    let key = all(&body, "PRRECORDKEY")[0].clone();
    let body = sandbox
        .one(&rbq(
            "ARINVOICE",
            &format!("RECORDNO = {key}"),
            "RECORDID,MODULEKEY,TOTALDUE",
            10,
        ))
        .await;
    assert_eq!(text(&body, "RECORDID").unwrap(), "INV-00001");
    assert_eq!(text(&body, "MODULEKEY").unwrap(), "8.SO");
}

#[tokio::test]
async fn unknown_fields_and_iso_dates_are_dl02000001() {
    let sandbox = seeded(1, 0, 0, 0).await;
    let body = sandbox
        .one(&rbq("CUSTOMER", "", "RECORDNO,NOT_A_FIELD", 10))
        .await;
    assert_eq!(result_status(&body), "failure");
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001");
    let body = sandbox
        .one(&rbq(
            "CUSTOMER",
            "WHENMODIFIED &gt;= '2024-01-31T00:00:00Z'",
            "*",
            10,
        ))
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001");
    let body = sandbox
        .one(&rbq(
            "CUSTOMER",
            "RECORDNO &gt; 0 ORDER BY RECORDNO",
            "*",
            10,
        ))
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "DL02000001");
    let body = sandbox.one(&rbq("BADOBJECT", "", "*", 10)).await;
    assert_eq!(text(&body, "errorno").unwrap(), "Query Failed");
    assert_eq!(
        text(&body, "description2").unwrap(),
        "Object definition BADOBJECT not found"
    );
}

#[tokio::test]
async fn new_query_filters_orders_and_pages_by_offset() {
    let sandbox = seeded(5, 0, 0, 0).await;
    let query = |offset: usize| {
        format!(
            "<query><select><field>CUSTOMERID</field><field>RECORDNO</field></select><object>CUSTOMER</object><filter><and><greaterthanorequalto><field>CUSTOMERID</field><value>C-00002</value></greaterthanorequalto><notequalto><field>CUSTOMERID</field><value>C-00004</value></notequalto></and></filter><orderby><order><field>CUSTOMERID</field><descending/></order></orderby><pagesize>2</pagesize><offset>{offset}</offset></query>"
        )
    };
    let body = sandbox.one(&query(0)).await;
    assert_eq!(data_attr(&body, "listtype").unwrap(), "CUSTOMER");
    assert_eq!(data_attr(&body, "totalcount").unwrap(), "3");
    assert_eq!(data_attr(&body, "numremaining").unwrap(), "1");
    assert_eq!(all(&body, "CUSTOMERID"), ["C-00005", "C-00003"]);
    let body = sandbox.one(&query(2)).await;
    assert_eq!(all(&body, "CUSTOMERID"), ["C-00002"]);
    assert_eq!(data_attr(&body, "numremaining").unwrap(), "0");
}

#[tokio::test]
async fn read_by_keys_returns_nested_documents_with_lines() {
    let sandbox = seeded(1, 2, 0, 0).await;
    let docs = sandbox.handle().records(ObjectKind::SoDocument);
    let keys = format!("{},{}", docs[0].recordno, docs[1].recordno);
    let body = sandbox
        .one(&format!("<read><object>SODOCUMENT</object><keys>{keys}</keys><fields>RECORDNO,DOCNO,PRRECORDKEY,TERM.NAME,WHENDUE,SODOCUMENTENTRIES</fields><returnFormat>xml</returnFormat><docparid>Sales Invoice</docparid></read>"))
        .await;
    assert_eq!(data_attr(&body, "listtype").unwrap(), "SODOCUMENT");
    assert_eq!(data_attr(&body, "count").unwrap(), "2");
    assert!(body.contains("<TERM><NAME>Net 30</NAME></TERM>"), "{body}");
    assert_eq!(all(&body, "sodocumententry").len(), 4);
    // read shows plain dates as Y-m-d.
    assert!(text(&body, "WHENDUE").unwrap().contains('-'), "{body}");
    let body = sandbox
        .one("<read><object>CUSTOMER</object><keys>1</keys><fields>BOGUS</fields></read>")
        .await;
    assert_eq!(text(&body, "errorno").unwrap(), "Invalid fields list BOGUS");
}

/// The exact field lists and queries the vendor's integration sends
/// (`docs/reference.md#what-is-read`) must be accepted as-is: none may trip DL02000001.
#[tokio::test]
async fn production_field_lists_are_accepted() {
    let sandbox = seeded(2, 2, 1, 1).await;
    let so_fields = "RECORDNO,PRRECORDKEY,DOCNO,CURRENCY,STATE,WHENPOSTED,WHENDUE,TRX_TOTALPAID,TERM.NAME,MESSAGE,PONUMBER,CONTRACTID,SODOCUMENTENTRIES,SUBTOTALS,CUSTREC,CUSTVENDID,CUSTVENDNAME,SHIPTO.PRINTAS,SHIPTO.MAILADDRESS.ADDRESS1,SHIPTO.MAILADDRESS.ADDRESS2,SHIPTO.MAILADDRESS.CITY,SHIPTO.MAILADDRESS.STATE,SHIPTO.MAILADDRESS.ZIP,SHIPTO.MAILADDRESS.COUNTRYCODE,MEGAENTITYID,BILLTOKEY,BILLTO.PRINTAS,BILLTO.EMAIL1,BILLTO.EMAIL2,BILLTO.PHONE1";
    let scan = sandbox
        .one("<readByQuery><object>SODOCUMENT</object><docparid>Sales Invoice</docparid><query>WHENMODIFIED &gt;= '01/01/2020 00:00:00' AND WHENPOSTED &gt;= '01/01/2020' AND TRX_TOTALDUE &gt; 0 AND TRX_TOTALENTERED &gt; 0</query><fields>RECORDNO</fields><pagesize>1000</pagesize></readByQuery>")
        .await;
    // One of the two invoices is paid in full by the seeded payment.
    let ids = all(&scan, "RECORDNO");
    assert_eq!(ids.len(), 1, "{scan}");
    let body = sandbox
        .one(&format!("<read><object>SODOCUMENT</object><keys>{}</keys><fields>{so_fields}</fields><docparid>Sales Invoice</docparid></read>", ids.join(",")))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(all(&body, "sodocumententry").len(), 2);

    let body = sandbox
        .one("<readByQuery><object>ARADJUSTMENT</object><query>TOTALENTERED &lt; 0 AND STATE &lt;&gt; \"Draft\"</query><fields>RECORDNO,RECORDID,CURRENCY,CUSTOMERID,CUSTOMERNAME,DESCRIPTION,STATE,TOTALENTERED,TRX_TOTALENTERED,TOTALPAID,TRX_TOTALPAID,WHENCREATED,WHENMODIFIED,WHENPOSTED,MEGAENTITYID</fields><pagesize>1000</pagesize></readByQuery>")
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    let body = sandbox
        .one("<readByQuery><object>ARADJUSTMENTITEM</object><query>RECORDKEY = '1'</query><fields>AMOUNT,ENTRYDESCRIPTION,RECORDKEY,TRX_AMOUNT</fields><pagesize>1000</pagesize></readByQuery>")
        .await;
    assert_eq!(data_attr(&body, "listtype").unwrap(), "aradjustmentitem");

    let scan = sandbox
        .one("<readByQuery><object>arpayment</object><query>RECORDTYPE = 'rp' AND RECEIPTDATE &gt;= '01/01/2020'</query><fields>RECORDNO</fields><pagesize>1000</pagesize></readByQuery>")
        .await;
    assert_eq!(data_attr(&scan, "listtype").unwrap(), "arpayment");
    let payment = text(&scan, "RECORDNO").unwrap();
    let body = sandbox
        .one(&format!("<read><object>arpayment</object><keys>{payment}</keys><fields>RECORDNO,CUSTOMERID,CUSTOMERNAME,STATE,CURRENCY,RECEIPTDATE,DOCNUMBER,RECORDID,PAYMENTTYPE,INVOICES,CREDITS,AUWHENCREATED,MEGAENTITYID</fields></read>"))
        .await;
    assert_eq!(text(&body, "PAYMENTTYPE").unwrap(), "Printed Check");
    assert_eq!(
        text(&body, "RECORDTYPE").unwrap(),
        "ri",
        "an INVOICES child: {body}"
    );
    assert!(text(&body, "APPLIEDAMOUNT").is_some());
}

#[tokio::test]
async fn records_with_null_whenmodified_are_found_with_is_null_only() {
    let sandbox = start().await;
    sandbox.create_customer("A", "Alpha").await;
    let b = sandbox.create_customer("B", "Beta").await;
    let b = sandbox::intacct::RecordNo::parse(&b).unwrap();
    sandbox.handle().overwrite_fields(
        ObjectKind::Customer,
        b,
        [("WHENMODIFIED".to_string(), String::new())].into(),
    );
    let body = sandbox
        .one(&rbq(
            "CUSTOMER",
            "WHENMODIFIED &gt;= '01/01/2000 00:00:00'",
            "CUSTOMERID",
            10,
        ))
        .await;
    assert_eq!(all(&body, "CUSTOMERID"), ["A"]);
    let body = sandbox
        .one(&rbq("CUSTOMER", "WHENMODIFIED IS NULL", "CUSTOMERID", 10))
        .await;
    assert_eq!(all(&body, "CUSTOMERID"), ["B"]);
}

#[tokio::test]
async fn seed_data_is_deterministic_with_a_frozen_clock() {
    let page = || async {
        let sandbox = start_with(IntacctConfig {
            seed: SeedSpec {
                customers: 3,
                invoices: 5,
                returns: 2,
                payments: 2,
                ..SeedSpec::default()
            },
            frozen_clock: parse_intacct_datetime("01/31/2024 10:00:00"),
            ..IntacctConfig::default()
        })
        .await;
        sandbox.one(&rbq("SODOCUMENT", "", "*", 100)).await
    };
    let first = page().await;
    assert_eq!(data_attr(&first, "totalcount").unwrap(), "7");
    assert!(first.contains("<WHENMODIFIED>01/31/2024 10:00:00</WHENMODIFIED>"));
    let strip = |body: &str| {
        body.split("<result>")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(strip(&first), strip(&page().await));
}
