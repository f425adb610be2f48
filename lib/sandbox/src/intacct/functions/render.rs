//! Turning records into `<data>` rows: flat dotted names for `readByQuery`/`query`, nested groups
//! and collections for `read`.

use std::fmt::Write as _;

use super::super::clock::DATE_FORMAT;
use super::super::query_lang::is_date_field;
use super::super::store::{Application, Fields, ObjectKind, Record, money};
use super::super::xml::esc;

/// A rendered row: (field, value) in output order.
pub type Row = Vec<(String, String)>;

/// Which fields a read asked for.
#[derive(Debug, Clone)]
pub enum Projection {
    /// `*` or absent.
    All,
    /// Upper-cased names in request order.
    Fields(Vec<String>),
}

impl Projection {
    /// Parse a `<fields>` value.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw.map(str::trim) {
            None | Some("") | Some("*") => Self::All,
            Some(list) => Self::Fields(
                list.split(',')
                    .map(|f| f.trim().to_ascii_uppercase())
                    .filter(|f| !f.is_empty())
                    .collect(),
            ),
        }
    }
}

/// Flat row of a header or line field map.
pub fn flat(fields: &Fields, projection: &Projection) -> Row {
    match projection {
        Projection::All => fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Projection::Fields(list) => list
            .iter()
            .filter(|f| !is_collection(f))
            .map(|f| (f.clone(), fields.get(f).cloned().unwrap_or_default()))
            .collect(),
    }
}

/// Write rows as `<name><FIELD>v</FIELD>...</name>`.
pub fn rows_xml(element: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    for row in rows {
        let _ = write!(out, "<{element}>");
        for (k, v) in row {
            if v.is_empty() {
                let _ = write!(out, "<{k}></{k}>");
            } else {
                let _ = write!(out, "<{k}>{}</{k}>", esc(v));
            }
        }
        let _ = write!(out, "</{element}>");
    }
    out
}

fn is_collection(field: &str) -> bool {
    matches!(
        field,
        "SODOCUMENTENTRIES"
            | "SUBTOTALS"
            | "ARINVOICEITEMS"
            | "ARADJUSTMENTITEMS"
            | "INVOICES"
            | "CREDITS"
    )
}

#[derive(Default)]
struct Node {
    name: String,
    value: Option<String>,
    children: Vec<Node>,
}

impl Node {
    fn insert(&mut self, path: &[&str], value: String) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let index = match self.children.iter().position(|c| c.name == *first) {
            Some(i) => i,
            None => {
                self.children.push(Node {
                    name: (*first).to_string(),
                    ..Node::default()
                });
                self.children.len() - 1
            }
        };
        if rest.is_empty() {
            self.children[index].value = Some(value);
        } else {
            self.children[index].insert(rest, value);
        }
    }

    fn write(&self, out: &mut String) {
        for child in &self.children {
            let _ = write!(out, "<{}>", child.name);
            if let Some(v) = &child.value {
                out.push_str(&esc(v));
            }
            child.write(out);
            let _ = write!(out, "</{}>", child.name);
        }
    }
}

/// `read` shows plain dates as `YYYY-MM-DD` (unlike readByQuery's `MM/DD/YYYY`).
fn read_value(field: &str, value: &str) -> String {
    if is_date_field(field)
        && let Ok(d) = chrono::NaiveDate::parse_from_str(value, DATE_FORMAT)
        && value.len() == 10
    {
        return d.format("%Y-%m-%d").to_string();
    }
    value.to_string()
}

/// Nested `read` rendering of one record, collections included when asked for (or for `*`).
pub fn nested(kind: ObjectKind, element: &str, record: &Record, projection: &Projection) -> String {
    let mut root = Node::default();
    let wanted = |f: &str| match projection {
        Projection::All => true,
        Projection::Fields(list) => list.iter().any(|w| w == f),
    };
    let header: Vec<(String, String)> = match projection {
        Projection::All => record
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Projection::Fields(list) => list
            .iter()
            .filter(|f| !is_collection(f))
            .map(|f| (f.clone(), record.fields.get(f).cloned().unwrap_or_default()))
            .collect(),
    };
    for (k, v) in header {
        let path: Vec<&str> = k.split('.').collect();
        root.insert(&path, read_value(&k, &v));
    }
    let mut out = String::new();
    let _ = write!(out, "<{element}>");
    root.write(&mut out);
    if let Some((collection, line_object)) = kind.lines()
        && wanted(collection)
    {
        let rows: Vec<Row> = record
            .lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|(k, v)| (k.clone(), read_value(k, v)))
                    .collect()
            })
            .collect();
        let _ = write!(
            out,
            "<{collection}>{}</{collection}>",
            rows_xml(&line_object.to_ascii_lowercase(), &rows)
        );
    }
    if kind == ObjectKind::SoDocument && wanted("SUBTOTALS") {
        let rows: Vec<Row> = record
            .subtotals
            .iter()
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .collect();
        let _ = write!(
            out,
            "<SUBTOTALS>{}</SUBTOTALS>",
            rows_xml("sodocumentsubtotals", &rows)
        );
    }
    if kind == ObjectKind::ArPayment {
        for (collection, element, apps) in [
            ("INVOICES", "invoice", &record.invoices),
            ("CREDITS", "credit", &record.credits),
        ] {
            if wanted(collection) {
                let rows: Vec<Row> = apps.iter().map(application_row).collect();
                let _ = write!(
                    out,
                    "<{collection}>{}</{collection}>",
                    rows_xml(element, &rows)
                );
            }
        }
    }
    let _ = write!(out, "</{element}>");
    out
}

fn application_row(app: &Application) -> Row {
    vec![
        ("RECORD".into(), app.record.to_string()),
        ("RECORDID".into(), app.record_id.clone()),
        ("RECORDTYPE".into(), app.record_type.clone()),
        ("APPLIEDAMOUNT".into(), money(app.amount)),
    ]
}
