//! The verdict: both systems compared record by record, independently of syncd's own ID
//! mappings (which would hide a second Intacct copy the engine never mapped).
//!
//! Records are found the way an auditor would: Intacct customers by CUSTOMERID, AR invoices and
//! adjustments by document number (RECORDID), AR payments by the `Invoiced ID: <id>` the engine
//! writes into DOCNUMBER; Intacct-created records in Invoiced by number, or by the
//! `intacct_record_no` custom field imports carry. Everything is first read into the plain
//! [`Snapshot`] so the checks are pure functions (and unit-tested to fail when they should).

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use invoiced::ListParams;
use invoiced::models::{AppliedTo, InvoiceStatus};
use sandbox::intacct::{IntacctHandle, ObjectKind, Record};

/// Custom field imported records carry (the Intacct RECORDNO they came from).
const IMPORTED_MARKER: &str = "intacct_record_no";

/// An Invoiced customer.
#[derive(Debug, Clone, Default)]
pub struct InvCustomer {
    pub id: String,
    pub number: String,
}

/// An Invoiced invoice or credit note.
#[derive(Debug, Clone, Default)]
pub struct InvDoc {
    pub id: String,
    pub number: String,
    pub total: Decimal,
    pub balance: Decimal,
    pub draft: bool,
    pub voided: bool,
    pub imported_from: Option<String>,
}

/// An Invoiced payment.
#[derive(Debug, Clone, Default)]
pub struct InvPayment {
    pub id: String,
    pub amount: Decimal,
    pub voided: bool,
    pub fee: Decimal,
    pub imported_from: Option<String>,
}

/// An Intacct AR invoice, adjustment or payment (the fields the checks read).
#[derive(Debug, Clone, Default)]
pub struct IaDoc {
    pub recordno: String,
    /// RECORDID for invoices and adjustments.
    pub number: String,
    /// DOCNUMBER for payments.
    pub docnumber: String,
    pub state: String,
    pub total: Decimal,
    pub due: Decimal,
    /// PARENTPAYMENTKEY: set on the reversing copy of a voided payment.
    pub parent: String,
    /// Applies credits only (a zero-amount credit application).
    pub credits_only: bool,
}

/// An Order Entry sales document.
#[derive(Debug, Clone, Default)]
pub struct IaSalesDoc {
    pub number: String,
    pub doc_type: String,
    pub total: Decimal,
    pub ar_key: String,
}

/// Both systems, plus syncd's open errors and dead letters.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub inv_customers: Vec<InvCustomer>,
    pub inv_invoices: Vec<InvDoc>,
    pub inv_credit_notes: Vec<InvDoc>,
    pub inv_payments: Vec<InvPayment>,
    /// Intacct CUSTOMERIDs by RECORDNO.
    pub ia_customers: Vec<(String, String)>,
    pub ia_invoices: Vec<IaDoc>,
    pub ia_adjustments: Vec<IaDoc>,
    pub ia_payments: Vec<IaDoc>,
    pub ia_sales_docs: Vec<IaSalesDoc>,
    /// `syncd errors list --status open --json`.
    pub open_errors: Vec<Value>,
    /// The letters of `syncd dlq list --json`.
    pub dead_letters: Vec<Value>,
    /// Last complete poll per Intacct stream (`syncd status --json`), RFC 3339.
    pub polled: BTreeMap<String, String>,
}

fn field(record: &Record, name: &str) -> String {
    record.get(name).unwrap_or_default().to_owned()
}

fn ia_doc(record: &Record) -> IaDoc {
    IaDoc {
        recordno: record.recordno.to_string(),
        number: field(record, "RECORDID"),
        docnumber: field(record, "DOCNUMBER"),
        state: field(record, "STATE"),
        total: record.money("TOTALENTERED"),
        due: record.money("TOTALDUE"),
        parent: field(record, "PARENTPAYMENTKEY"),
        credits_only: record.money("TOTALENTERED").is_zero() && !record.credits.is_empty(),
    }
}

