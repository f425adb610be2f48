//! Query strings, list filtering and sorting, and the `Link` / `X-Total-Count` headers.
//!
//! Lists are bare JSON arrays; paging lives in headers. `per_page` defaults to 100 and is clamped
//! to 1..=100; `0`/empty means the default. `Link` has `self`, `first`, `previous` (only when
//! page > 1; the rel is `previous`, not `prev`), `next` (only when page < last) and `last`
//! (page 1 when nothing matches). `per_page` appears in the links only when it is not 100.

use std::cmp::Ordering;

use super::error::ApiError;
use super::wire::Json;

/// Decoded query parameters, in request order.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encode a query component (RFC 3986 unreserved kept), like PHP's `http_build_query`.
/// Commas are encoded too, which keeps the `Link` header splittable on `,`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Query {
    /// Parse a raw query string.
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (percent_decode(k), percent_decode(v)),
                None => (percent_decode(pair), String::new()),
            })
            .collect();
        Query(pairs)
    }

    /// First value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(inner, value)` for every `prefix[inner]=value` parameter.
    pub fn bracketed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(k, v)| {
            let inner = k
                .strip_prefix(prefix)?
                .strip_prefix('[')?
                .strip_suffix(']')?;
            Some((inner, v.as_str()))
        })
    }

    /// Comma-separated `include=`/`expand=` values.
    pub fn list_param(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn unix(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid_param(format!("Invalid value for {name}"), name)),
        }
    }
}

/// One page of a list: the bare JSON array and the `Link` / `X-Total-Count` headers.
pub type Page = (Json, Vec<(&'static str, String)>);

/// How one list endpoint filters and sorts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// Properties accepted in `filter[...]` (also the sortable ones).
    pub filterable: &'static [&'static str],
    /// Field `start_date`/`end_date` apply to (`date` for documents, `timestamp` for events).
    pub date_field: &'static str,
    /// Events list newest first; everything else oldest first.
    pub default_desc: bool,
    /// Whether `metadata[key]=value` and `updated_after`/`updated_before` apply.
    pub has_metadata: bool,
}

fn compare(a: &Json, b: &Json) -> Ordering {
    use Json::*;
    let num = |j: &Json| match j {
        Int(i) => Some(rust_decimal::Decimal::from(*i)),
        Money(d) | Num(d) => Some(*d),
        Bool(b) => Some(rust_decimal::Decimal::from(*b as i64)),
        _ => None,
    };
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Less,
        (_, Null) => Ordering::Greater,
        (Str(x), Str(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.to_text().cmp(&b.to_text()),
        },
    }
}

fn field_matches(value: Option<&Json>, wanted: &str) -> bool {
    let Some(value) = value else { return false };
    match value {
        Json::Bool(b) => match wanted {
            "1" | "true" => *b,
            "0" | "false" => !*b,
            _ => false,
        },
        Json::Money(d) | Json::Num(d) => wanted
            .parse::<rust_decimal::Decimal>()
            .is_ok_and(|w| w == *d),
        Json::Obj(map) => map.get("id").is_some_and(|id| id.filter_text() == wanted),
        other => other.filter_text() == wanted,
    }
}

/// Apply `filter[...]`, `metadata[...]`, the date windows and `sort` to rendered rows.
fn filter_and_sort(
    spec: ListSpec,
    mut rows: Vec<Json>,
    query: &Query,
) -> Result<Vec<Json>, ApiError> {
    for (field, wanted) in query.bracketed("filter") {
        if !spec.filterable.contains(&field) {
            return Err(ApiError::invalid(format!(
                "Invalid filter parameter: {field}"
            )));
        }
        rows.retain(|row| field_matches(row.get(field), wanted));
    }
    if spec.has_metadata {
        for (key, wanted) in query.bracketed("metadata") {
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                continue; // the backend silently ignores malformed keys
            }
            rows.retain(|row| {
                row.get("metadata")
                    .and_then(|m| m.get(key))
                    .is_some_and(|v| v.filter_text() == wanted)
            });
        }
        if let Some(after) = query.unix("updated_after")? {
            rows.retain(|r| {
                r.get("updated_at")
                    .and_then(Json::as_i64)
                    .is_some_and(|t| t > after)
            });
        }
        if let Some(before) = query.unix("updated_before")? {
            rows.retain(|r| {
                r.get("updated_at")
                    .and_then(Json::as_i64)
                    .is_some_and(|t| t < before)
            });
        }
    }
    if let Some(start) = query.unix("start_date")? {
        rows.retain(|r| {
            r.get(spec.date_field)
                .and_then(Json::as_i64)
                .is_some_and(|t| t >= start)
        });
    }
    if let Some(end) = query.unix("end_date")? {
        rows.retain(|r| {
            r.get(spec.date_field)
                .and_then(Json::as_i64)
                .is_some_and(|t| t <= end)
        });
    }

    // `sort=field dir,...`; unknown fields silently dropped; `id` breaks ties.
    let mut keys: Vec<(String, bool)> = query
        .get("sort")
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let field = words.next()?.to_string();
            let desc = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
            (spec.filterable.contains(&field.as_str()) || field == "id").then_some((field, desc))
        })
        .collect();
    if !keys.iter().any(|(f, _)| f == "id") {
        keys.push(("id".to_string(), spec.default_desc && keys.is_empty()));
    }
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|(field, desc)| {
                let ord = compare(
                    a.get(field).unwrap_or(&Json::Null),
                    b.get(field).unwrap_or(&Json::Null),
                );
                if *desc { ord.reverse() } else { ord }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });

    Ok(rows)
}

