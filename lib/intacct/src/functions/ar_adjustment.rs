//! Legacy `create_aradjustment` (credit/debit memos) and `delete_aradjustment`.

use chrono::NaiveDate;

use super::ar_invoice::DocumentAction;
use super::common::{ArLineItem, CurrencyInfo};
use crate::xml::XmlWriter;

/// Legacy `create_aradjustment` (fixture `req_10`). Line amounts: positive creates a debit
/// memo, negative a credit memo. Revenue-recognition fields are not part of the adjustment
/// line schema and are rejected at build time rather than silently dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateArAdjustment {
    /// Intacct CUSTOMERID.
    pub customer_id: String,
    /// Adjustment date.
    pub date_created: NaiveDate,
    /// GL posting date.
    pub date_posted: Option<NaiveDate>,
    /// Summary RECORDNO.
    pub batch_key: Option<String>,
    /// Adjustment document number.
    pub adjustment_no: Option<String>,
    /// Draft or Submit.
    pub action: Option<DocumentAction>,
    /// Related invoice number (informational).
    pub invoice_no: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// External reference.
    pub external_id: Option<String>,
    /// Multi-currency block.
    pub currency: Option<CurrencyInfo>,
    /// `nogl`.
    pub no_gl: Option<bool>,
    /// Tax solution (2021R1+).
    pub tax_solution_id: Option<String>,
    /// At least one line.
    pub lines: Vec<ArLineItem>,
}

impl CreateArAdjustment {
    /// An adjustment with the required fields.
    pub fn new(
        customer_id: impl Into<String>,
        date_created: NaiveDate,
        lines: Vec<ArLineItem>,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            date_created,
            date_posted: None,
            batch_key: None,
            adjustment_no: None,
            action: None,
            invoice_no: None,
            description: None,
            external_id: None,
            currency: None,
            no_gl: None,
            tax_solution_id: None,
            lines,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("create_aradjustment customerid", &self.customer_id)?;
        if self.lines.is_empty() {
            return Err("AR adjustment must have at least 1 line".into());
        }
        if self.lines.iter().any(ArLineItem::has_rev_rec) {
            return Err("AR adjustment lines cannot carry revenue-recognition fields".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("create_aradjustment")
            .leaf("customerid", &self.customer_id)
            .split_date("datecreated", self.date_created)
            .split_date_opt("dateposted", self.date_posted)
            .leaf_opt("batchkey", self.batch_key.as_deref())
            .leaf_opt("adjustmentno", self.adjustment_no.as_deref())
            .leaf_opt("action", self.action.map(DocumentAction::as_str))
            .leaf_opt("invoiceno", self.invoice_no.as_deref())
            .leaf_opt("description", self.description.as_deref())
            .leaf_opt("externalid", self.external_id.as_deref());
        if let Some(c) = &self.currency {
            c.write(w);
        }
        w.bool_opt("nogl", self.no_gl)
            .leaf_opt("taxsolutionid", self.tax_solution_id.as_deref());
        w.open("aradjustmentitems");
        for line in &self.lines {
            line.write(w);
        }
        w.close().close();
    }
}

/// Legacy `delete_aradjustment`: AR adjustments cannot be reversed, so a void deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteArAdjustment {
    /// ARADJUSTMENT RECORDNO.
    pub key: String,
}

impl DeleteArAdjustment {
    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("delete_aradjustment key", &self.key)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.empty_with("delete_aradjustment", &[("key", &self.key)]);
    }
}
