//! Read functions: `readByQuery` + `readMore`, the structured `query`, `read` and `readByName`.

use crate::xml::XmlWriter;

/// Intacct's maximum `readByQuery` page.
pub const READ_BY_QUERY_MAX_PAGE: u32 = 1000;
/// Intacct's maximum `query` page.
pub const QUERY_MAX_PAGE: u32 = 2000;
/// Maximum keys/names in one `read`/`readByName`.
pub const READ_MAX_KEYS: usize = 100;
/// Maximum values in one `in`/`notin` filter.
pub const IN_MAX_VALUES: usize = 1000;

/// `readByQuery`: SQL-WHERE-like query, paged with `readMore` by `resultId`.
///
/// The query string is sent as text (so `<` and `&` are escaped for you) but its *contents*
/// follow Intacct's syntax: single-quoted strings with `\'`, `MM/DD/YYYY` dates, no `ORDER BY`
/// (rejected with DL02000001). Use [`quote`] to embed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadByQuery {
    /// Object name, e.g. `CUSTOMER`.
    pub object: String,
    /// The filter; empty selects every record.
    pub query: String,
    /// Comma-separated field list or `*`.
    pub fields: String,
    /// Rows per page, 1..=1000.
    pub page_size: u32,
    /// `docparid` for Order Entry documents (selects the transaction definition's fields).
    pub doc_par_id: Option<String>,
}

impl ReadByQuery {
    /// All fields, the maximum page size.
    pub fn new(object: impl Into<String>, query: impl Into<String>) -> Self {
        Self {
            object: object.into(),
            query: query.into(),
            fields: "*".into(),
            page_size: READ_BY_QUERY_MAX_PAGE,
            doc_par_id: None,
        }
    }

    /// Restricts the returned fields.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.fields = join(fields);
        self
    }

    /// Sets the page size (validated when the request is built).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Sets `docparid`.
    pub fn doc_par_id(mut self, doc_par_id: impl Into<String>) -> Self {
        self.doc_par_id = Some(doc_par_id.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(1..=READ_BY_QUERY_MAX_PAGE).contains(&self.page_size) {
            return Err(format!(
                "readByQuery page size must be 1..=1000, got {}",
                self.page_size
            ));
        }
        non_empty("readByQuery object", &self.object)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("readByQuery")
            .leaf("object", &self.object)
            .leaf("query", &self.query)
            .leaf("fields", &self.fields)
            .leaf("pagesize", &self.page_size.to_string())
            .leaf("returnFormat", "xml")
            .leaf_opt("docparid", self.doc_par_id.as_deref())
            .close();
    }
}

/// Quotes a value for a readByQuery query string: `'Jane\'s Deli'`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `readMore` by the `resultId` of a previous readByQuery page, which guarantees the pages
/// come from the same result set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMore {
    /// The `resultId` attribute from the previous page's `<data>`.
    pub result_id: String,
}

impl ReadMore {
    pub(crate) fn validate(&self) -> Result<(), String> {
        non_empty("readMore resultId", &self.result_id)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("readMore").leaf("resultId", &self.result_id).close();
    }
}

/// `read` by RECORDNO keys (at most 100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// Object name.
    pub object: String,
    /// RECORDNO keys.
    pub keys: Vec<String>,
    /// Comma-separated fields or `*`.
    pub fields: String,
    /// `docparid` for Order Entry documents (header + lines with definition fields).
    pub doc_par_id: Option<String>,
}

impl Read {
    /// Reads all fields of the given keys.
    pub fn new<I, S>(object: impl Into<String>, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            object: object.into(),
            keys: keys.into_iter().map(Into::into).collect(),
            fields: "*".into(),
            doc_par_id: None,
        }
    }

    /// Restricts the returned fields.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.fields = join(fields);
        self
    }

    /// Sets `docparid`.
    pub fn doc_par_id(mut self, doc_par_id: impl Into<String>) -> Self {
        self.doc_par_id = Some(doc_par_id.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        validate_keys("read", &self.keys)?;
        non_empty("read object", &self.object)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("read")
            .leaf("object", &self.object)
            .leaf("keys", &self.keys.join(","))
            .leaf("fields", &self.fields)
            .leaf("returnFormat", "xml")
            .leaf_opt("docparid", self.doc_par_id.as_deref())
            .close();
    }
}

