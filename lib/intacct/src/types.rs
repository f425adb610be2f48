//! Typed values shared by requests and responses: control ids, XML names, and Intacct's
//! several date formats.
//!
//! Intacct speaks three date dialects: legacy functions want split `<year><month><day>`
//! elements, generic objects and query filters want `MM/DD/YYYY` (ISO dates are rejected in
//! readByQuery filters with DL02000001), and responses carry `MM/DD/YYYY`,
//! `MM/DD/YYYY HH:MM:SS` in record fields but ISO-8601 with offset in the envelope.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

/// An invalid value handed to a constructor; carries what was wrong for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct InvalidValue {
    /// Which kind of value was rejected (e.g. "control id").
    pub what: &'static str,
    /// Why it was rejected.
    pub reason: String,
}

impl InvalidValue {
    pub(crate) fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}

/// A request or function `controlid`: 1–256 characters (the SDKs enforce this bound).
///
/// With `uniqueid=true` Intacct refuses to execute a function whose controlid it has already
/// completed, so a *deterministic* controlid derived from the business record is what makes a
/// retried write exactly-once. Random ids are only for reads.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ControlId(String);

impl ControlId {
    /// Maximum length accepted by the gateway.
    pub const MAX_LEN: usize = 256;

    /// Validates a caller-chosen control id.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value = value.into();
        let len = value.chars().count();
        if len == 0 || len > Self::MAX_LEN {
            return Err(InvalidValue::new(
                "control id",
                format!("must be 1..=256 characters, got {len}"),
            ));
        }
        Ok(Self(value))
    }

    /// A fresh random id, for reads and session calls where replay protection is not wanted.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ControlId({})", self.0)
    }
}

impl fmt::Display for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An XML element name used for caller-supplied object and field names (generic objects,
/// custom fields). Validated so a mapping typo can never produce malformed XML.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct XmlName(String);

impl XmlName {
    /// Accepts `[A-Za-z_][A-Za-z0-9_.-]*` — the subset Intacct object and field names use.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value = value.into();
        let mut chars = value.chars();
        let valid_first = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid_first || !valid_rest || value.len() > 200 {
            return Err(InvalidValue::new(
                "XML name",
                format!("{value:?} is not a valid element name"),
            ));
        }
        Ok(Self(value))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for XmlName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XmlName({})", self.0)
    }
}

/// Formats a date as `MM/DD/YYYY`, the format generic objects and query values expect.
pub fn format_us_date(date: NaiveDate) -> String {
    date.format("%m/%d/%Y").to_string()
}

/// Formats a timestamp as `MM/DD/YYYY HH:MM:SS`, the format readByQuery/query filters on
/// `WHENMODIFIED` expect (ISO-8601 is rejected there).
pub fn format_us_datetime(value: NaiveDateTime) -> String {
    value.format("%m/%d/%Y %H:%M:%S").to_string()
}

/// Parses a record date: `MM/DD/YYYY` (what records carry) or ISO `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Result<NaiveDate, InvalidValue> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%m/%d/%Y")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y-%m-%d"))
        .map_err(|_| InvalidValue::new("date", format!("{value:?} is not MM/DD/YYYY")))
}

/// Parses a record timestamp: `MM/DD/YYYY HH:MM:SS`, a bare `MM/DD/YYYY` (midnight), or ISO
/// (with or without offset; an offset is dropped after conversion to its local wall time,
/// because record timestamps are in the API user's time zone anyway).
pub fn parse_datetime(value: &str) -> Result<NaiveDateTime, InvalidValue> {
    let value = value.trim();
    if let Ok(v) = NaiveDateTime::parse_from_str(value, "%m/%d/%Y %H:%M:%S") {
        return Ok(v);
    }
    if let Ok(v) = DateTime::parse_from_rfc3339(value) {
        return Ok(v.naive_local());
    }
    if let Ok(v) = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S") {
        return Ok(v);
    }
    if let Ok(d) = parse_date(value) {
        return Ok(d.and_time(chrono::NaiveTime::MIN));
    }
    Err(InvalidValue::new(
        "timestamp",
        format!("{value:?} is not MM/DD/YYYY HH:MM:SS or ISO-8601"),
    ))
}

/// Parses an envelope timestamp (`sessiontimestamp`, `sessiontimeout`): ISO-8601 with offset.
pub fn parse_envelope_timestamp(value: &str) -> Result<DateTime<FixedOffset>, InvalidValue> {
    DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| InvalidValue::new("envelope timestamp", format!("{value:?} is not ISO-8601")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_bounded() {
        assert!(ControlId::parse("").is_err());
        assert!(ControlId::parse("x".repeat(257)).is_err());
        assert_eq!(
            ControlId::parse("inv-42").map(|c| c.to_string()),
            Ok("inv-42".into())
        );
    }

    #[test]
    fn xml_names_reject_markup() {
        assert!(XmlName::parse("CUSTOMFIELD1").is_ok());
        assert!(XmlName::parse("DISPLAYCONTACT.EMAIL1").is_ok());
        assert!(XmlName::parse("a<b").is_err());
        assert!(XmlName::parse("1ABC").is_err());
        assert!(XmlName::parse("").is_err());
    }

    #[test]
    fn record_dates_in_all_dialects() {
        let d = NaiveDate::from_ymd_opt(2017, 7, 24).unwrap();
        assert_eq!(parse_date("07/24/2017"), Ok(d));
        assert_eq!(parse_date("2017-07-24"), Ok(d));
        assert!(parse_date("24/07/2017").is_err());
        let t = d.and_hms_opt(15, 19, 46).unwrap();
        assert_eq!(parse_datetime("07/24/2017 15:19:46"), Ok(t));
        assert_eq!(parse_datetime("2017-07-24T15:19:46-07:00"), Ok(t));
        assert_eq!(format_us_date(d), "07/24/2017");
        assert_eq!(format_us_datetime(t), "07/24/2017 15:19:46");
        assert!(parse_envelope_timestamp("2015-10-22T20:58:27-07:00").is_ok());
    }
}
