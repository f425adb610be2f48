//! A world for scenario tests: both sandboxes on 127.0.0.1, the engine over in-memory ports (or
//! the SQLite store) and the real HTTP client adapters, and helpers that act like Invoiced (signed
//! webhooks built from the sandbox's own events) and like the retry queue.

#![allow(dead_code)]

use invoiced::RequestOptions;
use invoiced::models::{
    AppliedTo, CreditNoteApplication, CreditNoteParams, CustomerParams, DocumentType,
    InvoiceApplication, InvoiceParams, LineItemParams, Metadata, PaymentMethod, PaymentParams,
};
use rust_decimal::Decimal;
use secrecy::SecretString;
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
use sync_engine::model::{ErrorFilter, ErrorStatus, ReconciliationError};
use sync_engine::ports::{Store, SystemClock};

mod lossy_link;
pub use lossy_link::LossyLink;

/// Which store the engine of a [`World`] runs on.
#[derive(Clone)]
pub enum StoreKind {
    /// [`MemoryStore`].
    Memory,
    /// `SqliteStore` on a file in a fresh temporary directory.
    Sqlite,
    /// A store the caller made (the DynamoDB store on moto, in `tests/tests/races_dynamodb.rs`).
    Given(Arc<dyn Store>),
}

/// Both sandboxes, the engine, and its in-memory ports. `S` is the store's type as tests see it:
/// [`MemoryStore`] for [`World::start`], `dyn Store` (memory or SQLite) for [`World::start_on`].
pub struct World<S: ?Sized + Store = MemoryStore> {
    pub intacct: RunningIntacct,
    pub invoiced: RunningInvoiced,
    pub store: Arc<S>,
    pub queue: Arc<MemoryQueue>,
    pub secrets: Arc<StaticSecrets>,
    pub engine: Engine,
    pub conn: ConnectionId,
    pub api: invoiced::Client,
    /// The link the engine reaches Intacct through, when started with one
    /// ([`World::start_on`]): it can lose chosen answers.
    pub link: Option<LossyLink>,
    delivered: Mutex<HashSet<String>>,
    _db_dir: Option<TempDir>,
}

