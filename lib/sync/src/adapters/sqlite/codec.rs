//! Conversions between the model's types and SQLite columns.
//!
//! Decoding happens inside rusqlite's row closures, so a bad column surfaces as a
//! `FromSqlConversionFailure` naming the column instead of a panic or a silently wrong value.

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::Type;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::db::DbError;

/// An exact instant as nanoseconds since the epoch: sorts in SQL and round-trips exactly.
/// Instants outside 1677–2262 cannot be stored; they are refused, never truncated.
pub(crate) fn instant(at: DateTime<Utc>) -> Result<i64, DbError> {
    at.timestamp_nanos_opt()
        .ok_or_else(|| DbError::Unrepresentable(format!("timestamp {at} is outside 1677–2262")))
}

/// A deadline (expiry, due time) only ever compared with another: clamping to the ends of the
/// range keeps every comparison right, so "never expires" needs no special case.
pub(crate) fn deadline(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// `at + by`, saturating: a huge TTL or delay means "far in the future", not an overflow panic.
pub(crate) fn deadline_after(at: DateTime<Utc>, by: std::time::Duration) -> i64 {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .map_or(i64::MAX, deadline)
}

/// A version or counter as SQLite's signed 64-bit integer.
pub(crate) fn int(value: u64) -> Result<i64, DbError> {
    i64::try_from(value).map_err(|_| DbError::Unrepresentable(format!("counter {value}")))
}

/// A model enum or newtype as the plain string its serde form is (`"credit_note"`).
pub(crate) fn name<T: Serialize>(value: &T) -> Result<String, DbError> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(DbError::Unrepresentable(format!("{other} is not a name"))),
    }
}

/// A value as JSON text.
pub(crate) fn json<T: Serialize>(value: &T) -> Result<String, DbError> {
    Ok(serde_json::to_string(value)?)
}

fn bad(
    index: usize,
    kind: Type,
    error: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, kind, Box::new(error))
}

/// Reads a column written by [`name`] back into its type (validating newtypes such as
/// `ConnectionId` through their parse constructors).
pub(crate) fn get_name<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let raw: String = row.get(index)?;
    serde_json::from_value(serde_json::Value::String(raw)).map_err(|e| bad(index, Type::Text, e))
}

/// Reads a column written by [`json`].
pub(crate) fn get_json<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let raw: String = row.get(index)?;
    serde_json::from_str(&raw).map_err(|e| bad(index, Type::Text, e))
}

/// Reads a nullable column written by [`json`].
pub(crate) fn get_json_opt<T: DeserializeOwned>(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<T>> {
    let raw: Option<String> = row.get(index)?;
    raw.map(|raw| serde_json::from_str(&raw).map_err(|e| bad(index, Type::Text, e)))
        .transpose()
}

/// Reads a column written by [`instant`].
pub(crate) fn get_instant(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    Ok(DateTime::from_timestamp_nanos(row.get(index)?))
}

/// Reads a nullable column written by [`instant`].
pub(crate) fn get_instant_opt(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(row
        .get::<_, Option<i64>>(index)?
        .map(DateTime::from_timestamp_nanos))
}

/// Reads a non-negative integer column into an unsigned type, refusing a negative or oversized
/// value rather than wrapping it.
pub(crate) fn get_unsigned<T: TryFrom<i64>>(row: &Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T::Error: std::error::Error + Send + Sync + 'static,
{
    let raw: i64 = row.get(index)?;
    T::try_from(raw).map_err(|e| bad(index, Type::Integer, e))
}
