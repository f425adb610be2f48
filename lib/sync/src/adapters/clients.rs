//! The production adapters of the system ports: the `intacct` and `invoiced` HTTP clients. The
//! same adapters talk to the sandboxes in tests and in the demo, so the engine always runs over
//! the real wire protocols.
//!
//! Clients are built once per connection and reused (connection pools, Intacct sessions); a
//! change of credentials (a rotated password) builds new ones.

use async_trait::async_trait;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use intacct::{ClientConfig as IntacctConfig, Credentials, IntacctClient};
use invoiced::models::{
    CreditNote, CreditNoteId, CreditNoteParams, Customer, CustomerId, CustomerParams, Invoice,
    InvoiceId, InvoiceParams, MetadataKey, Payment, PaymentId, PaymentParams,
};
use invoiced::{
    Client as InvoicedClient, ClientConfig as InvoicedConfig, Environment, IdempotencyKey,
    ListParams, RequestOptions, Resource,
};

use crate::config::secrets::ConnectionSecrets;
use crate::config::{ConnectionConfig, ConnectionId, INVOICED_PRODUCTION_URL};
use crate::ports::{Connector, IntacctApi, InvoicedApi, InvoicedError, Lookup};

#[async_trait]
impl IntacctApi for IntacctClient {
    async fn execute(
        &self,
        request: &intacct::Request,
    ) -> Result<intacct::Response, intacct::Error> {
        IntacctClient::execute(self, request).await
    }
}

/// [`InvoicedApi`] over the `invoiced` client.
pub struct InvoicedAdapter {
    client: InvoicedClient,
}

impl InvoicedAdapter {
    /// Wraps a client.
    pub fn new(client: InvoicedClient) -> Self {
        Self { client }
    }
}

fn map_error(error: invoiced::Error) -> InvoicedError {
    use invoiced::Error as E;
    match error {
        E::NotFound(e) => InvoicedError::NotFound(e.to_string()),
        E::RateLimited { error, .. } => InvoicedError::RateLimited(error.to_string()),
        E::Server(e) | E::UnexpectedStatus(e) => InvoicedError::Unavailable(e.to_string()),
        E::Transport(e) => InvoicedError::Unavailable(e.to_string()),
        E::Authentication(e) => InvoicedError::Unauthorized(e.to_string()),
        E::InvalidRequest(e) => InvoicedError::Rejected {
            message: e.message.clone(),
            param: e.param.clone(),
        },
        other => InvoicedError::Rejected {
            message: other.to_string(),
            param: None,
        },
    }
}

async fn optional<T>(result: Result<T, invoiced::Error>) -> Result<Option<T>, InvoicedError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(invoiced::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(map_error(e)),
    }
}

fn options(key: &IdempotencyKey) -> RequestOptions {
    RequestOptions::with_idempotency_key(key.clone())
}

async fn find<T>(resource: Resource<T>, lookup: &Lookup) -> Result<Vec<T>, InvoicedError>
where
    T: invoiced::Listable,
{
    let params = match lookup {
        Lookup::Number(n) => ListParams::new().filter("number", n),
        Lookup::Name(n) => ListParams::new().filter("name", n),
        Lookup::Metadata { key, value } => {
            let key = MetadataKey::parse(key).map_err(|e| InvoicedError::Rejected {
                message: e.to_string(),
                param: Some("metadata".into()),
            })?;
            ListParams::new().metadata(key, value.clone())
        }
    }
    .per_page(100);
    resource
        .first_page(&params)
        .await
        .map(|page| page.items)
        .map_err(map_error)
}

#[async_trait]
impl InvoicedApi for InvoicedAdapter {
    async fn customer(&self, id: CustomerId) -> Result<Option<Customer>, InvoicedError> {
        optional(self.client.customers().retrieve(id).await).await
    }

    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>, InvoicedError> {
        optional(self.client.invoices().retrieve(id).await).await
    }

    async fn credit_note(&self, id: CreditNoteId) -> Result<Option<CreditNote>, InvoicedError> {
        optional(self.client.credit_notes().retrieve(id).await).await
    }

    async fn payment(&self, id: PaymentId) -> Result<Option<Payment>, InvoicedError> {
        optional(self.client.payments().retrieve(id).await).await
    }

    async fn find_customers(&self, lookup: &Lookup) -> Result<Vec<Customer>, InvoicedError> {
        find(self.client.customers(), lookup).await
    }

    async fn find_invoices(&self, lookup: &Lookup) -> Result<Vec<Invoice>, InvoicedError> {
        find(self.client.invoices(), lookup).await
    }

    async fn find_credit_notes(&self, lookup: &Lookup) -> Result<Vec<CreditNote>, InvoicedError> {
        find(self.client.credit_notes(), lookup).await
    }

    async fn find_payments(&self, lookup: &Lookup) -> Result<Vec<Payment>, InvoicedError> {
        find(self.client.payments(), lookup).await
    }

