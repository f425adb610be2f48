//! Invoiced webhooks: verify, dedupe, write now, answer.
//!
//! The answer is 2xx only once the outcome is durable (written, queued, parked or a recorded
//! reconciliation error) and 5xx when it could not be made durable, so Invoiced redelivers
//! (hourly, for 48 hours). A bad signature is 401 and nothing else happens.

use serde_json::{Value, json};
use std::time::Duration;

use invoiced::webhook::{WebhookSecret, verify};

use super::{Engine, EngineError, Outcome};
use crate::config::{ConnectionId, RecordType};
use crate::model::{Operation, WorkItem};
use crate::ports::EventClaim;

/// Largest webhook body accepted. Invoiced events are a few KiB; an invoice with hundreds of
/// lines stays well under this.
pub const MAX_WEBHOOK_BODY: usize = 512 * 1024;

/// Time given to the write before the answer; the rest goes to the retry queue so Invoiced's
/// 30 s delivery timeout is never hit.
pub const WEBHOOK_WRITE_BUDGET: Duration = Duration::from_secs(20);

/// What to answer Invoiced.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookReply {
    /// HTTP status.
    pub status: u16,
    /// JSON body (for people reading delivery logs).
    pub body: Value,
}

impl WebhookReply {
    fn new(status: u16, body: Value) -> Self {
        Self { status, body }
    }
}

/// The work an event asks for, or `None` for events the sync does not act on.
pub fn work_for_event(
    connection: &ConnectionId,
    event_type: &str,
    object_id: &str,
) -> Option<WorkItem> {
    let (record_type, operation) = match event_type {
        "customer.created" | "customer.updated" => (RecordType::Customer, Operation::Create),
        "invoice.created" | "invoice.updated" | "invoice.paid" => {
            (RecordType::Invoice, Operation::Create)
        }
        "credit_note.created" | "credit_note.updated" => {
            (RecordType::CreditNote, Operation::Create)
        }
        "payment.created" | "payment.updated" => (RecordType::Payment, Operation::Create),
        "payment.deleted" => (RecordType::Payment, Operation::Void),
        _ => return None,
    };
    Some(WorkItem {
        connection: connection.clone(),
        record_type,
        invoiced_id: object_id.to_owned(),
        operation,
    })
}

