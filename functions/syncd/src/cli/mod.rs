//! The command line: `serve`, the operator commands and `demo`, one module per command group.
//!
//! Operator commands become a [`sync_engine::operator::Request`] answered by the shared
//! operator on the local SQLite file or, with `--aws`, on the deployment ([`backend`]); with
//! `--json` they print the same JSON as the operator API, errors included ([`output`]).

pub mod args;
pub mod backend;
pub mod connections;
#[cfg(feature = "demo")]
pub mod demo;
pub mod dlq;
pub mod errors;
pub mod output;
pub mod serve;
pub mod sync;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use sync_engine::operator::Request;

use crate::render;
use crate::service::DEFAULT_DATA_DIR;
use crate::webhook_url::WebhookBaseUrl;
use backend::Backend;
use connections::ConnectionCommand;
use dlq::DlqCommand;
use errors::ErrorsCommand;
use output::{emit, invalid};

/// Environment variable of `--webhook-base-url`. Only this command line reads it: the Lambda
/// functions never print or need their own public URL, so it is deliberately not in
/// `sync_aws::runtime::env::ALL`, the list Terraform must set on every function (and the infra
/// check compares). Terraform's `operator_environment` output exports it for operators.
pub const WEBHOOK_BASE_URL_ENV: &str = "SYNC_WEBHOOK_BASE_URL";

/// The one-machine Invoiced ↔ Sage Intacct sync.
#[derive(Debug, Parser)]
#[command(name = "syncd", version, about)]
pub struct Cli {
    /// Directory of the SQLite database.
    #[arg(long, global = true, env = "SYNCD_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Credentials file: a JSON object `{ "<connection id>": { ...secrets... } }`.
    #[arg(long, global = true, env = "SYNCD_SECRETS")]
    pub secrets: Option<PathBuf>,
    /// Address the webhook server listens on (loopback only; put a reverse proxy in front).
    #[arg(long, global = true, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Public base URL of the webhook endpoint; `connection add` prints
    /// `<base>/webhooks/<id>`. On AWS: `terraform -chdir=infra output webhook_base_url`. On one
    /// machine: the reverse proxy's address (without it, the --listen address is printed).
    #[arg(long, global = true, env = WEBHOOK_BASE_URL_ENV, value_parser = WebhookBaseUrl::parse)]
    pub webhook_base_url: Option<WebhookBaseUrl>,
    /// Machine-readable JSON output, the operator API's; a failure prints its error body
    /// (`{"error": …, "kind": "invalid" | "not_found" | "backend"}`) on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Operate the AWS deployment instead of the local SQLite file: the resources named by
    /// SYNC_TABLE_NAME, SYNC_RETRY_QUEUE_URL, SYNC_DEAD_LETTER_QUEUE_URL and
    /// SYNC_SECRET_PREFIX, with the usual AWS credentials and region (AWS_ENDPOINT_URL too).
    #[arg(long, global = true)]
    pub aws: bool,
    /// Log progress (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the webhook server, the retry worker and the poller until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Manage connections.
    Connection {
        /// Action.
        #[command(subcommand)]
        action: ConnectionCommand,
    },
    /// Poll a connection now.
    SyncNow(sync::SyncNowArgs),
    /// Import Intacct records created within a date range.
    InitialSync(sync::InitialSyncArgs),
    /// Reconciliation errors.
    Errors {
        /// Action.
        #[command(subcommand)]
        action: ErrorsCommand,
    },
    /// Where a connection stands: last sync per stream, its queued work and dead letters,
    /// parked work, open errors.
    Status {
        /// Connection id.
        id: String,
    },
    /// The dead-letter queue.
    Dlq {
        /// Action.
        #[command(subcommand)]
        action: DlqCommand,
    },
    /// Run the whole product against both sandboxes, in-process, and check they agree.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
}

/// Logs to stderr: warnings by default (nothing for `demo`, which narrates itself), info with
/// `--verbose`; `RUST_LOG` wins.
pub fn init_tracing(cli: &Cli) {
    let default = match (cli.verbose, &cli.command) {
        (true, _) => "info",
        #[cfg(feature = "demo")]
        (false, Command::Demo(_)) => "off",
        (false, _) => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parses the process's arguments; a refused command line ends the process (as JSON with
/// `--json`).
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => output::refuse(e, std::env::args().any(|a| a == "--json")),
    }
}

/// Runs a parsed command line; the exit code says whether it succeeded. A failure is reported
/// here (see [`output::fail`]).
pub async fn run(cli: Cli) -> ExitCode {
    match execute(&cli).await {
        Ok(code) => code,
        Err(e) => output::fail(cli.json, &e),
    }
}

async fn execute(cli: &Cli) -> anyhow::Result<ExitCode> {
    if !cli.listen.ip().is_loopback() {
        return Err(invalid(
            "--listen must be a loopback address; expose it through a reverse proxy",
        ));
    }
    match &cli.command {
        #[cfg(feature = "demo")]
        Command::Demo(demo) => return demo.run(cli).await,
        Command::Serve(serve) => {
            serve.run(cli).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Connection { action } => action.check(cli.aws)?,
        _ => {}
    }
    let backend = Backend::open(cli).await?;
    match &cli.command {
        #[cfg(feature = "demo")]
        Command::Demo(_) => {}
        Command::Serve(_) => {}
        Command::Connection { action } => action.run(cli, &backend).await?,
        Command::SyncNow(sync_now) => sync_now.run(cli, &backend).await?,
        Command::InitialSync(initial) => initial.run(cli, &backend).await?,
        Command::Errors { action } => action.run(cli, &backend).await?,
        Command::Status { id } => {
            let response = backend
                .answer(Request::Status {
                    connection: id.clone(),
                })
                .await?;
            emit(cli.json, &response, render::response);
        }
        Command::Dlq { action } => action.run(cli, &backend).await?,
    }
    Ok(ExitCode::SUCCESS)
}
