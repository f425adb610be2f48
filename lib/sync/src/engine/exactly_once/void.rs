//! A void of a record whose create is in flight or unknown: find the record, or make sure the
//! create is never sent.

use super::super::gateway::WriteFailure;
use super::super::{Connection, Engine};
use super::claim::{Claim, Held, unsettled};
use super::{locators, succeeded};
use crate::catalogue::Code;
use crate::model::{IntentKey, IntentState, RecordLocator};
use crate::ports::StoreError;

/// What became of the create of a record that was voided in Invoiced.
pub(crate) enum CreateFate {
    /// It reached Intacct as this record.
    Applied(String),
    /// It never reached Intacct and now never will.
    NeverApplied,
}

impl Engine {
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
                code: Code::SyncVoidOutcomeUnknown,
                message: format!(
                    "{} {} was voided while its write to Intacct had an unknown outcome, and \
                     the write leaves nothing to look up",
                    key.record_type, key.invoiced_id
                ),
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
                code: Code::SyncIntentRace,
                message: "another function is settling this write".into(),
                delay: self.settings.retry.floor,
            }),
        }
    }
}
