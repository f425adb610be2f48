//! When to try again: exponential backoff with full jitter and an attempt cap.
//!
//! Full jitter (a uniform draw between zero and the exponential ceiling) spreads the retries of
//! many throttled writers so they do not hit Intacct's two-request limit again in lock-step;
//! AWS's analysis of backoff strategies found it finishes contended work soonest. A small floor
//! keeps a retry from landing in the same instant as the failure.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

/// The longest delay one SQS message can carry (`DelaySeconds` ≤ 900).
pub const SQS_MAX_DELAY: Duration = Duration::from_secs(900);

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first retry's delay; doubles each attempt.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
    /// Shortest delay.
    pub floor: Duration,
    /// Attempts after which the record becomes a reconciliation error (and the message goes to
    /// the dead-letter queue).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 8 attempts, 30 s doubling to a 1 h ceiling: about 2.5 h of expected waiting in all, long
    /// enough to ride out a throttling storm, short enough that an operator hears the same day.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            floor: Duration::from_secs(1),
            max_attempts: 8,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Give up: record a reconciliation error.
    Exhausted,
}

impl RetryPolicy {
    /// The ceiling for `attempt` (1-based): `min(cap, base · 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Decides after failed attempt number `attempt` (1-based).
    pub fn decide(&self, attempt: u32, rng: &mut impl Rng) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Exhausted;
        }
        let ceiling = self.ceiling(attempt);
        let drawn = Duration::from_millis(rng.random_range(0..=ceiling.as_millis() as u64));
        RetryDecision::RetryAfter(drawn.max(self.floor).min(ceiling.max(self.floor)))
    }
}

/// Splits a wanted delay into what one SQS hop can carry and, when longer, the time before
/// which a delivered message must be re-queued rather than processed.
pub fn split_for_sqs(delay: Duration, now: DateTime<Utc>) -> (Duration, Option<DateTime<Utc>>) {
    if delay <= SQS_MAX_DELAY {
        return (delay, None);
    }
    let not_before = chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d));
    (SQS_MAX_DELAY, not_before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let secs: Vec<u64> = (1..=9).map(|a| policy.ceiling(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn the_attempt_cap_ends_retries() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        assert!(matches!(
            policy.decide(7, &mut rng),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(policy.decide(8, &mut rng), RetryDecision::Exhausted);
    }

    #[test]
    fn jitter_spreads_retries_across_the_window() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        let delays: Vec<Duration> = (0..200)
            .map(|_| match policy.decide(5, &mut rng) {
                RetryDecision::RetryAfter(d) => d,
                RetryDecision::Exhausted => unreachable!("attempt 5 < cap"),
            })
            .collect();
        let below_half = delays.iter().filter(|d| d.as_secs() < 240).count();
        assert!(
            (60..=140).contains(&below_half),
            "{below_half} of 200 in the lower half"
        );
    }

    #[test]
    fn long_delays_take_several_sqs_hops() {
        let now = Utc::now();
        assert_eq!(
            split_for_sqs(Duration::from_secs(600), now),
            (Duration::from_secs(600), None)
        );
        let (hop, not_before) = split_for_sqs(Duration::from_secs(3600), now);
        assert_eq!(hop, SQS_MAX_DELAY);
        assert_eq!(not_before, Some(now + chrono::Duration::seconds(3600)));
    }

    proptest! {
        #[test]
        fn every_delay_is_within_floor_and_ceiling(attempt in 1u32..7, seed in any::<u64>()) {
            let policy = RetryPolicy::default();
            let mut rng = StdRng::seed_from_u64(seed);
            match policy.decide(attempt, &mut rng) {
                RetryDecision::RetryAfter(d) => {
                    prop_assert!(d >= policy.floor);
                    prop_assert!(d <= policy.ceiling(attempt));
                }
                RetryDecision::Exhausted => prop_assert!(false, "attempt {} < cap", attempt),
            }
        }
    }
}
