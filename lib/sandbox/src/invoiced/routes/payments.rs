//! `/payments`: create (with `applied_to`), retrieve, update, void via DELETE, list.
//!
//! `DELETE /payments/:id` does not delete: it voids (applications reversed, `voided: true`,
//! `balance = amount`), answers 200 with the payment, and emits `payment.deleted` — there is no
//! `payment.voided` event. `applied_to` is rendered only with `?include=applied_to`.

use rust_decimal::Decimal;
use serde_json::Value;

use super::{Reply, Req, expand_customer};
use crate::invoiced::error::ApiError;
use crate::invoiced::events::Subject;
use crate::invoiced::input::{self, Body, patch_text};
use crate::invoiced::ledger::{self, PlannedRow};
use crate::invoiced::models::Payment;
use crate::invoiced::pagination::{ListSpec, Query, paginate};
use crate::invoiced::store::{Seq, State};

const SPEC: ListSpec = ListSpec {
    filterable: &[
        "amount",
        "applied",
        "balance",
        "created_at",
        "currency",
        "date",
        "date_voided",
        "id",
        "matched",
        "method",
        "reference",
        "source",
        "updated_at",
        "voided",
        "customer",
    ],
    date_field: "date",
    default_desc: false,
    has_metadata: true,
};

const METHODS: &[&str] = &[
    "ach",
    "cash",
    "check",
    "credit_card",
    "eft",
    "direct_debit",
    "other",
    "paypal",
    "wire_transfer",
    "affirm",
    "klarna",
    "balance",
];
const SOURCES: &[&str] = &[
    "keyed",
    "imported",
    "bank_feed",
    "check_lockbox",
    "remittance_advice",
    "network",
    "api",
];

fn include_applied(query: &Query) -> bool {
    query
        .list_param("include")
        .iter()
        .any(|i| i == "applied_to")
}

fn apply_fields(state: &State, payment: &mut Payment, body: &Body) -> Result<(), ApiError> {
    if let Some(customer) = input::int(body, "customer")? {
        if let Some(id) = customer
            && !state.customers.contains_key(&id)
        {
            return Err(ApiError::invalid_param(
                format!("Customer was not found: {id}"),
                "customer",
            ));
        }
        payment.customer = customer;
    }
    if let Some(amount) = body.get("amount").filter(|v| !v.is_null()) {
        payment.amount = input::parse_money(amount, "amount")?;
        if payment.amount < Decimal::ZERO {
            return Err(ApiError::invalid_param(
                "The amount cannot be negative.",
                "amount",
            ));
        }
    }
    if let Some(Some(method)) = input::text(body, "method")? {
        if !METHODS.contains(&method.as_str()) {
            return Err(ApiError::invalid_param(
                format!("Invalid payment method: {method}"),
                "method",
            ));
        }
        payment.method = method;
    }
    if let Some(Some(source)) = input::text(body, "source")? {
        if !SOURCES.contains(&source.as_str()) {
            return Err(ApiError::invalid_param(
                format!("Invalid payment source: {source}"),
                "source",
            ));
        }
        payment.source = source;
    }
    if let Some(Some(currency)) = input::text(body, "currency")? {
        payment.currency = currency.to_lowercase();
    }
    if let Some(Some(date)) = input::int(body, "date")? {
        payment.date = date;
    }
    if body.contains_key("matched") {
        payment.matched = input::boolean(body, "matched")?;
    }
    patch_text(body, "reference", &mut payment.reference)?;
    patch_text(body, "notes", &mut payment.notes)?;
    patch_text(body, "ach_sender_id", &mut payment.ach_sender_id)?;
    if let Some(patch) = input::metadata(body, false)? {
        input::merge_metadata(&mut payment.metadata, patch);
    }
    Ok(())
}

fn planned(body: &Body) -> Result<Option<Vec<PlannedRow>>, ApiError> {
    body.get("applied_to").map(ledger::parse_rows).transpose()
}

/// Record a payment and apply it; also used by the control handle.
pub fn insert(state: &mut State, body: &Body) -> Result<Payment, ApiError> {
    if body.get("amount").is_none_or(Value::is_null) {
        return Err(ApiError::invalid_param("Amount missing", "amount"));
    }
    let now = state.now();
    let mut payment = Payment {
        id: 0,
        customer: None,
        date: now,
        currency: String::new(),
        amount: Decimal::ZERO,
        method: "other".into(),
        reference: None,
        source: "keyed".into(),
        notes: None,
        matched: None,
        ach_sender_id: None,
        voided: false,
        date_voided: None,
        applied_to: vec![],
        metadata: Default::default(),
        client_id: super::documents::client_id(),
        created_at: now,
        updated_at: now,
    };
    apply_fields(state, &mut payment, body)?;
    if payment.currency.is_empty() {
        let customer_currency = payment
            .customer
            .and_then(|id| state.customers.get(&id))
            .and_then(|c| c.currency.clone());
        payment.currency = customer_currency.unwrap_or_else(|| "usd".into());
    }
    let rows = planned(body)?.unwrap_or_default();
    ledger::validate(state, payment.customer, payment.amount, &rows)?;
    payment.id = state.next_id(Seq::Payment);
    payment.applied_to = ledger::materialize(state, rows);
    let snapshot = ledger::snapshot(state, &ledger::touched(&payment.applied_to));
    ledger::post(state, payment.customer, &payment.applied_to, Decimal::ONE);
    state.payments.insert(payment.id, payment.clone());
    state.emit_created(Subject::Payment(payment.id));
    ledger::settle_and_emit(state, snapshot);
    Ok(payment)
}

