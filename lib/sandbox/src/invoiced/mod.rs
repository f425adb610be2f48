//! Invoiced simulator (being written).

use std::net::SocketAddr;

/// Command-line flags of the Invoiced simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct InvoicedArgs {
    /// Address the Invoiced simulator listens on, e.g. 127.0.0.1:8081.
    #[arg(long)]
    pub invoiced_addr: Option<SocketAddr>,
}

/// Settings of one Invoiced simulator run.
#[derive(Debug, Clone)]
pub struct InvoicedConfig {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
}

impl InvoicedArgs {
    /// Validated settings from the flags.
    pub fn to_config(&self) -> anyhow::Result<InvoicedConfig> {
        Ok(InvoicedConfig {
            addr: self
                .invoiced_addr
                .ok_or_else(|| anyhow::anyhow!("--invoiced-addr is required"))?,
        })
    }
}

/// A running simulator; dropping it stops the server.
pub struct RunningInvoiced {
    /// Base URL clients use.
    pub url: String,
}

impl RunningInvoiced {
    /// What the binary prints on start.
    pub fn banner(&self) -> String {
        format!("Invoiced sandbox listening on {}", self.url)
    }
}

/// Start the simulator in the background.
pub async fn spawn(config: InvoicedConfig) -> anyhow::Result<RunningInvoiced> {
    Ok(RunningInvoiced {
        url: format!("http://{}", config.addr),
    })
}
