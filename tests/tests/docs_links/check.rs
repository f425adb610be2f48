//! The rules: every relative link in a Markdown file resolves inside the repository, with its
//! `#anchor`; every mention of a Markdown file by a path of this repository (in Markdown,
//! Terraform descriptions and Rust comments) names one that exists, with its anchor; nothing
//! cites a section by number (`§`), which no link check can follow.

use std::collections::BTreeMap;
use std::fmt;

use super::markdown::{anchors, links};
use super::repo::{Kind, Repo};

/// The checker's own sources, whose examples of broken links are deliberate.
const SELF: [&str; 2] = ["tests/tests/docs_links.rs", "tests/tests/docs_links/"];

/// One broken link or citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Every finding in `repo`, in file order.
pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut anchor_cache = BTreeMap::new();
    let mut findings = Vec::new();
    for (file, kind, text) in repo.checked() {
        if SELF.iter().any(|s| file.starts_with(s)) {
            continue;
        }
        let mut report = |line: usize, message: String| {
            findings.push(Finding {
                file: file.to_owned(),
                line,
                message,
            });
        };
        let links = match kind {
            Kind::Markdown => links(text),
            Kind::Terraform | Kind::Rust => Vec::new(),
        };
        for link in &links {
            if let Err(message) = resolve_link(repo, &mut anchor_cache, file, &link.dest) {
                report(link.line, message);
            }
        }
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            if line.contains('§') {
                report(
                    line_no,
                    "cites a section by number (§); link its heading instead, e.g. \
                     docs/reference.md#limits-and-concurrency"
                        .to_owned(),
                );
            }
            let linked = |m: &str| links.iter().any(|l| l.line == line_no && l.dest == m);
            for mention in markdown_mentions(line) {
                if linked(mention) || !names_this_repository(repo, mention) {
                    continue;
                }
                if let Err(message) = resolve_mention(repo, &mut anchor_cache, file, mention) {
                    report(line_no, message);
                }
            }
        }
    }
    findings
}

type Anchors = BTreeMap<String, std::collections::BTreeSet<String>>;

/// A link written in `file`: web links are allowed (and not fetched); anything else must be a
/// relative path to something in the repository.
fn resolve_link(repo: &Repo, cache: &mut Anchors, file: &str, dest: &str) -> Result<(), String> {
    if let Some((scheme, _)) = dest.split_once(':')
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return match scheme {
            "http" | "https" | "mailto" => Ok(()),
            _ => Err(format!("links to {dest}, which is not in the repository")),
        };
    }
    if dest.starts_with('/') {
        return Err(format!(
            "links to the absolute path {dest}; use a path relative to this file"
        ));
    }
    let (path, anchor) = split_anchor(dest);
    let target = if path.is_empty() {
        Ok(file.to_owned())
    } else {
        join(parent(file), path)
    };
    match target {
        Err(()) => Err(format!(
            "links to {dest}, which points outside the repository"
        )),
        Ok(target) if !repo.paths.contains(&target) => {
            Err(format!("links to {dest}, but there is no {target}"))
        }
        Ok(target) => check_anchor(repo, cache, &target, anchor, dest),
    }
}

/// Whether a mention is meant to be a path in this repository: a bare file name, a relative
/// path (`./`, `../`), or one that starts with a top-level entry (`docs/`, `lib/`…). Other paths
/// cite files of other repositories (the fixtures' provenance tables).
fn names_this_repository(repo: &Repo, mention: &str) -> bool {
    match mention.split_once('/') {
        None => true,
        Some((first, _)) => first == "." || first == ".." || repo.paths.contains(first),
    }
}

/// A mention of a Markdown file by path: resolved from the mentioning file's directory, or
/// from the repository root (how code comments and alarm descriptions name `docs/…`).
fn resolve_mention(
    repo: &Repo,
    cache: &mut Anchors,
    file: &str,
    mention: &str,
) -> Result<(), String> {
    let (path, anchor) = split_anchor(mention);
    let candidates = [join(parent(file), path), join("", path)];
    if let Some(target) = candidates
        .iter()
        .flatten()
        .find(|t| repo.paths.contains(*t))
    {
        return check_anchor(repo, cache, target, anchor, mention);
    }
    if candidates.iter().all(Result::is_err) {
        Err(format!(
            "mentions {mention}, which points outside the repository"
        ))
    } else {
        Err(format!(
            "mentions {mention}, which is not in the repository (put what a reader needs in \
             docs/ and name it by its path from the root)"
        ))
    }
}

fn check_anchor(
    repo: &Repo,
    cache: &mut Anchors,
    target: &str,
    anchor: Option<&str>,
    written: &str,
) -> Result<(), String> {
    let Some(anchor) = anchor else { return Ok(()) };
    if !target.ends_with(".md") {
        let line_ref = anchor.split('-').all(|part| {
            part.strip_prefix('L')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        return if line_ref {
            Ok(())
        } else {
            Err(format!("{written}: only Markdown files have #sections"))
        };
    }
    let offered = cache
        .entry(target.to_owned())
        .or_insert_with(|| anchors(repo.texts.get(target).map_or("", String::as_str)));
    if offered.contains(anchor) {
        Ok(())
    } else {
        Err(format!(
            "{written}: {target} has no section #{anchor} (it has: {})",
            offered.iter().cloned().collect::<Vec<_>>().join(", ")
        ))
    }
}

/// Paths of Markdown files written in `line`, with their `#anchor`: `docs/runbook.md#alarms`,
/// `../README.md`. Parts of URLs and globs (`docs/*.md`) are not mentions.
pub fn markdown_mentions(line: &str) -> Vec<&str> {
    let is_path = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let is_anchor = |c: char| c.is_ascii_alphanumeric() || "_-".contains(c);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find(".md") {
        let dot = from + at;
        let after_md = dot + 3;
        from = after_md;
        if line[after_md..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
            continue; // `.mdx`, `.md5`
        }
        let start = line[..dot]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_path(c))
            .last()
            .map_or(dot, |(i, _)| i);
        let mut end = after_md;
        if line[end..].starts_with('#') {
            let anchor_len = line[end + 1..]
                .chars()
                .take_while(|&c| is_anchor(c))
                .map(char::len_utf8)
                .sum::<usize>();
            if anchor_len > 0 {
                end += 1 + anchor_len;
            }
        }
        let token = &line[start..end];
        let stem = &line[start..dot];
        let in_url = token.contains("//") || line[..start].ends_with(':');
        let hidden = stem.starts_with('.') && !stem.starts_with("./") && !stem.starts_with("../");
        if stem.is_empty() || stem.ends_with('/') || in_url || hidden {
            continue;
        }
        found.push(token);
    }
    found
}

fn split_anchor(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (dest, None),
    }
}

fn parent(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir`/`relative`, normalised; `Err` when it climbs above the root.
fn join(dir: &str, relative: &str) -> Result<String, ()> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(())?;
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_paths_of_markdown_files() {
        let line = "See docs/runbook.md#dead-letters. Also `../README.md`, docs/*.md, \
                    https://example.com/x/README.md and notes.mdx.";
        assert_eq!(
            markdown_mentions(line),
            ["docs/runbook.md#dead-letters", "../README.md"]
        );
    }

    #[test]
    fn joining_stays_inside_the_root() {
        assert_eq!(join("docs", "../README.md"), Ok("README.md".to_owned()));
        assert_eq!(join("", "../shared/DESIGN.md"), Err(()));
    }
}