    async fn create_customer(
        &self,
        params: &CustomerParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Customer, InvoicedError> {
        self.client
            .customers()
            .create(params, &options(idempotency_key))
            .await
            .map_err(map_error)
    }

    async fn update_customer(
        &self,
        id: CustomerId,
        params: &CustomerParams,
    ) -> Result<Customer, InvoicedError> {
        self.client
            .customers()
            .update(id, params, &RequestOptions::default())
            .await
            .map_err(map_error)
    }

    async fn create_invoice(
        &self,
        params: &InvoiceParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Invoice, InvoicedError> {
        self.client
            .invoices()
            .create(params, &options(idempotency_key))
            .await
            .map_err(map_error)
    }

    async fn update_invoice(
        &self,
        id: InvoiceId,
        params: &InvoiceParams,
    ) -> Result<Invoice, InvoicedError> {
        self.client
            .invoices()
            .update(id, params, &RequestOptions::default())
            .await
            .map_err(map_error)
    }

    async fn void_invoice(&self, id: InvoiceId) -> Result<Invoice, InvoicedError> {
        self.client
            .invoices()
            .void(id, &RequestOptions::default())
            .await
            .map_err(map_error)
    }

    async fn create_credit_note(
        &self,
        params: &CreditNoteParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<CreditNote, InvoicedError> {
        self.client
            .credit_notes()
            .create(params, &options(idempotency_key))
            .await
            .map_err(map_error)
    }

    async fn void_credit_note(&self, id: CreditNoteId) -> Result<CreditNote, InvoicedError> {
        self.client
            .credit_notes()
            .void(id, &RequestOptions::default())
            .await
            .map_err(map_error)
    }

    async fn create_payment(
        &self,
        params: &PaymentParams,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Payment, InvoicedError> {
        self.client
            .payments()
            .create(params, &options(idempotency_key))
            .await
            .map_err(map_error)
    }

    async fn void_payment(&self, id: PaymentId) -> Result<(), InvoicedError> {
        self.client
            .payments()
            .void(id)
            .await
            .map(|_| ())
            .map_err(map_error)
    }
}

#[derive(Clone)]
struct Clients {
    intacct: Arc<dyn IntacctApi>,
    intacct_customers: Arc<dyn IntacctApi>,
    invoiced: Arc<dyn InvoicedApi>,
}

struct Built {
    fingerprint: [u8; 32],
    clients: Clients,
}

/// Builds real HTTP clients per connection and caches them until the connection's endpoints or
/// credentials change.
#[derive(Default)]
pub struct HttpConnector {
    built: Mutex<HashMap<ConnectionId, Built>>,
}

impl HttpConnector {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn get_or_build(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Clients, String> {
        let fingerprint = fingerprint(config, secrets);
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = built.get(&config.id)
            && b.fingerprint == fingerprint
        {
            return Ok(b.clients.clone());
        }
        let mut intacct_config = IntacctConfig::new(Credentials {
            sender_id: secrets.intacct_sender_id.clone(),
            sender_password: secrets.intacct_sender_password.clone(),
            company_id: config.intacct.company_id.clone(),
            user_id: secrets.intacct_user_id.clone(),
            user_password: secrets.intacct_user_password.clone(),
            entity_id: config.intacct.entity_id.clone(),
        });
        intacct_config.endpoint = config.intacct.endpoint.clone();
        let top_level = (config.intacct.entity_id.is_some() && config.intacct.customers_top_level)
            .then(|| {
                let mut top = intacct_config.clone();
                top.credentials.entity_id = None;
                top
            });
        let intacct: Arc<dyn IntacctApi> =
            Arc::new(IntacctClient::new(intacct_config).map_err(|e| e.to_string())?);
        let intacct_customers: Arc<dyn IntacctApi> = match top_level {
            Some(top) => Arc::new(IntacctClient::new(top).map_err(|e| e.to_string())?),
            None => intacct.clone(),
        };
        let environment =
            if config.invoiced.base_url.as_str().trim_end_matches('/') == INVOICED_PRODUCTION_URL {
                Environment::Production
            } else {
                Environment::Custom(config.invoiced.base_url.clone())
            };
        let invoiced_client = InvoicedClient::new(InvoicedConfig::new(
            secrets.invoiced_api_key.clone(),
            environment,
        ))
        .map_err(|e| e.to_string())?;
        let invoiced: Arc<dyn InvoicedApi> = Arc::new(InvoicedAdapter::new(invoiced_client));
        let clients = Clients {
            intacct,
            intacct_customers,
            invoiced,
        };
        built.insert(
            config.id.clone(),
            Built {
                fingerprint,
                clients: clients.clone(),
            },
        );
        Ok(clients)
    }
}

/// A digest of everything the clients are built from, so secrets never sit in the cache key.
fn fingerprint(config: &ConnectionConfig, secrets: &ConnectionSecrets) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [
        config.intacct.company_id.as_str(),
        config.intacct.entity_id.as_deref().unwrap_or_default(),
        if config.intacct.customers_top_level {
            "customers-top-level"
        } else {
            "customers-in-entity"
        },
        config.intacct.endpoint.as_str(),
        config.invoiced.base_url.as_str(),
        secrets.intacct_sender_id.as_str(),
        secrets.intacct_sender_password.expose_secret(),
        secrets.intacct_user_id.as_str(),
        secrets.intacct_user_password.expose_secret(),
        secrets.invoiced_api_key.expose_secret(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize().into()
}

impl Connector for HttpConnector {
    fn intacct(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn IntacctApi>, String> {
        self.get_or_build(config, secrets).map(|c| c.intacct)
    }

    fn intacct_for_customers(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn IntacctApi>, String> {
        self.get_or_build(config, secrets)
            .map(|c| c.intacct_customers)
    }

    fn invoiced(
        &self,
        config: &ConnectionConfig,
        secrets: &ConnectionSecrets,
    ) -> Result<Arc<dyn InvoicedApi>, String> {
        self.get_or_build(config, secrets).map(|c| c.invoiced)
    }
}
