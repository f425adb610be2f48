//! A generic record (element name → fields, nested elements kept) and the fast parser that
//! builds it from a response body.
//!
//! Performance: a 1,000-row readByQuery page is ~1.7 MB and ~40,000 fields. Each record keeps
//! all of its names and values in **one** `String` with `u32` spans into it, so a row costs a
//! handful of allocations instead of two per field; capacity is pre-sized from the previous
//! sibling. Values are unescaped once while parsing; getters then borrow.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use rust_decimal::Decimal;

use crate::types::{parse_date, parse_datetime};

/// Deepest element nesting accepted; guards the parser's stack against hostile bodies.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

#[derive(Clone)]
enum SlotValue {
    Text(Span),
    Nested(Box<Record>),
}

#[derive(Clone)]
struct Slot {
    name: Span,
    value: SlotValue,
}

/// One element with its child fields, e.g. a `<customer>` row, an `<api>` session block, or a
/// nested `<CONTACTINFO>`. Field names are kept exactly as Intacct sent them (readByQuery
/// sends `DISPLAYCONTACT.EMAIL1` as a literal element name).
#[derive(Clone)]
pub struct Record {
    buf: String,
    name: Span,
    attrs: Vec<(Span, Span)>,
    text: String,
    fields: Vec<Slot>,
}

/// A borrowed field value.
#[derive(Debug, Clone, Copy)]
pub enum FieldRef<'a> {
    /// Leaf text (already unescaped; may be empty).
    Text(&'a str),
    /// A nested element.
    Nested(&'a Record),
}

impl<'a> FieldRef<'a> {
    /// The text of a leaf, `None` for a nested element.
    pub fn as_text(self) -> Option<&'a str> {
        match self {
            Self::Text(t) => Some(t),
            Self::Nested(_) => None,
        }
    }

    /// The record of a nested element, `None` for a leaf.
    pub fn as_record(self) -> Option<&'a Record> {
        match self {
            Self::Nested(r) => Some(r),
            Self::Text(_) => None,
        }
    }
}

/// A field value that did not have the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field} = {value:?} is not a valid {expected}")]
pub struct FieldError {
    /// Field name.
    pub field: String,
    /// The raw value.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

impl Record {
    fn new(name: &str, buf_capacity: usize, field_capacity: usize) -> Self {
        let mut buf = String::with_capacity(buf_capacity.max(name.len()));
        buf.push_str(name);
        Self {
            name: Span {
                start: 0,
                end: name.len() as u32,
            },
            buf,
            attrs: Vec::new(),
            text: String::new(),
            fields: Vec::with_capacity(field_capacity),
        }
    }

    fn s(&self, span: Span) -> &str {
        self.buf
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// The element name (`customer`, `CUSTOMER`, `api`…).
    pub fn name(&self) -> &str {
        self.s(self.name)
    }

    /// An attribute of this element.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| self.s(*k) == name)
            .map(|(_, v)| self.s(*v))
    }

    /// Non-whitespace text directly inside this element (e.g. legacy `<listtype>` content).
    pub fn own_text(&self) -> &str {
        &self.text
    }

    /// Number of child fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the element has no child fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn value<'s>(&'s self, slot: &'s Slot) -> FieldRef<'s> {
        match &slot.value {
            SlotValue::Text(span) => FieldRef::Text(self.s(*span)),
            SlotValue::Nested(r) => FieldRef::Nested(r),
        }
    }

