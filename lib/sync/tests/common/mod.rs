//! A world for scenario tests: both sandboxes on 127.0.0.1, the engine over in-memory ports and
//! the real HTTP client adapters, and helpers that act like Invoiced (signed webhooks built from
//! the sandbox's own events) and like the retry queue.

#![allow(dead_code)]

use invoiced::RequestOptions;
use invoiced::models::{
    AppliedTo, CreditNoteApplication, CreditNoteParams, CustomerParams, DocumentType,
    InvoiceApplication, InvoiceParams, LineItemParams, Metadata, PaymentMethod, PaymentParams,
};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use sandbox::intacct::{IntacctConfig, ObjectKind, RunningIntacct};
use sandbox::invoiced::Kind;
use sandbox::invoiced::{InvoicedConfig, RunningInvoiced};
use sync_engine::adapters::clients::HttpConnector;
use sync_engine::adapters::memory::{MemoryQueue, MemoryStore, StaticSecrets};
use sync_engine::config::secrets::ConnectionSecrets;
use sync_engine::config::{ConnectionConfig, ConnectionId};
use sync_engine::engine::webhook::WebhookReply;
use sync_engine::engine::{Engine, EngineSettings, Outcome};
use sync_engine::ports::{ConfigStore, SystemClock};

/// Both sandboxes, the engine, and its in-memory ports.
pub struct World {
    pub intacct: RunningIntacct,
    pub invoiced: RunningInvoiced,
    pub store: Arc<MemoryStore>,
    pub queue: Arc<MemoryQueue>,
    pub secrets: Arc<StaticSecrets>,
    pub engine: Engine,
    pub conn: ConnectionId,
    pub api: invoiced::Client,
    delivered: Mutex<HashSet<String>>,
}

/// A connection with every flow on, USD payments into undeposited funds, other currencies
/// into a bank account.
pub fn base_config(intacct_endpoint: &str, invoiced_url: &str) -> ConnectionConfig {
    ConnectionConfig::from_json(&format!(
        r#"{{
          "id": "acme",
          "intacct": {{ "company_id": "sandbox-co", "endpoint": "{intacct_endpoint}" }},
          "invoiced": {{ "base_url": "{invoiced_url}" }},
          "flows": {{
            "read": {{ "customers": true, "invoices": true, "credit_notes": true, "payments": true }},
            "write": {{ "customers": true, "invoices": true, "credit_notes": true, "payments": true }}
          }},
          "accounts": {{
            "item_account": "4000",
            "payment_routes": [
              {{ "currency": "usd", "method": "*", "deposit": {{ "undeposited_funds": "1200" }} }},
              {{ "currency": "*", "method": "*", "deposit": {{ "bank_account": "BOA" }} }}
            ]
          }},
          "line_items": {{ "location_id": "HQ", "department_id": "SALES" }}
        }}"#
    ))
    .expect("test config is valid")
}

impl World {
    /// Starts both sandboxes and an engine connected to them; `configure` adjusts the
    /// connection before it is stored.
    pub async fn start(configure: impl FnOnce(&mut ConnectionConfig)) -> World {
        Self::start_with(IntacctConfig::default(), configure).await
    }

    /// Like [`World::start`] with a custom Intacct sandbox.
    pub async fn start_with(
        intacct_config: IntacctConfig,
        configure: impl FnOnce(&mut ConnectionConfig),
    ) -> World {
        let intacct = sandbox::intacct::spawn(intacct_config)
            .await
            .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
            .await
            .expect("invoiced sandbox");
        let mut config = base_config(&intacct.endpoint, &invoiced.url);
        config.intacct.company_id = intacct.credentials.company_id.clone();
        configure(&mut config);
        config
            .validate()
            .expect("configured test connection is valid");
        let store = Arc::new(MemoryStore::new());
        store.put_config(&config).await.expect("store config");
        let secrets = Arc::new(StaticSecrets::new());
        let creds = &intacct.credentials;
        secrets.set(
            &config.id,
            ConnectionSecrets::from_json(
                &serde_json::json!({
                    "intacct_sender_id": creds.sender_id,
                    "intacct_sender_password": creds.sender_password.expose_secret(),
                    "intacct_user_id": creds.user_id,
                    "intacct_user_password": creds.user_password.expose_secret(),
                    "invoiced_api_key": invoiced.api_key.expose_secret(),
                    "invoiced_webhook_secret": invoiced.webhook_secret.expose_secret(),
                })
                .to_string(),
            )
            .expect("secrets"),
        );
        let queue = Arc::new(MemoryQueue::new());
        let settings = EngineSettings {
            lease_wait: std::time::Duration::from_secs(2),
            ..EngineSettings::default()
        };
        let engine = Engine::new(
            store.clone(),
            queue.clone(),
            secrets.clone(),
            Arc::new(HttpConnector::new()),
            Arc::new(SystemClock),
            settings,
        );
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse().expect("url")),
        ))
        .expect("invoiced client");
        World {
            conn: config.id.clone(),
            intacct,
            invoiced,
            store,
            queue,
            secrets,
            engine,
            api,
            delivered: Mutex::new(HashSet::new()),
        }
    }

    /// The sandbox's events not delivered yet, oldest first.
    pub fn new_events(&self) -> Vec<Value> {
        let mut events = self.invoiced.handle().list_json(Kind::Event);
        events.sort_by_key(|e| e.get("id").and_then(Value::as_i64).unwrap_or_default());
        let delivered = self.delivered.lock().expect("lock");
        events
            .into_iter()
            .filter(|e| !delivered.contains(&e["id"].to_string()))
            .collect()
    }

    /// Delivers one event as Invoiced would: the raw body, signed with the webhook secret.
    pub async fn deliver(&self, event: &Value) -> WebhookReply {
        self.delivered
            .lock()
            .expect("lock")
            .insert(event["id"].to_string());
        let body = serde_json::to_vec(event).expect("event body");
        let secret =
            invoiced::WebhookSecret::new(self.invoiced.webhook_secret.clone()).expect("secret");
        let signature = invoiced::webhook::sign(&secret, &body);
        self.engine
            .handle_webhook(self.conn.as_str(), Some(&signature), &body)
            .await
    }

    /// Delivers every new event in order and returns the replies.
    pub async fn deliver_new_events(&self) -> Vec<WebhookReply> {
        let mut replies = Vec::new();
        for event in self.new_events() {
            replies.push(self.deliver(&event).await);
        }
        replies
    }

    /// Runs the retry queue (ignoring delays) until it is empty or `rounds` passes ran.
    pub async fn drain_retries(&self, rounds: usize) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for _ in 0..rounds {
            let batch = self.queue.drain();
            if batch.is_empty() {
                break;
            }
            for (message, _delay) in batch {
                outcomes.push(
                    self.engine
                        .handle_retry(&message)
                        .await
                        .expect("retry handled"),
                );
            }
        }
        outcomes
    }

    /// Intacct records of one object.
    pub fn intacct_records(&self, kind: ObjectKind) -> Vec<sandbox::intacct::Record> {
        self.intacct.handle.records(kind)
    }

    /// A signature made with the wrong secret.
    pub fn forged_signature(&self, body: &[u8]) -> String {
        let secret =
            invoiced::WebhookSecret::new(SecretString::from("not-the-secret")).expect("secret");
        invoiced::webhook::sign(&secret, body)
    }
}