/// `readByName` by the object's id/name field (e.g. CUSTOMERID), at most 100 names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadByName {
    /// Object name.
    pub object: String,
    /// Names (id field values).
    pub names: Vec<String>,
    /// Comma-separated fields or `*`.
    pub fields: String,
}

impl ReadByName {
    pub(crate) fn validate(&self) -> Result<(), String> {
        validate_keys("readByName", &self.names)?;
        non_empty("readByName object", &self.object)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("readByName")
            .leaf("object", &self.object)
            .leaf("keys", &self.names.join(","))
            .leaf("fields", &self.fields)
            .leaf("returnFormat", "xml")
            .close();
    }
}

/// A `query` filter. `and`/`or` need at least two operands; `in`/`notin` at most 1000 values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `field = value`.
    EqualTo(String, String),
    /// `field != value`.
    NotEqualTo(String, String),
    /// `field > value`.
    GreaterThan(String, String),
    /// `field >= value`.
    GreaterThanOrEqualTo(String, String),
    /// `field < value`.
    LessThan(String, String),
    /// `field <= value`.
    LessThanOrEqualTo(String, String),
    /// `field BETWEEN a AND b`.
    Between(String, String, String),
    /// `field IN (values)`.
    In(String, Vec<String>),
    /// `field NOT IN (values)`.
    NotIn(String, Vec<String>),
    /// `field LIKE pattern`.
    Like(String, String),
    /// `field IS NULL`.
    IsNull(String),
    /// `field IS NOT NULL`.
    IsNotNull(String),
    /// All of.
    And(Vec<Filter>),
    /// Any of.
    Or(Vec<Filter>),
}

