//! `/invoices`: create, retrieve, update, delete, void, list.

use rust_decimal::Decimal;

use super::documents::{apply_lines, client_id, due_from_terms, patch_date};
use super::{Reply, Req, expand_customer};
use crate::invoiced::error::ApiError;
use crate::invoiced::events::Subject;
use crate::invoiced::input::{self, Body, patch_bool, patch_text};
use crate::invoiced::models::{DocumentLines, Invoice};
use crate::invoiced::pagination::{ListSpec, Query, paginate};
use crate::invoiced::store::{NumberKind, Seq, State};

const SPEC: ListSpec = ListSpec {
    filterable: &[
        "amount_credited",
        "amount_written_off",
        "amount_paid",
        "attempt_count",
        "autopay",
        "balance",
        "closed",
        "consolidated",
        "created_at",
        "currency",
        "date",
        "date_bad_debt",
        "date_paid",
        "date_voided",
        "draft",
        "due_date",
        "id",
        "late_fees",
        "name",
        "needs_attention",
        "next_payment_attempt",
        "number",
        "paid",
        "payment_terms",
        "purchase_order",
        "sent",
        "status",
        "subtotal",
        "total",
        "updated_at",
        "viewed",
        "voided",
        "customer",
        "subscription",
    ],
    date_field: "date",
    default_desc: false,
    has_metadata: true,
};

/// The customer a new document is for: required, existing and active.
pub fn document_customer(state: &State, body: &Body) -> Result<i64, ApiError> {
    let id = match input::int(body, "customer")? {
        Some(Some(id)) => id,
        _ => return Err(ApiError::invalid_param("Customer missing", "customer")),
    };
    let customer = state.customers.get(&id).ok_or_else(|| {
        ApiError::invalid_param(format!("Customer was not found: {id}"), "customer")
    })?;
    if !customer.active {
        return Err(ApiError::invalid_param(
            "This cannot be created because the customer is inactive",
            "customer",
        ));
    }
    Ok(id)
}

fn apply(state: &mut State, invoice: &mut Invoice, body: &Body) -> Result<(), ApiError> {
    if let Some(name) = input::text(body, "name")? {
        invoice.name = name.unwrap_or_else(|| "Invoice".into());
    }
    if let Some(number) = input::text(body, "number")?.flatten() {
        if state.number_taken(NumberKind::Invoice, &number, Some(invoice.id)) {
            return Err(ApiError::invalid_param(
                format!("The given invoice number has already been taken: {number}"),
                "number",
            ));
        }
        invoice.number = number;
    }
    if let Some(Some(currency)) = input::text(body, "currency")? {
        invoice.currency = currency.to_lowercase();
    }
    patch_text(body, "payment_terms", &mut invoice.payment_terms)?;
    patch_text(body, "purchase_order", &mut invoice.purchase_order)?;
    patch_text(body, "notes", &mut invoice.notes)?;
    patch_bool(body, "autopay", &mut invoice.autopay)?;
    patch_bool(body, "draft", &mut invoice.draft)?;
    patch_bool(body, "closed", &mut invoice.closed)?;
    patch_bool(body, "sent", &mut invoice.sent)?;
    patch_date(body, "date", &mut invoice.date)?;
    if let Some(due) = input::int(body, "due_date")? {
        invoice.due_date = due;
    }
    apply_lines(state, &mut invoice.lines, body)?;
    if let Some(patch) = input::metadata(body, true)? {
        input::merge_metadata(&mut invoice.metadata, patch);
    }
    Ok(())
}

/// Keep the closed flag consistent with the balance: a paid invoice closes itself (and records
/// when); one that stops being paid (a payment voided) reopens.
pub fn settle(invoice: &mut Invoice, now: i64, was_paid: bool) {
    let paid = invoice.paid();
    if paid && !was_paid {
        invoice.closed = true;
        invoice.date_paid = Some(now);
    } else if !paid && was_paid {
        invoice.closed = false;
        invoice.date_paid = None;
    }
}

