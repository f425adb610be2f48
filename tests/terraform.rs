//! Reads the Terraform in `infra/` the way the tests need it, without Terraform.
//!
//! No provider registry is reachable here, so `terraform validate` and `plan` cannot run. The
//! project's own rules (`tests/tests/infra_rules.rs`) and the deployed-shape test
//! (`tests/tests/deployed_shape.rs`) read the settings straight from the `.tf` files instead of
//! repeating them, so a change in `infra/` is checked, and deployed, as written.
//!
//! * [`Infra::load`] parses every `*.tf` file of a directory (a syntax error names its file, line
//!   and column) and indexes the top-level blocks: [`Infra::resource`], [`Infra::data`],
//!   [`Infra::variables`], [`Infra::locals`], [`Infra::outputs`].
//! * [`Infra::instances`] expands a resource's `for_each` or `count` into [`Instance`]s, within
//!   which attributes evaluate with `each.key`, `each.value` and `count.index` bound:
//!   `instance.value("scaling_config.maximum_concurrency")`.
//! * Evaluation uses `hcl::eval` with what a plan would know before any resource exists: the
//!   variables' defaults (`var`), the locals that follow from them (`local`), `path.module` (the
//!   directory loaded) and the Terraform functions the files call. Anything that depends on a
//!   resource (an ARN, a URL) is [`EvalError::Unknown`], never a guess.
//! * [`Expr`] inspects an expression without evaluating all of it: the keys of an object whose
//!   values are unknown ([`Expr::keys`]), the fields of a `jsonencode({...})` argument
//!   ([`Expr::json_argument`]), or which resource a value refers to ([`Expr::reference`]).
//! * [`Infra::reference_sites`] lists every reference in every attribute, with the scope it sits
//!   in, for the "every reference resolves" rule.
//!
//! ```
//! use e2e_tests::terraform::Infra;
//!
//! let infra = Infra::from_sources(
//!     "/srv/infra",
//!     [(
//!         "main.tf",
//!         r#"
//!         variable "timeout" {
//!           type    = number
//!           default = 60
//!         }
//!         locals {
//!           functions = { writer = 29, retrier = var.timeout }
//!           env       = { SYNC_RETRY_QUEUE_URL = aws_sqs_queue.retry.url, RUST_LOG = "info" }
//!         }
//!         resource "aws_sqs_queue" "retry" {
//!           visibility_timeout_seconds = 6 * local.functions.retrier
//!           redrive_policy = jsonencode({
//!             deadLetterTargetArn = aws_sqs_queue.dlq.arn
//!             maxReceiveCount     = 5
//!           })
//!         }
//!         resource "aws_sqs_queue" "dlq" {}
//!         resource "aws_lambda_function" "function" {
//!           for_each = local.functions
//!           timeout  = each.value
//!           filename = "${path.module}/../target/lambda/${each.key}/bootstrap.zip"
//!           environment {
//!             variables = local.env
//!           }
//!         }
//!         "#,
//!     )],
//! )?;
//!
//! let retry = infra.instance("aws_sqs_queue", "retry", None)?;
//! assert_eq!(retry.expr("visibility_timeout_seconds")?.integer()?, 360);
//! let policy = retry.expr("redrive_policy")?.json_argument()?;
//! assert_eq!(policy.field("maxReceiveCount")?.integer()?, 5);
//! let dlq = policy.field("deadLetterTargetArn")?.reference().expect("a reference");
//! assert_eq!(dlq.resource(), Some(("aws_sqs_queue", "dlq")));
//! assert!(policy.field("deadLetterTargetArn")?.value().unwrap_err().is_unknown());
//! let retrier = infra.instance("aws_lambda_function", "function", Some("retrier"))?;
//! assert_eq!(retrier.value("timeout")?, hcl::Value::from(60));
//!
//! for function in infra.instances("aws_lambda_function", "function")? {
//!     let names = function.expr("environment.variables")?.keys()?;
//!     assert_eq!(names, ["SYNC_RETRY_QUEUE_URL", "RUST_LOG"]);
//!     let zip = function.expr("filename")?.string()?;
//!     assert!(zip.ends_with(&format!("/{}/bootstrap.zip", function.key().unwrap())));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod eval;
mod functions;
mod references;
pub mod schedule;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use hcl::edit::Span;

