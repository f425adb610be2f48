//! Request routing: which resource and action a method + path names, and the handlers.
//!
//! Routing is done by hand rather than with axum's router so that unknown paths and wrong methods
//! get the backend's own 404/405 bodies, and so every route passes through the same auth,
//! concurrency, fault and idempotency pipeline in [`super::server`].

pub mod admin;
mod body;
pub mod contacts;
pub mod credit_notes;
pub mod customers;
pub mod documents;
pub mod events;
pub mod invoices;
pub mod payments;

pub use body::parse_body;

use super::error::ApiError;
use super::input::Body;
use super::pagination::Query;
use super::store::State;
use super::wire::Json;

/// One API request, decoded.
#[derive(Debug)]
pub struct Req<'a> {
    /// The path without query.
    pub path: &'a str,
    /// Decoded query.
    pub query: &'a Query,
    /// JSON object body (empty when none).
    pub body: &'a Body,
    /// The simulator's base URL, for `Link` headers.
    pub base_url: &'a str,
}

/// A handler's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, or none for 204.
    pub body: Option<Json>,
    /// Extra headers (pagination).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(body: Json) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            headers: vec![],
        }
    }

    /// 201 with the created object.
    pub fn created(body: Json) -> Reply {
        Reply {
            status: 201,
            body: Some(body),
            headers: vec![],
        }
    }

    /// 204 without a body (deletes).
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: vec![],
        }
    }

    /// 200 list page with `Link` and `X-Total-Count`.
    pub fn list(page: super::pagination::Page) -> Reply {
        Reply {
            status: 200,
            body: Some(page.0),
            headers: page.1,
        }
    }
}

/// The resource and action a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /customers`.
    CustomerList,
    /// `POST /customers`.
    CustomerCreate,
    /// `GET /customers/:id`.
    CustomerGet(i64),
    /// `PATCH /customers/:id`.
    CustomerUpdate(i64),
    /// `DELETE /customers/:id`.
    CustomerDelete(i64),
    /// `GET /customers/:id/contacts`.
    ContactList(i64),
    /// `POST /customers/:id/contacts`.
    ContactCreate(i64),
    /// `GET /customers/:cid/contacts/:id`.
    ContactGet(i64, i64),
    /// `PATCH /customers/:cid/contacts/:id`.
    ContactUpdate(i64, i64),
    /// `DELETE /customers/:cid/contacts/:id`.
    ContactDelete(i64, i64),
    /// `GET /invoices`.
    InvoiceList,
    /// `POST /invoices`.
    InvoiceCreate,
    /// `GET /invoices/:id`.
    InvoiceGet(i64),
    /// `PATCH /invoices/:id`.
    InvoiceUpdate(i64),
    /// `DELETE /invoices/:id`.
    InvoiceDelete(i64),
    /// `POST /invoices/:id/void`.
    InvoiceVoid(i64),
    /// `GET /credit_notes`.
    CreditNoteList,
    /// `POST /credit_notes`.
    CreditNoteCreate,
    /// `GET /credit_notes/:id`.
    CreditNoteGet(i64),
    /// `PATCH /credit_notes/:id`.
    CreditNoteUpdate(i64),
    /// `DELETE /credit_notes/:id`.
    CreditNoteDelete(i64),
    /// `POST /credit_notes/:id/void`.
    CreditNoteVoid(i64),
    /// `GET /payments`.
    PaymentList,
    /// `POST /payments`.
    PaymentCreate,
    /// `GET /payments/:id`.
    PaymentGet(i64),
    /// `PATCH /payments/:id`.
    PaymentUpdate(i64),
    /// `DELETE /payments/:id` — voids the payment and answers 200 with it.
    PaymentVoid(i64),
    /// `GET /events`.
    EventList,
    /// `GET /events/:id`.
    EventGet(i64),
}

fn model_name(collection: &str) -> &'static str {
    match collection {
        "customers" => "Customer",
        "contacts" => "Contact",
        "invoices" => "Invoice",
        "credit_notes" => "Credit Note",
        "payments" => "Payment",
        _ => "Event",
    }
}

fn id(collection: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::not_found(model_name(collection), raw))
}

