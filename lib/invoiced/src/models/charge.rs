//! Charges, refunds, credit balance adjustments and customer balances.
//!
//! The sync meets charges inside payments (`payment.charge`): the merchant account of the charge's
//! payment source selects the Intacct deposit account. Credit balance adjustments arrive through
//! legacy `transaction.*` events.

use super::customer::CustomerRef;
use super::ids::{ChargeId, RefundId, TransactionId};
use super::json;
use super::money::{Currency, decimal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A card or ACH charge (`object: "charge"`). The docs table says `test` where the key is `gateway`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    /// Invoiced id.
    pub id: ChargeId,
    /// Customer.
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    /// Currency.
    pub currency: Currency,
    /// Amount charged.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Amount refunded so far.
    #[serde(default, with = "decimal")]
    pub amount_refunded: Decimal,
    /// Whether fully refunded.
    #[serde(default)]
    pub refunded: bool,
    /// Whether disputed.
    #[serde(default)]
    pub disputed: bool,
    /// `succeeded`, `pending` or `failed`.
    pub status: String,
    /// Payment gateway name.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Gateway's id of the charge.
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// Failure reason.
    #[serde(default)]
    pub failure_message: Option<String>,
    /// Card or bank account used, including `merchant_account`.
    #[serde(default, deserialize_with = "json::deserialize_option")]
    pub payment_source: Option<Value>,
    /// Refunds of this charge.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
}

impl Charge {
    /// The merchant account id of the payment source, the key of payment-account routing rules.
    pub fn merchant_account(&self) -> Option<i64> {
        self.payment_source
            .as_ref()?
            .get("merchant_account")?
            .as_i64()
    }
}

/// A refund of a charge (`object: "refund"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    /// Invoiced id.
    pub id: RefundId,
    /// The refunded charge.
    pub charge: ChargeId,
    /// Currency.
    pub currency: Currency,
    /// Amount refunded.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// `succeeded`, `pending` or `failed`.
    pub status: String,
    /// Failure reason.
    #[serde(default)]
    pub failure_message: Option<String>,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
}

/// A change to a customer's credit balance (`object: "credit_balance_adjustment"`); positive adds
/// credit. Emitted as `transaction.*` events for backward compatibility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditBalanceAdjustment {
    /// Invoiced id (a transaction id).
    pub id: TransactionId,
    /// Customer.
    pub customer: CustomerRef,
    /// Currency.
    pub currency: Currency,
    /// Amount.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Date.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub date: DateTime<Utc>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `GET /customers/:id/balance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerBalance {
    /// Credit available to apply.
    #[serde(with = "decimal")]
    pub available_credits: Decimal,
    /// Currency of the figures.
    pub currency: Currency,
    /// Whether anything is past due.
    #[serde(default)]
    pub past_due: bool,
    /// Total still owed.
    #[serde(with = "decimal")]
    pub total_outstanding: Decimal,
    /// Amount due now.
    #[serde(with = "decimal")]
    pub due_now: Decimal,
    /// Credit balance history, newest first.
    #[serde(default)]
    pub history: Vec<BalanceHistoryEntry>,
}

/// One point of the credit balance history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceHistoryEntry {
    /// When the balance changed.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub timestamp: DateTime<Utc>,
    /// Currency.
    pub currency: Currency,
    /// Credit balance after the change.
    #[serde(with = "decimal")]
    pub balance: Decimal,
}
