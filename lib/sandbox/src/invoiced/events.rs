//! Events: `{id, type, timestamp, data: {object, previous?}}` — identical in the Events API and
//! in webhook payloads. There is no `object` key on events (the docs table is wrong about that).

use super::wire::Json;

/// The record an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A customer.
    Customer(i64),
    /// A contact.
    Contact(i64),
    /// An invoice.
    Invoice(i64),
    /// A credit note.
    CreditNote(i64),
    /// A payment.
    Payment(i64),
}

impl Subject {
    /// The object type, which is also the event type prefix.
    pub fn object_type(self) -> &'static str {
        match self {
            Subject::Customer(_) => "customer",
            Subject::Contact(_) => "contact",
            Subject::Invoice(_) => "invoice",
            Subject::CreditNote(_) => "credit_note",
            Subject::Payment(_) => "payment",
        }
    }

    /// `(object type, id)` as `related_to` names it.
    pub fn key(self) -> (&'static str, i64) {
        let id = match self {
            Subject::Customer(id)
            | Subject::Contact(id)
            | Subject::Invoice(id)
            | Subject::CreditNote(id)
            | Subject::Payment(id) => id,
        };
        (self.object_type(), id)
    }
}

/// One immutable event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Integer id (increasing).
    pub id: i64,
    /// e.g. `invoice.paid`.
    pub kind: String,
    /// Unix seconds when written.
    pub timestamp: i64,
    /// The object after the change.
    pub object: Json,
    /// Old values of the changed keys (update events only).
    pub previous: Option<Json>,
    /// Object type of the subject (what `?type=` filters on).
    pub object_type: &'static str,
    /// Objects the event is associated with (the subject and its customer), for `related_to`.
    pub related: Vec<(&'static str, i64)>,
}

impl Event {
    /// Wire shape (fixture `transcribed_event_server_shape.json`).
    pub fn render(&self) -> Json {
        let mut data = Json::obj().set("object", self.object.clone());
        if let Some(previous) = &self.previous {
            data = data.set("previous", previous.clone());
        }
        Json::obj()
            .set("id", self.id)
            .set("type", self.kind.as_str())
            .set("timestamp", self.timestamp)
            .set("data", data)
    }
}