/// Create an invoice; also used by the control handle.
pub fn insert(state: &mut State, body: &Body) -> Result<Invoice, ApiError> {
    let customer_id = document_customer(state, body)?;
    let customer = state
        .customers
        .get(&customer_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Customer", customer_id))?;
    let now = state.now();
    let mut invoice = Invoice {
        id: 0,
        customer: customer_id,
        name: "Invoice".into(),
        number: String::new(),
        currency: customer.currency.clone().unwrap_or_else(|| "usd".into()),
        draft: false,
        closed: false,
        voided: false,
        sent: false,
        viewed: false,
        pending: false,
        autopay: customer.autopay,
        payment_terms: customer.payment_terms.clone(),
        purchase_order: None,
        date: now,
        due_date: None,
        lines: DocumentLines::default(),
        notes: None,
        amount_paid: Decimal::ZERO,
        amount_credited: Decimal::ZERO,
        date_paid: None,
        date_voided: None,
        client_id: client_id(),
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    };
    apply(state, &mut invoice, body)?;
    if !body.contains_key("due_date") {
        invoice.due_date = due_from_terms(invoice.date, invoice.payment_terms.as_deref());
    }
    if invoice.number.is_empty() {
        invoice.number = state.next_number(NumberKind::Invoice);
    }
    invoice.id = state.next_id(Seq::Invoice);
    settle(&mut invoice, now, false);
    state.index_number(NumberKind::Invoice, None, &invoice.number, invoice.id);
    state.invoices.insert(invoice.id, invoice.clone());
    state.emit_created(Subject::Invoice(invoice.id));
    Ok(invoice)
}

/// `POST /invoices` → 201.
pub fn create(state: &mut State, body: &Body) -> Result<Reply, ApiError> {
    let invoice = insert(state, body)?;
    Ok(Reply::created(invoice.render(state.now())))
}

fn find(state: &State, id: i64) -> Result<&Invoice, ApiError> {
    state
        .invoices
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Invoice", id))
}

/// `GET /invoices/:id` (`expand=customer` supported).
pub fn get(state: &State, id: i64, query: &Query) -> Result<Reply, ApiError> {
    let doc = find(state, id)?.render(state.now());
    Ok(Reply::ok(expand_customer(state, doc, query)))
}

/// `PATCH /invoices/:id`: refused once voided, or while closed unless the patch reopens it.
pub fn update(state: &mut State, id: i64, body: &Body) -> Result<Reply, ApiError> {
    let mut invoice = find(state, id)?.clone();
    if invoice.voided {
        return Err(ApiError::invalid(
            "Your changes cannot be saved because this document is voided.",
        ));
    }
    let reopening = input::boolean(body, "closed")? == Some(false);
    if invoice.closed && !reopening {
        return Err(ApiError::invalid(
            "Your changes cannot be saved because this document is closed. Please re-open the document to make any changes.",
        ));
    }
    let before = state.event_object(Subject::Invoice(id));
    let was_paid = invoice.paid();
    apply(state, &mut invoice, body)?;
    let now = state.now();
    settle(&mut invoice, now, was_paid);
    if Some(&invoice) != state.invoices.get(&id) {
        invoice.updated_at = now;
    }
    let old_number = state.invoices.get(&id).map(|i| i.number.clone());
    state.index_number(
        NumberKind::Invoice,
        old_number.as_deref(),
        &invoice.number,
        id,
    );
    state.invoices.insert(id, invoice.clone());
    state.emit_updated(Subject::Invoice(id), before);
    Ok(Reply::ok(invoice.render(now)))
}

fn check_voidable(invoice: &Invoice) -> Result<(), ApiError> {
    if invoice.amount_paid != Decimal::ZERO {
        return Err(ApiError::invalid(
            "This invoice cannot be voided because it has a payment applied.",
        ));
    }
    if invoice.amount_credited != Decimal::ZERO {
        return Err(ApiError::invalid(
            "This invoice cannot be voided because it has a credit note applied.",
        ));
    }
    if invoice.pending {
        return Err(ApiError::invalid(
            "This invoice cannot be voided because it has a pending payment.",
        ));
    }
    Ok(())
}

/// `POST /invoices/:id/void` → 200 with the invoice (`status: voided`, balance 0). Emits
/// `invoice.updated` (there is no `invoice.voided` event).
pub fn void(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    let mut invoice = find(state, id)?.clone();
    if invoice.voided {
        return Err(ApiError::invalid("This document has already been voided."));
    }
    check_voidable(&invoice)?;
    let before = state.event_object(Subject::Invoice(id));
    let now = state.now();
    invoice.voided = true;
    invoice.date_voided = Some(now);
    invoice.updated_at = now;
    state.invoices.insert(id, invoice.clone());
    state.emit_updated(Subject::Invoice(id), before);
    Ok(Reply::ok(invoice.render(now)))
}

/// `DELETE /invoices/:id` → 204; blocked by the same rules as voiding.
pub fn delete(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    check_voidable(find(state, id)?)?;
    if let Some(last) = state.event_object(Subject::Invoice(id)) {
        state.emit_deleted(Subject::Invoice(id), last);
    }
    if let Some(gone) = state.invoices.remove(&id) {
        state.release_number(NumberKind::Invoice, &gone.number);
    }
    Ok(Reply::no_content())
}

/// Filterable properties that the backend never serialises (`in_array: false`).
const HIDDEN: &[&str] = &[
    "amount_credited",
    "amount_paid",
    "date_paid",
    "date_voided",
    "sent",
    "viewed",
    "voided",
];

/// `GET /invoices`.
pub fn list(state: &State, req: &Req<'_>) -> Result<Reply, ApiError> {
    let now = state.now();
    // Narrow a look-up by number from the stored field before rendering anything.
    let number = req.query.get("filter[number]");
    let ids = state
        .invoices
        .iter()
        .filter(|(_, d)| number.is_none_or(|n| d.number == n))
        .map(|(id, _)| *id)
        .collect();
    let render = |id| {
        let i = state.invoices.get(&id)?;
        let doc = i
            .render(now)
            .set("amount_credited", i.amount_credited)
            .set("amount_paid", i.amount_paid)
            .set("date_paid", i.date_paid)
            .set("date_voided", i.date_voided)
            .set("sent", i.sent)
            .set("viewed", i.viewed)
            .set("voided", i.voided);
        Some(expand_customer(state, doc, req.query))
    };
    let (page, headers) = paginate(SPEC, ids, render, req.query, req.base_url, req.path)?;
    Ok(Reply::list((super::strip(page, HIDDEN), headers)))
}
