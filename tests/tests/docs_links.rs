//! Docs that do not rot: every relative link and `#anchor` in the repository's Markdown (docs/,
//! every README), every runbook section an alarm description in infra/ names, and every
//! `docs/….md#section` a code comment cites resolves inside the repository. Offline: web links
//! are allowed and not fetched.
//!
//! The rules are in `docs_links/check.rs`; each is run once on the repository and again on
//! copies with a defect seeded, to prove it can fail.

mod docs_links {
    pub mod check;
    pub mod markdown;
    pub mod repo;
}

use std::sync::LazyLock;

use docs_links::check::{Finding, check};
use docs_links::repo::Repo;
use e2e_tests::terraform::workspace_root;

static REPOSITORY: LazyLock<Repo> = LazyLock::new(|| Repo::load(&workspace_root()));

/// Fails unless `findings` has one at `file:line` whose message contains `needle`.
#[track_caller]
fn assert_caught(findings: &[Finding], at: &str, needle: &str) {
    assert!(
        findings
            .iter()
            .any(|f| format!("{}:{}", f.file, f.line) == at && f.message.contains(needle)),
        "expected {at}: …{needle}…, got:\n{}",
        lines(findings)
    );
}

fn lines(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(Finding::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line of `path` that contains `needle`, 1-based.
#[track_caller]
fn line_of(repo: &Repo, path: &str, needle: &str) -> usize {
    repo.texts[path]
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{path} has no line with {needle:?}"))
        + 1
}

#[test]
fn every_link_anchor_and_cited_section_resolves() {
    let repo = &*REPOSITORY;
    for expected in ["README.md", "docs/design.md", "infra/monitoring.tf"] {
        assert!(repo.texts.contains_key(expected), "{expected} was read");
    }
    let findings = check(repo);
    assert!(
        findings.is_empty(),
        "{} broken link(s):\n{}",
        findings.len(),
        lines(&findings)
    );
}

#[test]
fn a_link_out_of_the_repository_is_caught() {
    let repo = REPOSITORY.seeded(
        "README.md",
        "[docs/design.md](docs/design.md#invariants)",
        "[the design](../shared/DESIGN.md)",
    );
    let line = line_of(&repo, "README.md", "../shared/DESIGN.md");
    assert_caught(
        &check(&repo),
        &format!("README.md:{line}"),
        "points outside the repository",
    );
}

#[test]
fn a_link_to_a_missing_file_or_section_is_caught() {
    let repo = REPOSITORY.with_file(
        "docs/broken.md",
        "# Broken\n\n[gone](gone.md) [a section](runbook.md#no-such-section) \
         [here](#broken) [there](#nowhere) [code](../lib/sync/src/lib.rs#L1)\n",
    );
    let findings = check(&repo);
    assert_caught(&findings, "docs/broken.md:3", "there is no docs/gone.md");
    assert_caught(
        &findings,
        "docs/broken.md:3",
        "docs/runbook.md has no section #no-such-section",
    );
    assert_caught(
        &findings,
        "docs/broken.md:3",
        "docs/broken.md has no section #nowhere",
    );
    assert_eq!(
        findings.len(),
        3,
        "#broken and a line anchor resolve:\n{}",
        lines(&findings)
    );
}

#[test]
fn an_alarm_description_naming_a_missing_runbook_section_is_caught() {
    let repo = REPOSITORY.seeded(
        "docs/runbook.md",
        "### Failed polls",
        "### Polls that failed",
    );
    let line = line_of(&repo, "infra/monitoring.tf", "docs/runbook.md#failed-polls");
    assert_caught(
        &check(&repo),
        &format!("infra/monitoring.tf:{line}"),
        "docs/runbook.md has no section #failed-polls",
    );
}

#[test]
fn a_comment_citing_a_section_number_or_a_file_outside_is_caught() {
    let path = "lib/sync/src/engine/write/payment.rs";
    let repo = REPOSITORY.with_file(
        path,
        &format!(
            "//! Fixes over the vendor's integration (reference §7).\n\
             //! Keeps the invariants of `DESIGN.md`.\n{}",
            REPOSITORY.texts[path]
        ),
    );
    let findings = check(&repo);
    assert_caught(&findings, &format!("{path}:1"), "cites a section by number");
    assert_caught(
        &findings,
        &format!("{path}:2"),
        "mentions DESIGN.md, which is not in the repository",
    );
}