    /// All fields in document order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, FieldRef<'_>)> + '_ {
        self.fields
            .iter()
            .map(move |slot| (self.s(slot.name), self.value(slot)))
    }

    /// The first field named `name`.
    pub fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        self.fields
            .iter()
            .find(|slot| self.s(slot.name) == name)
            .map(|slot| self.value(slot))
    }

    /// Every field named `name` (repeated elements such as line items).
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = FieldRef<'s>> + 's {
        self.fields
            .iter()
            .filter(move |slot| self.s(slot.name) == name)
            .map(move |slot| self.value(slot))
    }

    /// Leaf text of the first field named `name` (`Some("")` for an empty element).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.field(name).and_then(FieldRef::as_text)
    }

    /// Leaf text, `None` when missing or empty — what typed getters build on.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// The nested record named `name`.
    pub fn nested(&self, name: &str) -> Option<&Record> {
        self.field(name).and_then(FieldRef::as_record)
    }

    fn typed<T>(
        &self,
        name: &str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, FieldError> {
        match self.non_empty(name) {
            None => Ok(None),
            Some(v) => parse(v.trim()).map(Some).ok_or_else(|| FieldError {
                field: name.to_owned(),
                value: v.to_owned(),
                expected,
            }),
        }
    }

    /// A money/quantity field as an exact decimal.
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, FieldError> {
        self.typed(name, "decimal", |v| {
            Decimal::from_str(v)
                .or_else(|_| Decimal::from_scientific(v))
                .ok()
        })
    }

    /// An integer field (RECORDNO, counts).
    pub fn int(&self, name: &str) -> Result<Option<i64>, FieldError> {
        self.typed(name, "integer", |v| v.parse().ok())
    }

    /// A date field (`MM/DD/YYYY`, or ISO).
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, FieldError> {
        self.typed(name, "date", |v| parse_date(v).ok())
    }

    /// A timestamp field (`MM/DD/YYYY HH:MM:SS`, or ISO) such as WHENMODIFIED.
    pub fn datetime(&self, name: &str) -> Result<Option<NaiveDateTime>, FieldError> {
        self.typed(name, "timestamp", |v| parse_datetime(v).ok())
    }

    /// A boolean field (`true`/`false`, also `T`/`F`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, FieldError> {
        self.typed(name, "boolean", |v| match v {
            "true" | "T" | "TRUE" | "True" => Some(true),
            "false" | "F" | "FALSE" | "False" => Some(false),
            _ => None,
        })
    }

    /// Moves the nested records out of this record (used to turn `<data>` into rows).
    pub(crate) fn into_nested(self) -> Vec<Record> {
        self.fields
            .into_iter()
            .filter_map(|slot| match slot.value {
                SlotValue::Nested(r) => Some(*r),
                SlotValue::Text(_) => None,
            })
            .collect()
    }

    /// Removes and returns the first nested field named `name`.
    pub(crate) fn take_nested(&mut self, name: &str) -> Option<Record> {
        let idx = self.fields.iter().position(|slot| {
            self.buf
                .get(slot.name.start as usize..slot.name.end as usize)
                == Some(name)
                && matches!(slot.value, SlotValue::Nested(_))
        })?;
        match self.fields.remove(idx).value {
            SlotValue::Nested(r) => Some(*r),
            SlotValue::Text(_) => None,
        }
    }

    /// Removes and returns every nested field named `name`, in order.
    pub(crate) fn take_all_nested(&mut self, name: &str) -> Vec<Record> {
        let mut out = Vec::new();
        while let Some(r) = self.take_nested(name) {
            out.push(r);
        }
        out
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        m.entry(&"<name>", &self.name());
        for (k, v) in &self.attrs {
            m.entry(&format_args!("@{}", self.s(*k)), &self.s(*v));
        }
        for (name, value) in self.fields() {
            match value {
                FieldRef::Text(t) => m.entry(&name, &t),
                FieldRef::Nested(r) => m.entry(&name, r),
            };
        }
        m.finish()
    }
}

/// Why a body could not be read as XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML.
    #[error("malformed XML at byte {position}: {message}")]
    Malformed {
        /// Byte offset of the problem.
        position: u64,
        /// Parser message.
        message: String,
    },
    /// Text outside the root element (an HTML or plain-text error page).
    #[error("body is not an XML document")]
    NotXml,
    /// No root element.
    #[error("empty XML document")]
    Empty,
    /// Document ended inside an element.
    #[error("truncated XML document")]
    Truncated,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("XML nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// A single record exceeded 4 GiB.
    #[error("record too large")]
    TooLarge,
}

struct Leaf {
    name: Span,
    text_start: u32,
}

struct Frame {
    rec: Record,
    leaf: Option<Leaf>,
}

fn span_len(len: usize) -> Result<u32, XmlError> {
    u32::try_from(len).map_err(|_| XmlError::TooLarge)
}

fn malformed<E: fmt::Display>(reader: &Reader<&[u8]>, e: E) -> XmlError {
    XmlError::Malformed {
        position: reader.buffer_position(),
        message: e.to_string(),
    }
}

/// Parses a whole document into its root [`Record`].
pub fn parse_document(input: &str) -> Result<Record, XmlError> {
    Parser::new(input).run()
}

struct Parser<'i> {
    reader: Reader<&'i [u8]>,
    stack: Vec<Frame>,
    /// Last finished record size per depth: sizes the next sibling's buffers.
    hints: Vec<(usize, usize)>,
    root: Option<Record>,
}

impl<'i> Parser<'i> {
    fn new(input: &'i str) -> Self {
        let mut reader = Reader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.trim_text(false);
        Self {
            reader,
            stack: Vec::with_capacity(8),
            hints: vec![(64, 4); MAX_DEPTH + 1],
            root: None,
        }
    }

