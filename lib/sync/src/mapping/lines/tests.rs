use super::*;
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use serde_json::json;

fn line(amount: &str, metadata: serde_json::Value) -> LineItem {
    serde_json::from_value(json!({
        "object": "line_item",
        "name": "Widget",
        "description": "blue",
        "quantity": 1,
        "unit_cost": amount,
        "amount": amount,
        "discountable": true,
        "discounts": [],
        "taxable": true,
        "taxes": [],
        "metadata": metadata,
    }))
    .expect("valid line item")
}

fn defaults() -> LineItemDefaults {
    LineItemDefaults {
        location_id: Some("HQ".into()),
        department_id: Some("SALES".into()),
    }
}

fn ctx<'a>(kind: DocumentKind, defaults: &'a LineItemDefaults) -> LineContext<'a> {
    LineContext {
        kind,
        item_account: "4000",
        defaults,
        customer_id: "CUST-1",
    }
}

fn totals(total: Decimal) -> DocumentTotals<'static> {
    DocumentTotals {
        discounts: &[],
        taxes: &[],
        shipping: &[],
        total,
    }
}

#[test]
fn every_line_gets_the_default_location_and_department() {
    let d = defaults();
    let lines = [line("100.00", json!({})), line("50.25", json!({}))];
    let out = document_lines(&lines, totals(dec!(150.25)), ctx(DocumentKind::Invoice, &d)).unwrap();
    assert_eq!(out.len(), 2);
    for l in &out {
        assert_eq!(l.location_id.as_deref(), Some("HQ"));
        assert_eq!(l.department_id.as_deref(), Some("SALES"));
        assert_eq!(l.account, LineAccount::GlAccountNo("4000".into()));
        assert_eq!(l.customer_id.as_deref(), Some("CUST-1"));
        assert_eq!(l.memo.as_deref(), Some("Widget: blue"));
    }
    assert_eq!(out[1].amount, dec!(50.25));
}

#[test]
fn each_intacct_custom_field_reaches_its_intacct_line_field() {
    let d = defaults();
    let meta = json!({
        "intacct_glaccountno": "4100",
        "intacct_offsetglaccountno": "1100",
        "intacct_allocation": "ALLOC",
        "intacct_location": "EAST",
        "intacct_department": "OPS",
        "intacct_project": "P1",
        "intacct_vendor": "V1",
        "intacct_employee": "E1",
        "intacct_item": "ITEM1",
        "intacct_class": "C1",
        "intacct_contract": "K1",
        "intacct_warehouse": "W1",
        "intacct_deferredrevaccount": "2400",
        "intacct_revrecstartdate": "2026-01-01",
        "intacct_revrecenddate": "12/31/2026",
        "intacct_revrectemplate": "MONTHLY"
    });
    for key in LINE_OVERRIDE_KEYS {
        assert!(
            meta.get(key).is_some(),
            "{key} is not exercised by this test"
        );
    }
    let out = item_line(1, &line("10.00", meta), ctx(DocumentKind::Invoice, &d)).unwrap();
    assert_eq!(out.account, LineAccount::GlAccountNo("4100".into()));
    assert_eq!(out.offset_gl_account_no.as_deref(), Some("1100"));
    assert_eq!(out.allocation_id.as_deref(), Some("ALLOC"));
    assert_eq!(out.location_id.as_deref(), Some("EAST"));
    assert_eq!(out.department_id.as_deref(), Some("OPS"));
    assert_eq!(out.project_id.as_deref(), Some("P1"));
    assert_eq!(out.vendor_id.as_deref(), Some("V1"));
    assert_eq!(out.employee_id.as_deref(), Some("E1"));
    assert_eq!(out.item_id.as_deref(), Some("ITEM1"));
    assert_eq!(out.class_id.as_deref(), Some("C1"));
    assert_eq!(out.contract_id.as_deref(), Some("K1"));
    assert_eq!(out.warehouse_id.as_deref(), Some("W1"));
    assert_eq!(out.deferred_revenue_account.as_deref(), Some("2400"));
    assert_eq!(out.rev_rec_start_date, NaiveDate::from_ymd_opt(2026, 1, 1));
    assert_eq!(out.rev_rec_end_date, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!(out.rev_rec_template.as_deref(), Some("MONTHLY"));
}

#[test]
fn a_typed_custom_field_value_counts_like_text() {
    let d = defaults();
    let out = item_line(
        1,
        &line("1.00", json!({"intacct_project": 42})),
        ctx(DocumentKind::Invoice, &d),
    )
    .unwrap();
    assert_eq!(out.project_id.as_deref(), Some("42"));
}

#[test]
fn a_credit_memo_negates_every_line_including_discount_and_tax() {
    let d = defaults();
    let discounts: Vec<Discount> =
        serde_json::from_value(json!([{"amount": 10}])).expect("discounts");
    let taxes: Vec<Tax> = serde_json::from_value(json!([{"amount": 5}])).expect("taxes");
    let lines = [line("100.00", json!({"intacct_revrectemplate": "MONTHLY"}))];
    let out = document_lines(
        &lines,
        DocumentTotals {
            discounts: &discounts,
            taxes: &taxes,
            shipping: &[],
            total: dec!(95.00),
        },
        ctx(DocumentKind::CreditMemo, &d),
    )
    .unwrap();
    let amounts: Vec<Decimal> = out.iter().map(|l| l.amount).collect();
    assert_eq!(amounts, [dec!(-100.00), dec!(10), dec!(-5)]);
    assert_eq!(out[1].memo.as_deref(), Some("Discount"));
    assert_eq!(out[2].memo.as_deref(), Some("Tax"));
    assert!(
        !out[0].has_rev_rec(),
        "adjustments carry no revenue recognition"
    );
}

#[test]
fn line_level_discounts_and_taxes_are_written_not_dropped() {
    let d = defaults();
    let mut taxed = line("100.00", json!({}));
    taxed.taxes = serde_json::from_value(json!([{"amount": 8.25}])).expect("taxes");
    taxed.discounts = serde_json::from_value(json!([{"amount": 3}])).expect("discounts");
    let out = document_lines(
        &[taxed],
        totals(dec!(105.25)),
        ctx(DocumentKind::Invoice, &d),
    )
    .unwrap();
    let amounts: Vec<Decimal> = out.iter().map(|l| l.amount).collect();
    assert_eq!(amounts, [dec!(100.00), dec!(-3), dec!(8.25)]);
}

#[test]
fn lines_that_do_not_add_up_to_the_total_are_refused() {
    let d = defaults();
    let err = document_lines(
        &[line("100.00", json!({}))],
        totals(dec!(99.99)),
        ctx(DocumentKind::Invoice, &d),
    )
    .unwrap_err();
    assert_eq!(
        err,
        LineMappingError::TotalMismatch {
            written: dec!(100.00),
            expected: dec!(99.99)
        }
    );
}

#[test]
fn a_bad_date_and_an_empty_document_are_clear_errors() {
    let d = defaults();
    let err = item_line(
        2,
        &line("1.00", json!({"intacct_revrecstartdate": "next tuesday"})),
        ctx(DocumentKind::Invoice, &d),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("line 2: intacct_revrecstartdate"),
        "{err}"
    );
    assert_eq!(
        document_lines(&[], totals(dec!(0)), ctx(DocumentKind::Invoice, &d)).unwrap_err(),
        LineMappingError::NoLines
    );
}