pub use eval::{EvalError, Expr, Instance, InstanceKey};
pub use functions::{BUILTIN_FUNCTIONS, is_builtin_function};
pub use references::{Reference, ReferenceSite, Target};

/// Where a block or attribute is written: the file name inside the loaded directory and the
/// one-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// File name, e.g. `lambda.tf`.
    pub file: String,
    /// One-based line number.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One attribute (`name = expression`) with where it is written.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its expression, unevaluated.
    pub expr: hcl::Expression,
    /// Where it is written.
    pub location: Location,
}

/// One block (`resource "aws_sqs_queue" "retry" { ... }`, or a nested `scaling_config { ... }`),
/// with its attributes and nested blocks in source order.
#[derive(Debug, Clone)]
pub struct Block {
    /// The block type: `resource`, `data`, `variable`, or a nested block's name.
    pub kind: String,
    /// The labels: `["aws_sqs_queue", "retry"]` for a resource.
    pub labels: Vec<String>,
    /// Attributes in source order.
    pub attributes: Vec<Attribute>,
    /// Nested blocks in source order.
    pub blocks: Vec<Block>,
    /// Where the block starts.
    pub location: Location,
}

impl Block {
    /// The attribute called `name`, if set.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested blocks of type `kind`, in source order.
    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// The address Terraform would print: `aws_sqs_queue.retry`, `data.aws_iam_policy_document.x`,
    /// `var.region`, `output.table_name`, `module.x`; other blocks by type and labels.
    pub fn address(&self) -> String {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [kind, name]) => format!("{kind}.{name}"),
            ("data", [kind, name]) => format!("data.{kind}.{name}"),
            ("variable", [name]) => format!("var.{name}"),
            ("output", [name]) => format!("output.{name}"),
            ("module", [name]) => format!("module.{name}"),
            (kind, labels) => std::iter::once(kind.to_owned())
                .chain(labels.iter().cloned())
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// Whether the block repeats with `for_each` (so `each` is in scope inside it).
    pub fn has_for_each(&self) -> bool {
        self.attribute("for_each").is_some()
    }

    /// Whether the block repeats with `count` (so `count.index` is in scope inside it).
    pub fn has_count(&self) -> bool {
        self.attribute("count").is_some()
    }
}

/// `infra/` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// A file or the directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not valid HCL.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file name.
        file: String,
        /// One-based line.
        line: usize,
        /// One-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// Two blocks or locals share an address, which Terraform refuses.
    #[error("{address} is declared twice: at {first} and at {second}")]
    Duplicate {
        /// The address, e.g. `aws_sqs_queue.retry` or `local.tags`.
        address: String,
        /// The first declaration.
        first: Location,
        /// The second one.
        second: Location,
    },
    /// A variable's default is not a constant value.
    #[error("{location}: the default of {address} does not evaluate: {message}")]
    Default {
        /// `var.<name>`.
        address: String,
        /// Where the variable is declared.
        location: Location,
        /// Why.
        message: String,
    },
    /// The directory holds no `*.tf` file.
    #[error("no *.tf file in {0}")]
    Empty(PathBuf),
}

/// What a local evaluates to before anything is created.
#[derive(Debug, Clone)]
enum LocalState {
    Known,
    /// Depends on these unknown values (resources, data sources, unknown locals).
    Unknown(Vec<String>),
    /// Could not be evaluated for another reason (a type error, an undeclared name).
    Failed(String),
}

/// A parsed Terraform root module: its blocks, and what can be evaluated of it offline.
#[derive(Debug)]
pub struct Infra {
    module_dir: PathBuf,
    blocks: Vec<Block>,
    locals: BTreeMap<String, Attribute>,
    variables: BTreeMap<String, Option<hcl::Value>>,
    local_states: BTreeMap<String, LocalState>,
    context: hcl::eval::Context<'static>,
}

impl Infra {
    /// The repository's `infra/` (the workspace root is the parent of this crate's directory).
    pub fn repository() -> Result<Infra, InfraError> {
        Infra::load(repository_infra_dir())
    }

