//! Customers and their contacts.

use rust_decimal::Decimal;

use super::{Metadata, PORTAL, metadata_json};
use crate::invoiced::wire::Json;

/// Postal address fields shared by customers and contacts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Address {
    /// `attention_to`.
    pub attention_to: Option<String>,
    /// `address1`.
    pub address1: Option<String>,
    /// `address2`.
    pub address2: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `postal_code`.
    pub postal_code: Option<String>,
    /// ISO-3166 alpha-2 `country`.
    pub country: Option<String>,
}

impl Address {
    fn render(&self, doc: Json) -> Json {
        doc.set("attention_to", self.attention_to.clone())
            .set("address1", self.address1.clone())
            .set("address2", self.address2.clone())
            .set("city", self.city.clone())
            .set("state", self.state.clone())
            .set("postal_code", self.postal_code.clone())
            .set("country", self.country.clone())
    }
}

/// An Invoiced customer (`object: "customer"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Integer id.
    pub id: i64,
    /// Required display name.
    pub name: String,
    /// Unique (case-insensitive) account number; the Intacct CUSTOMERID in the native sync.
    pub number: String,
    /// Billing e-mail.
    pub email: Option<String>,
    /// `company` or `person`.
    pub kind: String,
    /// Whether invoices are charged automatically; inherited by new invoices.
    pub autopay: bool,
    /// e.g. `NET 30`; inherited by new invoices and used for their due date.
    pub payment_terms: Option<String>,
    /// Lower-case ISO-4217 currency, if fixed for the customer.
    pub currency: Option<String>,
    /// Inactive customers cannot receive new invoices or credit notes.
    pub active: bool,
    /// Chasing enabled.
    pub chase: bool,
    /// Credit hold flag.
    pub credit_hold: bool,
    /// Credit limit in major units.
    pub credit_limit: Option<Decimal>,
    /// Taxable flag.
    pub taxable: bool,
    /// Parent in a bill-to hierarchy.
    pub parent_customer: Option<i64>,
    /// Bill the parent instead.
    pub bill_to_parent: bool,
    /// Postal address.
    pub address: Address,
    /// Phone.
    pub phone: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tax id.
    pub tax_id: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Unspent credit from `credit` payment applications.
    pub credit_balance: Decimal,
    /// Custom fields (values are strings: the legacy metadata store).
    pub metadata: Metadata,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Customer {
    /// Wire shape (fixture `customer.json` plus the current backend's extra keys).
    pub fn render(&self) -> Json {
        let doc = Json::obj()
            .set("id", self.id)
            .set("object", "customer")
            .set("name", self.name.as_str())
            .set("number", self.number.as_str())
            .set("email", self.email.clone())
            .set("type", self.kind.as_str())
            .set("autopay", self.autopay)
            .set("autopay_delay_days", -1i64)
            .set("payment_terms", self.payment_terms.clone())
            .set("payment_source", Json::Null)
            .set("currency", self.currency.clone())
            .set("active", self.active)
            .set("chase", self.chase)
            .set("chasing_cadence", Json::Null)
            .set("next_chase_step", Json::Null)
            .set("credit_hold", self.credit_hold)
            .set("credit_limit", self.credit_limit)
            .set("taxable", self.taxable)
            .set("taxes", Json::Arr(vec![]))
            .set("parent_customer", self.parent_customer)
            .set("bill_to_parent", self.bill_to_parent)
            .set("consolidated", false)
            .set("convenience_fee", false)
            .set("surcharging", false)
            .set("phone", self.phone.clone())
            .set("notes", self.notes.clone())
            .set("tax_id", self.tax_id.clone())
            .set("language", self.language.clone())
            .set("avalara_entity_use_code", Json::Null)
            .set("avalara_exemption_number", Json::Null)
            .set("owner", Json::Null)
            .set("owner_id", Json::Null)
            .set("ach_gateway", Json::Null)
            .set("cc_gateway", Json::Null)
            .set("sign_up_page", Json::Null)
            .set("sign_up_url", Json::Null)
            .set(
                "statement_pdf_url",
                format!("{PORTAL}/statements/{}/pdf", self.id),
            )
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        self.address.render(doc)
    }
}

/// A customer contact (`object: "contact"`), a sub-resource of its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Integer id.
    pub id: i64,
    /// Owning customer.
    pub customer_id: i64,
    /// Required name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Primary contacts receive invoices.
    pub primary: bool,
    /// SMS opt-in (null when never set, as in the fixture).
    pub sms_enabled: Option<bool>,
    /// Department.
    pub department: Option<String>,
    /// Postal address (`attention_to` is not rendered for contacts).
    pub address: Address,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Contact {
    /// Wire shape (fixture `contact.json` plus `customer_id`).
    pub fn render(&self) -> Json {
        let mut doc = Json::obj()
            .set("id", self.id)
            .set("object", "contact")
            .set("customer_id", self.customer_id)
            .set("name", self.name.as_str())
            .set("title", self.title.clone())
            .set("email", self.email.clone())
            .set("phone", self.phone.clone())
            .set("primary", self.primary)
            .set("sms_enabled", self.sms_enabled)
            .set("department", self.department.clone())
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        doc = self.address.render(doc);
        if let Json::Obj(map) = &mut doc {
            map.remove("attention_to");
        }
        doc
    }
}
