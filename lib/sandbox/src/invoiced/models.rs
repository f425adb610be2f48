//! The records the simulator keeps, typed, and how each renders on the wire.
//!
//! Derived values (subtotal, total, balance, paid, status) are computed from stored facts on every
//! render, so they can never drift from the documents and payments that produce them.

use rust_decimal::Decimal;
use std::collections::BTreeMap;

use super::money::round_currency;
use super::wire::Json;

/// Metadata / custom-field values keyed by custom field id.
pub type Metadata = BTreeMap<String, Json>;

/// Where rendered `url`/`pdf_url` links point: the customer portal of the simulated company.
pub const PORTAL: &str = "https://sandbox.invoiced.localhost";

fn metadata_json(metadata: &Metadata) -> Json {
    Json::Obj(metadata.clone())
}

/// Postal address fields shared by customers and contacts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Address {
    /// `attention_to`.
    pub attention_to: Option<String>,
    /// `address1`.
    pub address1: Option<String>,
    /// `address2`.
    pub address2: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `postal_code`.
    pub postal_code: Option<String>,
    /// ISO-3166 alpha-2 `country`.
    pub country: Option<String>,
}

impl Address {
    fn render(&self, doc: Json) -> Json {
        doc.set("attention_to", self.attention_to.clone())
            .set("address1", self.address1.clone())
            .set("address2", self.address2.clone())
            .set("city", self.city.clone())
            .set("state", self.state.clone())
            .set("postal_code", self.postal_code.clone())
            .set("country", self.country.clone())
    }
}

/// An Invoiced customer (`object: "customer"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Integer id.
    pub id: i64,
    /// Required display name.
    pub name: String,
    /// Unique (case-insensitive) account number; the Intacct CUSTOMERID in the native sync.
    pub number: String,
    /// Billing e-mail.
    pub email: Option<String>,
    /// `company` or `person`.
    pub kind: String,
    /// Whether invoices are charged automatically; inherited by new invoices.
    pub autopay: bool,
    /// e.g. `NET 30`; inherited by new invoices and used for their due date.
    pub payment_terms: Option<String>,
    /// Lower-case ISO-4217 currency, if fixed for the customer.
    pub currency: Option<String>,
    /// Inactive customers cannot receive new invoices or credit notes.
    pub active: bool,
    /// Chasing enabled.
    pub chase: bool,
    /// Credit hold flag.
    pub credit_hold: bool,
    /// Credit limit in major units.
    pub credit_limit: Option<Decimal>,
    /// Taxable flag.
    pub taxable: bool,
    /// Parent in a bill-to hierarchy.
    pub parent_customer: Option<i64>,
    /// Bill the parent instead.
    pub bill_to_parent: bool,
    /// Postal address.
    pub address: Address,
    /// Phone.
    pub phone: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tax id.
    pub tax_id: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Unspent credit from `credit` payment applications.
    pub credit_balance: Decimal,
    /// Custom fields (values are strings: the legacy metadata store).
    pub metadata: Metadata,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Customer {
    /// Wire shape (fixture `customer.json` plus the current backend's extra keys).
    pub fn render(&self) -> Json {
        let doc = Json::obj()
            .set("id", self.id)
            .set("object", "customer")
            .set("name", self.name.as_str())
            .set("number", self.number.as_str())
            .set("email", self.email.clone())
            .set("type", self.kind.as_str())
            .set("autopay", self.autopay)
            .set("autopay_delay_days", -1i64)
            .set("payment_terms", self.payment_terms.clone())
            .set("payment_source", Json::Null)
            .set("currency", self.currency.clone())
            .set("active", self.active)
            .set("chase", self.chase)
            .set("chasing_cadence", Json::Null)
            .set("next_chase_step", Json::Null)
            .set("credit_hold", self.credit_hold)
            .set("credit_limit", self.credit_limit)
            .set("taxable", self.taxable)
            .set("taxes", Json::Arr(vec![]))
            .set("parent_customer", self.parent_customer)
            .set("bill_to_parent", self.bill_to_parent)
            .set("consolidated", false)
            .set("convenience_fee", false)
            .set("surcharging", false)
            .set("phone", self.phone.clone())
            .set("notes", self.notes.clone())
            .set("tax_id", self.tax_id.clone())
            .set("language", self.language.clone())
            .set("avalara_entity_use_code", Json::Null)
            .set("avalara_exemption_number", Json::Null)
            .set("owner", Json::Null)
            .set("owner_id", Json::Null)
            .set("ach_gateway", Json::Null)
            .set("cc_gateway", Json::Null)
            .set("sign_up_page", Json::Null)
            .set("sign_up_url", Json::Null)
            .set(
                "statement_pdf_url",
                format!("{PORTAL}/statements/{}/pdf", self.id),
            )
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        self.address.render(doc)
    }
}

