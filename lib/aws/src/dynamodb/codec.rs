//! Conversions between the model and DynamoDB attribute values. A missing or malformed attribute
//! is reported as [`StoreError::Unavailable`] naming the attribute, never a panic.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::str::FromStr;
use sync_engine::ports::{StoreError, StoreResult};

use super::{PARTITION_KEY, SORT_KEY};

/// One DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// The JSON body attribute.
pub(crate) const BODY: &str = "body";

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// An item with its key set.
pub(crate) fn keyed(pk: String, sk: String) -> Item {
    HashMap::from([
        (PARTITION_KEY.to_owned(), s(pk)),
        (SORT_KEY.to_owned(), s(sk)),
    ])
}

/// The model value as the JSON `body` attribute.
pub(crate) fn body<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| StoreError::Unavailable(format!("cannot encode item body: {e}")))
}

fn corrupt(item: &Item, attribute: &str, why: impl std::fmt::Display) -> StoreError {
    let pk = item.get(PARTITION_KEY).and_then(|v| v.as_s().ok());
    let sk = item.get(SORT_KEY).and_then(|v| v.as_s().ok());
    StoreError::Unavailable(format!(
        "corrupt item {pk:?}/{sk:?}: attribute {attribute} {why}"
    ))
}

/// A string attribute.
pub(crate) fn get_s<'a>(item: &'a Item, attribute: &str) -> StoreResult<&'a str> {
    match item.get(attribute) {
        Some(AttributeValue::S(value)) => Ok(value),
        Some(_) => Err(corrupt(item, attribute, "is not a string")),
        None => Err(corrupt(item, attribute, "is missing")),
    }
}

/// A number attribute parsed as `T`.
pub(crate) fn get_n<T: FromStr>(item: &Item, attribute: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    match item.get(attribute) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|e| corrupt(item, attribute, format!("is not a valid number: {e}"))),
        Some(_) => Err(corrupt(item, attribute, "is not a number")),
        None => Err(corrupt(item, attribute, "is missing")),
    }
}

/// The model value decoded from the JSON `body` attribute.
pub(crate) fn from_body<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let text = get_s(item, BODY)?;
    serde_json::from_str(text).map_err(|e| corrupt(item, BODY, format!("does not decode: {e}")))
}

/// A deadline (expiry) only ever compared with another, as epoch nanoseconds: clamping to the
/// ends of the range keeps every comparison right, so "never expires" needs no special case.
pub(crate) fn deadline(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_past_the_nanosecond_range_still_compare_right() {
        assert_eq!(deadline(DateTime::<Utc>::MAX_UTC), i64::MAX);
        assert_eq!(deadline(DateTime::<Utc>::MIN_UTC), i64::MIN);
        assert!(deadline(DateTime::<Utc>::UNIX_EPOCH) < deadline(Utc::now()));
    }

    #[test]
    fn a_malformed_attribute_is_an_error_not_a_panic() {
        let mut item = keyed("p".into(), "s".into());
        item.insert("version".into(), s("seven"));
        item.insert(BODY.into(), s("{not json"));
        assert!(matches!(
            get_n::<u64>(&item, "version"),
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            from_body::<serde_json::Value>(&item),
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            get_s(&item, "missing"),
            Err(StoreError::Unavailable(_))
        ));
    }
}
