//! The load: users working in Invoiced through its REST API (customers, invoices with taxes and
//! discounts, credit notes, payments — some with credit-note applications and convenience fees —
//! and voids), an accountant working in Intacct at the same time (customers, Order Entry sales
//! invoices, AR payments), and bursts of concurrent copies of webhook deliveries.
//!
//! Each Invoiced customer is one *chain* of operations run in order by one user; chains run a
//! few at a time. What a chain does is drawn from its own RNG seeded from `--seed` and the chain
//! number, so a run does the same things again (the interleaving with syncd varies).

use anyhow::{Context, bail};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use invoiced::models::{
    AmountApplication, AppliedTo, CreditNoteApplication, CreditNoteParams, Currency, CustomerId,
    CustomerParams, DocumentType, InvoiceApplication, InvoiceParams, LineItemParams, PaymentMethod,
    PaymentParams,
};
use invoiced::{IdempotencyKey, RequestOptions};
use sandbox::intacct::{IntacctHandle, ObjectKind, RecordNo};
use sandbox::invoiced::InvoicedHandle;

use crate::burst::Burster;

/// How many of each thing the run makes, from `--records`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sizes {
    /// Invoiced customers (one chain each).
    pub chains: usize,
    /// Operations per chain, its customer included.
    pub ops_per_chain: usize,
    /// Customers created in Intacct.
    pub intacct_customers: usize,
    /// Sales invoices created in Intacct.
    pub intacct_invoices: usize,
    /// AR payments created in Intacct.
    pub intacct_payments: usize,
}

impl Sizes {
    /// A tenth of the records on the Intacct side, the rest in chains of about ten operations.
    pub fn for_records(records: usize) -> Sizes {
        let intacct = (records / 10).max(3);
        let invoiced = records.saturating_sub(intacct).max(4);
        let chains = (invoiced / 10).max(2);
        let intacct_customers = (intacct / 6).max(1);
        let intacct_invoices = ((intacct - intacct_customers) * 3 / 5).max(1);
        Sizes {
            chains,
            ops_per_chain: (invoiced / chains).max(2),
            intacct_customers,
            intacct_invoices,
            intacct_payments: intacct.saturating_sub(intacct_customers + intacct_invoices),
        }
    }

    /// Operations on the Invoiced side.
    pub fn invoiced_ops(&self) -> usize {
        self.chains * self.ops_per_chain
    }
}

/// What the load did.
#[derive(Debug, Default, Serialize)]
pub struct LoadStats {
    /// Customers created in Invoiced.
    pub customers: AtomicU64,
    /// Invoices created in Invoiced (drafts included).
    pub invoices: AtomicU64,
    /// Of those, drafts (never posted to Intacct).
    pub drafts: AtomicU64,
    /// Of those, with a tax or a discount.
    pub with_tax_or_discount: AtomicU64,
    /// Credit notes created.
    pub credit_notes: AtomicU64,
    /// Payments created.
    pub payments: AtomicU64,
    /// Of those, with a credit-note application and a convenience fee.
    pub with_credit_and_fee: AtomicU64,
    /// Invoices voided.
    pub invoice_voids: AtomicU64,
    /// Payments voided.
    pub payment_voids: AtomicU64,
    /// Invoiced writes answered 5xx (or not at all) and retried with the same idempotency key.
    pub invoiced_write_retries: AtomicU64,
    /// Customers created in Intacct.
    pub intacct_customers: AtomicU64,
    /// Sales invoices created in Intacct.
    pub intacct_invoices: AtomicU64,
    /// AR payments created in Intacct.
    pub intacct_payments: AtomicU64,
    /// Set when `--events` stopped the load early.
    pub stopped_by_event_bound: AtomicBool,
}

/// The shared state of a load run.
pub struct Load {
    api: invoiced::Client,
    intacct: IntacctHandle,
    invoiced: InvoicedHandle,
    burster: Burster,
    seed: u64,
    sizes: Sizes,
    max_events: usize,
    started: Instant,
    op_interval: Duration,
    tickets: AtomicUsize,
    /// Invoiced operations done (the kill schedule and the Intacct side pace themselves on it).
    pub progress: Arc<AtomicUsize>,
    /// Counters.
    pub stats: LoadStats,
}

