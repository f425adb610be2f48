//! Intacct rows → the Invoiced records the read side creates or updates. Pure: no I/O, no
//! engine policy beyond what a field becomes.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use invoiced::models::{
    AppliedTo, CreditNoteParams, CustomerId, CustomerParams, InvoiceParams, LineItemParams,
    Metadata, PaymentMethod, PaymentParams,
};
use rust_decimal::Decimal;

use super::identity::IMPORTED_MARKER;
use super::intacct_rows::{CustomerRow, DocumentRow, PaymentRow, RowError};

/// Metadata key of the Intacct item an imported line came from.
pub const ITEM_MARKER: &str = "intacct_item";
/// Metadata key of the transaction definition an imported document came from.
pub const DOCUMENT_TYPE_MARKER: &str = "intacct_document_type";
/// Metadata key of the Intacct customer a bill-to contact bills to.
pub const BILLS_TO_MARKER: &str = "intacct_customer_number";
/// Longest purchase order number Invoiced keeps.
const PO_NUMBER_MAX: usize = 32;

/// Intacct dates are calendar days; Invoiced stores instants. Noon UTC keeps the same calendar
/// day in every time zone an account is likely to display.
pub fn instant(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()))
}

/// The Invoiced customer of an Intacct customer, marked as imported.
pub fn customer_params(row: &CustomerRow) -> CustomerParams {
    let mut metadata = Metadata::new();
    metadata.insert(IMPORTED_MARKER, row.key.clone());
    let c = &row.contact;
    CustomerParams {
        name: row.name.clone(),
        number: row.customer_id.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        address1: c.address1.clone(),
        address2: c.address2.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        postal_code: c.zip.clone(),
        country: c.country.clone(),
        currency: row.currency.clone(),
        active: Some(!row.inactive),
        metadata: Some(metadata),
        ..CustomerParams::default()
    }
}

/// The Invoiced customer of a document's bill-to contact (bill-to-contact mode): named after
/// the contact, remembering the Intacct customer it bills to.
pub fn bill_to_params(doc: &DocumentRow, contact_key: &str, bills_to: &str) -> CustomerParams {
    let mut metadata = Metadata::new();
    metadata.insert(BILLS_TO_MARKER, bills_to.to_owned());
    metadata.insert(IMPORTED_MARKER, contact_key.to_owned());
    CustomerParams {
        name: Some(
            doc.bill_to
                .name
                .clone()
                .unwrap_or_else(|| bills_to.to_owned()),
        ),
        email: doc.bill_to.email.clone(),
        phone: doc.bill_to.phone.clone(),
        metadata: Some(metadata),
        ..CustomerParams::default()
    }
}

/// What an Order Entry document's lines and subtotals become.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentContent {
    /// Line items.
    pub items: Vec<LineItemParams>,
    /// Sum of the tax subtotals.
    pub tax: Decimal,
    /// Sum of the discount subtotals, as a positive amount.
    pub discount: Decimal,
}

/// The lines (quantity × price in the document's unit) and the tax and discount subtotals of
/// a document.
pub fn document_content(doc: &DocumentRow) -> Result<DocumentContent, RowError> {
    let items: Vec<LineItemParams> = doc
        .lines
        .iter()
        .map(|line| {
            let mut metadata = Metadata::new();
            if let Some(item) = &line.item_id {
                metadata.insert(ITEM_MARKER, item.clone());
            }
            LineItemParams {
                name: line
                    .item_description
                    .clone()
                    .or_else(|| line.item_id.clone()),
                description: line.memo.clone(),
                quantity: Some(line.quantity.unwrap_or(Decimal::ONE)),
                unit_cost: Some(line.ui_price.or(line.price).unwrap_or_default()),
                metadata: Some(metadata),
                ..LineItemParams::default()
            }
        })
        .collect();
    if items.is_empty() {
        return Err(RowError(format!(
            "document {} has no line items",
            doc.display_number()
        )));
    }
    let (mut tax, mut discount) = (Decimal::ZERO, Decimal::ZERO);
    for subtotal in &doc.subtotals {
        let description = subtotal.description.to_lowercase();
        if description.contains("tax") {
            tax += subtotal.total;
        } else if description.contains("discount") {
            discount -= subtotal.total;
        }
    }
    Ok(DocumentContent {
        items,
        tax,
        discount,
    })
}

fn document_metadata(doc: &DocumentRow) -> Metadata {
    let mut metadata = Metadata::new();
    metadata.insert(IMPORTED_MARKER, doc.key.clone());
    if let Some(t) = &doc.doc_type {
        metadata.insert(DOCUMENT_TYPE_MARKER, t.clone());
    }
    metadata
}

/// The Invoiced invoice of a Sales Invoice dated `date`.
pub fn invoice_params(
    doc: &DocumentRow,
    customer: CustomerId,
    date: NaiveDate,
    content: DocumentContent,
) -> InvoiceParams {
    InvoiceParams {
        customer: Some(customer),
        number: Some(doc.display_number()),
        currency: doc.currency.clone(),
        date: Some(instant(date)),
        due_date: doc.due.map(instant),
        purchase_order: doc
            .po_number
            .as_ref()
            .map(|p| p.chars().take(PO_NUMBER_MAX).collect()),
        items: Some(content.items),
        tax: (!content.tax.is_zero()).then_some(content.tax),
        discount: (!content.discount.is_zero()).then_some(content.discount),
        draft: Some(false),
        metadata: Some(document_metadata(doc)),
        ..InvoiceParams::default()
    }
}

/// The Invoiced credit note of a Sales Return dated `date`.
pub fn credit_note_params(
    doc: &DocumentRow,
    customer: CustomerId,
    date: NaiveDate,
    content: DocumentContent,
) -> CreditNoteParams {
    CreditNoteParams {
        customer: Some(customer),
        number: Some(doc.display_number()),
        currency: doc.currency.clone(),
        date: Some(instant(date)),
        items: Some(content.items),
        tax: (!content.tax.is_zero()).then_some(content.tax),
        discount: (!content.discount.is_zero()).then_some(content.discount),
        draft: Some(false),
        metadata: Some(document_metadata(doc)),
        ..CreditNoteParams::default()
    }
}

/// The Invoiced payment of an AR payment, applied as `applied`.
pub fn payment_params(
    pay: &PaymentRow,
    customer: CustomerId,
    applied: Vec<AppliedTo>,
) -> PaymentParams {
    let mut metadata = Metadata::new();
    metadata.insert(IMPORTED_MARKER, pay.key.clone());
    PaymentParams {
        customer: Some(customer),
        date: pay.receipt_date.map(instant),
        method: Some(invoiced_method(pay.method.as_deref())),
        currency: pay.currency.clone(),
        amount: Some(pay.amount),
        reference: pay.docnumber.clone(),
        applied_to: Some(applied),
        metadata: Some(metadata),
        ..PaymentParams::default()
    }
}

/// The Invoiced payment method of an Intacct one.
pub fn invoiced_method(intacct: Option<&str>) -> PaymentMethod {
    match intacct.map(str::to_ascii_lowercase).as_deref() {
        Some("cash") => PaymentMethod::Cash,
        Some("printed check" | "check" | "record transfer") => PaymentMethod::Check,
        Some("credit card" | "charge card") => PaymentMethod::CreditCard,
        Some("eft" | "ach") => PaymentMethod::Eft,
        _ => PaymentMethod::Other,
    }
}
