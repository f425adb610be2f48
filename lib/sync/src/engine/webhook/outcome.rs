//! What became of a webhook delivery, and the one place it becomes an HTTP answer.
//!
//! The engine says what happened ([`WebhookOutcome`]); both edges (the writer Lambda and the
//! `syncd` server) answer Invoiced with [`WebhookOutcome::reply`], so their statuses and bodies
//! cannot drift apart.

use serde_json::{Value, json};

use invoiced::SignatureError;
use invoiced::models::{EventId, EventType};

use super::MAX_WEBHOOK_BODY;
use crate::engine::Outcome;

/// What became of one webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The event's work ended in a durable `outcome` (written, queued, parked, skipped…).
    Handled {
        /// The event.
        event: EventId,
        /// What became of its work.
        outcome: Outcome,
    },
    /// An earlier delivery of the event was handled; nothing was done again.
    Duplicate {
        /// The event.
        event: EventId,
    },
    /// Another delivery of the event is being handled now; Invoiced should redeliver later.
    InProgress {
        /// The event.
        event: EventId,
    },
    /// The sync does not act on events of this type.
    Ignored {
        /// The event's type.
        event_type: EventType,
    },
    /// The signature is missing or does not match the body; nothing else happened.
    BadSignature(SignatureError),
    /// The body could not be read, or is not an Invoiced event.
    Malformed(Malformed),
    /// No such connection.
    UnknownConnection,
    /// The body is larger than [`MAX_WEBHOOK_BODY`]; it was not verified.
    TooLarge,
    /// The connection has no webhook secret, so no delivery can be verified.
    NoWebhookSecret,
    /// The connection could not be loaded (store or secrets); Invoiced should redeliver.
    Unavailable,
    /// The work's outcome could not be made durable; Invoiced should redeliver.
    NotDurable,
}

/// Why a delivery is not an event the engine can handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// The edge could not read the body.
    Unreadable(String),
    /// The signed body is not JSON.
    NotJson(String),
    /// The signed body is JSON but not an Invoiced event (no id, no type, no object id…).
    NotAnEvent(String),
}

impl Malformed {
    /// Sorts a parse failure of a signed body: not JSON at all, or not an event.
    pub fn from_json_error(error: &serde_json::Error) -> Self {
        if error.is_data() {
            Self::NotAnEvent(error.to_string())
        } else {
            Self::NotJson(error.to_string())
        }
    }
}

/// The HTTP answer to a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: u16,
    /// JSON body (for people reading delivery logs).
    pub body: Value,
}

impl WebhookOutcome {
    /// The answer to give Invoiced: 2xx only for a durable outcome (Invoiced stops
    /// redelivering), 409 and 5xx where a redelivery must bring the event back.
    pub fn reply(&self) -> WebhookReply {
        let (status, body) = match self {
            Self::Handled { event, outcome } => (200, describe(*event, outcome)),
            Self::Duplicate { event } => (
                200,
                json!({"status": "duplicate", "event": event.to_string()}),
            ),
            Self::InProgress { event } => (
                409,
                json!({"status": "in_progress", "event": event.to_string(),
                       "error": "another delivery of this event is being handled; redeliver later"}),
            ),
            Self::Ignored { event_type } => (
                200,
                json!({"status": "ignored", "reason": format!("{event_type} events are not synced")}),
            ),
            Self::BadSignature(e) => (401, error(format!("invalid signature: {e}"))),
            Self::Malformed(Malformed::Unreadable(e)) => {
                (400, error(format!("could not read the body: {e}")))
            }
            Self::Malformed(Malformed::NotJson(e)) => {
                (400, error(format!("body is not JSON: {e}")))
            }
            Self::Malformed(Malformed::NotAnEvent(e)) => {
                (400, error(format!("not an Invoiced event: {e}")))
            }
            Self::UnknownConnection => (404, error("unknown connection")),
            Self::TooLarge => (
                413,
                error(format!("body exceeds the {MAX_WEBHOOK_BODY}-byte limit")),
            ),
            Self::NoWebhookSecret => (
                500,
                error("the connection has no webhook secret configured"),
            ),
            Self::Unavailable => (503, error("temporarily unavailable; redeliver")),
            Self::NotDurable => (503, error("could not record the outcome; redeliver")),
        };
        WebhookReply { status, body }
    }
}

fn error(message: impl Into<String>) -> Value {
    json!({"error": message.into()})
}

fn describe(event: EventId, outcome: &Outcome) -> Value {
    let event_id = event.to_string();
    match outcome {
        Outcome::Written { key } => {
            json!({"event": event_id, "status": "written", "intacct_key": key})
        }
        Outcome::AlreadyDone => json!({"event": event_id, "status": "already_done"}),
        Outcome::Skipped { reason } => {
            json!({"event": event_id, "status": "skipped", "reason": reason})
        }
        Outcome::Queued { reason, delay } => {
            json!({"event": event_id, "status": "queued", "reason": reason, "delay_secs": delay.as_secs()})
        }
        Outcome::Parked { waiting_for } => json!({
            "event": event_id, "status": "parked",
            "waiting_for": format!("{} {}", waiting_for.record_type, waiting_for.invoiced_id)
        }),
        Outcome::Failed { error_id, code } => {
            json!({"event": event_id, "status": "reconciliation_error", "error": error_id, "code": code})
        }
    }
}

#[cfg(test)]
mod tests;
