//! When a handled retry message belongs with the dead letters: the rule both runners apply
//! (the Lambda retrier sends the message to the SQS dead-letter queue, the one-machine worker
//! moves it to its dead-letter table), so an exhausted record waits for an operator's redrive
//! the same way everywhere.

use super::{Engine, Outcome};
use crate::model::RetryMessage;

impl Engine {
    /// Why `message`, whose handling ended in `outcome`, goes to the dead letters: its record
    /// became a reconciliation error with every attempt spent. `None` when the outcome settles
    /// the message (written, skipped, queued again, parked, or an error raised before the last
    /// attempt, which an operator retries through `errors retry`).
    pub fn dead_letter_reason(&self, message: &RetryMessage, outcome: &Outcome) -> Option<String> {
        let max_attempts = self.settings.retry.max_attempts;
        match outcome {
            Outcome::Failed { error_id, code } if message.attempt >= max_attempts => Some(format!(
                "retries exhausted ({} of {max_attempts} attempts): {code}; reconciliation error {error_id}",
                message.attempt
            )),
            _ => None,
        }
    }
}
