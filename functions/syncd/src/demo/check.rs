//! The demo's verdict: both systems compared record by record.
//!
//! Records are matched the way an accountant would (numbers and totals), and payments through
//! the ID mappings (payments carry no shared number). Each check lists its first mismatches.

use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

use invoiced::ListParams;
use invoiced::models::{CreditNote, Customer, Invoice, InvoiceStatus, Payment};
use sandbox::intacct::{IntacctHandle, ObjectKind, Record, RecordNo};
use sync_engine::adapters::sqlite::SqliteQueue;
use sync_engine::config::{ConnectionId, RecordType};
use sync_engine::model::{ErrorFilter, ErrorStatus, Origin};
use sync_engine::ports::Store;

/// Mismatches listed per check.
const SHOWN: usize = 5;

/// One comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was compared.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// Counts, or the first mismatches.
    pub detail: String,
}

/// Every comparison made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Agreement {
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Agreement {
    /// True when there were checks and all held.
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    fn push(&mut self, what: &str, checked: usize, problems: Vec<String>) {
        let ok = problems.is_empty();
        let detail = if ok {
            format!("{checked} checked")
        } else {
            let mut shown: Vec<String> = problems.iter().take(SHOWN).cloned().collect();
            if problems.len() > SHOWN {
                shown.push(format!("… {} more", problems.len() - SHOWN));
            }
            format!(
                "{} of {checked} wrong: {}",
                problems.len(),
                shown.join("; ")
            )
        };
        self.checks.push(Check {
            what: what.to_owned(),
            ok,
            detail,
        });
    }
}

/// Everything in the Invoiced account, read through the public API.
pub(super) struct InvoicedRecords {
    pub customers: Vec<Customer>,
    pub invoices: Vec<Invoice>,
    pub credit_notes: Vec<CreditNote>,
    pub payments: Vec<Payment>,
}

impl InvoicedRecords {
    pub async fn fetch(api: &invoiced::Client) -> Result<InvoicedRecords, invoiced::Error> {
        let all = ListParams::new();
        Ok(InvoicedRecords {
            customers: api.customers().list(&all).try_collect().await?,
            invoices: api.invoices().list(&all).try_collect().await?,
            credit_notes: api.credit_notes().list(&all).try_collect().await?,
            payments: api.payments().list(&all).try_collect().await?,
        })
    }
}

fn money(record: &Record, field: &str) -> Decimal {
    record.money(field)
}

fn key_no(key: &str) -> Option<RecordNo> {
    RecordNo::parse(key)
}

