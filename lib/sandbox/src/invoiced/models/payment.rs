//! Payments and their `applied_to` rows.

use rust_decimal::Decimal;

use super::{Metadata, PORTAL, metadata_json};
use crate::invoiced::wire::Json;

/// The kind of a payment application row (`applied_to[].type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedType {
    /// Cash applied to an invoice.
    Invoice,
    /// A credit note applied to an invoice (does not consume the payment's cash).
    CreditNote,
    /// The fee portion of a card payment; never reduces an invoice balance.
    ConvenienceFee,
    /// Cash added to the customer's credit balance.
    Credit,
    /// Customer credit balance spent on an invoice (does not consume the payment's cash).
    AppliedCredit,
}

impl AppliedType {
    /// Parse the wire text; other backend types (estimate, document_adjustment) are rejected.
    pub fn parse(text: &str) -> Option<AppliedType> {
        Some(match text {
            "invoice" => AppliedType::Invoice,
            "credit_note" => AppliedType::CreditNote,
            "convenience_fee" => AppliedType::ConvenienceFee,
            "credit" => AppliedType::Credit,
            "applied_credit" => AppliedType::AppliedCredit,
            _ => return None,
        })
    }

    /// Wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedType::Invoice => "invoice",
            AppliedType::CreditNote => "credit_note",
            AppliedType::ConvenienceFee => "convenience_fee",
            AppliedType::Credit => "credit",
            AppliedType::AppliedCredit => "applied_credit",
        }
    }

    /// Whether the row spends the payment's own money (and so counts against `amount`).
    pub fn consumes_cash(self) -> bool {
        matches!(
            self,
            AppliedType::Invoice | AppliedType::ConvenienceFee | AppliedType::Credit
        )
    }
}

/// One `applied_to` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// The underlying transaction id.
    pub id: i64,
    /// Row type.
    pub kind: AppliedType,
    /// Amount (positive).
    pub amount: Decimal,
    /// Target invoice for invoice / credit_note / applied_credit rows.
    pub invoice: Option<i64>,
    /// Source credit note for credit_note rows.
    pub credit_note: Option<i64>,
}

impl Application {
    /// Wire shape (fixture `transcribed_payment_applied_to_examples.json`).
    pub fn render(&self) -> Json {
        let mut row = Json::obj()
            .set("id", self.id)
            .set("type", self.kind.as_str())
            .set("amount", self.amount);
        match self.kind {
            AppliedType::Invoice => row = row.set("invoice", self.invoice),
            AppliedType::CreditNote => {
                row = row.set("credit_note", self.credit_note);
                if self.invoice.is_some() {
                    row = row
                        .set("document_type", "invoice")
                        .set("invoice", self.invoice);
                }
            }
            AppliedType::AppliedCredit => {
                row = row
                    .set("document_type", "invoice")
                    .set("invoice", self.invoice)
            }
            AppliedType::ConvenienceFee | AppliedType::Credit => {}
        }
        row
    }
}

/// A payment (`object: "payment"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Integer id.
    pub id: i64,
    /// Customer; null for unidentified cash (then nothing can be applied).
    pub customer: Option<i64>,
    /// Unix seconds.
    pub date: i64,
    /// Currency.
    pub currency: String,
    /// Amount received.
    pub amount: Decimal,
    /// `check`, `ach`, `other` (default) …
    pub method: String,
    /// e.g. check number.
    pub reference: Option<String>,
    /// `keyed` (default), `bank_feed` …
    pub source: String,
    /// Notes.
    pub notes: Option<String>,
    /// CashMatch suggestion flag.
    pub matched: Option<bool>,
    /// ACH sender.
    pub ach_sender_id: Option<String>,
    /// Voided via DELETE.
    pub voided: bool,
    /// When voided.
    pub date_voided: Option<i64>,
    /// Application rows (removed on void).
    pub applied_to: Vec<Application>,
    /// Custom fields (typed values: payments use the attribute store).
    pub metadata: Metadata,
    /// Portal token.
    pub client_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Payment {
    /// Unapplied amount: `amount − Σ cash-consuming rows`; the full amount once voided.
    pub fn balance(&self) -> Decimal {
        let applied: Decimal = self
            .applied_to
            .iter()
            .filter(|a| a.kind.consumes_cash())
            .map(|a| a.amount)
            .sum();
        self.amount - applied
    }

    /// Wire shape (fixture `payment.json`); `applied_to` only when asked for.
    pub fn render(&self, include_applied_to: bool) -> Json {
        let pdf = (!self.voided && !self.applied_to.is_empty())
            .then(|| format!("{PORTAL}/payments/{}/pdf", self.client_id));
        let mut doc = Json::obj()
            .set("id", self.id)
            .set("object", "payment")
            .set("customer", self.customer)
            .set("date", self.date)
            .set("currency", self.currency.as_str())
            .set("amount", self.amount)
            .set("balance", self.balance())
            .set("method", self.method.as_str())
            .set("reference", self.reference.clone())
            .set("source", self.source.as_str())
            .set("notes", self.notes.clone())
            .set("matched", self.matched)
            .set("ach_sender_id", self.ach_sender_id.clone())
            .set("bank_feed_transaction_id", Json::Null)
            .set("charge", Json::Null)
            .set("voided", self.voided)
            .set("pdf_url", pdf)
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        if include_applied_to {
            doc = doc.set(
                "applied_to",
                Json::Arr(self.applied_to.iter().map(Application::render).collect()),
            );
        }
        doc
    }
}
