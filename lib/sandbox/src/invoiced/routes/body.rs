//! Request bodies: JSON, or form-encoded with bracket syntax.

use serde_json::Value;

use crate::invoiced::error::ApiError;
use crate::invoiced::input::Body;
use crate::invoiced::pagination::Query;

/// Parse a request body into an object: JSON (what every official library sends) or
/// form-encoded with bracket syntax (`items[0][name]=Paper&items[0][unit_cost]=45`), which the
/// backend also accepts. Form values stay strings; the field readers accept numeric and boolean
/// strings. An empty body is an empty object.
pub fn parse_body(bytes: &[u8], content_type: Option<&str>) -> Result<Body, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::new());
    }
    if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        return Ok(parse_form(&String::from_utf8_lossy(bytes)));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(a)) if a.is_empty() => Ok(Body::new()),
        _ => Err(ApiError::invalid(
            "The request body could not be parsed as a JSON object.",
        )),
    }
}

fn parse_form(text: &str) -> Body {
    let mut root = Value::Object(Body::new());
    for (key, value) in Query::parse(Some(text)).0 {
        let (head, rest) = key.split_once('[').unwrap_or((key.as_str(), ""));
        let mut path = vec![head.to_string()];
        path.extend(
            rest.split('[')
                .filter(|_| !rest.is_empty())
                .map(|s| s.trim_end_matches(']').to_string()),
        );
        let mut node = &mut root;
        for segment in path {
            let Value::Object(map) = node else { break };
            // `tags[]=a&tags[]=b` appends: give each element the next free index.
            let segment = if segment.is_empty() {
                map.len().to_string()
            } else {
                segment
            };
            node = map
                .entry(segment)
                .or_insert_with(|| Value::Object(Body::new()));
        }
        if matches!(node, Value::Object(m) if m.is_empty()) {
            *node = Value::String(value);
        }
    }
    match arrays_from_indexes(root) {
        Value::Object(map) => map,
        _ => Body::new(),
    }
}

/// Objects whose keys are all `0..n` become arrays, recursively.
fn arrays_from_indexes(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut indexed: Vec<(usize, Value)> = Vec::with_capacity(map.len());
            let all_numeric = map.keys().all(|k| k.parse::<usize>().is_ok());
            if all_numeric && !map.is_empty() {
                for (k, v) in map {
                    indexed.push((k.parse().unwrap_or(0), arrays_from_indexes(v)));
                }
                indexed.sort_by_key(|(i, _)| *i);
                Value::Array(indexed.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, arrays_from_indexes(v)))
                        .collect(),
                )
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_with_brackets_become_nested_objects_and_arrays() {
        let body = parse_body(
            b"customer=12&items[0][name]=Paper&items[0][unit_cost]=45&items[1][name]=Delivery&metadata[po]=A%2F1&tags[]=x&tags[]=y",
            Some("application/x-www-form-urlencoded"),
        )
        .unwrap();
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"customer": "12", "items": [{"name": "Paper", "unit_cost": "45"}, {"name": "Delivery"}],
                               "metadata": {"po": "A/1"}, "tags": ["x", "y"]})
        );
    }
}