/// Compares both sandboxes; also checks nothing is left waiting (queue, dead letters, parked
/// work, open errors).
pub(super) async fn compare(
    intacct: &IntacctHandle,
    api: &invoiced::Client,
    store: &dyn Store,
    queue: &SqliteQueue,
    connection: &ConnectionId,
) -> anyhow::Result<Agreement> {
    let inv = InvoicedRecords::fetch(api).await?;
    let mut agreement = Agreement::default();

    // Customers: same numbers on both sides.
    let intacct_customers: Vec<Record> = intacct.records(ObjectKind::Customer);
    let invoiced_numbers: HashMap<&str, &Customer> = inv
        .customers
        .iter()
        .filter_map(|c| c.number.as_deref().map(|n| (n, c)))
        .collect();
    let mut problems = Vec::new();
    for c in &intacct_customers {
        let id = c.get("CUSTOMERID").unwrap_or_default();
        if !invoiced_numbers.contains_key(id) {
            problems.push(format!("Intacct customer {id} missing in Invoiced"));
        }
    }
    for number in invoiced_numbers.keys() {
        if !intacct_customers
            .iter()
            .any(|c| c.get("CUSTOMERID") == Some(number))
        {
            problems.push(format!("Invoiced customer {number} missing in Intacct"));
        }
    }
    agreement.push(
        "customers exist on both sides with the same number",
        intacct_customers.len().max(invoiced_numbers.len()),
        problems,
    );

    // Invoiced-originated invoices → Intacct AR invoices with the same number and total.
    let ar_invoices = intacct.records(ObjectKind::ArInvoice);
    let by_record_id = |number: &str| {
        ar_invoices
            .iter()
            .find(|r| r.get("RECORDID") == Some(number) && r.get("STATE") != Some("Reversal"))
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut voided = Vec::new();
    for invoice in &inv.invoices {
        let mapping = store
            .mapping_by_invoiced(connection, RecordType::Invoice, &invoice.id.to_string())
            .await?;
        if mapping
            .as_ref()
            .is_some_and(|m| m.origin == Origin::Intacct)
            || invoice.draft
        {
            continue;
        }
        if invoice.status == InvoiceStatus::Voided {
            voided.push((invoice, mapping));
            continue;
        }
        checked += 1;
        match by_record_id(&invoice.number) {
            None => problems.push(format!("{} not in Intacct", invoice.number)),
            Some(ar) if money(ar, "TOTALENTERED") != invoice.total => problems.push(format!(
                "{}: Invoiced total {} but Intacct {}",
                invoice.number,
                invoice.total,
                money(ar, "TOTALENTERED")
            )),
            Some(ar) if money(ar, "TOTALDUE") != invoice.balance => problems.push(format!(
                "{}: Invoiced balance {} but Intacct due {}",
                invoice.number,
                invoice.balance,
                money(ar, "TOTALDUE")
            )),
            Some(_) => {}
        }
    }
    agreement.push(
        "Invoiced invoices are Intacct AR invoices with the same number, total and balance",
        checked,
        problems,
    );

    // Voids: reversed in Intacct when they had reached it, absent otherwise.
    let mut problems = Vec::new();
    for (invoice, mapping) in &voided {
        match mapping {
            Some(m) => {
                let state = key_no(&m.intacct_key)
                    .and_then(|k| intacct.record(ObjectKind::ArInvoice, k))
                    .and_then(|r| r.get("STATE").map(str::to_owned));
                if state.as_deref() != Some("Reversed") {
                    problems.push(format!(
                        "{} voided in Invoiced but Intacct state is {}",
                        invoice.number,
                        state.unwrap_or_else(|| "missing".to_owned())
                    ));
                }
            }
            None => {
                if by_record_id(&invoice.number).is_some() {
                    problems.push(format!(
                        "{} voided in Invoiced, live and unmapped in Intacct",
                        invoice.number
                    ));
                }
            }
        }
    }
    agreement.push(
        "voided Invoiced invoices are reversed in Intacct",
        voided.len(),
        problems,
    );

    // Invoiced-originated credit notes → Intacct AR adjustments with the same total.
    let mut problems = Vec::new();
    let mut checked = 0;
    for note in &inv.credit_notes {
        let mapping = store
            .mapping_by_invoiced(connection, RecordType::CreditNote, &note.id.to_string())
            .await?;
        if mapping
            .as_ref()
            .is_some_and(|m| m.origin == Origin::Intacct)
            || note.draft
            || note.is_voided()
        {
            continue;
        }
        checked += 1;
        let adjustment = mapping
            .as_ref()
            .and_then(|m| key_no(&m.intacct_key))
            .and_then(|k| intacct.record(ObjectKind::ArAdjustment, k));
        match adjustment {
            None => problems.push(format!("{} not in Intacct", note.number)),
            Some(adj) if money(&adj, "TOTALENTERED").abs() != note.total => problems.push(format!(
                "{}: Invoiced total {} but Intacct {}",
                note.number,
                note.total,
                money(&adj, "TOTALENTERED")
            )),
            Some(adj) if money(&adj, "TOTALDUE").abs() != note.balance => problems.push(format!(
                "{}: Invoiced balance {} but Intacct due {}",
                note.number,
                note.balance,
                money(&adj, "TOTALDUE")
            )),
            Some(_) => {}
        }
    }
    agreement.push(
        "Invoiced credit notes are Intacct AR adjustments with the same total and balance",
        checked,
        problems,
    );

    // Imported Intacct documents → Invoiced invoices / credit notes, same number, total (in
    // the document's currency) and balance (what is still due on its AR record).
    let documents = intacct.records(ObjectKind::SoDocument);
    let mut problems = Vec::new();
    for doc in &documents {
        let number = doc.get("DOCNO").unwrap_or_default();
        let total = money(doc, "TRX_TOTAL").abs();
        let due = doc
            .get("PRRECORDKEY")
            .and_then(key_no)
            .and_then(|k| intacct.record(ObjectKind::ArInvoice, k))
            .map(|ar| money(&ar, "TRX_TOTALDUE").abs());
        let found = match doc.get("DOCPARID") {
            Some("Sales Return") => inv
                .credit_notes
                .iter()
                .find(|c| c.number == number)
                .map(|c| (c.total, c.balance)),
            _ => inv
                .invoices
                .iter()
                .find(|i| i.number == number)
                .map(|i| (i.total, i.balance)),
        };
        match found {
            None => problems.push(format!("{number} not in Invoiced")),
            Some((t, _)) if t != total => {
                problems.push(format!("{number}: Intacct total {total} but Invoiced {t}"))
            }
            Some((_, balance)) if due.is_some_and(|d| d != balance) => problems.push(format!(
                "{number}: Intacct due {} but Invoiced balance {balance}",
                due.unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    agreement.push(
        "imported Intacct documents exist in Invoiced with the same number, total and balance",
        documents.len(),
        problems,
    );

    // Every Intacct AR record has its Invoiced counterpart: the AR record of an imported
    // document, or a mapped invoice, credit note or convenience fee.
    let document_keys: Vec<&str> = documents
        .iter()
        .filter_map(|d| d.get("PRRECORDKEY"))
        .collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kind, record_types) in [
        (
            ObjectKind::ArInvoice,
            &[RecordType::Invoice, RecordType::ConvenienceFee][..],
        ),
        (ObjectKind::ArAdjustment, &[RecordType::CreditNote][..]),
    ] {
        for record in intacct.records(kind) {
            if record.get("STATE") == Some("Reversal") {
                continue;
            }
            checked += 1;
            let key = record.recordno.to_string();
            if document_keys.contains(&key.as_str()) {
                continue;
            }
            let mut mapped = false;
            for record_type in record_types {
                mapped |= store
                    .mapping_by_intacct(connection, *record_type, &key)
                    .await?
                    .is_some();
            }
            if !mapped {
                problems.push(format!(
                    "Intacct {} {key} ({}) has no Invoiced counterpart",
                    kind.name(),
                    record.get("RECORDID").unwrap_or_default()
                ));
            }
        }
    }
    agreement.push(
        "every Intacct AR invoice and adjustment has its Invoiced counterpart",
        checked,
        problems,
    );

    // Payments, through their mappings, both ways.
    let mut problems = Vec::new();
    let mut checked = 0;
    for payment in inv.payments.iter().filter(|p| !p.voided) {
        checked += 1;
        let mapping = store
            .mapping_by_invoiced(connection, RecordType::Payment, &payment.id.to_string())
            .await?;
        let record = mapping
            .as_ref()
            .and_then(|m| key_no(&m.intacct_key))
            .and_then(|k| intacct.record(ObjectKind::ArPayment, k));
        match record {
            None => problems.push(format!(
                "Invoiced payment {} has no Intacct payment",
                payment.id
            )),
            Some(p) if money(&p, "TOTALENTERED") != payment.amount => problems.push(format!(
                "payment {}: Invoiced {} but Intacct {}",
                payment.id,
                payment.amount,
                money(&p, "TOTALENTERED")
            )),
            Some(_) => {}
        }
    }
    // Applying a credit note makes a zero-amount ARPYMT that only consumes the credit; Invoiced
    // shows it as a `credit_note` row of the payment, not as a payment of its own.
    let credit_application =
        |p: &Record| money(p, "TOTALENTERED").is_zero() && !p.credits.is_empty();
    for p in intacct.records(ObjectKind::ArPayment) {
        if credit_application(&p) {
            continue;
        }
        let key = p.recordno.to_string();
        if store
            .mapping_by_intacct(connection, RecordType::Payment, &key)
            .await?
            .is_none()
        {
            checked += 1;
            problems.push(format!("Intacct payment {key} is not in Invoiced"));
        }
    }
    agreement.push(
        "payments match (same amount, mapped both ways)",
        checked,
        problems,
    );

    // Nothing left behind.
    let depth = queue.depth(chrono::Utc::now()).await?;
    let dead = queue.dead_letters().await?.len();
    let parked = store.count_parked(connection).await?;
    let open = store
        .list_errors(
            connection,
            &ErrorFilter {
                status: Some(ErrorStatus::Open),
                ..ErrorFilter::default()
            },
        )
        .await?;
    let mut problems = Vec::new();
    if depth.total > 0 {
        problems.push(format!("{} message(s) still queued", depth.total));
    }
    if dead > 0 {
        problems.push(format!("{dead} dead letter(s)"));
    }
    if parked > 0 {
        problems.push(format!("{parked} parked item(s)"));
    }
    for e in &open {
        problems.push(format!("open error {} [{}] {}", e.id, e.code, e.message));
    }
    agreement.push(
        "nothing left waiting (queue, dead letters, parked work, open errors)",
        4,
        problems,
    );
    Ok(agreement)
}