/// A customer contact (`object: "contact"`), a sub-resource of its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Integer id.
    pub id: i64,
    /// Owning customer.
    pub customer_id: i64,
    /// Required name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Primary contacts receive invoices.
    pub primary: bool,
    /// SMS opt-in (null when never set, as in the fixture).
    pub sms_enabled: Option<bool>,
    /// Department.
    pub department: Option<String>,
    /// Postal address (`attention_to` is not rendered for contacts).
    pub address: Address,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Contact {
    /// Wire shape (fixture `contact.json` plus `customer_id`).
    pub fn render(&self) -> Json {
        let mut doc = Json::obj()
            .set("id", self.id)
            .set("object", "contact")
            .set("customer_id", self.customer_id)
            .set("name", self.name.as_str())
            .set("title", self.title.clone())
            .set("email", self.email.clone())
            .set("phone", self.phone.clone())
            .set("primary", self.primary)
            .set("sms_enabled", self.sms_enabled)
            .set("department", self.department.clone())
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        doc = self.address.render(doc);
        if let Json::Obj(map) = &mut doc {
            map.remove("attention_to");
        }
        doc
    }
}

/// A document-level or line-level discount or tax amount.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    /// Integer id.
    pub id: i64,
    /// Amount in major units (positive).
    pub amount: Decimal,
}

impl Adjustment {
    fn render_discount(&self) -> Json {
        Json::obj()
            .set("id", self.id)
            .set("object", "discount")
            .set("amount", self.amount)
            .set("coupon", Json::Null)
            .set("expires", Json::Null)
            .set("from_payment_terms", false)
    }

    fn render_tax(&self) -> Json {
        Json::obj()
            .set("id", self.id)
            .set("object", "tax")
            .set("amount", self.amount)
            .set("tax_rate", Json::Null)
    }
}

fn sum(adjustments: &[Adjustment]) -> Decimal {
    adjustments.iter().map(|a| a.amount).sum()
}

/// A line item (`object: "line_item"`); custom fields such as `intacct_department` live in its
/// `metadata`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    /// Integer id.
    pub id: i64,
    /// Catalog item id (string) or none.
    pub catalog_item: Option<String>,
    /// `product`, `service`, `late_fee` …
    pub kind: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Quantity (not money: keeps full precision).
    pub quantity: Decimal,
    /// Unit price.
    pub unit_cost: Decimal,
    /// Discountable flag.
    pub discountable: bool,
    /// Taxable flag.
    pub taxable: bool,
    /// Line discounts.
    pub discounts: Vec<Adjustment>,
    /// Line taxes.
    pub taxes: Vec<Adjustment>,
    /// Custom fields.
    pub metadata: Metadata,
}

impl LineItem {
    /// `quantity × unit_cost`, rounded to currency precision (12.045 × 1 = 12.05).
    pub fn amount(&self) -> Decimal {
        round_currency(self.quantity * self.unit_cost)
    }

    /// Wire shape (fixture `line_item.json`).
    pub fn render(&self) -> Json {
        Json::obj()
            .set("id", self.id)
            .set("object", "line_item")
            .set("catalog_item", self.catalog_item.clone())
            .set("type", self.kind.clone())
            .set("name", self.name.clone())
            .set("description", self.description.clone())
            .set("quantity", Json::Num(self.quantity))
            .set("unit_cost", self.unit_cost)
            .set("amount", self.amount())
            .set("discountable", self.discountable)
            .set(
                "discounts",
                Json::Arr(
                    self.discounts
                        .iter()
                        .map(Adjustment::render_discount)
                        .collect(),
                ),
            )
            .set("taxable", self.taxable)
            .set(
                "taxes",
                Json::Arr(self.taxes.iter().map(Adjustment::render_tax).collect()),
            )
            .set("metadata", metadata_json(&self.metadata))
    }
}

/// Content shared by invoices and credit notes: lines, discounts and taxes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentLines {
    /// Line items in order.
    pub items: Vec<LineItem>,
    /// Document-level discounts.
    pub discounts: Vec<Adjustment>,
    /// Document-level taxes.
    pub taxes: Vec<Adjustment>,
}

impl DocumentLines {
    /// Σ line amounts.
    pub fn subtotal(&self) -> Decimal {
        self.items.iter().map(LineItem::amount).sum()
    }

