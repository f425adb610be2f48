//! `sync-now` and `initial-sync`: reading Intacct on an operator's request.

use chrono::NaiveDate;
use clap::Args;
use std::collections::HashMap;
use std::sync::Mutex;

use sync_engine::engine::read::Progress;
use sync_engine::operator::{COMMAND_POLL_DEADLINE, InitialSyncRequest, Request, stream_name};

use super::Cli;
use super::args::ImportTypeArg;
use super::backend::Backend;
use super::output::emit;
use crate::render;

/// `sync-now`.
#[derive(Debug, Args)]
pub struct SyncNowArgs {
    /// Connection id.
    pub id: String,
}

impl SyncNowArgs {
    /// Polls the connection (at most [`COMMAND_POLL_DEADLINE`]; run again to continue).
    pub async fn run(&self, cli: &Cli, backend: &Backend) -> anyhow::Result<()> {
        let response = backend
            .answer(Request::SyncNow {
                connection: self.id.clone(),
                budget: COMMAND_POLL_DEADLINE,
            })
            .await?;
        emit(cli.json, &response, render::response);
        Ok(())
    }
}

/// `initial-sync`.
#[derive(Debug, Args)]
pub struct InitialSyncArgs {
    /// Connection id.
    pub id: String,
    /// Record types, comma separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "customer,invoice,credit_note,payment"
    )]
    pub types: Vec<ImportTypeArg>,
    /// First day (YYYY-MM-DD).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day, inclusive (YYYY-MM-DD).
    #[arg(long)]
    pub to: NaiveDate,
    /// Continue an earlier, cut-off run with this id instead of starting a new one.
    #[arg(long)]
    pub resume: Option<String>,
}

impl InitialSyncArgs {
    /// Imports the range to the end, printing progress on stderr.
    pub async fn run(&self, cli: &Cli, backend: &Backend) -> anyhow::Result<()> {
        let run = self
            .resume
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let request = Request::InitialSync {
            connection: self.id.clone(),
            request: InitialSyncRequest {
                types: self.types.iter().map(|t| (*t).into()).collect(),
                from: self.from,
                to: self.to,
                run: run.clone(),
            },
            budget: None,
        };
        eprintln!("initial sync run {run} (continue a cut-off run with --resume {run})");
        let response = backend
            .answer_with_progress(request, &progress_printer())
            .await?;
        emit(cli.json, &response, render::response);
        Ok(())
    }
}

/// Prints `stream: done/total` to stderr, with the stream's name, at most every 100 rows per
/// stream and at the end.
fn progress_printer() -> impl Fn(&Progress) + Send + Sync {
    let last: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    move |p: &Progress| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let previous = last.get(&p.stream).copied();
        let at_end = p.total.is_some_and(|t| p.done >= t);
        if previous.is_none_or(|prev| p.done >= prev + 100) || at_end && previous != Some(p.done) {
            last.insert(p.stream.clone(), p.done);
            let name = stream_name(&p.stream);
            match p.total {
                Some(total) => eprintln!("{name}: {}/{total}", p.done),
                None => eprintln!("{name}: {}", p.done),
            }
        }
    }
}
