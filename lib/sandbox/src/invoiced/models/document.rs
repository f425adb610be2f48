//! Invoices and credit notes: line items, discounts, taxes, balances and status.

use rust_decimal::Decimal;

use super::{Metadata, PORTAL, metadata_json};
use crate::invoiced::money::round_currency;
use crate::invoiced::wire::Json;

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