impl Filter {
    /// `field = value`.
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::EqualTo(field.into(), value.into())
    }

    /// `field >= value`.
    pub fn gte(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::GreaterThanOrEqualTo(field.into(), value.into())
    }

    /// `field > value`.
    pub fn gt(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::GreaterThan(field.into(), value.into())
    }

    /// `field < value`.
    pub fn lt(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::LessThan(field.into(), value.into())
    }

    /// `field <= value`.
    pub fn lte(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::LessThanOrEqualTo(field.into(), value.into())
    }

    /// `field IN (values)`.
    pub fn is_in<I, S>(field: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::In(field.into(), values.into_iter().map(Into::into).collect())
    }

    /// `field IS NULL`.
    pub fn is_null(field: impl Into<String>) -> Self {
        Self::IsNull(field.into())
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            Self::And(items) | Self::Or(items) => {
                if items.len() < 2 {
                    return Err("query and/or filters need at least two operands".into());
                }
                items.iter().try_for_each(Self::validate)
            }
            Self::In(_, values) | Self::NotIn(_, values) => {
                if values.is_empty() || values.len() > IN_MAX_VALUES {
                    return Err(format!(
                        "query in/notin takes 1..=1000 values, got {}",
                        values.len()
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn write(&self, w: &mut XmlWriter) {
        let binary = |w: &mut XmlWriter, op: &str, field: &str, value: &str| {
            w.open(op).leaf("field", field).leaf("value", value).close();
        };
        match self {
            Self::EqualTo(f, v) => binary(w, "equalto", f, v),
            Self::NotEqualTo(f, v) => binary(w, "notequalto", f, v),
            Self::GreaterThan(f, v) => binary(w, "greaterthan", f, v),
            Self::GreaterThanOrEqualTo(f, v) => binary(w, "greaterthanorequalto", f, v),
            Self::LessThan(f, v) => binary(w, "lessthan", f, v),
            Self::LessThanOrEqualTo(f, v) => binary(w, "lessthanorequalto", f, v),
            Self::Like(f, v) => binary(w, "like", f, v),
            Self::Between(f, a, b) => {
                w.open("between")
                    .leaf("field", f)
                    .leaf("value", a)
                    .leaf("value", b)
                    .close();
            }
            Self::In(f, values) | Self::NotIn(f, values) => {
                w.open(if matches!(self, Self::In(..)) {
                    "in"
                } else {
                    "notin"
                });
                w.leaf("field", f);
                for v in values {
                    w.leaf("value", v);
                }
                w.close();
            }
            Self::IsNull(f) => {
                w.open("isnull").leaf("field", f).close();
            }
            Self::IsNotNull(f) => {
                w.open("isnotnull").leaf("field", f).close();
            }
            Self::And(items) | Self::Or(items) => {
                w.open(if matches!(self, Self::And(_)) {
                    "and"
                } else {
                    "or"
                });
                for item in items {
                    item.write(w);
                }
                w.close();
            }
        }
    }
}

/// Sort direction for `query` `orderby`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    /// `<ascending/>`.
    Ascending,
    /// `<descending/>`.
    Descending,
}

/// One `<order>` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Field to sort on.
    pub field: String,
    /// Direction.
    pub direction: SortDirection,
}

/// The structured `query` function: explicit select list (all-fields is not supported), typed
/// filters, ordering, offset paging of up to 2000 rows. Keyset paging on
/// (WHENMODIFIED, RECORDNO) is built on this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Selected fields (at least one).
    pub select: Vec<String>,
    /// Object name.
    pub object: String,
    /// `docparid`.
    pub doc_par_id: Option<String>,
    /// Filter tree.
    pub filter: Option<Filter>,
    /// Sort order (Intacct has no default order).
    pub order_by: Vec<Order>,
    /// `options/caseinsensitive`.
    pub case_insensitive: bool,
    /// Rows per page, 1..=2000.
    pub page_size: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}

impl Query {
    /// Selects `fields` from `object`.
    pub fn new<I, S>(object: impl Into<String>, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            select: fields.into_iter().map(Into::into).collect(),
            object: object.into(),
            doc_par_id: None,
            filter: None,
            order_by: Vec::new(),
            case_insensitive: false,
            page_size: None,
            offset: None,
        }
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Appends an order clause.
    pub fn order_by(mut self, field: impl Into<String>, direction: SortDirection) -> Self {
        self.order_by.push(Order {
            field: field.into(),
            direction,
        });
        self
    }

    /// Sets the page size.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.select.is_empty() {
            return Err("query needs at least one selected field".into());
        }
        non_empty("query object", &self.object)?;
        if let Some(p) = self.page_size
            && !(1..=QUERY_MAX_PAGE).contains(&p)
        {
            return Err(format!("query page size must be 1..=2000, got {p}"));
        }
        self.filter.as_ref().map_or(Ok(()), Filter::validate)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("query").open("select");
        for f in &self.select {
            w.leaf("field", f);
        }
        w.close().leaf("object", &self.object);
        w.leaf_opt("docparid", self.doc_par_id.as_deref());
        if let Some(filter) = &self.filter {
            w.open("filter");
            filter.write(w);
            w.close();
        }
        if !self.order_by.is_empty() {
            w.open("orderby");
            for o in &self.order_by {
                w.open("order").leaf("field", &o.field);
                w.empty_with(
                    match o.direction {
                        SortDirection::Ascending => "ascending",
                        SortDirection::Descending => "descending",
                    },
                    &[],
                );
                w.close();
            }
            w.close();
        }
        if self.case_insensitive {
            w.open("options").leaf("caseinsensitive", "true").close();
        }
        if let Some(p) = self.page_size {
            w.leaf("pagesize", &p.to_string());
        }
        if let Some(o) = self.offset {
            w.leaf("offset", &o.to_string());
        }
        w.close();
    }
}

fn join<I, S>(fields: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(f.as_ref());
    }
    out
}

fn validate_keys(function: &str, keys: &[String]) -> Result<(), String> {
    if keys.is_empty() || keys.len() > READ_MAX_KEYS {
        return Err(format!("{function} takes 1..=100 keys, got {}", keys.len()));
    }
    if keys.iter().any(|k| k.contains(',')) {
        return Err(format!("{function} keys cannot contain commas"));
    }
    Ok(())
}

pub(crate) fn non_empty(what: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} must not be empty"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_apostrophes() {
        assert_eq!(quote("Jane's Deli"), r"'Jane\'s Deli'");
    }

    #[test]
    fn page_size_limits_are_enforced() {
        assert!(
            ReadByQuery::new("CUSTOMER", "")
                .page_size(1001)
                .validate()
                .is_err()
        );
        assert!(
            ReadByQuery::new("CUSTOMER", "")
                .page_size(1000)
                .validate()
                .is_ok()
        );
        let q = Query::new("CUSTOMER", ["RECORDNO"]).page_size(2001);
        assert!(q.validate().is_err());
        let lonely_and =
            Query::new("CUSTOMER", ["RECORDNO"]).filter(Filter::And(vec![Filter::is_null("X")]));
        assert!(lonely_and.validate().is_err());
        assert!(
            Read::new("CUSTOMER", (0..101).map(|i| i.to_string()))
                .validate()
                .is_err()
        );
    }
}