    /// subtotal − every discount + every tax (line-level and document-level).
    pub fn total(&self) -> Decimal {
        let line_discounts: Decimal = self.items.iter().map(|i| sum(&i.discounts)).sum();
        let line_taxes: Decimal = self.items.iter().map(|i| sum(&i.taxes)).sum();
        round_currency(
            self.subtotal() - line_discounts - sum(&self.discounts) + line_taxes + sum(&self.taxes),
        )
    }

    fn render(&self, doc: Json) -> Json {
        doc.set(
            "items",
            Json::Arr(self.items.iter().map(LineItem::render).collect()),
        )
        .set("subtotal", self.subtotal())
        .set(
            "discounts",
            Json::Arr(
                self.discounts
                    .iter()
                    .map(Adjustment::render_discount)
                    .collect(),
            ),
        )
        .set(
            "taxes",
            Json::Arr(self.taxes.iter().map(Adjustment::render_tax).collect()),
        )
        .set("total", self.total())
    }
}

/// Invoice `status` values (the backend enum; `bad_debt`/`disputed` are never produced here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    /// Not yet issued.
    Draft,
    /// Issued, never sent.
    NotSent,
    /// Sent.
    Sent,
    /// Viewed by the customer.
    Viewed,
    /// Due date passed with a balance.
    PastDue,
    /// A pending payment exists.
    Pending,
    /// Fully paid.
    Paid,
    /// Voided.
    Voided,
}

impl InvoiceStatus {
    /// Wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::NotSent => "not_sent",
            InvoiceStatus::Sent => "sent",
            InvoiceStatus::Viewed => "viewed",
            InvoiceStatus::PastDue => "past_due",
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Voided => "voided",
        }
    }
}

/// An invoice (`object: "invoice"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// Integer id.
    pub id: i64,
    /// Customer id.
    pub customer: i64,
    /// Name, default `Invoice`.
    pub name: String,
    /// Unique (case-insensitive) document number.
    pub number: String,
    /// Currency.
    pub currency: String,
    /// Draft flag.
    pub draft: bool,
    /// Closed flag; set automatically when paid, which makes the invoice non-editable.
    pub closed: bool,
    /// Voided: never serialised (only `status: voided` shows it).
    pub voided: bool,
    /// Sent: never serialised, drives `status`.
    pub sent: bool,
    /// Viewed: never serialised, drives `status`.
    pub viewed: bool,
    /// A pending payment exists (drives `status: pending`).
    pub pending: bool,
    /// AutoPay.
    pub autopay: bool,
    /// Terms.
    pub payment_terms: Option<String>,
    /// PO number.
    pub purchase_order: Option<String>,
    /// Unix seconds.
    pub date: i64,
    /// Unix seconds.
    pub due_date: Option<i64>,
    /// Lines, discounts, taxes.
    pub lines: DocumentLines,
    /// Notes.
    pub notes: Option<String>,
    /// Σ payment applications (type `invoice`).
    pub amount_paid: Decimal,
    /// Σ credit-note and credit-balance applications.
    pub amount_credited: Decimal,
    /// When it became paid.
    pub date_paid: Option<i64>,
    /// When it was voided.
    pub date_voided: Option<i64>,
    /// Portal token used in `url`.
    pub client_id: String,
    /// Custom fields.
    pub metadata: Metadata,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Invoice {
    /// `total − amount_paid − amount_credited`, forced to 0 once voided.
    pub fn balance(&self) -> Decimal {
        if self.voided {
            Decimal::ZERO
        } else {
            self.lines.total() - self.amount_paid - self.amount_credited
        }
    }

    /// `balance <= 0 && !draft && !voided`.
    pub fn paid(&self) -> bool {
        self.balance() <= Decimal::ZERO && !self.draft && !self.voided
    }

    /// The backend's status precedence (voided, draft, paid, pending, past_due, viewed, sent).
    pub fn status(&self, now: i64) -> InvoiceStatus {
        if self.voided {
            InvoiceStatus::Voided
        } else if self.draft {
            InvoiceStatus::Draft
        } else if self.paid() {
            InvoiceStatus::Paid
        } else if self.pending {
            InvoiceStatus::Pending
        } else if self.due_date.is_some_and(|due| due < now) {
            InvoiceStatus::PastDue
        } else if self.viewed {
            InvoiceStatus::Viewed
        } else if self.sent {
            InvoiceStatus::Sent
        } else {
            InvoiceStatus::NotSent
        }
    }

    /// Wire shape (fixture `invoice.json` plus current extra keys; no `voided` key).
    pub fn render(&self, now: i64) -> Json {
        let url = format!("{PORTAL}/invoices/{}", self.client_id);
        let doc = Json::obj()
            .set("id", self.id)
            .set("object", "invoice")
            .set("customer", self.customer)
            .set("name", self.name.as_str())
            .set("number", self.number.as_str())
            .set("currency", self.currency.as_str())
            .set("draft", self.draft)
            .set("closed", self.closed)
            .set("paid", self.paid())
            .set("status", self.status(now).as_str())
            .set("autopay", self.autopay)
            .set("attempt_count", 0i64)
            .set("next_payment_attempt", Json::Null)
            .set("subscription", Json::Null)
            .set("subscription_id", Json::Null)
            .set("date", self.date)
            .set("due_date", self.due_date)
            .set("payment_terms", self.payment_terms.clone())
            .set("purchase_order", self.purchase_order.clone())
            .set("notes", self.notes.clone())
            .set("balance", self.balance())
            .set("ship_to", Json::Null)
            .set("payment_plan", Json::Null)
            .set("chase", false)
            .set("needs_attention", false)
            .set("late_fees", true)
            .set("payment_url", format!("{url}/payment"))
            .set("pdf_url", format!("{url}/pdf"))
            .set("csv_url", format!("{url}/csv"))
            .set("url", url)
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        self.lines.render(doc)
    }
}

