//! The simulator's clock: real time by default, frozen or shifted by tests.
//!
//! WHENMODIFIED cursors, session expiry and readMore result lifetimes all read this clock, so a
//! test can step over a 30-minute session timeout or a look-back window without sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{NaiveDateTime, TimeDelta, Utc};

/// `MM/DD/YYYY HH:MM:SS`, the format of WHENMODIFIED/WHENCREATED in records and query literals.
pub const TIMESTAMP_FORMAT: &str = "%m/%d/%Y %H:%M:%S";
/// `MM/DD/YYYY`, the format of date fields (WHENPOSTED, WHENDUE, RECEIPTDATE).
pub const DATE_FORMAT: &str = "%m/%d/%Y";

#[derive(Debug, Clone, Copy)]
enum State {
    Running { offset: TimeDelta },
    Frozen(NaiveDateTime),
}

/// Shared, cloneable clock (UTC wall time; Intacct shows the API user's zone, we pick UTC).
#[derive(Debug, Clone)]
pub struct Clock(Arc<Mutex<State>>);

impl Default for Clock {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(State::Running {
            offset: TimeDelta::zero(),
        })))
    }
}

impl Clock {
    /// Current simulated time, truncated to whole seconds like Intacct timestamps.
    pub fn now(&self) -> NaiveDateTime {
        let state = *self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let t = match state {
            State::Running { offset } => {
                let real = Utc::now().naive_utc();
                real.checked_add_signed(offset).unwrap_or(real)
            }
            State::Frozen(t) => t,
        };
        t.with_nanosecond(0).unwrap_or(t)
    }

    /// Freeze the clock at `t` (tests that compare exact WHENMODIFIED values want this).
    pub fn set(&self, t: NaiveDateTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = State::Frozen(t);
    }

    /// Move the clock forward (or back with a negative delta), frozen or not.
    pub fn advance(&self, by: TimeDelta) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match *state {
            State::Running { offset } => State::Running {
                offset: offset.checked_add(&by).unwrap_or(offset),
            },
            State::Frozen(t) => State::Frozen(t.checked_add_signed(by).unwrap_or(t)),
        };
    }
}

use chrono::Timelike as _;

/// A lifetime in seconds as a delta, capped at 100 years so settings from the admin API can
/// never overflow date arithmetic.
pub fn lifetime(secs: u64) -> TimeDelta {
    const CAP: u64 = 100 * 365 * 24 * 3600;
    TimeDelta::try_seconds(i64::try_from(secs.min(CAP)).unwrap_or(0)).unwrap_or_default()
}

/// Format a timestamp the way record fields carry it.
pub fn format_timestamp(t: NaiveDateTime) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

/// Parse `MM/DD/YYYY HH:MM:SS` or `MM/DD/YYYY` (midnight); anything else (ISO-8601 included,
/// which the real gateway rejects) is `None`.
pub fn parse_intacct_datetime(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, TIMESTAMP_FORMAT)
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, DATE_FORMAT)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .filter(|_| raw.len() >= 8 && raw.as_bytes().get(2) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_advances_only_when_told() {
        let clock = Clock::default();
        let t = parse_intacct_datetime("01/31/2024 10:00:00").unwrap();
        clock.set(t);
        assert_eq!(clock.now(), t);
        clock.advance(TimeDelta::minutes(31));
        assert_eq!(format_timestamp(clock.now()), "01/31/2024 10:31:00");
    }

    #[test]
    fn iso_dates_are_not_intacct_dates() {
        assert!(parse_intacct_datetime("2024-01-31T10:00:00Z").is_none());
        assert!(parse_intacct_datetime("01/31/2024").is_some());
    }
}
