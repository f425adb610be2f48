//! Legacy `create_sotransaction`: the only way to create Order Entry documents.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::common::{CurrencyInfo, CustomField, write_contact_ref, write_custom_fields};
use crate::xml::XmlWriter;

/// One `<sotransitem>` in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct SoTransactionItem {
    /// Inventory item id.
    pub item_id: String,
    /// Line description.
    pub item_desc: Option<String>,
    /// Taxable flag.
    pub taxable: Option<bool>,
    /// Warehouse.
    pub warehouse_id: Option<String>,
    /// Quantity.
    pub quantity: Decimal,
    /// Unit of measure.
    pub unit: Option<String>,
    /// Discount percent.
    pub discount_percent: Option<Decimal>,
    /// Unit price.
    pub price: Option<Decimal>,
    /// Location dimension.
    pub location_id: Option<String>,
    /// Department dimension.
    pub department_id: Option<String>,
    /// Memo.
    pub memo: Option<String>,
    /// Line custom fields.
    pub custom_fields: Vec<CustomField>,
    /// Rev-rec template.
    pub rev_rec_template: Option<String>,
    /// Rev-rec start.
    pub rev_rec_start_date: Option<NaiveDate>,
    /// Rev-rec end.
    pub rev_rec_end_date: Option<NaiveDate>,
    /// Project dimension.
    pub project_id: Option<String>,
    /// Customer dimension.
    pub customer_id: Option<String>,
    /// Vendor dimension.
    pub vendor_id: Option<String>,
    /// Employee dimension.
    pub employee_id: Option<String>,
    /// Class dimension.
    pub class_id: Option<String>,
    /// Contract dimension.
    pub contract_id: Option<String>,
}

impl SoTransactionItem {
    /// A line with item and quantity.
    pub fn new(item_id: impl Into<String>, quantity: Decimal) -> Self {
        Self {
            item_id: item_id.into(),
            item_desc: None,
            taxable: None,
            warehouse_id: None,
            quantity,
            unit: None,
            discount_percent: None,
            price: None,
            location_id: None,
            department_id: None,
            memo: None,
            custom_fields: Vec::new(),
            rev_rec_template: None,
            rev_rec_start_date: None,
            rev_rec_end_date: None,
            project_id: None,
            customer_id: None,
            vendor_id: None,
            employee_id: None,
            class_id: None,
            contract_id: None,
        }
    }

    fn write(&self, w: &mut XmlWriter) {
        w.open("sotransitem")
            .leaf("itemid", &self.item_id)
            .leaf_opt("itemdesc", self.item_desc.as_deref())
            .bool_opt("taxable", self.taxable)
            .leaf_opt("warehouseid", self.warehouse_id.as_deref())
            .decimal("quantity", self.quantity)
            .leaf_opt("unit", self.unit.as_deref())
            .decimal_opt("discountpercent", self.discount_percent)
            .decimal_opt("price", self.price)
            .leaf_opt("locationid", self.location_id.as_deref())
            .leaf_opt("departmentid", self.department_id.as_deref())
            .leaf_opt("memo", self.memo.as_deref());
        write_custom_fields(w, &self.custom_fields);
        w.leaf_opt("revrectemplate", self.rev_rec_template.as_deref())
            .split_date_opt("revrecstartdate", self.rev_rec_start_date)
            .split_date_opt("revrecenddate", self.rev_rec_end_date)
            .leaf_opt("projectid", self.project_id.as_deref())
            .leaf_opt("customerid", self.customer_id.as_deref())
            .leaf_opt("vendorid", self.vendor_id.as_deref())
            .leaf_opt("employeeid", self.employee_id.as_deref())
            .leaf_opt("classid", self.class_id.as_deref())
            .leaf_opt("contractid", self.contract_id.as_deref())
            .close();
    }
}

/// One `<subtotal>` (tax, discount, charge lines of the document).
#[derive(Debug, Clone, PartialEq)]
pub struct SoSubtotal {
    /// Subtotal name as defined on the transaction definition.
    pub description: String,
    /// Amount.
    pub total: Decimal,
}

