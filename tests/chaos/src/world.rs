//! The world under test: both sandboxes in this process, the real `syncd serve` as a child
//! process on its own data directory, and the operator commands (`syncd status --json` …) run
//! against that same directory.

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sandbox::intacct::{IntacctConfig, RunningIntacct};
use sandbox::invoiced::{InvoicedConfig, RunningInvoiced};

/// The connection id the harness configures.
pub const CONNECTION: &str = "chaos";

/// How `serve` is tuned for the run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `--poll-interval` in seconds.
    pub poll_secs: u64,
    /// `--retry-base` in seconds.
    pub retry_base_secs: u64,
    /// `--retry-cap` in seconds.
    pub retry_cap_secs: u64,
    /// `--retry-max-attempts`.
    pub retry_max_attempts: u32,
}

/// Both sandboxes and the syncd process.
pub struct World {
    /// Intacct sandbox.
    pub intacct: RunningIntacct,
    /// Invoiced sandbox.
    pub invoiced: RunningInvoiced,
    /// A client on the Invoiced sandbox's REST API.
    pub api: invoiced::Client,
    /// The syncd process.
    pub syncd: Syncd,
    /// Where syncd posts nothing but receives webhooks: `http://<listen>/webhooks/chaos`.
    pub webhook_url: String,
}

impl World {
    /// Starts the sandboxes (no faults yet), writes the connection and secrets files, adds the
    /// connection with `syncd connection add` and starts `syncd serve`.
    pub async fn start(
        seed: u64,
        syncd_bin: PathBuf,
        data_dir: PathBuf,
        serve: ServeOptions,
    ) -> anyhow::Result<World> {
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let listen = free_port()?;
        let webhook_url = format!("http://{listen}/webhooks/{CONNECTION}");
        let intacct = sandbox::intacct::spawn(IntacctConfig {
            fault_seed: seed,
            ..IntacctConfig::default()
        })
        .await
        .context("starting the Intacct sandbox")?;
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig {
            webhook_url: Some(webhook_url.clone()),
            webhook_secret: SecretString::from(format!("chaos-webhook-secret-{seed}")),
            fault_seed: seed.wrapping_add(1),
            ..InvoicedConfig::for_tests()
        })
        .await
        .context("starting the Invoiced sandbox")?;
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse()?),
        ))?;

        let config = data_dir.join("connection.json");
        std::fs::write(
            &config,
            connection_json(
                &intacct.endpoint,
                &intacct.credentials.company_id,
                &invoiced.url,
            )
            .to_string(),
        )?;
        let secrets = data_dir.join("secrets.json");
        std::fs::write(
            &secrets,
            json!({ CONNECTION: sandbox::connection_secrets(&intacct, &invoiced) }).to_string(),
        )?;
        let mut syncd = Syncd {
            bin: syncd_bin,
            data_dir: data_dir.clone(),
            secrets,
            listen,
            serve,
            child: None,
            starts: 0,
            kills: 0,
        };
        syncd
            .cli(&[
                "connection",
                "add",
                "--config",
                &config.display().to_string(),
            ])
            .await?;
        syncd.start().await?;
        Ok(World {
            intacct,
            invoiced,
            api,
            syncd,
            webhook_url,
        })
    }
}

/// Every flow on; USD payments into undeposited funds; convenience fees as `CF-` invoices.
fn connection_json(intacct_endpoint: &str, company_id: &str, invoiced_url: &str) -> Value {
    json!({
        "id": CONNECTION,
        "intacct": { "company_id": company_id, "endpoint": intacct_endpoint, "max_concurrent_requests": 2, "base_currency": "USD" },
        "invoiced": { "base_url": invoiced_url },
        "flows": {
            "read": { "customers": true, "invoices": true, "credit_notes": true, "payments": true },
            "write": { "customers": true, "invoices": true, "credit_notes": true, "payments": true }
        },
        "accounts": {
            "item_account": "4000",
            "payment_routes": [
                { "currency": "usd", "method": "*", "deposit": { "undeposited_funds": "1200" } },
                { "currency": "*", "method": "*", "deposit": { "bank_account": "BOA" } }
            ]
        },
        "convenience_fees": { "mode": "invoice", "gl_account": "4900" }
    })
}

/// A loopback port nothing listens on right now.
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?)
}

