//! `connection add | secret | pause | resume`.

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use std::path::PathBuf;

use sync_aws::secrets::Rotation;
use sync_engine::config::ConnectionId;
use sync_engine::operator::{self as ops, ConnectionSummary, Request, Response};

use super::backend::{Backend, LOCAL_SECRETS_MESSAGE};
use super::output::{emit, invalid, print_json};
use super::{Cli, WEBHOOK_BASE_URL_ENV};
use crate::render;

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

impl ConnectionCommand {
    /// Refuses, before anything is opened, what only an AWS deployment can do.
    pub fn check(&self, aws: bool) -> anyhow::Result<()> {
        match self {
            ConnectionCommand::Secret { .. } if !aws => Err(invalid(LOCAL_SECRETS_MESSAGE)),
            ConnectionCommand::Add {
                secret: Some(_), ..
            } if !aws => Err(invalid(
                "--secret stores credentials in Secrets Manager (with --aws); on one machine use --secrets FILE",
            )),
            _ => Ok(()),
        }
    }

    /// Runs the action.
    pub async fn run(&self, cli: &Cli, backend: &Backend) -> anyhow::Result<()> {
        match self {
            ConnectionCommand::Add { config, secret } => {
                let text = std::fs::read_to_string(config)
                    .with_context(|| format!("reading {}", config.display()))?;
                let Response::Connection(added) = backend
                    .answer(Request::PutConnection {
                        json: text,
                        expected: None,
                    })
                    .await?
                else {
                    anyhow::bail!("storing a connection answered something else");
                };
                if let Some(path) = secret {
                    backend.put_secret(&added.connection, path).await?;
                }
                print_added(cli, &added);
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
                let response = backend
                    .answer(Request::SetEnabled {
                        connection: id.clone(),
                        enabled: matches!(self, ConnectionCommand::Resume { .. }),
                    })
                    .await?;
                emit(cli.json, &response, render::response);
            }
        }
        Ok(())
    }
}

/// `connection add`'s answer: the stored connection and the webhook URL to give Invoiced.
fn print_added(cli: &Cli, added: &ConnectionSummary) {
    let id = added.connection.as_str();
    let url = webhook_url(cli, id);
    if cli.json {
        let mut value = serde_json::to_value(added).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.insert("webhook_url".to_owned(), json!(url));
        }
        print_json(&value);
        if url.is_none() {
            eprintln!("{}", missing_base_url_hint(id));
        }
        return;
    }
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

fn rotation_json(id: &ConnectionId, name: &str, rotation: &Rotation) -> serde_json::Value {
    let (result, changed, previous) = match rotation {
        Rotation::Created => ("created", None, None),
        Rotation::Updated { changed } => ("updated", Some(changed), None),
        Rotation::Replaced { previous } => ("replaced", None, Some(previous)),
        Rotation::Unchanged => ("unchanged", None, None),
    };
    json!({"connection": id, "secret": name, "result": result, "changed": changed, "previous": previous})
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
