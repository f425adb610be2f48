//! The simulator's in-memory database and the event log every change writes to.
//!
//! One `State` sits behind one mutex; each API request runs its whole handler (plus the
//! idempotency lookup and store) under that lock, so a request is atomic exactly as a database
//! transaction would make it on the real backend.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use super::events::{Event, Subject};
use super::idempotency::IdempotencyCache;
use super::models::{Contact, CreditNote, Customer, Invoice, Payment};
use super::wire::Json;

/// Id sequences. Each object type starts in its own range so a client that mixes up ids (an
/// invoice id used as a customer id) gets a 404 instead of silently hitting another record.
#[derive(Debug, Clone)]
struct Sequences {
    customer: i64,
    contact: i64,
    invoice: i64,
    credit_note: i64,
    payment: i64,
    line: i64,
    adjustment: i64,
    transaction: i64,
    event: i64,
}

/// Which id sequence to draw from.
#[derive(Debug, Clone, Copy)]
pub enum Seq {
    /// Customers.
    Customer,
    /// Contacts.
    Contact,
    /// Invoices.
    Invoice,
    /// Credit notes.
    CreditNote,
    /// Payments.
    Payment,
    /// Line items.
    Line,
    /// Discounts and taxes.
    Adjustment,
    /// Payment application rows.
    Transaction,
}

/// Record kinds with unique, auto-generated numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// `CUST-0001`.
    Customer,
    /// `INV-0001`.
    Invoice,
    /// `CN-0001`.
    CreditNote,
}

impl NumberKind {
    fn prefix(self) -> &'static str {
        match self {
            NumberKind::Customer => "CUST",
            NumberKind::Invoice => "INV",
            NumberKind::CreditNote => "CN",
        }
    }
}

fn normalize_number(number: &str) -> String {
    number.trim().to_lowercase()
}

/// Everything the simulated Invoiced account holds.
#[derive(Debug)]
pub struct State {
    /// Customers by id.
    pub customers: BTreeMap<i64, Customer>,
    /// Contacts by id.
    pub contacts: BTreeMap<i64, Contact>,
    /// Invoices by id.
    pub invoices: BTreeMap<i64, Invoice>,
    /// Credit notes by id.
    pub credit_notes: BTreeMap<i64, CreditNote>,
    /// Payments by id.
    pub payments: BTreeMap<i64, Payment>,
    /// Events, ascending id.
    pub events: Vec<Event>,
    /// Stored responses for `Idempotency-Key` replay.
    pub idempotency: IdempotencyCache,
    /// Events written since the last drain, for webhook delivery.
    outbox: Vec<i64>,
    /// Normalised number → owner id, per kind.
    numbers: HashMap<(NumberKind, String), i64>,
    /// Last auto-number issued, per kind.
    number_counters: HashMap<NumberKind, u64>,
    /// Seconds added to the wall clock (tests move time forward to reach due dates).
    pub clock_offset: i64,
    seq: Sequences,
}

impl Default for State {
    fn default() -> Self {
        State {
            customers: BTreeMap::new(),
            contacts: BTreeMap::new(),
            invoices: BTreeMap::new(),
            credit_notes: BTreeMap::new(),
            payments: BTreeMap::new(),
            events: Vec::new(),
            idempotency: IdempotencyCache::default(),
            outbox: Vec::new(),
            numbers: HashMap::new(),
            number_counters: HashMap::new(),
            clock_offset: 0,
            seq: Sequences {
                customer: 1000,
                contact: 5000,
                invoice: 20000,
                credit_note: 40000,
                payment: 60000,
                line: 100,
                adjustment: 100,
                transaction: 500,
                event: 900_000,
            },
        }
    }
}

impl State {
    /// Unix seconds, including the test clock offset.
    pub fn now(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        wall + self.clock_offset
    }

    /// Draw the next id.
    pub fn next_id(&mut self, seq: Seq) -> i64 {
        let slot = match seq {
            Seq::Customer => &mut self.seq.customer,
            Seq::Contact => &mut self.seq.contact,
            Seq::Invoice => &mut self.seq.invoice,
            Seq::CreditNote => &mut self.seq.credit_note,
            Seq::Payment => &mut self.seq.payment,
            Seq::Line => &mut self.seq.line,
            Seq::Adjustment => &mut self.seq.adjustment,
            Seq::Transaction => &mut self.seq.transaction,
        };
        *slot += 1;
        *slot
    }

    /// The next free `PREFIX-NNNN` number, e.g. `INV-0001` (the backend's default numbering).
    /// A per-kind counter plus the number index keep this O(1) however many records exist.
    pub fn next_number(&mut self, kind: NumberKind) -> String {
        loop {
            let counter = self.number_counters.entry(kind).or_insert(0);
            *counter += 1;
            let candidate = format!("{}-{:04}", kind.prefix(), counter);
            if !self.number_taken(kind, &candidate, None) {
                return candidate;
            }
        }
    }

