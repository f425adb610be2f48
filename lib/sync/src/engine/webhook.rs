//! Invoiced webhooks: verify, dedupe, write now, and say what happened.
//!
//! The engine returns a [`WebhookOutcome`]; the edges answer Invoiced with its
//! [`reply`](WebhookOutcome::reply): 2xx only once the outcome is durable (written, queued,
//! parked or a recorded reconciliation error) and 5xx when it could not be made durable, so
//! Invoiced redelivers (hourly, for 48 hours). A bad signature is 401 and nothing else happens.

use std::time::Duration;

use invoiced::WebhookError;
use invoiced::webhook::{WebhookSecret, verify_event};

use super::{Engine, EngineError, Outcome};
use crate::catalogue::Code;
use crate::config::ConnectionId;
use crate::model::WorkItem;
use crate::ports::EventClaim;

mod events;
mod outcome;

pub use events::{NoObjectId, action_for, work_for_event};
/// The header Invoiced signs deliveries with (defined by the `invoiced` crate).
pub use invoiced::webhook::SIGNATURE_HEADER;
pub use outcome::{Malformed, WebhookOutcome, WebhookReply};

/// Largest webhook body accepted. Invoiced events are a few KiB; an invoice with hundreds of
/// lines stays well under this.
pub const MAX_WEBHOOK_BODY: usize = 512 * 1024;

/// Time given to the write before the answer; the rest goes to the retry queue so Invoiced's
/// 30 s delivery timeout is never hit.
pub const WEBHOOK_WRITE_BUDGET: Duration = Duration::from_secs(20);

impl Engine {
    /// Handles one webhook delivery for `connection` with its raw body and
    /// [`SIGNATURE_HEADER`] value, and says what happened; the edge answers Invoiced with
    /// [`WebhookOutcome::reply`].
    pub async fn handle_webhook(
        &self,
        connection: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> WebhookOutcome {
        if body.len() > MAX_WEBHOOK_BODY {
            return WebhookOutcome::TooLarge;
        }
        let Ok(id) = ConnectionId::parse(connection) else {
            return WebhookOutcome::UnknownConnection;
        };
        let conn = match self.connection(&id).await {
            Ok(conn) => conn,
            Err(EngineError::UnknownConnection(_)) => return WebhookOutcome::UnknownConnection,
            Err(e) => {
                tracing::error!(connection = %id, error = %e, "webhook: connection unavailable");
                return WebhookOutcome::Unavailable;
            }
        };
        let Ok(secret) = WebhookSecret::new(conn.secrets.invoiced_webhook_secret.clone()) else {
            return WebhookOutcome::NoWebhookSecret;
        };
        let event = match verify_event(&secret, body, signature) {
            Ok(event) => event,
            Err(WebhookError::Signature(e)) => {
                tracing::warn!(connection = %id, error = %e, "webhook signature rejected");
                return WebhookOutcome::BadSignature(e);
            }
            Err(WebhookError::Body(e)) => {
                tracing::error!(connection = %id, error = %e, "signed webhook body is not an event");
                return WebhookOutcome::Malformed(Malformed::from_json_error(&e));
            }
        };
        let work = match work_for_event(&id, &event) {
            Ok(work) => work,
            Err(e) => {
                tracing::error!(connection = %id, event = %event.id, error = %e, "signed webhook event names no record");
                return WebhookOutcome::Malformed(Malformed::NotAnEvent(e.to_string()));
            }
        };
        let event_id = event.id.to_string();
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
            Ok(EventClaim::Handled) => return WebhookOutcome::Duplicate { event: event.id },
            // Not 2xx: if the delivery holding it dies, Invoiced's redelivery of this copy is
            // what brings the event back.
            Ok(EventClaim::InProgress) => return WebhookOutcome::InProgress { event: event.id },
            Err(e) => return not_durable(&id, &EngineError::Store(e)),
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
        let outcome = match work {
            None => WebhookOutcome::Ignored {
                event_type: event.event_type,
            },
            Some(work) => match self.write_within_budget(&conn, &work).await {
                Ok(outcome) => WebhookOutcome::Handled {
                    event: event.id,
                    outcome,
                },
                Err(e) => {
                    // Nothing durable: free the event so Invoiced's redelivery is handled at once.
                    guard.armed = false;
                    if let Err(release) = self.store.release_event(&id, &event_id, &holder).await {
                        tracing::warn!(connection = %id, error = %release, "could not release webhook event; its claim lapses on its own");
                    }
                    return not_durable(&id, &e);
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
        outcome
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
                    Code::SyncWebhookDeadline,
                    Duration::from_secs(30),
                )
                .await?;
                Ok(Outcome::Queued {
                    reason: Code::SyncWebhookDeadline,
                    delay: Duration::from_secs(30),
                })
            }
        }
    }
}

fn not_durable(id: &ConnectionId, error: &EngineError) -> WebhookOutcome {
    tracing::error!(connection = %id, error = %error, "webhook outcome not durable; asking for redelivery");
    WebhookOutcome::NotDurable
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
