//! The error catalogue is the one source of the codes operators see: the runbook's table is
//! generated from it, engine code names its variants (never string literals), and the fixes say
//! what the reference integration's troubleshooting guide says.

use std::path::{Path, PathBuf};

use sync_engine::catalogue::{Class, Code};

const START: &str = "<!-- catalogue:start -->\n";
const END: &str = "<!-- catalogue:end -->";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_runbook_table_is_the_catalogue() {
    let path = repo_root().join("docs/runbook.md");
    let runbook = std::fs::read_to_string(&path).expect("docs/runbook.md");
    let start = runbook
        .find(START)
        .expect("runbook has the catalogue start marker")
        + START.len();
    let end = runbook
        .find(END)
        .expect("runbook has the catalogue end marker");
    let table = Code::markdown_table();
    if std::env::var_os("UPDATE_RUNBOOK").is_some() {
        let updated = format!("{}{table}{}", &runbook[..start], &runbook[end..]);
        std::fs::write(&path, updated).expect("write docs/runbook.md");
        return;
    }
    assert!(
        runbook[start..end] == table,
        "docs/runbook.md's code table differs from lib/sync/src/catalogue.rs; \
         run `UPDATE_RUNBOOK=1 cargo test -p sync-engine --test catalogue`"
    );
}

/// Engine code names catalogue variants: a code written as a string literal anywhere in
/// `lib/sync/src` outside the catalogue (and outside tests) fails here.
#[test]
fn engine_code_names_variants_not_strings() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    visit(&src, &mut |path, text| {
        let name = path.to_string_lossy();
        if name.ends_with("catalogue.rs") || name.contains("/tests") || name.ends_with("tests.rs") {
            return;
        }
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for prefix in ["\"SYNC_", "\"INTACCT_", "\"INVOICED_"] {
                if let Some(at) = line.find(prefix) {
                    let rest = &line[at + 1..];
                    let word: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if rest[word.len()..].starts_with('"') && Code::parse(&word).is_some() {
                        offenders.push(format!("{name}:{}: {word}", number + 1));
                    }
                }
            }
        }
    });
    assert!(
        offenders.is_empty(),
        "codes written as strings:\n{}",
        offenders.join("\n")
    );
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path, &str)) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            visit(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            f(&path, &text);
        }
    }
}

#[test]
fn every_intacct_failure_has_a_code_of_its_class() {
    use intacct::ErrorClass;
    for failure in intacct::Failure::ALL {
        let code = Code::of_intacct(*failure);
        let expected: &[Class] = match failure.class() {
            ErrorClass::Throttled => &[Class::Throttled],
            ErrorClass::Transient => &[Class::Transient],
            ErrorClass::UnknownOutcome => &[Class::UnknownOutcome],
            ErrorClass::Authentication => &[Class::Authentication],
            ErrorClass::NeedsOperator => &[
                Class::Configuration,
                Class::Data,
                Class::Operator,
                Class::Defect,
            ],
        };
        assert!(
            expected.contains(&code.class()),
            "{failure:?} is {:?} on the wire but {code} is {:?}",
            failure.class(),
            code.class()
        );
        assert_eq!(
            code.class().retried_automatically(),
            matches!(
                failure.class(),
                ErrorClass::Throttled | ErrorClass::Transient | ErrorClass::UnknownOutcome
            ),
            "{code}"
        );
    }
}

#[test]
fn fixes_say_what_the_troubleshooting_guide_says() {
    let batch_key = Code::of_intacct(intacct::Failure::PaymentBatchKey);
    assert_eq!(batch_key.as_str(), "INTACCT_PAYMENT_BATCH_KEY");
    assert!(
        batch_key.fix().contains("Daily or Monthly")
            && batch_key.fix().contains("Configure Accounts Receivable"),
        "{}",
        batch_key.fix()
    );
    let auth = Code::of_intacct(intacct::Failure::Auth401);
    assert_eq!(auth.as_str(), "INTACCT_AUTH_401");
    assert!(auth.fix().contains("company ID"), "{}", auth.fix());
    assert_eq!(Code::IntacctThrottled.class(), Class::Throttled);
    assert_eq!(Code::SyncIntentRace.class(), Class::Waiting);
}

#[test]
fn codes_travel_as_their_stable_names() {
    let json = serde_json::to_string(&Code::SyncNoPaymentRoute).unwrap();
    assert_eq!(json, "\"SYNC_NO_PAYMENT_ROUTE\"");
    assert_eq!(
        serde_json::from_str::<Code>(&json).unwrap(),
        Code::SyncNoPaymentRoute
    );
    assert!(serde_json::from_str::<Code>("\"SYNC_NOPE\"").is_err());
}
