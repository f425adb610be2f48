//! `demo`: the whole product against both sandboxes, in-process.

use clap::Args;
use std::process::ExitCode;

use super::Cli;
use super::output::{emit, invalid};
use crate::demo::{self, DemoOptions};

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Intacct customers to seed.
    #[arg(long, default_value_t = 20)]
    pub seed_customers: usize,
    /// Intacct Sales Invoices to seed.
    #[arg(long, default_value_t = 40)]
    pub seed_invoices: usize,
    /// Intacct Sales Returns to seed.
    #[arg(long, default_value_t = 4)]
    pub seed_returns: usize,
    /// Intacct payments to seed (each pays one seeded invoice).
    #[arg(long, default_value_t = 10)]
    pub seed_payments: usize,
    /// Share of Intacct requests throttled while the scripted user works (0.0–1.0).
    #[arg(long, default_value_t = 0.4)]
    pub throttle_rate: f64,
}

impl DemoArgs {
    /// Runs the demo: each step is printed as it happens (stderr), then the summary (stdout);
    /// with `--json`, only the report. Fails (exit code 1) when the systems disagree.
    pub async fn run(&self, cli: &Cli) -> anyhow::Result<ExitCode> {
        if !(0.0..=1.0).contains(&self.throttle_rate) {
            return Err(invalid("--throttle-rate must be between 0.0 and 1.0"));
        }
        let report = demo::run(DemoOptions {
            seed_customers: self.seed_customers,
            seed_invoices: self.seed_invoices,
            seed_returns: self.seed_returns,
            seed_payments: self.seed_payments,
            throttle_rate: self.throttle_rate,
            live: !cli.json,
        })
        .await?;
        emit(cli.json, &report, |r| r.render());
        Ok(if report.agreement.ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
