//! Evaluating what a plan would know before anything exists, and inspecting what it would not.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use hcl::eval::{Context, Evaluate};
use hcl::{Expression, ObjectKey, TraversalOperator, Value};

use super::references::{self, Reference, Target};
use super::{Block, Infra, LocalState, Location, functions};

/// Why an expression has no value here.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EvalError {
    /// It depends on something only `apply` knows: a resource attribute, a data source, or a
    /// local built from one. Not a defect; the caller asked for the wrong thing or must inspect
    /// the expression instead (see [`Expr::reference`], [`Expr::keys`]).
    #[error("{location}: {what} is unknown before apply: it depends on {}", depends_on.join(", "))]
    Unknown {
        /// What was evaluated, e.g. `aws_lambda_function.function["writer"].role`.
        what: String,
        /// Where it is written.
        location: Location,
        /// The unknown references (`aws_sqs_queue.retry.url`, ...).
        depends_on: Vec<String>,
    },
    /// It does not evaluate: a type error, an undeclared name, a function refusing its
    /// arguments. Terraform would refuse it too.
    #[error("{location}: {what} does not evaluate: {message}")]
    Failed {
        /// What was evaluated.
        what: String,
        /// Where it is written.
        location: Location,
        /// The evaluator's message.
        message: String,
    },
    /// The block asked for is not declared.
    #[error("{what} is not declared")]
    Missing {
        /// The address asked for.
        what: String,
    },
    /// The attribute or nested block asked for is not set.
    #[error("{location}: {what} is not set")]
    NotSet {
        /// The attribute path asked for.
        what: String,
        /// The block it was looked for in.
        location: Location,
    },
    /// It is not the shape asked for (an object, a `jsonencode(...)` call, one nested block).
    #[error("{location}: {what} is not {expected}: {found}")]
    Shape {
        /// What was inspected.
        what: String,
        /// Where it is written.
        location: Location,
        /// What the caller expected.
        expected: &'static str,
        /// What it is.
        found: String,
    },
}

impl EvalError {
    /// Whether this is [`EvalError::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, EvalError::Unknown { .. })
    }
}

/// `each` and `count` as bound inside one instance of a repeated block.
#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    each: Option<(Value, Value)>,
    count_index: Option<u64>,
}

/// Which instance of a block this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceKey {
    /// The block has neither `for_each` nor `count`.
    Single,
    /// A `for_each` key (`each.key`).
    Key(String),
    /// A `count` index (`count.index`).
    Index(u64),
}

/// One instance of a resource, data source or nested block, with `each`/`count` bound, so its
/// attributes evaluate as Terraform would evaluate them for that instance.
#[derive(Debug, Clone)]
pub struct Instance<'a> {
    infra: &'a Infra,
    block: &'a Block,
    key: InstanceKey,
    scope: Scope,
    address: String,
}

