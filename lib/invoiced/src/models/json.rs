//! Free-form JSON parsed strictly.
//!
//! Parts of Invoiced payloads have no fixed schema: metadata values, the `data.object` and `previous`
//! of an event, nested coupons and tax rates. `serde_json::Value` silently keeps the *last* of two
//! duplicate keys, which would let a malformed payload (the 2016 `transaction.created` webhook example
//! carries `"metadata"` twice: `[]` then `{}`) change meaning without anyone noticing. These helpers
//! build a `Value` but reject duplicate keys at any depth, like serde's derived structs do for known
//! fields.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Key serde_json uses for numbers when `arbitrary_precision` is enabled.
const ARBITRARY_PRECISION_TOKEN: &str = "$serde_json::private::Number";

/// Deserializes any JSON into a [`Value`], failing on duplicate object keys.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    deserializer.deserialize_any(StrictVisitor)
}

/// As [`deserialize`], with JSON `null` (or a missing field, with `#[serde(default)]`) as `None`.
pub fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Ok(match deserialize(deserializer)? {
        Value::Null => None,
        other => Some(other),
    })
}

/// A [`Value`] wrapper whose `Deserialize` is strict; handy for collections.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> DeserializeSeed<'de> for StrictVisitor {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value without duplicate object keys")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(StrictVisitor)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == ARBITRARY_PRECISION_TOKEN && object.is_empty() {
                let text: String = map.next_value()?;
                let number: Number = serde_json::from_str(&text).map_err(de::Error::custom)?;
                return Ok(Value::Number(number));
            }
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}` in JSON object"
                )));
            }
            let value = map.next_value_seed(StrictVisitor)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_rejected_at_any_depth() {
        let err =
            serde_json::from_str::<StrictValue>(r#"{"a":{"m":[],"m":{}}}"#).expect_err("duplicate");
        assert!(err.to_string().contains("duplicate key `m`"), "{err}");
    }

    #[test]
    fn ordinary_json_is_kept_as_is() {
        let json = r#"{"a":[1,-2,3.5,"x",true,null],"b":{}}"#;
        let strict: StrictValue = serde_json::from_str(json).expect("valid");
        let loose: Value = serde_json::from_str(json).expect("valid");
        assert_eq!(strict.0, loose);
    }
}
