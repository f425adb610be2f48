//! Credit notes.

use super::customer::CustomerRef;
use super::ids::{CreditNoteId, CustomerId, InvoiceId};
use super::line_item::{Discount, LineItem, LineItemParams, Shipping, Tax};
use super::metadata::Metadata;
use super::money::{Currency, decimal, decimal_opt};
use super::open_enum::open_enum;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

open_enum!(
    /// Computed credit note status; precedence voided, draft, paid, closed, open.
    CreditNoteStatus, fallback = Other {
        /// Not issued yet.
        Draft => "draft",
        /// Issued with a balance left to apply.
        Open => "open",
        /// Fully applied.
        Paid => "paid",
        /// Closed.
        Closed => "closed",
        /// Voided; like invoices, credit notes have no `voided` key.
        Voided => "voided",
    }
);

/// A credit note (`object: "credit_note"`). Amounts are positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNote {
    /// Invoiced id.
    pub id: CreditNoteId,
    /// The customer, as an id or expanded (always expanded inside events).
    pub customer: CustomerRef,
    /// The invoice it was issued against, if any.
    #[serde(default)]
    pub invoice: Option<InvoiceId>,
    /// Document name (defaults to "Credit Note").
    #[serde(default)]
    pub name: Option<String>,
    /// Credit note number.
    pub number: String,
    /// Currency.
    pub currency: Currency,
    /// Draft flag.
    #[serde(default)]
    pub draft: bool,
    /// Closed flag.
    #[serde(default)]
    pub closed: bool,
    /// Paid (fully applied) flag.
    #[serde(default)]
    pub paid: bool,
    /// Computed status.
    pub status: CreditNoteStatus,
    /// Not serialized by the current server (voids show only in `status`), but accepted when a
    /// simulator or an older payload sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided: Option<bool>,
    /// Credit note date.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub date: DateTime<Utc>,
    /// Purchase order.
    #[serde(default)]
    pub purchase_order: Option<String>,
    /// Lines.
    #[serde(default)]
    pub items: Vec<LineItem>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Sum of the lines.
    #[serde(with = "decimal")]
    pub subtotal: Decimal,
    /// Document-level discounts.
    #[serde(default)]
    pub discounts: Vec<Discount>,
    /// Document-level taxes.
    #[serde(default)]
    pub taxes: Vec<Tax>,
    /// Shipping charges.
    #[serde(default)]
    pub shipping: Vec<Shipping>,
    /// Total.
    #[serde(with = "decimal")]
    pub total: Decimal,
    /// Amount not yet applied.
    #[serde(with = "decimal")]
    pub balance: Decimal,
    /// Customer-facing URL.
    #[serde(default)]
    pub url: Option<String>,
    /// PDF URL.
    #[serde(default)]
    pub pdf_url: Option<String>,
    /// Custom fields.
    #[serde(default)]
    pub metadata: Metadata,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last update time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl CreditNote {
    /// Whether the credit note is voided (exposed only through `status`).
    pub fn is_voided(&self) -> bool {
        self.status == CreditNoteStatus::Voided || self.voided == Some(true)
    }

    /// Whether it is still a draft (the flag, or the computed status).
    pub fn is_draft(&self) -> bool {
        self.draft || self.status == CreditNoteStatus::Draft
    }
}

/// Fields sent to create or update a credit note.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreditNoteParams {
    /// Customer; required on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// Invoice the credit note relates to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceId>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Date.
    #[serde(
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<DateTime<Utc>>,
    /// Purchase order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_order: Option<String>,
    /// Draft flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    /// Lines; on PATCH this replaces the whole line set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<LineItemParams>>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Flat discount.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub discount: Option<Decimal>,
    /// Flat tax.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub tax: Option<Decimal>,
    /// Whether Invoiced should compute taxes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculate_taxes: Option<bool>,
    /// Custom fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}
