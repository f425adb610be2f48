//! Runtime-adjustable behaviour: latency, injected 500s, the concurrency limit, and the webhook
//! fault knobs. Random choices come from seeded generators so a failing run can be replayed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The real backend's per-API-key concurrency capacity.
pub const DEFAULT_IN_FLIGHT_LIMIT: usize = 20;

/// API-side fault settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFaults {
    /// Added to every API request before it is handled (while it counts as in flight).
    pub latency: Duration,
    /// Probability in [0, 1] that a request fails with a 500 `api_error` before it is handled.
    pub error_rate: f64,
    /// Requests in flight per API key before 429 (the backend uses 20).
    pub in_flight_limit: usize,
    /// Probability that a write is committed (record stored, events and webhooks emitted) but
    /// the client still gets a 500: the "unknown outcome" a retrying client must survive
    /// without writing twice.
    pub commit_then_fail_rate: f64,
}

impl Default for ApiFaults {
    fn default() -> Self {
        ApiFaults {
            latency: Duration::ZERO,
            error_rate: 0.0,
            in_flight_limit: DEFAULT_IN_FLIGHT_LIMIT,
            commit_then_fail_rate: 0.0,
        }
    }
}

/// A seeded coin for fault injection.
#[derive(Debug)]
pub struct Dice(Mutex<StdRng>);

impl Dice {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Dice {
        Dice(Mutex::new(StdRng::seed_from_u64(seed)))
    }

    /// True with probability `rate` (clamped to [0, 1]); never draws when the rate is 0, so
    /// turning a fault off does not shift the sequence of the others.
    pub fn roll(&self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        let mut rng = self.0.lock().unwrap_or_else(|p| p.into_inner());
        rng.random::<f64>() < rate.min(1.0)
    }

    /// A random token (correlation ids).
    pub fn token(&self) -> String {
        let mut rng = self.0.lock().unwrap_or_else(|p| p.into_inner());
        format!("{:016x}", rng.random::<u64>())
    }
}

/// Counts requests in flight; a permit is released when dropped.
#[derive(Debug, Default)]
pub struct InFlight(AtomicUsize);

/// Proof that a request is counted in flight.
#[derive(Debug)]
pub struct Permit<'a>(&'a AtomicUsize);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl InFlight {
    /// Take a slot unless `limit` are already taken.
    pub fn try_acquire(&self, limit: usize) -> Option<Permit<'_>> {
        let previous = self.0.fetch_add(1, Ordering::SeqCst);
        let permit = Permit(&self.0);
        (previous < limit).then_some(permit)
    }

    /// Requests currently in flight.
    pub fn current(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Validate a probability flag.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text.parse().map_err(|_| format!("not a number: {text}"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("must be between 0 and 1: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_faults_and_zero_rate_never_fires() {
        let a = Dice::new(7);
        let b = Dice::new(7);
        let rolls_a: Vec<bool> = (0..50).map(|_| a.roll(0.3)).collect();
        let rolls_b: Vec<bool> = (0..50).map(|_| b.roll(0.3)).collect();
        assert_eq!(rolls_a, rolls_b);
        assert!(rolls_a.contains(&true) && rolls_a.contains(&false));
        assert!((0..100).all(|_| !a.roll(0.0)));
    }

    #[test]
    fn permits_are_refused_at_the_limit_and_released_on_drop() {
        let in_flight = InFlight::default();
        let first = in_flight.try_acquire(1);
        assert!(first.is_some());
        assert!(in_flight.try_acquire(1).is_none());
        drop(first);
        assert!(in_flight.try_acquire(1).is_some());
        assert_eq!(in_flight.current(), 0);
    }
}
