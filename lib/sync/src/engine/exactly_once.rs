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

use chrono::{DateTime, Utc};
use intacct::{ControlId, ErrorClass, FunctionCall, FunctionResult, Request, Response};
use rand::Rng;
use std::future::Future;
use std::time::Duration;

use super::gateway::{CallError, WriteFailure, call_id, intacct_failure};
use super::{Connection, Engine};
use crate::model::{IntentKey, IntentState, RecordLocator, WriteIntent};
use crate::ports::{Clock, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Code of a write another function is working on at the same moment.
pub const INTENT_RACE: &str = "SYNC_INTENT_RACE";
/// Code of a duplicate-control-id refusal whose record could not be found.
pub const DUPLICATE_CONTROL_ID: &str = "SYNC_DUPLICATE_CONTROL_ID";
/// Code of a void whose create may have reached Intacct but cannot be looked for.
pub const VOID_OUTCOME_UNKNOWN: &str = "SYNC_VOID_OUTCOME_UNKNOWN";

/// How many times a claim is retried after losing a version race before waiting instead.
const CLAIM_ROUNDS: usize = 4;
/// Pause between looks at a claim held by another function, in milliseconds.
const CLAIM_POLL_MS: std::ops::RangeInclusive<u64> = 25..=100;
/// A claim younger than this is probably held by a live function that answers within a second
/// or two: look again soon rather than wait for the claim to lapse.
const YOUNG_CLAIM: Duration = Duration::from_secs(15);

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

/// What became of the create of a record that was voided in Invoiced.
pub(crate) enum CreateFate {
    /// It reached Intacct as this record.
    Applied(String),
    /// It never reached Intacct and now never will.
    NeverApplied,
}

/// What the read side learns from a record in Intacct that carries a write's identifiers.
pub(crate) enum Adoption {
    /// The sync wrote it: the write's intent is now settled on it. `revisit` when the write
    /// side must look at the record again (its create had been abandoned by a void, so Intacct
    /// holds a record Invoiced voided).
    Ours {
        /// Queue the write again.
        revisit: bool,
    },
    /// No write of the sync claims it.
    NotOurs,
    /// A write of the sync holds a live claim on it and settles it itself.
    InProgress,
    /// The write settled on another Intacct record: one of the two is a duplicate.
    Duplicate {
        /// The record the write settled on.
        settled: String,
    },
}

/// How strongly an identifier found on an Intacct record ties it to one write of the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// Only the write itself ever writes it.
    Unique,
    /// A record made by hand in Intacct can carry it too.
    Shared,
}

/// An intent this function holds the claim on.
struct Held {
    /// Hands the claim over to a short grace period if this function is dropped before it
    /// settles (see [`AbandonOnDrop`]).
    guard: AbandonOnDrop,
    /// As stored after the claim: the version to settle from.
    intent: WriteIntent,
    /// A request of the current generation may have taken effect.
    maybe_applied: bool,
    /// The generation ran but its record was not found: a fresh probe decides whether to open
    /// a new generation.
    reopen: bool,
}

/// If the future holding a claim is dropped before it settles (a webhook's deadline, a caller
/// that hung up), the claim is not left to lapse after `intent_claim_ttl`: it is cut to a short
/// grace period, long enough for a request already on its way to finish in Intacct, after
/// which the next attempt probes for the record as after any unknown outcome.
struct AbandonOnDrop {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    claimed: WriteIntent,
    grace: Duration,
    armed: AtomicBool,
}

impl AbandonOnDrop {
    fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if !self.armed.load(Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, clock, claimed, grace) = (
            self.store.clone(),
            self.clock.clone(),
            self.claimed.clone(),
            self.grace,
        );
        runtime.spawn(async move {
            let now = clock.now();
            let until = now + chrono_duration(grace);
            let lapsing = IntentState::claimed("abandoned", until);
            // Conditional on the claim's version: a no-op if anyone moved it since.
            let _ = store
                .transition_intent(&claimed, lapsing, claimed.generation, now)
                .await;
        });
    }
}

