//! `syncd demo`: the whole product on one machine, with no accounts.
//!
//! Both sandboxes start in-process on free loopback ports; the runner's own webhook server,
//! SQLite store and retry worker run exactly as under `serve`. The Invoiced sandbox POSTs real
//! signed webhooks to the server. The script imports the seeded Intacct company, then acts like
//! a user in Invoiced (customer, invoice, credit note, a payment with a credit-note application
//! and a convenience fee, a void) while Intacct throttles part of the requests, provokes one
//! recoverable reconciliation error and fixes it through the operator's `errors retry` path, and
//! finally checks, record by record, that the two systems agree.

mod check;
mod script;

use serde::Serialize;
use std::fmt::Write as _;

pub use check::{Agreement, Check};

/// What the demo seeds and injects.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Intacct customers seeded.
    pub seed_customers: usize,
    /// Intacct Sales Invoices seeded.
    pub seed_invoices: usize,
    /// Intacct Sales Returns seeded.
    pub seed_returns: usize,
    /// Intacct payments seeded.
    pub seed_payments: usize,
    /// Share of Intacct requests answered "too many operations" while the user works.
    pub throttle_rate: f64,
    /// Print each step to stderr as it happens (the summary does not repeat them).
    pub live: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed_customers: 20,
            seed_invoices: 40,
            seed_returns: 4,
            seed_payments: 10,
            throttle_rate: 0.4,
            live: true,
        }
    }
}

/// Mappings of one record type from one origin.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MappingCount {
    /// Record type.
    pub record_type: String,
    /// `intacct` (imported) or `invoiced` (written to Intacct).
    pub origin: String,
    /// How many.
    pub count: u64,
}

/// A reconciliation error the demo met, and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorStory {
    /// Error id.
    pub id: String,
    /// Catalogue code.
    pub code: String,
    /// Intacct's message.
    pub message: String,
    /// The operator fix the catalogue suggests.
    pub fix: String,
    /// What the demo did about it.
    pub action: String,
    /// Status after the fix and retry.
    pub final_status: String,
}

/// Retry-worker activity.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct RetryCounts {
    /// Queue messages processed.
    pub processed: u64,
    /// Of those, attempts that were throttled again and re-queued.
    pub requeued: u64,
    /// Engine errors (left for redelivery).
    pub failed: u64,
    /// Dead-lettered.
    pub dead_lettered: u64,
}

/// Everything the demo did and found.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// Steps in order.
    pub steps: Vec<String>,
    /// Mappings per record type and origin.
    pub mappings: Vec<MappingCount>,
    /// Webhook deliveries the Invoiced sandbox made, and how many got a 2xx.
    pub webhooks_delivered: u64,
    /// Deliveries answered 2xx.
    pub webhooks_accepted: u64,
    /// What the retry worker did (throttled writes come back through it).
    pub retries: RetryCounts,
    /// Reconciliation errors met, with their fixes.
    pub errors: Vec<ErrorStory>,
    /// The final comparison of both systems.
    pub agreement: Agreement,
    /// Wall-clock time.
    pub elapsed_ms: u128,
}

impl DemoReport {
    /// The human-readable summary of what the steps led to. The steps themselves are not
    /// repeated: a live run prints each as it happens, and the JSON keeps them in `steps`.
    pub fn render(&self) -> String {
        let mut out = String::from("== syncd demo: summary ==\n");
        out.push_str("\nRecords synced (ID mappings):\n");
        let rows: Vec<Vec<String>> = self
            .mappings
            .iter()
            .map(|m| {
                let direction = if m.origin == "intacct" {
                    "Intacct → Invoiced"
                } else {
                    "Invoiced → Intacct"
                };
                vec![
                    m.record_type.clone(),
                    direction.to_owned(),
                    m.count.to_string(),
                ]
            })
            .collect();
        out.push_str(&crate::render::table(
            &["TYPE", "DIRECTION", "COUNT"],
            &rows,
        ));
        let _ = write!(
            out,
            "\n\nWebhooks: {} delivered, {} accepted\nRetry worker: {} message(s) processed, {} re-queued after another throttle, {} engine error(s), {} dead-lettered\n",
            self.webhooks_delivered,
            self.webhooks_accepted,
            self.retries.processed,
            self.retries.requeued,
            self.retries.failed,
            self.retries.dead_lettered,
        );
        out.push_str("\nReconciliation errors:\n");
        if self.errors.is_empty() {
            out.push_str("  none\n");
        }
        for e in &self.errors {
            let _ = writeln!(
                out,
                "  {} [{}] {}\n    fix: {}\n    done: {}\n    now: {}",
                e.id, e.code, e.message, e.fix, e.action, e.final_status
            );
        }
        out.push_str("\nAgreement checks:\n");
        for c in &self.agreement.checks {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                if c.ok { "ok" } else { "FAIL" },
                c.what,
                c.detail
            );
        }
        let _ = write!(
            out,
            "\n{} in {:.1} s",
            if self.agreement.ok() {
                "Both systems agree"
            } else {
                "The systems DISAGREE"
            },
            self.elapsed_ms as f64 / 1000.0
        );
        out
    }
}

/// Runs the demo. Fails only when the demo could not run (a sandbox did not start, a request
/// the script makes was refused); disagreement is reported in [`DemoReport::agreement`].
pub async fn run(options: DemoOptions) -> anyhow::Result<DemoReport> {
    script::run(options).await
}
