//! Invoiced document lines → Intacct AR lines, with dimension defaults and per-line
//! `intacct_*` custom-field overrides.
//!
//! Fixes over the vendor's integration: credit-memo discount and tax lines carry the credit-memo
//! sign (`docs/reference.md#credit-memo-signs`), line-level taxes and discounts are written
//! instead of dropped (`docs/reference.md#line-level-taxes-and-discounts`), and the written lines
//! must add up to the document total or nothing is posted.

use chrono::NaiveDate;
use intacct::functions::{ArLineItem, LineAccount};
use invoiced::models::{Discount, LineItem, Metadata, Shipping, Tax};
use rust_decimal::Decimal;

use crate::config::LineItemDefaults;

/// The Invoiced line-item custom fields that override a written line's Intacct fields.
pub const LINE_OVERRIDE_KEYS: [&str; 16] = [
    "intacct_glaccountno",
    "intacct_offsetglaccountno",
    "intacct_allocation",
    "intacct_location",
    "intacct_department",
    "intacct_project",
    "intacct_vendor",
    "intacct_employee",
    "intacct_item",
    "intacct_class",
    "intacct_contract",
    "intacct_warehouse",
    "intacct_deferredrevaccount",
    "intacct_revrecstartdate",
    "intacct_revrecenddate",
    "intacct_revrectemplate",
];

/// Which AR document the lines are for: signs and allowed fields differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// `create_invoice`: positive lines; revenue recognition allowed.
    Invoice,
    /// `create_aradjustment` credit memo: every amount negated; Intacct has no revenue
    /// recognition on adjustments, so those overrides are ignored.
    CreditMemo,
}

/// A line that cannot be written as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineMappingError {
    /// A custom field holds a value Intacct cannot take.
    #[error("line {line}: {key} = {value:?} is not a date; use YYYY-MM-DD (or MM/DD/YYYY)")]
    BadDate {
        /// 1-based line number.
        line: usize,
        /// Custom field.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// The document has no lines (Intacct refuses empty documents).
    #[error("the document has no line items; Intacct requires at least one line")]
    NoLines,
    /// The written lines would not add up to the Invoiced total.
    #[error(
        "the Intacct lines would total {written} but the Invoiced document totals {expected}; \
         nothing was posted"
    )]
    TotalMismatch {
        /// Sum of the lines to be written.
        written: Decimal,
        /// Invoiced total.
        expected: Decimal,
    },
}

/// What the lines of one document are written with.
#[derive(Debug, Clone, Copy)]
pub struct LineContext<'a> {
    /// Invoice or credit memo.
    pub kind: DocumentKind,
    /// Revenue G/L account when a line names none.
    pub item_account: &'a str,
    /// Default location and department.
    pub defaults: &'a LineItemDefaults,
    /// Intacct customer id, set on every line as the customer dimension.
    pub customer_id: &'a str,
}

/// The totals of an Invoiced document beyond its lines.
#[derive(Debug, Clone, Copy)]
pub struct DocumentTotals<'a> {
    /// Document-level discounts.
    pub discounts: &'a [Discount],
    /// Document-level taxes.
    pub taxes: &'a [Tax],
    /// Shipping charges.
    pub shipping: &'a [Shipping],
    /// The document total the lines must add up to.
    pub total: Decimal,
}

/// Builds every Intacct line of a document: one per Invoiced line, then one line each for
/// discounts, taxes and shipping when non-zero, and checks they add up to the total.
pub fn document_lines(
    lines: &[LineItem],
    totals: DocumentTotals<'_>,
    ctx: LineContext<'_>,
) -> Result<Vec<ArLineItem>, LineMappingError> {
    if lines.is_empty() {
        return Err(LineMappingError::NoLines);
    }
    let mut out = Vec::with_capacity(lines.len() + 3);
    for (index, line) in lines.iter().enumerate() {
        out.push(item_line(index + 1, line, ctx)?);
    }
    let sum = |amounts: &mut dyn Iterator<Item = Decimal>| amounts.sum::<Decimal>();
    let discount = sum(&mut totals.discounts.iter().map(|d| d.amount))
        + sum(&mut lines
            .iter()
            .flat_map(|l| l.discounts.iter().map(|d| d.amount)));
    let tax = sum(&mut totals.taxes.iter().map(|t| t.amount))
        + sum(&mut lines.iter().flat_map(|l| l.taxes.iter().map(|t| t.amount)));
    let shipping = sum(&mut totals.shipping.iter().map(|s| s.amount));
    for (memo, amount) in [
        ("Discount", -discount),
        ("Tax", tax),
        ("Shipping", shipping),
    ] {
        if !amount.is_zero() {
            out.push(summary_line(memo, amount, ctx));
        }
    }
    let written: Decimal = out.iter().map(|l| l.amount).sum();
    let expected = signed(ctx.kind, totals.total);
    if written != expected {
        return Err(LineMappingError::TotalMismatch { written, expected });
    }
    Ok(out)
}

