//! The faults injected during the load, switched on and off through the sandbox handles, and the
//! counts of what the sandboxes actually injected.

use serde::Serialize;
use std::time::Duration;

use sandbox::intacct::{SettingsPatch, TimeoutMode};
use sandbox::invoiced::ApiFaults;

use crate::world::World;

/// Fault rates of the run (the figures by default).
#[derive(Debug, Clone, Serialize)]
pub struct FaultPlan {
    /// Intacct requests answered `XMLGW_JPP0001` without running.
    pub intacct_throttle: f64,
    /// Intacct requests answered 5xx without running.
    pub intacct_server_error: f64,
    /// Intacct requests that run but whose answer is lost.
    pub intacct_lost_answer: f64,
    /// How a lost answer looks to the client.
    #[serde(skip)]
    pub intacct_timeout_mode: TimeoutMode,
    /// How long a lost answer holds the connection.
    pub intacct_timeout_hold_ms: u64,
    /// Intacct's per-company concurrency limit.
    pub intacct_concurrency_limit: usize,
    /// Invoiced writes stored but answered 500.
    pub invoiced_commit_then_fail: f64,
    /// Webhook deliveries sent twice by the sandbox.
    pub webhook_duplicates: f64,
    /// Webhook deliveries held back and sent after the next one.
    pub webhook_reorder: f64,
    /// Waits before each webhook redelivery (long enough to outlive a killed syncd).
    pub webhook_retry_secs: Vec<u64>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self {
            intacct_throttle: 0.30,
            intacct_server_error: 0.05,
            intacct_lost_answer: 0.02,
            intacct_timeout_mode: TimeoutMode::Drop,
            intacct_timeout_hold_ms: 200,
            intacct_concurrency_limit: 2,
            invoiced_commit_then_fail: 0.02,
            webhook_duplicates: 0.10,
            webhook_reorder: 0.10,
            webhook_retry_secs: vec![2, 4, 8, 16, 32, 64, 120],
        }
    }
}

impl FaultPlan {
    /// Switches every fault on.
    pub fn apply(&self, world: &World) -> anyhow::Result<()> {
        let intacct = &world.intacct.handle;
        intacct
            .update_settings(SettingsPatch {
                timeout_mode: Some(self.intacct_timeout_mode),
                timeout_hold_ms: Some(self.intacct_timeout_hold_ms),
                ..SettingsPatch::default()
            })
            .map_err(anyhow::Error::msg)?;
        intacct.set_concurrency_limit(self.intacct_concurrency_limit);
        intacct.set_fault_rates(
            self.intacct_throttle,
            self.intacct_server_error,
            self.intacct_lost_answer,
        );
        let invoiced = world.invoiced.handle();
        invoiced.set_commit_then_fail_rate(self.invoiced_commit_then_fail);
        invoiced.set_webhook_faults(self.webhook_duplicates, self.webhook_reorder);
        invoiced.set_retry_schedule(
            self.webhook_retry_secs
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
        );
        Ok(())
    }

    /// Switches the injected faults off (the concurrency limit and retry schedule stay: they are
    /// how the real systems behave).
    pub fn clear(world: &World) {
        world.intacct.handle.set_fault_rates(0.0, 0.0, 0.0);
        let invoiced = world.invoiced.handle();
        invoiced.set_api_faults(ApiFaults {
            commit_then_fail_rate: 0.0,
            error_rate: 0.0,
            ..invoiced.api_faults()
        });
        invoiced.set_webhook_faults(0.0, 0.0);
    }
}

/// What the sandboxes injected and delivered over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FaultCounts {
    /// Intacct gateway requests received.
    pub intacct_requests: u64,
    /// Throttled by the dice.
    pub intacct_throttled: u64,
    /// Refused by the concurrency limit.
    pub intacct_over_concurrency_limit: u64,
    /// 5xx pages.
    pub intacct_server_errors: u64,
    /// Ran, answer lost.
    pub intacct_lost_answers: u64,
    /// Webhook delivery attempts by the Invoiced sandbox.
    pub webhook_attempts: u64,
    /// Of those, injected duplicates.
    pub webhook_duplicates: u64,
    /// Of those, redeliveries after a failure (refused, lost, killed syncd).
    pub webhook_redeliveries: u64,
    /// Of those, answered 2xx.
    pub webhook_accepted: u64,
    /// Of those, no answer at all (connection refused or dropped: syncd down).
    pub webhook_unanswered: u64,
    /// Events written by the Invoiced sandbox.
    pub invoiced_events: u64,
    /// Deliveries that never got a 2xx: `event <id> (<type>): <status of each attempt>`.
    pub failed_deliveries: Vec<String>,
}

/// The deliveries (an event, or its injected duplicate) of which no attempt got a 2xx.
fn failed_deliveries(attempts: &[sandbox::invoiced::WebhookAttempt]) -> Vec<String> {
    let mut by_delivery: std::collections::BTreeMap<
        (i64, bool),
        Vec<&sandbox::invoiced::WebhookAttempt>,
    > = std::collections::BTreeMap::new();
    for attempt in attempts {
        by_delivery
            .entry((attempt.event_id, attempt.duplicate))
            .or_default()
            .push(attempt);
    }
    by_delivery
        .into_iter()
        .filter(|(_, tries)| !tries.iter().any(|a| a.succeeded))
        .map(|((event, duplicate), tries)| {
            let first = tries[0].timestamp;
            let statuses: Vec<String> = tries
                .iter()
                .map(|a| {
                    let answer = match (a.status_code, &a.error) {
                        (Some(code), _) => code.to_string(),
                        (None, Some(e)) => {
                            format!("no answer ({})", e.chars().take(60).collect::<String>())
                        }
                        (None, None) => "no answer".into(),
                    };
                    format!("+{}s {answer}", a.timestamp - first)
                })
                .collect();
            format!(
                "event {event}{} ({}): {}",
                if duplicate { " (duplicate)" } else { "" },
                tries[0].event_type,
                statuses.join(", ")
            )
        })
        .collect()
}

impl FaultCounts {
    /// Reads the counters from both sandboxes.
    pub fn read(world: &World) -> FaultCounts {
        let intacct = world.intacct.handle.fault_counts();
        let invoiced = world.invoiced.handle();
        let attempts = invoiced.webhook_attempts();
        FaultCounts {
            intacct_requests: world.intacct.handle.requests_total(),
            intacct_throttled: intacct.throttled,
            intacct_over_concurrency_limit: intacct.over_concurrency_limit,
            intacct_server_errors: intacct.server_errors,
            intacct_lost_answers: intacct.lost_answers,
            webhook_attempts: attempts.len() as u64,
            webhook_duplicates: attempts.iter().filter(|a| a.duplicate).count() as u64,
            webhook_redeliveries: attempts.iter().filter(|a| a.attempt > 1).count() as u64,
            webhook_accepted: attempts.iter().filter(|a| a.succeeded).count() as u64,
            webhook_unanswered: attempts.iter().filter(|a| a.status_code.is_none()).count() as u64,
            invoiced_events: invoiced.event_types().len() as u64,
            failed_deliveries: failed_deliveries(&attempts),
        }
    }
}
