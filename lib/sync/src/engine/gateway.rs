//! Calls to Intacct: bounded per connection by leases shared across every function, and writes
//! made exactly once with write intents, deterministic control ids and read-back probes.

use intacct::functions::{Filter, Query};
use intacct::{ControlId, ErrorClass, Function, FunctionCall, FunctionResult, Request, Response};
use rand::Rng;
use std::time::{Duration, Instant};

use super::{Connection, Engine, EngineError};
use crate::model::{Dependency, IntentKey, IntentState};
use crate::ports::StoreError;

/// Catalogue code used when no concurrency slot came free in time.
pub const CONCURRENCY_BUSY: &str = "SYNC_INTACCT_BUSY";
/// Code of a write another function was settling at the same moment.
pub const INTENT_RACE: &str = "SYNC_INTENT_RACE";
/// Catalogue code of a duplicate-controlid refusal whose record could not be found.
pub const DUPLICATE_CONTROL_ID: &str = "SYNC_DUPLICATE_CONTROL_ID";

/// Why a write could not complete now, and what to do about it.
#[derive(Debug)]
pub(crate) enum WriteFailure {
    /// Try again later with backoff (throttled, transient, unknown outcome, busy).
    Retry {
        /// Catalogue code.
        code: String,
        /// What happened.
        message: String,
    },
    /// An operator must act; retrying unchanged will fail again.
    Operator {
        /// Catalogue code.
        code: String,
        /// The other system's error text.
        message: String,
        /// What to do.
        fix: String,
    },
    /// Wait for another record to be written first.
    Park {
        /// What to wait for.
        dependency: Dependency,
        /// Why, for operators.
        reason: String,
    },
    /// The store or queue failed: the outcome cannot be made durable.
    Engine(EngineError),
}

impl From<StoreError> for WriteFailure {
    fn from(value: StoreError) -> Self {
        WriteFailure::Engine(EngineError::Store(value))
    }
}

impl From<EngineError> for WriteFailure {
    fn from(value: EngineError) -> Self {
        WriteFailure::Engine(value)
    }
}

/// Why a gateway call failed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// No concurrency slot came free within the wait; nothing was sent.
    Busy,
    /// Intacct (or the transport) failed.
    Intacct(intacct::Error),
    /// The lease store failed; nothing was sent.
    Store(StoreError),
}

impl CallError {
    /// The failure as a write failure. `write` says whether the request carried a write, which
    /// decides whether a lost answer is an unknown outcome.
    pub(crate) fn into_failure(self) -> WriteFailure {
        match self {
            CallError::Busy => WriteFailure::Retry {
                code: CONCURRENCY_BUSY.into(),
                message: "every Intacct concurrency slot of this connection stayed busy".into(),
            },
            CallError::Store(e) => e.into(),
            CallError::Intacct(e) => intacct_failure(&e),
        }
    }
}

/// Classifies an Intacct error into what the engine does next.
pub(crate) fn intacct_failure(error: &intacct::Error) -> WriteFailure {
    let entry = intacct::catalogue_entry(error);
    match intacct::classify(error) {
        ErrorClass::Throttled | ErrorClass::Transient | ErrorClass::UnknownOutcome => {
            WriteFailure::Retry {
                code: entry.code.to_owned(),
                message: error.to_string(),
            }
        }
        ErrorClass::Authentication | ErrorClass::NeedsOperator => WriteFailure::Operator {
            code: entry.code.to_owned(),
            message: error.to_string(),
            fix: entry.fix.to_owned(),
        },
    }
}

/// How to find a record in Intacct whose create may or may not have happened.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    /// Object to query, e.g. `ARINVOICE`.
    pub object: &'static str,
    /// Filter that matches exactly the record the write creates.
    pub filter: Filter,
    /// Field holding the key the create returns (`RECORDNO`).
    pub key_field: &'static str,
}

/// One exactly-once write.
pub(crate) struct ExactlyOnce<'a> {
    /// Identity of the write.
    pub key: IntentKey,
    /// Builds the request's function calls; the argument is the control id of this attempt,
    /// which each call extends with its position.
    pub build: &'a (dyn Fn(&str) -> Vec<FunctionCall> + Send + Sync),
    /// Finds the record if an earlier attempt's outcome is unknown; `None` when the gateway's
    /// `uniqueid` check is the only safeguard (applications that create no record).
    pub probe: Option<Probe>,
    /// The Intacct key of the written record, from the results.
    pub key_of: fn(&[FunctionResult]) -> Option<String>,
}

/// A write of one function, made exactly once (most writes are).
pub(crate) struct SingleWrite {
    /// Identity of the write.
    pub key: IntentKey,
    /// The function.
    pub function: Function,
    /// See [`ExactlyOnce::probe`].
    pub probe: Option<Probe>,
    /// See [`ExactlyOnce::key_of`].
    pub key_of: fn(&[FunctionResult]) -> Option<String>,
}

/// Function control ids of one request: the intent's control id plus the call's position.
pub(crate) fn call_id(control_id: &str, position: usize) -> ControlId {
    ControlId::parse(format!("{control_id}-{position}")).unwrap_or_else(|_| ControlId::random())
}