impl Engine {
    /// Handles one webhook delivery for `connection` with its raw body and
    /// `X-Invoiced-Signature` header.
    pub async fn handle_webhook(
        &self,
        connection: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> WebhookReply {
        if body.len() > MAX_WEBHOOK_BODY {
            return WebhookReply::new(
                413,
                json!({"error": format!("body of {} bytes exceeds the {MAX_WEBHOOK_BODY}-byte limit", body.len())}),
            );
        }
        let Ok(id) = ConnectionId::parse(connection) else {
            return WebhookReply::new(404, json!({"error": "unknown connection"}));
        };
        let conn = match self.connection(&id).await {
            Ok(conn) => conn,
            Err(EngineError::UnknownConnection(_)) => {
                return WebhookReply::new(404, json!({"error": "unknown connection"}));
            }
            Err(e) => {
                tracing::error!(connection = %id, error = %e, "webhook: connection unavailable");
                return WebhookReply::new(
                    503,
                    json!({"error": "temporarily unavailable; redeliver"}),
                );
            }
        };
        let secret = match WebhookSecret::new(conn.secrets.invoiced_webhook_secret.clone()) {
            Ok(secret) => secret,
            Err(_) => {
                return WebhookReply::new(
                    500,
                    json!({"error": "the connection has no webhook secret configured"}),
                );
            }
        };
        if let Err(e) = verify(&secret, body, signature) {
            tracing::warn!(connection = %id, error = %e, "webhook signature rejected");
            return WebhookReply::new(401, json!({"error": format!("invalid signature: {e}")}));
        }
        let event: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(connection = %id, error = %e, "signed webhook body is not JSON");
                return WebhookReply::new(400, json!({"error": format!("body is not JSON: {e}")}));
            }
        };
        let (Some(event_id), Some(event_type)) = (
            event.get("id").and_then(json_id),
            event.get("type").and_then(Value::as_str),
        ) else {
            return WebhookReply::new(400, json!({"error": "event without id or type"}));
        };
        // Claim the event: of any number of concurrent copies, exactly one goes on.
        let now = self.clock.now();
        let holder = format!("{}-{:016x}", self.settings.instance, rand::random::<u64>());
        let claim_until = now + to_chrono(self.settings.event_claim_ttl);
        match self
            .store
            .claim_event(&id, &event_id, &holder, claim_until, now)
            .await
        {
            Ok(EventClaim::Claimed) => {}
            Ok(EventClaim::Handled) => {
                return WebhookReply::new(200, json!({"status": "duplicate", "event": event_id}));
            }
            // Not 2xx: if the delivery holding it dies, Invoiced's redelivery of this copy is
            // what brings the event back.
            Ok(EventClaim::InProgress) => {
                return WebhookReply::new(
                    409,
                    json!({"status": "in_progress", "event": event_id,
                           "error": "another delivery of this event is being handled; redeliver later"}),
                );
            }
            Err(e) => return unavailable(&id, &EngineError::Store(e)),
        }
        // If this handler is dropped before it settles (the caller hung up, a deadline), the
        // claim is given back rather than left to lapse, so the redelivery is handled at once.
        let mut guard = ClaimGuard {
            store: self.store.clone(),
            connection: id.clone(),
            event_id: event_id.clone(),
            holder: holder.clone(),
            armed: true,
        };
        let object_id = event
            .get("data")
            .and_then(|d| d.get("object"))
            .and_then(|o| o.get("id"))
            .and_then(json_id);
        let work = object_id.and_then(|oid| work_for_event(&id, event_type, &oid));
        let reply = match work {
            None => WebhookReply::new(
                200,
                json!({"status": "ignored", "reason": format!("{event_type} events are not synced")}),
            ),
            Some(work) => match self.write_within_budget(&conn, &work).await {
                Ok(outcome) => WebhookReply::new(200, describe(&event_id, &outcome)),
                Err(e) => {
                    // Nothing durable: free the event so Invoiced's redelivery is handled at once.
                    guard.armed = false;
                    if let Err(release) = self.store.release_event(&id, &event_id, &holder).await {
                        tracing::warn!(connection = %id, error = %release, "could not release webhook event; its claim lapses on its own");
                    }
                    return unavailable(&id, &e);
                }
            },
        };
        guard.armed = false;
        let remember_until = now + to_chrono(self.settings.event_memory);
        if let Err(e) = self
            .store
            .finish_event(&id, &event_id, remember_until)
            .await
        {
            // The outcome is durable; once the claim lapses a redelivery is processed again,
            // which the write intents make harmless.
            tracing::warn!(connection = %id, error = %e, "could not remember webhook event");
        }
        reply
    }

    async fn write_within_budget(
        &self,
        conn: &super::Connection,
        work: &WorkItem,
    ) -> Result<Outcome, EngineError> {
        match tokio::time::timeout(WEBHOOK_WRITE_BUDGET, self.process(conn, work, 1)).await {
            Ok(result) => result,
            Err(_) => {
                // The write may be mid-flight: its intent makes the retry probe before posting.
                self.requeue(
                    work.clone(),
                    "SYNC_WEBHOOK_DEADLINE",
                    Duration::from_secs(30),
                )
                .await?;
                Ok(Outcome::Queued {
                    reason: "SYNC_WEBHOOK_DEADLINE".into(),
                    delay: Duration::from_secs(30),
                })
            }
        }
    }
}

fn unavailable(id: &ConnectionId, error: &EngineError) -> WebhookReply {
    tracing::error!(connection = %id, error = %error, "webhook outcome not durable; asking for redelivery");
    WebhookReply::new(
        503,
        json!({"error": "could not record the outcome; redeliver"}),
    )
}

/// Gives a webhook event's claim back when its handler is dropped before settling it.
struct ClaimGuard {
    store: std::sync::Arc<dyn crate::ports::Store>,
    connection: ConnectionId,
    event_id: String,
    holder: String,
    armed: bool,
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let (connection, event_id, holder) = (
            self.connection.clone(),
            std::mem::take(&mut self.event_id),
            std::mem::take(&mut self.holder),
        );
        runtime.spawn(async move {
            if let Err(e) = store.release_event(&connection, &event_id, &holder).await {
                tracing::warn!(connection = %connection, error = %e, "could not release an abandoned webhook event; its claim lapses on its own");
            }
        });
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Ids arrive as numbers or strings.
fn json_id(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn describe(event_id: &str, outcome: &Outcome) -> Value {
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