/// `POST /payments` → 201.
pub fn create(state: &mut State, body: &Body) -> Result<Reply, ApiError> {
    let include = body.contains_key("applied_to");
    insert(state, body).map(|p| Reply::created(p.render(include)))
}

fn find(state: &State, id: i64) -> Result<&Payment, ApiError> {
    state
        .payments
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Payment", id))
}

/// `GET /payments/:id` (`include=applied_to`, `expand=customer`).
pub fn get(state: &State, id: i64, query: &Query) -> Result<Reply, ApiError> {
    let doc = find(state, id)?.render(include_applied(query));
    Ok(Reply::ok(expand_customer(state, doc, query)))
}

/// `PATCH /payments/:id`; `applied_to` replaces the applications.
pub fn update(state: &mut State, id: i64, body: &Body) -> Result<Reply, ApiError> {
    let original = find(state, id)?.clone();
    if original.voided {
        return Err(ApiError::invalid("This payment has already been voided."));
    }
    let mut payment = original.clone();
    apply_fields(state, &mut payment, body)?;
    let rows = planned(body)?;
    let before = state.event_object(Subject::Payment(id));
    let new_rows = match rows {
        Some(rows) => rows,
        None => original
            .applied_to
            .iter()
            .map(|a| PlannedRow {
                kind: a.kind,
                amount: a.amount,
                invoice: a.invoice,
                credit_note: a.credit_note,
            })
            .collect(),
    };
    // Validate the new applications against balances without the old ones, restoring on failure.
    ledger::post(
        state,
        original.customer,
        &original.applied_to,
        -Decimal::ONE,
    );
    if let Err(err) = ledger::validate(state, payment.customer, payment.amount, &new_rows) {
        ledger::post(state, original.customer, &original.applied_to, Decimal::ONE);
        return Err(err);
    }
    let unchanged = body.get("applied_to").is_none();
    payment.applied_to = if unchanged {
        original.applied_to.clone()
    } else {
        ledger::materialize(state, new_rows)
    };
    let mut subjects = ledger::touched(&original.applied_to);
    for s in ledger::touched(&payment.applied_to) {
        if !subjects.contains(&s) {
            subjects.push(s);
        }
    }
    // Snapshot with the old applications in place, so `previous` shows the old balances.
    ledger::post(state, original.customer, &original.applied_to, Decimal::ONE);
    let snapshot = ledger::snapshot(state, &subjects);
    ledger::post(
        state,
        original.customer,
        &original.applied_to,
        -Decimal::ONE,
    );
    ledger::post(state, payment.customer, &payment.applied_to, Decimal::ONE);
    if payment != original {
        payment.updated_at = state.now();
    }
    state.payments.insert(id, payment.clone());
    state.emit_updated(Subject::Payment(id), before);
    ledger::settle_and_emit(state, snapshot);
    Ok(Reply::ok(payment.render(!payment.applied_to.is_empty())))
}

/// `DELETE /payments/:id`: void → 200 with the payment; a second void is a 400.
pub fn void(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    let mut payment = find(state, id)?.clone();
    if payment.voided {
        return Err(ApiError::invalid("This payment has already been voided."));
    }
    let snapshot = ledger::snapshot(state, &ledger::touched(&payment.applied_to));
    ledger::post(state, payment.customer, &payment.applied_to, -Decimal::ONE);
    let now = state.now();
    payment.voided = true;
    payment.date_voided = Some(now);
    payment.applied_to.clear();
    payment.updated_at = now;
    state.payments.insert(id, payment.clone());
    if let Some(object) = state.event_object(Subject::Payment(id)) {
        state.emit("payment.deleted".into(), Subject::Payment(id), object, None);
    }
    ledger::settle_and_emit(state, snapshot);
    Ok(Reply::ok(payment.render(false)))
}

/// `GET /payments`.
pub fn list(state: &State, req: &Req<'_>) -> Result<Reply, ApiError> {
    let include = include_applied(req.query);
    let ids = state.payments.keys().copied().collect();
    let render = |id| {
        let p = state.payments.get(&id)?;
        let doc = p
            .render(include)
            .set("applied", !p.applied_to.is_empty())
            .set("date_voided", p.date_voided);
        Some(expand_customer(state, doc, req.query))
    };
    let (page, headers) = paginate(SPEC, ids, render, req.query, req.base_url, req.path)?;
    Ok(Reply::list((
        super::strip(page, &["applied", "date_voided"]),
        headers,
    )))
}
