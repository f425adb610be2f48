//! Finding references (`var.x`, `aws_sqs_queue.retry.arn`, `each.key`, ...) in expressions,
//! templates and heredocs, and the scope each one is written in.

use hcl::expr::{Operation, TemplateExpr};
use hcl::template::{Directive, Element, Template};
use hcl::{Expression, ObjectKey, TraversalOperator};

use super::eval::format_expr;
use super::{Block, Infra, Location};

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `var.<name>`.
    Variable(String),
    /// `local.<name>`.
    Local(String),
    /// `<kind>.<name>`: a managed resource.
    Resource {
        /// Resource type, e.g. `aws_sqs_queue`.
        kind: String,
        /// Resource name, e.g. `retry`.
        name: String,
    },
    /// `data.<kind>.<name>`.
    Data {
        /// Data source type.
        kind: String,
        /// Data source name.
        name: String,
    },
    /// `module.<name>`.
    Module(String),
    /// `each.key` / `each.value`.
    Each,
    /// `count.index`.
    Count,
    /// `path.module`, `path.root`, `path.cwd`.
    Path,
    /// `terraform.workspace`.
    Terraform,
    /// `self` (provisioners).
    SelfObject,
    /// A for-expression, template `for` or `dynamic` block iteration variable in scope.
    Iteration(String),
    /// Not a valid reference: `var` alone, `data.x` without a name, `aws_sqs_queue` alone.
    Malformed,
}

/// One reference: what it names, the instance index after the address, and the attributes
/// read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What it names.
    pub target: Target,
    /// The index right after the address: `"poller"` in
    /// `aws_lambda_function.function["poller"].arn`, `each.key` in `...[each.key]`.
    pub index: Option<Expression>,
    /// Whether a splat (`[*]` or `.*`) follows the address.
    pub splat: bool,
    /// Attribute names read after the address (and index), until the first other operator:
    /// `["arn"]`.
    pub attributes: Vec<String>,
    /// The reference as written.
    pub text: String,
}

impl Reference {
    /// `(kind, name)` when this names a managed resource.
    pub fn resource(&self) -> Option<(&str, &str)> {
        match &self.target {
            Target::Resource { kind, name } => Some((kind, name)),
            _ => None,
        }
    }

    /// `(kind, name)` when this names a data source.
    pub fn data(&self) -> Option<(&str, &str)> {
        match &self.target {
            Target::Data { kind, name } => Some((kind, name)),
            _ => None,
        }
    }

