//! Invoices.

use super::customer::CustomerRef;
use super::ids::{CustomerId, InvoiceId};
use super::line_item::{Discount, LineItem, LineItemParams, ShipTo, Shipping, Tax};
use super::metadata::Metadata;
use super::money::{Currency, decimal, decimal_opt};
use super::open_enum::open_enum;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

open_enum!(
    /// Computed invoice status. Precedence on the server: voided, draft, paid, bad debt, pending,
    /// past due, viewed, sent, not sent.
    InvoiceStatus, fallback = Other {
        /// Not issued yet; never posted to Intacct.
        Draft => "draft",
        /// Issued, not sent to the customer.
        NotSent => "not_sent",
        /// Sent to the customer.
        Sent => "sent",
        /// Viewed by the customer.
        Viewed => "viewed",
        /// Due date passed with a balance left.
        PastDue => "past_due",
        /// A payment is pending.
        Pending => "pending",
        /// Fully paid (the server also sets `closed`).
        Paid => "paid",
        /// Voided; the only signal of a void (invoices have no `voided` key).
        Voided => "voided",
        /// Closed as bad debt.
        BadDebt => "bad_debt",
        /// Disputed.
        Disputed => "disputed",
    }
);

/// An invoice (`object: "invoice"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Invoiced id.
    pub id: InvoiceId,
    /// The customer, as an id or expanded (always expanded inside events).
    pub customer: CustomerRef,
    /// Document name (defaults to "Invoice").
    #[serde(default)]
    pub name: Option<String>,
    /// Invoice number, unique (case-insensitively) per account.
    pub number: String,
    /// Currency.
    pub currency: Currency,
    /// Draft flag.
    #[serde(default)]
    pub draft: bool,
    /// Closed flag (paid invoices are closed automatically).
    #[serde(default)]
    pub closed: bool,
    /// Paid flag.
    #[serde(default)]
    pub paid: bool,
    /// Computed status.
    pub status: InvoiceStatus,
    /// Not serialized by the current server (voids show only in `status`), but accepted when a
    /// simulator or an older payload sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided: Option<bool>,
    /// Whether the invoice is charged automatically.
    #[serde(default)]
    pub autopay: bool,
    /// Invoice date.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub date: DateTime<Utc>,
    /// Due date.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub due_date: Option<DateTime<Utc>>,
    /// Payment terms, e.g. `NET 14`.
    #[serde(default)]
    pub payment_terms: Option<String>,
    /// Purchase order number (32 characters at most).
    #[serde(default)]
    pub purchase_order: Option<String>,
    /// Lines; empty when the list was requested with `exclude=items`.
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
    /// Total after discounts, taxes and shipping.
    #[serde(with = "decimal")]
    pub total: Decimal,
    /// Amount still owed.
    #[serde(with = "decimal")]
    pub balance: Decimal,
    /// Shipping address.
    #[serde(default)]
    pub ship_to: Option<ShipTo>,
    /// Customer-facing URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Payment page URL.
    #[serde(default)]
    pub payment_url: Option<String>,
    /// PDF URL.
    #[serde(default)]
    pub pdf_url: Option<String>,
    /// Custom fields (e.g. `intacct_document_type`, `intacct_entity`).
    #[serde(default)]
    pub metadata: Metadata,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last update time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Invoice {
    /// Whether the invoice is voided. The server exposes this only through `status`.
    pub fn is_voided(&self) -> bool {
        self.status == InvoiceStatus::Voided || self.voided == Some(true)
    }

    /// Whether it is still a draft (the flag, or the computed status).
    pub fn is_draft(&self) -> bool {
        self.draft || self.status == InvoiceStatus::Draft
    }
}

/// Fields sent to create (`POST /invoices`) or update (`PATCH /invoices/:id`) an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InvoiceParams {
    /// Customer; required on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// Document name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Invoice number (Invoiced generates one when omitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Currency (defaults to the customer's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Invoice date.
    #[serde(
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<DateTime<Utc>>,
    /// Due date (computed from the terms when omitted).
    #[serde(
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<DateTime<Utc>>,
    /// Payment terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// Purchase order (32 characters at most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_order: Option<String>,
    /// Draft flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    /// Closed flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
    /// Lines; on PATCH this replaces the whole line set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<LineItemParams>>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// A flat document discount, turned by the server into a one-element `discounts` array.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub discount: Option<Decimal>,
    /// A flat document tax, turned by the server into a one-element `taxes` array.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub tax: Option<Decimal>,
    /// Whether Invoiced should compute taxes itself; the Intacct import sends `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculate_taxes: Option<bool>,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<ShipTo>,
    /// Custom fields (merged into existing metadata on update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}
