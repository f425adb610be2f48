//! Type-specific operations: voiding documents and payments, customer balances.

use super::Resource;
use crate::client::RequestOptions;
use crate::error::Error;
use crate::models::{
    CreditNote, CreditNoteId, Customer, CustomerBalance, CustomerId, Invoice, InvoiceId, Payment,
    PaymentId,
};
use reqwest::Method;

impl Resource<Invoice> {
    /// `POST /invoices/:id/void`. Returns the invoice with `status: "voided"`. Invoices with a payment
    /// or credit note applied cannot be voided (400), nor can a voided one (400 "already been voided").
    pub async fn void(&self, id: InvoiceId, options: &RequestOptions) -> Result<Invoice, Error> {
        let id = id.to_string();
        let url = self.client.url(&["invoices", &id, "void"]);
        self.client
            .write_json::<(), _>(Method::POST, url, None, options, "Invoice")
            .await
    }
}

impl Resource<CreditNote> {
    /// `POST /credit_notes/:id/void`. Refused (400) once the credit note has been applied.
    pub async fn void(
        &self,
        id: CreditNoteId,
        options: &RequestOptions,
    ) -> Result<CreditNote, Error> {
        let id = id.to_string();
        let url = self.client.url(&["credit_notes", &id, "void"]);
        self.client
            .write_json::<(), _>(Method::POST, url, None, options, "CreditNote")
            .await
    }
}

impl Resource<Payment> {
    /// `DELETE /payments/:id`, which for payments **voids** (200 with the payment, `voided: true`) and
    /// emits `payment.deleted`. No idempotency key is sent: the server accepts one only on POST and
    /// PATCH, and a second void is answered with 400 "already been voided" rather than a duplicate.
    pub async fn void(&self, id: PaymentId) -> Result<Payment, Error> {
        let id = id.to_string();
        let url = self.client.url(&["payments", &id]);
        self.client.delete_json(url, "Payment").await
    }
}

impl Resource<Customer> {
    /// `GET /customers/:id/balance`: credit balance and amounts outstanding.
    pub async fn balance(&self, id: CustomerId) -> Result<CustomerBalance, Error> {
        let id = id.to_string();
        let url = self.client.url(&["customers", &id, "balance"]);
        self.client.get_json(url, "CustomerBalance").await
    }
}
