//! Waiting for the system to be quiet once the load is over: nothing on the retry queue, no
//! webhook delivery pending, and a full poll of every Intacct stream finished after that, with
//! nothing new happening in between.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};

use sandbox::intacct::ObjectKind;

use crate::world::World;

/// How the wait ended.
#[derive(Debug, Clone, Serialize)]
pub struct Quiet {
    /// Whether it became quiet before the timeout.
    pub reached: bool,
    /// Seconds waited.
    pub waited_secs: f64,
    /// The last `syncd status --json`.
    pub status: Value,
    /// Webhook deliveries still pending in the sandbox at the end.
    pub pending_webhooks: usize,
    /// Whether the sandbox disabled the webhook (every retry failed): events after that were
    /// never delivered.
    pub webhook_disabled: bool,
}

/// What must not change between two looks for the system to count as quiet.
#[derive(Debug, PartialEq)]
struct Activity {
    webhook_attempts: usize,
    events: usize,
    intacct_records: usize,
}

fn activity(world: &World) -> Activity {
    let intacct = &world.intacct.handle;
    Activity {
        webhook_attempts: world.invoiced.handle().webhook_attempts().len(),
        events: world.invoiced.handle().event_types().len(),
        intacct_records: [
            ObjectKind::Customer,
            ObjectKind::ArInvoice,
            ObjectKind::ArAdjustment,
            ObjectKind::ArPayment,
            ObjectKind::SoDocument,
        ]
        .into_iter()
        .map(|kind| intacct.count(kind))
        .sum(),
    }
}

fn idle(status: &Value) -> bool {
    status["queue_total"].as_u64() == Some(0)
}

/// Oldest "last read to the end" among the streams (`None` if a stream never finished).
fn oldest_poll(status: &Value) -> Option<DateTime<Utc>> {
    let streams = status["streams"].as_array()?;
    let mut oldest: Option<DateTime<Utc>> = None;
    for stream in streams {
        let at: DateTime<Utc> = stream["last_sync_at"].as_str()?.parse().ok()?;
        oldest = Some(oldest.map_or(at, |o| o.min(at)));
    }
    oldest
}

/// Waits until quiet or `timeout`. Webhook redeliveries keep their schedule: hurrying them
/// would squeeze a delivery's retries into less time than a dead process's claim on its event
/// takes to lapse, and the sandbox would disable the webhook as Invoiced does.
pub async fn wait(world: &World, timeout: Duration) -> anyhow::Result<Quiet> {
    let started = Instant::now();
    let invoiced = world.invoiced.handle();
    let mut mark: Option<(DateTime<Utc>, Activity)> = None;
    loop {
        let status = world.syncd.status().await.context("reading syncd status")?;
        let now = Utc::now();
        let busy = !idle(&status) || invoiced.pending_webhooks() > 0;
        let reached = match &mark {
            _ if busy => {
                mark = None;
                false
            }
            None => {
                mark = Some((now, activity(world)));
                false
            }
            Some((since, before)) => {
                let polled_after = oldest_poll(&status).is_some_and(|at| at > *since);
                let still = activity(world) == *before;
                if !still {
                    mark = Some((now, activity(world)));
                }
                polled_after && still
            }
        };
        let timed_out = started.elapsed() > timeout;
        if reached || timed_out {
            return Ok(Quiet {
                reached,
                waited_secs: started.elapsed().as_secs_f64(),
                status,
                pending_webhooks: invoiced.pending_webhooks(),
                webhook_disabled: !invoiced.webhook_settings().enabled,
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
