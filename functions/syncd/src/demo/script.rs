//! The demo's script: start everything, act like a user, provoke and fix an error.

use anyhow::Context;
use chrono::{Duration as Days, Utc};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

use invoiced::RequestOptions;
use invoiced::models::{
    AmountApplication, AppliedTo, CreditNote, CreditNoteApplication, CreditNoteParams, Currency,
    Customer, CustomerParams, DocumentType, Invoice, InvoiceApplication, InvoiceParams,
    LineItemParams, Payment, PaymentMethod, PaymentParams,
};
use sandbox::intacct::{IntacctConfig, SeedSpec, SummaryFrequency};
use sandbox::invoiced::{InvoicedConfig, InvoicedHandle};
use sync_engine::adapters::memory::StaticSecrets;
use sync_engine::config::secrets::ConnectionSecrets;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::engine::EngineSettings;
use sync_engine::engine::read::{InitialSync, Progress};
use sync_engine::model::{ErrorFilter, ErrorStatus, Origin};
use sync_engine::ports::Store;
use sync_engine::retry::RetryPolicy;

use super::{DemoOptions, DemoReport, ErrorStory, MappingCount, RetryCounts, check};
use crate::ops;
use crate::service::Service;
use crate::worker::{Worker, WorkerSettings};

/// The demo's connection id.
const CONNECTION: &str = "demo";