/// Resolve a request: the route pattern (for request counting) and the route or its 404/405.
pub fn resolve(method: &str, path: &str) -> (String, Result<Route, ApiError>) {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let shape: Vec<&str> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i % 2 == 1 && !matches!(*s, "void" | "contacts") {
                ":id"
            } else {
                s
            }
        })
        .collect();
    let pattern = format!("{method} /{}", shape.join("/"));
    let route = (|| -> Result<Route, ApiError> {
        use Route::*;
        let wrong = || ApiError::method_not_allowed(method, path);
        Ok(match (segs.as_slice(), method) {
            (["customers"], "GET") => CustomerList,
            (["customers"], "POST") => CustomerCreate,
            (["customers", i], m) => {
                let i = id("customers", i)?;
                match m {
                    "GET" => CustomerGet(i),
                    "PATCH" => CustomerUpdate(i),
                    "DELETE" => CustomerDelete(i),
                    _ => return Err(wrong()),
                }
            }
            (["customers", c, "contacts"], m) => {
                let c = id("customers", c)?;
                match m {
                    "GET" => ContactList(c),
                    "POST" => ContactCreate(c),
                    _ => return Err(wrong()),
                }
            }
            (["customers", c, "contacts", i], m) => {
                let (c, i) = (id("customers", c)?, id("contacts", i)?);
                match m {
                    "GET" => ContactGet(c, i),
                    "PATCH" => ContactUpdate(c, i),
                    "DELETE" => ContactDelete(c, i),
                    _ => return Err(wrong()),
                }
            }
            (["invoices"], "GET") => InvoiceList,
            (["invoices"], "POST") => InvoiceCreate,
            (["invoices", i], m) => {
                let i = id("invoices", i)?;
                match m {
                    "GET" => InvoiceGet(i),
                    "PATCH" => InvoiceUpdate(i),
                    "DELETE" => InvoiceDelete(i),
                    _ => return Err(wrong()),
                }
            }
            (["invoices", i, "void"], "POST") => InvoiceVoid(id("invoices", i)?),
            (["credit_notes"], "GET") => CreditNoteList,
            (["credit_notes"], "POST") => CreditNoteCreate,
            (["credit_notes", i], m) => {
                let i = id("credit_notes", i)?;
                match m {
                    "GET" => CreditNoteGet(i),
                    "PATCH" => CreditNoteUpdate(i),
                    "DELETE" => CreditNoteDelete(i),
                    _ => return Err(wrong()),
                }
            }
            (["credit_notes", i, "void"], "POST") => CreditNoteVoid(id("credit_notes", i)?),
            (["payments"], "GET") => PaymentList,
            (["payments"], "POST") => PaymentCreate,
            (["payments", i], m) => {
                let i = id("payments", i)?;
                match m {
                    "GET" => PaymentGet(i),
                    "PATCH" => PaymentUpdate(i),
                    "DELETE" => PaymentVoid(i),
                    _ => return Err(wrong()),
                }
            }
            (["events"], "GET") => EventList,
            (["events", i], "GET") => EventGet(id("events", i)?),
            (["customers" | "invoices" | "credit_notes" | "payments" | "events"], _)
            | (["invoices" | "credit_notes", _, "void"], _)
            | (["events", _], _) => return Err(wrong()),
            _ => return Err(ApiError::unknown_route(method, path)),
        })
    })();
    (pattern, route)
}

/// Run a resolved route against the state.
pub fn handle(state: &mut State, route: Route, req: &Req<'_>) -> Result<Reply, ApiError> {
    use Route::*;
    match route {
        CustomerList => customers::list(state, req),
        CustomerCreate => customers::create(state, req.body),
        CustomerGet(id) => customers::get(state, id),
        CustomerUpdate(id) => customers::update(state, id, req.body),
        CustomerDelete(id) => customers::delete(state, id),
        ContactList(c) => contacts::list(state, c, req),
        ContactCreate(c) => contacts::create(state, c, req.body),
        ContactGet(c, id) => contacts::get(state, c, id),
        ContactUpdate(c, id) => contacts::update(state, c, id, req.body),
        ContactDelete(c, id) => contacts::delete(state, c, id),
        InvoiceList => invoices::list(state, req),
        InvoiceCreate => invoices::create(state, req.body),
        InvoiceGet(id) => invoices::get(state, id, req.query),
        InvoiceUpdate(id) => invoices::update(state, id, req.body),
        InvoiceDelete(id) => invoices::delete(state, id),
        InvoiceVoid(id) => invoices::void(state, id),
        CreditNoteList => credit_notes::list(state, req),
        CreditNoteCreate => credit_notes::create(state, req.body),
        CreditNoteGet(id) => credit_notes::get(state, id, req.query),
        CreditNoteUpdate(id) => credit_notes::update(state, id, req.body),
        CreditNoteDelete(id) => credit_notes::delete(state, id),
        CreditNoteVoid(id) => credit_notes::void(state, id),
        PaymentList => payments::list(state, req),
        PaymentCreate => payments::create(state, req.body),
        PaymentGet(id) => payments::get(state, id, req.query),
        PaymentUpdate(id) => payments::update(state, id, req.body),
        PaymentVoid(id) => payments::void(state, id),
        EventList => events::list(state, req),
        EventGet(id) => events::get(state, id),
    }
}

/// Replace `customer` ids with full customer objects when `expand=customer` is asked for.
pub fn expand_customer(state: &State, doc: Json, query: &Query) -> Json {
    if !query.list_param("expand").iter().any(|e| e == "customer") {
        return doc;
    }
    match doc
        .get("customer")
        .and_then(Json::as_i64)
        .and_then(|id| state.customers.get(&id))
    {
        Some(customer) => doc.set("customer", customer.render()),
        None => doc,
    }
}

/// Remove filter-only keys from every row of a list page.
pub fn strip(page: Json, keys: &[&str]) -> Json {
    match page {
        Json::Arr(rows) => Json::Arr(
            rows.into_iter()
                .map(|mut row| {
                    if let Json::Obj(map) = &mut row {
                        for key in keys {
                            map.remove(*key);
                        }
                    }
                    row
                })
                .collect(),
        ),
        other => other,
    }
}
