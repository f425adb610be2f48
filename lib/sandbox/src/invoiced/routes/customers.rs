//! `/customers`: create, retrieve, update, delete, list.

use rust_decimal::Decimal;

use super::{Reply, Req};
use crate::invoiced::error::ApiError;
use crate::invoiced::events::Subject;
use crate::invoiced::input::{self, Body, patch_bool, patch_text};
use crate::invoiced::models::{Address, Customer};
use crate::invoiced::pagination::{ListSpec, paginate};
use crate::invoiced::store::{NumberKind, Seq, State};

const SPEC: ListSpec = ListSpec {
    filterable: &[
        "active",
        "address1",
        "address2",
        "attention_to",
        "autopay",
        "autopay_delay_days",
        "bill_to_parent",
        "chase",
        "city",
        "consolidated",
        "convenience_fee",
        "country",
        "created_at",
        "credit_hold",
        "credit_limit",
        "currency",
        "email",
        "id",
        "language",
        "name",
        "number",
        "payment_terms",
        "phone",
        "postal_code",
        "state",
        "surcharging",
        "tax_id",
        "taxable",
        "type",
        "updated_at",
        "owner",
        "parent_customer",
    ],
    date_field: "created_at",
    default_desc: false,
    has_metadata: true,
};

/// Apply address fields from a body.
pub fn patch_address(body: &Body, address: &mut Address) -> Result<(), ApiError> {
    patch_text(body, "attention_to", &mut address.attention_to)?;
    patch_text(body, "address1", &mut address.address1)?;
    patch_text(body, "address2", &mut address.address2)?;
    patch_text(body, "city", &mut address.city)?;
    patch_text(body, "state", &mut address.state)?;
    patch_text(body, "postal_code", &mut address.postal_code)?;
    patch_text(body, "country", &mut address.country)?;
    Ok(())
}

fn apply(state: &State, customer: &mut Customer, body: &Body) -> Result<(), ApiError> {
    if let Some(name) = input::text(body, "name")? {
        customer.name = name.unwrap_or_default();
    }
    if let Some(number) = input::text(body, "number")?.flatten() {
        if state.number_taken(NumberKind::Customer, &number, Some(customer.id)) {
            return Err(ApiError::invalid_param(
                format!("The given customer number has already been taken: {number}"),
                "number",
            ));
        }
        customer.number = number;
    }
    if let Some(kind) = input::text(body, "type")? {
        let kind = kind.unwrap_or_else(|| "company".into());
        if kind != "company" && kind != "person" {
            return Err(ApiError::invalid_param(
                "Type must be one of company, person",
                "type",
            ));
        }
        customer.kind = kind;
    }
    if let Some(currency) = input::text(body, "currency")? {
        customer.currency = currency.map(|c| c.to_lowercase());
    }
    if let Some(limit) = body.get("credit_limit") {
        customer.credit_limit = match limit {
            serde_json::Value::Null => None,
            v => Some(input::parse_money(v, "credit_limit")?),
        };
    }
    if let Some(parent) = input::int(body, "parent_customer")? {
        if let Some(p) = parent
            && (p == customer.id || !state.customers.contains_key(&p))
        {
            return Err(ApiError::invalid_param(
                format!("Customer was not found: {p}"),
                "parent_customer",
            ));
        }
        customer.parent_customer = parent;
    }
    patch_text(body, "email", &mut customer.email)?;
    patch_text(body, "payment_terms", &mut customer.payment_terms)?;
    patch_text(body, "phone", &mut customer.phone)?;
    patch_text(body, "notes", &mut customer.notes)?;
    patch_text(body, "tax_id", &mut customer.tax_id)?;
    patch_text(body, "language", &mut customer.language)?;
    patch_bool(body, "autopay", &mut customer.autopay)?;
    patch_bool(body, "active", &mut customer.active)?;
    patch_bool(body, "chase", &mut customer.chase)?;
    patch_bool(body, "credit_hold", &mut customer.credit_hold)?;
    patch_bool(body, "taxable", &mut customer.taxable)?;
    patch_bool(body, "bill_to_parent", &mut customer.bill_to_parent)?;
    patch_address(body, &mut customer.address)?;
    if let Some(patch) = input::metadata(body, true)? {
        input::merge_metadata(&mut customer.metadata, patch);
    }
    Ok(())
}

