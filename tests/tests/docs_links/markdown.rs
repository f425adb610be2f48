//! What a Markdown file links to, and which `#anchors` it offers, the way GitHub renders it.

use std::collections::{BTreeMap, BTreeSet};

/// One link destination and the 1-based line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub line: usize,
    pub dest: String,
}

/// The lines outside fenced code blocks, with their 1-based numbers.
fn prose_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<&str> = None;
    text.lines().enumerate().filter_map(move |(index, line)| {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                fence = Some(m);
                None
            }
            (Some(open), Some(m)) if open == m => {
                fence = None;
                None
            }
            (Some(_), _) => None,
            (None, None) => Some((index + 1, line)),
        }
    })
}

/// `line` with inline code spans blanked out (a link inside backticks is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else {
            out.push(if in_code { ' ' } else { c });
        }
    }
    out
}

/// Inline links and images `[text](dest "title")`, and reference definitions `[label]: dest`.
pub fn links(text: &str) -> Vec<Link> {
    let mut found = Vec::new();
    for (line_no, raw) in prose_lines(text) {
        let line = without_code_spans(raw);
        let trimmed = line.trim_start();
        if trimmed.starts_with('[')
            && let Some((label, rest)) = trimmed[1..].split_once("]:")
            && !label.contains(']')
        {
            if let Some(dest) = rest.split_whitespace().next() {
                found.push(Link {
                    line: line_no,
                    dest: dest.trim_matches(['<', '>']).to_owned(),
                });
            }
            continue;
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let inner = after[..end].trim();
            let dest = match inner.strip_prefix('<') {
                Some(angled) => angled.split('>').next().unwrap_or_default(),
                None => inner.split_whitespace().next().unwrap_or_default(),
            };
            if !dest.is_empty() {
                found.push(Link {
                    line: line_no,
                    dest: dest.to_owned(),
                });
            }
            rest = &after[end..];
        }
    }
    found
}

/// Heading text as GitHub turns it into an anchor: lower case, punctuation other than `-` and
/// `_` dropped, each space a hyphen; a link keeps only its text.
pub fn slug(heading: &str) -> String {
    let mut text = String::with_capacity(heading.len());
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        text.push_str(&rest[..open]);
        let tail = &rest[open + 1..];
        match tail
            .split_once("](")
            .and_then(|(label, after)| after.find(')').map(|close| (label, &after[close + 1..])))
        {
            Some((label, after)) => {
                text.push_str(label);
                rest = after;
            }
            None => {
                text.push('[');
                rest = tail;
            }
        }
    }
    text.push_str(rest);
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every anchor the file offers: its headings' slugs (a repeated one gets `-1`, `-2`…) and
/// explicit HTML ids (`<a id="…">`, `<a name="…">`).
pub fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let trimmed = line.trim_start();
        let level = trimmed.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&level) && trimmed[level..].starts_with([' ', '\t']) {
            let heading = trimmed[level..].trim().trim_end_matches('#').trim_end();
            let base = slug(heading);
            let count = seen.entry(base.clone()).or_default();
            anchors.insert(match *count {
                0 => base,
                n => format!("{base}-{n}"),
            });
            *count += 1;
        }
        for attribute in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(at) = rest.find(attribute) {
                let value = &rest[at + attribute.len()..];
                if let Some(end) = value.find('"') {
                    anchors.insert(value[..end].to_owned());
                }
                rest = value;
            }
        }
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github() {
        let text = "# Design: the rules\n## What's new?\n### `code` and [a link](x.md)\n\
                    ## Twice\n## Twice\n```\n## not a heading\n```\n<a id=\"custom\"></a>\n";
        let found = anchors(text);
        for expected in [
            "design-the-rules",
            "whats-new",
            "code-and-a-link",
            "twice",
            "twice-1",
            "custom",
        ] {
            assert!(found.contains(expected), "{expected} in {found:?}");
        }
        assert!(!found.contains("not-a-heading"));
    }

    #[test]
    fn links_skip_code() {
        let text = "[a](one.md) and `[b](two.md)` and ![c](three.png \"t\")\n\
                    ```\n[d](four.md)\n```\n[ref]: <five.md>\n";
        let dests: Vec<String> = links(text).into_iter().map(|l| l.dest).collect();
        assert_eq!(dests, ["one.md", "three.png", "five.md"]);
    }
}