/// A credit note (`object: "credit_note"`).
#[derive(Debug, Clone, PartialEq)]
pub struct CreditNote {
    /// Integer id.
    pub id: i64,
    /// Customer id.
    pub customer: i64,
    /// Optional invoice it was issued against.
    pub invoice: Option<i64>,
    /// Name, default `Credit Note`.
    pub name: String,
    /// Unique document number.
    pub number: String,
    /// Currency.
    pub currency: String,
    /// Draft flag.
    pub draft: bool,
    /// Closed flag (set automatically once fully applied).
    pub closed: bool,
    /// Voided (only `status: voided` shows it).
    pub voided: bool,
    /// PO number.
    pub purchase_order: Option<String>,
    /// Unix seconds.
    pub date: i64,
    /// Lines, discounts, taxes.
    pub lines: DocumentLines,
    /// Notes.
    pub notes: Option<String>,
    /// Σ applications of this credit note to invoices.
    pub amount_applied_to_invoice: Decimal,
    /// When voided.
    pub date_voided: Option<i64>,
    /// Portal token.
    pub client_id: String,
    /// Custom fields.
    pub metadata: Metadata,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl CreditNote {
    /// `total − applied`, 0 once voided.
    pub fn balance(&self) -> Decimal {
        if self.voided {
            Decimal::ZERO
        } else {
            self.lines.total() - self.amount_applied_to_invoice
        }
    }

    /// Fully applied.
    pub fn paid(&self) -> bool {
        self.balance() <= Decimal::ZERO && !self.draft && !self.voided
    }

    /// Precedence: voided, draft, paid, closed, open.
    pub fn status(&self) -> &'static str {
        if self.voided {
            "voided"
        } else if self.draft {
            "draft"
        } else if self.paid() {
            "paid"
        } else if self.closed {
            "closed"
        } else {
            "open"
        }
    }

    /// Wire shape (fixture `credit_note.json`).
    pub fn render(&self) -> Json {
        let url = format!("{PORTAL}/credit_notes/{}", self.client_id);
        let doc = Json::obj()
            .set("id", self.id)
            .set("object", "credit_note")
            .set("customer", self.customer)
            .set("invoice", self.invoice)
            .set("name", self.name.as_str())
            .set("number", self.number.as_str())
            .set("currency", self.currency.as_str())
            .set("draft", self.draft)
            .set("closed", self.closed)
            .set("paid", self.paid())
            .set("status", self.status())
            .set("date", self.date)
            .set("purchase_order", self.purchase_order.clone())
            .set("notes", self.notes.clone())
            .set("balance", self.balance())
            .set("pdf_url", format!("{url}/pdf"))
            .set("url", url)
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        self.lines.render(doc)
    }
}

/// The kind of a payment application row (`applied_to[].type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedType {
    /// Cash applied to an invoice.
    Invoice,
    /// A credit note applied to an invoice (does not consume the payment's cash).
    CreditNote,
    /// The fee portion of a card payment; never reduces an invoice balance.
    ConvenienceFee,
    /// Cash added to the customer's credit balance.
    Credit,
    /// Customer credit balance spent on an invoice (does not consume the payment's cash).
    AppliedCredit,
}

impl AppliedType {
    /// Parse the wire text; other backend types (estimate, document_adjustment) are rejected.
    pub fn parse(text: &str) -> Option<AppliedType> {
        Some(match text {
            "invoice" => AppliedType::Invoice,
            "credit_note" => AppliedType::CreditNote,
            "convenience_fee" => AppliedType::ConvenienceFee,
            "credit" => AppliedType::Credit,
            "applied_credit" => AppliedType::AppliedCredit,
            _ => return None,
        })
    }

