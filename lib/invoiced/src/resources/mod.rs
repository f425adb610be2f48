//! Endpoints, one generic [`Resource`] per object type plus a few type-specific operations.

mod contacts;
mod documents;
mod events;

pub use contacts::Contacts;
pub use events::Events;

use crate::client::{Client, RequestOptions};
use crate::error::Error;
use crate::models::{
    AccountingSyncStatus, CreditNote, CreditNoteId, CreditNoteParams, Customer, CustomerId,
    CustomerParams, Event, EventId, Invoice, InvoiceId, InvoiceParams, MetadataKey, Payment,
    PaymentId, PaymentParams,
};
use crate::pagination::{self, Page};
use crate::query::ListParams;
use futures::Stream;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Display;
use std::marker::PhantomData;
use url::Url;

/// An object type that can be retrieved and listed.
pub trait Listable: DeserializeOwned + Send + 'static {
    /// Collection path segment, e.g. `customers`.
    const PATH: &'static str;
    /// Model name for error messages.
    const NAME: &'static str;
    /// Query parameters sent on every read (payments ask for `applied_to`, which the sync needs and
    /// the API omits by default).
    const READ_QUERY: &'static [(&'static str, &'static str)] = &[];
    /// The id type.
    type Id: Display + Copy;
}

/// An object type that can also be created and updated.
pub trait Writable: Listable {
    /// Create/update body.
    type Params: Serialize;
}

impl Listable for Customer {
    const PATH: &'static str = "customers";
    const NAME: &'static str = "Customer";
    type Id = CustomerId;
}
impl Writable for Customer {
    type Params = CustomerParams;
}
impl Listable for Invoice {
    const PATH: &'static str = "invoices";
    const NAME: &'static str = "Invoice";
    type Id = InvoiceId;
}
impl Writable for Invoice {
    type Params = InvoiceParams;
}
impl Listable for CreditNote {
    const PATH: &'static str = "credit_notes";
    const NAME: &'static str = "CreditNote";
    type Id = CreditNoteId;
}
impl Writable for CreditNote {
    type Params = CreditNoteParams;
}
impl Listable for Payment {
    const PATH: &'static str = "payments";
    const NAME: &'static str = "Payment";
    const READ_QUERY: &'static [(&'static str, &'static str)] = &[("include", "applied_to")];
    type Id = PaymentId;
}
impl Writable for Payment {
    type Params = PaymentParams;
}
impl Listable for Event {
    const PATH: &'static str = "events";
    const NAME: &'static str = "Event";
    type Id = EventId;
}

/// Operations on one object type, e.g. `client.invoices()`.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    client: Client,
    kind: PhantomData<fn() -> T>,
}

impl<T: Listable> Resource<T> {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            kind: PhantomData,
        }
    }

    fn object_url(&self, id: T::Id) -> Url {
        let id = id.to_string();
        let mut url = self.client.url(&[T::PATH, &id]);
        if !T::READ_QUERY.is_empty() {
            url.query_pairs_mut().extend_pairs(T::READ_QUERY);
        }
        url
    }

    fn list_url(&self, params: &ListParams) -> Url {
        let mut url = self.client.url(&[T::PATH]);
        params.apply(&mut url);
        for (name, value) in T::READ_QUERY {
            if !params.has_param(name) {
                url.query_pairs_mut().append_pair(name, value);
            }
        }
        url
    }

    /// `GET /{path}/:id`. A missing object is [`Error::NotFound`].
    pub async fn retrieve(&self, id: T::Id) -> Result<T, Error> {
        self.client.get_json(self.object_url(id), T::NAME).await
    }

    /// Every matching object, fetched page by page as the stream is polled.
    pub fn list(
        &self,
        params: &ListParams,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static + use<T> {
        pagination::items(self.client.clone(), self.list_url(params), T::NAME)
    }

    /// The pages themselves, with `X-Total-Count`, fetched as the stream is polled.
    pub fn list_pages(
        &self,
        params: &ListParams,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static + use<T> {
        pagination::pages(self.client.clone(), self.list_url(params), T::NAME)
    }

    /// Only the first page (e.g. for a count via `total_count`).
    pub async fn first_page(&self, params: &ListParams) -> Result<Page<T>, Error> {
        pagination::fetch_page(&self.client, self.list_url(params), T::NAME).await
    }
}

impl<T: Writable> Resource<T> {
    /// `POST /{path}`. The idempotency key (given or random) makes retries of this call safe.
    pub async fn create(&self, params: &T::Params, options: &RequestOptions) -> Result<T, Error> {
        let url = self.client.url(&[T::PATH]);
        self.client
            .write_json(Method::POST, url, Some(params), options, T::NAME)
            .await
    }

    /// `PATCH /{path}/:id`: only the fields set in `params` change.
    pub async fn update(
        &self,
        id: T::Id,
        params: &T::Params,
        options: &RequestOptions,
    ) -> Result<T, Error> {
        let id = id.to_string();
        let url = self.client.url(&[T::PATH, &id]);
        self.client
            .write_json(Method::PATCH, url, Some(params), options, T::NAME)
            .await
    }

    /// The single object whose metadata `key` equals `value` (how a record is found by its Intacct
    /// id), `None` if there is none, and [`Error::AmbiguousLookup`] if there are several: two records
    /// claiming one Intacct id need an operator, not a guess.
    pub async fn find_by_metadata(
        &self,
        key: &MetadataKey,
        value: &str,
    ) -> Result<Option<T>, Error> {
        let params = ListParams::new().metadata(key.clone(), value).per_page(2);
        let mut page = self.first_page(&params).await?;
        let count = page.total_count.unwrap_or(page.items.len() as u64);
        if page.items.len() > 1 || count > 1 {
            return Err(Error::AmbiguousLookup {
                what: T::NAME,
                key: key.to_string(),
                value: value.to_owned(),
                count: count.max(page.items.len() as u64),
            });
        }
        Ok(page.items.pop())
    }

    /// `GET /{path}/:id/accounting_sync_status` (undocumented): whether the object is mapped to an
    /// accounting-system record.
    pub async fn accounting_sync_status(&self, id: T::Id) -> Result<AccountingSyncStatus, Error> {
        let id = id.to_string();
        let url = self.client.url(&[T::PATH, &id, "accounting_sync_status"]);
        self.client.get_json(url, "AccountingSyncStatus").await
    }
}

impl Client {
    /// Customers.
    pub fn customers(&self) -> Resource<Customer> {
        Resource::new(self.clone())
    }

    /// Invoices.
    pub fn invoices(&self) -> Resource<Invoice> {
        Resource::new(self.clone())
    }

    /// Credit notes.
    pub fn credit_notes(&self) -> Resource<CreditNote> {
        Resource::new(self.clone())
    }

    /// Payments (always read with `applied_to`).
    pub fn payments(&self) -> Resource<Payment> {
        Resource::new(self.clone())
    }

    /// The event feed.
    pub fn events(&self) -> Events {
        Events::new(self.clone())
    }

    /// Contacts of one customer.
    pub fn contacts(&self, customer: CustomerId) -> Contacts {
        Contacts::new(self.clone(), customer)
    }
}
