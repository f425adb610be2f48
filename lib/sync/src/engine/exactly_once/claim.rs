//! Claiming an intent: one writer per generation, waiting for (or taking over from) another
//! function's claim, and handing a dropped claim over after a short grace period.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::super::Engine;
use super::super::gateway::WriteFailure;
use super::chrono_duration;
use crate::catalogue::Code;
use crate::model::{IntentKey, IntentState, RecordLocator, WriteIntent};
use crate::ports::{Clock, Store, StoreError};

/// How many times a claim is retried after losing a version race before waiting instead.
pub(super) const CLAIM_ROUNDS: usize = 4;
/// Pause between looks at a claim held by another function, in milliseconds.
const CLAIM_POLL_MS: std::ops::RangeInclusive<u64> = 25..=100;
/// A claim younger than this is probably held by a live function that answers within a second
/// or two: look again soon rather than wait for the claim to lapse.
const YOUNG_CLAIM: Duration = Duration::from_secs(15);

/// An intent this function holds the claim on.
pub(super) struct Held {
    /// Hands the claim over to a short grace period if this function is dropped before it
    /// settles (see [`AbandonOnDrop`]).
    pub(super) guard: AbandonOnDrop,
    /// As stored after the claim: the version to settle from.
    pub(super) intent: WriteIntent,
    /// A request of the current generation may have taken effect.
    pub(super) maybe_applied: bool,
    /// The generation ran but its record was not found: a fresh probe decides whether to open
    /// a new generation.
    pub(super) reopen: bool,
}

/// If the future holding a claim is dropped before it settles (a webhook's deadline, a caller
/// that hung up), the claim is not left to lapse after `intent_claim_ttl`: it is cut to a short
/// grace period, long enough for a request already on its way to finish in Intacct, after
/// which the next attempt probes for the record as after any unknown outcome.
pub(super) struct AbandonOnDrop {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    claimed: WriteIntent,
    grace: Duration,
    armed: AtomicBool,
}

impl AbandonOnDrop {
    pub(super) fn disarm(&self) {
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
pub(super) enum Claim {
    /// Ours until settled.
    Held(Box<Held>),
    /// Already written: the Intacct key.
    Settled(String),
    /// The create was abandoned (voided before it reached Intacct).
    Abandoned,
    /// Someone else holds it: look again later.
    Busy(WriteFailure),
}

impl Engine {
    /// Claims the intent of `key` for this function (see the module docs).
    pub(super) async fn claim(
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
                return Ok(Claim::Held(Box::new(Held {
                    guard: self.abandon_on_drop(&stored),
                    intent: stored,
                    maybe_applied: false,
                    reopen: false,
                })));
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
                IntentState::Failed { code } if code == Code::SyncDuplicateControlId.as_str() => {
                    (false, true)
                }
                IntentState::Failed { .. } => (stored.generation > 0, false),
            };
            match self
                .store
                .transition_intent(&stored, mine, stored.generation, now)
                .await
            {
                Ok(intent) => {
                    return Ok(Claim::Held(Box::new(Held {
                        guard: self.abandon_on_drop(&intent),
                        intent,
                        maybe_applied,
                        reopen,
                    })));
                }
                // Someone moved it meanwhile: look at what they did.
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Claim::Busy(WriteFailure::Wait {
            code: Code::SyncIntentRace,
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
            code: Code::SyncIntentRace,
            message: format!(
                "another function is writing {} {} right now",
                key.record_type, key.invoiced_id
            ),
            delay,
        }
    }
}

/// The state a claim returns to when its attempt ended before settling anything.
pub(super) fn unsettled(held: &Held) -> IntentState {
    if held.maybe_applied {
        IntentState::UnknownOutcome
    } else if held.reopen {
        IntentState::Failed {
            code: Code::SyncDuplicateControlId.as_str().to_owned(),
        }
    } else {
        IntentState::Failed {
            code: Code::SyncNotSent.as_str().to_owned(),
        }
    }
}