/// The `syncd serve` child process and the operator commands on its data directory.
pub struct Syncd {
    bin: PathBuf,
    data_dir: PathBuf,
    secrets: PathBuf,
    listen: SocketAddr,
    serve: ServeOptions,
    child: Option<Child>,
    /// Times `serve` was started.
    pub starts: u32,
    /// Times it was SIGKILLed.
    pub kills: u32,
}

impl Syncd {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--secrets")
            .arg(&self.secrets)
            .arg("--listen")
            .arg(self.listen.to_string())
            .stdin(Stdio::null());
        command
    }

    /// Starts `serve` (stderr appended to `<data dir>/syncd.log`) and waits for `/healthz`.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.join("syncd.log"))?;
        let s = &self.serve;
        let child = self
            .command()
            .args(["serve", "--poll-interval"])
            .arg(format!("{}s", s.poll_secs))
            .arg("--retry-base")
            .arg(format!("{}s", s.retry_base_secs))
            .arg("--retry-cap")
            .arg(format!("{}s", s.retry_cap_secs))
            .arg("--retry-max-attempts")
            .arg(s.retry_max_attempts.to_string())
            .env(
                "RUST_LOG",
                std::env::var("CHAOS_SYNCD_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        self.child = Some(child);
        self.starts += 1;
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("http://{}/healthz", self.listen);
        let client = reqwest::Client::new();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "syncd serve exited at start ({status}); see {}",
                    self.data_dir.join("syncd.log").display()
                );
            }
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("syncd did not answer {url} within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILLs `serve` (`Child::kill` on Unix) and reaps it.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
            self.kills += 1;
        }
        Ok(())
    }

    /// Stops `serve` at the end of the run (SIGKILL too: nothing is left to flush).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `syncd --json <args>` on the data directory and parses its JSON output.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<Value> {
        let mut command = self.command();
        command.arg("--json").args(args);
        let what = args.join(" ");
        let output = tokio::task::spawn_blocking(move || command.output())
            .await?
            .with_context(|| format!("running syncd {what}"))?;
        if !output.status.success() {
            bail!(
                "syncd {what} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        serde_json::from_slice(&output.stdout)
            .with_context(|| format!("syncd {what} printed no JSON"))
    }

    /// `syncd status chaos --json`.
    pub async fn status(&self) -> anyhow::Result<Value> {
        self.cli(&["status", CONNECTION]).await
    }

    /// `syncd errors list chaos --status open --json`.
    pub async fn open_errors(&self) -> anyhow::Result<Vec<Value>> {
        let errors = self
            .cli(&["errors", "list", CONNECTION, "--status", "open"])
            .await?;
        Ok(errors.as_array().cloned().unwrap_or_default())
    }

    /// The letters of `syncd dlq list --json` (every dead letter).
    pub async fn dead_letters(&self) -> anyhow::Result<Vec<Value>> {
        let listed = self.cli(&["dlq", "list", "--limit", "1000000"]).await?;
        Ok(listed["letters"].as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Syncd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Finds the `syncd` binary: `--syncd PATH`, else the one next to this binary, built (or
/// brought up to date) first with the same Cargo profile when the harness runs under Cargo.
pub fn locate_syncd(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe
        .parent()
        .context("the chaos binary has no directory")?
        .to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    let candidate = dir.join(format!("syncd{}", std::env::consts::EXE_SUFFIX));
    let cargo = std::env::var("CARGO")
        .ok()
        .or_else(|| option_env!("CARGO").map(str::to_owned));
    if let Some(cargo) = cargo {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_owned(),
            Some(other) => other.to_owned(),
        };
        eprintln!("building syncd (cargo build -p syncd --profile {profile}) …");
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "syncd",
                "--bin",
                "syncd",
                "--profile",
                &profile,
            ])
            .arg("--manifest-path")
            .arg(&manifest)
            .stdin(Stdio::null())
            .status()
            .context("running cargo build -p syncd")?;
        if !status.success() {
            bail!("cargo build -p syncd failed ({status})");
        }
    }
    if !candidate.exists() {
        bail!(
            "no syncd binary at {}: build it with `cargo build -p syncd` or pass --syncd PATH",
            candidate.display()
        );
    }
    Ok(candidate)
}
