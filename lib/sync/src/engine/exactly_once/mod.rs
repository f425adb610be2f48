//! Writes to Intacct made exactly once, under retries, crashes and concurrent copies of one event.
//!
//! Every write has a write intent (its identity, a generation and a state) recorded before the
//! request is sent. The protocol:
//!
//! 1. **One writer per generation.** A function *claims* the intent (an atomic insert-if-absent,
//!    or a versioned transition from an unowned state) before it probes or sends, and only the
//!    claimant settles it. Anyone who finds a live claim waits and looks again; a claim whose
//!    holder died lapses after [`EngineSettings::intent_claim_ttl`](super::EngineSettings).
//! 2. **Nothing that may have run is declared failed.** A generation whose request might have
//!    taken effect stays an unknown outcome until a probe (by the identifiers the request was
//!    sent with, kept as the intent's locator) finds the record or a re-send settles it. Re-sends
//!    reuse the generation's control id, which `uniqueid=true` makes safe: Intacct refuses a
//!    control id that already ran.
//! 3. **A new generation only after a probe.** The generation (part of the control id) moves on
//!    only when Intacct said the control id ran and a fresh probe still finds no record, i.e. the
//!    record was deleted in Intacct and someone asked to post it again.
//! 4. **Voids follow the create.** A void of a record whose create is in flight or unknown claims
//!    the create's intent, probes, and either finds the record (then reverses it) or abandons the
//!    create for good so it can never be sent later.
//! 5. **A dropped holder hands over quickly.** A claim whose future is dropped mid-attempt (a
//!    deadline, a caller that hung up) is cut to a short grace period instead of lapsing after
//!    the full claim time (`claim`).
//! 6. **The read side settles what it finds.** A record in Intacct carrying a write's
//!    identifiers settles that write instead of being imported as new (`adopt`).
//!
//! Modules: `claim` (claiming, waiting, handing over), `void` (a void's decision about its
//! create), `adopt` (the read side's), and here the attempt itself: probe, send, judge, settle.

mod adopt;
mod claim;
mod void;

use intacct::{ControlId, ErrorClass, FunctionCall, FunctionResult, Request, Response};
use std::future::Future;
use std::time::Duration;

use super::gateway::{CallError, WriteFailure, call_id, intacct_failure};
use super::{Connection, Engine};
use crate::model::{IntentKey, IntentState, RecordLocator, WriteIntent};
use crate::ports::StoreError;
use claim::{Claim, Held, unsettled};

use crate::catalogue::Code;
pub(crate) use adopt::{Adoption, Marker};
pub(crate) use void::CreateFate;

/// One exactly-once write.
pub(crate) struct ExactlyOnce<'a> {
    /// Identity of the write.
    pub key: IntentKey,
    /// Builds the request's function calls; the argument is the control id of this attempt,
    /// which each call extends with its position.
    pub build: &'a (dyn Fn(&str) -> Vec<FunctionCall> + Send + Sync),
    /// How to find the record if an earlier attempt's outcome is unknown; `None` when the
    /// gateway's `uniqueid` check is the only safeguard (reversals, deletes, applications).
    pub locator: Option<RecordLocator>,
    /// The Intacct key of the written record, from the results.
    pub key_of: fn(&[FunctionResult]) -> Option<String>,
}

/// A write of one function, made exactly once (most writes are).
pub(crate) struct SingleWrite {
    /// Identity of the write.
    pub key: IntentKey,
    /// The function.
    pub function: intacct::Function,
    /// See [`ExactlyOnce::locator`].
    pub locator: Option<RecordLocator>,
    /// See [`ExactlyOnce::key_of`].
    pub key_of: fn(&[FunctionResult]) -> Option<String>,
}

/// What [`Engine::post_once_or_link`] did.
pub(crate) enum Posted<T> {
    /// The write reached Intacct (now or earlier): the key of its record.
    Written(String),
    /// An existing record was linked instead (what the link returned).
    Linked(T),
}

