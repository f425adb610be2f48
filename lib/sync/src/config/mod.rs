//! Per-connection configuration: which flows run, how customers match, where money posts,
//! convenience-fee behaviour, line-item dimension defaults, entity routing and date floors.
//!
//! Parse, don't validate: [`ConnectionConfig::from_json`] is the only way to get a config from
//! outside, and it either returns one that every flow can rely on or a [`ConfigError`] that names
//! the offending field and says what to do. Unknown fields are rejected so a typo in a setting is
//! an error, not a silently ignored default.
//!
//! Credentials are deliberately *not* here: they live in [`secrets::ConnectionSecrets`], loaded
//! from a secret store, so a config can be printed, diffed and stored in a table without leaking.

pub mod payment_routes;
pub mod secrets;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;

pub use payment_routes::{Deposit, PaymentMethod, PaymentRoute, RouteMatch};

/// Invoiced's production API, the default when a connection names none.
pub const INVOICED_PRODUCTION_URL: &str = "https://api.invoiced.com";
/// Intacct's XML gateway, the default when a connection names none.
pub const INTACCT_PRODUCTION_ENDPOINT: &str = "https://api.intacct.com/ia/xml/xmlgw.phtml";

/// Why a configuration was refused: the field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid connection configuration: {field}: {message}")]
pub struct ConfigError {
    /// Dotted path of the offending setting, e.g. `accounts.item_account`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl ConfigError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Identifier of a connection (one Invoiced account joined to one Intacct company or entity).
///
/// It appears in the webhook URL path (`/webhooks/{connection}`), in table keys and in log
/// lines, so it is restricted to lowercase letters, digits and dashes, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionId(String);

impl ConnectionId {
    /// Parses a connection id, refusing anything unsafe in a URL path or a table key.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if raw.is_empty() || raw.len() > 64 || !ok_chars || raw.starts_with('-') {
            return Err(ConfigError::new(
                "id",
                format!(
                    "connection id {raw:?} must be 1-64 characters of a-z, 0-9 and '-', not starting with '-'"
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = ConfigError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ConnectionId> for String {
    fn from(value: ConnectionId) -> Self {
        value.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The record types the sync moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// Invoiced customer ↔ Intacct CUSTOMER.
    Customer,
    /// Invoiced invoice ↔ Intacct AR invoice / Order Entry Sales Invoice.
    Invoice,
    /// Invoiced credit note ↔ Intacct AR adjustment / Order Entry Sales Return.
    CreditNote,
    /// Invoiced payment ↔ Intacct AR payment.
    Payment,
    /// The convenience-fee part of an Invoiced payment → Intacct AR invoice `CF-<payment id>`.
    ConvenienceFee,
}

impl RecordType {
    /// Every record type, in dependency order (customers before the documents that name them).
    pub const ALL: [RecordType; 5] = [
        RecordType::Customer,
        RecordType::Invoice,
        RecordType::CreditNote,
        RecordType::Payment,
        RecordType::ConvenienceFee,
    ];

    /// Stable lowercase name used in keys, logs and commands.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Customer => "customer",
            RecordType::Invoice => "invoice",
            RecordType::CreditNote => "credit_note",
            RecordType::Payment => "payment",
            RecordType::ConvenienceFee => "convenience_fee",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the Invoiced customer of an imported document comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSource {
    /// The Intacct AR customer (the default).
    #[default]
    Customers,
    /// The document's bill-to contact: many Invoiced customers map to one Intacct customer,
    /// and payments from any of them post to that one Intacct customer.
    BillToContacts,
}

/// How an Invoiced customer is matched to an existing Intacct customer before one is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerMatching {
    /// Same name.
    Name,
    /// Invoiced customer number = Intacct CUSTOMERID.
    AccountNumber,
    /// Account number first, then name (the default: the least surprising for most users).
    #[default]
    NameOrAccountNumber,
}

/// Which record types flow in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowSet {
    /// Customers.
    pub customers: bool,
    /// Invoices.
    pub invoices: bool,
    /// Credit notes.
    pub credit_notes: bool,
    /// Payments.
    pub payments: bool,
}

impl FlowSet {
    /// Whether `record_type` flows in this direction. Convenience fees ride on payments.
    pub fn includes(&self, record_type: RecordType) -> bool {
        match record_type {
            RecordType::Customer => self.customers,
            RecordType::Invoice => self.invoices,
            RecordType::CreditNote => self.credit_notes,
            RecordType::Payment | RecordType::ConvenienceFee => self.payments,
        }
    }
}

/// The flows of a connection, per direction and record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Flows {
    /// Intacct → Invoiced (hourly poll, sync now, initial data sync).
    pub read: FlowSet,
    /// Invoiced → Intacct (webhooks, in real time).
    pub write: FlowSet,
}

/// The Intacct company (and optional entity) a connection writes to and reads from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntacctTarget {
    /// Intacct company id.
    pub company_id: String,
    /// Entity (location) id in a multi-entity company; sent as `locationid` at login.
    #[serde(default)]
    pub entity_id: Option<String>,
    /// Read and write customers at the top level even when an entity is set (customers are
    /// usually shared across entities). Defaults to true, like the vendor's integration.
    #[serde(default = "default_true")]
    pub customers_top_level: bool,
    /// XML gateway endpoint; production unless overridden (the sandbox, a private cloud).
    #[serde(default = "default_intacct_endpoint")]
    pub endpoint: Url,
    /// Concurrent gateway requests allowed for this company (Intacct's default is 2).
    #[serde(default = "default_concurrency")]
    pub max_concurrent_requests: u8,
    /// The company's time zone (an IANA name such as `Pacific/Auckland`). Intacct dates are
    /// calendar days in it: Invoiced timestamps become the company's day, and Intacct days
    /// become the company's noon. Intacct's XML API does not report it, so it is configured;
    /// UTC when absent.
    #[serde(default = "default_time_zone")]
    pub time_zone: Tz,
    /// The company's base currency (ISO code, e.g. `USD`). Documents and payments in another
    /// currency are then written with it, Intacct's daily exchange-rate type and the document's
    /// date, as Intacct requires of multi-currency companies; a card payment in another
    /// currency is posted as EFT (Intacct takes card payments only in the base currency).
    /// Unset: every write is sent with its currency only.
    #[serde(default)]
    pub base_currency: Option<String>,
}

/// The Invoiced account a connection belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoicedTarget {
    /// REST API base URL; production unless overridden (Invoiced's sandbox, the local sandbox).
    #[serde(default = "default_invoiced_url")]
    pub base_url: Url,
}

impl Default for InvoicedTarget {
    fn default() -> Self {
        Self {
            base_url: default_invoiced_url(),
        }
    }
}

/// Customer source and matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomerSettings {
    /// Customers or bill-to contacts.
    pub source: CustomerSource,
    /// Name, account number, or both.
    pub matching: CustomerMatching,
}

/// Accounts the written documents and payments post to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Accounts {
    /// Revenue G/L account of written invoice and adjustment lines without an
    /// `intacct_glaccountno` override. Required when invoices or credit notes are written.
    pub item_account: Option<String>,
    /// Where payments post, per currency and method; the most specific match wins.
    pub payment_routes: Vec<PaymentRoute>,
}

