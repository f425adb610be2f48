//! Metadata (custom fields).
//!
//! Custom fields in Invoiced live in `metadata`, keyed by the custom field id; the sync keeps its
//! cross-system ids there (e.g. `intacct_customer_number`, `intacct_entity`, line-item
//! `intacct_department`). Values are strings unless a typed custom field exists, in which case numbers
//! or booleans come back, so values stay [`serde_json::Value`] and [`Metadata::text`] gives the
//! comparable text form.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The `metadata` object of a customer, document, line item or payment.
///
/// Deserialization accepts an object, `null`, and the empty array `[]`: PHP encodes an empty
/// associative array as `[]`, and older Invoiced payloads do exactly that. Duplicate keys are an error.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<String, Value>);

impl Metadata {
    /// An empty metadata object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, returning `self` for chaining in request builders.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// The raw value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The value under `key` as text: strings as-is, numbers and booleans in their JSON form.
    ///
    /// Typed custom fields return `1234` where untyped ones return `"1234"`; comparing ids through this
    /// method makes both match. `null`, arrays and objects give `None`, as does an empty string (Invoiced
    /// treats an empty custom field as unset).
    pub fn text(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// Number of keys (Invoiced allows at most 10 per object).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no keys are set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates keys and values in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match super::json::deserialize(deserializer)? {
            Value::Null => Ok(Self::default()),
            Value::Array(items) if items.is_empty() => Ok(Self::default()),
            Value::Object(map) => Ok(Self(map.into_iter().collect())),
            other => Err(de::Error::custom(format_args!(
                "metadata must be an object, found {}",
                Kind(&other)
            ))),
        }
    }
}

/// Names the JSON type of a value for error messages without echoing the value itself.
struct Kind<'a>(&'a Value);

impl fmt::Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a non-empty array",
            Value::Object(_) => "an object",
        })
    }
}

/// A metadata key usable in a `metadata[key]=value` list filter.
///
/// The server **silently ignores** filter keys outside `^[A-Za-z0-9_-]*$`; a lookup by Intacct id with
/// such a key would return every record instead of the one wanted. Parsing rejects those keys up front.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetadataKey(String);

/// A key the Invoiced metadata filter would ignore.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a usable metadata key (1-40 characters of A-Z, a-z, 0-9, `_` or `-`)")]
pub struct MetadataKeyError(pub String);

impl MetadataKey {
    /// Parses a key: 1 to 40 characters from `A-Za-z0-9_-` (40 is Invoiced's key length limit).
    pub fn parse(key: &str) -> Result<Self, MetadataKeyError> {
        let valid = !key.is_empty()
            && key.len() <= 40
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(key.to_owned()))
        } else {
            Err(MetadataKeyError(key.to_owned()))
        }
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MetadataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_empty_array_and_null_mean_no_metadata() {
        for json in ["[]", "null", "{}"] {
            let parsed: Metadata = serde_json::from_str(json).expect(json);
            assert!(parsed.is_empty(), "{json}");
        }
        assert!(serde_json::from_str::<Metadata>("[1]").is_err());
        assert!(serde_json::from_str::<Metadata>("\"x\"").is_err());
    }

    #[test]
    fn text_normalises_typed_and_untyped_values() {
        let parsed: Metadata =
            serde_json::from_str(r#"{"a":"X-1","b":1234,"c":true,"d":"","e":null}"#)
                .expect("metadata");
        assert_eq!(parsed.text("a").as_deref(), Some("X-1"));
        assert_eq!(parsed.text("b").as_deref(), Some("1234"));
        assert_eq!(parsed.text("c").as_deref(), Some("true"));
        assert_eq!(parsed.text("d"), None);
        assert_eq!(parsed.text("e"), None);
        assert_eq!(parsed.text("missing"), None);
    }

    #[test]
    fn metadata_keys_outside_the_server_pattern_are_refused() {
        assert!(MetadataKey::parse("intacct_customer_id").is_ok());
        assert!(MetadataKey::parse("a-b_9").is_ok());
        for bad in ["", "has space", "dot.key", "brack[et]", &"k".repeat(41)] {
            assert!(MetadataKey::parse(bad).is_err(), "{bad}");
        }
    }
}
