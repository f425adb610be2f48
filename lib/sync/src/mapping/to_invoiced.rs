//! Intacct rows → the Invoiced records the read side creates or updates. Pure: no I/O, no
//! engine policy beyond what a field becomes.

use chrono::NaiveDate;
use chrono_tz::Tz;
use invoiced::models::{
    AppliedTo, CreditNoteParams, CustomerId, CustomerParams, InvoiceParams, LineItemParams,
    Metadata, PaymentMethod, PaymentParams,
};
use rust_decimal::Decimal;

use super::dates::company_noon;
use super::identity::IMPORTED_MARKER;
use super::intacct_rows::{CustomerRow, DocumentLineRow, DocumentRow, PaymentRow, RowError};

/// Metadata key of the Intacct item an imported line came from.
pub const ITEM_MARKER: &str = "intacct_item";
/// Metadata key of the transaction definition an imported document came from.
pub const DOCUMENT_TYPE_MARKER: &str = "intacct_document_type";
/// Metadata key of the Intacct customer a bill-to contact bills to.
pub const BILLS_TO_MARKER: &str = "intacct_customer_number";
/// Longest purchase order number Invoiced keeps.
const PO_NUMBER_MAX: usize = 32;

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

/// Metadata key of an imported line's quantity in base units, when the line is imported as one
/// unit at its amount (the amount is not quantity × price: a line discount, a price in more
/// decimals than Invoiced keeps).
pub const QUANTITY_MARKER: &str = "intacct_quantity";

/// What an Order Entry document's lines and subtotals become.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentContent {
    /// Line items, then one per subtotal that is neither tax nor discount (freight, handling…).
    pub items: Vec<LineItemParams>,
    /// Sum of the tax subtotals.
    pub tax: Decimal,
    /// Sum of the discount subtotals, as a positive amount.
    pub discount: Decimal,
}

impl DocumentContent {
    /// The total Invoiced computes for this content: each line's quantity × unit cost rounded
    /// to the cent, plus tax, minus discount.
    pub fn total(&self) -> Decimal {
        let lines: Decimal = self
            .items
            .iter()
            .map(|i| {
                (i.quantity.unwrap_or(Decimal::ONE) * i.unit_cost.unwrap_or_default()).round_dp(2)
            })
            .sum();
        lines + self.tax - self.discount
    }
}

/// An import whose total would differ from the Intacct document's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalMismatch {
    /// The document's total in Intacct (TRX_TOTAL).
    pub intacct: Decimal,
    /// What the imported document totals.
    pub imported: Decimal,
}

impl std::fmt::Display for TotalMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "totals {} in Intacct but {} imported (difference {})",
            self.intacct,
            self.imported,
            self.intacct - self.imported
        )
    }
}

/// Checks an imported total against the document's: `Err` when they differ by a cent or more.
pub fn check_total(doc: &DocumentRow, imported: Decimal) -> Result<(), TotalMismatch> {
    match doc.total {
        Some(intacct) if intacct.round_dp(2) != imported.round_dp(2) => {
            Err(TotalMismatch { intacct, imported })
        }
        _ => Ok(()),
    }
}

/// The lines and the tax, discount and other subtotals of a document, in the document's
/// currency, so that Invoiced's total is the document's to the cent.
pub fn document_content(doc: &DocumentRow) -> Result<DocumentContent, RowError> {
    if doc.lines.is_empty() {
        return Err(RowError(format!(
            "document {} has no line items",
            doc.display_number()
        )));
    }
    let mut items: Vec<LineItemParams> = doc.lines.iter().map(line_item).collect();
    let (mut tax, mut discount) = (Decimal::ZERO, Decimal::ZERO);
    for subtotal in doc.subtotals.iter().filter(|s| !s.total.is_zero()) {
        let description = subtotal.description.trim().trim_end_matches(':').trim();
        let lower = description.to_lowercase();
        if lower.contains("tax") {
            tax += subtotal.total;
        } else if lower.contains("discount") {
            // Intacct discount subtotals are negative; Invoiced's discount is positive.
            discount -= subtotal.total;
        } else {
            items.push(LineItemParams {
                name: Some(description.to_owned()),
                quantity: Some(Decimal::ONE),
                unit_cost: Some(subtotal.total),
                ..LineItemParams::default()
            });
        }
    }
    Ok(DocumentContent {
        items,
        tax,
        discount,
    })
}

