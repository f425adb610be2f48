//! A world for the runner's tests: both sandboxes on 127.0.0.1, the runner's service over a
//! SQLite file in a temporary directory, and its webhook server on a free port.

#![allow(dead_code)]

pub mod aws;
pub mod cli;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;

use sandbox::intacct::{IntacctConfig, RunningIntacct};
use sandbox::invoiced::{InvoicedConfig, RunningInvoiced};
use sync_engine::config::ConnectionId;
use sync_engine::engine::EngineSettings;
use syncd::service::{Service, parse_secrets};

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "syncd-test-{tag}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The connection JSON the tests store: every flow on, the demo's accounts.
pub fn connection_json(id: &str, intacct: &RunningIntacct, invoiced_url: &str) -> String {
    serde_json::json!({
        "id": id,
        "intacct": { "company_id": intacct.credentials.company_id, "endpoint": intacct.endpoint },
        "invoiced": { "base_url": invoiced_url },
        "flows": {
            "read": { "customers": true, "invoices": true, "credit_notes": true, "payments": true },
            "write": { "customers": true, "invoices": true, "credit_notes": true, "payments": true }
        },
        "accounts": {
            "item_account": "4000",
            "payment_routes": [
                { "currency": "*", "method": "*", "deposit": { "undeposited_funds": "1200" } }
            ]
        }
    })
    .to_string()
}

/// The secrets file content for one connection.
pub fn secrets_json(id: &str, intacct: &RunningIntacct, invoiced: &RunningInvoiced) -> String {
    serde_json::json!({ id: sandbox::connection_secrets(intacct, invoiced) }).to_string()
}

/// Sandboxes, the service, and its webhook server.
pub struct World {
    pub intacct: RunningIntacct,
    pub invoiced: RunningInvoiced,
    pub service: Service,
    pub conn: ConnectionId,
    pub api: invoiced::Client,
    /// Base URL of the runner's server.
    pub server_url: String,
    stop: watch::Sender<bool>,
    pub dir: TempDir,
}

impl World {
    pub async fn start() -> World {
        Self::start_with(IntacctConfig::default()).await
    }

    pub async fn start_with(intacct_config: IntacctConfig) -> World {
        let intacct = sandbox::intacct::spawn(intacct_config)
            .await
            .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
            .await
            .expect("invoiced sandbox");
        let dir = TempDir::new("world");
        let secrets = parse_secrets(&secrets_json("acme", &intacct, &invoiced)).expect("secrets");
        let settings = EngineSettings {
            lease_wait: std::time::Duration::from_secs(2),
            ..EngineSettings::default()
        };
        let service = Service::open(dir.path(), Arc::new(secrets), settings).expect("service");
        let config = syncd::ops::add_connection(
            service.engine.store().as_ref(),
            &connection_json("acme", &intacct, &invoiced.url),
        )
        .await
        .expect("connection stored");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let server_url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(syncd::server::serve(
            listener,
            service.engine.clone(),
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        ));
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse().expect("url")),
        ))
        .expect("invoiced client");
        World {
            conn: config.id,
            intacct,
            invoiced,
            service,
            api,
            server_url,
            stop,
            dir,
        }
    }

    /// The webhook URL of the connection.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/{}", self.server_url, self.conn)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