    /// Parses every `*.tf` file in `dir` (not recursive, as Terraform reads a module), in file
    /// name order.
    pub fn load(dir: impl AsRef<Path>) -> Result<Infra, InfraError> {
        let dir = dir.as_ref();
        let io = |source| InfraError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tf") && entry.path().is_file() {
                names.push(name);
            }
        }
        names.sort();
        let mut sources = Vec::with_capacity(names.len());
        for name in names {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).map_err(|source| InfraError::Io {
                path: path.clone(),
                source,
            })?;
            sources.push((name, text));
        }
        if sources.is_empty() {
            return Err(InfraError::Empty(dir.to_owned()));
        }
        Infra::from_sources(dir, sources)
    }

    /// Parses the given `(file name, text)` pairs as one module whose `path.module` is
    /// `module_dir`. Tests use it to check a rule against a seeded defect without writing files.
    pub fn from_sources<N, T>(
        module_dir: impl AsRef<Path>,
        sources: impl IntoIterator<Item = (N, T)>,
    ) -> Result<Infra, InfraError>
    where
        N: Into<String>,
        T: AsRef<str>,
    {
        let mut blocks = Vec::new();
        for (name, text) in sources {
            let name = name.into();
            blocks.extend(parse_file(&name, text.as_ref())?);
        }
        let locals = index_locals(&blocks)?;
        check_unique_addresses(&blocks)?;
        let variables = variable_defaults(&blocks)?;
        let module_dir = module_dir.as_ref().to_owned();
        let context = eval::base_context(&module_dir, &variables);
        let mut infra = Infra {
            module_dir,
            blocks,
            locals,
            variables,
            local_states: BTreeMap::new(),
            context,
        };
        infra.evaluate_locals();
        Ok(infra)
    }

    /// The directory loaded (`path.module`).
    pub fn module_dir(&self) -> &Path {
        &self.module_dir
    }

    /// Every top-level block, file by file in name order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The `resource "kind" "name"` block.
    pub fn resource(&self, kind: &str, name: &str) -> Option<&Block> {
        self.labelled("resource", kind, name)
    }

    /// The `data "kind" "name"` block.
    pub fn data(&self, kind: &str, name: &str) -> Option<&Block> {
        self.labelled("data", kind, name)
    }

    /// Every `resource` block.
    pub fn resources(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind == "resource")
    }

    /// Every `resource` block of one type, e.g. all `aws_sqs_queue`s.
    pub fn resources_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.resources().filter(move |b| b.labels[0] == kind)
    }

    /// Every `data` block of one type.
    pub fn data_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks
            .iter()
            .filter(move |b| b.kind == "data" && b.labels[0] == kind)
    }

    /// Variables by name, with their default: `None` when the variable has none (a required
    /// input), `Some(Value::Null)` for `default = null`.
    pub fn variables(&self) -> &BTreeMap<String, Option<hcl::Value>> {
        &self.variables
    }

    /// Locals by name, from every `locals` block.
    pub fn locals(&self) -> &BTreeMap<String, Attribute> {
        &self.locals
    }

    /// Every `output` block.
    pub fn outputs(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind == "output")
    }

    /// The expression of `local.<name>`, to evaluate or inspect.
    pub fn local(&self, name: &str) -> Option<Expr<'_>> {
        self.locals
            .get(name)
            .map(|attr| Expr::module(self, &attr.expr, &attr.location, format!("local.{name}")))
    }

    /// An arbitrary expression evaluated at module level (no `each`, no `count`).
    pub fn expr<'a>(&'a self, expr: &'a hcl::Expression, location: &Location) -> Expr<'a> {
        Expr::module(self, expr, location, "expression".to_owned())
    }

    /// The instances of `resource "kind" "name"`: one per `for_each` key or `count` index, or
    /// just one.
    pub fn instances(&self, kind: &str, name: &str) -> Result<Vec<Instance<'_>>, EvalError> {
        let block = self
            .resource(kind, name)
            .ok_or_else(|| EvalError::Missing {
                what: format!("{kind}.{name}"),
            })?;
        self.instances_of(block)
    }

    /// One instance of `resource "kind" "name"`: the `for_each` key `key`, or the only
    /// instance when `key` is `None` and the resource does not repeat.
    pub fn instance(
        &self,
        kind: &str,
        name: &str,
        key: Option<&str>,
    ) -> Result<Instance<'_>, EvalError> {
        let mut instances = self.instances(kind, name)?;
        let position = match key {
            Some(key) => instances.iter().position(|i| i.key() == Some(key)),
            None => (instances.len() == 1 && instances[0].key().is_none()).then_some(0),
        };
        match position {
            Some(position) => Ok(instances.swap_remove(position)),
            None => Err(EvalError::Missing {
                what: match key {
                    Some(key) => format!("{kind}.{name}[{key:?}]"),
                    None => format!("{kind}.{name} as a single instance"),
                },
            }),
        }
    }

    /// The instances of `data "kind" "name"`.
    pub fn data_instances(&self, kind: &str, name: &str) -> Result<Vec<Instance<'_>>, EvalError> {
        let block = self.data(kind, name).ok_or_else(|| EvalError::Missing {
            what: format!("data.{kind}.{name}"),
        })?;
        self.instances_of(block)
    }

    /// The instances of any top-level block (resource, data source or module call).
    pub fn instances_of<'a>(&'a self, block: &'a Block) -> Result<Vec<Instance<'a>>, EvalError> {
        Instance::expand(self, block)
    }

    /// Every reference in every attribute of every block, with the scope it is written in.
    pub fn reference_sites(&self) -> Vec<ReferenceSite<'_>> {
        references::sites(self)
    }

    /// Every function call in every attribute (type constraints excepted), with where it is
    /// written.
    pub fn function_calls(&self) -> Vec<(Location, String)> {
        references::calls(self)
    }

    fn labelled(&self, block_kind: &str, kind: &str, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| {
            b.kind == block_kind
                && b.labels.len() == 2
                && b.labels[0] == kind
                && b.labels[1] == name
        })
    }

    /// Evaluates locals until no more can be: locals may refer to each other in any order.
    fn evaluate_locals(&mut self) {
        let mut known: hcl::Map<String, hcl::Value> = hcl::Map::new();
        loop {
            let mut progressed = false;
            for (name, attr) in &self.locals {
                if known.contains_key(name) {
                    continue;
                }
                let mut ctx = self.context.clone();
                ctx.declare_var("local", hcl::Value::Object(known.clone()));
                if let Ok(value) = hcl::eval::Evaluate::evaluate(&attr.expr, &ctx) {
                    known.insert(name.clone(), value);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        self.context
            .declare_var("local", hcl::Value::Object(known.clone()));
        let mut states: BTreeMap<String, LocalState> = known
            .into_iter()
            .map(|(k, _)| (k, LocalState::Known))
            .collect();
        // What is left depends on something unknown (directly, or through another local), or
        // is wrong. Mark the unknown ones until nothing changes; the rest failed.
        loop {
            let mut progressed = false;
            for (name, attr) in &self.locals {
                if states.contains_key(name) {
                    continue;
                }
                let unknown = self.unknown_inputs(&attr.expr, &states);
                if !unknown.is_empty() {
                    states.insert(name.clone(), LocalState::Unknown(unknown));
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        for (name, attr) in &self.locals {
            if !states.contains_key(name) {
                let message = match hcl::eval::Evaluate::evaluate(&attr.expr, &self.context) {
                    Ok(_) => "depends on a local that could not be evaluated".to_owned(),
                    Err(err) => err.to_string(),
                };
                states.insert(name.clone(), LocalState::Failed(message));
            }
        }
        self.local_states = states;
    }

    /// The references and calls in `expr` whose values nobody knows before `apply`.
    fn unknown_inputs(
        &self,
        expr: &hcl::Expression,
        states: &BTreeMap<String, LocalState>,
    ) -> Vec<String> {
        let uses = references::uses(expr);
        let mut unknown = Vec::new();
        for reference in &uses.references {
            match &reference.target {
                Target::Resource { .. } | Target::Data { .. } | Target::Module(_) => {
                    unknown.push(reference.text.clone());
                }
                Target::Local(name) => {
                    if let Some(LocalState::Unknown(inputs)) = states.get(name) {
                        unknown.push(format!("local.{name} ({})", inputs.join(", ")));
                    }
                }
                Target::Variable(name) => {
                    if let Some(None) = self.variables.get(name) {
                        unknown.push(format!("var.{name} (no default)"));
                    }
                }
                _ => {}
            }
        }
        for call in &uses.functions {
            if is_builtin_function(call) && !functions::EVALUATED.contains(&call.as_str()) {
                unknown.push(format!("{call}(...), which is not evaluated offline"));
            }
        }
        unknown.dedup();
        unknown
    }
}

/// The repository's `infra/` directory.
pub fn repository_infra_dir() -> PathBuf {
    workspace_root().join("infra")
}

/// The workspace root: the parent of this crate's directory (`tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// Resolves `.` and `..` in a path without touching the file system (the file may not exist
/// yet: a zip is built after Terraform is written).
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn parse_file(name: &str, text: &str) -> Result<Vec<Block>, InfraError> {
    let body = hcl::edit::parser::parse_body(text).map_err(|err| InfraError::Parse {
        file: name.to_owned(),
        line: err.location().line(),
        column: err.location().column(),
        message: err.message().to_owned(),
    })?;
    let lines = LineIndex::new(text);
    let mut blocks = Vec::new();
    for structure in body.iter() {
        match structure {
            hcl::edit::structure::Structure::Block(block) => {
                blocks.push(convert_block(block, name, &lines));
            }
            hcl::edit::structure::Structure::Attribute(attr) => {
                // Terraform allows no top-level attribute; say where it is.
                return Err(InfraError::Parse {
                    file: name.to_owned(),
                    line: lines.line_of(attr.span()),
                    column: 1,
                    message: format!(
                        "unexpected top-level attribute `{}`: Terraform expects blocks",
                        attr.key.as_str()
                    ),
                });
            }
        }
    }
    Ok(blocks)
}

fn convert_block(block: &hcl::edit::structure::Block, file: &str, lines: &LineIndex) -> Block {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for structure in block.body.iter() {
        match structure {
            hcl::edit::structure::Structure::Attribute(attr) => attributes.push(Attribute {
                name: attr.key.as_str().to_owned(),
                expr: hcl::Expression::from(attr.value.clone()),
                location: Location {
                    file: file.to_owned(),
                    line: lines.line_of(attr.span()),
                },
            }),
            hcl::edit::structure::Structure::Block(nested) => {
                blocks.push(convert_block(nested, file, lines));
            }
        }
    }
    Block {
        kind: block.ident.as_str().to_owned(),
        labels: block.labels.iter().map(|l| l.as_str().to_owned()).collect(),
        attributes,
        blocks,
        location: Location {
            file: file.to_owned(),
            line: lines.line_of(block.span()),
        },
    }
}

/// Byte offset -> line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line_of(&self, span: Option<std::ops::Range<usize>>) -> usize {
        let offset = span.map_or(0, |s| s.start);
        self.starts.partition_point(|&start| start <= offset)
    }
}

fn index_locals(blocks: &[Block]) -> Result<BTreeMap<String, Attribute>, InfraError> {
    let mut locals: BTreeMap<String, Attribute> = BTreeMap::new();
    for block in blocks.iter().filter(|b| b.kind == "locals") {
        for attr in &block.attributes {
            if let Some(first) = locals.get(&attr.name) {
                return Err(InfraError::Duplicate {
                    address: format!("local.{}", attr.name),
                    first: first.location.clone(),
                    second: attr.location.clone(),
                });
            }
            locals.insert(attr.name.clone(), attr.clone());
        }
    }
    Ok(locals)
}

fn check_unique_addresses(blocks: &[Block]) -> Result<(), InfraError> {
    let mut seen: BTreeMap<String, &Location> = BTreeMap::new();
    for block in blocks {
        if !matches!(
            block.kind.as_str(),
            "resource" | "data" | "variable" | "output" | "module"
        ) {
            continue;
        }
        let address = block.address();
        if let Some(first) = seen.get(&address) {
            return Err(InfraError::Duplicate {
                address,
                first: (*first).clone(),
                second: block.location.clone(),
            });
        }
        seen.insert(address, &block.location);
    }
    Ok(())
}

/// Variable defaults are constants in Terraform, so they evaluate without any context beyond
/// the functions.
fn variable_defaults(blocks: &[Block]) -> Result<BTreeMap<String, Option<hcl::Value>>, InfraError> {
    let ctx = eval::functions_only_context();
    let mut defaults = BTreeMap::new();
    for block in blocks
        .iter()
        .filter(|b| b.kind == "variable" && b.labels.len() == 1)
    {
        let default =
            match block.attribute("default") {
                None => None,
                Some(attr) => Some(hcl::eval::Evaluate::evaluate(&attr.expr, &ctx).map_err(
                    |err| InfraError::Default {
                        address: block.address(),
                        location: attr.location.clone(),
                        message: err.to_string(),
                    },
                )?),
            };
        defaults.insert(block.labels[0].clone(), default);
    }
    Ok(defaults)
}