impl Snapshot {
    /// Reads Invoiced through its REST API and Intacct through the sandbox handle.
    pub async fn read(
        api: &invoiced::Client,
        intacct: &IntacctHandle,
        open_errors: Vec<Value>,
        dead_letters: Vec<Value>,
        status: &Value,
    ) -> anyhow::Result<Snapshot> {
        let all = ListParams::new();
        let marker = |m: &invoiced::models::Metadata| m.text(IMPORTED_MARKER);
        let customers: Vec<_> = api.customers().list(&all).try_collect().await?;
        let invoices: Vec<_> = api.invoices().list(&all).try_collect().await?;
        let notes: Vec<_> = api.credit_notes().list(&all).try_collect().await?;
        let payments: Vec<_> = api.payments().list(&all).try_collect().await?;
        Ok(Snapshot {
            inv_customers: customers
                .iter()
                .map(|c| InvCustomer {
                    id: c.id.to_string(),
                    number: c.number.clone().unwrap_or_default(),
                })
                .collect(),
            inv_invoices: invoices
                .iter()
                .map(|i| InvDoc {
                    id: i.id.to_string(),
                    number: i.number.clone(),
                    total: i.total,
                    balance: i.balance,
                    draft: i.draft || i.status == InvoiceStatus::Draft,
                    voided: i.status == InvoiceStatus::Voided,
                    imported_from: marker(&i.metadata),
                })
                .collect(),
            inv_credit_notes: notes
                .iter()
                .map(|c| InvDoc {
                    id: c.id.to_string(),
                    number: c.number.clone(),
                    total: c.total,
                    balance: c.balance,
                    draft: c.draft,
                    voided: c.is_voided(),
                    imported_from: marker(&c.metadata),
                })
                .collect(),
            inv_payments: payments
                .iter()
                .map(|p| InvPayment {
                    id: p.id.to_string(),
                    amount: p.amount,
                    voided: p.voided,
                    fee: p
                        .applied_to
                        .iter()
                        .map(|a| match a {
                            AppliedTo::ConvenienceFee(f) => f.amount,
                            _ => Decimal::ZERO,
                        })
                        .sum(),
                    imported_from: marker(&p.metadata),
                })
                .collect(),
            ia_customers: intacct
                .records(ObjectKind::Customer)
                .iter()
                .map(|r| (r.recordno.to_string(), field(r, "CUSTOMERID")))
                .collect(),
            ia_invoices: intacct
                .records(ObjectKind::ArInvoice)
                .iter()
                .map(ia_doc)
                .collect(),
            ia_adjustments: intacct
                .records(ObjectKind::ArAdjustment)
                .iter()
                .map(ia_doc)
                .collect(),
            ia_payments: intacct
                .records(ObjectKind::ArPayment)
                .iter()
                .map(ia_doc)
                .collect(),
            ia_sales_docs: intacct
                .records(ObjectKind::SoDocument)
                .iter()
                .map(|r| IaSalesDoc {
                    number: field(r, "DOCNO"),
                    doc_type: field(r, "DOCPARID"),
                    total: r.money("TOTAL").abs(),
                    ar_key: field(r, "PRRECORDKEY"),
                })
                .collect(),
            open_errors,
            dead_letters,
            polled: status["streams"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|st| {
                    (
                        text(st, "stream").to_owned(),
                        text(st, "last_sync_at").to_owned(),
                    )
                })
                .collect(),
        })
    }
}

/// What kind of failure a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A record missing on the other side.
    Lost,
    /// A record with two or more counterparts.
    Duplicated,
    /// Totals or balances differ, or a void did not reach Intacct.
    Mismatch,
    /// An open reconciliation error for a record that is in sync.
    StaleError,
    /// A dead letter.
    DeadLetter,
}

/// One failed comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What kind.
    pub kind: Kind,
    /// The record, e.g. `Invoiced payment 60012` or `Intacct AR payment 17`.
    pub record: String,
    /// What is wrong, with the values on both sides.
    pub detail: String,
    /// syncd's open reconciliation error for this record, if any (`[code] message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_error: Option<String>,
}

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was compared.
    pub name: String,
    /// Records compared.
    pub checked: usize,
    /// What was wrong.
    pub problems: Vec<Problem>,
}

/// Every check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verdict {
    /// In order.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// Whether every check held.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.problems.is_empty())
    }

    /// Problems of one kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.checks
            .iter()
            .flat_map(|c| &c.problems)
            .filter(|p| p.kind == kind)
            .count()
    }
}

/// Records found wrong, as (record type, id) the way syncd's errors name them.
type Failing = BTreeSet<(String, String)>;

struct Builder {
    check: Check,
}

impl Builder {
    fn new(name: &str) -> Builder {
        Builder {
            check: Check {
                name: name.to_owned(),
                checked: 0,
                problems: Vec::new(),
            },
        }
    }

