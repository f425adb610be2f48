//! Customers and their contacts.

use super::ids::{ContactId, CustomerId};
use super::metadata::Metadata;
use super::money::{Currency, decimal_opt};
use super::open_enum::open_enum;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

open_enum!(
    /// Whether a customer is a company or a person (`type`; Invoiced defaults to `company`).
    CustomerType, fallback = Other {
        /// A business.
        Company => "company",
        /// An individual.
        Person => "person",
    }
);

fn default_true() -> bool {
    true
}

/// A customer (`object: "customer"`).
///
/// Intacct's `CUSTOMERID` corresponds to the Invoiced customer `number`. There is no separate bill-to
/// object: a bill-to hierarchy is `parent_customer` plus `bill_to_parent`. Fields the sync does not use
/// (payment source, gateways, chasing) are ignored when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Invoiced id.
    pub id: CustomerId,
    /// Display name (required on create).
    pub name: String,
    /// Account number, unique per account; the natural key shared with Intacct's `CUSTOMERID`.
    #[serde(default)]
    pub number: Option<String>,
    /// Billing e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Company or person.
    #[serde(default, rename = "type")]
    pub customer_type: Option<CustomerType>,
    /// Whether invoices are charged automatically.
    #[serde(default)]
    pub autopay: bool,
    /// Default payment terms, e.g. `NET 30`.
    #[serde(default)]
    pub payment_terms: Option<String>,
    /// Attention line of the billing address.
    #[serde(default)]
    pub attention_to: Option<String>,
    /// Billing address, line 1.
    #[serde(default)]
    pub address1: Option<String>,
    /// Billing address, line 2.
    #[serde(default)]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// State or region.
    #[serde(default)]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO-3166 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Tax id.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Currency; `null` means the account's default currency.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Inactive customers cannot receive new invoices or credit notes. Older payloads omit the field,
    /// and the server default is `true`.
    #[serde(default = "default_true")]
    pub active: bool,
    /// Parent in a bill-to hierarchy.
    #[serde(default)]
    pub parent_customer: Option<CustomerId>,
    /// Whether the parent customer is billed for this customer's invoices.
    #[serde(default)]
    pub bill_to_parent: bool,
    /// Whether the customer is taxable.
    #[serde(default = "default_true")]
    pub taxable: bool,
    /// Credit hold flag.
    #[serde(default)]
    pub credit_hold: bool,
    /// Credit limit in major units.
    #[serde(default, with = "decimal_opt")]
    pub credit_limit: Option<Decimal>,
    /// Free-text notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Custom fields.
    #[serde(default)]
    pub metadata: Metadata,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last update time; absent from some older payloads.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A document's or payment's `customer`: an id, or the full customer where it was expanded.
///
/// Events always expand the customer of invoices, credit notes, contacts and payments
/// (`data.object.customer` is an object), while API responses carry the id unless `expand=customer`.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerRef {
    /// Not expanded.
    Id(CustomerId),
    /// Expanded (`expand=customer`, or inside an event).
    Expanded(Box<Customer>),
}

impl CustomerRef {
    /// The customer id, whichever form was received.
    pub fn id(&self) -> CustomerId {
        match self {
            Self::Id(id) => *id,
            Self::Expanded(customer) => customer.id,
        }
    }

    /// The expanded customer, if the payload carried one.
    pub fn expanded(&self) -> Option<&Customer> {
        match self {
            Self::Id(_) => None,
            Self::Expanded(customer) => Some(customer),
        }
    }
}

impl From<CustomerId> for CustomerRef {
    fn from(id: CustomerId) -> Self {
        Self::Id(id)
    }
}

impl Serialize for CustomerRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Id(id) => id.serialize(serializer),
            Self::Expanded(customer) => customer.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for CustomerRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Decide on the JSON shape first so an expanded customer's own errors are reported as-is.
        let value = super::json::deserialize(deserializer)?;
        if value.is_object() {
            serde_json::from_value(value)
                .map(|customer| Self::Expanded(Box::new(customer)))
                .map_err(de::Error::custom)
        } else {
            serde_json::from_value(value)
                .map(Self::Id)
                .map_err(|e| de::Error::custom(format_args!("customer: {e}")))
        }
    }
}

/// A contact of a customer (`object: "contact"`), a sub-resource at `/customers/:id/contacts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Invoiced id.
    pub id: ContactId,
    /// Contact name.
    pub name: String,
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether this is a primary contact (receives invoices).
    #[serde(default)]
    pub primary: bool,
    /// Whether text messages may be sent.
    #[serde(default)]
    pub sms_enabled: Option<bool>,
    /// Department; Invoiced uses departments for distribution lists.
    #[serde(default)]
    pub department: Option<String>,
    /// Address line 1.
    #[serde(default)]
    pub address1: Option<String>,
    /// Address line 2.
    #[serde(default)]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// State or region.
    #[serde(default)]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO-3166 alpha-2 country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Creation time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last update time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Fields sent to create (`POST /customers`) or update (`PATCH /customers/:id`) a customer.
///
/// Only fields that are `Some` are sent, so an update touches exactly what the caller set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerParams {
    /// Name; required on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Account number (Invoiced generates one when omitted on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Billing e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Company or person.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<CustomerType>,
    /// Payment terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// Attention line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
    /// Address line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Address line 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Tax id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Active flag (Intacct `STATUS = inactive` maps to `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Parent customer in a bill-to hierarchy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_customer: Option<CustomerId>,
    /// Bill the parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_to_parent: Option<bool>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Custom fields; Invoiced merges the keys sent into the existing metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Fields sent to create or update a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContactParams {
    /// Name; required on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Primary contact flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}