impl Engine {
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
                locator: write.locator,
                key_of: write.key_of,
            },
        )
        .await
    }

    /// Makes one write happen exactly once and returns the Intacct key it produced.
    pub(crate) async fn post_once(
        &self,
        conn: &Connection,
        write: ExactlyOnce<'_>,
    ) -> Result<String, WriteFailure> {
        let no_link = || async { Ok(None::<(String, ())>) };
        match self.post_once_or_link(conn, write, no_link).await? {
            Posted::Written(key) => Ok(key),
            Posted::Linked(()) => unreachable!("no link was offered"),
        }
    }

    /// [`Engine::post_once`], except that while no request of the write can have taken effect
    /// (none was sent, or every one was refused) it may instead link an existing Intacct
    /// record: `link` looks for one and, when it finds it, records the mapping and returns its
    /// key. The decision is made while holding the claim, so a concurrent delivery can neither
    /// create the record meanwhile nor later re-decide: it sees the write settled (and the
    /// mapping `link` recorded first).
    pub(crate) async fn post_once_or_link<T, F, Fut>(
        &self,
        conn: &Connection,
        write: ExactlyOnce<'_>,
        link: F,
    ) -> Result<Posted<T>, WriteFailure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<(String, T)>, WriteFailure>>,
    {
        let held = match self.claim(&write.key, write.locator.as_ref()).await? {
            Claim::Held(held) => held,
            Claim::Settled(key) => return Ok(Posted::Written(key)),
            // Voided meanwhile: the next look re-reads the record and takes the void path.
            Claim::Abandoned => {
                return Err(WriteFailure::Wait {
                    code: Code::SyncIntentRace,
                    message: "the record was voided before its create reached Intacct".into(),
                    delay: self.settings.retry.floor,
                });
            }
            Claim::Busy(wait) => return Err(wait),
        };
        // Nothing of this write can be in Intacct (never sent, or every request refused): an
        // existing record found now is not ours, so it may be linked.
        if !held.maybe_applied && !held.reopen {
            match link().await {
                Ok(Some((key, linked))) => {
                    let generation = held.intent.generation;
                    self.settle_claim(&held, succeeded(&key), generation, Ok(key))
                        .await?;
                    return Ok(Posted::Linked(linked));
                }
                Ok(None) => {}
                Err(failure) => {
                    let generation = held.intent.generation;
                    return self
                        .settle_claim(&held, unsettled(&held), generation, Err(failure))
                        .await
                        .map(Posted::Written);
                }
            }
        }
        let (state, generation, result) = self.attempt(conn, &write, &held).await;
        self.settle_claim(&held, state, generation, result)
            .await
            .map(Posted::Written)
    }

    /// Probes if needed, then sends one request of the generation. Returns the state to settle
    /// in, the generation it belongs to, and the result for the caller.
    async fn attempt(
        &self,
        conn: &Connection,
        write: &ExactlyOnce<'_>,
        held: &Held,
    ) -> (IntentState, u32, Result<String, WriteFailure>) {
        let mut generation = held.intent.generation;
        let locators = locators(held.intent.locator.as_ref(), write.locator.as_ref());
        if (held.maybe_applied || held.reopen) && !locators.is_empty() {
            match self.probe_any(conn, &locators).await {
                Ok(Some(found)) => return (succeeded(&found), generation, Ok(found)),
                // The record that ran is gone: this is a deliberate re-post.
                Ok(None) if held.reopen => generation += 1,
                Ok(None) => {}
                Err(failure) => return (unsettled(held), generation, Err(failure)),
            }
        }
        let control_id = write.key.control_id(generation);
        let request = match ControlId::parse(control_id.clone()) {
            Ok(id) => Request {
                control_id: id,
                ..Request::write(ControlId::random())
            },
            Err(e) => {
                let failure = WriteFailure::Operator {
                    code: Code::SyncInvalidControlId,
                    message: e.to_string(),
                };
                return (unsettled(held), generation, Err(failure));
            }
        };
        let request = (write.build)(&control_id)
            .into_iter()
            .fold(request, Request::call);
        let (state, result) = match self.call_intacct(conn, &request).await {
            Ok(response) => self.judge(conn, write, &locators, &response).await,
            Err(CallError::Intacct(e)) if intacct::classify(&e) == ErrorClass::UnknownOutcome => {
                (IntentState::UnknownOutcome, Err(intacct_failure(&e)))
            }
            Err(other) => {
                let failure = other.into_failure();
                let code = failure_code(&failure);
                (IntentState::Failed { code }, Err(failure))
            }
        };
        // A refusal of this request says nothing about an earlier one of the same generation.
        let state = match state {
            IntentState::Failed { code }
                if held.maybe_applied && generation == held.intent.generation =>
            {
                if code == Code::SyncDuplicateControlId.as_str() {
                    IntentState::Failed { code }
                } else {
                    IntentState::UnknownOutcome
                }
            }
            other => other,
        };
        (state, generation, result)
    }

    /// Interprets the response of an exactly-once write.
    async fn judge(
        &self,
        conn: &Connection,
        write: &ExactlyOnce<'_>,
        locators: &[RecordLocator],
        response: &Response,
    ) -> (IntentState, Result<String, WriteFailure>) {
        let results = response.results();
        // The cause, not a function the failure rolled back (those come first in a request).
        let Err(failed) = response.check_results() else {
            return match (write.key_of)(results) {
                Some(found) => (succeeded(&found), Ok(found)),
                None => (
                    IntentState::UnknownOutcome,
                    Err(WriteFailure::Retry {
                        code: Code::IntacctUnknownOutcome,
                        message: "Intacct reported success without returning a key".into(),
                    }),
                ),
            };
        };
        if !is_duplicate_control_id(&failed) {
            let failure = intacct_failure(&failed);
            let state = IntentState::Failed {
                code: failure_code(&failure),
            };
            return (state, Err(failure));
        }
        // This control id already ran: find what it wrote.
        if locators.is_empty() {
            let done = format!("applied:{}", write.key.control_id(0));
            return (succeeded(&done), Ok(done));
        }
        match self.probe_any(conn, locators).await {
            Ok(Some(found)) => (succeeded(&found), Ok(found)),
            Ok(None) => (
                IntentState::Failed {
                    code: Code::SyncDuplicateControlId.as_str().to_owned(),
                },
                Err(WriteFailure::Operator {
                    code: Code::SyncDuplicateControlId,
                    message: format!(
                        "Intacct says this write already ran ({failed}), but no {} with {} = {:?} \
                         exists now",
                        locators[0].object, locators[0].field, locators[0].value
                    ),
                }),
            ),
            Err(e) => (IntentState::UnknownOutcome, Err(e)),
        }
    }

    /// Records the attempt's end as the holder of the claim. If the claim lapsed and someone
    /// else moved the intent meanwhile, their success is ours too; otherwise look again.
    async fn settle_claim(
        &self,
        held: &Held,
        state: IntentState,
        generation: u32,
        result: Result<String, WriteFailure>,
    ) -> Result<String, WriteFailure> {
        held.guard.disarm();
        match self
            .store
            .transition_intent(&held.intent, state, generation, self.clock.now())
            .await
        {
            Ok(_) => result,
            Err(StoreError::Conflict(message)) => {
                match self.store.get_intent(&held.intent.key).await? {
                    Some(WriteIntent {
                        state: IntentState::Succeeded { intacct_key },
                        ..
                    }) => Ok(intacct_key),
                    _ => match result {
                        Ok(key) => Ok(key),
                        Err(_) => Err(WriteFailure::Wait {
                            code: Code::SyncIntentRace,
                            message,
                            delay: self.settings.retry.floor,
                        }),
                    },
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The locators to probe: the one the first request was sent with, then the current one.
fn locators(stored: Option<&RecordLocator>, current: Option<&RecordLocator>) -> Vec<RecordLocator> {
    let mut all: Vec<RecordLocator> = stored.into_iter().cloned().collect();
    if let Some(current) = current
        && !all.contains(current)
    {
        all.push(current.clone());
    }
    all
}

fn succeeded(key: &str) -> IntentState {
    IntentState::Succeeded {
        intacct_key: key.to_owned(),
    }
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn failure_code(failure: &WriteFailure) -> String {
    match failure {
        WriteFailure::Retry { code, .. }
        | WriteFailure::Operator { code, .. }
        | WriteFailure::Wait { code, .. } => code.as_str().to_owned(),
        WriteFailure::Park { .. } => Code::SyncDependencyMissing.as_str().to_owned(),
        WriteFailure::Engine(_) => Code::SyncStoreUnavailable.as_str().to_owned(),
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
