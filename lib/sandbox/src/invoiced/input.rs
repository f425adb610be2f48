//! Reading request bodies field by field, with the backend's 400s (`param` names the field).
//!
//! PATCH needs three states per field: absent (leave alone), `null` (clear) and a value. The
//! official libraries turn `""` into "unset", so an empty string clears a text field too.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::error::ApiError;
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