/// Dimension ids that can accompany a convenience-fee line or an overpayment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DimensionIds {
    /// LOCATIONID.
    pub location_id: Option<String>,
    /// DEPARTMENTID.
    pub department_id: Option<String>,
    /// PROJECTID.
    pub project_id: Option<String>,
    /// CLASSID.
    pub class_id: Option<String>,
}

/// What happens to the convenience fee of an Invoiced payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConvenienceFees {
    /// Write setting on: an AR invoice `CF-<payment id>` with one line on `gl_account` is
    /// created (idempotently, in the same all-or-nothing request as the payment) and the fee
    /// part of the payment is applied to it.
    Invoice {
        /// G/L account of the fee line.
        gl_account: String,
        /// Optional dimensions of the fee line.
        #[serde(default)]
        dimensions: DimensionIds,
    },
    /// Write setting off: the whole amount is posted and the fee is left as an overpayment.
    Overpayment {
        /// Location and department of the overpayment (Intacct takes no other dimension for it).
        #[serde(default)]
        dimensions: DimensionIds,
    },
}

impl Default for ConvenienceFees {
    fn default() -> Self {
        ConvenienceFees::Overpayment {
            dimensions: DimensionIds::default(),
        }
    }
}

/// Defaults for every written line; per-line `intacct_*` custom fields override them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LineItemDefaults {
    /// Default LOCATIONID.
    pub location_id: Option<String>,
    /// Default DEPARTMENTID.
    pub department_id: Option<String>,
}