/// A temporary directory removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "sync-engine-test-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A connection with every flow on, USD payments into undeposited funds, other currencies
/// into a bank account.
pub fn base_config(intacct_endpoint: &str, invoiced_url: &str) -> ConnectionConfig {
    ConnectionConfig::from_json(&format!(
        r#"{{
          "id": "acme",
          "intacct": {{ "company_id": "sandbox-co", "endpoint": "{intacct_endpoint}", "base_currency": "USD" }},
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
        let store = Arc::new(MemoryStore::new());
        World::build(store.clone(), store, None, false, intacct_config, configure).await
    }
}

impl World<dyn Store> {
    /// Like [`World::start_with`] on the chosen store, with the engine reaching Intacct through
    /// a [`LossyLink`] (in [`World::link`]) so a test can lose the answer of one chosen request.
    pub async fn start_on(
        store: StoreKind,
        intacct_config: IntacctConfig,
        configure: impl FnOnce(&mut ConnectionConfig),
    ) -> World<dyn Store> {
        let (store, db_dir): (Arc<dyn Store>, Option<TempDir>) = match store {
            StoreKind::Memory => (Arc::new(MemoryStore::new()), None),
            StoreKind::Given(store) => (store, None),
            StoreKind::Sqlite => {
                let dir = TempDir::new();
                let sqlite =
                    sync_engine::adapters::sqlite::SqliteStore::open(dir.0.join("sync.db"))
                        .expect("sqlite store");
                (Arc::new(sqlite), Some(dir))
            }
        };
        World::build(
            store.clone(),
            store,
            db_dir,
            true,
            intacct_config,
            configure,
        )
        .await
    }
}

impl<S: ?Sized + Store> World<S> {
    /// `store` as the test sees it and as the engine gets it (the same store).
    async fn build(
        store: Arc<S>,
        engine_store: Arc<dyn Store>,
        db_dir: Option<TempDir>,
        with_link: bool,
        intacct_config: IntacctConfig,
        configure: impl FnOnce(&mut ConnectionConfig),
    ) -> World<S> {
        let intacct = sandbox::intacct::spawn(intacct_config)
            .await
            .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
            .await
            .expect("invoiced sandbox");
        let link = if with_link {
            Some(LossyLink::start(&intacct.endpoint).await)
        } else {
            None
        };
        let endpoint = link
            .as_ref()
            .map_or_else(|| intacct.endpoint.clone(), |l| l.endpoint.clone());
        let mut config = base_config(&endpoint, &invoiced.url);
        config.intacct.company_id = intacct.credentials.company_id.clone();
        configure(&mut config);
        config
            .validate()
            .expect("configured test connection is valid");
        engine_store
            .put_config(&config)
            .await
            .expect("store config");
        let secrets = Arc::new(StaticSecrets::new());
        secrets.set(
            &config.id,
            ConnectionSecrets::from_json(
                &sandbox::connection_secrets(&intacct, &invoiced).to_string(),
            )
            .expect("secrets"),
        );
        let queue = Arc::new(MemoryQueue::new());
        let settings = EngineSettings {
            lease_wait: std::time::Duration::from_secs(2),
            // The sandboxes answer in milliseconds: a dropped write's request is long over by then.
            abandoned_claim_grace: std::time::Duration::from_millis(500),
            ..EngineSettings::default()
        };
        let engine = Engine::new(
            engine_store,
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
            link,
            delivered: Mutex::new(HashSet::new()),
            _db_dir: db_dir,
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
            .reply()
    }

    /// Delivers a raw body signed with the webhook secret, whether or not it is an event.
    pub async fn deliver_raw(&self, body: &[u8]) -> WebhookReply {
        let secret =
            invoiced::WebhookSecret::new(self.invoiced.webhook_secret.clone()).expect("secret");
        let signature = invoiced::webhook::sign(&secret, body);
        self.engine
            .handle_webhook(self.conn.as_str(), Some(&signature), body)
            .await
            .reply()
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

    /// The raw body and a valid signature of an event, as Invoiced would send them.
    pub fn signed(&self, event: &Value) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(event).expect("event body");
        let secret =
            invoiced::WebhookSecret::new(self.invoiced.webhook_secret.clone()).expect("secret");
        let signature = invoiced::webhook::sign(&secret, &body);
        (body, signature)
    }

    /// Delivers `copies` copies of one event at the same moment (Invoiced's redeliveries and
    /// duplicate deliveries racing each other).
    pub async fn deliver_copies(&self, event: &Value, copies: usize) -> Vec<WebhookReply> {
        self.delivered
            .lock()
            .expect("lock")
            .insert(event["id"].to_string());
        let (body, signature) = self.signed(event);
        // Unconstrained: Tokio's cooperative budget would otherwise make the joined deliveries
        // start a few at a time, the first finishing before the last begins.
        tokio::task::unconstrained(futures::future::join_all((0..copies).map(|_| async {
            self.engine
                .handle_webhook(self.conn.as_str(), Some(&signature), &body)
                .await
                .reply()
        })))
        .await
    }

    /// Delivers several events at the same moment.
    pub async fn deliver_together(&self, events: &[Value]) -> Vec<WebhookReply> {
        tokio::task::unconstrained(futures::future::join_all(
            events.iter().map(|e| self.deliver(e)),
        ))
        .await
    }

    /// Runs the retry queue as the real one would once every delay (and `not_before`) has
    /// passed, `concurrency` messages at a time (a batch is handled in parallel), until it is
    /// empty or `rounds` passes ran. Returns the number of messages still queued.
    pub async fn drain_until_quiet(&self, rounds: usize, concurrency: usize) -> usize {
        use futures::StreamExt;
        for _ in 0..rounds {
            let batch = self.queue.drain();
            if batch.is_empty() {
                return 0;
            }
            futures::stream::iter(batch.into_iter().map(|(mut message, _delay)| async move {
                message.not_before = None;
                self.engine
                    .handle_retry(&message)
                    .await
                    .expect("retry handled")
            }))
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        }
        // Put what is left back: the caller reports it, nothing is lost.
        let left = self.queue.drain();
        let count = left.len();
        for (message, delay) in left {
            sync_engine::ports::RetryQueue::enqueue(self.queue.as_ref(), &message, delay)
                .await
                .expect("requeue");
        }
        count
    }

    /// The open reconciliation errors of the connection.
    pub async fn open_errors(&self) -> Vec<ReconciliationError> {
        self.store
            .list_errors(
                &self.conn,
                &ErrorFilter {
                    status: Some(ErrorStatus::Open),
                    ..ErrorFilter::default()
                },
            )
            .await
            .expect("errors")
    }

    /// The lossy link in front of Intacct (worlds started with [`World::start_on`]).
    pub fn link(&self) -> &LossyLink {
        self.link
            .as_ref()
            .expect("this world was started without a lossy link (use World::start_on)")
    }

    /// A client of the Intacct sandbox acting as a person working in Intacct (not through the
    /// lossy link).
    pub fn intacct_client(&self) -> intacct::IntacctClient {
        let creds = &self.intacct.credentials;
        intacct::IntacctClient::new(
            intacct::ClientConfig::new(intacct::Credentials {
                sender_id: creds.sender_id.clone(),
                sender_password: creds.sender_password.clone(),
                company_id: creds.company_id.clone(),
                user_id: creds.user_id.clone(),
                user_password: creds.user_password.clone(),
                entity_id: None,
            })
            .with_endpoint(self.intacct.endpoint.parse().expect("url")),
        )
        .expect("intacct client")
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

pub async fn customer<S: ?Sized + Store>(
    world: &World<S>,
    number: &str,
    name: &str,
) -> invoiced::models::Customer {
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

pub async fn invoice<S: ?Sized + Store>(
    world: &World<S>,
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
pub async fn credit_note<S: ?Sized + Store>(
    world: &World<S>,
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
pub async fn payment<S: ?Sized + Store>(
    world: &World<S>,
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
