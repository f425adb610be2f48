//! What the rule checks share: findings, seeded copies of infra/, the crates in functions/, and
//! following a reference to the instance it names.

use std::fmt;
use std::path::{Path, PathBuf};

use e2e_tests::terraform::{
    Expr, Infra, Instance, InstanceKey, Location, Reference, repository_infra_dir,
};

/// One broken rule, with where it is written when known.
#[derive(Debug, Clone)]
pub struct Finding {
    pub at: Option<Location>,
    pub message: String,
}

impl Finding {
    pub fn at(location: &Location, message: impl Into<String>) -> Self {
        Finding {
            at: Some(location.clone()),
            message: message.into(),
        }
    }

    /// A finding whose message already says where (an evaluation error does).
    pub fn from(message: impl ToString) -> Self {
        Finding {
            at: None,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "infra/{at}: {}", self.message),
            // Evaluation errors start with their own "<file>.tf:<line>:".
            None if self
                .message
                .split_once(':')
                .is_some_and(|(file, _)| file.ends_with(".tf")) =>
            {
                write!(f, "infra/{}", self.message)
            }
            None => f.write_str(&self.message),
        }
    }
}

/// Fails the test with every finding, one per line.
#[track_caller]
pub fn assert_clean(rule: &str, findings: &[Finding]) {
    assert!(
        findings.is_empty(),
        "{rule}: {} finding(s) in infra/:\n{}",
        findings.len(),
        findings
            .iter()
            .map(|f| format!("  - {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Fails unless some finding contains `expected`: the seeded defect was caught, and caught for
/// the right reason.
#[track_caller]
pub fn assert_caught(findings: &[Finding], expected: &str) {
    assert!(
        findings.iter().any(|f| f.to_string().contains(expected)),
        "expected a finding containing {expected:?}, got {} finding(s):\n{}",
        findings.len(),
        findings
            .iter()
            .map(|f| format!("  - {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The repository's infra/.
pub fn repository() -> Infra {
    Infra::repository().unwrap_or_else(|err| panic!("infra/ does not load: {err}"))
}

/// The repository's infra/ with seeded defects: each `(file, from, to)` replaces the one
/// occurrence of `from` in `file`. A `from` that is missing or occurs twice fails the test, so a
/// negative test cannot silently stop seeding anything when infra/ changes.
#[track_caller]
pub fn seeded(edits: &[(&str, &str, &str)]) -> Infra {
    let dir = repository_infra_dir();
    let mut sources = read_sources(&dir);
    for (file, from, to) in edits {
        let (_, text) = sources
            .iter_mut()
            .find(|(name, _)| name == file)
            .unwrap_or_else(|| panic!("no infra/{file}"));
        let count = text.matches(from).count();
        assert_eq!(
            count, 1,
            "seeding a defect: {from:?} occurs {count} times in infra/{file}, expected once"
        );
        *text = text.replacen(from, to, 1);
    }
    Infra::from_sources(&dir, sources).unwrap_or_else(|err| panic!("seeded infra: {err}"))
}

/// The repository's infra/ plus one extra file.
pub fn with_extra_file(name: &str, text: &str) -> Infra {
    let dir = repository_infra_dir();
    let mut sources = read_sources(&dir);
    sources.push((name.to_owned(), text.to_owned()));
    Infra::from_sources(&dir, sources).unwrap_or_else(|err| panic!("seeded infra: {err}"))
}

fn read_sources(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("infra/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tf"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).expect("readable .tf");
            (n, text)
        })
        .collect()
}

/// A crate in functions/, as `cargo metadata` describes it.
#[derive(Debug, Clone)]
pub struct FunctionCrate {
    /// Its directory under functions/.
    pub dir_name: String,
    /// Its binary targets (cargo lambda writes target/lambda/<binary>/bootstrap.zip).
    pub binaries: Vec<String>,
    /// Whether it depends directly on lambda_runtime or lambda_http: a Lambda function.
    pub is_lambda: bool,
}

/// The crates in functions/, read with `cargo metadata` (which also knows binaries found by
/// convention, such as src/bin/*.rs).
pub fn function_crates(workspace: &Path) -> Vec<FunctionCrate> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let functions_dir = workspace.join("functions");
    let mut crates = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(package["manifest_path"].as_str().expect("manifest_path"));
        let Some(dir) = manifest.parent() else {
            continue;
        };
        if dir.parent() != Some(functions_dir.as_path()) {
            continue;
        }
        let binaries = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"))
            })
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        let is_lambda = package["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| {
                d["kind"].is_null()
                    && matches!(d["name"].as_str(), Some("lambda_runtime" | "lambda_http"))
            });
        crates.push(FunctionCrate {
            dir_name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            binaries,
            is_lambda,
        });
    }
    crates
}

/// The instance a reference expression names: `aws_lambda_function.function["retrier"].arn`
/// gives that function's `retrier` instance. The index is evaluated in the expression's scope
/// (so `[each.key]` works).
pub fn referenced_instance<'a>(infra: &'a Infra, expr: &Expr<'a>) -> Result<Instance<'a>, String> {
    let reference = expr
        .reference()
        .ok_or_else(|| format!("{}: {} is not a reference", expr.location(), expr.what()))?;
    resolve(infra, &reference, expr)
}

/// The instance `reference` names, its index evaluated in `scope`'s scope.
pub fn resolve<'a>(
    infra: &'a Infra,
    reference: &Reference,
    scope: &Expr<'a>,
) -> Result<Instance<'a>, String> {
    let instances = match (reference.resource(), reference.data()) {
        (Some((kind, name)), _) => infra.instances(kind, name),
        (_, Some((kind, name))) => infra.data_instances(kind, name),
        _ => {
            return Err(format!(
                "{}: {} refers to {}, not a resource",
                scope.location(),
                scope.what(),
                reference.text
            ));
        }
    }
    .map_err(|err| err.to_string())?;
    let Some(index) = &reference.index else {
        return match <[Instance; 1]>::try_from(instances) {
            Ok([only]) => Ok(only),
            Err(_) => Err(format!(
                "{}: {} names a repeated resource without an instance key",
                scope.location(),
                reference.text
            )),
        };
    };
    let key = match scope.eval(index).map_err(|err| err.to_string())? {
        hcl::Value::String(s) => s,
        hcl::Value::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "{}: index `{other}` of {}",
                scope.location(),
                reference.text
            ));
        }
    };
    instances
        .into_iter()
        .find(|i| match i.instance_key() {
            InstanceKey::Key(k) => *k == key,
            InstanceKey::Index(n) => n.to_string() == key,
            InstanceKey::Single => false,
        })
        .ok_or_else(|| {
            format!(
                "{}: {} has no instance {key:?}",
                scope.location(),
                reference.text
            )
        })
}

