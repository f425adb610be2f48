//! Payment application: how `applied_to` rows move money between a payment, invoices, credit
//! notes and the customer's credit balance — and back again when the payment is voided.
//!
//! Rows of type `invoice`, `convenience_fee` and `credit` spend the payment's cash and together may
//! not exceed its `amount`; `credit_note` and `applied_credit` rows move credit that already exists
//! onto an invoice and spend no cash. A convenience fee never touches an invoice balance.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

use super::error::ApiError;
use super::events::Subject;
use super::input::{self, Body};
use super::models::{Application, AppliedType};
use super::money;
use super::store::{Seq, State};

/// A requested application, before it gets a transaction id.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    /// Row type.
    pub kind: AppliedType,
    /// Amount (> 0).
    pub amount: Decimal,
    /// Target invoice.
    pub invoice: Option<i64>,
    /// Source credit note.
    pub credit_note: Option<i64>,
}

fn failure(reason: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_param(
        format!("An error occurred while trying to apply payment: {reason}"),
        "applied_to",
    )
}

/// Parse an `applied_to` array.
pub fn parse_rows(value: &Value) -> Result<Vec<PlannedRow>, ApiError> {
    let rows = match value {
        Value::Null => return Ok(vec![]),
        Value::Array(rows) => rows,
        _ => {
            return Err(ApiError::invalid_param(
                "applied_to must be an array",
                "applied_to",
            ));
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let row: &Body = row
            .as_object()
            .ok_or_else(|| failure("each application must be an object"))?;
        let kind_text = input::text(row, "type")?.flatten().unwrap_or_default();
        let kind = AppliedType::parse(&kind_text)
            .ok_or_else(|| failure(format!("unsupported application type `{kind_text}`")))?;
        let amount = input::parse_money(row.get("amount").unwrap_or(&Value::Null), "applied_to")?;
        if amount <= Decimal::ZERO {
            return Err(failure("the amount applied must be greater than 0"));
        }
        if let Some(Some(doc)) = input::text(row, "document_type")?
            && doc != "invoice"
        {
            return Err(failure(format!("unsupported document type `{doc}`")));
        }
        let invoice = input::int(row, "invoice")?.flatten();
        let credit_note = input::int(row, "credit_note")?.flatten();
        let needs_invoice = matches!(
            kind,
            AppliedType::Invoice | AppliedType::CreditNote | AppliedType::AppliedCredit
        );
        if needs_invoice && invoice.is_none() {
            return Err(failure("an invoice is required for this application"));
        }
        if kind == AppliedType::CreditNote && credit_note.is_none() {
            return Err(failure("a credit note is required for this application"));
        }
        out.push(PlannedRow {
            kind,
            amount,
            invoice,
            credit_note,
        });
    }
    Ok(out)
}

/// Check that the rows can be applied for `customer` against the current balances.
pub fn validate(
    state: &State,
    customer: Option<i64>,
    amount: Decimal,
    rows: &[PlannedRow],
) -> Result<(), ApiError> {
    if rows.is_empty() {
        return Ok(());
    }
    let Some(customer) = customer else {
        return Err(failure("Missing customer"));
    };
    let cash: Decimal = rows
        .iter()
        .filter(|r| r.kind.consumes_cash())
        .map(|r| r.amount)
        .sum();
    if cash > amount {
        return Err(ApiError::invalid_param(
            format!(
                "Total amount applied ({}) cannot exceed the payment amount ({})",
                money::render(cash),
                money::render(amount)
            ),
            "applied_to",
        ));
    }
    let mut invoice_left: HashMap<i64, Decimal> = HashMap::new();
    let mut note_left: HashMap<i64, Decimal> = HashMap::new();
    let mut credit_left = state
        .customers
        .get(&customer)
        .map(|c| c.credit_balance)
        .unwrap_or_default();
    for row in rows {
        if let Some(id) = row.invoice {
            let invoice = state.invoices.get(&id).filter(|i| i.customer == customer);
            let invoice = invoice.ok_or_else(|| failure(format!("Invoice was not found: {id}")))?;
            if invoice.voided || invoice.draft {
                return Err(failure(format!("invoice {} is not open", invoice.number)));
            }
            let left = invoice_left.entry(id).or_insert_with(|| invoice.balance());
            if row.amount > *left {
                return Err(failure(format!(
                    "the amount applied ({}) exceeds the balance of invoice {} ({})",
                    money::render(row.amount),
                    invoice.number,
                    money::render(*left)
                )));
            }
            *left -= row.amount;
        }
        if let Some(id) = row.credit_note {
            let note = state
                .credit_notes
                .get(&id)
                .filter(|n| n.customer == customer);
            let note = note.ok_or_else(|| failure(format!("Credit Note was not found: {id}")))?;
            if note.voided || note.draft {
                return Err(failure(format!("credit note {} is not open", note.number)));
            }
            let left = note_left.entry(id).or_insert_with(|| note.balance());
            if row.amount > *left {
                return Err(failure(format!(
                    "the amount applied ({}) exceeds the balance of credit note {} ({})",
                    money::render(row.amount),
                    note.number,
                    money::render(*left)
                )));
            }
            *left -= row.amount;
        }
        if row.kind == AppliedType::AppliedCredit {
            if row.amount > credit_left {
                return Err(failure("the customer does not have enough credit balance"));
            }
            credit_left -= row.amount;
        }
    }
    Ok(())
}

/// Give planned rows their transaction ids.
pub fn materialize(state: &mut State, rows: Vec<PlannedRow>) -> Vec<Application> {
    rows.into_iter()
        .map(|r| Application {
            id: state.next_id(Seq::Transaction),
            kind: r.kind,
            amount: r.amount,
            invoice: r.invoice,
            credit_note: r.credit_note,
        })
        .collect()
}

/// The documents a set of applications touches, each once.
pub fn touched(apps: &[Application]) -> Vec<Subject> {
    let mut out = Vec::new();
    for app in apps {
        for subject in [
            app.invoice.map(Subject::Invoice),
            app.credit_note.map(Subject::CreditNote),
        ]
        .into_iter()
        .flatten()
        {
            if !out.contains(&subject) {
                out.push(subject);
            }
        }
    }
    out
}

/// Move the money (`sign` = 1 to apply, −1 to reverse).
pub fn post(state: &mut State, customer: Option<i64>, apps: &[Application], sign: Decimal) {
    for app in apps {
        let amount = app.amount * sign;
        match app.kind {
            AppliedType::Invoice => {
                if let Some(inv) = app.invoice.and_then(|id| state.invoices.get_mut(&id)) {
                    inv.amount_paid += amount;
                }
            }
            AppliedType::CreditNote => {
                if let Some(note) = app
                    .credit_note
                    .and_then(|id| state.credit_notes.get_mut(&id))
                {
                    note.amount_applied_to_invoice += amount;
                }
                if let Some(inv) = app.invoice.and_then(|id| state.invoices.get_mut(&id)) {
                    inv.amount_credited += amount;
                }
            }
            AppliedType::AppliedCredit => {
                if let Some(c) = customer.and_then(|id| state.customers.get_mut(&id)) {
                    c.credit_balance -= amount;
                }
                if let Some(inv) = app.invoice.and_then(|id| state.invoices.get_mut(&id)) {
                    inv.amount_credited += amount;
                }
            }
            AppliedType::Credit => {
                if let Some(c) = customer.and_then(|id| state.customers.get_mut(&id)) {
                    c.credit_balance += amount;
                }
            }
            AppliedType::ConvenienceFee => {}
        }
    }
}

/// Before-images and paid flags of touched documents, captured before money moves.
pub struct Snapshot(Vec<(Subject, Option<super::wire::Json>, bool)>);

/// Capture the touched documents' state.
pub fn snapshot(state: &State, subjects: &[Subject]) -> Snapshot {
    Snapshot(
        subjects
            .iter()
            .map(|s| {
                let paid = match s {
                    Subject::Invoice(id) => state.invoices.get(id).is_some_and(|i| i.paid()),
                    Subject::CreditNote(id) => state.credit_notes.get(id).is_some_and(|n| n.paid()),
                    _ => false,
                };
                (*s, state.event_object(*s), paid)
            })
            .collect(),
    )
}

/// After money moved: close or reopen documents, stamp `updated_at`, emit their events
/// (`invoice.paid` when an invoice just became paid).
pub fn settle_and_emit(state: &mut State, snapshot: Snapshot) {
    let now = state.now();
    for (subject, before, was_paid) in snapshot.0 {
        match subject {
            Subject::Invoice(id) => {
                if let Some(inv) = state.invoices.get_mut(&id) {
                    super::routes::invoices::settle(inv, now, was_paid);
                    inv.updated_at = now;
                }
            }
            Subject::CreditNote(id) => {
                if let Some(note) = state.credit_notes.get_mut(&id) {
                    super::routes::credit_notes::settle(note, was_paid);
                    note.updated_at = now;
                }
            }
            _ => {}
        }
        state.emit_updated(subject, before);
    }
}