    /// Whether a document or customer number is used by another record of the kind; compared
    /// case-insensitively after trimming, as the backend does.
    pub fn number_taken(&self, kind: NumberKind, number: &str, except: Option<i64>) -> bool {
        self.numbers
            .get(&(kind, normalize_number(number)))
            .is_some_and(|owner| Some(*owner) != except)
    }

    /// Record that `id` now carries `new` (and no longer `old`).
    pub fn index_number(&mut self, kind: NumberKind, old: Option<&str>, new: &str, id: i64) {
        if let Some(old) = old {
            self.numbers.remove(&(kind, normalize_number(old)));
        }
        self.numbers.insert((kind, normalize_number(new)), id);
    }

    /// Free a deleted record's number.
    pub fn release_number(&mut self, kind: NumberKind, number: &str) {
        self.numbers.remove(&(kind, normalize_number(number)));
    }

    /// The object as events carry it: documents, contacts and payments have `customer`
    /// expanded; payments always include `applied_to`.
    pub fn event_object(&self, subject: Subject) -> Option<Json> {
        let now = self.now();
        let expand = |doc: Json, customer: Option<i64>| match customer
            .and_then(|id| self.customers.get(&id))
        {
            Some(c) => doc.set("customer", c.render()),
            None => doc,
        };
        match subject {
            Subject::Customer(id) => self.customers.get(&id).map(Customer::render),
            Subject::Contact(id) => self
                .contacts
                .get(&id)
                .map(|c| expand(c.render(), Some(c.customer_id))),
            Subject::Invoice(id) => self
                .invoices
                .get(&id)
                .map(|i| expand(i.render(now), Some(i.customer))),
            Subject::CreditNote(id) => self
                .credit_notes
                .get(&id)
                .map(|c| expand(c.render(), Some(c.customer))),
            Subject::Payment(id) => self
                .payments
                .get(&id)
                .map(|p| expand(p.render(true), p.customer)),
        }
    }

    fn customer_of(&self, subject: Subject) -> Option<i64> {
        match subject {
            Subject::Customer(id) => Some(id),
            Subject::Contact(id) => self.contacts.get(&id).map(|c| c.customer_id),
            Subject::Invoice(id) => self.invoices.get(&id).map(|i| i.customer),
            Subject::CreditNote(id) => self.credit_notes.get(&id).map(|c| c.customer),
            Subject::Payment(id) => self.payments.get(&id).and_then(|p| p.customer),
        }
    }

    /// Write an event about `subject` whose object is `object`.
    pub fn emit(&mut self, kind: String, subject: Subject, object: Json, previous: Option<Json>) {
        self.seq.event += 1;
        let mut related = vec![subject.key()];
        if let Some(customer) = self.customer_of(subject)
            && !matches!(subject, Subject::Customer(_))
        {
            related.push(("customer", customer));
        }
        let event = Event {
            id: self.seq.event,
            kind,
            timestamp: self.now(),
            object,
            previous,
            object_type: subject.object_type(),
            related,
        };
        self.outbox.push(event.id);
        self.events.push(event);
    }

    /// Emit `<type>.created` for a subject that now exists.
    pub fn emit_created(&mut self, subject: Subject) {
        if let Some(object) = self.event_object(subject) {
            self.emit(
                format!("{}.created", subject.object_type()),
                subject,
                object,
                None,
            );
        }
    }

    /// Emit `<type>.deleted` carrying the object as it was (captured before removal).
    pub fn emit_deleted(&mut self, subject: Subject, last_seen: Json) {
        self.emit(
            format!("{}.deleted", subject.object_type()),
            subject,
            last_seen,
            None,
        );
    }

    /// Emit `<type>.updated` (or `invoice.paid` when an invoice just became paid) with
    /// `previous` as the diff, or nothing when nothing but `updated_at` changed.
    pub fn emit_updated(&mut self, subject: Subject, before: Option<Json>) {
        let (Some(before), Some(after)) = (before, self.event_object(subject)) else {
            return;
        };
        let Some(previous) = super::wire::diff(&before, &after) else {
            return;
        };
        let became_paid = matches!(subject, Subject::Invoice(_))
            && before.get("paid") == Some(&Json::Bool(false))
            && after.get("paid") == Some(&Json::Bool(true));
        let kind = if became_paid {
            "invoice.paid".to_string()
        } else {
            format!("{}.updated", subject.object_type())
        };
        self.emit(kind, subject, after, Some(previous));
    }

    /// Take the ids of events written since the last call, oldest first.
    pub fn drain_outbox(&mut self) -> Vec<Event> {
        let ids = std::mem::take(&mut self.outbox);
        ids.iter()
            .filter_map(|id| self.events.iter().rev().find(|e| e.id == *id).cloned())
            .collect()
    }
}
