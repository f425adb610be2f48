//! The command line: `serve`, the operator commands and `demo`.

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

use sync_engine::adapters::memory::StaticSecrets;
use sync_engine::config::ConnectionId;
use sync_engine::engine::read::{InitialSync, Progress, ReadReport};
use sync_engine::engine::{Engine, EngineSettings};
use sync_engine::model::ErrorFilter;
use sync_engine::retry::RetryPolicy;

use crate::ops;
use crate::render;
use crate::service::{DEFAULT_DATA_DIR, Service, load_secrets};
use crate::webhook_url::WebhookBaseUrl;
use crate::worker::{Worker, WorkerSettings};

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
    /// Machine-readable JSON output.
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
    Serve {
        /// Time between polls of Intacct, e.g. `1h`, `15m`, `90s`.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        poll_interval: Duration,
        /// Ceiling of the first retry's backoff after a failed write; doubles each attempt.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        retry_base: Duration,
        /// Largest backoff between two attempts of a write.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        retry_cap: Duration,
        /// Attempts after which a failing write becomes a reconciliation error.
        #[arg(long, default_value_t = RetryPolicy::default().max_attempts,
              value_parser = clap::value_parser!(u32).range(1..))]
        retry_max_attempts: u32,
    },
    /// Manage connections.
    Connection {
        /// Action.
        #[command(subcommand)]
        action: ConnectionCommand,
    },
    /// Poll a connection now.
    SyncNow {
        /// Connection id.
        id: String,
    },
    /// Import Intacct records created within a date range.
    InitialSync {
        /// Connection id.
        id: String,
        /// Record types, comma separated: customer,invoice,credit_note,payment.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "customer,invoice,credit_note,payment"
        )]
        types: Vec<String>,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last day, inclusive (YYYY-MM-DD).
        #[arg(long)]
        to: NaiveDate,
        /// Continue an earlier, cut-off run with this id instead of starting a new one.
        #[arg(long)]
        resume: Option<String>,
    },
    /// Reconciliation errors.
    Errors {
        /// Action.
        #[command(subcommand)]
        action: ErrorsCommand,
    },
    /// Where a connection stands: last sync per stream, queue, dead letters, parked work,
    /// open errors.
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
    Demo {
        /// Intacct customers to seed.
        #[arg(long, default_value_t = 20)]
        seed_customers: usize,
        /// Intacct Sales Invoices to seed.
        #[arg(long, default_value_t = 40)]
        seed_invoices: usize,
        /// Intacct Sales Returns to seed.
        #[arg(long, default_value_t = 4)]
        seed_returns: usize,
        /// Intacct payments to seed (each pays one seeded invoice).
        #[arg(long, default_value_t = 10)]
        seed_payments: usize,
        /// Share of Intacct requests throttled while the scripted user works (0.0–1.0).
        #[arg(long, default_value_t = 0.4)]
        throttle_rate: f64,
    },
}

/// `connection` actions.
#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Validate and store a connection configuration (JSON file).
    Add {
        /// Configuration file.
        #[arg(long)]
        config: PathBuf,
        /// With --aws: the connection's secret document (JSON) to store in Secrets Manager.
        /// Never printed; on one machine, credentials come from --secrets instead.
        #[arg(long)]
        secret: Option<PathBuf>,
    },
    /// With --aws: rotate a connection's credentials in Secrets Manager (prints which fields
    /// changed, never a value).
    Secret {
        /// Connection id.
        id: String,
        /// The connection's new secret document (JSON, the same fields as for `add --secret`).
        #[arg(long)]
        secret: PathBuf,
    },
    /// Stop syncing (work is queued, not lost).
    Pause {
        /// Connection id.
        id: String,
    },
    /// Sync again.
    Resume {
        /// Connection id.
        id: String,
    },
}

