//! `/customers/:id/contacts`: a customer's contacts.

use super::customers::patch_address;
use super::{Reply, Req};
use crate::invoiced::error::ApiError;
use crate::invoiced::events::Subject;
use crate::invoiced::input::{self, Body, patch_bool, patch_text};
use crate::invoiced::models::{Address, Contact};
use crate::invoiced::pagination::{ListSpec, paginate};
use crate::invoiced::store::{Seq, State};

const SPEC: ListSpec = ListSpec {
    filterable: &["email", "name", "primary", "created_at", "updated_at", "id"],
    date_field: "created_at",
    default_desc: false,
    has_metadata: false,
};

fn require_customer(state: &State, customer: i64) -> Result<(), ApiError> {
    if state.customers.contains_key(&customer) {
        Ok(())
    } else {
        Err(ApiError::not_found("Customer", customer))
    }
}

fn find(state: &State, customer: i64, id: i64) -> Result<&Contact, ApiError> {
    require_customer(state, customer)?;
    state
        .contacts
        .get(&id)
        .filter(|c| c.customer_id == customer)
        .ok_or_else(|| ApiError::not_found("Contact", id))
}

fn apply(contact: &mut Contact, body: &Body) -> Result<(), ApiError> {
    if let Some(name) = input::text(body, "name")? {
        contact.name = name.unwrap_or_default();
    }
    patch_text(body, "title", &mut contact.title)?;
    patch_text(body, "email", &mut contact.email)?;
    patch_text(body, "phone", &mut contact.phone)?;
    patch_text(body, "department", &mut contact.department)?;
    patch_bool(body, "primary", &mut contact.primary)?;
    if let Some(sms) = input::boolean(body, "sms_enabled")? {
        contact.sms_enabled = Some(sms);
    }
    patch_address(body, &mut contact.address)?;
    if contact.name.trim().is_empty() {
        return Err(ApiError::invalid_param("Name missing", "name"));
    }
    Ok(())
}

/// `POST /customers/:id/contacts` → 201.
pub fn create(state: &mut State, customer: i64, body: &Body) -> Result<Reply, ApiError> {
    require_customer(state, customer)?;
    let now = state.now();
    let mut contact = Contact {
        id: 0,
        customer_id: customer,
        name: String::new(),
        title: None,
        email: None,
        phone: None,
        primary: false,
        sms_enabled: None,
        department: None,
        address: Address::default(),
        created_at: now,
        updated_at: now,
    };
    apply(&mut contact, body)?;
    contact.id = state.next_id(Seq::Contact);
    state.contacts.insert(contact.id, contact.clone());
    state.emit_created(Subject::Contact(contact.id));
    Ok(Reply::created(contact.render()))
}

/// `GET /customers/:cid/contacts/:id`.
pub fn get(state: &State, customer: i64, id: i64) -> Result<Reply, ApiError> {
    find(state, customer, id).map(|c| Reply::ok(c.render()))
}

/// `PATCH /customers/:cid/contacts/:id`.
pub fn update(state: &mut State, customer: i64, id: i64, body: &Body) -> Result<Reply, ApiError> {
    let mut contact = find(state, customer, id)?.clone();
    let before = state.event_object(Subject::Contact(id));
    apply(&mut contact, body)?;
    if Some(&contact) != state.contacts.get(&id) {
        contact.updated_at = state.now();
    }
    state.contacts.insert(id, contact.clone());
    state.emit_updated(Subject::Contact(id), before);
    Ok(Reply::ok(contact.render()))
}

/// `DELETE /customers/:cid/contacts/:id` → 204.
pub fn delete(state: &mut State, customer: i64, id: i64) -> Result<Reply, ApiError> {
    find(state, customer, id)?;
    // Emit before removing so the event is still associated with the customer (`related_to`).
    if let Some(last) = state.event_object(Subject::Contact(id)) {
        state.emit_deleted(Subject::Contact(id), last);
    }
    state.contacts.remove(&id);
    Ok(Reply::no_content())
}

/// `GET /customers/:id/contacts`.
pub fn list(state: &State, customer: i64, req: &Req<'_>) -> Result<Reply, ApiError> {
    require_customer(state, customer)?;
    let ids = state
        .contacts
        .values()
        .filter(|c| c.customer_id == customer)
        .map(|c| c.id)
        .collect();
    let render = |id| state.contacts.get(&id).map(Contact::render);
    paginate(SPEC, ids, render, req.query, req.base_url, req.path).map(Reply::list)
}
