//! `errors list | show | retry | ignore`: reconciliation errors.

use clap::Subcommand;

use sync_engine::model::ErrorFilter;
use sync_engine::operator::{Request, Response};

use super::Cli;
use super::args::{ErrorStatusArg, RecordTypeArg};
use super::backend::Backend;
use super::output::emit;
use crate::render;

/// `errors` actions.
#[derive(Debug, Subcommand)]
pub enum ErrorsCommand {
    /// List errors, newest first.
    List {
        /// Connection id.
        id: String,
        /// Only errors with this status.
        #[arg(long, value_enum)]
        status: Option<ErrorStatusArg>,
        /// Only errors of this record type.
        #[arg(long = "type", value_enum)]
        record_type: Option<RecordTypeArg>,
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

impl ErrorsCommand {
    fn request(&self) -> Request {
        match self {
            ErrorsCommand::List {
                id,
                status,
                record_type,
                code,
            } => Request::ListErrors {
                connection: id.clone(),
                filter: ErrorFilter {
                    status: status.map(Into::into),
                    record_type: record_type.map(Into::into),
                    code: code.clone(),
                },
            },
            ErrorsCommand::Show { id, error_id } => Request::GetError {
                connection: id.clone(),
                error: error_id.clone(),
            },
            ErrorsCommand::Retry { id, error_id } => Request::RetryError {
                connection: id.clone(),
                error: error_id.clone(),
            },
            ErrorsCommand::Ignore { id, error_id } => Request::IgnoreError {
                connection: id.clone(),
                error: error_id.clone(),
            },
        }
    }

    /// Runs the action.
    pub async fn run(&self, cli: &Cli, backend: &Backend) -> anyhow::Result<()> {
        let response = backend.answer(self.request()).await?;
        match (self, &response) {
            (ErrorsCommand::Ignore { .. }, Response::Error(error)) if !cli.json => {
                println!("error {} is now {}", error.id, error.status.as_str());
            }
            _ => emit(cli.json, &response, render::response),
        }
        Ok(())
    }
}