/// Whether the query narrows or reorders the list, which needs every row rendered.
fn needs_rendering(query: &Query) -> bool {
    query.0.iter().any(|(k, v)| {
        !v.is_empty()
            && (k.starts_with("filter[")
                || k.starts_with("metadata[")
                || matches!(
                    k.as_str(),
                    "sort" | "updated_after" | "updated_before" | "start_date" | "end_date"
                ))
    })
}

/// Apply filters, sorting and paging to records given by id (ascending) and a renderer; returns
/// the page and the headers. Without filters or a sort only the requested page is rendered, so
/// walking a large unfiltered list stays cheap.
pub fn paginate(
    spec: ListSpec,
    ids: Vec<i64>,
    render: impl Fn(i64) -> Option<Json>,
    query: &Query,
    base_url: &str,
    path: &str,
) -> Result<Page, ApiError> {
    let per_page = match query.get("per_page").map(str::trim) {
        None | Some("") | Some("0") => 100,
        Some(v) => v.parse::<i64>().map(|n| n.clamp(1, 100)).unwrap_or(100),
    };
    let page = query
        .get("page")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let (total, page_rows) = if needs_rendering(query) {
        let rows = filter_and_sort(spec, ids.into_iter().filter_map(&render).collect(), query)?;
        let total = rows.len() as i64;
        let start = ((page - 1) * per_page).min(total) as usize;
        let end = (start + per_page as usize).min(rows.len());
        (
            total,
            rows.into_iter()
                .skip(start)
                .take(end - start)
                .collect::<Vec<_>>(),
        )
    } else {
        let mut ids = ids;
        if spec.default_desc {
            ids.reverse();
        }
        let total = ids.len() as i64;
        let start = ((page - 1) * per_page).min(total) as usize;
        let end = (start + per_page as usize).min(ids.len());
        (
            total,
            ids[start..end]
                .iter()
                .filter_map(|id| render(*id))
                .collect(),
        )
    };
    let last = ((total + per_page - 1) / per_page).max(1);
    let link = |n: i64| {
        let mut params: Vec<String> = query
            .0
            .iter()
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        params.push(format!("page={n}"));
        if per_page != 100 {
            params.push(format!("per_page={per_page}"));
        }
        format!("<{base_url}{path}?{}>", params.join("&"))
    };
    let mut links = vec![
        format!("{}; rel=\"self\"", link(page)),
        format!("{}; rel=\"first\"", link(1)),
    ];
    if page > 1 {
        links.push(format!("{}; rel=\"previous\"", link(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link(page + 1)));
    }
    links.push(format!("{}; rel=\"last\"", link(last)));
    // `paginate=none` turns the headers off (the page itself is still cut).
    let headers = if query.get("paginate") == Some("none") {
        vec![]
    } else {
        vec![
            ("link", links.join(", ")),
            ("x-total-count", total.to_string()),
        ]
    };
    Ok((Json::Arr(page_rows), headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_handles_brackets_plus_and_percent() {
        let q = Query::parse(Some(
            "filter%5Bname%5D=Acme+Corp&metadata[a-b]=x%2Cy&page=2",
        ));
        assert_eq!(
            q.bracketed("filter").collect::<Vec<_>>(),
            vec![("name", "Acme Corp")]
        );
        assert_eq!(
            q.bracketed("metadata").collect::<Vec<_>>(),
            vec![("a-b", "x,y")]
        );
        assert_eq!(q.get("page"), Some("2"));
    }
}