/// One invoice as its chain knows it.
#[derive(Debug, Clone)]
struct Inv {
    id: invoiced::models::InvoiceId,
    balance: Decimal,
    touched: bool,
    voided: bool,
    draft: bool,
}

/// One credit note as its chain knows it.
#[derive(Debug, Clone)]
struct Note {
    id: invoiced::models::CreditNoteId,
    balance: Decimal,
}

/// One payment as its chain knows it.
#[derive(Debug, Clone)]
struct Pay {
    id: invoiced::models::PaymentId,
    voidable: bool,
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn line(name: &str, quantity: i64, unit_cents: i64) -> LineItemParams {
    LineItemParams {
        name: Some(name.to_owned()),
        quantity: Some(Decimal::from(quantity)),
        unit_cost: Some(money(unit_cents)),
        ..LineItemParams::default()
    }
}

impl Load {
    /// A load over `world`'s sandboxes; operations are spread evenly over `duration`.
    pub fn new(
        world: &crate::world::World,
        burster: Burster,
        seed: u64,
        sizes: Sizes,
        max_events: usize,
        duration: Duration,
    ) -> Load {
        let total = (sizes.invoiced_ops() as u32).max(1);
        Load {
            api: world.api.clone(),
            intacct: world.intacct.handle.clone(),
            invoiced: world.invoiced.handle(),
            burster,
            seed,
            sizes,
            max_events,
            started: Instant::now(),
            op_interval: duration / total,
            tickets: AtomicUsize::new(0),
            progress: Arc::new(AtomicUsize::new(0)),
            stats: LoadStats::default(),
        }
    }

    /// The burster (for its counters).
    pub fn burster(&self) -> &Burster {
        &self.burster
    }

    /// Runs the Invoiced chains (`users` at a time) and the Intacct side together.
    pub async fn run(&self, users: usize) -> anyhow::Result<()> {
        let chains = futures::stream::iter(0..self.sizes.chains)
            .map(|chain| self.run_chain(chain))
            .buffer_unordered(users.max(1))
            .collect::<Vec<_>>();
        let (results, intacct) = tokio::join!(chains, self.run_intacct());
        for result in results {
            result?;
        }
        intacct
    }

    fn events_exhausted(&self) -> bool {
        let exhausted = self.invoiced.event_types().len() >= self.max_events;
        if exhausted {
            self.stats
                .stopped_by_event_bound
                .store(true, Ordering::Relaxed);
        }
        exhausted
    }

    /// Waits for this operation's slot in the even spread over the load's duration.
    async fn pace(&self) {
        let n = self.tickets.fetch_add(1, Ordering::Relaxed) as u32;
        let at = self.started + self.op_interval * n;
        tokio::time::sleep_until(at.into()).await;
    }

    /// An Invoiced write retried with one idempotency key while the answer is a 5xx, a 429 or
    /// nothing (the sandbox commits then fails 2 % of writes).
    async fn write<T, F, Fut>(&self, what: &str, call: F) -> anyhow::Result<T>
    where
        F: Fn(RequestOptions) -> Fut,
        Fut: Future<Output = Result<T, invoiced::Error>>,
    {
        let key = IdempotencyKey::random();
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            match call(RequestOptions::with_idempotency_key(key.clone())).await {
                Ok(value) => return Ok(value),
                Err(
                    e @ (invoiced::Error::Server(_)
                    | invoiced::Error::Transport(_)
                    | invoiced::Error::RateLimited { .. }),
                ) => {
                    if attempt >= 10 {
                        bail!("{what}: still failing after {attempt} attempts: {e}");
                    }
                    self.stats
                        .invoiced_write_retries
                        .fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                Err(e) => bail!("{what}: {e}"),
            }
        }
    }

