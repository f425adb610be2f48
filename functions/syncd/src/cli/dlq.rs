//! `dlq list | redrive`: the dead letters, on either runtime.

use clap::Subcommand;

use sync_engine::operator::Request;

use super::Cli;
use super::backend::Backend;
use super::output::emit;
use crate::render;

/// `dlq` actions.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead letters, oldest first, leaving them where they are (on AWS each is received
    /// and made visible again at once).
    List {
        /// How many at most.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
    },
    /// Put dead letters back on the retry queue.
    Redrive {
        /// How many (oldest first).
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

impl DlqCommand {
    /// Runs the action.
    pub async fn run(&self, cli: &Cli, backend: &Backend) -> anyhow::Result<()> {
        let request = match self {
            DlqCommand::List { limit } => Request::ListDeadLetters {
                limit: usize::try_from(*limit).unwrap_or(usize::MAX),
            },
            DlqCommand::Redrive { limit } => Request::Redrive { limit: *limit },
        };
        let response = backend.answer(request).await?;
        emit(cli.json, &response, render::response);
        Ok(())
    }
}