/// Invoiced fields written to Intacct custom (or standard) fields, per object:
/// `{"metadata.region": "REGION", "phone": "PHONE2"}`. Paths are `metadata.<key>` or a
/// top-level field of the Invoiced record; only non-empty values are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomFieldMappings {
    /// Customer fields → CUSTOMER fields.
    pub customer: std::collections::BTreeMap<String, String>,
}

/// Read-side settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadSettings {
    /// Order Entry transaction definitions imported as invoices.
    pub invoice_types: Vec<String>,
    /// Order Entry transaction definitions imported as credit notes.
    pub credit_note_types: Vec<String>,
    /// How far before the cursor each incremental read starts again, for Intacct's eventual
    /// consistency. Re-read records are recognised by their mappings, so this costs reads only.
    pub look_back_minutes: u32,
    /// Records dated before this are neither imported nor written ("only reconcile
    /// transactions dated on or after"); unset means all.
    pub start_date: Option<NaiveDate>,
}

impl Default for ReadSettings {
    fn default() -> Self {
        Self {
            invoice_types: vec!["Sales Invoice".to_owned()],
            credit_note_types: vec!["Sales Return".to_owned()],
            look_back_minutes: 60,
            start_date: None,
        }
    }
}

/// Everything a connection needs except its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Connection id.
    pub id: ConnectionId,
    /// A paused connection neither polls nor writes; webhooks are still accepted and queued.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Intacct side.
    pub intacct: IntacctTarget,
    /// Invoiced side.
    #[serde(default)]
    pub invoiced: InvoicedTarget,
    /// Which flows run.
    #[serde(default)]
    pub flows: Flows,
    /// Customer source and matching.
    #[serde(default)]
    pub customers: CustomerSettings,
    /// Accounts.
    #[serde(default)]
    pub accounts: Accounts,
    /// Convenience-fee behaviour.
    #[serde(default)]
    pub convenience_fees: ConvenienceFees,
    /// Line-item dimension defaults.
    #[serde(default)]
    pub line_items: LineItemDefaults,
    /// Custom-field mappings for writes.
    #[serde(default)]
    pub custom_fields: CustomFieldMappings,
    /// Read-side settings.
    #[serde(default)]
    pub read: ReadSettings,
}

