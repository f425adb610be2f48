//! Command-line flags of the Intacct simulator and the config they produce.

use std::net::SocketAddr;

use secrecy::SecretString;

use super::seed::SeedSpec;
use super::state::{BadLoginMode, Credentials, Settings, SummaryFrequency, TimeoutMode};

/// Command-line flags of the Intacct simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct IntacctArgs {
    /// Address the Intacct simulator listens on, e.g. 127.0.0.1:8081 (port 0 picks a free one).
    #[arg(long)]
    pub intacct_addr: Option<SocketAddr>,
    /// Host name advertised in getAPISession's <endpoint> (the port stays the real one). The
    /// official SDKs only accept *.intacct.com endpoints, e.g. `sandbox.intacct.com`.
    #[arg(long)]
    pub intacct_public_host: Option<String>,
    /// Web Services sender id the gateway accepts.
    #[arg(long, default_value = "sandbox_sender")]
    pub intacct_sender_id: String,
    /// Web Services sender password.
    #[arg(long, default_value = "sandbox-sender-password")]
    pub intacct_sender_password: String,
    /// Company id.
    #[arg(long, default_value = "SANDBOX")]
    pub intacct_company_id: String,
    /// API user id.
    #[arg(long, default_value = "sync_user")]
    pub intacct_user_id: String,
    /// API user password.
    #[arg(long, default_value = "sandbox-user-password")]
    pub intacct_user_password: String,
    /// Concurrent requests per company before XMLGW_JPP0001 (Intacct's standard level: 2).
    #[arg(long, default_value_t = 2)]
    pub intacct_concurrency_limit: usize,
    /// How long an over-limit request waits for a slot (the real gateway waits 30000 ms).
    #[arg(long, default_value_t = 0)]
    pub intacct_concurrency_wait_ms: u64,
    /// Added latency per gateway request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub intacct_latency_ms: u64,
    /// Share of requests answered XMLGW_JPP0001 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub intacct_throttle_rate: f64,
    /// Share of requests answered HTTP 500/502/503 with an HTML body (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub intacct_error_rate: f64,
    /// Share of requests that take effect but whose response is lost (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub intacct_timeout_rate: f64,
    /// How long a timed-out request holds the connection, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub intacct_timeout_hold_ms: u64,
    /// What a timed-out request finally gets.
    #[arg(long, value_enum, default_value_t = TimeoutMode::Status524)]
    pub intacct_timeout_mode: TimeoutMode,
    /// Sliding API session lifetime in seconds.
    #[arg(long, default_value_t = 1_800)]
    pub intacct_session_ttl_secs: u64,
    /// AR payment summary frequency; `user-specified` makes payments need a batch key.
    #[arg(long, value_enum, default_value_t = SummaryFrequency::Daily)]
    pub intacct_payment_summary_frequency: SummaryFrequency,
    /// How a wrong user login is answered.
    #[arg(long, value_enum, default_value_t = BadLoginMode::Http401)]
    pub intacct_bad_login: BadLoginMode,
    /// Company base currency.
    #[arg(long, default_value = "USD")]
    pub intacct_base_currency: String,
    /// Seed for fault injection and generated ids (runs are reproducible).
    #[arg(long, default_value_t = 42)]
    pub intacct_fault_seed: u64,
    /// Customers to create at start.
    #[arg(long, default_value_t = 0)]
    pub seed_customers: usize,
    /// Order Entry "Sales Invoice" documents (with their AR invoices) to create at start.
    #[arg(long, default_value_t = 0)]
    pub seed_invoices: usize,
    /// Order Entry "Sales Return" documents to create at start.
    #[arg(long, default_value_t = 0)]
    pub seed_returns: usize,
    /// AR payments (each paying one seeded invoice in full) to create at start.
    #[arg(long, default_value_t = 0)]
    pub seed_payments: usize,
    /// Mixed payments (cash plus part of a Sales Return's credit) on the next invoices.
    #[arg(long, default_value_t = 0)]
    pub seed_mixed_payments: usize,
    /// Credit-only applications of a Sales Return's credit to the next invoices.
    #[arg(long, default_value_t = 0)]
    pub seed_credit_applications: usize,
    /// Extra Sales Invoices in euros (at Intacct's daily rate).
    #[arg(long, default_value_t = 0)]
    pub seed_foreign_invoices: usize,
}

