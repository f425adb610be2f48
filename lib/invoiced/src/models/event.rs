//! Events: the `/events` feed and the webhook payload (the two are identical).

use super::charge::CreditBalanceAdjustment;
use super::credit_note::CreditNote;
use super::customer::{Contact, Customer};
use super::ids::EventId;
use super::invoice::Invoice;
use super::json;
use super::open_enum::open_enum;
use super::payment::{Payment, Transaction};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

open_enum!(
    /// Event type (`type`). Voids have no event of their own: a voided invoice or credit note arrives as
    /// `*.updated` with `previous.status`, a voided payment as `payment.deleted`.
    EventType, fallback = Unknown {
        /// Customer created.
        CustomerCreated => "customer.created",
        /// Customer updated.
        CustomerUpdated => "customer.updated",
        /// Customer deleted.
        CustomerDeleted => "customer.deleted",
        /// Customers merged.
        CustomerMerged => "customer.merged",
        /// Contact created.
        ContactCreated => "contact.created",
        /// Contact updated.
        ContactUpdated => "contact.updated",
        /// Contact deleted.
        ContactDeleted => "contact.deleted",
        /// Invoice created.
        InvoiceCreated => "invoice.created",
        /// Invoice updated (including voids and draft → issued).
        InvoiceUpdated => "invoice.updated",
        /// Invoice deleted.
        InvoiceDeleted => "invoice.deleted",
        /// Invoice viewed by the customer.
        InvoiceViewed => "invoice.viewed",
        /// Invoice became paid; replaces `invoice.updated` for that change.
        InvoicePaid => "invoice.paid",
        /// Customer announced a payment.
        InvoicePaymentExpected => "invoice.payment_expected",
        /// Credit note created.
        CreditNoteCreated => "credit_note.created",
        /// Credit note updated (including voids).
        CreditNoteUpdated => "credit_note.updated",
        /// Credit note deleted.
        CreditNoteDeleted => "credit_note.deleted",
        /// Credit note viewed.
        CreditNoteViewed => "credit_note.viewed",
        /// Payment created.
        PaymentCreated => "payment.created",
        /// Payment updated.
        PaymentUpdated => "payment.updated",
        /// Payment deleted, which is how a void is reported.
        PaymentDeleted => "payment.deleted",
        /// Legacy transaction created.
        TransactionCreated => "transaction.created",
        /// Legacy transaction updated.
        TransactionUpdated => "transaction.updated",
        /// Legacy transaction deleted.
        TransactionDeleted => "transaction.deleted",
        /// Card charge failed.
        ChargeFailed => "charge.failed",
        /// Card charge succeeded.
        ChargeSucceeded => "charge.succeeded",
        /// Refund created.
        RefundCreated => "refund.created",
    }
);

impl EventType {
    /// The object type the event is about: the text before the first `.` (`invoice.paid` → `invoice`).
    pub fn object_type(&self) -> &str {
        let text = self.as_str();
        text.split_once('.').map_or(text, |(object, _)| object)
    }
}

/// An event: `{id, type, timestamp, data: {object, previous?}}`. Events have no `object` key.
///
/// The server puts `previous` (the old values of changed keys only) inside `data`; the API docs and
/// older mocks put it at the top level. Both are accepted, and [`Event::previous`] reads either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Event id; webhook deliveries are at-least-once, so this is the de-duplication key.
    pub id: EventId,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the event was written.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub timestamp: DateTime<Utc>,
    /// The subject and its previous values.
    pub data: EventData,
    /// `previous` at the top level, as in the docs examples.
    #[serde(
        default,
        deserialize_with = "json::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub previous: Option<Value>,
}

/// The `data` of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The subject as it was after the event, kept as JSON until [`Event::object`] types it.
    #[serde(deserialize_with = "json::deserialize")]
    pub object: Value,
    /// Old values of the keys that changed (update events only).
    #[serde(
        default,
        deserialize_with = "json::deserialize_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub previous: Option<Value>,
}

/// The subject of an event, typed by the event's object type.
#[derive(Debug, Clone, PartialEq)]
pub enum EventObject {
    /// `customer.*`.
    Customer(Box<Customer>),
    /// `contact.*`.
    Contact(Box<Contact>),
    /// `invoice.*`.
    Invoice(Box<Invoice>),
    /// `credit_note.*`.
    CreditNote(Box<CreditNote>),
    /// `payment.*`.
    Payment(Box<Payment>),
    /// `transaction.*` (legacy).
    Transaction(Box<Transaction>),
    /// `transaction.*` whose object is a credit balance adjustment (`object: "credit_balance_adjustment"`).
    CreditBalanceAdjustment(Box<CreditBalanceAdjustment>),
    /// Any other object type, left as JSON.
    Other(Value),
}

impl Event {
    /// The previous values: `data.previous` if present, else the top-level `previous`.
    pub fn previous(&self) -> Option<&Value> {
        self.data.previous.as_ref().or(self.previous.as_ref())
    }

    /// The id of the event's subject (`data.object.id`), read without typing the whole object.
    ///
    /// `None` when the object has no integer `id` (Invoiced ids are integers).
    pub fn object_id(&self) -> Option<i64> {
        self.data.object.get("id").and_then(Value::as_i64)
    }

    /// Types `data.object` according to the event type.
    ///
    /// Fails if the object does not match the model its type implies (for example an invoice event
    /// without `total`); object types without a model come back as [`EventObject::Other`].
    pub fn object(&self) -> Result<EventObject, serde_json::Error> {
        let object = &self.data.object;
        Ok(match self.event_type.object_type() {
            "customer" => EventObject::Customer(Box::new(Customer::deserialize(object)?)),
            "contact" => EventObject::Contact(Box::new(Contact::deserialize(object)?)),
            "invoice" => EventObject::Invoice(Box::new(Invoice::deserialize(object)?)),
            "credit_note" => EventObject::CreditNote(Box::new(CreditNote::deserialize(object)?)),
            "payment" => EventObject::Payment(Box::new(Payment::deserialize(object)?)),
            "transaction"
                if object.get("object").and_then(Value::as_str)
                    == Some("credit_balance_adjustment") =>
            {
                EventObject::CreditBalanceAdjustment(Box::new(
                    CreditBalanceAdjustment::deserialize(object)?,
                ))
            }
            "transaction" => EventObject::Transaction(Box::new(Transaction::deserialize(object)?)),
            _ => EventObject::Other(object.clone()),
        })
    }
}
