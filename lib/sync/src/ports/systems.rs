//! The two systems the engine syncs, as ports. Production adapters wrap the `intacct` and
//! `invoiced` clients (see `adapters::clients`); tests point those same adapters at the
//! sandboxes, so the engine is always exercised over the real wire protocols.

use async_trait::async_trait;
use std::sync::Arc;

use invoiced::IdempotencyKey;
use invoiced::models::{
    CreditNote, CreditNoteId, CreditNoteParams, Customer, CustomerId, CustomerParams, Invoice,
    InvoiceId, InvoiceParams, Payment, PaymentId, PaymentParams,
};

use crate::config::ConnectionConfig;
use crate::config::secrets::ConnectionSecrets;

/// The Intacct XML gateway of one connection.
#[async_trait]
pub trait IntacctApi: Send + Sync {
    /// Sends one request (one or more functions) and returns the parsed response. Function-level
    /// failures are in the response; `Err` means no function ran or the outcome is unknown.
    async fn execute(
        &self,
        request: &intacct::Request,
    ) -> Result<intacct::Response, intacct::Error>;
}

/// Why an Invoiced call failed, in the terms the engine acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoicedError {
    /// The record does not exist (or no longer does).
    #[error("not found in Invoiced: {0}")]
    NotFound(String),
    /// Still rate limited after the client's own bounded retries: queue for later.
    #[error("Invoiced rate limit: {0}")]
    RateLimited(String),
    /// Network failure or 5xx: retry.
    #[error("Invoiced unavailable: {0}")]
    Unavailable(String),
    /// The API key was refused.
    #[error("Invoiced refused the API key: {0}")]
    Unauthorized(String),
    /// Invoiced refused the data (400): an operator must fix it.
    #[error("Invoiced rejected the request: {message}")]
    Rejected {
        /// Invoiced's message.
        message: String,
        /// The offending parameter, when named.
        param: Option<String>,
    },
}

/// How to look for an existing Invoiced record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// `filter[number]=`.
    Number(String),
    /// `filter[name]=`.
    Name(String),
    /// `metadata[key]=value`: the record carrying an Intacct id we wrote into it.
    Metadata {
        /// Metadata key.
        key: String,
        /// Value.
        value: String,
    },
}

/// The Invoiced account of one connection: the calls the engine makes, nothing more.
///
/// Creates take an idempotency key derived from the Intacct record, so a retried import never
/// creates a second Invoiced record.
#[async_trait]
pub trait InvoicedApi: Send + Sync {
    /// A customer, `None` if it does not exist.
    async fn customer(&self, id: CustomerId) -> Result<Option<Customer>, InvoicedError>;
    /// An invoice, `None` if it does not exist.
    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>, InvoicedError>;
    /// A credit note, `None` if it does not exist.
    async fn credit_note(&self, id: CreditNoteId) -> Result<Option<CreditNote>, InvoicedError>;
    /// A payment with its `applied_to` rows, `None` if it does not exist.
    async fn payment(&self, id: PaymentId) -> Result<Option<Payment>, InvoicedError>;

    /// Customers matching a lookup (at most a page).
    async fn find_customers(&self, lookup: &Lookup) -> Result<Vec<Customer>, InvoicedError>;
    /// Invoices matching a lookup.
    async fn find_invoices(&self, lookup: &Lookup) -> Result<Vec<Invoice>, InvoicedError>;
    /// Credit notes matching a lookup.
    async fn find_credit_notes(&self, lookup: &Lookup) -> Result<Vec<CreditNote>, InvoicedError>;
    /// Payments matching a lookup.
    async fn find_payments(&self, lookup: &Lookup) -> Result<Vec<Payment>, InvoicedError>;

    /// Creates a customer.
    async fn create_customer(
        &self,
        params: &CustomerParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Customer, InvoicedError>;
    /// Updates a customer.
    async fn update_customer(
        &self,
        id: CustomerId,
        params: &CustomerParams,
    ) -> Result<Customer, InvoicedError>;
    /// Creates an invoice.
    async fn create_invoice(
        &self,
        params: &InvoiceParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Invoice, InvoicedError>;
    /// Updates an invoice.
    async fn update_invoice(
        &self,
        id: InvoiceId,
        params: &InvoiceParams,
    ) -> Result<Invoice, InvoicedError>;
    /// Voids an invoice.
    async fn void_invoice(&self, id: InvoiceId) -> Result<Invoice, InvoicedError>;
    /// Creates a credit note.
    async fn create_credit_note(
        &self,
        params: &CreditNoteParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<CreditNote, InvoicedError>;
    /// Voids a credit note.
    async fn void_credit_note(&self, id: CreditNoteId) -> Result<CreditNote, InvoicedError>;
    /// Records a payment.
    async fn create_payment(
        &self,
        params: &PaymentParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Payment, InvoicedError>;
    /// Voids a payment.
    async fn void_payment(&self, id: PaymentId) -> Result<(), InvoicedError>;
}

/// Builds the clients of a connection from its configuration and credentials. Adapters cache
/// them per connection and rebuild when the credentials change (a rotated password).
pub trait Connector: Send + Sync {
    /// The Intacct gateway of a connection.
    fn intacct(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn IntacctApi>, String>;
    /// The Intacct gateway for the connection's customer requests: a top-level session when the
    /// connection works in an entity and `intacct.customers_top_level` is set (customers are
    /// shared across entities), else the same as [`Connector::intacct`].
    fn intacct_for_customers(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn IntacctApi>, String>;
    /// The Invoiced account of a connection.
    fn invoiced(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn InvoicedApi>, String>;
}