/// The result of trying to claim an intent.
enum Claim {
    /// Ours until settled.
    Held(Held),
    /// Already written: the Intacct key.
    Settled(String),
    /// The create was abandoned (voided before it reached Intacct).
    Abandoned,
    /// Someone else holds it: look again later.
    Busy(WriteFailure),
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
    /// (none was sent, or every one was refused) it may instead link an existing Intacct record: `link` looks for one and, when it
    /// finds it, records the mapping and returns its key. The decision is made while holding
    /// the claim, so a concurrent delivery can neither create the record meanwhile nor later
    /// re-decide: it sees the write settled (and the mapping `link` recorded first).
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
                    code: INTENT_RACE.into(),
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

    /// Decides the fate of a create whose record was voided in Invoiced: finds the record if
    /// any request of the create reached Intacct, or makes sure none ever will.
    pub(crate) async fn settle_create_for_void(
        &self,
        conn: &Connection,
        key: IntentKey,
        current: Option<RecordLocator>,
    ) -> Result<CreateFate, WriteFailure> {
        let held = match self.claim(&key, current.as_ref()).await? {
            Claim::Held(held) => held,
            Claim::Settled(found) => return Ok(CreateFate::Applied(found)),
            Claim::Abandoned => return Ok(CreateFate::NeverApplied),
            Claim::Busy(wait) => return Err(wait),
        };
        let abandoned = IntentState::Abandoned {
            reason: "voided in Invoiced before it reached Intacct".into(),
        };
        if !held.maybe_applied && !held.reopen {
            // Nothing was sent, or everything sent was refused: the create ends here.
            return self.end_void_claim(&held, abandoned, None).await;
        }
        let locators = locators(held.intent.locator.as_ref(), current.as_ref());
        if locators.is_empty() {
            let failure = WriteFailure::Operator {
                code: VOID_OUTCOME_UNKNOWN.into(),
                message: format!(
                    "{} {} was voided while its write to Intacct had an unknown outcome, and \
                     the write leaves nothing to look up",
                    key.record_type, key.invoiced_id
                ),
                fix: "Check in Intacct whether the write happened and undo it there if it did; \
                      then ignore this error."
                    .into(),
            };
            return self
                .end_void_claim(&held, IntentState::UnknownOutcome, Some(failure))
                .await;
        }
        match self.probe_any(conn, &locators).await {
            Ok(Some(found)) => self.end_void_claim(&held, succeeded(&found), None).await,
            Ok(None) => self.end_void_claim(&held, abandoned, None).await,
            Err(failure) => {
                self.end_void_claim(&held, unsettled(&held), Some(failure))
                    .await
            }
        }
    }

    /// Settles a void's claim on a create: `Applied` for a success, `NeverApplied` for an
    /// abandonment, `failure` otherwise. A lost race is decided by what the winner stored.
    async fn end_void_claim(
        &self,
        held: &Held,
        state: IntentState,
        failure: Option<WriteFailure>,
    ) -> Result<CreateFate, WriteFailure> {
        held.guard.disarm();
        let stored = match self
            .store
            .transition_intent(
                &held.intent,
                state,
                held.intent.generation,
                self.clock.now(),
            )
            .await
        {
            Ok(stored) => stored,
            Err(StoreError::Conflict(_)) => self
                .store
                .get_intent(&held.intent.key)
                .await?
                .unwrap_or_else(|| held.intent.clone()),
            Err(e) => return Err(e.into()),
        };
        match (stored.state, failure) {
            (IntentState::Succeeded { intacct_key }, _) => Ok(CreateFate::Applied(intacct_key)),
            (IntentState::Abandoned { .. }, _) => Ok(CreateFate::NeverApplied),
            (_, Some(failure)) => Err(failure),
            (_, None) => Err(WriteFailure::Wait {
                code: INTENT_RACE.into(),
                message: "another function is settling this write".into(),
                delay: self.settings.retry.floor,
            }),
        }
    }

