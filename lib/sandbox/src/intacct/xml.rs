//! A tiny owned XML tree for request bodies, and escaping for response bodies.
//!
//! Requests are small (one envelope, a handful of functions), so building a tree first and then
//! walking it keeps each function's parser short, and lets children appear in any order the way
//! the gateway accepts them for generic functions.

use quick_xml::Reader;
use quick_xml::events::Event;

/// One element: name, attributes, child elements and the concatenated text directly inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Tag name as written (Intacct names are case-sensitive: `CUSTOMER` vs `customer`).
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Unescaped text content (leading/trailing whitespace kept; callers trim).
    pub text: String,
}

/// Why a body is not well-formed XML; becomes an `XL03000003` control failure.
#[derive(Debug, thiserror::Error)]
#[error("XML Parse schema error: Fatal Error 76: {message} Line: {line}, column: {column}.")]
pub struct ParseError {
    message: String,
    line: usize,
    column: usize,
}

impl Element {
    /// First child with this exact name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Trimmed text of a child, `None` when absent or empty.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// Value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Parse a whole document into its root element.
pub fn parse(body: &str) -> Result<Element, ParseError> {
    let mut reader = Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let err = |reader: &Reader<&[u8]>, message: String| {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let consumed = body.get(..pos.min(body.len())).unwrap_or(body);
        let line = consumed.matches('\n').count() + 1;
        let column = consumed
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count());
        ParseError {
            message,
            line,
            column,
        }
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| err(&reader, e.to_string()))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(err(
                    &reader,
                    "Extra content at the end of the document.".into(),
                ));
            }
            Event::Start(start) => {
                stack.push(open(&start).map_err(|m| err(&reader, m))?);
            }
            Event::Empty(start) => {
                let element = open(&start).map_err(|m| err(&reader, m))?;
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(err(&reader, "Unexpected end tag.".into()));
                };
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let decoded = text.decode().map_err(|e| err(&reader, e.to_string()))?;
                push_text(&mut stack, &decoded, &reader, &err)?;
            }
            Event::CData(cdata) => {
                let decoded = cdata.decode().map_err(|e| err(&reader, e.to_string()))?;
                push_text(&mut stack, &decoded, &reader, &err)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = if let Some(ch) = reference
                    .resolve_char_ref()
                    .map_err(|e| err(&reader, e.to_string()))?
                {
                    ch.to_string()
                } else {
                    let name = reference
                        .decode()
                        .map_err(|e| err(&reader, e.to_string()))?;
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| err(&reader, format!("Entity '{name}' not defined.")))?
                        .to_string()
                };
                push_text(&mut stack, &resolved, &reader, &err)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(&reader, "Premature end of data in tag.".into()));
    }
    root.ok_or_else(|| err(&reader, "Start tag expected, '<' not found.".into()))
}

fn push_text<F>(
    stack: &mut [Element],
    text: &str,
    reader: &Reader<&[u8]>,
    err: &F,
) -> Result<(), ParseError>
where
    F: Fn(&Reader<&[u8]>, String) -> ParseError,
{
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(err(reader, "Document is empty.".into())),
    }
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value()
            .map_err(|e| e.to_string())?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// Escape text or attribute content for the response writer the way the gateway (PHP's
/// `htmlspecialchars` with `ENT_QUOTES`) does: apostrophes come out as `&#039;` (see resp_17).
pub fn esc(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for ch in raw.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_escaped_query_is_unescaped() {
        let root = parse("<q><query>RECORDNO &lt; 2 AND NAME = 'A&amp;B'</query></q>").unwrap();
        assert_eq!(
            root.child_text("query"),
            Some("RECORDNO < 2 AND NAME = 'A&B'")
        );
    }

    #[test]
    fn apostrophes_are_escaped_like_the_gateway() {
        assert_eq!(
            esc("key 'UT01' & <x>"),
            "key &#039;UT01&#039; &amp; &lt;x&gt;"
        );
    }

    #[test]
    fn mismatched_tags_are_reported_with_a_position() {
        let error = parse("<a>\n<b></c></a>").unwrap_err().to_string();
        assert!(error.starts_with("XML Parse schema error"), "{error}");
        assert!(error.contains("Line: 2"), "{error}");
    }
}