/// One Order Entry line: in base units when the price per base unit is exact (2 Dozen at 120
/// become 24 at 10), else as entered, else — when the amount is not quantity × price — one
/// unit at the line's amount, keeping the quantity in the line's metadata.
fn line_item(line: &DocumentLineRow) -> LineItemParams {
    let mut metadata = Metadata::new();
    if let Some(item) = &line.item_id {
        metadata.insert(ITEM_MARKER, item.clone());
    }
    let entered = line.quantity.unwrap_or(Decimal::ONE);
    let multiplier = line
        .multiplier
        .filter(|m| *m > Decimal::ONE)
        .unwrap_or(Decimal::ONE);
    let price = line.price.unwrap_or_default();
    let amount = line.value.unwrap_or_else(|| (entered * price).round_dp(2));
    let in_base_units = (entered * multiplier, price / multiplier);
    let candidates = [in_base_units, (entered, price)];
    let (quantity, unit_cost) = candidates
        .into_iter()
        .find(|(q, p)| p.round_dp(4) == *p && (*q * *p).round_dp(2) == amount)
        .unwrap_or_else(|| {
            metadata.insert(QUANTITY_MARKER, in_base_units.0.normalize().to_string());
            (Decimal::ONE, amount)
        });
    LineItemParams {
        name: line
            .item_description
            .clone()
            .or_else(|| line.item_id.clone()),
        description: line.memo.clone(),
        quantity: Some(quantity.normalize()),
        unit_cost: Some(unit_cost.normalize()),
        metadata: Some(metadata),
        ..LineItemParams::default()
    }
}

fn document_metadata(doc: &DocumentRow) -> Metadata {
    let mut metadata = Metadata::new();
    metadata.insert(IMPORTED_MARKER, doc.key.clone());
    if let Some(t) = &doc.doc_type {
        metadata.insert(DOCUMENT_TYPE_MARKER, t.clone());
    }
    metadata
}

/// The Invoiced invoice of a Sales Invoice dated `date` in the company's time `zone`.
pub fn invoice_params(
    doc: &DocumentRow,
    customer: CustomerId,
    date: NaiveDate,
    zone: Tz,
    content: DocumentContent,
) -> InvoiceParams {
    InvoiceParams {
        customer: Some(customer),
        number: Some(doc.display_number()),
        currency: doc.currency.clone(),
        date: Some(company_noon(zone, date)),
        due_date: doc.due.map(|due| company_noon(zone, due)),
        purchase_order: doc
            .po_number
            .as_ref()
            .map(|p| p.chars().take(PO_NUMBER_MAX).collect()),
        items: Some(content.items),
        tax: (!content.tax.is_zero()).then_some(content.tax),
        discount: (!content.discount.is_zero()).then_some(content.discount),
        // Intacct's tax is the tax: Invoiced must not add its own on top.
        calculate_taxes: Some(false),
        draft: Some(false),
        metadata: Some(document_metadata(doc)),
        ..InvoiceParams::default()
    }
}

/// The Invoiced credit note of a Sales Return dated `date` in the company's time `zone`.
pub fn credit_note_params(
    doc: &DocumentRow,
    customer: CustomerId,
    date: NaiveDate,
    zone: Tz,
    content: DocumentContent,
) -> CreditNoteParams {
    CreditNoteParams {
        customer: Some(customer),
        number: Some(doc.display_number()),
        currency: doc.currency.clone(),
        date: Some(company_noon(zone, date)),
        items: Some(content.items),
        tax: (!content.tax.is_zero()).then_some(content.tax),
        discount: (!content.discount.is_zero()).then_some(content.discount),
        // Intacct's tax is the tax: Invoiced must not add its own on top.
        calculate_taxes: Some(false),
        draft: Some(false),
        metadata: Some(document_metadata(doc)),
        ..CreditNoteParams::default()
    }
}

/// The Invoiced payment of an AR payment, applied as `applied`, dated in the company's `zone`.
pub fn payment_params(
    pay: &PaymentRow,
    customer: CustomerId,
    zone: Tz,
    applied: Vec<AppliedTo>,
) -> PaymentParams {
    let mut metadata = Metadata::new();
    metadata.insert(IMPORTED_MARKER, pay.key.clone());
    PaymentParams {
        customer: Some(customer),
        date: pay.receipt_date.map(|day| company_noon(zone, day)),
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