impl<'a> Instance<'a> {
    pub(super) fn expand(infra: &'a Infra, block: &'a Block) -> Result<Vec<Self>, EvalError> {
        let base = block.address();
        let instance = |key: InstanceKey, scope: Scope| {
            let address = match &key {
                InstanceKey::Single => base.clone(),
                InstanceKey::Key(k) => format!("{base}[{k:?}]"),
                InstanceKey::Index(i) => format!("{base}[{i}]"),
            };
            Instance {
                infra,
                block,
                key,
                scope,
                address,
            }
        };
        if let Some(attr) = block.attribute("for_each") {
            let expr = Expr::module(
                infra,
                &attr.expr,
                &attr.location,
                format!("{base}.for_each"),
            );
            let pairs: Vec<(String, Value)> = match expr.value()? {
                Value::Object(object) => object.into_iter().collect(),
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(s) => Ok((s.clone(), Value::String(s))),
                        other => Err(expr.shape("a map or a set of strings", &other)),
                    })
                    .collect::<Result<_, _>>()?,
                other => return Err(expr.shape("a map or a set of strings", &other)),
            };
            return Ok(pairs
                .into_iter()
                .map(|(key, value)| {
                    let scope = Scope {
                        each: Some((Value::String(key.clone()), value)),
                        count_index: None,
                    };
                    instance(InstanceKey::Key(key), scope)
                })
                .collect());
        }
        if let Some(attr) = block.attribute("count") {
            let expr = Expr::module(infra, &attr.expr, &attr.location, format!("{base}.count"));
            let count = expr.integer()?;
            let count = u64::try_from(count).map_err(|_| expr.shape("a count >= 0", &count))?;
            return Ok((0..count)
                .map(|i| {
                    let scope = Scope {
                        each: None,
                        count_index: Some(i),
                    };
                    instance(InstanceKey::Index(i), scope)
                })
                .collect());
        }
        Ok(vec![instance(InstanceKey::Single, Scope::default())])
    }

    /// The `for_each` key (`each.key`), if the block has `for_each`.
    pub fn key(&self) -> Option<&str> {
        match &self.key {
            InstanceKey::Key(k) => Some(k),
            _ => None,
        }
    }

    /// Which instance this is.
    pub fn instance_key(&self) -> &InstanceKey {
        &self.key
    }

    /// `each.value`, if the block has `for_each`.
    pub fn each_value(&self) -> Option<&Value> {
        self.scope.each.as_ref().map(|(_, v)| v)
    }

    /// The block (for a nested view, the nested block).
    pub fn block(&self) -> &'a Block {
        self.block
    }

    /// The address, e.g. `aws_lambda_function.function["writer"]` or
    /// `aws_lambda_event_source_mapping.retry_queue.scaling_config`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Where the block is written.
    pub fn location(&self) -> &'a Location {
        &self.block.location
    }

    /// The attribute `name` of this block, if set.
    pub fn attr(&self, name: &str) -> Option<Expr<'a>> {
        self.block.attribute(name).map(|attr| Expr {
            infra: self.infra,
            expr: Cow::Borrowed(&attr.expr),
            scope: self.scope.clone(),
            location: attr.location.clone(),
            what: format!("{}.{name}", self.address),
        })
    }

    /// The attribute at `path`: nested block names then the attribute, e.g.
    /// `scaling_config.maximum_concurrency` or `environment.variables`. Each nested block on
    /// the way must occur exactly once.
    pub fn expr(&self, path: &str) -> Result<Expr<'a>, EvalError> {
        let mut segments: Vec<&str> = path.split('.').collect();
        let last = segments.pop().unwrap_or_default();
        let mut view = self.clone();
        for segment in segments {
            view = view.nested(segment)?;
        }
        view.attr(last).ok_or_else(|| EvalError::NotSet {
            what: format!("{}.{last}", view.address),
            location: view.block.location.clone(),
        })
    }

    /// The value of the attribute at `path` (see [`Instance::expr`]).
    pub fn value(&self, path: &str) -> Result<Value, EvalError> {
        self.expr(path)?.value()
    }

    /// Whether the attribute at `path` is written (whatever its value).
    pub fn has(&self, path: &str) -> bool {
        self.expr(path).is_ok()
    }

    /// The one nested block of type `kind` (e.g. `scaling_config`), in this instance's scope.
    pub fn nested(&self, kind: &str) -> Result<Instance<'a>, EvalError> {
        let mut found = self.nested_all(kind);
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(EvalError::NotSet {
                what: format!("{}.{kind}", self.address),
                location: self.block.location.clone(),
            }),
            n => Err(EvalError::Shape {
                what: format!("{}.{kind}", self.address),
                location: self.block.location.clone(),
                expected: "one block",
                found: format!("{n} blocks"),
            }),
        }
    }

    /// Every nested block of type `kind` (e.g. each `statement`), in this instance's scope.
    /// `dynamic` blocks are not expanded.
    pub fn nested_all(&self, kind: &str) -> Vec<Instance<'a>> {
        let blocks: Vec<&'a Block> = self
            .block
            .blocks
            .iter()
            .filter(|b| b.kind == kind)
            .collect();
        let many = blocks.len() > 1;
        blocks
            .into_iter()
            .enumerate()
            .map(|(i, block)| Instance {
                infra: self.infra,
                block,
                key: self.key.clone(),
                scope: self.scope.clone(),
                address: if many {
                    format!("{}.{kind}[{i}]", self.address)
                } else {
                    format!("{}.{kind}", self.address)
                },
            })
            .collect()
    }

    /// Evaluates any expression (e.g. an index taken from a [`Reference`]) in this instance's
    /// scope.
    pub fn eval(&self, expr: &Expression) -> Result<Value, EvalError> {
        Expr {
            infra: self.infra,
            expr: Cow::Owned(expr.clone()),
            scope: self.scope.clone(),
            location: self.block.location.clone(),
            what: format!("{} in {}", format_expr(expr), self.address),
        }
        .value()
    }
}

