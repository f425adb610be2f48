//! Fault injection: one seeded draw per gateway request decides throttle / 5xx / timeout.
//!
//! Deterministic for a given seed and request order, so a failing scenario can be replayed.

use std::sync::{Mutex, PoisonError};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use super::state::Settings;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Served normally.
    None,
    /// Answered `XMLGW_JPP0001` without running.
    Throttle,
    /// Answered with this HTTP 5xx status and an HTML page, without running.
    ServerError(u16),
    /// Runs, then the response is lost (held, then 524 or a dropped connection).
    Timeout,
}

/// The seeded dice.
#[derive(Debug)]
pub struct Faults(Mutex<StdRng>);

impl Faults {
    /// Dice for a seed.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }

    /// Draw the fate of the next request under the current rates.
    pub fn draw(&self, settings: &Settings) -> Fault {
        let mut rng = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let roll: f64 = rng.random();
        let status = [500, 502, 503][rng.random_range(0..3)];
        let mut edge = settings.throttle_rate;
        if roll < edge {
            return Fault::Throttle;
        }
        edge += settings.error_rate;
        if roll < edge {
            return Fault::ServerError(status);
        }
        edge += settings.timeout_rate;
        if roll < edge {
            return Fault::Timeout;
        }
        Fault::None
    }
}

/// An HTML error page like a load balancer's: no XML at all, so clients must not parse it.
pub fn html_page(status: u16, title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {title}</title></head><body><h1>{title}</h1><p>The server encountered a temporary error and could not complete your request.</p></body></html>\n"
    )
}

/// Cloudflare's "A timeout occurred" page for 524: the origin may still have done the work.
pub fn html_524() -> String {
    "<!DOCTYPE html>\n<html><head><title>api.intacct.com | 524: A timeout occurred</title></head><body><div id=\"cf-error-details\"><h1>A timeout occurred</h1><p>The origin web server timed out responding to this request.</p></div></body></html>\n".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults_and_rates_are_respected() {
        let settings = Settings {
            throttle_rate: 0.2,
            error_rate: 0.2,
            timeout_rate: 0.1,
            ..Settings::default()
        };
        let dice = Faults::new(7);
        let a: Vec<Fault> = (0..1000).map(|_| dice.draw(&settings)).collect();
        let f = Faults::new(7);
        let b: Vec<Fault> = (0..1000).map(|_| f.draw(&settings)).collect();
        assert_eq!(a, b);
        let throttled = a.iter().filter(|f| **f == Fault::Throttle).count();
        let timeouts = a.iter().filter(|f| **f == Fault::Timeout).count();
        assert!((150..250).contains(&throttled), "{throttled}");
        assert!((60..140).contains(&timeouts), "{timeouts}");
    }
}
