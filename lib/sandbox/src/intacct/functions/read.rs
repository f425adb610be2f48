//! Reads: `readByQuery` + `readMore` (legacy paging), `query` (new, offset paging), `read` and
//! `readByName` (by keys).

use std::collections::VecDeque;

use super::super::clock::lifetime;

use super::super::query_lang::{self, CmpOp, Expr, QueryError};
use super::super::response::{ApiError, Data};
use super::super::state::ResultSet;
use super::super::store::{Fields, LINE_FIELDS, ObjectKind, RecordNo, Store};
use super::super::xml::Element;
use super::render::{Projection, Row, flat, nested, rows_xml};
use super::{Ctx, Outcome, Success, unknown_field};

/// readByQuery's documented maximum page size.
const MAX_READ_BY_QUERY_PAGE: usize = 1000;
/// query's documented maximum page size.
const MAX_QUERY_PAGE: usize = 2000;

#[derive(Debug, Clone, Copy)]
enum Target {
    Header(ObjectKind),
    Lines(ObjectKind),
}

impl Target {
    fn parse(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase();
        ObjectKind::parse(&upper).map(Self::Header).or_else(|| {
            ObjectKind::ALL
                .into_iter()
                .find(|k| k.lines().is_some_and(|(_, obj)| obj == upper))
                .map(Self::Lines)
        })
    }

    fn name(self) -> String {
        match self {
            Self::Header(k) => k.name().to_string(),
            Self::Lines(k) => k
                .lines()
                .map_or_else(String::new, |(_, obj)| obj.to_string()),
        }
    }

    fn known(self, store: &Store, field: &str) -> bool {
        match self {
            Self::Header(k) => k.has_field(field, &store.custom(k)),
            Self::Lines(_) => LINE_FIELDS.contains(&field.to_ascii_uppercase().as_str()),
        }
    }

    /// Matching candidates in RECORDNO order (headers are stored in key order; lines get
    /// increasing keys as their parents are inserted), borrowed, not cloned.
    fn rows<'s>(self, store: &'s Store, docparid: Option<&str>) -> Vec<&'s Fields> {
        let kind = match self {
            Self::Header(k) | Self::Lines(k) => k,
        };
        let by_docpar = |fields: &Fields| {
            kind != ObjectKind::SoDocument
                || docparid.is_none_or(|d| fields.get("DOCPARID").map(String::as_str) == Some(d))
        };
        let headers = store.all(kind).filter(|r| by_docpar(&r.fields));
        match self {
            Self::Header(_) => headers.map(|r| &r.fields).collect(),
            Self::Lines(_) => headers.flat_map(|r| r.lines.iter()).collect(),
        }
    }
}

fn object_not_found(name: &str) -> Vec<ApiError> {
    vec![ApiError::new(
        "Query Failed",
        format!("Object definition {name} not found"),
    )]
}

fn query_error(target: Target, error: &QueryError) -> Vec<ApiError> {
    match error {
        QueryError::UnknownField(f) => vec![unknown_field(&target.name(), f)],
        other => vec![ApiError::new(
            "DL02000001",
            format!("There was an error processing the request. {other}."),
        )],
    }
}

fn check_projection(
    target: Target,
    store: &Store,
    projection: &Projection,
) -> Result<(), Vec<ApiError>> {
    if let Projection::Fields(list) = projection {
        for field in list {
            let collection = matches!(
                field.as_str(),
                "SODOCUMENTENTRIES" | "SUBTOTALS" | "INVOICES" | "CREDITS"
            );
            if !collection && !target.known(store, field) {
                return Err(vec![unknown_field(&target.name(), field)]);
            }
        }
    }
    Ok(())
}

fn page_size(raw: Option<&str>, max: usize) -> usize {
    raw.and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(100)
        .min(max)
}

/// `readByQuery`: lower-case listtype, flattened rows in RECORDNO order, a resultId while rows remain.
pub fn read_by_query(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let object = body.child_text("object").unwrap_or_default();
    let target = Target::parse(object).ok_or_else(|| object_not_found(object))?;
    let store = &ctx.state.store;
    let projection = Projection::parse(body.child_text("fields"));
    check_projection(target, store, &projection)?;
    let expr = query_lang::parse(body.child("query").map_or("", |q| q.text.as_str()))
        .map_err(|e| query_error(target, &e))?;
    if let Some(expr) = &expr {
        expr.validate(&|f| target.known(store, f))
            .map_err(|e| query_error(target, &e))?;
    }
    let docparid = body.child_text("docparid");
    let mut rows: VecDeque<Row> = target
        .rows(store, docparid)
        .into_iter()
        .filter(|r| expr.as_ref().is_none_or(|e| e.matches(r)))
        .map(|r| flat(r, &projection))
        .collect();
    let total = rows.len();
    let pagesize = page_size(body.child_text("pagesize"), MAX_READ_BY_QUERY_PAGE);
    // Echo the name as asked (`arpayment` and `ARPYMT` are the same object).
    let list_name = object.trim().to_ascii_lowercase();
    let page: Vec<Row> = rows.drain(..pagesize.min(rows.len())).collect();
    let result_id = if rows.is_empty() {
        String::new()
    } else {
        let id = format!("6465763031{}", ctx.state.new_id(25));
        let ttl = lifetime(ctx.state.settings.result_ttl_secs);
        ctx.state.result_sets.insert(
            id.clone(),
            ResultSet {
                list_name: list_name.clone(),
                remaining: rows,
                total,
                pagesize,
                expires_at: ctx.now + ttl,
            },
        );
        id
    };
    let remaining = total - page.len();
    Ok(page_data(&list_name, &page, total, remaining, &result_id))
}