    /// The read side found `found` in Intacct carrying the identifiers of the write `key`, and
    /// settles the write on it when the record must be the write's:
    /// - a **unique** marker (a payment's DOCNUMBER `Invoiced ID: <id>`) is only ever written by
    ///   the write itself, so the record is adopted whatever the intent's state. Finding it is
    ///   what a probe would do, so this is safe even against a live claim, whose holder then
    ///   finds the write settled;
    /// - a **shared** identifier (a customer's CUSTOMERID, which an Intacct customer made by
    ///   hand can also have) proves nothing on its own: the record is adopted only when a request
    ///   of the write may have run (an unknown outcome, a lapsed claim, a control id that ran).
    ///   A live claim may be deciding to link that very customer, so it is left to its holder.
    pub(crate) async fn adopt_found_record(
        &self,
        key: &IntentKey,
        found: &str,
        marker: Marker,
    ) -> Result<Adoption, WriteFailure> {
        for _ in 0..CLAIM_ROUNDS {
            let Some(intent) = self.store.get_intent(key).await? else {
                return Ok(Adoption::NotOurs);
            };
            let now = self.clock.now();
            let revisit = match (&intent.state, marker) {
                (IntentState::Succeeded { intacct_key }, _) if intacct_key == found => {
                    return Ok(Adoption::Ours { revisit: false });
                }
                (IntentState::Succeeded { intacct_key }, _) => {
                    return Ok(Adoption::Duplicate {
                        settled: intacct_key.clone(),
                    });
                }
                (IntentState::Abandoned { .. }, Marker::Unique) => true,
                (_, Marker::Unique) => false,
                (state, Marker::Shared) if state.claimed_at(now) => {
                    return Ok(Adoption::InProgress);
                }
                (IntentState::InFlight { .. } | IntentState::UnknownOutcome, Marker::Shared) => {
                    false
                }
                (IntentState::Failed { code }, Marker::Shared) if code == DUPLICATE_CONTROL_ID => {
                    false
                }
                (IntentState::Failed { .. } | IntentState::Abandoned { .. }, Marker::Shared) => {
                    return Ok(Adoption::NotOurs);
                }
            };
            match self
                .store
                .transition_intent(&intent, succeeded(found), intent.generation, now)
                .await
            {
                Ok(_) => return Ok(Adoption::Ours { revisit }),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(WriteFailure::Retry {
            code: INTENT_RACE.into(),
            message: format!("write {} keeps changing hands", key.control_id(0)),
        })
    }

    /// Claims the intent of `key` for this function (see the module docs).
    async fn claim(
        &self,
        key: &IntentKey,
        locator: Option<&RecordLocator>,
    ) -> Result<Claim, WriteFailure> {
        let owner = format!("{}-{:016x}", self.settings.instance, rand::random::<u64>());
        let started = std::time::Instant::now();
        let mut conflicts = 0;
        while conflicts < CLAIM_ROUNDS {
            let now = self.clock.now();
            let until = now + chrono_duration(self.settings.intent_claim_ttl);
            let mine = IntentState::claimed(&owner, until);
            let stored = self
                .store
                .begin_intent(&WriteIntent {
                    key: key.clone(),
                    generation: 0,
                    state: mine.clone(),
                    version: 1,
                    updated_at: now,
                    locator: locator.cloned(),
                })
                .await?;
            if stored.state == mine {
                return Ok(Claim::Held(Held {
                    guard: self.abandon_on_drop(&stored),
                    intent: stored,
                    maybe_applied: false,
                    reopen: false,
                }));
            }
            let (maybe_applied, reopen) = match &stored.state {
                IntentState::Succeeded { intacct_key } => {
                    return Ok(Claim::Settled(intacct_key.clone()));
                }
                IntentState::Abandoned { .. } => return Ok(Claim::Abandoned),
                IntentState::InFlight { until, .. } if stored.state.claimed_at(now) => {
                    // Most claims settle within a request or two: wait a little in place
                    // rather than queue the work.
                    if started.elapsed() < self.settings.intent_wait {
                        let pause = self.jitter_rng().random_range(CLAIM_POLL_MS);
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                        continue;
                    }
                    return Ok(Claim::Busy(self.wait_for_claim(key, until.as_ref(), now)));
                }
                IntentState::InFlight { .. } | IntentState::UnknownOutcome => (true, false),
                // A later generation exists only because an earlier one's record went missing
                // (or, in intents from before claims existed, because of a race): probe first.
                IntentState::Failed { code } if code == DUPLICATE_CONTROL_ID => (false, true),
                IntentState::Failed { .. } => (stored.generation > 0, false),
            };
            match self
                .store
                .transition_intent(&stored, mine, stored.generation, now)
                .await
            {
                Ok(intent) => {
                    return Ok(Claim::Held(Held {
                        guard: self.abandon_on_drop(&intent),
                        intent,
                        maybe_applied,
                        reopen,
                    }));
                }
                // Someone moved it meanwhile: look at what they did.
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Claim::Busy(WriteFailure::Wait {
            code: INTENT_RACE.into(),
            message: format!("write {} keeps changing hands", key.control_id(0)),
            delay: self.settings.retry.floor,
        }))
    }

    fn abandon_on_drop(&self, claimed: &WriteIntent) -> AbandonOnDrop {
        AbandonOnDrop {
            store: self.store.clone(),
            clock: self.clock.clone(),
            claimed: claimed.clone(),
            grace: self.settings.abandoned_claim_grace,
            armed: AtomicBool::new(true),
        }
    }

    /// How long to wait for a claim someone else holds: briefly while it is young (its holder
    /// is most likely about to settle it), else until it lapses.
    fn wait_for_claim(
        &self,
        key: &IntentKey,
        until: Option<&DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> WriteFailure {
        let remaining = until
            .and_then(|u| (*u - now).to_std().ok())
            .unwrap_or_default();
        let age = self.settings.intent_claim_ttl.saturating_sub(remaining);
        let delay = if age < YOUNG_CLAIM {
            self.settings.retry.floor
        } else {
            remaining.max(self.settings.retry.floor)
        };
        WriteFailure::Wait {
            code: INTENT_RACE.into(),
            message: format!(
                "another function is writing {} {} right now",
                key.record_type, key.invoiced_id
            ),
            delay,
        }
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
                    code: "SYNC_INVALID_CONTROL_ID".into(),
                    message: e.to_string(),
                    fix: "Report this as a bug: generated control ids must be valid.".into(),
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
                if code == DUPLICATE_CONTROL_ID {
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
                    code: DUPLICATE_CONTROL_ID.into(),
                },
                Err(WriteFailure::Operator {
                    code: DUPLICATE_CONTROL_ID.into(),
                    message: format!(
                        "Intacct says this write already ran ({failed}), but no {} with {} = {:?} \
                         exists now",
                        locators[0].object, locators[0].field, locators[0].value
                    ),
                    fix: "The record was probably deleted in Intacct. Retry to post it again, or \
                          ignore this error to leave it deleted."
                        .into(),
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
                            code: INTENT_RACE.into(),
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

/// The state a claim returns to when its attempt ended before settling anything.
fn unsettled(held: &Held) -> IntentState {
    if held.maybe_applied {
        IntentState::UnknownOutcome
    } else if held.reopen {
        IntentState::Failed {
            code: DUPLICATE_CONTROL_ID.into(),
        }
    } else {
        IntentState::Failed {
            code: "SYNC_NOT_SENT".into(),
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
        | WriteFailure::Wait { code, .. } => code.clone(),
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
