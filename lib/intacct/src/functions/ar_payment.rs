//! Legacy AR payment functions: `create_arpayment`, `apply_arpayment`, `reverse_arpayment`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::common::CurrencyInfo;
use crate::xml::XmlWriter;

/// Where a payment is deposited: the schema's `(batchkey | bankaccountid | undepfundsacct)`.
///
/// Omitting all three only works when AR's payment summary frequency is Daily/Monthly;
/// otherwise Intacct answers "Please provide a payment batch key". Foreign-currency payments
/// cannot go to undeposited funds (BL02000051): use a bank account in that currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAccount {
    /// `batchkey`: an existing payment summary.
    BatchKey(String),
    /// `bankaccountid`: a checking/savings account.
    BankAccount(String),
    /// `undepfundsacct`: an undeposited-funds GL account.
    UndepositedFunds(String),
}

/// One `<arpaymentitem>`: an amount applied to an invoice (ARINVOICE RECORDNO, not the
/// SODOCUMENT RECORDNO) or, for apply, to a debit memo.
#[derive(Debug, Clone, PartialEq)]
pub struct ArPaymentItem {
    /// ARINVOICE (or ARADJUSTMENT debit memo) RECORDNO.
    pub invoice_key: String,
    /// Amount applied.
    pub amount: Decimal,
}

impl ArPaymentItem {
    fn write(&self, w: &mut XmlWriter) {
        w.open("arpaymentitem")
            .leaf("invoicekey", &self.invoice_key)
            .decimal("amount", self.amount)
            .close();
    }
}

/// Legacy `create_arpayment` (fixture `req_11`). Items repeat directly under the function
/// (no wrapper element). Without items, Open-Item companies get an advance.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateArPayment {
    /// Intacct CUSTOMERID.
    pub customer_id: String,
    /// Transaction-currency amount.
    pub payment_amount: Decimal,
    /// Base-currency amount.
    pub translated_amount: Option<Decimal>,
    /// Deposit target.
    pub account: Option<PaymentAccount>,
    /// Reference (check number etc.).
    pub ref_id: Option<String>,
    /// Location for any overpayment.
    pub overpay_location_id: Option<String>,
    /// Department for any overpayment.
    pub overpay_department_id: Option<String>,
    /// Receipt date (GL date).
    pub date_received: NaiveDate,
    /// `Printed Check`, `Cash`, `EFT`, `Credit Card`, `Online Charge Card`, `Online ACH Debit`.
    pub payment_method: String,
    /// Multi-currency block.
    pub currency: Option<CurrencyInfo>,
    /// Card type.
    pub cc_type: Option<String>,
    /// Authorisation code.
    pub auth_code: Option<String>,
    /// Applications to invoices.
    pub items: Vec<ArPaymentItem>,
}

impl CreateArPayment {
    /// A payment with the required fields.
    pub fn new(
        customer_id: impl Into<String>,
        payment_amount: Decimal,
        date_received: NaiveDate,
        payment_method: impl Into<String>,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            payment_amount,
            translated_amount: None,
            account: None,
            ref_id: None,
            overpay_location_id: None,
            overpay_department_id: None,
            date_received,
            payment_method: payment_method.into(),
            currency: None,
            cc_type: None,
            auth_code: None,
            items: Vec::new(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("create_arpayment customerid", &self.customer_id)?;
        super::query::non_empty("create_arpayment paymentmethod", &self.payment_method)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("create_arpayment")
            .leaf("customerid", &self.customer_id)
            .decimal("paymentamount", self.payment_amount)
            .decimal_opt("translatedamount", self.translated_amount);
        match &self.account {
            Some(PaymentAccount::BatchKey(k)) => w.leaf("batchkey", k),
            Some(PaymentAccount::BankAccount(k)) => w.leaf("bankaccountid", k),
            Some(PaymentAccount::UndepositedFunds(k)) => w.leaf("undepfundsacct", k),
            None => w,
        };
        w.leaf_opt("refid", self.ref_id.as_deref())
            .leaf_opt("overpaylocid", self.overpay_location_id.as_deref())
            .leaf_opt("overpaydeptid", self.overpay_department_id.as_deref())
            .split_date("datereceived", self.date_received)
            .leaf("paymentmethod", &self.payment_method);
        if let Some(c) = &self.currency {
            c.write(w);
        }
        w.leaf_opt("cctype", self.cc_type.as_deref())
            .leaf_opt("authcode", self.auth_code.as_deref());
        for item in &self.items {
            item.write(w);
        }
        w.close();
    }
}

/// Legacy `apply_arpayment` (fixture `req_12`): applies an existing payment, advance,
/// overpayment or *credit memo* (ARADJUSTMENT RECORDNO as `arpaymentkey`) to invoices.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyArPayment {
    /// RECORDNO of the ARPAYMENT / ARADJUSTMENT / negative ARINVOICE being applied.
    pub ar_payment_key: String,
    /// Application date.
    pub payment_date: NaiveDate,
    /// Summary RECORDNO.
    pub batch_key: Option<String>,
    /// Memo.
    pub memo: Option<String>,
    /// Location for any overpayment.
    pub overpay_location_id: Option<String>,
    /// Department for any overpayment.
    pub overpay_department_id: Option<String>,
    /// At least one application.
    pub items: Vec<ArPaymentItem>,
}

impl ApplyArPayment {
    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("apply_arpayment arpaymentkey", &self.ar_payment_key)?;
        if self.items.is_empty() {
            return Err("apply_arpayment needs at least one item".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("apply_arpayment")
            .leaf("arpaymentkey", &self.ar_payment_key)
            .split_date("paymentdate", self.payment_date)
            .leaf_opt("batchkey", self.batch_key.as_deref())
            .leaf_opt("memo", self.memo.as_deref())
            .leaf_opt("overpaylocid", self.overpay_location_id.as_deref())
            .leaf_opt("overpaydeptid", self.overpay_department_id.as_deref())
            .open("arpaymentitems");
        for item in &self.items {
            item.write(w);
        }
        w.close().close();
    }
}

/// Legacy `reverse_arpayment` (void a payment): `key` attribute is the payment RECORDNO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseArPayment {
    /// ARPYMT RECORDNO.
    pub key: String,
    /// Reversal date.
    pub date_reversed: NaiveDate,
    /// Memo.
    pub description: Option<String>,
}

impl ReverseArPayment {
    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("reverse_arpayment key", &self.key)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open_with("reverse_arpayment", &[("key", &self.key)])
            .split_date("datereversed", self.date_reversed)
            .leaf_opt("description", self.description.as_deref())
            .close();
    }
}