/// An expression with the scope it is written in: evaluate it, or look inside it without
/// evaluating what cannot be known.
#[derive(Debug, Clone)]
pub struct Expr<'a> {
    infra: &'a Infra,
    expr: Cow<'a, Expression>,
    scope: Scope,
    location: Location,
    what: String,
}

impl fmt::Display for Expr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_expr(&self.expr))
    }
}

impl<'a> Expr<'a> {
    pub(super) fn module(
        infra: &'a Infra,
        expr: &'a Expression,
        location: &Location,
        what: String,
    ) -> Self {
        Expr {
            infra,
            expr: Cow::Borrowed(expr),
            scope: Scope::default(),
            location: location.clone(),
            what,
        }
    }

    /// The expression as written.
    pub fn raw(&self) -> &Expression {
        &self.expr
    }

    /// What this is, for messages: `aws_sqs_queue.retry.redrive_policy.maxReceiveCount`.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Where it is written.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Its value, or why there is none: [`EvalError::Unknown`] when it depends on a resource.
    pub fn value(&self) -> Result<Value, EvalError> {
        let ctx = self.context();
        match self.expr.evaluate(&ctx) {
            Ok(value) => Ok(value),
            Err(err) => Err(self.explain(&err)),
        }
    }

    /// Its value, which must be a string.
    pub fn string(&self) -> Result<String, EvalError> {
        match self.value()? {
            Value::String(s) => Ok(s),
            other => Err(self.shape("a string", &other)),
        }
    }

    /// Its value, which must be a whole number.
    pub fn integer(&self) -> Result<i64, EvalError> {
        let value = self.value()?;
        value
            .as_number()
            .and_then(|n| n.as_i64())
            .ok_or_else(|| self.shape("a whole number", &value))
    }

    /// Its value, which must be a boolean.
    pub fn boolean(&self) -> Result<bool, EvalError> {
        match self.value()? {
            Value::Bool(b) => Ok(b),
            other => Err(self.shape("a boolean", &other)),
        }
    }

