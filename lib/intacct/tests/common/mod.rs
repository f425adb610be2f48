//! Shared test helpers: fixture loading and a whitespace-insensitive XML tree for comparing
//! generated requests with the SDK fixtures.
#![allow(dead_code)]

use std::path::PathBuf;

use quick_xml::Reader;
use quick_xml::events::Event;

/// Reads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (name, attributes, trimmed text, children) — whitespace between elements ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// First descendant-or-self named `name` (depth-first).
    pub fn find(&self, name: &str) -> Option<&Node> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Parses XML into a [`Node`] tree with an independent quick-xml reader (not the crate's parser).
pub fn tree(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(node(&e)),
            Event::Empty(e) => {
                let n = node(&e);
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                let mut n = stack.pop().expect("balanced");
                n.text = n.text.trim().to_owned();
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content().expect("utf8"));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let s = match r.resolve_char_ref().expect("char ref") {
                        Some(c) => c.to_string(),
                        None => match &*r.decode().expect("utf8") {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => panic!("unknown entity {other}"),
                        },
                    };
                    top.text.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.expect("root element")
}

fn node(e: &quick_xml::events::BytesStart<'_>) -> Node {
    Node {
        name: String::from_utf8(e.name().as_ref().to_vec()).expect("utf8"),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("attr");
                (
                    String::from_utf8(a.key.as_ref().to_vec()).expect("utf8"),
                    a.unescape_value().expect("value").into_owned(),
                )
            })
            .collect(),
        text: String::new(),
        children: Vec::new(),
    }
}
