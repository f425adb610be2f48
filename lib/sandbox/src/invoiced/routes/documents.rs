//! What invoices and credit notes share: line items, discounts and taxes.
//!
//! `items` on PATCH **replaces** the line set: elements with an existing `id` update that line,
//! elements without one are new lines, and lines left out are deleted; order follows the array.
//! Flat `discount` / `tax` numbers become a one-element `discounts` / `taxes` array.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::invoiced::error::ApiError;
use crate::invoiced::input::{self, Body, patch_bool, patch_text};
use crate::invoiced::models::{Adjustment, DocumentLines, LineItem};
use crate::invoiced::store::{Seq, State};

fn object<'a>(value: &'a Value, param: &str) -> Result<&'a Body, ApiError> {
    value.as_object().ok_or_else(|| {
        ApiError::invalid_param(format!("Each element of {param} must be an object"), param)
    })
}

fn adjustments(
    state: &mut State,
    value: &Value,
    existing: &[Adjustment],
    param: &str,
) -> Result<Vec<Adjustment>, ApiError> {
    let rows = match value {
        Value::Null => return Ok(vec![]),
        Value::Array(rows) => rows,
        _ => {
            return Err(ApiError::invalid_param(
                format!("{param} must be an array"),
                param,
            ));
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let row = object(row, param)?;
        let amount = row
            .get("amount")
            .map(|a| input::parse_money(a, param))
            .transpose()?
            .unwrap_or(Decimal::ZERO);
        let keep = input::int(row, "id")?
            .flatten()
            .filter(|id| existing.iter().any(|e| e.id == *id));
        let id = match keep {
            Some(id) => id,
            None => state.next_id(Seq::Adjustment),
        };
        out.push(Adjustment { id, amount });
    }
    Ok(out)
}

fn flat_or_array(
    state: &mut State,
    body: &Body,
    flat: &str,
    array: &str,
    existing: &[Adjustment],
) -> Result<Option<Vec<Adjustment>>, ApiError> {
    if let Some(value) = body.get(array) {
        return adjustments(state, value, existing, array).map(Some);
    }
    match body.get(flat) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(vec![])),
        Some(v) => {
            let amount = input::parse_money(v, flat)?;
            let id = existing
                .first()
                .map(|e| e.id)
                .unwrap_or_else(|| state.next_id(Seq::Adjustment));
            Ok(Some(vec![Adjustment { id, amount }]))
        }
    }
}

fn line(state: &mut State, row: &Body, existing: Option<&LineItem>) -> Result<LineItem, ApiError> {
    let mut item = match existing {
        Some(line) => line.clone(),
        None => LineItem {
            id: state.next_id(Seq::Line),
            catalog_item: None,
            kind: None,
            name: None,
            description: None,
            quantity: Decimal::ONE,
            unit_cost: Decimal::ZERO,
            discountable: true,
            taxable: true,
            discounts: vec![],
            taxes: vec![],
            metadata: Default::default(),
        },
    };
    patch_text(row, "catalog_item", &mut item.catalog_item)?;
    patch_text(row, "type", &mut item.kind)?;
    patch_text(row, "name", &mut item.name)?;
    patch_text(row, "description", &mut item.description)?;
    patch_bool(row, "discountable", &mut item.discountable)?;
    patch_bool(row, "taxable", &mut item.taxable)?;
    if let Some(q) = row.get("quantity").filter(|v| !v.is_null()) {
        item.quantity = input::parse_decimal(q, "items")?;
    }
    if let Some(c) = row.get("unit_cost").filter(|v| !v.is_null()) {
        item.unit_cost = input::parse_decimal(c, "items")?;
    }
    if let Some(d) = row.get("discounts") {
        let existing = item.discounts.clone();
        item.discounts = adjustments(state, d, &existing, "items")?;
    }
    if let Some(t) = row.get("taxes") {
        let existing = item.taxes.clone();
        item.taxes = adjustments(state, t, &existing, "items")?;
    }
    if let Some(patch) = input::metadata(row, true)? {
        input::merge_metadata(&mut item.metadata, patch);
    }
    Ok(item)
}

/// Apply `items`, `discounts`/`discount` and `taxes`/`tax` from a body to a document's lines.
pub fn apply_lines(
    state: &mut State,
    lines: &mut DocumentLines,
    body: &Body,
) -> Result<(), ApiError> {
    if let Some(items) = body.get("items") {
        let rows = match items {
            Value::Null => vec![],
            Value::Array(rows) => rows.clone(),
            _ => return Err(ApiError::invalid_param("items must be an array", "items")),
        };
        let mut next = Vec::with_capacity(rows.len());
        for row in &rows {
            let row = object(row, "items")?;
            let existing = input::int(row, "id")?
                .flatten()
                .and_then(|id| lines.items.iter().find(|l| l.id == id));
            next.push(line(state, row, existing)?);
        }
        lines.items = next;
    }
    if let Some(discounts) = flat_or_array(state, body, "discount", "discounts", &lines.discounts)?
    {
        lines.discounts = discounts;
    }
    if let Some(taxes) = flat_or_array(state, body, "tax", "taxes", &lines.taxes)? {
        lines.taxes = taxes;
    }
    if lines.total() < Decimal::ZERO {
        return Err(ApiError::invalid_param(
            "The total cannot be negative.",
            "total",
        ));
    }
    Ok(())
}

/// Unix `date`/`due_date`-style field.
pub fn patch_date(body: &Body, key: &str, field: &mut i64) -> Result<(), ApiError> {
    if let Some(Some(value)) = input::int(body, key)? {
        *field = value;
    }
    Ok(())
}

/// Due date from payment terms: `NET N` → date + N days; `DUE ON RECEIPT` → the date itself.
pub fn due_from_terms(date: i64, terms: Option<&str>) -> Option<i64> {
    let terms = terms?.trim().to_uppercase();
    if terms == "DUE ON RECEIPT" || terms == "NET 0" {
        return Some(date);
    }
    let days: i64 = terms.strip_prefix("NET")?.trim().parse().ok()?;
    Some(date + days * 86_400)
}

/// A random portal token for `url` / `pdf_url`.
pub fn client_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