    fn run(mut self) -> Result<Record, XmlError> {
        loop {
            let event = self.reader.read_event();
            match event {
                Err(e) => return Err(malformed(&self.reader, e)),
                Ok(Event::Start(e)) => self.start(&e, false)?,
                Ok(Event::Empty(e)) => self.start(&e, true)?,
                Ok(Event::End(_)) => self.end()?,
                Ok(Event::Text(t)) => {
                    let text = t.xml10_content().map_err(|e| malformed(&self.reader, e))?;
                    self.text(&text)?;
                }
                Ok(Event::CData(t)) => {
                    let text = t.decode().map_err(|e| malformed(&self.reader, e))?;
                    self.text(&text)?;
                }
                Ok(Event::GeneralRef(r)) => self.reference(&r)?,
                Ok(Event::Eof) => {
                    if !self.stack.is_empty() {
                        return Err(XmlError::Truncated);
                    }
                    return self.root.ok_or(XmlError::Empty);
                }
                Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_)) => {}
            }
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), XmlError> {
        let name = std::str::from_utf8(e.name().into_inner())
            .map_err(|err| malformed(&self.reader, err))?;
        let has_attrs = !e.attributes_raw().iter().all(u8::is_ascii_whitespace);
        if self.stack.is_empty() {
            if self.root.is_some() {
                return Err(XmlError::NotXml);
            }
            let mut rec = Record::new(name, 256, 8);
            if has_attrs {
                self.read_attrs(e, &mut rec)?;
            }
            self.stack.push(Frame { rec, leaf: None });
            if empty {
                return self.end();
            }
            return Ok(());
        }
        self.promote_leaf()?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(XmlError::TooDeep);
        }
        let depth = self.stack.len();
        let Some(top) = self.stack.last_mut() else {
            return Err(XmlError::Empty);
        };
        if has_attrs {
            let (cap, fields) = self.hint(depth);
            let mut rec = Record::new(name, cap, fields);
            self.read_attrs(e, &mut rec)?;
            self.stack.push(Frame { rec, leaf: None });
            if empty {
                return self.end();
            }
            return Ok(());
        }
        let start = span_len(top.rec.buf.len())?;
        top.rec.buf.push_str(name);
        let name_span = Span {
            start,
            end: span_len(top.rec.buf.len())?,
        };
        if empty {
            top.rec.fields.push(Slot {
                name: name_span,
                value: SlotValue::Text(Span {
                    start: name_span.end,
                    end: name_span.end,
                }),
            });
        } else {
            top.leaf = Some(Leaf {
                name: name_span,
                text_start: name_span.end,
            });
        }
        Ok(())
    }

    fn hint(&self, depth: usize) -> (usize, usize) {
        self.hints.get(depth).copied().unwrap_or((64, 4))
    }

    fn read_attrs(&self, e: &BytesStart<'_>, rec: &mut Record) -> Result<(), XmlError> {
        for attr in e.attributes() {
            let attr = attr.map_err(|err| malformed(&self.reader, err))?;
            let key = std::str::from_utf8(attr.key.as_ref())
                .map_err(|err| malformed(&self.reader, err))?;
            let value = attr
                .unescape_value()
                .map_err(|err| malformed(&self.reader, err))?;
            let ks = span_len(rec.buf.len())?;
            rec.buf.push_str(key);
            let ke = span_len(rec.buf.len())?;
            rec.buf.push_str(&value);
            let ve = span_len(rec.buf.len())?;
            rec.attrs
                .push((Span { start: ks, end: ke }, Span { start: ke, end: ve }));
        }
        Ok(())
    }

    /// The open leaf turned out to have children: make it a nested record.
    fn promote_leaf(&mut self) -> Result<(), XmlError> {
        let depth = self.stack.len();
        let Some(top) = self.stack.last_mut() else {
            return Ok(());
        };
        let Some(leaf) = top.leaf.take() else {
            return Ok(());
        };
        let (cap, fields) = self.hints.get(depth).copied().unwrap_or((64, 4));
        let name = top.rec.s(leaf.name);
        let mut rec = Record::new(name, cap, fields);
        let pending = top
            .rec
            .buf
            .get(leaf.text_start as usize..)
            .unwrap_or_default();
        if !pending.trim().is_empty() {
            rec.text.push_str(pending.trim());
        }
        top.rec.buf.truncate(leaf.name.start as usize);
        self.stack.push(Frame { rec, leaf: None });
        Ok(())
    }

    fn end(&mut self) -> Result<(), XmlError> {
        let Some(top) = self.stack.last_mut() else {
            return Err(XmlError::NotXml);
        };
        if let Some(leaf) = top.leaf.take() {
            let end = span_len(top.rec.buf.len())?;
            top.rec.fields.push(Slot {
                name: leaf.name,
                value: SlotValue::Text(Span {
                    start: leaf.text_start,
                    end,
                }),
            });
            return Ok(());
        }
        let Some(frame) = self.stack.pop() else {
            return Err(XmlError::NotXml);
        };
        let rec = frame.rec;
        let depth = self.stack.len();
        if let Some(hint) = self.hints.get_mut(depth) {
            *hint = (rec.buf.len() + rec.buf.len() / 8, rec.fields.len());
        }
        match self.stack.last_mut() {
            None => self.root = Some(rec),
            Some(parent) => {
                let start = span_len(parent.rec.buf.len())?;
                parent.rec.buf.push_str(rec.name());
                let end = span_len(parent.rec.buf.len())?;
                parent.rec.fields.push(Slot {
                    name: Span { start, end },
                    value: SlotValue::Nested(Box::new(rec)),
                });
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), XmlError> {
        let Some(top) = self.stack.last_mut() else {
            return if text.trim().is_empty() {
                Ok(())
            } else {
                Err(XmlError::NotXml)
            };
        };
        if top.leaf.is_some() {
            top.rec.buf.push_str(text);
            span_len(top.rec.buf.len())?;
        } else if !text.trim().is_empty() {
            top.rec.text.push_str(text.trim());
        }
        Ok(())
    }

    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), XmlError> {
        let mut tmp = [0u8; 4];
        let resolved: std::borrow::Cow<'_, str> = if r.is_char_ref() {
            match r.resolve_char_ref() {
                Ok(Some(c)) => std::borrow::Cow::Borrowed(c.encode_utf8(&mut tmp)),
                _ => return Err(malformed(&self.reader, "invalid character reference")),
            }
        } else {
            let name = r.decode().map_err(|e| malformed(&self.reader, e))?;
            match name.as_ref() {
                "amp" => "&".into(),
                "lt" => "<".into(),
                "gt" => ">".into(),
                "quot" => "\"".into(),
                "apos" => "'".into(),
                // Undeclared (HTML-style) entities are kept verbatim rather than failing a
                // whole page over one odd character.
                other => format!("&{other};").into(),
            }
        };
        match self.stack.last_mut() {
            Some(top) if top.leaf.is_some() => {
                top.rec.buf.push_str(&resolved);
                span_len(top.rec.buf.len())?;
            }
            Some(top) => top.rec.text.push_str(&resolved),
            None => return Err(XmlError::NotXml),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_nested_repeated_and_attributes() {
        let doc = r#"<?xml version="1.0"?>
<data listtype="customer" count="2">
  <customer><RECORDNO>1</RECORDNO><NAME>A &amp; B &#039;x&#039;</NAME><EMPTY/><C><D>d</D></C></customer>
  <customer><RECORDNO>2</RECORDNO><L>1</L><L>2</L><NB>&nbsp;</NB></customer>
</data>"#;
        let root = parse_document(doc).unwrap();
        assert_eq!(root.name(), "data");
        assert_eq!(root.attr("listtype"), Some("customer"));
        let rows = root.into_nested();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("NAME"), Some("A & B 'x'"));
        assert_eq!(rows[0].get("EMPTY"), Some(""));
        assert_eq!(rows[0].nested("C").and_then(|c| c.get("D")), Some("d"));
        assert_eq!(rows[0].int("RECORDNO"), Ok(Some(1)));
        assert_eq!(
            rows[1]
                .all("L")
                .filter_map(FieldRef::as_text)
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert_eq!(rows[1].get("NB"), Some("&nbsp;"));
    }

    #[test]
    fn bad_documents_are_errors() {
        assert_eq!(parse_document("").unwrap_err(), XmlError::Empty);
        assert_eq!(
            parse_document("Service Unavailable").unwrap_err(),
            XmlError::NotXml
        );
        assert_eq!(parse_document("<a><b>").unwrap_err(), XmlError::Truncated);
        assert!(matches!(
            parse_document("<a></b>"),
            Err(XmlError::Malformed { .. })
        ));
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(parse_document(&deep).unwrap_err(), XmlError::TooDeep);
    }

    #[test]
    fn typed_getters_report_bad_values() {
        let r = parse_document("<r><AMT>12.50</AMT><D>13/45/2020</D><B>T</B><E></E></r>").unwrap();
        assert_eq!(
            r.decimal("AMT").unwrap().map(|d| d.to_string()),
            Some("12.50".into())
        );
        assert!(r.date("D").is_err());
        assert_eq!(r.boolean("B"), Ok(Some(true)));
        assert_eq!(r.decimal("E"), Ok(None));
        assert_eq!(r.decimal("MISSING"), Ok(None));
    }
}
