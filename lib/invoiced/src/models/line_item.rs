//! Line items and the rates applied to documents (discounts, taxes, shipping).

use super::ids::{DiscountId, LineItemId, TaxId};
use super::json;
use super::metadata::Metadata;
use super::money::{decimal, decimal_opt};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn default_true() -> bool {
    true
}

/// A line of an invoice or credit note (`object: "line_item"`).
///
/// `metadata` is where line-level custom fields live; the Intacct dimension keys
/// (`intacct_department`, `intacct_location`, `intacct_glaccountno`, ...) are read from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    /// Invoiced id; absent on lines not yet saved.
    #[serde(default)]
    pub id: Option<LineItemId>,
    /// Catalog item id (a string id), if the line comes from the item catalog.
    #[serde(default)]
    pub catalog_item: Option<String>,
    /// Line type, e.g. `product`, `service`, `plan`, `late_fee`; often absent.
    #[serde(default, rename = "type")]
    pub item_type: Option<String>,
    /// Line name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Quantity; may be fractional (e.g. 12.045).
    #[serde(with = "decimal")]
    pub quantity: Decimal,
    /// Unit price in major units; may be negative.
    #[serde(with = "decimal")]
    pub unit_cost: Decimal,
    /// `quantity × unit_cost` rounded to the currency's precision by the server.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// Whether document-level discounts apply to this line.
    #[serde(default = "default_true")]
    pub discountable: bool,
    /// Discounts applied to this line.
    #[serde(default)]
    pub discounts: Vec<Discount>,
    /// Whether document-level taxes apply to this line.
    #[serde(default = "default_true")]
    pub taxable: bool,
    /// Taxes applied to this line.
    #[serde(default)]
    pub taxes: Vec<Tax>,
    /// Line custom fields.
    #[serde(default)]
    pub metadata: Metadata,
    /// Last update time, when the server sends it.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A discount applied to a document or a line (`object: "discount"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    /// Invoiced id, when saved.
    #[serde(default)]
    pub id: Option<DiscountId>,
    /// Discount amount in major units (positive reduces the total).
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// The coupon object, if the discount came from one.
    #[serde(default, deserialize_with = "json::deserialize_option")]
    pub coupon: Option<Value>,
    /// Expiry time of the discount, if any.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub expires: Option<DateTime<Utc>>,
    /// Whether the discount is an early-payment discount from the payment terms.
    #[serde(default)]
    pub from_payment_terms: bool,
}

/// A tax applied to a document or a line (`object: "tax"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tax {
    /// Invoiced id, when saved.
    #[serde(default)]
    pub id: Option<TaxId>,
    /// Tax amount in major units.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// The tax rate object, if the tax came from one.
    #[serde(default, deserialize_with = "json::deserialize_option")]
    pub tax_rate: Option<Value>,
}

/// A shipping charge applied to a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipping {
    /// Shipping amount in major units.
    #[serde(with = "decimal")]
    pub amount: Decimal,
    /// The shipping rate object, if any.
    #[serde(default, deserialize_with = "json::deserialize_option")]
    pub shipping_rate: Option<Value>,
}

/// A shipping address on a document (`ship_to`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipTo {
    /// Recipient name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Attention line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
    /// Address line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Address line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO-3166 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A line sent on create or update of an invoice or credit note.
///
/// On PATCH, `items` **replaces** the line set: lines carrying an existing `id` are updated, lines
/// without one are created and saved lines left out are deleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LineItemParams {
    /// Existing line id, to keep (and update) that line on PATCH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<LineItemId>,
    /// Catalog item id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_item: Option<String>,
    /// Line type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quantity (Invoiced defaults to 1).
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    /// Unit price in major units.
    #[serde(with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<Decimal>,
    /// Whether discounts apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discountable: Option<bool>,
    /// Whether taxes apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxable: Option<bool>,
    /// Line custom fields (at most 10 keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}
