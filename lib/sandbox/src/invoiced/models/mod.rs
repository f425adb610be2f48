//! The records the simulator keeps, typed, and how each renders on the wire.
//!
//! Derived values (subtotal, total, balance, paid, status) are computed from stored facts on every
//! render, so they can never drift from the documents and payments that produce them.

mod customer;
mod document;
mod payment;

pub use customer::{Address, Contact, Customer};
pub use document::{Adjustment, CreditNote, DocumentLines, Invoice, InvoiceStatus, LineItem};
pub use payment::{Application, AppliedType, Payment};

use std::collections::BTreeMap;

use super::wire::Json;

/// Metadata / custom-field values keyed by custom field id.
pub type Metadata = BTreeMap<String, Json>;

/// Where rendered `url`/`pdf_url` links point: the customer portal of the simulated company.
pub const PORTAL: &str = "https://sandbox.invoiced.localhost";

pub(crate) fn metadata_json(metadata: &Metadata) -> Json {
    Json::Obj(metadata.clone())
}