    /// The index, when it is a literal string (`["poller"]`) or number (`[0]`).
    pub fn literal_index(&self) -> Option<String> {
        match self.index.as_ref()? {
            Expression::String(s) => Some(s.clone()),
            Expression::Number(n) => Some(n.to_string()),
            Expression::TemplateExpr(t) => {
                let template = Template::from_expr(t).ok()?;
                match template.elements() {
                    [Element::Literal(s)] => Some(s.clone()),
                    [] => Some(String::new()),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A reference with where it is written and what is in scope there.
#[derive(Debug, Clone)]
pub struct ReferenceSite<'a> {
    /// The top-level block it is written in.
    pub block: &'a Block,
    /// The attribute path inside that block, e.g. `statement.resources`.
    pub attribute: String,
    /// Where the attribute is written.
    pub location: Location,
    /// The reference.
    pub reference: Reference,
    /// Whether `each` is in scope (the block has `for_each`, and this is not `for_each` itself).
    pub each_in_scope: bool,
    /// Whether `count` is in scope.
    pub count_in_scope: bool,
}

/// The references and function calls in one expression.
#[derive(Debug, Default)]
pub(super) struct Uses {
    pub(super) references: Vec<Reference>,
    pub(super) functions: Vec<String>,
}

/// Every reference and call in `expr`, with no iteration variable in scope.
pub(super) fn uses(expr: &Expression) -> Uses {
    let mut uses = Uses::default();
    collect(expr, &mut Vec::new(), &mut uses);
    uses
}

/// The reference `expr` is, if it is nothing else.
pub(super) fn single(expr: &Expression) -> Option<Reference> {
    match expr {
        Expression::Parenthesis(inner) => single(inner),
        Expression::Variable(_) | Expression::Traversal(_) => {
            let mut uses = Uses::default();
            collect(expr, &mut Vec::new(), &mut uses);
            uses.references.into_iter().next()
        }
        Expression::TemplateExpr(template) => {
            let template = Template::from_expr(template).ok()?;
            match template.elements() {
                [Element::Interpolation(interpolation)] => single(&interpolation.expr),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every reference in every block of `infra`, with scope.
pub(super) fn sites(infra: &Infra) -> Vec<ReferenceSite<'_>> {
    let mut out = Vec::new();
    for block in infra.blocks() {
        let repeats = matches!(block.kind.as_str(), "resource" | "data" | "module");
        let scope = BlockScope {
            top: block,
            each: repeats && block.has_for_each(),
            count: repeats && block.has_count(),
        };
        walk_block(block, "", &scope, &mut Vec::new(), &mut out);
    }
    out
}

/// Every function call in every attribute, with where it is written.
pub(super) fn calls(infra: &Infra) -> Vec<(Location, String)> {
    fn walk(block: &Block, nested: bool, out: &mut Vec<(Location, String)>) {
        for attr in &block.attributes {
            if is_not_an_expression(&block.kind, &attr.name, nested) {
                continue;
            }
            for name in uses(&attr.expr).functions {
                out.push((attr.location.clone(), name));
            }
        }
        for child in &block.blocks {
            walk(child, true, out);
        }
    }
    let mut out = Vec::new();
    for block in infra.blocks() {
        walk(block, false, &mut out);
    }
    out
}

struct BlockScope<'a> {
    top: &'a Block,
    each: bool,
    count: bool,
}

/// Attributes whose expressions are not references: type constraints, lifecycle attribute
/// names, provider aliases, and the addresses in `moved`/`import`/`removed` blocks.
fn is_not_an_expression(block_kind: &str, attribute: &str, nested: bool) -> bool {
    match (block_kind, attribute) {
        ("variable", "type") => !nested,
        ("lifecycle", "ignore_changes") => true,
        ("resource" | "data", "provider") => !nested,
        ("moved" | "import" | "removed", "to" | "from") => true,
        _ => false,
    }
}

fn walk_block<'a>(
    block: &'a Block,
    prefix: &str,
    scope: &BlockScope<'a>,
    bound: &mut Vec<String>,
    out: &mut Vec<ReferenceSite<'a>>,
) {
    let nested = !prefix.is_empty();
    for attr in &block.attributes {
        if is_not_an_expression(&block.kind, &attr.name, nested) {
            continue;
        }
        // for_each and count are evaluated before each/count exist.
        let meta = !nested && (attr.name == "for_each" || attr.name == "count");
        let mut uses = Uses::default();
        collect(&attr.expr, bound, &mut uses);
        for reference in uses.references {
            out.push(ReferenceSite {
                block: scope.top,
                attribute: format!("{prefix}{}", attr.name),
                location: attr.location.clone(),
                reference,
                each_in_scope: scope.each && !meta,
                count_in_scope: scope.count && !meta,
            });
        }
    }
    for child in &block.blocks {
        let path = format!("{prefix}{}.", child.kind);
        if child.kind == "dynamic" {
            // dynamic "name" { for_each = ...; iterator = it; content { ... it.value ... } }
            let iterator = child
                .attribute("iterator")
                .and_then(|a| match &a.expr {
                    Expression::Variable(v) => Some(v.to_string()),
                    _ => None,
                })
                .or_else(|| child.labels.first().cloned())
                .unwrap_or_default();
            walk_dynamic_header(child, &path, scope, bound, out);
            bound.push(iterator);
            for content in child.blocks_of("content") {
                walk_block(content, &format!("{path}content."), scope, bound, out);
            }
            bound.pop();
        } else {
            walk_block(child, &path, scope, bound, out);
        }
    }
}

/// The attributes of a `dynamic` block itself (`for_each`, `labels`), outside the iterator's
/// scope; its `content` block is walked with the iterator bound.
fn walk_dynamic_header<'a>(
    header: &'a Block,
    prefix: &str,
    scope: &BlockScope<'a>,
    bound: &mut Vec<String>,
    out: &mut Vec<ReferenceSite<'a>>,
) {
    for attr in header.attributes.iter().filter(|a| a.name != "iterator") {
        let mut uses = Uses::default();
        collect(&attr.expr, bound, &mut uses);
        for reference in uses.references {
            out.push(ReferenceSite {
                block: scope.top,
                attribute: format!("{prefix}{}", attr.name),
                location: attr.location.clone(),
                reference,
                each_in_scope: scope.each,
                count_in_scope: scope.count,
            });
        }
    }
}

fn collect(expr: &Expression, bound: &mut Vec<String>, uses: &mut Uses) {
    match expr {
        Expression::Array(items) => items.iter().for_each(|e| collect(e, bound, uses)),
        Expression::Object(object) => {
            for (key, value) in object {
                if let ObjectKey::Expression(key) = key {
                    collect(key, bound, uses);
                }
                collect(value, bound, uses);
            }
        }
        Expression::TemplateExpr(template) => collect_template_expr(template, bound, uses),
        Expression::Variable(_) => uses.references.push(reference(expr, &[], bound)),
        Expression::Traversal(traversal) => {
            if matches!(traversal.expr, Expression::Variable(_)) {
                uses.references
                    .push(reference(&traversal.expr, &traversal.operators, bound));
            } else {
                collect(&traversal.expr, bound, uses);
            }
            for operator in &traversal.operators {
                if let TraversalOperator::Index(index) = operator {
                    collect(index, bound, uses);
                }
            }
        }
        Expression::FuncCall(call) => {
            let name = if call.name.is_namespaced() {
                call.name.to_string()
            } else {
                call.name.name.to_string()
            };
            uses.functions.push(name);
            call.args.iter().for_each(|e| collect(e, bound, uses));
        }
        Expression::Parenthesis(inner) => collect(inner, bound, uses),
        Expression::Conditional(cond) => {
            collect(&cond.cond_expr, bound, uses);
            collect(&cond.true_expr, bound, uses);
            collect(&cond.false_expr, bound, uses);
        }
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(unary) => collect(&unary.expr, bound, uses),
            Operation::Binary(binary) => {
                collect(&binary.lhs_expr, bound, uses);
                collect(&binary.rhs_expr, bound, uses);
            }
        },
        Expression::ForExpr(for_expr) => {
            collect(&for_expr.collection_expr, bound, uses);
            let depth = bound.len();
            if let Some(key) = &for_expr.key_var {
                bound.push(key.to_string());
            }
            bound.push(for_expr.value_var.to_string());
            if let Some(key_expr) = &for_expr.key_expr {
                collect(key_expr, bound, uses);
            }
            collect(&for_expr.value_expr, bound, uses);
            if let Some(cond) = &for_expr.cond_expr {
                collect(cond, bound, uses);
            }
            bound.truncate(depth);
        }
        _ => {}
    }
}

fn collect_template_expr(template: &TemplateExpr, bound: &mut Vec<String>, uses: &mut Uses) {
    match Template::from_expr(template) {
        Ok(template) => collect_template(&template, bound, uses),
        // An unparsable template is a syntax error Terraform reports; surface it as a
        // reference nothing resolves.
        Err(_) => uses.references.push(Reference {
            target: Target::Malformed,
            index: None,
            splat: false,
            attributes: Vec::new(),
            text: format!("unparsable template {template}"),
        }),
    }
}

fn collect_template(template: &Template, bound: &mut Vec<String>, uses: &mut Uses) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(interpolation) => collect(&interpolation.expr, bound, uses),
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(if_directive) => {
                    collect(&if_directive.cond_expr, bound, uses);
                    collect_template(&if_directive.true_template, bound, uses);
                    if let Some(false_template) = &if_directive.false_template {
                        collect_template(false_template, bound, uses);
                    }
                }
                Directive::For(for_directive) => {
                    collect(&for_directive.collection_expr, bound, uses);
                    let depth = bound.len();
                    if let Some(key) = &for_directive.key_var {
                        bound.push(key.to_string());
                    }
                    bound.push(for_directive.value_var.to_string());
                    collect_template(&for_directive.template, bound, uses);
                    bound.truncate(depth);
                }
            },
        }
    }
}

