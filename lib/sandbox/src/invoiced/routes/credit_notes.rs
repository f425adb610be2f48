//! `/credit_notes`: create, retrieve, update, delete, void, list. A credit note reduces an
//! invoice's balance only when applied through a payment `applied_to` row of type `credit_note`.

use rust_decimal::Decimal;

use super::documents::{apply_lines, client_id, patch_date};
use super::invoices::document_customer;
use super::{Reply, Req, expand_customer};
use crate::invoiced::error::ApiError;
use crate::invoiced::events::Subject;
use crate::invoiced::input::{self, Body, patch_bool, patch_text};
use crate::invoiced::models::{CreditNote, DocumentLines};
use crate::invoiced::pagination::{ListSpec, Query, paginate};
use crate::invoiced::store::{NumberKind, Seq, State};

const SPEC: ListSpec = ListSpec {
    filterable: &[
        "amount_applied_to_invoice",
        "amount_credited",
        "balance",
        "closed",
        "created_at",
        "currency",
        "date",
        "date_voided",
        "draft",
        "id",
        "name",
        "number",
        "paid",
        "purchase_order",
        "sent",
        "status",
        "subtotal",
        "total",
        "updated_at",
        "viewed",
        "voided",
        "customer",
    ],
    date_field: "date",
    default_desc: false,
    has_metadata: true,
};

const HIDDEN: &[&str] = &["amount_applied_to_invoice", "date_voided", "voided"];

fn apply(state: &mut State, note: &mut CreditNote, body: &Body) -> Result<(), ApiError> {
    if let Some(name) = input::text(body, "name")? {
        note.name = name.unwrap_or_else(|| "Credit Note".into());
    }
    if let Some(number) = input::text(body, "number")?.flatten() {
        if state.number_taken(NumberKind::CreditNote, &number, Some(note.id)) {
            return Err(ApiError::invalid_param(
                format!("The given credit note number has already been taken: {number}"),
                "number",
            ));
        }
        note.number = number;
    }
    if let Some(invoice) = input::int(body, "invoice")? {
        if let Some(id) = invoice
            && state
                .invoices
                .get(&id)
                .is_none_or(|i| i.customer != note.customer)
        {
            return Err(ApiError::invalid_param(
                format!("Invoice was not found: {id}"),
                "invoice",
            ));
        }
        note.invoice = invoice;
    }
    if let Some(Some(currency)) = input::text(body, "currency")? {
        note.currency = currency.to_lowercase();
    }
    patch_text(body, "purchase_order", &mut note.purchase_order)?;
    patch_text(body, "notes", &mut note.notes)?;
    patch_bool(body, "draft", &mut note.draft)?;
    patch_bool(body, "closed", &mut note.closed)?;
    patch_date(body, "date", &mut note.date)?;
    apply_lines(state, &mut note.lines, body)?;
    if let Some(patch) = input::metadata(body, true)? {
        input::merge_metadata(&mut note.metadata, patch);
    }
    Ok(())
}

/// Close a fully applied credit note; reopen one whose application was voided.
pub fn settle(note: &mut CreditNote, was_paid: bool) {
    let paid = note.paid();
    if paid && !was_paid {
        note.closed = true;
    } else if !paid && was_paid {
        note.closed = false;
    }
}

/// Create a credit note; also used by the control handle.
pub fn insert(state: &mut State, body: &Body) -> Result<CreditNote, ApiError> {
    let customer_id = document_customer(state, body)?;
    let currency = state
        .customers
        .get(&customer_id)
        .and_then(|c| c.currency.clone());
    let now = state.now();
    let mut note = CreditNote {
        id: 0,
        customer: customer_id,
        invoice: None,
        name: "Credit Note".into(),
        number: String::new(),
        currency: currency.unwrap_or_else(|| "usd".into()),
        draft: false,
        closed: false,
        voided: false,
        purchase_order: None,
        date: now,
        lines: DocumentLines::default(),
        notes: None,
        amount_applied_to_invoice: Decimal::ZERO,
        date_voided: None,
        client_id: client_id(),
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    };
    apply(state, &mut note, body)?;
    if note.number.is_empty() {
        note.number = state.next_number(NumberKind::CreditNote);
    }
    note.id = state.next_id(Seq::CreditNote);
    state.index_number(NumberKind::CreditNote, None, &note.number, note.id);
    state.credit_notes.insert(note.id, note.clone());
    state.emit_created(Subject::CreditNote(note.id));
    Ok(note)
}

