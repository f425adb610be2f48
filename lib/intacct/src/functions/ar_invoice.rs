//! Legacy `create_invoice` and `reverse_invoice` (AR invoices have no generic create).

use chrono::NaiveDate;

use super::common::{
    ArLineItem, CurrencyInfo, CustomField, write_contact_ref, write_custom_fields,
};
use crate::xml::XmlWriter;

/// `action` on legacy AR documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentAction {
    /// Saved as draft; no GL posting.
    Draft,
    /// Posted (Intacct's default).
    Submit,
}

impl DocumentAction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Submit => "Submit",
        }
    }
}

/// Legacy `create_invoice`. Children are written in the order the gateway validates
/// (fixture `req_08`); a successful result carries the new ARINVOICE RECORDNO in `<key>`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateInvoice {
    /// Intacct CUSTOMERID.
    pub customer_id: String,
    /// Invoice date.
    pub date_created: NaiveDate,
    /// GL posting date.
    pub date_posted: Option<NaiveDate>,
    /// Due date (required when `term_name` is absent).
    pub date_due: Option<NaiveDate>,
    /// Payment term (required when `date_due` is absent).
    pub term_name: Option<String>,
    /// Draft or Submit.
    pub action: Option<DocumentAction>,
    /// Summary RECORDNO to post into.
    pub batch_key: Option<String>,
    /// Document number. Colliding numbers fail with "A transaction with the number 'X'
    /// already exists" unless Intacct auto-numbers the sequence.
    pub invoice_no: Option<String>,
    /// Customer PO number.
    pub po_number: Option<String>,
    /// Put on hold.
    pub on_hold: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// External reference (e.g. the Invoiced id).
    pub external_id: Option<String>,
    /// Bill-to contact name.
    pub bill_to: Option<String>,
    /// Ship-to contact name.
    pub ship_to: Option<String>,
    /// Multi-currency block.
    pub currency: Option<CurrencyInfo>,
    /// `nogl`: do not post to the GL.
    pub no_gl: Option<bool>,
    /// Attachment id.
    pub supdoc_id: Option<String>,
    /// Tax solution (2020R4+).
    pub tax_solution_id: Option<String>,
    /// Header custom fields.
    pub custom_fields: Vec<CustomField>,
    /// At least one line.
    pub lines: Vec<ArLineItem>,
}

impl CreateInvoice {
    /// An invoice with the required fields; set the rest directly.
    pub fn new(
        customer_id: impl Into<String>,
        date_created: NaiveDate,
        lines: Vec<ArLineItem>,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            date_created,
            date_posted: None,
            date_due: None,
            term_name: None,
            action: None,
            batch_key: None,
            invoice_no: None,
            po_number: None,
            on_hold: None,
            description: None,
            external_id: None,
            bill_to: None,
            ship_to: None,
            currency: None,
            no_gl: None,
            supdoc_id: None,
            tax_solution_id: None,
            custom_fields: Vec::new(),
            lines,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("create_invoice customerid", &self.customer_id)?;
        if self.lines.is_empty() {
            return Err("AR invoice must have at least 1 line".into());
        }
        if self.date_due.is_none() && self.term_name.is_none() {
            return Err("create_invoice needs a due date or a term name".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("create_invoice")
            .leaf("customerid", &self.customer_id)
            .split_date("datecreated", self.date_created)
            .split_date_opt("dateposted", self.date_posted)
            .split_date_opt("datedue", self.date_due)
            .leaf_opt("termname", self.term_name.as_deref())
            .leaf_opt("action", self.action.map(DocumentAction::as_str))
            .leaf_opt("batchkey", self.batch_key.as_deref())
            .leaf_opt("invoiceno", self.invoice_no.as_deref())
            .leaf_opt("ponumber", self.po_number.as_deref())
            .bool_opt("onhold", self.on_hold)
            .leaf_opt("description", self.description.as_deref())
            .leaf_opt("externalid", self.external_id.as_deref());
        write_contact_ref(w, "billto", self.bill_to.as_deref());
        write_contact_ref(w, "shipto", self.ship_to.as_deref());
        if let Some(c) = &self.currency {
            c.write(w);
        }
        w.bool_opt("nogl", self.no_gl)
            .leaf_opt("supdocid", self.supdoc_id.as_deref())
            .leaf_opt("taxsolutionid", self.tax_solution_id.as_deref());
        write_custom_fields(w, &self.custom_fields);
        w.open("invoiceitems");
        for line in &self.lines {
            line.write(w);
        }
        w.close().close();
    }
}

/// Legacy `reverse_invoice` (void): `key` is the ARINVOICE RECORDNO, as an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseInvoice {
    /// ARINVOICE RECORDNO.
    pub key: String,
    /// Reversal date.
    pub date_reversed: NaiveDate,
    /// Memo.
    pub description: Option<String>,
}

impl ReverseInvoice {
    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty("reverse_invoice key", &self.key)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open_with("reverse_invoice", &[("key", &self.key)])
            .split_date("datereversed", self.date_reversed)
            .leaf_opt("description", self.description.as_deref())
            .close();
    }
}