/// Create a customer; also used by the control handle and the `--seed-invoiced-customers` flag.
pub fn insert(state: &mut State, body: &Body) -> Result<Customer, ApiError> {
    let name = input::required_text(body, "name", "Name")?;
    let now = state.now();
    let id = state.next_id(Seq::Customer);
    let mut customer = Customer {
        id,
        name,
        number: String::new(),
        email: None,
        kind: "company".into(),
        autopay: false,
        payment_terms: None,
        currency: None,
        active: true,
        chase: true,
        credit_hold: false,
        credit_limit: None,
        taxable: true,
        parent_customer: None,
        bill_to_parent: false,
        address: Address::default(),
        phone: None,
        notes: None,
        tax_id: None,
        language: None,
        credit_balance: Decimal::ZERO,
        metadata: Default::default(),
        created_at: now,
        updated_at: now,
    };
    apply(state, &mut customer, body)?;
    if customer.number.is_empty() {
        customer.number = state.next_number(NumberKind::Customer);
    }
    state.index_number(NumberKind::Customer, None, &customer.number, id);
    state.customers.insert(id, customer.clone());
    state.emit_created(Subject::Customer(id));
    Ok(customer)
}

/// `POST /customers` → 201.
pub fn create(state: &mut State, body: &Body) -> Result<Reply, ApiError> {
    insert(state, body).map(|c| Reply::created(c.render()))
}

fn find(state: &State, id: i64) -> Result<&Customer, ApiError> {
    state
        .customers
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Customer", id))
}

/// `GET /customers/:id`.
pub fn get(state: &State, id: i64) -> Result<Reply, ApiError> {
    find(state, id).map(|c| Reply::ok(c.render()))
}

/// `PATCH /customers/:id`.
pub fn update(state: &mut State, id: i64, body: &Body) -> Result<Reply, ApiError> {
    let mut customer = find(state, id)?.clone();
    let before = state.event_object(Subject::Customer(id));
    apply(state, &mut customer, body)?;
    if customer.name.trim().is_empty() {
        return Err(ApiError::invalid_param("Name missing", "name"));
    }
    if Some(&customer) != state.customers.get(&id) {
        customer.updated_at = state.now();
    }
    let old_number = state.customers.get(&id).map(|c| c.number.clone());
    state.index_number(
        NumberKind::Customer,
        old_number.as_deref(),
        &customer.number,
        id,
    );
    state.customers.insert(id, customer.clone());
    state.emit_updated(Subject::Customer(id), before);
    Ok(Reply::ok(customer.render()))
}

/// `DELETE /customers/:id` → 204. Refused while documents or payments reference the customer
/// (INFERRED: the backend keeps receivables consistent the same way).
pub fn delete(state: &mut State, id: i64) -> Result<Reply, ApiError> {
    let last = find(state, id)?.render();
    let referenced = state.invoices.values().any(|i| i.customer == id)
        || state.credit_notes.values().any(|c| c.customer == id)
        || state.payments.values().any(|p| p.customer == Some(id));
    if referenced {
        return Err(ApiError::invalid(
            "This customer cannot be deleted because it has invoices, credit notes or payments.",
        ));
    }
    state.contacts.retain(|_, c| c.customer_id != id);
    if let Some(gone) = state.customers.remove(&id) {
        state.release_number(NumberKind::Customer, &gone.number);
    }
    state.emit_deleted(Subject::Customer(id), last);
    Ok(Reply::no_content())
}

/// `GET /customers`.
pub fn list(state: &State, req: &Req<'_>) -> Result<Reply, ApiError> {
    // Look-ups by number or name are what integrations do per record: narrow the ids from
    // the stored fields first so they cost O(n) comparisons, not O(n) renders.
    let number = req.query.get("filter[number]");
    let name = req.query.get("filter[name]");
    let ids = state
        .customers
        .iter()
        .filter(|(_, c)| number.is_none_or(|n| c.number == n) && name.is_none_or(|n| c.name == n))
        .map(|(id, _)| *id)
        .collect();
    let render = |id| state.customers.get(&id).map(Customer::render);
    paginate(SPEC, ids, render, req.query, req.base_url, req.path).map(Reply::list)
}