fn signed(kind: DocumentKind, amount: Decimal) -> Decimal {
    match kind {
        DocumentKind::Invoice => amount,
        DocumentKind::CreditMemo => -amount,
    }
}

fn summary_line(memo: &str, amount: Decimal, ctx: LineContext<'_>) -> ArLineItem {
    let mut line = ArLineItem::new(
        LineAccount::GlAccountNo(ctx.item_account.to_owned()),
        signed(ctx.kind, amount),
    );
    line.memo = Some(memo.to_owned());
    line.location_id.clone_from(&ctx.defaults.location_id);
    line.department_id.clone_from(&ctx.defaults.department_id);
    line.customer_id = Some(ctx.customer_id.to_owned());
    line
}

/// One Invoiced line → one Intacct line: defaults first, then the line's `intacct_*` overrides.
pub fn item_line(
    number: usize,
    line: &LineItem,
    ctx: LineContext<'_>,
) -> Result<ArLineItem, LineMappingError> {
    let meta = &line.metadata;
    let account = meta
        .text("intacct_glaccountno")
        .unwrap_or_else(|| ctx.item_account.to_owned());
    let mut out = ArLineItem::new(
        LineAccount::GlAccountNo(account),
        signed(ctx.kind, line.amount),
    );
    out.memo = memo(line);
    out.customer_id = Some(ctx.customer_id.to_owned());
    out.location_id = meta
        .text("intacct_location")
        .or_else(|| ctx.defaults.location_id.clone());
    out.department_id = meta
        .text("intacct_department")
        .or_else(|| ctx.defaults.department_id.clone());
    out.offset_gl_account_no = meta.text("intacct_offsetglaccountno");
    out.allocation_id = meta.text("intacct_allocation");
    out.project_id = meta.text("intacct_project");
    out.vendor_id = meta.text("intacct_vendor");
    out.employee_id = meta.text("intacct_employee");
    out.item_id = meta.text("intacct_item");
    out.class_id = meta.text("intacct_class");
    out.contract_id = meta.text("intacct_contract");
    out.warehouse_id = meta.text("intacct_warehouse");
    if ctx.kind == DocumentKind::Invoice {
        out.deferred_revenue_account = meta.text("intacct_deferredrevaccount");
        out.rev_rec_template = meta.text("intacct_revrectemplate");
        out.rev_rec_start_date = date_field(number, meta, "intacct_revrecstartdate")?;
        out.rev_rec_end_date = date_field(number, meta, "intacct_revrecenddate")?;
    }
    Ok(out)
}

/// `name: description`, or whichever of the two exists.
fn memo(line: &LineItem) -> Option<String> {
    let name = line.name.as_deref().filter(|s| !s.is_empty());
    let description = line.description.as_deref().filter(|s| !s.is_empty());
    match (name, description) {
        (Some(n), Some(d)) => Some(format!("{n}: {d}")),
        (Some(n), None) => Some(n.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

fn date_field(
    line: usize,
    meta: &Metadata,
    key: &'static str,
) -> Result<Option<NaiveDate>, LineMappingError> {
    let Some(value) = meta.text(key) else {
        return Ok(None);
    };
    parse_custom_date(&value)
        .map(Some)
        .ok_or(LineMappingError::BadDate { line, key, value })
}

/// Dates in the formats people type into a custom field: ISO first, then US order.
fn parse_custom_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    ["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%Y%m%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(value, format).ok())
}

#[cfg(test)]
mod tests;
