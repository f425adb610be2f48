//! Rules 2 and 3: each Lambda function deploys a binary from functions/ the way cargo lambda
//! builds it, and sets exactly the environment the code reads.

use std::collections::BTreeSet;
use std::path::Path;

use e2e_tests::terraform::{Infra, normalize_path};

use super::support::{Finding, FunctionCrate, lambda_binary, lambda_functions};

/// What `cargo lambda build --release --arm64 --output-format zip` produces, and what the
/// functions are built for.
const RUNTIME: &str = "provided.al2023";
const HANDLER: &str = "bootstrap";
const ARCHITECTURE: &str = "arm64";

/// Runtime, handler, architecture and zip path of every function instance; each zip is a
/// binary of a crate in functions/, and every Lambda crate there is deployed.
pub fn check_functions(infra: &Infra, crates: &[FunctionCrate], workspace: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    let functions = match lambda_functions(infra) {
        Ok(functions) => functions,
        Err(finding) => return vec![finding],
    };
    let mut deployed = BTreeSet::new();
    for function in &functions {
        let address = function.address();
        let at = function.location();
        let mut expect_string =
            |path: &str, expected: &str| match function.expr(path).and_then(|e| e.string()) {
                Ok(value) if value == expected => {}
                Ok(value) => findings.push(Finding::at(
                    at,
                    format!("{address}.{path} is {value:?}, expected {expected:?}"),
                )),
                Err(err) => findings.push(Finding::from(err)),
            };
        expect_string("runtime", RUNTIME);
        expect_string("handler", HANDLER);
        match function.expr("architectures").and_then(|e| e.strings()) {
            Ok(archs) if archs == [ARCHITECTURE] => {}
            Ok(archs) => findings.push(Finding::at(
                at,
                format!("{address}.architectures is {archs:?}, expected [{ARCHITECTURE:?}] (the build is --arm64)"),
            )),
            Err(err) => findings.push(Finding::from(err)),
        }
        let filename = match function.expr("filename").and_then(|e| e.string()) {
            Ok(filename) => normalize_path(Path::new(&filename)),
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        let binary = function
            .key()
            .map(str::to_owned)
            .or_else(|| lambda_binary(function).ok())
            .unwrap_or_default();
        let expected = workspace
            .join("target/lambda")
            .join(&binary)
            .join("bootstrap.zip");
        if filename != expected {
            findings.push(Finding::at(
                at,
                format!(
                    "{address}.filename is {}, but cargo lambda writes {}",
                    filename.display(),
                    expected.display()
                ),
            ));
        }
        match crates.iter().find(|c| c.dir_name == binary) {
            Some(krate) if krate.binaries.contains(&binary) => {}
            Some(krate) => findings.push(Finding::at(
                at,
                format!(
                    "{address}: functions/{binary} has no binary named {binary} (it has {:?})",
                    krate.binaries
                ),
            )),
            None => findings.push(Finding::at(
                at,
                format!("{address}: there is no crate functions/{binary}"),
            )),
        }
        deployed.insert(binary);
        // Without the hash of the same file, a rebuilt zip at the same path is never redeployed.
        let hashed = function
            .expr("source_code_hash")
            .and_then(|e| e.call_arguments("filebase64sha256"))
            .map_err(|err| err.to_string())
            .and_then(|args| match args.as_slice() {
                [path] => path.string().map_err(|err| err.to_string()),
                _ => Err(format!(
                    "filebase64sha256 takes one argument, got {}",
                    args.len()
                )),
            });
        match hashed {
            Ok(path) if normalize_path(Path::new(&path)) == filename => {}
            Ok(path) => findings.push(Finding::at(
                at,
                format!(
                    "{address}.source_code_hash hashes {path}, not the deployed {}",
                    filename.display()
                ),
            )),
            Err(err) => findings.push(Finding::at(
                at,
                format!(
                    "{address}.source_code_hash must be filebase64sha256(<the filename>): {err}"
                ),
            )),
        }
    }
    for krate in crates.iter().filter(|c| c.is_lambda) {
        for binary in &krate.binaries {
            if !deployed.contains(binary) {
                findings.push(Finding::from(format!(
                    "functions/{} is a Lambda function (it depends on lambda_runtime or lambda_http), \
                     but no aws_lambda_function deploys its {binary} binary",
                    krate.dir_name
                )));
            }
        }
    }
    findings
}

/// Each function's environment variable names are exactly `expected` (the code's list), which
/// itself names each variable once.
pub fn check_environment(infra: &Infra, expected: &[&str]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    for name in expected {
        if !seen.insert(*name) {
            findings.push(Finding::from(format!(
                "the code's list of environment variables (sync_aws::runtime::env::ALL) names {name} twice"
            )));
        }
    }
    let functions = match lambda_functions(infra) {
        Ok(functions) => functions,
        Err(finding) => return vec![finding],
    };
    if functions.is_empty() {
        findings.push(Finding::from("no aws_lambda_function is declared"));
    }
    for function in &functions {
        let variables = match function.expr("environment.variables") {
            Ok(variables) => variables,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        let names = match variables.keys() {
            Ok(names) => names,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        let at = variables.location();
        let mut set = BTreeSet::new();
        for name in &names {
            if !set.insert(name.as_str()) {
                findings.push(Finding::at(
                    at,
                    format!("{} sets {name} twice", function.address()),
                ));
            }
        }
        for name in set.difference(&seen) {
            findings.push(Finding::at(
                at,
                format!(
                    "{} sets {name}, which the code does not read (sync_aws::runtime::env::ALL)",
                    function.address()
                ),
            ));
        }
        for name in seen.difference(&set) {
            findings.push(Finding::at(
                at,
                format!(
                    "{} does not set {name}, which the code reads (sync_aws::runtime::env::ALL)",
                    function.address()
                ),
            ));
        }
    }
    findings
}

/// The built zips: each exists and its first entry is `bootstrap`; when that entry is stored
/// uncompressed, its ELF header is for the function's architecture.
pub fn check_artifacts(infra: &Infra) -> Vec<Finding> {
    let mut findings = Vec::new();
    let functions = match lambda_functions(infra) {
        Ok(functions) => functions,
        Err(finding) => return vec![finding],
    };
    for function in &functions {
        let (filename, architectures) = match (
            function.expr("filename").and_then(|e| e.string()),
            function.expr("architectures").and_then(|e| e.strings()),
        ) {
            (Ok(f), Ok(a)) => (f, a),
            (Err(err), _) | (_, Err(err)) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        let path = normalize_path(Path::new(&filename));
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => {
                findings.push(Finding::at(
                    function.location(),
                    format!(
                        "{}: {} cannot be read ({err}); build it with scripts/build-lambdas",
                        function.address(),
                        path.display()
                    ),
                ));
                continue;
            }
        };
        let architecture = architectures
            .first()
            .map(String::as_str)
            .unwrap_or_default();
        for problem in zip_problems(&bytes, architecture) {
            findings.push(Finding::at(
                function.location(),
                format!("{}: {}: {problem}", function.address(), path.display()),
            ));
        }
    }
    findings
}

/// ELF machine numbers of the two Lambda architectures.
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// What is wrong with a Lambda zip: its first local file header must name `bootstrap` (what
/// provided.al2023 runs); if that entry is stored (method 0), its data must be an ELF for
/// `architecture`. A deflated entry's machine cannot be read without inflating; not checked.
pub fn zip_problems(bytes: &[u8], architecture: &str) -> Vec<String> {
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    if bytes.get(0..4) != Some(b"PK\x03\x04".as_slice()) {
        return vec!["not a zip: no local file header at the start".to_owned()];
    }
    let (Some(method), Some(name_len), Some(extra_len)) = (u16_at(8), u16_at(26), u16_at(28))
    else {
        return vec!["truncated local file header".to_owned()];
    };
    let name_end = 30 + usize::from(name_len);
    let Some(name) = bytes.get(30..name_end) else {
        return vec!["truncated file name".to_owned()];
    };
    let mut problems = Vec::new();
    if name != b"bootstrap" {
        problems.push(format!(
            "the first entry is {:?}; provided.al2023 runs a file named bootstrap",
            String::from_utf8_lossy(name)
        ));
    }
    if method != 0 {
        return problems;
    }
    let data = name_end + usize::from(extra_len);
    let expected = match architecture {
        "arm64" => EM_AARCH64,
        "x86_64" => EM_X86_64,
        other => {
            problems.push(format!("unknown architecture {other:?}"));
            return problems;
        }
    };
    match bytes.get(data..data + 20) {
        Some(elf) if elf.starts_with(b"\x7fELF") && elf[5] == 1 => {
            let machine = u16::from_le_bytes([elf[18], elf[19]]);
            if machine != expected {
                problems.push(format!(
                    "bootstrap is an ELF for machine {machine}, not {architecture} ({expected})"
                ));
            }
        }
        _ => problems.push("bootstrap is not a little-endian ELF executable".to_owned()),
    }
    problems
}