fn page_data(
    list_name: &str,
    page: &[Row],
    total: usize,
    remaining: usize,
    result_id: &str,
) -> Success {
    Success {
        key: None,
        data: Some(Data {
            attrs: vec![
                ("listtype".into(), list_name.to_string()),
                ("count".into(), page.len().to_string()),
                ("totalcount".into(), total.to_string()),
                ("numremaining".into(), remaining.to_string()),
                ("resultId".into(), result_id.to_string()),
            ],
            inner: rows_xml(list_name, page),
        }),
    }
}

/// `readMore` by resultId: the next page of the snapshot taken by readByQuery.
pub fn read_more(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let result_id = body.child_text("resultId").unwrap_or_default().to_string();
    let expired = |id: &str| {
        vec![ApiError::new(
            "readMore failed",
            format!("Attempt to readMore with an invalid or expired resultId: {id}"),
        )]
    };
    let now = ctx.now;
    let ttl = lifetime(ctx.state.settings.result_ttl_secs);
    let Some(set) = ctx.state.result_sets.get_mut(&result_id) else {
        return Err(expired(&result_id));
    };
    if set.expires_at < now {
        ctx.state.result_sets.remove(&result_id);
        return Err(expired(&result_id));
    }
    let take = set.pagesize.min(set.remaining.len());
    let page: Vec<Row> = set.remaining.drain(..take).collect();
    set.expires_at = now + ttl;
    let (list_name, total, remaining) = (set.list_name.clone(), set.total, set.remaining.len());
    if remaining == 0 {
        ctx.state.result_sets.remove(&result_id);
    }
    Ok(page_data(&list_name, &page, total, remaining, &result_id))
}

/// `read` (keys are RECORDNOs) and `readByName` (keys are the object's ID field).
pub fn read(ctx: &mut Ctx<'_>, body: &Element, by_name: bool) -> Outcome {
    let object = body.child_text("object").unwrap_or_default();
    let kind = ObjectKind::parse(object).ok_or_else(|| object_not_found(object))?;
    let store = &ctx.state.store;
    let projection = Projection::parse(body.child_text("fields"));
    if let Projection::Fields(list) = &projection {
        let custom = store.custom(kind);
        let known = |f: &String| {
            kind.has_field(f, &custom)
                || matches!(
                    f.as_str(),
                    "SODOCUMENTENTRIES" | "SUBTOTALS" | "ARINVOICEITEMS" | "ARADJUSTMENTITEMS"
                )
        };
        if let Some(bad) = list.iter().find(|f| !known(f)) {
            return Err(vec![ApiError::new(
                format!("Invalid fields list {bad}"),
                "",
            )]);
        }
    }
    let docparid = body.child_text("docparid");
    let element = object.trim().to_ascii_uppercase();
    let keys: Vec<&str> = body
        .child_text("keys")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    let mut inner = String::new();
    let mut count = 0;
    for key in keys {
        let record = if by_name {
            store.find(kind, kind.id_field(), key)
        } else {
            RecordNo::parse(key).and_then(|k| store.get(kind, k))
        };
        let Some(record) = record else { continue };
        if docparid.is_some_and(|d| record.get("DOCPARID") != Some(d)) {
            continue;
        }
        inner.push_str(&nested(kind, &element, record, &projection));
        count += 1;
    }
    Ok(Success {
        key: None,
        data: Some(Data {
            attrs: vec![
                ("listtype".into(), element.clone()),
                ("count".into(), count.to_string()),
            ],
            inner,
        }),
    })
}