/// `POST /credit_notes` → 201.
pub fn create(state: &mut State, body: &Body) -> Result<Reply, ApiError> {
    insert(state, body).map(|n| Reply::created(n.render()))
}

fn find(state: &State, id: i64) -> Result<&CreditNote, ApiError> {
    state
        .credit_notes
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Credit Note", id))
}

/// `GET /credit_notes/:id`.
pub fn get(state: &State, id: i64, query: &Query) -> Result<Reply, ApiError> {
    let doc = find(state, id)?.render();
    Ok(Reply::ok(expand_customer(state, doc, query)))
}

/// `PATCH /credit_notes/:id`; same editability rules as invoices.
pub fn update(state: &mut State, id: i64, body: &Body) -> Result<Reply, ApiError> {
    let mut note = find(state, id)?.clone();
    if note.voided {
        return Err(ApiError::invalid(
            "Your changes cannot be saved because this document is voided.",
        ));
    }
    if note.closed && input::boolean(body, "closed")? != Some(false) {
        return Err(ApiError::invalid(
            "Your changes cannot be saved because this document is closed. Please re-open the document to make any changes.",
        ));
    }
    let before = state.event_object(Subject::CreditNote(id));
    let was_paid = note.paid();
    apply(state, &mut note, body)?;
    if note.lines.total() < note.amount_applied_to_invoice {
        return Err(ApiError::invalid_param(
            "The total cannot be less than the amount already applied.",
            "total",
        ));
    }
    settle(&mut note, was_paid);
    if Some(&note) != state.credit_notes.get(&id) {
        note.updated_at = state.now();
    }
    let old_number = state.credit_notes.get(&id).map(|n| n.number.clone());
    state.index_number(
        NumberKind::CreditNote,
        old_number.as_deref(),
        &note.number,
        id,
    );
    state.credit_notes.insert(id, note.clone());
    state.emit_updated(Subject::CreditNote(id), before);
    Ok(Reply::ok(note.render()))
}

fn check_voidable(note: &CreditNote) -> Result<(), ApiError> {
    if note.amount_applied_to_invoice != Decimal::ZERO {
        return Err(ApiError::invalid(
            "This credit note cannot be voided because it has been applied to an invoice.",
        ));
    }
    Ok(())
}

/// `POST /credit_notes/:id/void` → 200; emits `credit_note.updated`.
pub fn void(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    let mut note = find(state, id)?.clone();
    if note.voided {
        return Err(ApiError::invalid("This document has already been voided."));
    }
    check_voidable(&note)?;
    let before = state.event_object(Subject::CreditNote(id));
    let now = state.now();
    note.voided = true;
    note.date_voided = Some(now);
    note.updated_at = now;
    state.credit_notes.insert(id, note.clone());
    state.emit_updated(Subject::CreditNote(id), before);
    Ok(Reply::ok(note.render()))
}

/// `DELETE /credit_notes/:id` → 204.
pub fn delete(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    check_voidable(find(state, id)?)?;
    if let Some(last) = state.event_object(Subject::CreditNote(id)) {
        state.emit_deleted(Subject::CreditNote(id), last);
    }
    if let Some(gone) = state.credit_notes.remove(&id) {
        state.release_number(NumberKind::CreditNote, &gone.number);
    }
    Ok(Reply::no_content())
}

/// `GET /credit_notes`.
pub fn list(state: &State, req: &Req<'_>) -> Result<Reply, ApiError> {
    // Narrow a look-up by number from the stored field before rendering anything.
    let number = req.query.get("filter[number]");
    let ids = state
        .credit_notes
        .iter()
        .filter(|(_, d)| number.is_none_or(|n| d.number == n))
        .map(|(id, _)| *id)
        .collect();
    let render = |id| {
        let n = state.credit_notes.get(&id)?;
        let doc = n
            .render()
            .set("amount_applied_to_invoice", n.amount_applied_to_invoice)
            .set("date_voided", n.date_voided)
            .set("voided", n.voided);
        Some(expand_customer(state, doc, req.query))
    };
    let (page, headers) = paginate(SPEC, ids, render, req.query, req.base_url, req.path)?;
    Ok(Reply::list((super::strip(page, HIDDEN), headers)))
}
