//! `serve`: the webhook server, the retry worker and the poller, until Ctrl-C.

use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::time::Duration;
use tokio::sync::watch;

use sync_engine::engine::EngineSettings;
use sync_engine::retry::RetryPolicy;

use super::Cli;
use super::args::parse_duration;
use super::backend::open_local;
use super::output::{invalid, print_json};
use crate::worker::{Worker, WorkerSettings};

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Time between polls of Intacct, e.g. `1h`, `15m`, `90s`.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Ceiling of the first retry's backoff after a failed write; doubles each attempt.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub retry_base: Duration,
    /// Largest backoff between two attempts of a write.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub retry_cap: Duration,
    /// Attempts after which a failing write becomes a reconciliation error (and its message a
    /// dead letter).
    #[arg(long, default_value_t = RetryPolicy::default().max_attempts,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub retry_max_attempts: u32,
}

impl ServeArgs {
    /// Serves until Ctrl-C. With `--json` the start is announced as one JSON object on stdout.
    pub async fn run(&self, cli: &Cli) -> anyhow::Result<()> {
        if cli.aws {
            return Err(invalid(
                "on AWS the service runs as Lambda functions; `serve` is the one-machine runner",
            ));
        }
        if cli.secrets.is_none() {
            eprintln!(
                "warning: no --secrets file: webhooks will be answered 503 and polls will fail until one is given"
            );
        }
        let retry = RetryPolicy {
            base: self.retry_base,
            cap: self.retry_cap.max(self.retry_base),
            max_attempts: self.retry_max_attempts,
            ..RetryPolicy::default()
        };
        let service = open_local(
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
            self.poll_interval,
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
        let database = service.database.display().to_string();
        if cli.json {
            print_json(&json!({
                "serving": format!("http://{}", cli.listen),
                "webhook_path": "/webhooks/<connection>",
                "database": database,
            }));
        } else {
            eprintln!(
                "syncd serving webhooks on http://{}/webhooks/<connection> (data in {database}); Ctrl-C stops",
                cli.listen,
            );
        }
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
}