/// The binary a Lambda function instance deploys: the directory its zip is in
/// (`target/lambda/<binary>/bootstrap.zip`).
pub fn lambda_binary(function: &Instance<'_>) -> Result<String, String> {
    let filename = function
        .expr("filename")
        .and_then(|e| e.string())
        .map_err(|err| err.to_string())?;
    Path::new(&filename)
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            format!(
                "{}: filename {filename:?} has no directory",
                function.address()
            )
        })
}

/// Every instance of every `aws_lambda_function`.
pub fn lambda_functions(infra: &Infra) -> Result<Vec<Instance<'_>>, Finding> {
    let mut all = Vec::new();
    for block in infra.resources_of("aws_lambda_function") {
        all.extend(infra.instances_of(block).map_err(Finding::from)?);
    }
    Ok(all)
}

/// The Lambda function instance deploying `binary`.
pub fn lambda_for_binary<'a>(infra: &'a Infra, binary: &str) -> Result<Instance<'a>, Finding> {
    lambda_functions(infra)?
        .into_iter()
        .find(|f| lambda_binary(f).is_ok_and(|b| b == binary))
        .ok_or_else(|| {
            Finding::from(format!(
                "no aws_lambda_function deploys the {binary} binary"
            ))
        })
}

/// The resource a function's environment variable is read from: the retry queue is whatever
/// `SYNC_RETRY_QUEUE_URL` is set from. Every function must agree.
pub fn resource_behind_env(infra: &Infra, variable: &str) -> Result<(String, String), Finding> {
    let mut found: Option<(String, String)> = None;
    for function in lambda_functions(infra)? {
        let variables = function
            .expr("environment.variables")
            .map_err(Finding::from)?;
        let value = variables.field(variable).map_err(Finding::from)?;
        let reference = value.reference().and_then(|r| {
            r.resource()
                .map(|(kind, name)| (kind.to_owned(), name.to_owned()))
        });
        let Some(resource) = reference else {
            return Err(Finding::at(
                value.location(),
                format!(
                    "{} is not set from a resource attribute: {value}",
                    value.what()
                ),
            ));
        };
        if let Some(previous) = &found
            && *previous != resource
        {
            return Err(Finding::at(
                value.location(),
                format!(
                    "{variable} names {}.{} for one function and {}.{} for another",
                    previous.0, previous.1, resource.0, resource.1
                ),
            ));
        }
        found = Some(resource);
    }
    found.ok_or_else(|| Finding::from(format!("no function sets {variable}")))
}

/// Whether `expr` is exactly `<kind>.<name>.<attribute>` (or `"${...}"` of it).
pub fn refers_to(expr: &Expr<'_>, resource: &(String, String), attributes: &[&str]) -> bool {
    expr.reference().is_some_and(|r| {
        r.resource() == Some((resource.0.as_str(), resource.1.as_str()))
            && r.index.is_none()
            && attributes.iter().any(|a| r.attributes == [*a])
    })
}
