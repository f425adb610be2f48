//! Reading request bodies field by field, with the backend's 400s (`param` names the field).
//!
//! PATCH needs three states per field: absent (leave alone), `null` (clear) and a value. The
//! official libraries turn `""` into "unset", so an empty string clears a text field too.
//!
//! Numbers arrive through serde_json, which parses them as `f64`; amounts take its shortest
//! round-trip text (`Number`'s `Display`) and parse that as a decimal, which is exact for the
//! ≤ 15 significant digits any invoice amount has. Strings such as `"12.50"` are accepted too.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

use super::error::ApiError;
use super::money::round_currency;
use super::wire::Json;

/// A decoded JSON object body.
pub type Body = Map<String, Value>;

/// Absent → `None`; null or `""` → `Some(None)`; string or number → `Some(Some(text))`.
pub fn text(body: &Body, key: &str) -> Result<Option<Option<String>>, ApiError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(Value::Number(n)) => Ok(Some(Some(n.to_string()))),
        Some(_) => Err(ApiError::invalid_param(
            format!("Invalid value for {key}"),
            key,
        )),
    }
}

/// A required-on-create text field: `"<Label> missing"` when absent or blank.
pub fn required_text(body: &Body, key: &str, label: &str) -> Result<String, ApiError> {
    match text(body, key)? {
        Some(Some(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(ApiError::invalid_param(format!("{label} missing"), key)),
    }
}

/// Booleans as JSON booleans, `0`/`1`, or the strings `"true"`/`"false"`/`"0"`/`"1"`.
pub fn boolean(body: &Body, key: &str) -> Result<Option<bool>, ApiError> {
    let bad =
        || ApiError::invalid_param(format!("Invalid value for {key}: must be a boolean"), key);
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(bad()),
        },
        Some(Value::String(s)) => match s.as_str() {
            "1" | "true" => Ok(Some(true)),
            "0" | "false" => Ok(Some(false)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

/// Integers (ids, unix timestamps): absent → `None`, null → `Some(None)`.
pub fn int(body: &Body, key: &str) -> Result<Option<Option<i64>>, ApiError> {
    let bad =
        || ApiError::invalid_param(format!("Invalid value for {key}: must be an integer"), key);
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) => n.as_i64().map(|i| Some(Some(i))).ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map(|i| Some(Some(i))).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// Validate and convert a `metadata` object: at most 10 keys, keys ≤ 40 chars, values ≤ 255.
/// `legacy_strings` reproduces the legacy metadata store (customers, invoices, credit notes, line
/// items) which hands every scalar back as a string; payments keep typed values.
pub fn metadata(
    body: &Body,
    legacy_strings: bool,
) -> Result<Option<BTreeMap<String, Option<Json>>>, ApiError> {
    let Some(value) = body.get("metadata") else {
        return Ok(None);
    };
    let map = match value {
        Value::Null => return Ok(Some(BTreeMap::new())),
        Value::Object(map) => map,
        Value::Array(items) if items.is_empty() => return Ok(Some(BTreeMap::new())),
        _ => {
            return Err(ApiError::invalid_param(
                "Metadata must be an object",
                "metadata",
            ));
        }
    };
    if map.len() > 10 {
        return Err(ApiError::invalid_param(
            format!(
                "There can only be up to 10 metadata values. {} values were provided.",
                map.len()
            ),
            "metadata",
        ));
    }
    let mut out = BTreeMap::new();
    for (key, value) in map {
        if key.chars().count() > 40 {
            return Err(ApiError::invalid_param(
                format!("The `{key}` metadata key exceeds the 40 character limit."),
                "metadata",
            ));
        }
        let converted = match value {
            Value::Null => None,
            Value::String(s) => Some(Json::Str(s.clone())),
            Value::Object(_) | Value::Array(_) => Some(Json::Str(value.to_string())),
            Value::Bool(b) if legacy_strings => Some(Json::Str(if *b { "1" } else { "0" }.into())),
            Value::Number(n) if legacy_strings => Some(Json::Str(n.to_string())),
            other => Some(Json::from_value(other)),
        };
        if let Some(Json::Str(s)) = &converted
            && s.chars().count() > 255
        {
            return Err(ApiError::invalid_param(
                format!("The provided value for metadata.{key} exceeds the 255 character limit."),
                "metadata",
            ));
        }
        out.insert(key.clone(), converted);
    }
    Ok(Some(out))
}

/// Merge a metadata patch: keys set to null are removed, others replaced (INFERRED semantics).
pub fn merge_metadata(target: &mut BTreeMap<String, Json>, patch: BTreeMap<String, Option<Json>>) {
    for (key, value) in patch {
        match value {
            Some(v) => {
                target.insert(key, v);
            }
            None => {
                target.remove(&key);
            }
        }
    }
}

/// Apply a text patch to an optional field.
pub fn patch_text(body: &Body, key: &str, field: &mut Option<String>) -> Result<(), ApiError> {
    if let Some(value) = text(body, key)? {
        *field = value;
    }
    Ok(())
}

/// Apply a boolean patch.
pub fn patch_bool(body: &Body, key: &str, field: &mut bool) -> Result<(), ApiError> {
    if let Some(value) = boolean(body, key)? {
        *field = value;
    }
    Ok(())
}

/// Parse a JSON number or numeric string into a decimal; `param` names the field in the 400.
pub fn parse_decimal(value: &Value, param: &str) -> Result<Decimal, ApiError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => {
            return Err(ApiError::invalid_param(
                format!("{param} must be a number"),
                param,
            ));
        }
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| ApiError::invalid_param(format!("{param} must be a number"), param))
}

/// Parse a money amount: a decimal rounded to currency precision.
pub fn parse_money(value: &Value, param: &str) -> Result<Decimal, ApiError> {
    parse_decimal(value, param).map(round_currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn parsing_accepts_numbers_and_numeric_strings_but_not_garbage() {
        let n: Value = serde_json::from_str("51.15").unwrap();
        assert_eq!(parse_money(&n, "amount").unwrap(), dec("51.15"));
        assert_eq!(
            parse_money(&Value::from("0.1"), "amount").unwrap(),
            dec("0.1")
        );
        let err = parse_money(&Value::Bool(true), "amount").unwrap_err();
        assert_eq!(err.param.as_deref(), Some("amount"));
    }
}