/// Legacy `create_sotransaction` (fixture `req_13`). `transaction_type` is the transaction
/// definition name (`Sales Invoice`, `Sales Return`, ...). On success `<key>` is the DOCID
/// `"<definition>-<number>"`; the AR record it creates is `SODOCUMENT.PRRECORDKEY`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSoTransaction {
    /// Transaction definition (DOCPARID).
    pub transaction_type: String,
    /// Document date.
    pub date_created: NaiveDate,
    /// GL posting date.
    pub date_posted: Option<NaiveDate>,
    /// DOCID of the source document when converting.
    pub created_from: Option<String>,
    /// Intacct CUSTOMERID.
    pub customer_id: String,
    /// Document number (omit when the definition auto-numbers).
    pub document_no: Option<String>,
    /// Original document date.
    pub orig_doc_date: Option<NaiveDate>,
    /// Reference number.
    pub reference_no: Option<String>,
    /// Payment term.
    pub term_name: Option<String>,
    /// Due date.
    pub date_due: Option<NaiveDate>,
    /// Message printed on the document.
    pub message: Option<String>,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Ship-to contact name.
    pub ship_to: Option<String>,
    /// Bill-to contact name.
    pub bill_to: Option<String>,
    /// Attachment id.
    pub supdoc_id: Option<String>,
    /// External reference.
    pub external_id: Option<String>,
    /// Multi-currency block.
    pub currency: Option<CurrencyInfo>,
    /// VSOE price list.
    pub vsoe_price_list: Option<String>,
    /// Header custom fields.
    pub custom_fields: Vec<CustomField>,
    /// `Draft`, `Pending` or `Closed`.
    pub state: Option<String>,
    /// Project dimension.
    pub project_id: Option<String>,
    /// At least one line.
    pub items: Vec<SoTransactionItem>,
    /// Subtotals.
    pub subtotals: Vec<SoSubtotal>,
}

impl CreateSoTransaction {
    /// A document with the required fields.
    pub fn new(
        transaction_type: impl Into<String>,
        date_created: NaiveDate,
        customer_id: impl Into<String>,
        items: Vec<SoTransactionItem>,
    ) -> Self {
        Self {
            transaction_type: transaction_type.into(),
            date_created,
            date_posted: None,
            created_from: None,
            customer_id: customer_id.into(),
            document_no: None,
            orig_doc_date: None,
            reference_no: None,
            term_name: None,
            date_due: None,
            message: None,
            shipping_method: None,
            ship_to: None,
            bill_to: None,
            supdoc_id: None,
            external_id: None,
            currency: None,
            vsoe_price_list: None,
            custom_fields: Vec::new(),
            state: None,
            project_id: None,
            items,
            subtotals: Vec::new(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        super::query::non_empty(
            "create_sotransaction transactiontype",
            &self.transaction_type,
        )?;
        super::query::non_empty("create_sotransaction customerid", &self.customer_id)?;
        if self.items.is_empty() {
            return Err("OE Transaction must have at least 1 line".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("create_sotransaction")
            .leaf("transactiontype", &self.transaction_type)
            .split_date("datecreated", self.date_created)
            .split_date_opt("dateposted", self.date_posted)
            .leaf_opt("createdfrom", self.created_from.as_deref())
            .leaf("customerid", &self.customer_id)
            .leaf_opt("documentno", self.document_no.as_deref())
            .split_date_opt("origdocdate", self.orig_doc_date)
            .leaf_opt("referenceno", self.reference_no.as_deref())
            .leaf_opt("termname", self.term_name.as_deref())
            .split_date_opt("datedue", self.date_due)
            .leaf_opt("message", self.message.as_deref())
            .leaf_opt("shippingmethod", self.shipping_method.as_deref());
        write_contact_ref(w, "shipto", self.ship_to.as_deref());
        write_contact_ref(w, "billto", self.bill_to.as_deref());
        w.leaf_opt("supdocid", self.supdoc_id.as_deref())
            .leaf_opt("externalid", self.external_id.as_deref());
        if let Some(c) = &self.currency {
            c.write(w);
        }
        w.leaf_opt("vsoepricelist", self.vsoe_price_list.as_deref());
        write_custom_fields(w, &self.custom_fields);
        w.leaf_opt("state", self.state.as_deref())
            .leaf_opt("projectid", self.project_id.as_deref())
            .open("sotransitems");
        for item in &self.items {
            item.write(w);
        }
        w.close();
        if !self.subtotals.is_empty() {
            w.open("subtotals");
            for s in &self.subtotals {
                w.open("subtotal")
                    .leaf("description", &s.description)
                    .decimal("total", s.total)
                    .close();
            }
            w.close();
        }
        w.close();
    }
}
