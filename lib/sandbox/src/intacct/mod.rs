//! Intacct simulator (being written).

use std::net::SocketAddr;

/// Command-line flags of the Intacct simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct IntacctArgs {
    /// Address the Intacct simulator listens on, e.g. 127.0.0.1:8081.
    #[arg(long)]
    pub intacct_addr: Option<SocketAddr>,
}

/// Settings of one Intacct simulator run.
#[derive(Debug, Clone)]
pub struct IntacctConfig {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
}

impl IntacctArgs {
    /// Validated settings from the flags.
    pub fn to_config(&self) -> anyhow::Result<IntacctConfig> {
        Ok(IntacctConfig {
            addr: self
                .intacct_addr
                .ok_or_else(|| anyhow::anyhow!("--intacct-addr is required"))?,
        })
    }
}

/// A running simulator; dropping it stops the server.
pub struct RunningIntacct {
    /// Base URL clients use.
    pub url: String,
}

impl RunningIntacct {
    /// What the binary prints on start.
    pub fn banner(&self) -> String {
        format!("Intacct sandbox listening on {}", self.url)
    }
}

/// Start the simulator in the background.
pub async fn spawn(config: IntacctConfig) -> anyhow::Result<RunningIntacct> {
    Ok(RunningIntacct {
        url: format!("http://{}", config.addr),
    })
}
