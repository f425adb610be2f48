//! Operator dispatch, written once: a [`Request`] (parsed by `syncd`'s command line or by the
//! operator API's routes) runs its action and answers a [`Response`], whose JSON is the same
//! from both edges and on both runtimes. Failures are [`OpsError`]s, whose JSON is
//! [`super::ErrorBody`].

use serde::Serialize;
use std::time::{Duration, Instant};

use super::reads::{InitialSyncRequest, ReadSummary};
use super::status::{ConnectionStatus, status};
use super::{OpsError, RetryAction, backend, connection_id};
use crate::config::{ConnectionConfig, ConnectionId};
use crate::engine::Engine;
use crate::engine::read::Progress;
use crate::model::{ErrorFilter, ReconciliationError};
use crate::ports::{DeadLetterList, QueueInspection, Redriven};

/// What an operator asks for. Connection and error ids are as typed; they are checked here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Add or replace a connection from its configuration JSON; with `expected`, refused
    /// unless the configuration is that connection's (an API route names it).
    PutConnection {
        /// The configuration document.
        json: String,
        /// The connection the caller addressed.
        expected: Option<String>,
    },
    /// Pause (`false`) or resume (`true`) a connection.
    SetEnabled {
        /// Connection.
        connection: String,
        /// Running or not.
        enabled: bool,
    },
    /// Where a connection stands.
    Status {
        /// Connection.
        connection: String,
    },
    /// Reconciliation errors, newest first.
    ListErrors {
        /// Connection.
        connection: String,
        /// Which.
        filter: ErrorFilter,
    },
    /// One reconciliation error with its fix.
    GetError {
        /// Connection.
        connection: String,
        /// Error id.
        error: String,
    },
    /// Retry an error now.
    RetryError {
        /// Connection.
        connection: String,
        /// Error id.
        error: String,
    },
    /// Stop showing an error as open.
    IgnoreError {
        /// Connection.
        connection: String,
        /// Error id.
        error: String,
    },
    /// Poll a connection now, for at most `budget`.
    SyncNow {
        /// Connection.
        connection: String,
        /// How long this call may read; a later call continues.
        budget: Duration,
    },
    /// Import what Intacct created within a date range.
    InitialSync {
        /// Connection.
        connection: String,
        /// Range, record types and run id.
        request: InitialSyncRequest,
        /// How long this call may read (none: to the end); the same run continues.
        budget: Option<Duration>,
    },
    /// Look at up to `limit` dead letters (at least 1), leaving them in place.
    ListDeadLetters {
        /// How many at most.
        limit: usize,
    },
    /// Put up to `limit` dead letters back on the retry queue.
    Redrive {
        /// How many at most.
        limit: usize,
    },
}

/// A connection after it was stored, paused or resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSummary {
    /// Connection.
    pub connection: ConnectionId,
    /// Whether it is running.
    pub enabled: bool,
    /// Path of its webhook endpoint, below the runner's public base URL.
    pub webhook_path: String,
}

impl From<&ConnectionConfig> for ConnectionSummary {
    fn from(config: &ConnectionConfig) -> Self {
        ConnectionSummary {
            connection: config.id.clone(),
            enabled: config.enabled,
            webhook_path: format!("/webhooks/{}", config.id),
        }
    }
}

/// What an action answered; serialises as the payload alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// [`Request::PutConnection`], [`Request::SetEnabled`].
    Connection(ConnectionSummary),
    /// [`Request::Status`].
    Status(ConnectionStatus),
    /// [`Request::ListErrors`].
    Errors(Vec<ReconciliationError>),
    /// [`Request::GetError`], [`Request::IgnoreError`].
    Error(ReconciliationError),
    /// [`Request::RetryError`].
    Retry(RetryAction),
    /// [`Request::SyncNow`], [`Request::InitialSync`].
    Read(ReadSummary),
    /// [`Request::ListDeadLetters`].
    DeadLetters(DeadLetterList),
    /// [`Request::Redrive`].
    Redriven(Redriven),
}

fn no_progress(_: &Progress) {}

/// The actions of one runtime: its engine and its queue.
pub struct Operator<'a> {
    engine: &'a Engine,
    queue: &'a dyn QueueInspection,
    progress: &'a (dyn Fn(&Progress) + Send + Sync),
}

impl<'a> Operator<'a> {
    /// Actions over `engine` and `queue`.
    pub fn new(engine: &'a Engine, queue: &'a dyn QueueInspection) -> Self {
        Operator {
            engine,
            queue,
            progress: &no_progress,
        }
    }

    /// Reports an initial sync's progress to `progress`.
    pub fn with_progress(mut self, progress: &'a (dyn Fn(&Progress) + Send + Sync)) -> Self {
        self.progress = progress;
        self
    }

    /// Runs one request.
    pub async fn dispatch(&self, request: Request) -> Result<Response, OpsError> {
        let engine = self.engine;
        let store = engine.store().as_ref();
        let now = engine.clock().now();
        Ok(match request {
            Request::PutConnection { json, expected } => {
                if let Some(expected) = expected {
                    let id = ConnectionConfig::from_json(&json)
                        .map_err(|e| OpsError::Invalid(e.to_string()))?
                        .id;
                    if id.as_str() != expected {
                        return Err(OpsError::Invalid(format!(
                            "the body configures `{id}`, not `{expected}`"
                        )));
                    }
                }
                let config = super::add_connection(store, &json).await?;
                Response::Connection(ConnectionSummary::from(&config))
            }
            Request::SetEnabled {
                connection,
                enabled,
            } => {
                let config =
                    super::set_enabled(store, &connection_id(&connection)?, enabled).await?;
                Response::Connection(ConnectionSummary::from(&config))
            }
            Request::Status { connection } => Response::Status(
                status(store, self.queue, &connection_id(&connection)?, now).await?,
            ),
            Request::ListErrors { connection, filter } => Response::Errors(
                super::list_errors(store, &connection_id(&connection)?, &filter).await?,
            ),
            Request::GetError { connection, error } => Response::Error(
                super::get_error(store, &connection_id(&connection)?, &error).await?,
            ),
            Request::RetryError { connection, error } => Response::Retry(
                super::retry_error(engine, &connection_id(&connection)?, &error).await?,
            ),
            Request::IgnoreError { connection, error } => Response::Error(
                super::ignore_error(store, &connection_id(&connection)?, &error, now).await?,
            ),
            Request::SyncNow { connection, budget } => {
                let report = engine
                    .poll(&connection_id(&connection)?, Some(Instant::now() + budget))
                    .await
                    .map_err(backend)?;
                Response::Read(ReadSummary::new(&report, None))
            }
            Request::InitialSync {
                connection,
                request,
                budget,
            } => {
                if request.from > request.to {
                    return Err(OpsError::Invalid(format!(
                        "the range starts ({}) after it ends ({})",
                        request.from, request.to
                    )));
                }
                let report = engine
                    .initial_sync(
                        &connection_id(&connection)?,
                        &request.range(),
                        &request.run,
                        budget.map(|b| Instant::now() + b),
                        self.progress,
                    )
                    .await
                    .map_err(backend)?;
                Response::Read(ReadSummary::new(&report, Some(request.run)))
            }
            Request::ListDeadLetters { limit } => {
                if limit == 0 {
                    return Err(OpsError::Invalid("limit must be at least 1".to_owned()));
                }
                Response::DeadLetters(self.queue.list_dead_letters(limit).await.map_err(backend)?)
            }
            Request::Redrive { limit } => {
                Response::Redriven(self.queue.redrive(limit, now).await.map_err(backend)?)
            }
        })
    }
}
