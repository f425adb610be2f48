//! Typed command-line values: the enumerated flags (so `--help` lists their values) and
//! durations.

use clap::ValueEnum;
use std::time::Duration;

use sync_engine::config::RecordType;
use sync_engine::model::ErrorStatus;

/// A record type, as `--type` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum RecordTypeArg {
    /// Customers.
    Customer,
    /// Invoices.
    Invoice,
    /// Credit notes.
    CreditNote,
    /// Payments.
    Payment,
    /// Convenience fees (written to Intacct as invoices).
    ConvenienceFee,
}

impl From<RecordTypeArg> for RecordType {
    fn from(arg: RecordTypeArg) -> Self {
        match arg {
            RecordTypeArg::Customer => RecordType::Customer,
            RecordTypeArg::Invoice => RecordType::Invoice,
            RecordTypeArg::CreditNote => RecordType::CreditNote,
            RecordTypeArg::Payment => RecordType::Payment,
            RecordTypeArg::ConvenienceFee => RecordType::ConvenienceFee,
        }
    }
}

/// A record type Intacct is read for, as `initial-sync --types` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ImportTypeArg {
    /// Intacct customers.
    Customer,
    /// Sales invoices.
    Invoice,
    /// Sales returns.
    CreditNote,
    /// AR payments.
    Payment,
}

impl From<ImportTypeArg> for RecordType {
    fn from(arg: ImportTypeArg) -> Self {
        match arg {
            ImportTypeArg::Customer => RecordType::Customer,
            ImportTypeArg::Invoice => RecordType::Invoice,
            ImportTypeArg::CreditNote => RecordType::CreditNote,
            ImportTypeArg::Payment => RecordType::Payment,
        }
    }
}

/// A reconciliation error's status, as `--status` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ErrorStatusArg {
    /// Still to fix.
    Open,
    /// Hidden by an operator.
    Ignored,
    /// In sync again.
    Resolved,
}

impl From<ErrorStatusArg> for ErrorStatus {
    fn from(arg: ErrorStatusArg) -> Self {
        match arg {
            ErrorStatusArg::Open => ErrorStatus::Open,
            ErrorStatusArg::Ignored => ErrorStatus::Ignored,
            ErrorStatusArg::Resolved => ErrorStatus::Resolved,
        }
    }
}

/// Parses `90s`, `15m`, `1h` or plain seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration like 90s, 15m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{raw}`: unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the duration must be positive".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_hours_and_refuse_nonsense() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("h").is_err());
    }

    /// The flags' values are the names the operator API and the JSON use.
    #[test]
    fn enumerated_flags_spell_values_as_the_engine_does() {
        for arg in RecordTypeArg::value_variants() {
            let name = arg
                .to_possible_value()
                .expect("shown")
                .get_name()
                .to_owned();
            assert_eq!(name, RecordType::from(*arg).as_str());
        }
        assert_eq!(RecordTypeArg::value_variants().len(), RecordType::ALL.len());
        for arg in ImportTypeArg::value_variants() {
            let name = arg
                .to_possible_value()
                .expect("shown")
                .get_name()
                .to_owned();
            assert_eq!(name, RecordType::from(*arg).as_str());
        }
        for arg in ErrorStatusArg::value_variants() {
            let name = arg
                .to_possible_value()
                .expect("shown")
                .get_name()
                .to_owned();
            assert_eq!(name, ErrorStatus::from(*arg).as_str());
        }
    }
}
