//! Payments, their applications (`applied_to`), and legacy transactions.

use super::charge::Charge;
use super::customer::CustomerRef;
use super::ids::{CreditNoteId, CustomerId, EstimateId, InvoiceId, PaymentId, TransactionId};
use super::json;
use super::metadata::Metadata;
use super::money::{Currency, decimal, decimal_opt};
use super::open_enum::open_enum;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

open_enum!(
    /// How a payment was made. The documented set plus `affirm`, `klarna` and `balance` (applied
    /// credit) seen in the server; anything newer is kept in `Unrecognized` (`other` is a real value).
    PaymentMethod, fallback = Unrecognized {
        /// ACH debit.
        Ach => "ach",
        /// Cash.
        Cash => "cash",
        /// Check.
        Check => "check",
        /// Card.
        CreditCard => "credit_card",
        /// Electronic funds transfer.
        Eft => "eft",
        /// Direct debit.
        DirectDebit => "direct_debit",
        /// Other (the default on create).
        Other => "other",
        /// PayPal.
        Paypal => "paypal",
        /// Wire transfer.
        WireTransfer => "wire_transfer",
        /// Affirm.
        Affirm => "affirm",
        /// Klarna.
        Klarna => "klarna",
        /// Customer credit balance.
        Balance => "balance",
    }
);

open_enum!(
    /// The kind of document a credit-note or credit-balance application targets (`document_type`).
    DocumentType, fallback = Other {
        /// An invoice (the `invoice` key holds its id).
        Invoice => "invoice",
        /// An estimate (the `estimate` key holds its id).
        Estimate => "estimate",
        /// A credit note.
        CreditNote => "credit_note",
    }
);

/// A payment (`object: "payment"`), introduced in 2020 in place of legacy transactions.
///
/// `applied_to` is only returned with `?include=applied_to` (this client always asks for it) and is
/// always present in payment events. Voiding a payment (`DELETE /payments/:id`) sets `voided` and
/// emits `payment.deleted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Invoiced id.
    pub id: PaymentId,
    /// The customer; `null` for unidentified cash, expanded inside events.
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    /// Payment date.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub date: DateTime<Utc>,
    /// Currency.
    pub currency: Currency,
    /// Amount received, including any convenience fee.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Unapplied remainder.
    #[serde(with = "decimal")]
    pub balance: Decimal,
    /// Payment method.
    #[serde(default = "default_method")]
    pub method: PaymentMethod,
    /// Where the payment came from (`keyed`, `bank_feed`, `api`, ...).
    #[serde(default)]
    pub source: Option<String>,
    /// Reference such as a check number.
    #[serde(default)]
    pub reference: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// CashMatch suggestion flag.
    #[serde(default)]
    pub matched: Option<bool>,
    /// Whether the payment was voided.
    #[serde(default)]
    pub voided: bool,
    /// The card/ACH charge behind the payment, if any.
    #[serde(default)]
    pub charge: Option<Charge>,
    /// How the amount was applied; empty unless requested or inside an event.
    #[serde(default)]
    pub applied_to: Vec<AppliedTo>,
    /// Receipt PDF URL.
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

fn default_method() -> PaymentMethod {
    PaymentMethod::Other
}

/// Application to an invoice (`type: "invoice"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceApplication {
    /// Id of the underlying transaction (absent in requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TransactionId>,
    /// Amount applied.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// The invoice paid.
    pub invoice: InvoiceId,
}

/// A credit note applied, usually to an invoice (`type: "credit_note"`); the amount is positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNoteApplication {
    /// Id of the underlying transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TransactionId>,
    /// Amount applied.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// The credit note spent.
    pub credit_note: CreditNoteId,
    /// What it was applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<DocumentType>,
    /// The invoice it was applied to, when `document_type` is `invoice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceId>,
    /// The estimate it was applied to, when `document_type` is `estimate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateId>,
}

/// Customer credit balance spent on a document (`type: "applied_credit"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedCreditApplication {
    /// Id of the underlying transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TransactionId>,
    /// Amount applied.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// What it was applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<DocumentType>,
    /// The invoice, when `document_type` is `invoice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceId>,
    /// The estimate, when `document_type` is `estimate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateId>,
}

/// An application that is just an amount: a convenience fee or credit added to the balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmountApplication {
    /// Id of the underlying transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TransactionId>,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
}

