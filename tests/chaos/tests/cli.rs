//! The harness's command line. (Being an integration test also makes `cargo test --workspace`
//! build `target/debug/chaos`, which `scripts/test` then runs at the CI size without a second
//! build.)

use std::process::Command;

fn chaos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chaos"))
}

#[test]
fn help_names_the_sizes_and_the_self_test() {
    let out = chaos().arg("--help").output().expect("run chaos --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--events",
        "--records",
        "--kills",
        "--seed",
        "--tamper",
        "--json",
    ] {
        assert!(help.contains(flag), "--help lists {flag}:\n{help}");
    }
}

#[test]
fn a_bad_argument_is_refused_before_anything_starts() {
    let out = chaos()
        .args(["--tamper", "everything"])
        .output()
        .expect("run chaos");
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tamper"));
}
