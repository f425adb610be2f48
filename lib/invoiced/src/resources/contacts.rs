//! Contacts, a sub-resource of customers (`/customers/:id/contacts`).

use crate::client::{Client, RequestOptions};
use crate::error::Error;
use crate::models::{Contact, ContactId, ContactParams, CustomerId};
use crate::pagination;
use crate::query::ListParams;
use futures::Stream;
use reqwest::Method;

/// Contact operations for one customer.
#[derive(Debug, Clone)]
pub struct Contacts {
    client: Client,
    customer: String,
}

impl Contacts {
    pub(crate) fn new(client: Client, customer: CustomerId) -> Self {
        Self {
            client,
            customer: customer.to_string(),
        }
    }

    /// `POST /customers/:id/contacts`.
    pub async fn create(
        &self,
        params: &ContactParams,
        options: &RequestOptions,
    ) -> Result<Contact, Error> {
        let url = self.client.url(&["customers", &self.customer, "contacts"]);
        self.client
            .write_json(Method::POST, url, Some(params), options, "Contact")
            .await
    }

    /// `GET /customers/:id/contacts/:contact`.
    pub async fn retrieve(&self, id: ContactId) -> Result<Contact, Error> {
        let id = id.to_string();
        let url = self
            .client
            .url(&["customers", &self.customer, "contacts", &id]);
        self.client.get_json(url, "Contact").await
    }

    /// `PATCH /customers/:id/contacts/:contact`.
    pub async fn update(
        &self,
        id: ContactId,
        params: &ContactParams,
        options: &RequestOptions,
    ) -> Result<Contact, Error> {
        let id = id.to_string();
        let url = self
            .client
            .url(&["customers", &self.customer, "contacts", &id]);
        self.client
            .write_json(Method::PATCH, url, Some(params), options, "Contact")
            .await
    }

    /// Every contact of the customer, lazily paged.
    pub fn list(&self) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static + use<> {
        let mut url = self.client.url(&["customers", &self.customer, "contacts"]);
        ListParams::new().apply(&mut url);
        pagination::items(self.client.clone(), url, "Contact")
    }
}