/// One row of a payment's `applied_to`.
///
/// Rows of a kind this client does not model (`estimate`, the undocumented `document_adjustment`, or
/// anything newer) are kept whole in [`AppliedTo::Other`] instead of failing the payment, so a sync can
/// report them rather than drop the payment. A row of a known kind that is missing its required keys is
/// still an error.
#[derive(Debug, Clone, PartialEq)]
pub enum AppliedTo {
    /// Paid an invoice.
    Invoice(InvoiceApplication),
    /// A credit note applied to a document.
    CreditNote(CreditNoteApplication),
    /// The convenience-fee part of a card payment (no document; posted to Intacct as `CF-<payment>`).
    ConvenienceFee(AmountApplication),
    /// Added to the customer's credit balance.
    Credit(AmountApplication),
    /// Credit balance spent on a document.
    AppliedCredit(AppliedCreditApplication),
    /// Any other kind, kept verbatim (the JSON object including its `type`).
    Other(Value),
}

impl AppliedTo {
    /// The wire `type` of the row.
    pub fn kind(&self) -> &str {
        match self {
            Self::Invoice(_) => "invoice",
            Self::CreditNote(_) => "credit_note",
            Self::ConvenienceFee(_) => "convenience_fee",
            Self::Credit(_) => "credit",
            Self::AppliedCredit(_) => "applied_credit",
            Self::Other(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The amount of the row; `None` only for an unknown kind without a readable `amount`.
    pub fn amount(&self) -> Option<Decimal> {
        match self {
            Self::Invoice(row) => Some(row.amount),
            Self::CreditNote(row) => Some(row.amount),
            Self::ConvenienceFee(row) | Self::Credit(row) => Some(row.amount),
            Self::AppliedCredit(row) => Some(row.amount),
            Self::Other(value) => {
                #[derive(Deserialize)]
                struct Amount(#[serde(with = "decimal")] Decimal);
                let amount = value.get("amount")?;
                serde_json::from_value::<Amount>(amount.clone())
                    .ok()
                    .map(|Amount(a)| a)
            }
        }
    }
}

impl<'de> Deserialize<'de> for AppliedTo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = json::deserialize(deserializer)?;
        let kind = match value.get("type") {
            Some(Value::String(kind)) => kind.clone(),
            _ => return Err(de::Error::custom("applied_to row without a string `type`")),
        };
        fn typed<T: serde::de::DeserializeOwned, E: de::Error>(
            kind: &str,
            value: Value,
        ) -> Result<T, E> {
            serde_json::from_value(value)
                .map_err(|e| E::custom(format_args!("applied_to row of type `{kind}`: {e}")))
        }
        Ok(match kind.as_str() {
            "invoice" => Self::Invoice(typed(&kind, value)?),
            "credit_note" => Self::CreditNote(typed(&kind, value)?),
            "convenience_fee" => Self::ConvenienceFee(typed(&kind, value)?),
            "credit" => Self::Credit(typed(&kind, value)?),
            "applied_credit" => Self::AppliedCredit(typed(&kind, value)?),
            _ => Self::Other(value),
        })
    }
}

impl Serialize for AppliedTo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let body = match self {
            Self::Invoice(row) => serde_json::to_value(row),
            Self::CreditNote(row) => serde_json::to_value(row),
            Self::ConvenienceFee(row) | Self::Credit(row) => serde_json::to_value(row),
            Self::AppliedCredit(row) => serde_json::to_value(row),
            Self::Other(value) => return value.serialize(serializer),
        };
        let mut body = body.map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut body {
            map.insert("type".to_owned(), Value::String(self.kind().to_owned()));
        }
        body.serialize(serializer)
    }
}

/// Fields sent to create (`POST /payments`) or update (`PATCH /payments/:id`) a payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PaymentParams {
    /// Customer; needed before any application can be saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// Payment date.
    #[serde(
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<DateTime<Utc>>,
    /// Method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<PaymentMethod>,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Amount.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    /// Reference (check number, Intacct document number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Applications; the sum may not exceed `amount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_to: Option<Vec<AppliedTo>>,
    /// Custom fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A legacy transaction (`object: "transaction"`), still emitted in `transaction.*` events (credit
/// balance adjustments, and payments' internal rows). A convenience fee is a `payment` transaction with
/// `notes: "Convenience Fee"` and no invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Invoiced id.
    pub id: TransactionId,
    /// Customer, as an id or expanded.
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    /// Invoice the transaction applies to.
    #[serde(default)]
    pub invoice: Option<InvoiceId>,
    /// Credit note the transaction applies to.
    #[serde(default)]
    pub credit_note: Option<CreditNoteId>,
    /// Date.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub date: DateTime<Utc>,
    /// `charge`, `payment`, `refund`, `adjustment` or `document_adjustment`.
    #[serde(rename = "type")]
    pub transaction_type: String,
    /// Method.
    #[serde(default = "default_method")]
    pub method: PaymentMethod,
    /// `succeeded`, `pending` or `failed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Currency.
    pub currency: Currency,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Parent transaction (refunds).
    #[serde(default)]
    pub parent_transaction: Option<TransactionId>,
    /// Custom fields.
    #[serde(default)]
    pub metadata: Metadata,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
}