/// Settings of one Intacct simulator run.
#[derive(Debug, Clone)]
pub struct IntacctConfig {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Host advertised in getAPISession endpoints instead of the listen IP.
    pub public_host: Option<String>,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Initial runtime settings.
    pub settings: Settings,
    /// Seed data.
    pub seed: SeedSpec,
    /// Fault/id seed.
    pub fault_seed: u64,
    /// Freeze the clock here before seeding, so seeded WHENMODIFIED values are reproducible too.
    pub frozen_clock: Option<chrono::NaiveDateTime>,
}

impl Default for IntacctConfig {
    /// Loopback on a free port with the CLI defaults: what tests start from.
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_host: None,
            credentials: Credentials {
                sender_id: "sandbox_sender".into(),
                sender_password: SecretString::from("sandbox-sender-password"),
                company_id: "SANDBOX".into(),
                user_id: "sync_user".into(),
                user_password: SecretString::from("sandbox-user-password"),
            },
            settings: Settings::default(),
            seed: SeedSpec::default(),
            fault_seed: 42,
            frozen_clock: None,
        }
    }
}

impl IntacctArgs {
    /// Validated settings from the flags.
    pub fn to_config(&self) -> anyhow::Result<IntacctConfig> {
        let addr = self
            .intacct_addr
            .ok_or_else(|| anyhow::anyhow!("--intacct-addr is required"))?;
        if !addr.ip().is_loopback() {
            anyhow::bail!(
                "--intacct-addr must be a loopback address (the sandbox binds 127.0.0.1 only)"
            );
        }
        for (flag, rate) in [
            ("--intacct-throttle-rate", self.intacct_throttle_rate),
            ("--intacct-error-rate", self.intacct_error_rate),
            ("--intacct-timeout-rate", self.intacct_timeout_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                anyhow::bail!("{flag} must be between 0.0 and 1.0, got {rate}");
            }
        }
        if self.intacct_concurrency_limit == 0 {
            anyhow::bail!("--intacct-concurrency-limit must be at least 1");
        }
        Ok(IntacctConfig {
            addr,
            public_host: self.intacct_public_host.clone(),
            credentials: Credentials {
                sender_id: self.intacct_sender_id.clone(),
                sender_password: SecretString::from(self.intacct_sender_password.clone()),
                company_id: self.intacct_company_id.clone(),
                user_id: self.intacct_user_id.clone(),
                user_password: SecretString::from(self.intacct_user_password.clone()),
            },
            settings: Settings {
                concurrency_limit: self.intacct_concurrency_limit,
                concurrency_wait_ms: self.intacct_concurrency_wait_ms,
                latency_ms: self.intacct_latency_ms,
                throttle_rate: self.intacct_throttle_rate,
                error_rate: self.intacct_error_rate,
                timeout_rate: self.intacct_timeout_rate,
                timeout_hold_ms: self.intacct_timeout_hold_ms,
                timeout_mode: self.intacct_timeout_mode,
                payment_summary_frequency: self.intacct_payment_summary_frequency,
                session_ttl_secs: self.intacct_session_ttl_secs,
                bad_login: self.intacct_bad_login,
                base_currency: self.intacct_base_currency.clone(),
                ..Settings::default()
            },
            seed: SeedSpec {
                customers: self.seed_customers,
                invoices: self.seed_invoices,
                returns: self.seed_returns,
                payments: self.seed_payments,
                mixed_payments: self.seed_mixed_payments,
                credit_applications: self.seed_credit_applications,
                foreign_invoices: self.seed_foreign_invoices,
            },
            fault_seed: self.intacct_fault_seed,
            frozen_clock: None,
        })
    }
}
