//! Backoff for 429 responses.
//!
//! Invoiced limits each API key to 20 requests in flight and answers the excess with 429, without
//! `Retry-After` or rate-limit headers. A short wait is enough once other requests finish, so the
//! client retries with exponential backoff and *full jitter* (a uniform delay in `0..=min(cap, base·2ⁿ)`)
//! to spread concurrent callers apart. Only 429 is retried here: a 5xx on a POST is left to the caller,
//! whose retry queue re-sends with the same idempotency key after re-reading state.

use rand::Rng;
use std::time::Duration;

/// How many times, and how long between, a rate-limited request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 disables retries).
    pub max_attempts: u32,
    /// Backoff ceiling for the first retry; doubled for each further retry.
    pub base_delay: Duration,
    /// Upper bound of any single wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts, 250 ms base, 8 s cap: at worst about 16 s of waiting, well inside a Lambda timeout.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The upper bound of the wait after failed attempt number `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// A random wait in `0..=ceiling(attempt)` (full jitter).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_stops_at_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(700),
        };
        let ceilings: Vec<u128> = (1..=6).map(|a| policy.ceiling(a).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 700, 700, 700]);
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_millis(700));
    }

    #[test]
    fn delays_stay_within_the_ceiling() {
        let policy = RetryPolicy::default();
        for attempt in 1..=8 {
            for _ in 0..50 {
                assert!(policy.delay(attempt) <= policy.ceiling(attempt));
            }
        }
    }
}
