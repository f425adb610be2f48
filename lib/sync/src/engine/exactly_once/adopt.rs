//! The read side found a record in Intacct carrying a write's identifiers: settle the write on
//! it rather than import it as new.

use super::super::Engine;
use super::super::gateway::WriteFailure;
use super::claim::CLAIM_ROUNDS;
use super::succeeded;
use crate::catalogue::Code;
use crate::model::{IntentKey, IntentState, WriteIntent};
use crate::ports::StoreError;

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

impl Engine {
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
                (IntentState::Failed { code }, Marker::Shared)
                    if code == Code::SyncDuplicateControlId.as_str() =>
                {
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
            code: Code::SyncIntentRace,
            message: format!("write {} keeps changing hands", key.control_id(0)),
        })
    }

    /// Records the write `key` as done on `found` although the sync did not make it (a payment
    /// reversed in Intacct by a person): the sync then never makes it itself. A reversal of ours
    /// in flight, or one that failed, is overtaken: Intacct shows the result, and a racing
    /// holder's settle finds this success.
    pub(crate) async fn settle_as_done_elsewhere(
        &self,
        key: IntentKey,
        found: &str,
    ) -> Result<(), WriteFailure> {
        let now = self.clock.now();
        let intent = self
            .store
            .begin_intent(&WriteIntent {
                key,
                generation: 0,
                state: succeeded(found),
                version: 1,
                updated_at: now,
                locator: None,
            })
            .await?;
        if matches!(intent.state, IntentState::Succeeded { .. }) {
            return Ok(());
        }
        match self
            .store
            .transition_intent(&intent, succeeded(found), intent.generation, now)
            .await
        {
            Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