    /// Its value, which must be a list of strings.
    pub fn strings(&self) -> Result<Vec<String>, EvalError> {
        let value = self.value()?;
        value
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| self.shape("a list of strings", &value))
    }

    /// Evaluates another expression (an index from a [`Reference`], say) in this scope.
    pub fn eval(&self, expr: &Expression) -> Result<Value, EvalError> {
        self.derived(
            Cow::Owned(expr.clone()),
            format!("{} in {}", format_expr(expr), self.what),
        )
        .value()
    }

    /// The keys of an object, without evaluating its values (which may be unknown). Follows
    /// `local.<name>` to the local's expression: `local.function_environment` gives the names
    /// of the environment variables even though their values are ARNs and URLs.
    pub fn keys(&self) -> Result<Vec<String>, EvalError> {
        Ok(self.entries()?.into_iter().map(|(k, _)| k).collect())
    }

    /// The keys and value expressions of an object, in source order, without evaluating the
    /// values. Follows `local.<name>`; an expression that is not an object literal must
    /// evaluate to an object.
    pub fn entries(&self) -> Result<Vec<(String, Expr<'a>)>, EvalError> {
        let target = self.resolved();
        let Expression::Object(object) = target.expr.as_ref() else {
            let value = target.value()?;
            let Value::Object(object) = value else {
                return Err(target.shape("an object", &value));
            };
            return Ok(object
                .into_iter()
                .map(|(key, value)| {
                    let what = format!("{}.{key}", target.what);
                    (
                        key,
                        target.derived(Cow::Owned(Expression::from(value)), what),
                    )
                })
                .collect());
        };
        let mut entries = Vec::with_capacity(object.len());
        for index in 0..object.len() {
            let key = match object.iter().nth(index).map(|(k, _)| k) {
                Some(ObjectKey::Identifier(ident)) => ident.to_string(),
                Some(ObjectKey::Expression(key)) => match target.eval(key)? {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => return Err(target.shape("an object key", &other)),
                },
                Some(_) | None => continue,
            };
            let what = format!("{}.{key}", target.what);
            let child = target.child(
                |e| match e {
                    Expression::Object(o) => o.iter().nth(index).map(|(_, v)| v),
                    _ => None,
                },
                what,
            );
            if let Some(child) = child {
                entries.push((key, child));
            }
        }
        Ok(entries)
    }

    /// The value expression of the object key `name` (see [`Expr::entries`]).
    pub fn field(&self, name: &str) -> Result<Expr<'a>, EvalError> {
        self.entries()?
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .ok_or_else(|| EvalError::NotSet {
                what: format!("{}.{name}", self.what),
                location: self.location.clone(),
            })
    }

    /// The elements of a list, without evaluating them. Follows `local.<name>`; an expression
    /// that is not a list literal must evaluate to a list.
    pub fn elements(&self) -> Result<Vec<Expr<'a>>, EvalError> {
        let target = self.resolved();
        let Expression::Array(items) = target.expr.as_ref() else {
            let value = target.value()?;
            let Value::Array(items) = value else {
                return Err(target.shape("a list", &value));
            };
            return Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    let what = format!("{}[{i}]", target.what);
                    target.derived(Cow::Owned(Expression::from(item)), what)
                })
                .collect());
        };
        Ok((0..items.len())
            .filter_map(|i| {
                target.child(
                    |e| match e {
                        Expression::Array(items) => items.get(i),
                        _ => None,
                    },
                    format!("{}[{i}]", target.what),
                )
            })
            .collect())
    }

    /// The arguments of a call to `function` (e.g. `jsonencode`), unevaluated.
    pub fn call_arguments(&self, function: &str) -> Result<Vec<Expr<'a>>, EvalError> {
        let target = self.resolved();
        let Expression::FuncCall(call) = target.expr.as_ref() else {
            return Err(target.shape_of_expr("a call"));
        };
        if call.name.is_namespaced() || call.name.name.as_str() != function {
            return Err(target.shape_of_expr("a call"));
        }
        Ok((0..call.args.len())
            .filter_map(|i| {
                target.child(
                    |e| match e {
                        Expression::FuncCall(call) => call.args.get(i),
                        _ => None,
                    },
                    format!("{}({function} argument {i})", target.what),
                )
            })
            .collect())
    }

    /// The argument of `jsonencode(...)`, e.g. the object of a `redrive_policy`, to read its
    /// fields with [`Expr::field`] without evaluating the ARNs beside them.
    pub fn json_argument(&self) -> Result<Expr<'a>, EvalError> {
        let mut args = self.call_arguments("jsonencode")?;
        if args.len() != 1 {
            return Err(self.shape_of_expr("jsonencode(...) with one argument"));
        }
        Ok(args.remove(0))
    }

    /// The reference this expression is, if it is nothing but one (`aws_sqs_queue.retry.arn`,
    /// or `"${aws_sqs_queue.retry.arn}"`).
    pub fn reference(&self) -> Option<Reference> {
        references::single(&self.expr)
    }

    /// Every reference anywhere in the expression, including inside templates and heredocs;
    /// for-expression variables are left out.
    pub fn references(&self) -> Vec<Reference> {
        references::uses(&self.expr).references
    }

    fn context(&self) -> Context<'static> {
        let mut ctx = self.infra.context.clone();
        if let Some((key, value)) = &self.scope.each {
            let mut each = hcl::Map::new();
            each.insert("key".to_owned(), key.clone());
            each.insert("value".to_owned(), value.clone());
            ctx.declare_var("each", Value::Object(each));
        }
        if let Some(index) = self.scope.count_index {
            let mut count = hcl::Map::new();
            count.insert("index".to_owned(), Value::from(index));
            ctx.declare_var("count", Value::Object(count));
        }
        ctx
    }

    /// Turns an evaluation error into Unknown when the expression depends on something unknown,
    /// and otherwise says which local failed, if one did.
    fn explain(&self, err: &hcl::eval::Error) -> EvalError {
        let depends_on = self
            .infra
            .unknown_inputs(&self.expr, &self.infra.local_states);
        if !depends_on.is_empty() {
            return EvalError::Unknown {
                what: self.what.clone(),
                location: self.location.clone(),
                depends_on,
            };
        }
        for reference in references::uses(&self.expr).references {
            if let Target::Local(name) = &reference.target
                && let Some(LocalState::Failed(message)) = self.infra.local_states.get(name)
            {
                return EvalError::Failed {
                    what: self.what.clone(),
                    location: self.location.clone(),
                    message: format!("local.{name} does not evaluate: {message}"),
                };
            }
        }
        EvalError::Failed {
            what: self.what.clone(),
            location: self.location.clone(),
            message: err.to_string(),
        }
    }

    /// Follows parentheses, `"${x}"` and plain `local.<name>` references to the expression that
    /// gives the value.
    fn resolved(&self) -> Expr<'a> {
        let mut current = self.clone();
        for _ in 0..32 {
            match current.expr.as_ref() {
                Expression::Parenthesis(_) => {
                    let what = current.what.clone();
                    match current.child(
                        |e| match e {
                            Expression::Parenthesis(inner) => Some(inner.as_ref()),
                            _ => None,
                        },
                        what,
                    ) {
                        Some(next) => current = next,
                        None => return current,
                    }
                }
                Expression::Traversal(traversal) => {
                    let local = match (&traversal.expr, traversal.operators.as_slice()) {
                        (Expression::Variable(root), [TraversalOperator::GetAttr(name)])
                            if root.as_str() == "local" =>
                        {
                            self.infra.local(name.as_str())
                        }
                        _ => None,
                    };
                    match local {
                        Some(next) => current = next,
                        None => return current,
                    }
                }
                _ => return current,
            }
        }
        current
    }

    /// A sub-expression picked out of this one, borrowed when this one is.
    fn child(
        &self,
        pick: impl for<'x> Fn(&'x Expression) -> Option<&'x Expression>,
        what: String,
    ) -> Option<Expr<'a>> {
        let expr = match &self.expr {
            Cow::Borrowed(e) => Cow::Borrowed(pick(e)?),
            Cow::Owned(e) => Cow::Owned(pick(e)?.clone()),
        };
        Some(self.derived(expr, what))
    }

    fn derived(&self, expr: Cow<'a, Expression>, what: String) -> Expr<'a> {
        Expr {
            infra: self.infra,
            expr,
            scope: self.scope.clone(),
            location: self.location.clone(),
            what,
        }
    }

    fn shape(&self, expected: &'static str, found: &dyn fmt::Display) -> EvalError {
        EvalError::Shape {
            what: self.what.clone(),
            location: self.location.clone(),
            expected,
            found: format!("`{found}`"),
        }
    }

    fn shape_of_expr(&self, expected: &'static str) -> EvalError {
        self.shape(expected, &format_expr(&self.expr))
    }
}