/// New-style `query`: select/object/filter/orderby/pagesize/offset, upper-case listtype.
pub fn query(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let object = body.child_text("object").unwrap_or_default();
    let target = Target::parse(object).ok_or_else(|| object_not_found(object))?;
    let store = &ctx.state.store;
    let select: Vec<String> = body
        .child("select")
        .map(|s| {
            s.children_named("field")
                .map(|f| f.text.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    if select.is_empty() {
        return Err(vec![ApiError::new(
            "Query Failed",
            "Returning all fields is not supported; list the fields in <select>.",
        )]);
    }
    let projection = Projection::Fields(select);
    check_projection(target, store, &projection)?;
    let expr = match body.child("filter") {
        Some(filter) => {
            let [only] = filter.children.as_slice() else {
                return Err(vec![ApiError::new(
                    "Query Failed",
                    "A filter takes exactly one operator.",
                )]);
            };
            Some(filter_expr(only).map_err(|e| query_error(target, &e))?)
        }
        None => None,
    };
    if let Some(expr) = &expr {
        expr.validate(&|f| target.known(store, f))
            .map_err(|e| query_error(target, &e))?;
    }
    let mut rows: Vec<&Fields> = target
        .rows(store, body.child_text("docparid"))
        .into_iter()
        .filter(|r| expr.as_ref().is_none_or(|e| e.matches(r)))
        .collect();
    if let Some(order) = body.child("orderby").and_then(|o| o.child("order")) {
        let field = order
            .child_text("field")
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !target.known(store, &field) {
            return Err(vec![unknown_field(&target.name(), &field)]);
        }
        let descending = order.child("descending").is_some();
        rows.sort_by(|a, b| {
            let ord = query_lang::compare(
                a.get(&field).map_or("", String::as_str),
                b.get(&field).map_or("", String::as_str),
            );
            if descending { ord.reverse() } else { ord }
        });
    }
    let total = rows.len();
    let offset = body
        .child_text("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(total);
    let pagesize = page_size(body.child_text("pagesize"), MAX_QUERY_PAGE);
    let page: Vec<Row> = rows
        .iter()
        .skip(offset)
        .take(pagesize)
        .map(|r| flat(r, &projection))
        .collect();
    let name = object.trim().to_ascii_uppercase();
    Ok(Success {
        key: None,
        data: Some(Data {
            attrs: vec![
                ("listtype".into(), name.clone()),
                ("totalcount".into(), total.to_string()),
                ("offset".into(), offset.to_string()),
                ("count".into(), page.len().to_string()),
                (
                    "numremaining".into(),
                    (total - offset - page.len()).to_string(),
                ),
            ],
            inner: rows_xml(&name, &page),
        }),
    })
}

fn filter_expr(el: &Element) -> Result<Expr, QueryError> {
    let field = || {
        el.child_text("field")
            .map(str::to_ascii_uppercase)
            .ok_or_else(|| QueryError::Syntax(el.name.clone()))
    };
    let values = || -> Vec<String> {
        el.children_named("value")
            .map(|v| v.text.trim().to_string())
            .collect()
    };
    let value = || {
        values()
            .into_iter()
            .next()
            .ok_or_else(|| QueryError::Syntax(el.name.clone()))
    };
    let cmp = |op| -> Result<Expr, QueryError> {
        Ok(Expr::Cmp {
            field: field()?,
            op,
            value: value()?,
        })
    };
    match el.name.as_str() {
        "and" | "or" => {
            let mut parts = el.children.iter().map(filter_expr);
            let (Some(first), Some(second)) = (parts.next(), parts.next()) else {
                return Err(QueryError::Syntax(format!(
                    "{} needs at least two conditions",
                    el.name
                )));
            };
            let mut acc = combine(&el.name, first?, second?);
            for part in parts {
                acc = combine(&el.name, acc, part?);
            }
            Ok(acc)
        }
        "equalto" => cmp(CmpOp::Eq),
        "notequalto" => cmp(CmpOp::Ne),
        "lessthan" => cmp(CmpOp::Lt),
        "lessthanorequalto" => cmp(CmpOp::Le),
        "greaterthan" => cmp(CmpOp::Gt),
        "greaterthanorequalto" => cmp(CmpOp::Ge),
        "between" => {
            let (f, v) = (field()?, values());
            let [low, high] = v.as_slice() else {
                return Err(QueryError::Syntax("between needs two values".into()));
            };
            Ok(Expr::And(
                Box::new(Expr::Cmp {
                    field: f.clone(),
                    op: CmpOp::Ge,
                    value: low.clone(),
                }),
                Box::new(Expr::Cmp {
                    field: f,
                    op: CmpOp::Le,
                    value: high.clone(),
                }),
            ))
        }
        "in" | "notin" => Ok(Expr::In {
            field: field()?,
            values: values(),
            negated: el.name == "notin",
        }),
        "like" | "notlike" => Ok(Expr::Like {
            field: field()?,
            pattern: value()?,
            negated: el.name == "notlike",
        }),
        "isnull" | "isnotnull" => Ok(Expr::IsNull {
            field: field()?,
            negated: el.name == "isnotnull",
        }),
        other => Err(QueryError::Syntax(other.to_string())),
    }
}

fn combine(op: &str, a: Expr, b: Expr) -> Expr {
    if op == "and" {
        Expr::And(Box::new(a), Box::new(b))
    } else {
        Expr::Or(Box::new(a), Box::new(b))
    }
}