    async fn run_chain(&self, chain: usize) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(
            self.seed ^ (chain as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        if self.events_exhausted() {
            return Ok(());
        }
        self.pace().await;
        let number = format!("CH{chain:05}");
        let customer = self
            .write(&format!("customer {number}"), |options| {
                let api = self.api.clone();
                let params = CustomerParams {
                    name: Some(format!("Chaos Customer {chain}")),
                    number: Some(number.clone()),
                    email: Some(format!("ap{chain}@chaos.example")),
                    payment_terms: Some("NET 30".to_owned()),
                    ..CustomerParams::default()
                };
                async move { api.customers().create(&params, &options).await }
            })
            .await?;
        self.stats.customers.fetch_add(1, Ordering::Relaxed);
        self.progress.fetch_add(1, Ordering::Relaxed);
        let mut chain_state = Chain {
            customer: customer.id,
            number,
            invoices: Vec::new(),
            notes: Vec::new(),
            payments: Vec::new(),
        };
        for _ in 1..self.sizes.ops_per_chain {
            if self.events_exhausted() {
                break;
            }
            self.pace().await;
            self.step(&mut rng, &mut chain_state).await?;
            self.progress.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// One operation of a chain, drawn by weight among those possible now.
    async fn step(&self, rng: &mut StdRng, chain: &mut Chain) -> anyhow::Result<()> {
        let roll = rng.random_range(0..100);
        let open: Vec<usize> = (0..chain.invoices.len())
            .filter(|&i| {
                let inv = &chain.invoices[i];
                !inv.voided && !inv.draft && inv.balance > Decimal::ZERO
            })
            .collect();
        let untouched: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| !chain.invoices[i].touched)
            .collect();
        let voidable: Vec<usize> = (0..chain.payments.len())
            .filter(|&i| chain.payments[i].voidable)
            .collect();
        match roll {
            0..45 => self.invoice(rng, chain).await,
            45..55 => self.credit_note(rng, chain).await,
            55..88 if !open.is_empty() => {
                let pick = open[rng.random_range(0..open.len())];
                self.payment(rng, chain, pick).await
            }
            88..94 if !untouched.is_empty() => {
                let pick = untouched[rng.random_range(0..untouched.len())];
                self.void_invoice(chain, pick).await
            }
            94..100 if !voidable.is_empty() => {
                let pick = voidable[rng.random_range(0..voidable.len())];
                self.void_payment(chain, pick).await
            }
            _ => self.invoice(rng, chain).await,
        }
    }

    async fn invoice(&self, rng: &mut StdRng, chain: &mut Chain) -> anyhow::Result<()> {
        let n = chain.invoices.len() + 1;
        let number = format!("{}-INV-{n:03}", chain.number);
        let items: Vec<LineItemParams> = (0..rng.random_range(1..=3))
            .map(|l| {
                line(
                    &format!("Service {l}"),
                    rng.random_range(1..=5),
                    rng.random_range(1_000..=50_000),
                )
            })
            .collect();
        let subtotal: Decimal = items
            .iter()
            .map(|i| i.quantity.unwrap_or_default() * i.unit_cost.unwrap_or_default())
            .sum();
        let tax = rng
            .random_bool(0.3)
            .then(|| money(rng.random_range(100..=5_000)));
        let discount = rng
            .random_bool(0.2)
            .then(|| (subtotal / Decimal::from(rng.random_range(5..=20))).round_dp(2));
        let draft = rng.random_bool(0.05);
        let params = InvoiceParams {
            customer: Some(chain.customer),
            number: Some(number.clone()),
            draft: Some(draft),
            items: Some(items),
            tax,
            discount,
            calculate_taxes: Some(false),
            ..InvoiceParams::default()
        };
        let burst = self.plan_burst(rng, 0.02);
        let invoice = self
            .write(&format!("invoice {number}"), |options| {
                let api = self.api.clone();
                let params = params.clone();
                async move { api.invoices().create(&params, &options).await }
            })
            .await;
        self.fire(burst, invoice.as_ref().ok().map(|i| i.id.to_string()))
            .await;
        let invoice = invoice?;
        self.stats.invoices.fetch_add(1, Ordering::Relaxed);
        if draft {
            self.stats.drafts.fetch_add(1, Ordering::Relaxed);
        }
        if tax.is_some() || discount.is_some() {
            self.stats
                .with_tax_or_discount
                .fetch_add(1, Ordering::Relaxed);
        }
        chain.invoices.push(Inv {
            id: invoice.id,
            balance: invoice.balance,
            touched: false,
            voided: false,
            draft,
        });
        Ok(())
    }

    async fn credit_note(&self, rng: &mut StdRng, chain: &mut Chain) -> anyhow::Result<()> {
        let n = chain.notes.len() + 1;
        let number = format!("{}-CN-{n:03}", chain.number);
        let params = CreditNoteParams {
            customer: Some(chain.customer),
            number: Some(number.clone()),
            draft: Some(false),
            items: Some(vec![line(
                "Goodwill credit",
                1,
                rng.random_range(500..=8_000),
            )]),
            ..CreditNoteParams::default()
        };
        let burst = self.plan_burst(rng, 0.02);
        let note = self
            .write(&format!("credit note {number}"), |options| {
                let api = self.api.clone();
                let params = params.clone();
                async move { api.credit_notes().create(&params, &options).await }
            })
            .await;
        self.fire(burst, note.as_ref().ok().map(|n| n.id.to_string()))
            .await;
        let note = note?;
        self.stats.credit_notes.fetch_add(1, Ordering::Relaxed);
        chain.notes.push(Note {
            id: note.id,
            balance: note.balance,
        });
        Ok(())
    }

    async fn payment(
        &self,
        rng: &mut StdRng,
        chain: &mut Chain,
        invoice: usize,
    ) -> anyhow::Result<()> {
        let balance = chain.invoices[invoice].balance;
        let invoice_id = chain.invoices[invoice].id;
        let n = chain.payments.len() + 1;
        let methods = [
            PaymentMethod::Check,
            PaymentMethod::Ach,
            PaymentMethod::CreditCard,
            PaymentMethod::Cash,
        ];
        let method = methods[rng.random_range(0..methods.len())].clone();
        let reference = rng
            .random_bool(0.3)
            .then(|| format!("{}-REF-{n:03}", chain.number));
        let note = chain
            .notes
            .iter()
            .position(|c| c.balance > Decimal::ZERO && c.balance < balance);
        let with_credit = rng.random_bool(0.3) && note.is_some();
        let (amount, applied_to, voidable) = match note.filter(|_| with_credit) {
            Some(c) => {
                let credit = chain.notes[c].balance;
                let fee = money(rng.random_range(100..=500));
                let cash = balance - credit;
                chain.notes[c].balance = Decimal::ZERO;
                let applied = vec![
                    AppliedTo::Invoice(InvoiceApplication {
                        id: None,
                        amount: cash,
                        invoice: invoice_id,
                    }),
                    AppliedTo::CreditNote(CreditNoteApplication {
                        id: None,
                        amount: credit,
                        credit_note: chain.notes[c].id,
                        document_type: Some(DocumentType::Invoice),
                        invoice: Some(invoice_id),
                        estimate: None,
                    }),
                    AppliedTo::ConvenienceFee(AmountApplication {
                        id: None,
                        amount: fee,
                    }),
                ];
                self.stats
                    .with_credit_and_fee
                    .fetch_add(1, Ordering::Relaxed);
                // Voiding it would leave the credit application to the operator (documented),
                // so such payments are never voided here.
                (cash + fee, applied, false)
            }
            None => {
                let amount = if rng.random_bool(0.25) && balance > money(1) {
                    (balance / Decimal::TWO).round_dp(2)
                } else {
                    balance
                };
                let applied = vec![AppliedTo::Invoice(InvoiceApplication {
                    id: None,
                    amount,
                    invoice: invoice_id,
                })];
                (amount, applied, true)
            }
        };
        let params = PaymentParams {
            customer: Some(chain.customer),
            method: Some(method),
            currency: Some(Currency::parse("usd")?),
            amount: Some(amount),
            reference,
            date: Some(chrono::Utc::now()),
            applied_to: Some(applied_to),
            ..PaymentParams::default()
        };
        let burst = self.plan_burst(rng, 0.25);
        let payment = self
            .write(&format!("payment for invoice {invoice_id}"), |options| {
                let api = self.api.clone();
                let params = params.clone();
                async move { api.payments().create(&params, &options).await }
            })
            .await;
        self.fire(burst, payment.as_ref().ok().map(|p| p.id.to_string()))
            .await;
        let payment = payment?;
        self.stats.payments.fetch_add(1, Ordering::Relaxed);
        let refreshed = self
            .api
            .invoices()
            .retrieve(invoice_id)
            .await
            .context("reading the paid invoice back")?;
        let inv = &mut chain.invoices[invoice];
        inv.balance = refreshed.balance;
        inv.touched = true;
        chain.payments.push(Pay {
            id: payment.id,
            voidable,
        });
        Ok(())
    }

    async fn void_invoice(&self, chain: &mut Chain, invoice: usize) -> anyhow::Result<()> {
        let id = chain.invoices[invoice].id;
        self.write(&format!("void of invoice {id}"), |options| {
            let api = self.api.clone();
            async move { api.invoices().void(id, &options).await }
        })
        .await?;
        self.stats.invoice_voids.fetch_add(1, Ordering::Relaxed);
        let inv = &mut chain.invoices[invoice];
        inv.voided = true;
        inv.balance = Decimal::ZERO;
        Ok(())
    }

    async fn void_payment(&self, chain: &mut Chain, payment: usize) -> anyhow::Result<()> {
        let id = chain.payments[payment].id;
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            match self.api.payments().void(id).await {
                Ok(_) => break,
                Err(e) if attempt < 10 => {
                    // A void committed before a 500 is refused the second time: look first.
                    if self
                        .api
                        .payments()
                        .retrieve(id)
                        .await
                        .is_ok_and(|p| p.voided)
                    {
                        break;
                    }
                    self.stats
                        .invoiced_write_retries
                        .fetch_add(1, Ordering::Relaxed);
                    tracing_free_log(&format!("void of payment {id} retried: {e}"));
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                Err(e) => bail!("void of payment {id}: {e}"),
            }
        }
        self.stats.payment_voids.fetch_add(1, Ordering::Relaxed);
        chain.payments[payment].voidable = false;
        // The applied invoice is open again; the chain may pay it again later.
        for inv in &mut chain.invoices {
            if let Ok(fresh) = self.api.invoices().retrieve(inv.id).await {
                inv.balance = fresh.balance;
            }
        }
        Ok(())
    }

    /// Decides whether the next record's event is re-sent as a burst (and how many copies);
    /// if so, holds the sandbox's deliveries until [`Load::fire`].
    fn plan_burst(&self, rng: &mut StdRng, chance: f64) -> Option<usize> {
        let copies = rng.random_bool(chance).then(|| rng.random_range(3..=6));
        if copies.is_some() {
            self.burster.hold();
        }
        copies
    }

    /// Sends the planned burst for the record just written (or releases the hold after a
    /// failed write).
    async fn fire(&self, copies: Option<usize>, object_id: Option<String>) {
        if let Some(copies) = copies {
            self.burster
                .burst(object_id.as_deref().unwrap_or("none"), copies)
                .await;
        }
    }

    /// The accountant in Intacct: customers, sales invoices and payments, paced to the Invoiced
    /// side's progress so the poller imports them while webhooks are being written.
    async fn run_intacct(&self) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0x01A7_ACC7);
        let s = self.sizes;
        let total_ops = s.intacct_customers + s.intacct_invoices + s.intacct_payments;
        let invoiced_total = s.invoiced_ops();
        let date = self.intacct.now().date();
        let split = format!(
            "<year>{}</year><month>{}</month><day>{}</day>",
            date.format("%Y"),
            date.format("%m"),
            date.format("%d")
        );
        let mut customers = 0usize;
        let mut invoices: Vec<String> = Vec::new();
        let mut payments = 0usize;
        for op in 0..total_ops {
            // Start once the Invoiced side is this far along (or done).
            let due = op * invoiced_total / total_ops.max(1);
            while self.progress.load(Ordering::Relaxed) < due
                && !self.stats.stopped_by_event_bound.load(Ordering::Relaxed)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let want_customer = customers == 0
                || (customers < s.intacct_customers
                    && invoices.len() >= customers * s.intacct_invoices / s.intacct_customers);
            if want_customer {
                customers += 1;
                self.intacct.execute(&format!(
                    "<create><CUSTOMER><CUSTOMERID>IA-C{customers:04}</CUSTOMERID><NAME>Intacct Customer {customers}</NAME><CURRENCY>USD</CURRENCY><DISPLAYCONTACT><PRINTAS>Intacct Customer {customers}</PRINTAS><EMAIL1>ar{customers}@intacct-side.example</EMAIL1></DISPLAYCONTACT></CUSTOMER></create>"
                )).map_err(anyhow::Error::msg).context("creating an Intacct customer")?;
                self.stats.intacct_customers.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let pay = !invoices.is_empty()
                && payments < s.intacct_payments
                && (invoices.len() >= s.intacct_invoices || rng.random_bool(0.4));
            if pay {
                let docid = invoices[rng.random_range(0..invoices.len())].clone();
                if self.intacct_payment(&mut rng, &docid, payments + 1, &split)? {
                    payments += 1;
                    self.stats.intacct_payments.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
            if invoices.len() >= s.intacct_invoices {
                continue;
            }
            let n = invoices.len() + 1;
            let customer = rng.random_range(1..=customers);
            let quantity = rng.random_range(1..=5);
            let price = rng.random_range(40..=500);
            let docid = self.intacct.execute(&format!(
                "<create_sotransaction><transactiontype>Sales Invoice</transactiontype><datecreated>{split}</datecreated><customerid>IA-C{customer:04}</customerid><documentno>IA-INV-{n:05}</documentno><termname>Net 30</termname><datedue>{split}</datedue><sotransitems><sotransitem><itemid>Consulting</itemid><itemdesc>Consulting hours</itemdesc><quantity>{quantity}</quantity><unit>Hour</unit><price>{price}.00</price></sotransitem><sotransitem><itemid>Support</itemid><itemdesc>Support plan</itemdesc><quantity>1</quantity><price>{}.50</price></sotransitem></sotransitems></create_sotransaction>",
                rng.random_range(10..=99)
            )).map_err(anyhow::Error::msg).context("creating an Intacct sales invoice")?;
            invoices.push(docid.context("create_sotransaction returned no key")?);
            self.stats.intacct_invoices.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Pays (in full or half) the AR invoice of a sales invoice that still has money due;
    /// false when it is paid already.
    fn intacct_payment(
        &self,
        rng: &mut StdRng,
        docid: &str,
        n: usize,
        split: &str,
    ) -> anyhow::Result<bool> {
        let Some(doc) = self.intacct.find(ObjectKind::SoDocument, "DOCID", docid) else {
            return Ok(false);
        };
        let (Some(key), Some(customer)) = (doc.get("PRRECORDKEY"), doc.get("CUSTVENDID")) else {
            return Ok(false);
        };
        let Some(ar) =
            RecordNo::parse(key).and_then(|k| self.intacct.record(ObjectKind::ArInvoice, k))
        else {
            return Ok(false);
        };
        let due = ar.money("TOTALDUE");
        if due <= Decimal::ZERO {
            return Ok(false);
        }
        let amount = if rng.random_bool(0.3) && due > money(1) {
            (due / Decimal::TWO).round_dp(2)
        } else {
            due
        };
        self.intacct.execute(&format!(
            "<create_arpayment><customerid>{customer}</customerid><paymentamount>{amount}</paymentamount><bankaccountid>BOA</bankaccountid><refid>IA-PAY-{n:05}</refid><datereceived>{split}</datereceived><paymentmethod>Printed Check</paymentmethod><arpaymentitem><invoicekey>{key}</invoicekey><amount>{amount}</amount></arpaymentitem></create_arpayment>"
        )).map_err(anyhow::Error::msg).context("creating an Intacct AR payment")?;
        Ok(true)
    }
}

/// What one chain has made so far.
struct Chain {
    customer: CustomerId,
    number: String,
    invoices: Vec<Inv>,
    notes: Vec<Note>,
    payments: Vec<Pay>,
}

/// Progress notes go to stderr only with `CHAOS_VERBOSE` set.
fn tracing_free_log(line: &str) {
    if std::env::var_os("CHAOS_VERBOSE").is_some() {
        eprintln!("{line}");
    }
}

/// Reads `data.object.id` of an event as text.
pub fn event_object_id(event: &Value) -> Option<String> {
    let id = event.get("data")?.get("object")?.get("id")?;
    Some(match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}
