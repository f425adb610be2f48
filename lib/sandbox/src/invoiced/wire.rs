//! The JSON tree the simulator renders, and the writer that prints it like the Invoiced backend.
//!
//! Why not `serde_json::Value`: it cannot hold a decimal without going through `f64` (see
//! [`super::money`]). This tree keeps amounts as [`Decimal`] and prints them as raw number tokens.
//! Objects are `BTreeMap`s because the real API `ksort`s every object's keys. The writer escapes
//! `/` as `\/` and non-ASCII as `\uXXXX`, as PHP's `json_encode` does for non-curl clients.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;

use super::money;

/// One JSON value as the simulator renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Integers: ids, unix timestamps, counts.
    Int(i64),
    /// A money amount, printed at currency precision.
    Money(Decimal),
    /// A non-money decimal such as a quantity, printed at full precision.
    Num(Decimal),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object with sorted keys.
    Obj(BTreeMap<String, Json>),
}

impl Json {
    /// An empty object, to be filled with [`Json::set`].
    pub fn obj() -> Json {
        Json::Obj(BTreeMap::new())
    }

    /// Builder-style insert; a no-op on non-objects.
    pub fn set(mut self, key: &str, value: impl Into<Json>) -> Json {
        if let Json::Obj(map) = &mut self {
            map.insert(key.to_string(), value.into());
        }
        self
    }

    /// Field lookup on objects.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(map) => map.get(key),
            _ => None,
        }
    }

    /// Integer value, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Print compactly, PHP style.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => out.push_str(&i.to_string()),
            Json::Money(d) => out.push_str(&money::render(*d)),
            Json::Num(d) => out.push_str(&money::render_plain(*d)),
            Json::Str(s) => write_string(s, out),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// Convert to a `serde_json::Value` for callers that inspect records (amounts become JSON
    /// numbers parsed back from their exact text, i.e. the same value a client would see).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.to_text()).unwrap_or(Value::Null)
    }

    /// Convert client-supplied JSON (metadata values, free-form objects) into the tree.
    pub fn from_value(value: &Value) -> Json {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Json::Int(i),
                None => n
                    .to_string()
                    .parse::<Decimal>()
                    .map(Json::Num)
                    .unwrap_or(Json::Null),
            },
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(items) => Json::Arr(items.iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Obj(
                map.iter()
                    .map(|(k, v)| (k.clone(), Json::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// The text a `filter[...]` query value is compared with: strings as-is, numbers as printed,
    /// booleans as `1`/`0` (how the libraries send them), null as the empty string.
    pub fn filter_text(&self) -> String {
        match self {
            Json::Null => String::new(),
            Json::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Json::Str(s) => s.clone(),
            other => other.to_text(),
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}
impl From<i64> for Json {
    fn from(i: i64) -> Json {
        Json::Int(i)
    }
}
impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::Str(s.to_string())
    }
}
impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Str(s)
    }
}
impl From<Decimal> for Json {
    fn from(d: Decimal) -> Json {
        Json::Money(d)
    }
}
impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(o: Option<T>) -> Json {
        o.map(Into::into).unwrap_or(Json::Null)
    }
}
impl From<Vec<Json>> for Json {
    fn from(v: Vec<Json>) -> Json {
        Json::Arr(v)
    }
}

/// Keys whose values differ between `before` and `after`, with the old values: the `previous`
/// of an update event. Nested objects are diffed recursively; arrays are compared whole.
/// `updated_at` alone never counts as a change (the backend emits no event for it).
pub fn diff(before: &Json, after: &Json) -> Option<Json> {
    let (Json::Obj(old), Json::Obj(new)) = (before, after) else {
        return (before != after).then(|| before.clone());
    };
    let mut changed = BTreeMap::new();
    for (key, old_value) in old {
        if key == "updated_at" {
            continue;
        }
        match new.get(key) {
            Some(new_value) if new_value == old_value => {}
            Some(new_value @ Json::Obj(_)) if matches!(old_value, Json::Obj(_)) => {
                if let Some(inner) = diff(old_value, new_value) {
                    changed.insert(key.clone(), inner);
                }
            }
            _ => {
                changed.insert(key.clone(), old_value.clone());
            }
        }
    }
    for key in new.keys() {
        if !old.contains_key(key) && key != "updated_at" {
            changed.insert(key.clone(), Json::Null);
        }
    }
    (!changed.is_empty()).then_some(Json::Obj(changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_sorts_keys_escapes_like_php_and_keeps_money_exact() {
        let doc = Json::obj()
            .set("url", "https://x.test/a")
            .set("amount", Decimal::new(5115, 2))
            .set("name", "Café");
        assert_eq!(
            doc.to_text(),
            r#"{"amount":51.15,"name":"Caf\u00e9","url":"https:\/\/x.test\/a"}"#
        );
    }

    #[test]
    fn diff_reports_only_changed_keys_with_old_values() {
        let before = Json::obj()
            .set("balance", Decimal::new(39, 0))
            .set("paid", false)
            .set("updated_at", 1i64);
        let after = Json::obj()
            .set("balance", Decimal::ZERO)
            .set("paid", true)
            .set("updated_at", 2i64);
        let previous = diff(&before, &after).unwrap();
        assert_eq!(previous.to_text(), r#"{"balance":39,"paid":false}"#);
        let touched = before.clone().set("updated_at", 9i64);
        assert_eq!(diff(&before, &touched), None);
    }
}
