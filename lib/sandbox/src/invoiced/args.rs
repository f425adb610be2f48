//! Command-line flags and the validated configuration they produce.

use secrecy::SecretString;
use std::net::SocketAddr;
use std::time::Duration;

use super::faults::{DEFAULT_IN_FLIGHT_LIMIT, parse_rate};

/// Command-line flags of the Invoiced simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct InvoicedArgs {
    /// Address the Invoiced simulator listens on, e.g. 127.0.0.1:8081 (127.0.0.1 only; port 0 picks one).
    #[arg(long, env = "INVOICED_SANDBOX_ADDR")]
    pub invoiced_addr: Option<SocketAddr>,
    /// API key clients must send as the HTTP Basic user name.
    #[arg(long, default_value = "sandbox_api_key")]
    pub invoiced_api_key: String,
    /// URL that receives signed webhook deliveries; none are sent when unset.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Webhook signing secret (X-Invoiced-Signature = hex HMAC-SHA256 of the body with it).
    #[arg(long, default_value = "sandbox_webhook_secret_0123456789")]
    pub webhook_secret: String,
    /// Latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub invoiced_latency_ms: u64,
    /// Probability (0..1) that an API request fails with a 500 api_error.
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub invoiced_error_rate: f64,
    /// Probability (0..1) that a write is stored (events and webhooks included) but answered with a 500.
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub invoiced_commit_then_fail_rate: f64,
    /// Probability (0..1) that a webhook delivery is sent twice.
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub webhook_duplicate_rate: f64,
    /// Probability (0..1) that a webhook delivery is held back and sent after the next one.
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub webhook_reorder_rate: f64,
    /// Seconds to wait before each webhook retry, comma separated (Invoiced: 3600 × 47).
    #[arg(long, default_value = "1,2,4,8", value_delimiter = ',')]
    pub webhook_retry_secs: Vec<u64>,
    /// Concurrent API requests allowed before 429 (Invoiced: 20 per API key).
    #[arg(long, default_value_t = DEFAULT_IN_FLIGHT_LIMIT)]
    pub invoiced_in_flight_limit: usize,
    /// Seed of the fault-injection random generators (same seed, same faults).
    #[arg(long, default_value_t = 42)]
    pub invoiced_fault_seed: u64,
    /// Create this many customers at start-up.
    #[arg(long, default_value_t = 0)]
    pub seed_invoiced_customers: usize,
}

/// Settings of one Invoiced simulator run.
#[derive(Debug, Clone)]
pub struct InvoicedConfig {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
    /// The valid API key.
    pub api_key: SecretString,
    /// Webhook endpoint.
    pub webhook_url: Option<String>,
    /// Webhook signing secret.
    pub webhook_secret: SecretString,
    /// Latency per API request.
    pub latency: Duration,
    /// Injected 500 probability (nothing written).
    pub error_rate: f64,
    /// Injected 500-after-commit probability.
    pub commit_then_fail_rate: f64,
    /// Duplicate delivery probability.
    pub duplicate_rate: f64,
    /// Reordered delivery probability.
    pub reorder_rate: f64,
    /// Wait before each retry.
    pub retry_schedule: Vec<Duration>,
    /// Concurrency limit.
    pub in_flight_limit: usize,
    /// Fault seed.
    pub fault_seed: u64,
    /// Customers to create at start.
    pub seed_customers: usize,
}

impl InvoicedConfig {
    /// Defaults for tests: 127.0.0.1 on a free port, key `test_api_key`, secret
    /// `test_webhook_secret`, no faults, retries after 0.2 s and 0.4 s.
    pub fn for_tests() -> InvoicedConfig {
        InvoicedConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: SecretString::from("test_api_key"),
            webhook_url: None,
            webhook_secret: SecretString::from("test_webhook_secret"),
            latency: Duration::ZERO,
            error_rate: 0.0,
            commit_then_fail_rate: 0.0,
            duplicate_rate: 0.0,
            reorder_rate: 0.0,
            retry_schedule: vec![Duration::from_millis(200), Duration::from_millis(400)],
            in_flight_limit: DEFAULT_IN_FLIGHT_LIMIT,
            fault_seed: 42,
            seed_customers: 0,
        }
    }
}

impl InvoicedArgs {
    /// Validated settings from the flags.
    pub fn to_config(&self) -> anyhow::Result<InvoicedConfig> {
        let addr = self
            .invoiced_addr
            .ok_or_else(|| anyhow::anyhow!("--invoiced-addr is required"))?;
        if !addr.ip().is_loopback() {
            anyhow::bail!("--invoiced-addr must be a loopback address (127.0.0.1), got {addr}");
        }
        if self.invoiced_api_key.is_empty() {
            anyhow::bail!("--invoiced-api-key must not be empty");
        }
        if self.invoiced_in_flight_limit == 0 {
            anyhow::bail!("--invoiced-in-flight-limit must be at least 1");
        }
        Ok(InvoicedConfig {
            addr,
            api_key: SecretString::from(self.invoiced_api_key.clone()),
            webhook_url: self.webhook_url.clone(),
            webhook_secret: SecretString::from(self.webhook_secret.clone()),
            latency: Duration::from_millis(self.invoiced_latency_ms),
            error_rate: self.invoiced_error_rate,
            commit_then_fail_rate: self.invoiced_commit_then_fail_rate,
            duplicate_rate: self.webhook_duplicate_rate,
            reorder_rate: self.webhook_reorder_rate,
            retry_schedule: self
                .webhook_retry_secs
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            in_flight_limit: self.invoiced_in_flight_limit,
            fault_seed: self.invoiced_fault_seed,
            seed_customers: self.seed_invoiced_customers,
        })
    }
}