/// `errors` actions.
#[derive(Debug, Subcommand)]
pub enum ErrorsCommand {
    /// List errors, newest first.
    List {
        /// Connection id.
        id: String,
        /// Only this status: open, ignored, resolved.
        #[arg(long)]
        status: Option<String>,
        /// Only this record type.
        #[arg(long = "type")]
        record_type: Option<String>,
        /// Only this catalogue code.
        #[arg(long)]
        code: Option<String>,
    },
    /// Show one error with its fix.
    Show {
        /// Connection id.
        id: String,
        /// Error id.
        error_id: String,
    },
    /// Retry now (after fixing the cause).
    Retry {
        /// Connection id.
        id: String,
        /// Error id.
        error_id: String,
    },
    /// Stop showing an error as open.
    Ignore {
        /// Connection id.
        id: String,
        /// Error id.
        error_id: String,
    },
}

/// `dlq` actions.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead letters, oldest first. On AWS they are only looked at: every one stays in the
    /// dead-letter queue, visible again when the listing ends.
    List {
        /// How many at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Put dead letters back on the retry queue.
    Redrive {
        /// How many (oldest first).
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// Parses `90s`, `15m`, `1h` or plain seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration like 90s, 15m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{raw}`: unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the duration must be positive".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

/// Logs to stderr: warnings by default (nothing for `demo`, which narrates itself), info with
/// `--verbose`; `RUST_LOG` wins.
pub fn init_tracing(cli: &Cli) {
    let default = match (cli.verbose, &cli.command) {
        (true, _) => "info",
        #[cfg(feature = "demo")]
        (false, Command::Demo { .. }) => "off",
        (false, _) => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn open(cli: &Cli, settings: EngineSettings) -> anyhow::Result<Service> {
    let secrets = match &cli.secrets {
        Some(path) => load_secrets(path)?,
        None => StaticSecrets::new(),
    };
    Ok(Service::open(&cli.data_dir, Arc::new(secrets), settings)?)
}

/// Where operator commands act: the local SQLite file, or an AWS deployment.
enum Backend {
    Local(Service),
    Aws(sync_aws::runtime::Deployment),
}

impl Backend {
    fn engine(&self) -> &Arc<Engine> {
        match self {
            Backend::Local(service) => &service.engine,
            Backend::Aws(deployment) => &deployment.engine,
        }
    }

    async fn status(
        &self,
        id: &ConnectionId,
        now: chrono::DateTime<Utc>,
    ) -> anyhow::Result<ops::ConnectionStatus> {
        Ok(match self {
            Backend::Local(service) => {
                ops::status(service.engine.store().as_ref(), &service.queue, id, now).await?
            }
            Backend::Aws(d) => {
                let queue = ops::QueueSnapshot {
                    total: sync_aws::sqs::queue_depth(&d.sqs, &d.retry_queue_url).await?,
                    due: 0,
                    dead_letters: sync_aws::sqs::queue_depth(&d.sqs, &d.dead_letter_queue_url)
                        .await?,
                };
                sync_engine::operator::status(d.engine.store().as_ref(), id, queue).await?
            }
        })
    }

    async fn redrive(&self, limit: usize, now: chrono::DateTime<Utc>) -> anyhow::Result<usize> {
        Ok(match self {
            Backend::Local(service) => ops::redrive(&service.queue, limit, now).await?,
            Backend::Aws(d) => {
                use sync_aws::sqs::DeadLetterMover;
                let mover = sync_aws::sqs::ManualMover::new(
                    d.sqs.clone(),
                    d.dead_letter_queue_url.clone(),
                    d.retry_queue_url.clone(),
                );
                mover.redrive(limit).await?.moved
            }
        })
    }

    /// Rotates a configured connection's credentials in Secrets Manager (AWS only); returns the
    /// secret's name and what changed. An unknown connection is refused: a typo in the id
    /// would otherwise create a secret nothing reads while the real one stays stale.
    async fn rotate_secret(
        &self,
        id: &ConnectionId,
        path: &Path,
    ) -> anyhow::Result<(String, sync_aws::secrets::Rotation)> {
        let Backend::Aws(d) = self else {
            anyhow::bail!(LOCAL_SECRETS_MESSAGE);
        };
        if d.engine.store().get_config(id).await?.is_none() {
            anyhow::bail!(
                "no connection `{id}` in this deployment: add it with `connection add --config FILE --secret FILE`"
            );
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = format!("{}{id}", d.secret_prefix);
        let rotation =
            sync_aws::secrets::rotate_secret(&d.secrets, &name, &secrecy::SecretString::from(text))
                .await?;
        Ok((name, rotation))
    }

    /// Stores a connection's secret document in Secrets Manager (AWS only).
    async fn put_secret(&self, id: &ConnectionId, path: &Path) -> anyhow::Result<()> {
        let Backend::Aws(d) = self else {
            anyhow::bail!(
                "--secret stores credentials in Secrets Manager (with --aws); on one machine use --secrets FILE"
            );
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = format!("{}{id}", d.secret_prefix);
        sync_aws::secrets::put_secret(&d.secrets, &name, &secrecy::SecretString::from(text))
            .await?;
        eprintln!("secret {name} stored");
        Ok(())
    }
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

fn rotation_json(
    id: &ConnectionId,
    name: &str,
    rotation: &sync_aws::secrets::Rotation,
) -> serde_json::Value {
    use sync_aws::secrets::Rotation;
    let (result, changed, previous) = match rotation {
        Rotation::Created => ("created", None, None),
        Rotation::Updated { changed } => ("updated", Some(changed), None),
        Rotation::Replaced { previous } => ("replaced", None, Some(previous)),
        Rotation::Unchanged => ("unchanged", None, None),
    };
    json!({"connection": id, "secret": name, "result": result, "changed": changed, "previous": previous})
}

/// `dlq list` on AWS: looks at the dead letters and leaves them in the queue.
async fn dlq_peek(
    cli: &Cli,
    d: &sync_aws::runtime::Deployment,
    limit: usize,
) -> anyhow::Result<()> {
    let depth = sync_aws::sqs::queue_depth(&d.sqs, &d.dead_letter_queue_url).await?;
    let report = sync_aws::sqs::peek(&d.sqs, &d.dead_letter_queue_url, limit).await?;
    if cli.json {
        print_json(&report.to_json(depth));
    } else {
        println!("{}", render::peeked_letters(&report, depth));
    }
    Ok(())
}

fn report_json(report: &ReadReport) -> serde_json::Value {
    json!({
        "finished": report.finished(),
        "imported": report.imported(),
        "streams": report.streams.iter().map(|s| json!({
            "stream": s.stream, "rows": s.rows, "imported": s.imported,
            "skipped": s.skipped, "failed": s.failed, "finished": s.finished,
        })).collect::<Vec<_>>(),
    })
}

/// The webhook URL to give Invoiced, when this command can know it: from the operator's base,
/// else (one machine) the listen address. On AWS without a base there is no right answer here:
/// the local listen address would be a wrong one, so `None`.
fn webhook_url(cli: &Cli, id: &str) -> Option<String> {
    match (&cli.webhook_base_url, cli.aws) {
        (Some(base), _) => Some(base.for_connection(id)),
        (None, false) => Some(format!("http://{}/webhooks/{id}", cli.listen)),
        (None, true) => None,
    }
}

/// What an operator on AWS does instead of reading a webhook URL syncd cannot know.
fn missing_base_url_hint(id: &str) -> String {
    format!(
        "webhook URL: not known here; on AWS it is <webhook_base_url>/webhooks/{id}, with the base from\n  \
         terraform -chdir=infra output webhook_base_url\n\
         (export {WEBHOOK_BASE_URL_ENV}, as `terraform -chdir=infra output operator_environment` does, or pass --webhook-base-url, and syncd prints it)"
    )
}

/// Why `connection secret` needs --aws.
const LOCAL_SECRETS_MESSAGE: &str = "on one machine, credentials come from the --secrets file (one object per connection id): \
     edit the connection's entry there and restart `syncd serve`; `connection secret` writes Secrets Manager and needs --aws";

/// Runs a parsed command line; the exit code says whether it succeeded.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if !cli.listen.ip().is_loopback() {
        anyhow::bail!("--listen must be a loopback address; expose it through a reverse proxy");
    }
    match &cli.command {
        #[cfg(feature = "demo")]
        Command::Demo {
            seed_customers,
            seed_invoices,
            seed_returns,
            seed_payments,
            throttle_rate,
        } => {
            if !(0.0..=1.0).contains(throttle_rate) {
                anyhow::bail!("--throttle-rate must be between 0.0 and 1.0");
            }
            let report = crate::demo::run(crate::demo::DemoOptions {
                seed_customers: *seed_customers,
                seed_invoices: *seed_invoices,
                seed_returns: *seed_returns,
                seed_payments: *seed_payments,
                throttle_rate: *throttle_rate,
                live: !cli.json,
            })
            .await?;
            if cli.json {
                print_json(&serde_json::to_value(&report)?);
            } else {
                println!("{}", report.render());
            }
            return Ok(if report.agreement.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Serve { .. } if cli.aws => {
            anyhow::bail!(
                "on AWS the service runs as Lambda functions; `serve` is the one-machine runner"
            )
        }
        Command::Serve {
            poll_interval,
            retry_base,
            retry_cap,
            retry_max_attempts,
        } => {
            let retry = RetryPolicy {
                base: *retry_base,
                cap: (*retry_cap).max(*retry_base),
                max_attempts: *retry_max_attempts,
                ..RetryPolicy::default()
            };
            serve(&cli, *poll_interval, retry).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Connection {
            action: ConnectionCommand::Secret { .. },
        } if !cli.aws => anyhow::bail!(LOCAL_SECRETS_MESSAGE),
        Command::Dlq {
            action: DlqCommand::List { limit: 0 },
        } => anyhow::bail!("--limit must be at least 1"),
        _ => {}
    }
    let backend = if cli.aws {
        Backend::Aws(sync_aws::runtime::Deployment::from_env().await?)
    } else {
        Backend::Local(open(&cli, EngineSettings::default())?)
    };
    let engine = backend.engine();
    let store = engine.store().as_ref();
    let now = Utc::now();
    match &cli.command {
        #[cfg(feature = "demo")]
        Command::Demo { .. } => {}
        Command::Serve { .. } => {}
        Command::Connection { action } => match action {
            ConnectionCommand::Add { config, secret } => {
                let text = std::fs::read_to_string(config)
                    .with_context(|| format!("reading {}", config.display()))?;
                let config = ops::add_connection(store, &text).await?;
                if let Some(path) = secret {
                    backend.put_secret(&config.id, path).await?;
                }
                let id = config.id.as_str();
                let url = webhook_url(&cli, id);
                if cli.json {
                    print_json(&json!({
                        "connection": config.id,
                        "webhook_url": url,
                        "webhook_path": format!("/webhooks/{id}"),
                    }));
                    if url.is_none() {
                        eprintln!("{}", missing_base_url_hint(id));
                    }
                } else {
                    println!("connection {id} stored");
                    match url {
                        Some(url) => {
                            println!("webhook URL: {url}");
                            println!(
                                "(set it in Invoiced under Settings → Developers → Webhooks, with the invoiced_webhook_secret {})",
                                if cli.aws {
                                    "of the connection's secret in Secrets Manager"
                                } else {
                                    "from your secrets file"
                                }
                            );
                        }
                        None => println!("{}", missing_base_url_hint(id)),
                    }
                }
            }
            ConnectionCommand::Secret { id, secret } => {
                let id = ops::connection_id(id)?;
                let (name, rotation) = backend.rotate_secret(&id, secret).await?;
                if cli.json {
                    print_json(&rotation_json(&id, &name, &rotation));
                } else {
                    println!("{}", render::rotation(&name, &rotation));
                }
            }
            ConnectionCommand::Pause { id } | ConnectionCommand::Resume { id } => {
                let enabled = matches!(action, ConnectionCommand::Resume { .. });
                let config = ops::set_enabled(store, &ops::connection_id(id)?, enabled).await?;
                if cli.json {
                    print_json(&json!({"connection": config.id, "enabled": config.enabled}));
                } else {
                    println!(
                        "connection {} {}",
                        config.id,
                        if enabled { "resumed" } else { "paused" }
                    );
                }
            }
        },
        Command::SyncNow { id } => {
            let report = ops::sync_now(engine, &ops::connection_id(id)?).await?;
            if cli.json {
                print_json(&report_json(&report));
            } else {
                println!("{}", render::read_report(&report));
            }
        }
        Command::InitialSync {
            id,
            types,
            from,
            to,
            resume,
        } => {
            let id = ops::connection_id(id)?;
            let types = types
                .iter()
                .map(|t| ops::record_type(t))
                .collect::<Result<Vec<_>, _>>()?;
            if from > to {
                anyhow::bail!("--from {from} is after --to {to}");
            }
            let run_id = resume
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            eprintln!("initial sync run {run_id} (continue a cut-off run with --resume {run_id})");
            let request = InitialSync {
                types,
                from: *from,
                to: *to,
            };
            let printer = progress_printer();
            let report = engine
                .initial_sync(&id, &request, &run_id, None, &printer)
                .await?;
            if cli.json {
                print_json(&report_json(&report));
            } else {
                println!("{}", render::read_report(&report));
            }
        }
        Command::Errors { action } => errors(&cli, engine, action, now).await?,
        Command::Status { id } => {
            let status = backend.status(&ops::connection_id(id)?, now).await?;
            if cli.json {
                print_json(&serde_json::to_value(&status)?);
            } else {
                println!("{}", render::status(&status));
            }
        }
        Command::Dlq { action } => match action {
            DlqCommand::List { limit } => {
                let service = match &backend {
                    Backend::Local(service) => service,
                    Backend::Aws(d) => {
                        dlq_peek(&cli, d, *limit).await?;
                        return Ok(ExitCode::SUCCESS);
                    }
                };
                let mut letters = ops::dead_letters(&service.queue).await?;
                if letters.len() > *limit {
                    eprintln!(
                        "showing the oldest {limit} of {} dead letters (--limit)",
                        letters.len()
                    );
                    letters.truncate(*limit);
                }
                if cli.json {
                    print_json(&json!(letters.iter().map(|d| json!({
                        "id": d.id, "work": d.message.work, "attempt": d.message.attempt,
                        "reason": d.reason, "receive_count": d.receive_count, "dead_at": d.dead_at,
                    })).collect::<Vec<_>>()));
                } else {
                    println!("{}", render::dead_letters(&letters));
                }
            }
            DlqCommand::Redrive { limit } => {
                let moved = backend.redrive(*limit, now).await?;
                if cli.json {
                    print_json(&json!({"redriven": moved}));
                } else {
                    println!("{moved} dead letter(s) put back on the retry queue");
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

async fn errors(
    cli: &Cli,
    engine: &Engine,
    action: &ErrorsCommand,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let store = engine.store().as_ref();
    match action {
        ErrorsCommand::List {
            id,
            status,
            record_type,
            code,
        } => {
            let filter = ErrorFilter {
                status: status.as_deref().map(ops::error_status).transpose()?,
                record_type: record_type.as_deref().map(ops::record_type).transpose()?,
                code: code.clone(),
            };
            let errors = ops::list_errors(store, &ops::connection_id(id)?, &filter).await?;
            if cli.json {
                print_json(&serde_json::to_value(&errors)?);
            } else {
                println!("{}", render::errors(&errors));
            }
        }
        ErrorsCommand::Show { id, error_id } => {
            let error = ops::get_error(store, &ops::connection_id(id)?, error_id).await?;
            if cli.json {
                print_json(&serde_json::to_value(&error)?);
            } else {
                println!("{}", render::error(&error));
            }
        }
        ErrorsCommand::Retry { id, error_id } => {
            let action = ops::retry_error(engine, &ops::connection_id(id)?, error_id).await?;
            if cli.json {
                print_json(&serde_json::to_value(&action)?);
            } else {
                match action {
                    ops::RetryAction::Queued {
                        record_type,
                        invoiced_id,
                    } => println!(
                        "{record_type} {invoiced_id} queued for retry; the error resolves when it succeeds (run `syncd serve` or wait for the running worker)"
                    ),
                    ops::RetryAction::Reimported {
                        record_type,
                        intacct_key,
                        imported,
                    } => println!(
                        "Intacct {record_type} {intacct_key} read again: {}",
                        if imported {
                            "imported into Invoiced; the error is resolved"
                        } else {
                            "not imported (see `errors show` for why)"
                        }
                    ),
                    ops::RetryAction::Polled { imported, finished } => println!(
                        "poll ran: {imported} record(s) imported{}",
                        if finished {
                            ""
                        } else {
                            " (stopped early; run sync-now to continue)"
                        }
                    ),
                }
            }
        }
        ErrorsCommand::Ignore { id, error_id } => {
            let error = ops::ignore_error(store, &ops::connection_id(id)?, error_id, now).await?;
            if cli.json {
                print_json(&serde_json::to_value(&error)?);
            } else {
                println!("error {} is now {}", error.id, error.status.as_str());
            }
        }
    }
    Ok(())
}

/// Prints `stream: done/total` to stderr, at most every 100 rows per stream and at the end.
fn progress_printer() -> impl Fn(&Progress) + Send + Sync {
    let last: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    move |p: &Progress| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let previous = last.get(&p.stream).copied();
        let at_end = p.total.is_some_and(|t| p.done >= t);
        if previous.is_none_or(|prev| p.done >= prev + 100) || at_end && previous != Some(p.done) {
            last.insert(p.stream.clone(), p.done);
            let name = progress_name(&p.stream);
            match p.total {
                Some(total) => eprintln!("{name}: {}/{total}", p.done),
                None => eprintln!("{name}: {}", p.done),
            }
        }
    }
}

/// `initial/<run>/invoice:Sales Invoice/2026-01-01` → `invoice:Sales Invoice 2026-01-01`.
pub fn progress_name(cursor: &str) -> String {
    match cursor
        .strip_prefix("initial/")
        .and_then(|rest| rest.split_once('/'))
    {
        Some((_run, stream_and_month)) => match stream_and_month.rsplit_once('/') {
            Some((stream, month)) => format!("{stream} {month}"),
            None => stream_and_month.to_owned(),
        },
        None => cursor.to_owned(),
    }
}

async fn serve(cli: &Cli, poll_interval: Duration, retry: RetryPolicy) -> anyhow::Result<()> {
    if cli.secrets.is_none() {
        eprintln!(
            "warning: no --secrets file: webhooks will be answered 503 and polls will fail until one is given"
        );
    }
    let service = open(
        cli,
        EngineSettings {
            retry,
            ..EngineSettings::default()
        },
    )?;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("binding {}", cli.listen))?;
    let (stop, stopped) = watch::channel(false);
    let worker = Worker::new(
        service.queue.clone(),
        service.engine.clone(),
        WorkerSettings::default(),
    );
    let worker_task = {
        let store = service.store.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move { worker.run(store, stopped).await })
    };
    let poller_task = tokio::spawn(crate::poller::run(
        service.engine.clone(),
        poll_interval,
        stopped.clone(),
    ));
    let mut server_stop = stopped.clone();
    let server_task = tokio::spawn(crate::server::serve(
        listener,
        service.engine.clone(),
        async move {
            let _ = server_stop.wait_for(|s| *s).await;
        },
    ));
    eprintln!(
        "syncd serving webhooks on http://{}/webhooks/<connection> (data in {}); Ctrl-C stops",
        cli.listen,
        display(&service.database)
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    eprintln!("stopping…");
    let _ = stop.send(true);
    let _ = server_task.await;
    let _ = worker_task.await;
    let _ = poller_task.await;
    Ok(())
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_hours_and_refuse_nonsense() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn initial_sync_cursors_print_as_stream_and_month() {
        assert_eq!(
            progress_name("initial/abc123/invoice:Sales Invoice/2026-01-01"),
            "invoice:Sales Invoice 2026-01-01"
        );
        assert_eq!(progress_name("customer"), "customer");
    }
}
