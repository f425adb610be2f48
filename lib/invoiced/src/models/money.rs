//! Money and other decimal quantities on the wire.
//!
//! Invoiced sends amounts as JSON numbers in major units (`51.15`, not cents). The workspace does not
//! enable serde_json's `arbitrary_precision`, so by the time a deserializer sees a fractional number the
//! JSON parser has already turned it into an `f64`. The choice made here:
//!
//! * **Reading**: the `f64` is rendered with Rust's shortest round-trip formatting (the shortest digit
//!   string that parses back to the same `f64`) and that text is parsed with
//!   [`Decimal::from_str_exact`]. For any number written with at most 15 significant digits (every
//!   realistic amount: 13 integer digits and 2 decimals) this returns exactly the digits that were on the
//!   wire, so `51.15` becomes `Decimal` 51.15 and never 51.149999…. Integers never touch `f64`. If
//!   `arbitrary_precision` is ever switched on, the exact text is used directly. Strings (`"51.15"`) are
//!   also accepted, as a tolerance for hand-written payloads.
//! * **Writing**: integral values are written as JSON integers; others as the `f64` whose shortest
//!   rendering is the decimal's own text. A value that cannot survive that trip (more than 15
//!   significant digits) is refused with an error instead of being silently rounded.
//!
//! Use the modules with `#[serde(with = "...")]`: [`decimal`] for `Decimal`, [`decimal_opt`] for
//! `Option<Decimal>`.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Key serde_json uses for numbers when `arbitrary_precision` is enabled.
const ARBITRARY_PRECISION_TOKEN: &str = "$serde_json::private::Number";

/// Parses decimal text, accepting scientific notation, refusing anything that would need rounding.
fn parse_decimal_text(text: &str) -> Result<Decimal, String> {
    Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|e| format!("`{text}` is not an exact decimal amount: {e}"))
}

/// Converts a decimal into the `f64` that serde_json will print as the same digits, or explains why not.
fn to_wire_f64(value: &Decimal) -> Result<f64, String> {
    let text = value.normalize().to_string();
    // Rust's float parser is correctly rounded, so this is the f64 nearest to the decimal.
    let float = f64::from_str(&text).map_err(|e| format!("amount {text}: {e}"))?;
    match parse_decimal_text(&float.to_string()) {
        Ok(back) if back == *value => Ok(float),
        _ => Err(format!(
            "amount {text} has more significant digits than a JSON number can carry exactly (15)"
        )),
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a JSON number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("amount is not a finite number"));
        }
        // `Display` for f64 is the shortest round-trip rendering and never uses an exponent.
        parse_decimal_text(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal_text(v.trim()).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        // serde_json with `arbitrary_precision` hands numbers over as a one-entry map holding the text.
        match map.next_key::<String>()? {
            Some(key) if key == ARBITRARY_PRECISION_TOKEN => {
                let text: String = map.next_value()?;
                parse_decimal_text(&text).map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

/// `#[serde(with = "decimal")]` for a required `Decimal` carried as a JSON number.
pub mod decimal {
    use super::*;

    /// Writes the decimal as a JSON number with the same digits (see the module docs).
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        if value.fract().is_zero()
            && let Some(integer) = value.to_i64()
        {
            return serializer.serialize_i64(integer);
        }
        let float = to_wire_f64(value).map_err(serde::ser::Error::custom)?;
        serializer.serialize_f64(float)
    }

    /// Reads a JSON number (or numeric string) into an exact decimal (see the module docs).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// `#[serde(with = "decimal_opt")]` for an `Option<Decimal>`; JSON `null` is `None`.
pub mod decimal_opt {
    use super::*;

    /// Writes `None` as `null` and a value as [`decimal::serialize`] does.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::decimal::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None`, anything else as [`decimal::deserialize`] does.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapper(#[serde(with = "super::decimal")] Decimal);
        Ok(Option::<Wrapper>::deserialize(deserializer)?.map(|Wrapper(d)| d))
    }
}

/// A lower-case ISO-4217 currency code as Invoiced uses it (`"usd"`).
///
/// Invoiced lower-cases currencies on input and output; Intacct uses upper case. Normalising at the
/// boundary means `Currency` values compare equal whichever side they came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

/// Text that is not a three-letter currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a three-letter ISO-4217 currency code")]
pub struct CurrencyParseError(pub String);

impl Currency {
    /// Parses a three-letter code in either case and stores it lower-cased.
    pub fn parse(code: &str) -> Result<Self, CurrencyParseError> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(code.to_ascii_lowercase()))
        } else {
            Err(CurrencyParseError(code.to_owned()))
        }
    }

    /// The lower-case code, as Invoiced expects it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Amounts {
        #[serde(with = "decimal")]
        amount: Decimal,
        #[serde(with = "decimal_opt", default)]
        limit: Option<Decimal>,
    }

    fn read(json: &str) -> Result<Amounts, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn json_numbers_come_out_with_the_digits_that_were_sent() {
        for (json, expected) in [
            ("51.15", dec!(51.15)),
            ("3.85", dec!(3.85)),
            ("0.1", dec!(0.1)),
            ("12.045", dec!(12.045)),
            ("-10", dec!(-10)),
            ("110.0", dec!(110)),
            ("1234567890123.45", dec!(1234567890123.45)),
            ("\"51.15\"", dec!(51.15)),
            ("1e2", dec!(100)),
        ] {
            let parsed = read(&format!("{{\"amount\":{json}}}")).expect(json);
            assert_eq!(parsed.amount, expected, "{json}");
            assert_eq!(parsed.amount.to_string(), expected.to_string(), "{json}");
        }
    }

    #[test]
    fn null_and_missing_optional_amounts_are_none() {
        assert_eq!(
            read(r#"{"amount":1,"limit":null}"#).expect("null").limit,
            None
        );
        assert_eq!(read(r#"{"amount":1}"#).expect("missing").limit, None);
        assert_eq!(
            read(r#"{"amount":1,"limit":2500.5}"#).expect("set").limit,
            Some(dec!(2500.5))
        );
    }

    #[test]
    fn non_numbers_are_rejected() {
        for json in ["true", "\"abc\"", "[]", "{}"] {
            assert!(read(&format!("{{\"amount\":{json}}}")).is_err(), "{json}");
        }
    }

    #[test]
    fn amounts_are_written_as_json_numbers_with_exact_text() {
        let written = serde_json::to_string(&Amounts {
            amount: dec!(51.15),
            limit: Some(dec!(45.00)),
        })
        .expect("serialize");
        assert_eq!(written, r#"{"amount":51.15,"limit":45}"#);
        let written = serde_json::to_string(&Amounts {
            amount: dec!(-0.10),
            limit: None,
        })
        .expect("serialize");
        assert_eq!(written, r#"{"amount":-0.1,"limit":null}"#);
    }

    #[test]
    fn amounts_too_precise_for_a_json_number_are_refused_not_rounded() {
        let err = serde_json::to_string(&Amounts {
            amount: dec!(1234567890.1234567891),
            limit: None,
        })
        .expect_err("17+ significant digits cannot be carried by an f64");
        assert!(err.to_string().contains("more significant digits"), "{err}");
    }

    #[test]
    fn currencies_are_normalised_to_lower_case() {
        assert_eq!(Currency::parse("USD").expect("usd").as_str(), "usd");
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("us1").is_err());
        let parsed: Currency = serde_json::from_str("\"eur\"").expect("eur");
        assert_eq!(parsed.to_string(), "eur");
    }
}