impl ConnectionConfig {
    /// Parses and validates a configuration document.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        if let Ok(document) = serde_json::from_str::<serde_json::Value>(text) {
            refuse_removed_settings(&document)?;
        }
        let config: ConnectionConfig = serde_json::from_str(text).map_err(|e| {
            ConfigError::new(
                format!("(line {}, column {})", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the rules that span several settings. Called by [`Self::from_json`]; call it
    /// again after building or editing a config in code.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.intacct.company_id.trim().is_empty() {
            return Err(ConfigError::new(
                "intacct.company_id",
                "is empty: set the Intacct company id",
            ));
        }
        if let Some(entity) = &self.intacct.entity_id
            && entity.trim().is_empty()
        {
            return Err(ConfigError::new(
                "intacct.entity_id",
                "is empty: remove it for a top-level connection or set the entity id",
            ));
        }
        if let Some(base) = &self.intacct.base_currency
            && !(base.len() == 3 && base.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(ConfigError::new(
                "intacct.base_currency",
                "must be a three-letter ISO currency code, e.g. \"USD\"",
            ));
        }
        if !(1..=10).contains(&self.intacct.max_concurrent_requests) {
            return Err(ConfigError::new(
                "intacct.max_concurrent_requests",
                "must be between 1 and 10 (Intacct allows 2 per company unless your tier says otherwise)",
            ));
        }
        let write = self.flows.write;
        if (write.invoices || write.credit_notes) && blank(&self.accounts.item_account) {
            return Err(ConfigError::new(
                "accounts.item_account",
                "is required when invoices or credit notes are written: set the revenue G/L account for lines",
            ));
        }
        if write.payments && self.accounts.payment_routes.is_empty() {
            return Err(ConfigError::new(
                "accounts.payment_routes",
                "is required when payments are written: add at least one route (currency \"*\", method \"*\")",
            ));
        }
        payment_routes::validate_routes(&self.accounts.payment_routes)?;
        if let ConvenienceFees::Invoice { gl_account, .. } = &self.convenience_fees
            && gl_account.trim().is_empty()
        {
            return Err(ConfigError::new(
                "convenience_fees.gl_account",
                "is empty: set the G/L account of the convenience-fee invoice line",
            ));
        }
        if let ConvenienceFees::Overpayment { dimensions } = &self.convenience_fees {
            for (field, value) in [
                ("project_id", &dimensions.project_id),
                ("class_id", &dimensions.class_id),
            ] {
                if value.is_some() {
                    return Err(ConfigError::new(
                        format!("convenience_fees.dimensions.{field}"),
                        "cannot apply to an overpayment: Intacct takes only a location and a \
                         department for it (overpaylocid, overpaydeptid). Remove it, or post fees \
                         as invoices (mode \"invoice\"), whose line takes every dimension",
                    ));
                }
            }
        }
        for (path, field) in &self.custom_fields.customer {
            let valid_field = !field.is_empty()
                && field
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !valid_field || path.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("custom_fields.customer.{path}"),
                    "maps an Invoiced path to an Intacct field name in UPPER_CASE, e.g. \"metadata.region\": \"REGION\"",
                ));
            }
        }
        let read = &self.read;
        if self.flows.read.invoices && read.invoice_types.iter().all(|t| t.trim().is_empty()) {
            return Err(ConfigError::new(
                "read.invoice_types",
                "is empty while invoices are read: name the Order Entry transaction definitions, e.g. \"Sales Invoice\"",
            ));
        }
        if self.flows.read.credit_notes
            && read.credit_note_types.iter().all(|t| t.trim().is_empty())
        {
            return Err(ConfigError::new(
                "read.credit_note_types",
                "is empty while credit notes are read: name the Order Entry transaction definitions, e.g. \"Sales Return\"",
            ));
        }
        if read.look_back_minutes > 24 * 60 {
            return Err(ConfigError::new(
                "read.look_back_minutes",
                "must be at most 1440 (one day); use an initial data sync to re-read older changes",
            ));
        }
        Ok(())
    }
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn default_true() -> bool {
    true
}

/// Settings earlier versions accepted and never acted on, with why they are gone. A document
/// that still has one is refused with this text rather than loaded with a setting that does
/// nothing.
const REMOVED_SETTINGS: &[(&str, &str, &str)] = &[(
    "accounts",
    "ar_account",
    "was never used and is removed: Intacct posts AR invoices and adjustments to the AR account \
     of the customer's account group (or the company's default). Remove it from the file",
)];

fn refuse_removed_settings(document: &serde_json::Value) -> Result<(), ConfigError> {
    for (section, field, why) in REMOVED_SETTINGS {
        if document.get(section).and_then(|s| s.get(field)).is_some() {
            return Err(ConfigError::new(format!("{section}.{field}"), *why));
        }
    }
    Ok(())
}

fn default_time_zone() -> Tz {
    Tz::UTC
}

fn default_concurrency() -> u8 {
    2
}

fn default_intacct_endpoint() -> Url {
    Url::parse(INTACCT_PRODUCTION_ENDPOINT).expect("constant URL parses")
}

fn default_invoiced_url() -> Url {
    Url::parse(INVOICED_PRODUCTION_URL).expect("constant URL parses")
}

#[cfg(test)]
mod tests;