    fn problem(&mut self, kind: Kind, record: String, detail: String) {
        self.check.problems.push(Problem {
            kind,
            record,
            detail,
            open_error: None,
        });
    }
}

fn count_by<'a, T>(items: &'a [T], key: impl Fn(&T) -> &str) -> HashMap<&'a str, Vec<&'a T>>
where
    T: 'a,
{
    let mut map: HashMap<&str, Vec<&T>> = HashMap::new();
    for item in items {
        map.entry(key(item)).or_default().push(item);
    }
    map
}

/// The Invoiced payment id in an engine-written DOCNUMBER (`… Invoiced ID: <id>`).
pub fn invoiced_id_in(docnumber: &str) -> Option<&str> {
    docnumber
        .rsplit_once("Invoiced ID: ")
        .map(|(_, id)| id.trim())
        .filter(|id| !id.is_empty())
}

fn keys(docs: &[&IaDoc]) -> String {
    docs.iter()
        .map(|d| d.recordno.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs every check on a snapshot.
pub fn verdict(s: &Snapshot) -> Verdict {
    let mut failing = Failing::new();
    let mut checks = vec![
        customers(s, &mut failing),
        invoices(s, &mut failing),
        drafts(s, &mut failing),
        credit_notes(s, &mut failing),
        payments(s, &mut failing),
        fees(s, &mut failing),
        imported_documents(s, &mut failing),
        imported_payments(s, &mut failing),
    ];
    attach_errors(&mut checks, &s.open_errors);
    checks.push(stale_errors(s, &failing));
    checks.push(dead_letters(s));
    Verdict { checks }
}

/// Puts each open error next to the problem of its Invoiced record.
fn attach_errors(checks: &mut [Check], errors: &[Value]) {
    for e in errors {
        let prefix = format!(
            "Invoiced {} {}",
            text(e, "record_type").replace('_', " "),
            text(e, "record_id")
        );
        for p in checks.iter_mut().flat_map(|c| c.problems.iter_mut()) {
            if p.record == prefix || p.record.starts_with(&format!("{prefix} ")) {
                p.open_error = Some(format!("[{}] {}", text(e, "code"), text(e, "message")));
            }
        }
    }
}

fn customers(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new("customers: each number once in Invoiced and once in Intacct");
    let intacct = count_by(&s.ia_customers, |(_, id)| id.as_str());
    let invoiced = count_by(&s.inv_customers, |c| c.number.as_str());
    let mut numbers: BTreeSet<&str> = intacct.keys().copied().collect();
    numbers.extend(invoiced.keys().copied());
    for number in numbers {
        b.check.checked += 1;
        let in_intacct = intacct.get(number).map_or(0, Vec::len);
        let in_invoiced = invoiced.get(number).map_or(&[][..], Vec::as_slice);
        let ids = in_invoiced
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut fail = |kind, detail: String| {
            for c in in_invoiced {
                failing.insert(("customer".into(), c.id.clone()));
            }
            b.problem(kind, format!("customer {number}"), detail);
        };
        match (in_invoiced.len(), in_intacct) {
            (1, 1) => {}
            (0, _) => fail(Kind::Lost, "in Intacct, not in Invoiced".into()),
            (_, 0) => fail(
                Kind::Lost,
                format!("Invoiced customer(s) {ids}, not in Intacct"),
            ),
            (n, 1) => fail(
                Kind::Duplicated,
                format!("{n} Invoiced customers ({ids}) for one Intacct customer"),
            ),
            (_, m) => fail(Kind::Duplicated, format!("{m} Intacct customers")),
        }
    }
    b.check
}

fn invoices(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new(
        "invoices: each Invoiced invoice is one Intacct AR invoice (same number, total, balance; voids reversed)",
    );
    let live: Vec<IaDoc> = s
        .ia_invoices
        .iter()
        .filter(|d| d.state != "Reversal")
        .cloned()
        .collect();
    let by_number = count_by(&live, |d| d.number.as_str());
    for inv in s
        .inv_invoices
        .iter()
        .filter(|i| i.imported_from.is_none() && !i.draft)
    {
        b.check.checked += 1;
        let found = by_number
            .get(inv.number.as_str())
            .map_or(&[][..], Vec::as_slice);
        let record = format!("Invoiced invoice {} ({})", inv.id, inv.number);
        let before = b.check.problems.len();
        match found {
            [] if inv.voided => {}
            [] => b.problem(Kind::Lost, record, "no Intacct AR invoice".into()),
            [ar] if inv.voided => {
                if ar.state != "Reversed" {
                    b.problem(
                        Kind::Mismatch,
                        record,
                        format!(
                            "voided in Invoiced, Intacct AR invoice {} is {} (due {})",
                            ar.recordno, ar.state, ar.due
                        ),
                    );
                }
            }
            [ar] => {
                if ar.state == "Reversed" {
                    b.problem(
                        Kind::Mismatch,
                        record.clone(),
                        format!(
                            "not voided in Invoiced, Intacct AR invoice {} is reversed",
                            ar.recordno
                        ),
                    );
                }
                if ar.total != inv.total || ar.due != inv.balance {
                    b.problem(
                        Kind::Mismatch,
                        record,
                        format!(
                            "Invoiced total {} balance {}, Intacct AR invoice {} total {} due {}",
                            inv.total, inv.balance, ar.recordno, ar.total, ar.due
                        ),
                    );
                }
            }
            many => b.problem(
                Kind::Duplicated,
                record,
                format!("{} Intacct AR invoices: {}", many.len(), keys(many)),
            ),
        }
        if b.check.problems.len() > before {
            failing.insert(("invoice".into(), inv.id.clone()));
        }
    }
    b.check
}

fn drafts(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new("drafts: no Invoiced draft invoice is posted to Intacct");
    for inv in s.inv_invoices.iter().filter(|i| i.draft) {
        b.check.checked += 1;
        if let Some(ar) = s.ia_invoices.iter().find(|d| d.number == inv.number) {
            failing.insert(("invoice".into(), inv.id.clone()));
            b.problem(
                Kind::Duplicated,
                format!("Invoiced draft invoice {} ({})", inv.id, inv.number),
                format!("posted as Intacct AR invoice {}", ar.recordno),
            );
        }
    }
    b.check
}

fn credit_notes(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new(
        "credit notes: each Invoiced credit note is one Intacct AR adjustment (same number, total, balance)",
    );
    let by_number = count_by(&s.ia_adjustments, |d| d.number.as_str());
    for note in s
        .inv_credit_notes
        .iter()
        .filter(|c| c.imported_from.is_none() && !c.draft && !c.voided)
    {
        b.check.checked += 1;
        let record = format!("Invoiced credit note {} ({})", note.id, note.number);
        let found = by_number
            .get(note.number.as_str())
            .map_or(&[][..], Vec::as_slice);
        let before = b.check.problems.len();
        match found {
            [] => b.problem(Kind::Lost, record, "no Intacct AR adjustment".into()),
            [adj] if adj.total.abs() != note.total || adj.due.abs() != note.balance => b.problem(
                Kind::Mismatch,
                record,
                format!(
                    "Invoiced total {} balance {}, Intacct AR adjustment {} total {} due {}",
                    note.total, note.balance, adj.recordno, adj.total, adj.due
                ),
            ),
            [_] => {}
            many => b.problem(
                Kind::Duplicated,
                record,
                format!("{} Intacct AR adjustments: {}", many.len(), keys(many)),
            ),
        }
        if b.check.problems.len() > before {
            failing.insert(("credit_note".into(), note.id.clone()));
        }
    }
    b.check
}

/// Engine-written AR payments (reversing copies left out), by Invoiced payment id.
fn written_payments(s: &Snapshot) -> HashMap<&str, Vec<&IaDoc>> {
    let mut map: HashMap<&str, Vec<&IaDoc>> = HashMap::new();
    for p in s.ia_payments.iter().filter(|p| p.parent.is_empty()) {
        if let Some(id) = invoiced_id_in(&p.docnumber) {
            map.entry(id).or_default().push(p);
        }
    }
    map
}

fn payments(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new(
        "payments: each Invoiced payment is one Intacct AR payment (DOCNUMBER `Invoiced ID: <id>`, same amount; voids reversed)",
    );
    let written = written_payments(s);
    for pay in s.inv_payments.iter().filter(|p| p.imported_from.is_none()) {
        b.check.checked += 1;
        let record = format!("Invoiced payment {}", pay.id);
        let found = written.get(pay.id.as_str()).map_or(&[][..], Vec::as_slice);
        let before = b.check.problems.len();
        match found {
            [] if pay.voided || pay.amount.is_zero() => {}
            [] => b.problem(Kind::Lost, record, "no Intacct AR payment".into()),
            [ar] if pay.voided && ar.state != "V" => b.problem(
                Kind::Mismatch,
                record,
                format!(
                    "voided in Invoiced, Intacct AR payment {} is not reversed (state {})",
                    ar.recordno, ar.state
                ),
            ),
            [ar] if !pay.voided && ar.state == "V" => b.problem(
                Kind::Mismatch,
                record,
                format!(
                    "not voided in Invoiced, Intacct AR payment {} is reversed",
                    ar.recordno
                ),
            ),
            [ar] if ar.total != pay.amount => b.problem(
                Kind::Mismatch,
                record,
                format!(
                    "Invoiced amount {}, Intacct AR payment {} amount {}",
                    pay.amount, ar.recordno, ar.total
                ),
            ),
            [_] => {}
            many => b.problem(
                Kind::Duplicated,
                record,
                format!(
                    "{} Intacct AR payments: {} (amounts {})",
                    many.len(),
                    keys(many),
                    many.iter()
                        .map(|p| p.total.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
        if b.check.problems.len() > before {
            failing.insert(("payment".into(), pay.id.clone()));
        }
    }
    b.check
}

fn fees(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b =
        Builder::new("convenience fees: each fee is one Intacct `CF-<payment id>` AR invoice");
    let by_number = count_by(&s.ia_invoices, |d| d.number.as_str());
    for pay in s
        .inv_payments
        .iter()
        .filter(|p| p.imported_from.is_none() && !p.fee.is_zero() && !p.voided)
    {
        b.check.checked += 1;
        let number = format!("CF-{}", pay.id);
        let record = format!("Invoiced payment {} fee", pay.id);
        let before = b.check.problems.len();
        match by_number
            .get(number.as_str())
            .map_or(&[][..], Vec::as_slice)
        {
            [] => b.problem(
                Kind::Lost,
                record,
                format!("no Intacct AR invoice {number}"),
            ),
            [cf] if cf.total != pay.fee => b.problem(
                Kind::Mismatch,
                record,
                format!("fee {}, Intacct {number} total {}", pay.fee, cf.total),
            ),
            [_] => {}
            many => b.problem(
                Kind::Duplicated,
                record,
                format!("{} AR invoices {number}: {}", many.len(), keys(many)),
            ),
        }
        if b.check.problems.len() > before {
            failing.insert(("payment".into(), pay.id.clone()));
        }
    }
    b.check
}

fn imported_documents(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new(
        "Intacct sales invoices: each is one Invoiced invoice (same number, total, balance)",
    );
    let by_number = count_by(&s.inv_invoices, |i| i.number.as_str());
    let ar: HashMap<&str, &IaDoc> = s
        .ia_invoices
        .iter()
        .map(|d| (d.recordno.as_str(), d))
        .collect();
    for doc in s
        .ia_sales_docs
        .iter()
        .filter(|d| d.doc_type == "Sales Invoice")
    {
        b.check.checked += 1;
        let record = format!("Intacct sales invoice {}", doc.number);
        let due = ar.get(doc.ar_key.as_str()).map(|d| d.due);
        match by_number
            .get(doc.number.as_str())
            .map_or(&[][..], Vec::as_slice)
        {
            [] => b.problem(Kind::Lost, record, "not in Invoiced".into()),
            [inv] if inv.total != doc.total || Some(inv.balance) != due => {
                failing.insert(("invoice".into(), inv.id.clone()));
                b.problem(
                    Kind::Mismatch,
                    record,
                    format!(
                        "Intacct total {} due {}, Invoiced invoice {} total {} balance {}",
                        doc.total,
                        due.map_or("?".into(), |d| d.to_string()),
                        inv.id,
                        inv.total,
                        inv.balance
                    ),
                )
            }
            [_] => {}
            many => {
                for inv in many {
                    failing.insert(("invoice".into(), inv.id.clone()));
                }
                b.problem(
                    Kind::Duplicated,
                    record,
                    format!(
                        "{} Invoiced invoices: {}",
                        many.len(),
                        many.iter()
                            .map(|i| i.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        }
    }
    b.check
}

fn imported_payments(s: &Snapshot, failing: &mut Failing) -> Check {
    let mut b = Builder::new(
        "Intacct payments: each one made in Intacct is one Invoiced payment; none of syncd's own is imported back",
    );
    let mut imported: BTreeMap<&str, Vec<&InvPayment>> = BTreeMap::new();
    for p in &s.inv_payments {
        if let Some(from) = p.imported_from.as_deref() {
            imported.entry(from).or_default().push(p);
        }
    }
    for p in &s.ia_payments {
        let ours = invoiced_id_in(&p.docnumber).is_some();
        let copies = imported
            .get(p.recordno.as_str())
            .map_or(&[][..], Vec::as_slice);
        let ids = copies
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if ours {
            if !copies.is_empty() {
                b.check.checked += 1;
                for c in copies {
                    failing.insert(("payment".into(), c.id.clone()));
                }
                b.problem(
                    Kind::Duplicated,
                    format!("Intacct AR payment {} ({})", p.recordno, p.docnumber),
                    format!("written by syncd, imported back as Invoiced payment(s) {ids}"),
                );
            }
            continue;
        }
        if !p.parent.is_empty() || p.state == "V" || p.credits_only || p.total.is_zero() {
            continue;
        }
        b.check.checked += 1;
        let record = format!("Intacct AR payment {} ({})", p.recordno, p.docnumber);
        match copies {
            [] => b.problem(Kind::Lost, record, "not in Invoiced".into()),
            [c] if c.amount != p.total => {
                failing.insert(("payment".into(), c.id.clone()));
                b.problem(
                    Kind::Mismatch,
                    record,
                    format!(
                        "Intacct amount {}, Invoiced payment {} amount {}",
                        p.total, c.id, c.amount
                    ),
                )
            }
            [_] => {}
            many => {
                for c in many {
                    failing.insert(("payment".into(), c.id.clone()));
                }
                b.problem(
                    Kind::Duplicated,
                    record,
                    format!("{} Invoiced payments: {ids}", many.len()),
                )
            }
        }
    }
    b.check
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

fn stale_errors(s: &Snapshot, failing: &Failing) -> Check {
    let mut b = Builder::new("open reconciliation errors: none for a record that is in sync");
    for e in &s.open_errors {
        b.check.checked += 1;
        let key = (
            text(e, "record_type").to_owned(),
            text(e, "record_id").to_owned(),
        );
        // A stream-level read error is stale once the stream was read to the end after it.
        let stream_error = key.1.strip_prefix("stream:").map(|stream| {
            let polled = s.polled.get(stream).map_or("", String::as_str);
            let seen = text(e, "last_seen");
            (
                polled.parse::<DateTime<Utc>>().ok() > seen.parse::<DateTime<Utc>>().ok(),
                polled,
            )
        });
        let stale = match stream_error {
            Some((polled_since, _)) => polled_since,
            None => !failing.contains(&key),
        };
        if stale {
            // Name the Intacct payment a read error is about: `Invoiced ID: …` means syncd
            // tried to import its own write back (an echo).
            let docnumber = s
                .ia_payments
                .iter()
                .find(|p| {
                    text(e, "direction") == "read" && key.0 == "payment" && p.recordno == key.1
                })
                .map(|p| format!(" DOCNUMBER {:?}", p.docnumber))
                .unwrap_or_default();
            let why = match stream_error {
                Some((_, polled)) => format!(
                    "the stream was read to the end at {polled}, after the error (last seen {})",
                    text(e, "last_seen")
                ),
                None => "the record passes every check".to_owned(),
            };
            b.problem(
                Kind::StaleError,
                format!("{} {} ({}){docnumber}", key.0, key.1, text(e, "direction")),
                format!(
                    "open error {} [{}] {} — yet {why}",
                    text(e, "id"),
                    text(e, "code"),
                    text(e, "message")
                ),
            );
        }
    }
    b.check
}

fn dead_letters(s: &Snapshot) -> Check {
    let mut b = Builder::new("dead letters: none");
    b.check.checked = s.dead_letters.len();
    for d in &s.dead_letters {
        let work = &d["work"];
        b.problem(
            Kind::DeadLetter,
            format!(
                "{} {}",
                text(work, "record_type"),
                text(work, "invoiced_id")
            ),
            format!(
                "dead letter {} after {} receive(s): {}",
                text(d, "id"),
                d["receive_count"],
                d["dead_letter_reason"]
                    .as_str()
                    .unwrap_or_else(|| text(d, "reason"))
            ),
        );
    }
    b.check
}

#[cfg(test)]
mod tests;
