//! The run's report: what was done and injected, and the verdict, as a table or as JSON.

use serde::Serialize;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use crate::burst::BurstStats;
use crate::check::{Kind, Verdict};
use crate::faults::{FaultCounts, FaultPlan};
use crate::load::{LoadStats, Sizes};
use crate::quiet::Quiet;

/// Problems listed per check in the table (all of them are in `--json`).
const SHOWN: usize = 20;

/// Everything the run did and found.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// `--seed`.
    pub seed: u64,
    /// `--events`.
    pub max_events: usize,
    /// `--records`.
    pub records: usize,
    /// What the records were split into.
    pub sizes: Sizes,
    /// The fault rates.
    pub faults: &'a FaultPlan,
    /// What the load did.
    pub load: &'a LoadStats,
    /// The bursts of concurrent copies.
    pub bursts: &'a BurstStats,
    /// What the sandboxes injected and delivered.
    pub injected: FaultCounts,
    /// SIGKILLs of syncd.
    pub kills: u32,
    /// How the wait for quiet ended.
    pub quiet: Quiet,
    /// Seconds of load.
    pub load_secs: f64,
    /// Seconds in all.
    pub total_secs: f64,
    /// syncd's data directory (SQLite, log).
    pub data_dir: String,
    /// The checks.
    pub verdict: Verdict,
    /// True when every check held and the system became quiet.
    pub ok: bool,
}

fn n(v: &std::sync::atomic::AtomicU64) -> u64 {
    v.load(Ordering::Relaxed)
}

impl Report<'_> {
    /// The human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let l = self.load;
        let i = &self.injected;
        let b = self.bursts;
        let _ = writeln!(out, "== chaos run, seed {} ==", self.seed);
        let rows = [
            (
                "Invoiced records",
                format!(
                    "{} customers, {} invoices ({} drafts, {} with tax/discount), {} credit notes, {} payments ({} with credit note + fee), {} invoice voids, {} payment voids",
                    n(&l.customers),
                    n(&l.invoices),
                    n(&l.drafts),
                    n(&l.with_tax_or_discount),
                    n(&l.credit_notes),
                    n(&l.payments),
                    n(&l.with_credit_and_fee),
                    n(&l.invoice_voids),
                    n(&l.payment_voids)
                ),
            ),
            (
                "Intacct records",
                format!(
                    "{} customers, {} sales invoices, {} AR payments",
                    n(&l.intacct_customers),
                    n(&l.intacct_invoices),
                    n(&l.intacct_payments)
                ),
            ),
            (
                "Invoiced events",
                format!(
                    "{} (bound {}{})",
                    i.invoiced_events,
                    self.max_events,
                    if l.stopped_by_event_bound.load(Ordering::Relaxed) {
                        ", reached: load stopped early"
                    } else {
                        ""
                    }
                ),
            ),
            (
                "Webhook deliveries",
                format!(
                    "{} attempts: {} accepted, {} sandbox duplicates, {} redeliveries, {} unanswered",
                    i.webhook_attempts,
                    i.webhook_accepted,
                    i.webhook_duplicates,
                    i.webhook_redeliveries,
                    i.webhook_unanswered
                ),
            ),
            (
                "Concurrent copies",
                format!(
                    "{} bursts, {} copies ({} accepted, {} refused)",
                    n(&b.bursts),
                    n(&b.copies),
                    n(&b.accepted),
                    n(&b.refused)
                ),
            ),
            (
                "Intacct faults",
                format!(
                    "{} requests: {} throttled, {} over the concurrency limit, {} 5xx, {} lost answers",
                    i.intacct_requests,
                    i.intacct_throttled,
                    i.intacct_over_concurrency_limit,
                    i.intacct_server_errors,
                    i.intacct_lost_answers
                ),
            ),
            (
                "Invoiced faults",
                format!(
                    "{} harness writes retried after a 5xx (commit-then-fail {} %)",
                    n(&l.invoiced_write_retries),
                    self.faults.invoiced_commit_then_fail * 100.0
                ),
            ),
            ("syncd SIGKILLs", self.kills.to_string()),
            (
                "Quiet",
                format!(
                    "{} after {:.0} s (queue {}, parked {}, open errors {}, dead letters {}{})",
                    if self.quiet.reached {
                        "reached"
                    } else {
                        "NOT reached"
                    },
                    self.quiet.waited_secs,
                    self.quiet.status["queue_total"],
                    self.quiet.status["parked"],
                    self.quiet.status["open_errors"],
                    self.quiet.status["dead_letters"],
                    if self.quiet.webhook_disabled {
                        "; the sandbox DISABLED the webhook"
                    } else {
                        ""
                    }
                ),
            ),
            (
                "Elapsed",
                format!(
                    "{:.0} s load, {:.0} s in all",
                    self.load_secs, self.total_secs
                ),
            ),
            ("syncd data", self.data_dir.clone()),
        ];
        for (what, value) in rows {
            let _ = writeln!(out, "{what:<20} {value}");
        }
        if !self.injected.failed_deliveries.is_empty() {
            let _ = writeln!(
                out,
                "Never delivered     {} deliveries got no 2xx on any attempt:",
                self.injected.failed_deliveries.len()
            );
            for line in self.injected.failed_deliveries.iter().take(SHOWN) {
                let _ = writeln!(out, "                     {line}");
            }
        }
        let _ = writeln!(
            out,
            "\n{:<6} {:>7} {:>7}  CHECK",
            "RESULT", "CHECKED", "WRONG"
        );
        for c in &self.verdict.checks {
            let _ = writeln!(
                out,
                "{:<6} {:>7} {:>7}  {}",
                if c.problems.is_empty() { "ok" } else { "FAIL" },
                c.checked,
                c.problems.len(),
                c.name
            );
            for p in c.problems.iter().take(SHOWN) {
                let error = p
                    .open_error
                    .as_ref()
                    .map(|e| format!(" (open error {e})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "         {:?}: {} → {}{error}",
                    p.kind, p.record, p.detail
                );
            }
            if c.problems.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "         … {} more (see --json)",
                    c.problems.len() - SHOWN
                );
            }
        }
        let v = &self.verdict;
        let _ = write!(
            out,
            "\n{}: {} lost, {} duplicated, {} mismatched, {} open errors for records in sync, {} dead letters",
            if self.ok { "PASS" } else { "FAIL" },
            v.count(Kind::Lost),
            v.count(Kind::Duplicated),
            v.count(Kind::Mismatch),
            v.count(Kind::StaleError),
            v.count(Kind::DeadLetter)
        );
        out
    }
}