/// How long the systems get to settle after each user action.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A data directory removed when the demo ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let path =
            std::env::temp_dir().join(format!("syncd-demo-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Steps, printed live when asked.
struct Steps {
    live: bool,
    started: Instant,
    lines: Vec<String>,
}

impl Steps {
    fn push(&mut self, line: String) {
        if self.live {
            eprintln!("[{:>5.1}s] {line}", self.started.elapsed().as_secs_f64());
        }
        self.lines.push(line);
    }
}

/// Short backoff: the demo shows retries happening, not waiting an hour for them. The cap on
/// attempts is high enough that a 40 % throttle never exhausts it in practice.
fn demo_settings() -> EngineSettings {
    EngineSettings {
        retry: RetryPolicy {
            base: Duration::from_millis(40),
            cap: Duration::from_millis(400),
            floor: Duration::from_millis(5),
            max_attempts: 20,
        },
        lease_wait: Duration::from_secs(2),
        instance: "syncd-demo".to_owned(),
        ..EngineSettings::default()
    }
}

fn connection_json(intacct_endpoint: &str, company_id: &str, invoiced_url: &str) -> String {
    serde_json::json!({
        "id": CONNECTION,
        "intacct": { "company_id": company_id, "endpoint": intacct_endpoint, "base_currency": "USD" },
        "invoiced": { "base_url": invoiced_url },
        "flows": {
            "read": { "customers": true, "invoices": true, "credit_notes": true, "payments": true },
            "write": { "customers": true, "invoices": true, "credit_notes": true, "payments": true }
        },
        "accounts": {
            "item_account": "4000",
            "payment_routes": [
                { "currency": "usd", "method": "*", "deposit": { "undeposited_funds": "1200" } },
                { "currency": "*", "method": "*", "deposit": { "bank_account": "BOA" } }
            ]
        },
        "convenience_fees": { "mode": "invoice", "gl_account": "4900" }
    })
    .to_string()
}

pub(super) async fn run(options: DemoOptions) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let mut steps = Steps {
        live: options.live,
        started,
        lines: Vec::new(),
    };
    let data_dir = TempDir::new()?;

    let intacct = sandbox::intacct::spawn(IntacctConfig {
        seed: SeedSpec {
            customers: options.seed_customers,
            invoices: options.seed_invoices,
            returns: options.seed_returns,
            payments: options.seed_payments,
            // The shapes real companies have: credits applied in Intacct, with and without
            // cash, and invoices in another currency.
            mixed_payments: options.seed_returns / 2,
            credit_applications: options.seed_returns - options.seed_returns / 2,
            foreign_invoices: 2,
        },
        ..IntacctConfig::default()
    })
    .await
    .context("starting the Intacct sandbox")?;
    let invoiced_sandbox = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
        .await
        .context("starting the Invoiced sandbox")?;
    let invoiced_handle = invoiced_sandbox.handle();
    steps.push(format!(
        "Intacct sandbox at {} seeded with {} customers, {} sales invoices, {} sales returns, {} payments; Invoiced sandbox at {}",
        intacct.url,
        options.seed_customers,
        options.seed_invoices,
        options.seed_returns,
        options.seed_payments,
        invoiced_sandbox.url
    ));

    let connection = ConnectionId::parse(CONNECTION)?;
    let secrets = StaticSecrets::new();
    secrets.set(
        &connection,
        ConnectionSecrets::from_json(
            &sandbox::connection_secrets(&intacct, &invoiced_sandbox).to_string(),
        )?,
    );
    let service = Service::open(data_dir.path(), Arc::new(secrets), demo_settings())?;
    let engine = service.engine.clone();
    let store: &dyn Store = engine.store().as_ref();

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let listen = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let server = tokio::spawn(crate::server::serve(listener, engine.clone(), async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));

    let config = ops::add_connection(
        store,
        &connection_json(
            &intacct.endpoint,
            &intacct.credentials.company_id,
            &invoiced_sandbox.url,
        ),
    )
    .await?;
    let webhook_url = format!("http://{listen}/webhooks/{}", config.id);
    invoiced_handle.set_webhook(
        Some(webhook_url.clone()),
        invoiced_sandbox.webhook_secret.clone(),
    );
    steps.push(format!(
        "connection `{}` stored in {}; Invoiced webhooks → {webhook_url}",
        config.id,
        service.database.display()
    ));

    let worker = Worker::new(
        service.queue.clone(),
        engine.clone(),
        WorkerSettings {
            ignore_delays: true,
            idle_wait: Duration::from_millis(20),
            ..WorkerSettings::default()
        },
    );

    // 1. Import the seeded company: initial data sync over the seed's dates, then a poll.
    // Webhooks are held meanwhile and delivered after: the engine's write path tells an imported
    // record by its mapping only, so a webhook that overtook the import's mapping would be
    // written back to Intacct (reported to the engine owner; the imported records also carry
    // `intacct_record_no` metadata the write path could check).
    invoiced_handle.pause_webhooks();
    let today = intacct.handle.now().date();
    let request = InitialSync {
        types: vec![
            RecordType::Customer,
            RecordType::Invoice,
            RecordType::CreditNote,
            RecordType::Payment,
        ],
        from: today - Days::days(30),
        to: today + Days::days(1),
    };
    let live = options.live;
    let progress = move |p: &Progress| {
        if live && p.total.is_some_and(|t| t > 0 && p.done >= t) {
            eprintln!(
                "        {}: {}/{}",
                ops::stream_name(&p.stream),
                p.done,
                p.total.unwrap_or(p.done)
            );
        }
    };
    let initial = engine
        .initial_sync(&connection, &request, "demo", None, &progress)
        .await?;
    steps.push(format!(
        "initial sync {}..{}: {} Intacct record(s) imported into Invoiced",
        request.from,
        request.to,
        initial.imported()
    ));
    let poll = ops::sync_now(&engine, &connection).await?;
    invoiced_handle.resume_webhooks();
    settle(&invoiced_handle, &worker).await?;
    steps.push(format!(
        "poll: {} row(s) created or updated in Invoiced; then the imports' own Invoiced webhooks were delivered and recognised (not echoed back)",
        poll.imported()
    ));

    // 2. A user works in Invoiced while Intacct throttles.
    intacct
        .handle
        .set_fault_rates(options.throttle_rate, 0.0, 0.0);
    steps.push(format!(
        "Intacct now answers {:.0} % of requests with \"too many operations\"",
        options.throttle_rate * 100.0
    ));
    let api = invoiced::Client::new(invoiced::ClientConfig::new(
        invoiced_sandbox.api_key.clone(),
        invoiced::Environment::Custom(invoiced_sandbox.url.parse()?),
    ))?;
    let user = User { api: &api };
    let customer = user.customer("DEMO-1", "Demo Customer Ltd").await?;
    let invoice = user
        .invoice(
            &customer,
            "DEMO-INV-1",
            vec![
                line("Consulting", Decimal::from(3), Decimal::new(15000, 2)),
                line("Licence", Decimal::ONE, Decimal::new(9999, 2)),
            ],
        )
        .await?;
    let to_void = user
        .invoice(
            &customer,
            "DEMO-INV-2",
            vec![line("Set-up", Decimal::ONE, Decimal::new(7500, 2))],
        )
        .await?;
    let credit_note = user
        .credit_note(
            &customer,
            "DEMO-CN-1",
            vec![line("Goodwill credit", Decimal::ONE, Decimal::new(4999, 2))],
        )
        .await?;
    settle(&invoiced_handle, &worker).await?;
    steps.push(format!(
        "in Invoiced: customer {}, invoices {} ({}) and {} ({}), credit note {} ({})",
        customer.number.as_deref().unwrap_or("?"),
        invoice.number,
        invoice.total,
        to_void.number,
        to_void.total,
        credit_note.number,
        credit_note.total
    ));
    let fee = Decimal::new(1500, 2);
    let cash = invoice.total - credit_note.total;
    let payment = user
        .payment(
            &customer,
            PaymentMethod::CreditCard,
            cash + fee,
            vec![
                AppliedTo::Invoice(InvoiceApplication {
                    id: None,
                    amount: cash,
                    invoice: invoice.id,
                }),
                AppliedTo::CreditNote(CreditNoteApplication {
                    id: None,
                    amount: credit_note.total,
                    credit_note: credit_note.id,
                    document_type: Some(DocumentType::Invoice),
                    invoice: Some(invoice.id),
                    estimate: None,
                }),
                AppliedTo::ConvenienceFee(AmountApplication {
                    id: None,
                    amount: fee,
                }),
            ],
        )
        .await?;
    api.invoices()
        .void(to_void.id, &RequestOptions::default())
        .await
        .context("voiding DEMO-INV-2")?;
    settle(&invoiced_handle, &worker).await?;
    steps.push(format!(
        "in Invoiced: card payment {} of {} (invoice {cash} + credit note {} applied + convenience fee {fee}); {} voided",
        payment.id, payment.amount, credit_note.total, to_void.number
    ));
    intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
    settle(&invoiced_handle, &worker).await?;
    let throttled = worker.stats();
    steps.push(format!(
        "throttling off; the retry worker had processed {} queued attempt(s)",
        throttled.received
    ));

    // 3. A recoverable error: Intacct set to user-specified payment summaries refuses payments
    // without a batch key; the operator fixes the setting and retries.
    intacct
        .handle
        .set_payment_summary_frequency(SummaryFrequency::UserSpecified);
    let invoice3 = user
        .invoice(
            &customer,
            "DEMO-INV-3",
            vec![line("Support plan", Decimal::ONE, Decimal::new(12000, 2))],
        )
        .await?;
    settle(&invoiced_handle, &worker).await?;
    let check_payment = user
        .payment(
            &customer,
            PaymentMethod::Check,
            invoice3.total,
            vec![AppliedTo::Invoice(InvoiceApplication {
                id: None,
                amount: invoice3.total,
                invoice: invoice3.id,
            })],
        )
        .await?;
    settle(&invoiced_handle, &worker).await?;
    steps.push(format!(
        "Intacct's AR payment summary frequency set to user-specified; check payment {} of {} for {} sent",
        check_payment.id, check_payment.amount, invoice3.number
    ));
    let open = ops::list_errors(
        store,
        &connection,
        &ErrorFilter {
            status: Some(ErrorStatus::Open),
            ..ErrorFilter::default()
        },
    )
    .await?;
    steps.push(format!("{} open reconciliation error(s)", open.len()));
    intacct
        .handle
        .set_payment_summary_frequency(SummaryFrequency::Daily);
    let mut errors = Vec::new();
    for error in &open {
        let action = ops::retry_error(&engine, &connection, &error.id).await?;
        settle(&invoiced_handle, &worker).await?;
        let after = ops::get_error(store, &connection, &error.id).await?;
        errors.push(ErrorStory {
            id: error.id.clone(),
            code: error.code.clone(),
            message: error.message.clone(),
            fix: error.fix.clone(),
            action: format!(
                "summary frequency set back to daily in Intacct; `syncd errors retry {} {}` ({})",
                connection,
                error.id,
                serde_json::to_string(&action).unwrap_or_default()
            ),
            final_status: after.status.as_str().to_owned(),
        });
    }
    steps.push("fixed the setting and retried each error through `errors retry`".to_owned());

    // 4. Do both systems agree?
    let agreement =
        check::compare(&intacct.handle, &api, store, &service.queue, &connection).await?;
    let mappings = mapping_counts(&api, store, &connection).await?;
    let attempts = invoiced_handle.webhook_attempts();
    let stats = worker.stats();

    let _ = stop.send(true);
    let _ = server.await;
    Ok(DemoReport {
        steps: steps.lines,
        mappings,
        webhooks_delivered: attempts.len() as u64,
        webhooks_accepted: attempts.iter().filter(|a| a.succeeded).count() as u64,
        retries: RetryCounts {
            processed: stats.received,
            requeued: stats.requeued,
            failed: stats.failed + stats.panicked,
            dead_lettered: stats.dead_lettered,
        },
        errors,
        agreement,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// Waits until every webhook was delivered and the retry queue is empty, twice in a row (a
/// delivery in flight is neither pending nor recorded yet).
async fn settle(invoiced: &InvoicedHandle, worker: &Worker) -> anyhow::Result<()> {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut quiet_rounds = 0;
    let mut seen = invoiced.webhook_attempts().len();
    while quiet_rounds < 2 {
        if Instant::now() > deadline {
            anyhow::bail!("the sync did not settle within {SETTLE_TIMEOUT:?}");
        }
        let flushed = invoiced.flush_webhooks().await;
        let passes = worker.drain(500).await?;
        tokio::time::sleep(Duration::from_millis(30)).await;
        let now_seen = invoiced.webhook_attempts().len();
        let busy = flushed > 0 || passes > 0 || now_seen != seen || invoiced.pending_webhooks() > 0;
        seen = now_seen;
        quiet_rounds = if busy { 0 } else { quiet_rounds + 1 };
    }
    Ok(())
}

fn line(name: &str, quantity: Decimal, unit_cost: Decimal) -> LineItemParams {
    LineItemParams {
        name: Some(name.to_owned()),
        quantity: Some(quantity),
        unit_cost: Some(unit_cost),
        ..LineItemParams::default()
    }
}

/// Acts in Invoiced as a user would, through the public API.
struct User<'a> {
    api: &'a invoiced::Client,
}

impl User<'_> {
    async fn customer(&self, number: &str, name: &str) -> anyhow::Result<Customer> {
        self.api
            .customers()
            .create(
                &CustomerParams {
                    name: Some(name.to_owned()),
                    number: Some(number.to_owned()),
                    email: Some("ap@demo-customer.example".to_owned()),
                    ..CustomerParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .with_context(|| format!("creating customer {number}"))
    }

    async fn invoice(
        &self,
        customer: &Customer,
        number: &str,
        items: Vec<LineItemParams>,
    ) -> anyhow::Result<Invoice> {
        self.api
            .invoices()
            .create(
                &InvoiceParams {
                    customer: Some(customer.id),
                    number: Some(number.to_owned()),
                    draft: Some(false),
                    items: Some(items),
                    ..InvoiceParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .with_context(|| format!("creating invoice {number}"))
    }

    async fn credit_note(
        &self,
        customer: &Customer,
        number: &str,
        items: Vec<LineItemParams>,
    ) -> anyhow::Result<CreditNote> {
        self.api
            .credit_notes()
            .create(
                &CreditNoteParams {
                    customer: Some(customer.id),
                    number: Some(number.to_owned()),
                    draft: Some(false),
                    items: Some(items),
                    ..CreditNoteParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .with_context(|| format!("creating credit note {number}"))
    }

    async fn payment(
        &self,
        customer: &Customer,
        method: PaymentMethod,
        amount: Decimal,
        applied_to: Vec<AppliedTo>,
    ) -> anyhow::Result<Payment> {
        self.api
            .payments()
            .create(
                &PaymentParams {
                    customer: Some(customer.id),
                    method: Some(method),
                    currency: Some(Currency::parse("usd")?),
                    amount: Some(amount),
                    date: Some(Utc::now()),
                    applied_to: Some(applied_to),
                    ..PaymentParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .context("creating payment")
    }
}

/// Mappings per record type and origin, by walking the Invoiced records (the store counts per
/// type only); convenience-fee invoices exist only in Intacct and are counted directly.
async fn mapping_counts(
    api: &invoiced::Client,
    store: &dyn Store,
    connection: &ConnectionId,
) -> anyhow::Result<Vec<MappingCount>> {
    let lists = check::InvoicedRecords::fetch(api).await?;
    let ids: [(RecordType, Vec<String>); 4] = [
        (
            RecordType::Customer,
            lists.customers.iter().map(|c| c.id.to_string()).collect(),
        ),
        (
            RecordType::Invoice,
            lists.invoices.iter().map(|i| i.id.to_string()).collect(),
        ),
        (
            RecordType::CreditNote,
            lists
                .credit_notes
                .iter()
                .map(|c| c.id.to_string())
                .collect(),
        ),
        (
            RecordType::Payment,
            lists.payments.iter().map(|p| p.id.to_string()).collect(),
        ),
    ];
    let mut counts = Vec::new();
    for (record_type, ids) in ids {
        let (mut from_intacct, mut from_invoiced) = (0, 0);
        for id in ids {
            match store
                .mapping_by_invoiced(connection, record_type, &id)
                .await?
                .map(|m| m.origin)
            {
                Some(Origin::Intacct) => from_intacct += 1,
                Some(Origin::Invoiced) => from_invoiced += 1,
                None => {}
            }
        }
        for (origin, count) in [
            (Origin::Intacct, from_intacct),
            (Origin::Invoiced, from_invoiced),
        ] {
            if count > 0 {
                counts.push(MappingCount {
                    record_type: record_type.as_str().to_owned(),
                    origin: origin.as_str().to_owned(),
                    count,
                });
            }
        }
    }
    let fees = store
        .count_mappings(connection, RecordType::ConvenienceFee)
        .await?;
    if fees > 0 {
        counts.push(MappingCount {
            record_type: RecordType::ConvenienceFee.as_str().to_owned(),
            origin: Origin::Invoiced.as_str().to_owned(),
            count: fees,
        });
    }
    Ok(counts)
}
