//! EventBridge Scheduler (hourly) or an operator's "sync now" / initial data sync → the read side.
//!
//! The event names a connection (`{"connection": "acme"}`) for sync now, adds `initial_sync`
//! for a date-range import, or names none (the schedule) to poll every enabled connection. Work
//! stops cleanly before the invocation's deadline; cursors and checkpoints are committed per
//! page, so the next invocation (the next schedule, or the same event again for an initial
//! sync with the same `run`) continues where this one stopped.

use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime};

use sync_engine::config::ConnectionId;
use sync_engine::engine::Engine;
use sync_engine::operator::{ConnectionPoll, PollBudget, enabled_connections, poll_enabled};

pub use sync_engine::operator::InitialSyncRequest;

/// Time kept back from the deadline to record progress and answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(20);

/// The poller's event: anything EventBridge sends, plus our optional fields.
#[derive(Debug, Deserialize)]
pub struct PollerEvent {
    /// Only this connection (sync now / initial sync).
    #[serde(default)]
    pub connection: Option<String>,
    /// A date-range import instead of an incremental poll.
    #[serde(default)]
    pub initial_sync: Option<InitialSyncRequest>,
}

/// Runs the poll; the JSON result says per connection whether it finished.
pub async fn handle(engine: &Engine, event: Value, deadline: SystemTime) -> Result<Value, String> {
    let event: PollerEvent =
        serde_json::from_value(event).map_err(|e| format!("bad poller event: {e}"))?;
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN);
    let stop_at = Instant::now() + left;
    let results: Vec<ConnectionPoll> = match (&event.connection, &event.initial_sync) {
        (None, None) => poll_enabled(engine, PollBudget::Until(stop_at))
            .await
            .map_err(|e| e.to_string())?,
        (connection, initial_sync) => {
            let connections: Vec<ConnectionId> = match connection {
                Some(id) => vec![ConnectionId::parse(id).map_err(|e| e.to_string())?],
                None => enabled_connections(engine)
                    .await
                    .map_err(|e| e.to_string())?,
            };
            let mut results = Vec::new();
            for id in connections {
                let report = match initial_sync {
                    Some(req) => {
                        engine
                            .initial_sync(&id, &req.range(), &req.run, Some(stop_at), &|p| {
                                tracing::info!(stream = %p.stream, done = p.done, total = ?p.total, "initial sync progress");
                            })
                            .await
                    }
                    None => engine.poll(&id, Some(stop_at)).await,
                };
                results.push(ConnectionPoll::new(id, report));
            }
            results
        }
    };
    Ok(json!({ "connections": results }))
}
