//! The benchmark's generated page parses completely and correctly, so the benchmark measures
//! real work.

#[path = "../benches/page_gen.rs"]
mod page_gen;

use intacct::Response;

#[test]
fn a_thousand_row_page_parses_into_typed_rows() {
    let page = page_gen::generate_page(1000);
    assert!(page.len() > 1_500_000, "page is {} bytes", page.len());
    let response = Response::parse(page.as_bytes()).unwrap();
    let data = response.results()[0].data.as_ref().unwrap();
    assert_eq!(
        (data.count, data.total_count, data.num_remaining),
        (Some(1000), Some(3000), Some(2000))
    );
    assert_eq!(data.records.len(), 1000);
    let row = &data.records[7];
    assert_eq!(row.len(), 38);
    assert_eq!(row.get("NAME"), Some("Customer 7 & Sons <Ltd>"));
    assert_eq!(
        row.get("DISPLAYCONTACT.CONTACTNAME"),
        Some("Customer 7 & Sons <Ltd>(C-000007)")
    );
    assert_eq!(row.int("RECORDNO"), Ok(Some(1007)));
    assert_eq!(row.get("STATUS"), Some("inactive"));
    assert_eq!(
        row.datetime("WHENMODIFIED").unwrap().map(|t| t.to_string()),
        Some("2026-11-08 10:07:49".into())
    );
    assert!(
        row.decimal("TOTALDUE")
            .unwrap()
            .is_some_and(|d| d.scale() == 2)
    );
    assert_eq!(row.get("PARENTKEY"), Some(""));
}