    /// Wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedType::Invoice => "invoice",
            AppliedType::CreditNote => "credit_note",
            AppliedType::ConvenienceFee => "convenience_fee",
            AppliedType::Credit => "credit",
            AppliedType::AppliedCredit => "applied_credit",
        }
    }

    /// Whether the row spends the payment's own money (and so counts against `amount`).
    pub fn consumes_cash(self) -> bool {
        matches!(
            self,
            AppliedType::Invoice | AppliedType::ConvenienceFee | AppliedType::Credit
        )
    }
}

/// One `applied_to` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// The underlying transaction id.
    pub id: i64,
    /// Row type.
    pub kind: AppliedType,
    /// Amount (positive).
    pub amount: Decimal,
    /// Target invoice for invoice / credit_note / applied_credit rows.
    pub invoice: Option<i64>,
    /// Source credit note for credit_note rows.
    pub credit_note: Option<i64>,
}

impl Application {
    /// Wire shape (fixture `transcribed_payment_applied_to_examples.json`).
    pub fn render(&self) -> Json {
        let mut row = Json::obj()
            .set("id", self.id)
            .set("type", self.kind.as_str())
            .set("amount", self.amount);
        match self.kind {
            AppliedType::Invoice => row = row.set("invoice", self.invoice),
            AppliedType::CreditNote => {
                row = row.set("credit_note", self.credit_note);
                if self.invoice.is_some() {
                    row = row
                        .set("document_type", "invoice")
                        .set("invoice", self.invoice);
                }
            }
            AppliedType::AppliedCredit => {
                row = row
                    .set("document_type", "invoice")
                    .set("invoice", self.invoice)
            }
            AppliedType::ConvenienceFee | AppliedType::Credit => {}
        }
        row
    }
}

/// A payment (`object: "payment"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// Integer id.
    pub id: i64,
    /// Customer; null for unidentified cash (then nothing can be applied).
    pub customer: Option<i64>,
    /// Unix seconds.
    pub date: i64,
    /// Currency.
    pub currency: String,
    /// Amount received.
    pub amount: Decimal,
    /// `check`, `ach`, `other` (default) …
    pub method: String,
    /// e.g. check number.
    pub reference: Option<String>,
    /// `keyed` (default), `bank_feed` …
    pub source: String,
    /// Notes.
    pub notes: Option<String>,
    /// CashMatch suggestion flag.
    pub matched: Option<bool>,
    /// ACH sender.
    pub ach_sender_id: Option<String>,
    /// Voided via DELETE.
    pub voided: bool,
    /// When voided.
    pub date_voided: Option<i64>,
    /// Application rows (removed on void).
    pub applied_to: Vec<Application>,
    /// Custom fields (typed values: payments use the attribute store).
    pub metadata: Metadata,
    /// Portal token.
    pub client_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

impl Payment {
    /// Unapplied amount: `amount − Σ cash-consuming rows`; the full amount once voided.
    pub fn balance(&self) -> Decimal {
        let applied: Decimal = self
            .applied_to
            .iter()
            .filter(|a| a.kind.consumes_cash())
            .map(|a| a.amount)
            .sum();
        self.amount - applied
    }

    /// Wire shape (fixture `payment.json`); `applied_to` only when asked for.
    pub fn render(&self, include_applied_to: bool) -> Json {
        let pdf = (!self.voided && !self.applied_to.is_empty())
            .then(|| format!("{PORTAL}/payments/{}/pdf", self.client_id));
        let mut doc = Json::obj()
            .set("id", self.id)
            .set("object", "payment")
            .set("customer", self.customer)
            .set("date", self.date)
            .set("currency", self.currency.as_str())
            .set("amount", self.amount)
            .set("balance", self.balance())
            .set("method", self.method.as_str())
            .set("reference", self.reference.clone())
            .set("source", self.source.as_str())
            .set("notes", self.notes.clone())
            .set("matched", self.matched)
            .set("ach_sender_id", self.ach_sender_id.clone())
            .set("bank_feed_transaction_id", Json::Null)
            .set("charge", Json::Null)
            .set("voided", self.voided)
            .set("pdf_url", pdf)
            .set("metadata", metadata_json(&self.metadata))
            .set("created_at", self.created_at)
            .set("updated_at", self.updated_at);
        if include_applied_to {
            doc = doc.set(
                "applied_to",
                Json::Arr(self.applied_to.iter().map(Application::render).collect()),
            );
        }
        doc
    }
}
