//! A small, careful XML writer for request bodies.
//!
//! Hand-written rather than generic serialisation because the legacy functions are validated
//! against an `xs:sequence`: element *order* is part of the contract, so each function writes
//! its children explicitly. Every text and attribute value goes through [`escape_into`].

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Appends `value` escaped for use as element text or a double-quoted attribute.
///
/// `&`, `<`, `>`, `"`, `'` become entities; `\r` becomes `&#13;` so it survives the parser's
/// end-of-line normalisation. Characters XML 1.0 forbids (C0 controls other than tab/LF/CR)
/// cannot be represented at all, so they are replaced with U+FFFD rather than making the
/// gateway reject the whole request with a schema error.
pub fn escape_into(out: &mut String, value: &str) {
    let mut start = 0;
    for (i, c) in value.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\r' => "&#13;",
            '\t' | '\n' => continue,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(&value[start..i]);
        out.push_str(replacement);
        start = i + c.len_utf8();
    }
    out.push_str(&value[start..]);
}

/// Streaming writer used by every request builder. Element names are `&str` literals from the
/// schema or validated [`crate::types::XmlName`]s, never raw user input.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    stack: Vec<String>,
}

impl XmlWriter {
    /// A writer that starts with the XML declaration (UTF-8, as the SDKs send).
    pub fn with_declaration() -> Self {
        let mut out = String::with_capacity(1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        Self {
            out,
            stack: Vec::new(),
        }
    }

    /// Opens `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.stack.push(name.to_owned());
        self
    }

    /// Opens `<name attr="value" ...>`.
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        self.stack.push(name.to_owned());
        self
    }

    /// Writes `<name attr="value" .../>`.
    pub fn empty_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>");
        self
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.stack.pop() {
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
        self
    }

    /// Writes `<name>escaped value</name>`; an empty value is written as an empty element,
    /// which Intacct treats as "clear this field".
    pub fn leaf(&mut self, name: &str, value: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, value);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes the element only when a value is present.
    pub fn leaf_opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.leaf(name, v);
        }
        self
    }

    /// Writes a decimal exactly as held (no float round-trip, scale preserved).
    pub fn decimal(&mut self, name: &str, value: Decimal) -> &mut Self {
        self.leaf(name, &value.to_string())
    }

    /// Optional decimal.
    pub fn decimal_opt(&mut self, name: &str, value: Option<Decimal>) -> &mut Self {
        if let Some(v) = value {
            self.decimal(name, v);
        }
        self
    }

    /// Writes a boolean as `true`/`false`.
    pub fn bool_opt(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.leaf(name, if v { "true" } else { "false" });
        }
        self
    }

    /// Writes a legacy split date: `<name><year>2015</year><month>06</month><day>30</day></name>`.
    pub fn split_date(&mut self, name: &str, date: NaiveDate) -> &mut Self {
        self.open(name);
        self.leaf("year", &format!("{:04}", date.year()));
        self.leaf("month", &format!("{:02}", date.month()));
        self.leaf("day", &format!("{:02}", date.day()));
        self.close()
    }

    /// Optional split date.
    pub fn split_date_opt(&mut self, name: &str, date: Option<NaiveDate>) -> &mut Self {
        if let Some(d) = date {
            self.split_date(name, d);
        }
        self
    }

    /// Closes anything still open and returns the document.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        let mut s = String::new();
        escape_into(&mut s, "A & B <x> \"q\" 'a'\r\n\t\u{1}é");
        assert_eq!(
            s,
            "A &amp; B &lt;x&gt; &quot;q&quot; &apos;a&apos;&#13;\n\t\u{FFFD}é"
        );
    }

    #[test]
    fn split_dates_are_zero_padded() {
        let mut w = XmlWriter::default();
        w.split_date("datecreated", NaiveDate::from_ymd_opt(2015, 6, 3).unwrap());
        assert_eq!(
            w.finish(),
            "<datecreated><year>2015</year><month>06</month><day>03</day></datecreated>"
        );
    }
}
