//! Generic `create`, `update` and `delete` of objects such as CUSTOMER or ARPYMT.
//!
//! Generic objects take UPPERCASE elements in any order, nested blocks (DISPLAYCONTACT,
//! ARPYMTDETAILS) and custom fields as top-level elements. An empty element clears a field.
//! Field order is nonetheless preserved exactly as built, so requests are reproducible.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::types::{InvalidValue, XmlName, format_us_date, format_us_datetime};
use crate::xml::XmlWriter;

/// A field's value: text (possibly empty, which clears it) or a nested block of fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Leaf text.
    Text(String),
    /// Nested element with its own ordered fields (repeat the name for lists).
    Nested(Vec<(XmlName, FieldValue)>),
}

/// One generic object, e.g. `<CUSTOMER>...</CUSTOMER>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Object element name, e.g. `CUSTOMER`, `ARPYMT`.
    pub name: XmlName,
    /// Ordered fields.
    pub fields: Vec<(XmlName, FieldValue)>,
}

impl Object {
    /// Starts building an object; names are validated as they are added and the first
    /// invalid one is reported by [`ObjectBuilder::build`].
    pub fn builder(name: &str) -> ObjectBuilder {
        let mut b = ObjectBuilder::default();
        match XmlName::parse(name) {
            Ok(n) => b.name = Some(n),
            Err(e) => b.error = Some(e),
        }
        b
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open(self.name.as_str());
        write_fields(w, &self.fields);
        w.close();
    }
}

fn write_fields(w: &mut XmlWriter, fields: &[(XmlName, FieldValue)]) {
    for (name, value) in fields {
        match value {
            FieldValue::Text(t) => {
                w.leaf(name.as_str(), t);
            }
            FieldValue::Nested(inner) => {
                w.open(name.as_str());
                write_fields(w, inner);
                w.close();
            }
        }
    }
}

/// Builder for [`Object`] and nested blocks. Typed setters format money and dates the way
/// generic objects expect (`Decimal` verbatim, `MM/DD/YYYY`).
#[derive(Debug, Default)]
pub struct ObjectBuilder {
    name: Option<XmlName>,
    fields: Vec<(XmlName, FieldValue)>,
    error: Option<InvalidValue>,
}

impl ObjectBuilder {
    fn push(mut self, name: &str, value: FieldValue) -> Self {
        match XmlName::parse(name) {
            Ok(n) => self.fields.push((n, value)),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Adds a text field.
    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        self.push(name, FieldValue::Text(value.into()))
    }

    /// Adds a text field only when present.
    pub fn text_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    /// Adds a decimal field.
    pub fn decimal(self, name: &str, value: Decimal) -> Self {
        self.text(name, value.to_string())
    }

    /// Adds a `MM/DD/YYYY` date field.
    pub fn date(self, name: &str, value: NaiveDate) -> Self {
        self.text(name, format_us_date(value))
    }

    /// Adds a `MM/DD/YYYY HH:MM:SS` timestamp field.
    pub fn datetime(self, name: &str, value: NaiveDateTime) -> Self {
        self.text(name, format_us_datetime(value))
    }

    /// Adds a `true`/`false` field.
    pub fn boolean(self, name: &str, value: bool) -> Self {
        self.text(name, if value { "true" } else { "false" })
    }

    /// Adds a nested block built by `f`.
    pub fn nested(mut self, name: &str, f: impl FnOnce(ObjectBuilder) -> ObjectBuilder) -> Self {
        let inner = f(ObjectBuilder::default());
        if let Some(e) = inner.error {
            self.error.get_or_insert(e);
            return self;
        }
        self.push(name, FieldValue::Nested(inner.fields))
    }

    /// Finishes the object, reporting the first invalid name.
    pub fn build(self) -> Result<Object, InvalidValue> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let name = self
            .name
            .ok_or_else(|| InvalidValue::new("object", "missing object name"))?;
        Ok(Object {
            name,
            fields: self.fields,
        })
    }
}

/// Generic `create` of one or more objects (each counts as one Intacct transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Create {
    /// Objects to create, in order.
    pub objects: Vec<Object>,
}

impl Create {
    /// Creates one object.
    pub fn one(object: Object) -> Self {
        Self {
            objects: vec![object],
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.objects.is_empty() {
            return Err("create needs at least one object".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("create");
        for o in &self.objects {
            o.write(w);
        }
        w.close();
    }
}

/// Generic `update`: each object must carry its key (RECORDNO or the id field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Objects to update, in order.
    pub objects: Vec<Object>,
}

impl Update {
    /// Updates one object.
    pub fn one(object: Object) -> Self {
        Self {
            objects: vec![object],
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.objects.is_empty() {
            return Err("update needs at least one object".into());
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("update");
        for o in &self.objects {
            o.write(w);
        }
        w.close();
    }
}

/// Generic `delete` by RECORDNO keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// Object name.
    pub object: String,
    /// RECORDNO keys.
    pub keys: Vec<String>,
}

impl Delete {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.keys.is_empty() || self.keys.iter().any(|k| k.contains(',') || k.is_empty()) {
            return Err("delete needs non-empty keys without commas".into());
        }
        super::query::non_empty("delete object", &self.object)
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("delete")
            .leaf("object", &self.object)
            .leaf("keys", &self.keys.join(","))
            .close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_field_names_are_reported_not_written() {
        let err = Object::builder("CUSTOMER")
            .text("NAME", "x")
            .nested("DISPLAYCONTACT", |b| b.text("BAD NAME", "y"))
            .build();
        assert!(err.is_err());
    }

    #[test]
    fn nested_blocks_keep_order() {
        let o = Object::builder("ARPYMT")
            .text("CUSTOMERID", "C1")
            .nested("ARPYMTDETAILS", |b| {
                b.nested("ARPYMTDETAIL", |d| d.text("RECORDKEY", "101"))
            })
            .build()
            .unwrap();
        let mut w = XmlWriter::default();
        o.write(&mut w);
        assert_eq!(
            w.finish(),
            "<ARPYMT><CUSTOMERID>C1</CUSTOMERID><ARPYMTDETAILS><ARPYMTDETAIL><RECORDKEY>101</RECORDKEY></ARPYMTDETAIL></ARPYMTDETAILS></ARPYMT>"
        );
    }
}