/// Reads `root.op.op...` as a reference.
fn reference(root: &Expression, operators: &[TraversalOperator], bound: &[String]) -> Reference {
    let text = if operators.is_empty() {
        format_expr(root)
    } else {
        format_expr(&Expression::Traversal(Box::new(hcl::Traversal::new(
            root.clone(),
            operators.to_vec(),
        ))))
    };
    let Expression::Variable(root) = root else {
        unreachable!("called with a variable root");
    };
    let attr = |i: usize| match operators.get(i) {
        Some(TraversalOperator::GetAttr(name)) => Some(name.to_string()),
        _ => None,
    };
    let root = root.to_string();
    let (target, used) = if bound.contains(&root) {
        (Target::Iteration(root), 0)
    } else {
        match root.as_str() {
            "var" => attr(0).map_or((Target::Malformed, 0), |n| (Target::Variable(n), 1)),
            "local" => attr(0).map_or((Target::Malformed, 0), |n| (Target::Local(n), 1)),
            "module" => attr(0).map_or((Target::Malformed, 0), |n| (Target::Module(n), 1)),
            "data" => match (attr(0), attr(1)) {
                (Some(kind), Some(name)) => (Target::Data { kind, name }, 2),
                _ => (Target::Malformed, 0),
            },
            "each" => match attr(0).as_deref() {
                Some("key" | "value") => (Target::Each, 0),
                _ => (Target::Malformed, 0),
            },
            "count" => match attr(0).as_deref() {
                Some("index") => (Target::Count, 0),
                _ => (Target::Malformed, 0),
            },
            "path" => match attr(0).as_deref() {
                Some("module" | "root" | "cwd") => (Target::Path, 0),
                _ => (Target::Malformed, 0),
            },
            "terraform" => match attr(0).as_deref() {
                Some("workspace") => (Target::Terraform, 0),
                _ => (Target::Malformed, 0),
            },
            "self" => (Target::SelfObject, 0),
            kind => attr(0).map_or((Target::Malformed, 0), |name| {
                (
                    Target::Resource {
                        kind: kind.to_owned(),
                        name,
                    },
                    1,
                )
            }),
        }
    };
    let rest = &operators[used..];
    let (index, splat, rest) = match rest.first() {
        Some(TraversalOperator::Index(index)) => (Some(index.clone()), false, &rest[1..]),
        Some(TraversalOperator::LegacyIndex(i)) => (Some(Expression::from(*i)), false, &rest[1..]),
        Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat) => {
            (None, true, &rest[1..])
        }
        _ => (None, false, rest),
    };
    let attributes = rest
        .iter()
        .map_while(|op| match op {
            TraversalOperator::GetAttr(name) => Some(name.to_string()),
            _ => None,
        })
        .collect();
    Reference {
        target,
        index,
        splat,
        attributes,
        text,
    }
}