// ---- acting like a user in Invoiced ----

pub async fn customer(world: &World, number: &str, name: &str) -> invoiced::models::Customer {
    world
        .api
        .customers()
        .create(
            &CustomerParams {
                name: Some(name.into()),
                number: Some(number.into()),
                email: Some(format!("ar@{}.example", number.to_lowercase())),
                ..CustomerParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("customer created in Invoiced")
}

pub fn line(
    name: &str,
    quantity: rust_decimal::Decimal,
    unit: rust_decimal::Decimal,
    meta: Metadata,
) -> LineItemParams {
    LineItemParams {
        name: Some(name.into()),
        quantity: Some(quantity),
        unit_cost: Some(unit),
        metadata: Some(meta),
        ..LineItemParams::default()
    }
}

pub async fn invoice(
    world: &World,
    customer: &invoiced::models::Customer,
    number: &str,
    draft: bool,
    items: Vec<LineItemParams>,
) -> invoiced::models::Invoice {
    world
        .api
        .invoices()
        .create(
            &InvoiceParams {
                customer: Some(customer.id),
                number: Some(number.into()),
                draft: Some(draft),
                items: Some(items),
                ..InvoiceParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("invoice created in Invoiced")
}

/// A credit note for `customer` with one line.
pub async fn credit_note(
    world: &World,
    customer: &invoiced::models::Customer,
    number: &str,
    amount: Decimal,
) -> invoiced::models::CreditNote {
    world
        .api
        .credit_notes()
        .create(
            &CreditNoteParams {
                customer: Some(customer.id),
                number: Some(number.into()),
                draft: Some(false),
                items: Some(vec![line("Return", Decimal::ONE, amount, Metadata::new())]),
                ..CreditNoteParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("credit note created in Invoiced")
}

/// A row paying an invoice.
pub fn pays(invoice: &invoiced::models::Invoice, amount: Decimal) -> AppliedTo {
    AppliedTo::Invoice(InvoiceApplication {
        id: None,
        amount,
        invoice: invoice.id,
    })
}

/// A row applying a credit note to an invoice.
pub fn credits(
    note: &invoiced::models::CreditNote,
    invoice: &invoiced::models::Invoice,
    amount: Decimal,
) -> AppliedTo {
    AppliedTo::CreditNote(CreditNoteApplication {
        id: None,
        amount,
        credit_note: note.id,
        document_type: Some(DocumentType::Invoice),
        invoice: Some(invoice.id),
        estimate: None,
    })
}

/// A payment of `amount` (cash) for `customer` with the given rows.
pub async fn payment(
    world: &World,
    customer: &invoiced::models::Customer,
    amount: Decimal,
    currency: &str,
    rows: Vec<AppliedTo>,
) -> invoiced::models::Payment {
    world
        .api
        .payments()
        .create(
            &PaymentParams {
                customer: Some(customer.id),
                amount: Some(amount),
                method: Some(PaymentMethod::Check),
                currency: Some(invoiced::models::Currency::parse(currency).expect("currency")),
                reference: Some("CHK-100".into()),
                applied_to: Some(rows),
                ..PaymentParams::default()
            },
            &RequestOptions::default(),
        )
        .await
        .expect("payment recorded in Invoiced")
}