/// The `<key>` of the first result that has one, else the RECORDNO of the first data row.
pub(crate) fn first_key(results: &[FunctionResult]) -> Option<String> {
    results.iter().find_map(|r| {
        r.key.clone().or_else(|| {
            r.data
                .as_ref()
                .and_then(|d| d.records.first())
                .and_then(|row| row.non_empty("RECORDNO").map(str::to_owned))
        })
    })
}

impl Engine {
    /// Sends a request while holding one of the connection's concurrency slots.
    pub(crate) async fn call_intacct(
        &self,
        conn: &Connection,
        request: &Request,
    ) -> Result<Response, CallError> {
        let id = &conn.config.id;
        let slots = conn.config.intacct.max_concurrent_requests;
        let holder = format!("{}-{:016x}", self.settings.instance, rand::random::<u64>());
        let started = Instant::now();
        let lease = loop {
            let now = self.clock.now();
            match self
                .store
                .try_acquire_lease(id, slots, &holder, self.settings.lease_ttl, now)
                .await
            {
                Ok(Some(lease)) => break lease,
                Ok(None) if started.elapsed() >= self.settings.lease_wait => {
                    return Err(CallError::Busy);
                }
                Ok(None) => {
                    let pause = self.jitter_rng().random_range(20..=200);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                Err(e) => return Err(CallError::Store(e)),
            }
        };
        let result = conn.intacct.execute(request).await;
        if let Err(e) = self.store.release_lease(&lease).await {
            // The lease expires on its own; losing the release only delays the next caller.
            tracing::warn!(connection = %id, error = %e, "could not release Intacct lease");
        }
        if let Err(e) = &result
            && intacct::classify(e) == ErrorClass::Authentication
        {
            // Maybe the password was rotated: the next attempt reloads the credentials.
            self.secrets.invalidate(id).await;
        }
        result.map_err(CallError::Intacct)
    }

    /// Reads one key with a query; `Ok(None)` when nothing matches.
    pub(crate) async fn probe(
        &self,
        conn: &Connection,
        probe: &Probe,
    ) -> Result<Option<String>, WriteFailure> {
        let query = Query::new(probe.object, [probe.key_field])
            .filter(probe.filter.clone())
            .page_size(2);
        let response = self
            .call_intacct(conn, &Request::read(query))
            .await
            .map_err(CallError::into_failure)?;
        let result = response
            .results()
            .first()
            .cloned()
            .ok_or_else(|| WriteFailure::Retry {
                code: "INTACCT_UNKNOWN_OUTCOME".into(),
                message: "probe response had no result".into(),
            })?
            .ensure_success()
            .map_err(|e| intacct_failure(&e))?;
        Ok(result
            .data
            .as_ref()
            .and_then(|d| d.records.first())
            .and_then(|row| row.non_empty(probe.key_field).map(str::to_owned)))
    }

    /// [`Engine::post_once`] for a single function.
    pub(crate) async fn post_one(
        &self,
        conn: &Connection,
        write: SingleWrite,
    ) -> Result<String, WriteFailure> {
        let function = write.function;
        let build =
            move |control: &str| vec![FunctionCall::new(call_id(control, 1), function.clone())];
        self.post_once(
            conn,
            ExactlyOnce {
                key: write.key,
                build: &build,
                probe: write.probe,
                key_of: write.key_of,
            },
        )
        .await
    }

    /// Makes one write happen exactly once and returns the Intacct key it produced.
    ///
    /// The intent is read first: a write that already succeeded returns its key without a
    /// request; one whose outcome is unknown (or that was in flight when a function died) is
    /// probed for in Intacct before anything is re-sent; a definite failure starts a new
    /// generation. Every request carries `uniqueid=true` and a control id derived from the
    /// intent, so even two racing functions cannot make Intacct execute it twice.
    pub(crate) async fn post_once(
        &self,
        conn: &Connection,
        write: ExactlyOnce<'_>,
    ) -> Result<String, WriteFailure> {
        let key = &write.key;
        let now = self.clock.now();
        let (intent, earlier_attempt_unknown) = match self.store.get_intent(key).await? {
            None => (self.store.begin_intent(key, now).await?, false),
            Some(existing) => match &existing.state {
                IntentState::Succeeded { intacct_key } => return Ok(intacct_key.clone()),
                IntentState::Failed { .. } => {
                    let next = existing.generation + 1;
                    match self
                        .store
                        .transition_intent(key, existing.version, IntentState::InFlight, next, now)
                        .await
                    {
                        Ok(moved) => (moved, false),
                        Err(StoreError::Conflict(message)) => {
                            return self.after_race(key, message).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                IntentState::InFlight | IntentState::UnknownOutcome => (existing, true),
            },
        };
        if earlier_attempt_unknown
            && let Some(probe) = &write.probe
            && let Some(found) = self.probe(conn, probe).await?
        {
            let raced = self
                .settle_intent(key, intent.version, intent.generation, succeeded(&found))
                .await?;
            return Ok(raced.unwrap_or(found));
        }
        let control_id = key.control_id(intent.generation);
        let request = Request {
            control_id: ControlId::parse(control_id.clone()).map_err(|e| {
                WriteFailure::Operator {
                    code: "SYNC_INVALID_CONTROL_ID".into(),
                    message: e.to_string(),
                    fix: "Report this as a bug: generated control ids must be valid.".into(),
                }
            })?,
            ..Request::write(ControlId::random())
        };
        let request = (write.build)(&control_id)
            .into_iter()
            .fold(request, Request::call);
        let outcome = self.call_intacct(conn, &request).await;
        let (state, result) = match outcome {
            Ok(response) => self.judge(conn, &write, &response).await,
            Err(CallError::Intacct(e)) if intacct::classify(&e) == ErrorClass::UnknownOutcome => {
                (IntentState::UnknownOutcome, Err(intacct_failure(&e)))
            }
            Err(other) => {
                let failure = other.into_failure();
                let code = failure_code(&failure);
                (IntentState::Failed { code }, Err(failure))
            }
        };
        match self
            .settle_intent(key, intent.version, intent.generation, state)
            .await?
        {
            Some(winner) => Ok(winner),
            None => result,
        }
    }

    /// Interprets the response of an exactly-once write.
    async fn judge(
        &self,
        conn: &Connection,
        write: &ExactlyOnce<'_>,
        response: &Response,
    ) -> (IntentState, Result<String, WriteFailure>) {
        let results = response.results();
        let Some(failed) = results.iter().find_map(FunctionResult::error) else {
            return match (write.key_of)(results) {
                Some(found) => (succeeded(&found), Ok(found)),
                None => (
                    IntentState::UnknownOutcome,
                    Err(WriteFailure::Retry {
                        code: "INTACCT_UNKNOWN_OUTCOME".into(),
                        message: "Intacct reported success without returning a key".into(),
                    }),
                ),
            };
        };
        if is_duplicate_control_id(&failed) {
            // An earlier attempt with this control id already ran: find what it wrote.
            return match &write.probe {
                Some(probe) => match self.probe(conn, probe).await {
                    Ok(Some(found)) => (succeeded(&found), Ok(found)),
                    Ok(None) => (
                        IntentState::Failed {
                            code: DUPLICATE_CONTROL_ID.into(),
                        },
                        Err(WriteFailure::Retry {
                            code: DUPLICATE_CONTROL_ID.into(),
                            message: failed.to_string(),
                        }),
                    ),
                    Err(e) => (IntentState::UnknownOutcome, Err(e)),
                },
                None => {
                    let done = format!("applied:{}", write.key.control_id(0));
                    (succeeded(&done), Ok(done))
                }
            };
        }
        let failure = intacct_failure(&failed);
        let state = match &failure {
            WriteFailure::Retry { code, .. } | WriteFailure::Operator { code, .. } => {
                IntentState::Failed { code: code.clone() }
            }
            _ => IntentState::UnknownOutcome,
        };
        (state, Err(failure))
    }

    /// Records this attempt's result. `Ok(Some(key))` when another function settled the same
    /// write first and succeeded: its key is the answer (our own request, with the same
    /// control id, was refused or found the record it wrote).
    async fn settle_intent(
        &self,
        key: &IntentKey,
        version: u64,
        generation: u32,
        state: IntentState,
    ) -> Result<Option<String>, WriteFailure> {
        match self
            .store
            .transition_intent(key, version, state, generation, self.clock.now())
            .await
        {
            Ok(_) => Ok(None),
            Err(StoreError::Conflict(message)) => self.after_race(key, message).await.map(Some),
            Err(e) => Err(e.into()),
        }
    }

    /// Another function moved the intent meanwhile (a redelivery, or a document writing its
    /// customer while the customer's own webhook does): if it succeeded, so did we; otherwise
    /// retry from the stored state.
    async fn after_race(&self, key: &IntentKey, message: String) -> Result<String, WriteFailure> {
        match self.store.get_intent(key).await? {
            Some(crate::model::WriteIntent {
                state: IntentState::Succeeded { intacct_key },
                ..
            }) => Ok(intacct_key),
            _ => Err(WriteFailure::Retry {
                code: INTENT_RACE.into(),
                message,
            }),
        }
    }
}

fn succeeded(key: &str) -> IntentState {
    IntentState::Succeeded {
        intacct_key: key.to_owned(),
    }
}

fn failure_code(failure: &WriteFailure) -> String {
    match failure {
        WriteFailure::Retry { code, .. } | WriteFailure::Operator { code, .. } => code.clone(),
        WriteFailure::Park { .. } => "SYNC_PARKED".into(),
        WriteFailure::Engine(_) => "SYNC_STORE_UNAVAILABLE".into(),
    }
}

/// True when Intacct refused a function because its control id already ran (`uniqueid=true`).
/// The exact wording is not public; the gateway's texts seen for it say "Control ID in use".
fn is_duplicate_control_id(error: &intacct::Error) -> bool {
    error.any_detail(|d| {
        d.mentions("control id in use")
            || d.mentions("controlid in use")
            || ((d.mentions("control id") || d.mentions("controlid"))
                && (d.mentions("already") || d.mentions("duplicate")))
    })
}