/// The expression as HCL text, for messages.
pub(super) fn format_expr(expr: &Expression) -> String {
    hcl::format::to_string(expr).unwrap_or_else(|_| format!("{expr:?}"))
}

/// A context with only the functions: variable defaults are constants.
pub(super) fn functions_only_context() -> Context<'static> {
    let mut ctx = Context::new();
    functions::declare(&mut ctx);
    ctx
}

/// `var` (the defaults), `path` and `terraform`; `local` is added once locals are evaluated.
pub(super) fn base_context(
    module_dir: &Path,
    variables: &std::collections::BTreeMap<String, Option<Value>>,
) -> Context<'static> {
    let mut ctx = functions_only_context();
    let vars: hcl::Map<String, Value> = variables
        .iter()
        .filter_map(|(name, default)| default.clone().map(|d| (name.clone(), d)))
        .collect();
    ctx.declare_var("var", Value::Object(vars));
    let dir = module_dir.to_string_lossy().into_owned();
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| dir.clone());
    let mut path = hcl::Map::new();
    path.insert("module".to_owned(), Value::from(dir.clone()));
    path.insert("root".to_owned(), Value::from(dir));
    path.insert("cwd".to_owned(), Value::from(cwd));
    ctx.declare_var("path", Value::Object(path));
    let mut terraform = hcl::Map::new();
    terraform.insert("workspace".to_owned(), Value::from("default"));
    ctx.declare_var("terraform", Value::Object(terraform));
    ctx
}
