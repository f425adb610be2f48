//! Rule 9: least privilege. No statement allows every action of a service or every resource,
//! and each function's role may write only to that function's own log group.

use e2e_tests::terraform::{Expr, Infra, Instance, Target};

use super::support::{Finding, lambda_functions, referenced_instance, resolve};

/// Resource types whose `policy` may be an inline `jsonencode({ Statement = [...] })`.
const INLINE_POLICY_HOLDERS: &[&str] = &[
    "aws_iam_role_policy",
    "aws_iam_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
];

/// `*` or `service:*` actions and `*` resources, in policy documents and inline policies.
pub fn check_wildcards(infra: &Infra) -> Vec<Finding> {
    let mut findings = Vec::new();
    for block in infra.data_of("aws_iam_policy_document") {
        let documents = match infra.instances_of(block) {
            Ok(documents) => documents,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        for document in documents {
            for statement in document.nested_all("statement") {
                if let Some(actions) = statement.attr("actions") {
                    findings.extend(wildcard_actions(&actions));
                }
                if let Some(resources) = statement.attr("resources") {
                    findings.extend(wildcard_resources(&resources));
                }
            }
        }
    }
    for kind in INLINE_POLICY_HOLDERS {
        for block in infra.resources_of(kind) {
            let Ok(instances) = infra.instances_of(block) else {
                continue;
            };
            for holder in instances {
                // A policy that is a document's .json is checked above.
                let Ok(policy) = holder.expr("policy").and_then(|p| p.json_argument()) else {
                    continue;
                };
                let statements = policy
                    .field("Statement")
                    .and_then(|s| s.elements())
                    .unwrap_or_default();
                for statement in statements {
                    if let Ok(action) = statement.field("Action") {
                        findings.extend(wildcard_actions(&action));
                    }
                    if let Ok(resource) = statement.field("Resource") {
                        findings.extend(wildcard_resources(&resource));
                    }
                }
            }
        }
    }
    findings
}

/// The known string values of a list (or single string) expression; unknown ones (ARNs) are
/// not wildcards anyone wrote.
fn known_strings(expr: &Expr<'_>) -> Vec<String> {
    if let Ok(hcl::Value::String(s)) = expr.value() {
        return vec![s];
    }
    expr.elements()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.string().ok())
        .collect()
}

fn wildcard_actions(actions: &Expr<'_>) -> Vec<Finding> {
    known_strings(actions)
        .into_iter()
        .filter(|a| a == "*" || a.ends_with(":*"))
        .map(|a| {
            Finding::at(
                actions.location(),
                format!(
                    "{} allows {a:?}: name the actions the code calls",
                    actions.what()
                ),
            )
        })
        .collect()
}

fn wildcard_resources(resources: &Expr<'_>) -> Vec<Finding> {
    known_strings(resources)
        .into_iter()
        .filter(|r| r == "*")
        .map(|r| {
            Finding::at(
                resources.location(),
                format!("{} allows {r:?}: name the resources", resources.what()),
            )
        })
        .collect()
}

/// For each function: the statements of its role's policies that grant `logs:` actions name
/// only the log group the function logs to (its `logging_config.log_group`).
pub fn check_log_statements(infra: &Infra) -> Vec<Finding> {
    let functions = match lambda_functions(infra) {
        Ok(functions) => functions,
        Err(finding) => return vec![finding],
    };
    let mut findings = Vec::new();
    for function in &functions {
        if let Err(finding) = check_function_logs(infra, function) {
            findings.push(finding);
        }
    }
    findings
}

fn check_function_logs(infra: &Infra, function: &Instance<'_>) -> Result<(), Finding> {
    let address = function.address();
    let at = function.location();
    let fail = |message: String| Finding::at(at, format!("{address}: {message}"));
    let own_group = function
        .expr("logging_config.log_group")
        .map_err(|e| e.to_string())
        .and_then(|e| {
            e.references()
                .into_iter()
                .find(|r| {
                    r.resource()
                        .is_some_and(|(k, _)| k == "aws_cloudwatch_log_group")
                })
                .ok_or_else(|| format!("{} names no aws_cloudwatch_log_group", e.what()))
                .and_then(|r| resolve(infra, &r, &e))
        })
        .map_err(|e| fail(format!("cannot tell its log group: {e}")))?;
    let role = function
        .expr("role")
        .map_err(|e| e.to_string())
        .and_then(|e| referenced_instance(infra, &e))
        .map_err(|e| fail(format!("cannot tell its role: {e}")))?;

    let mut statements = Vec::new();
    for block in infra.resources_of("aws_iam_role_policy") {
        let Ok(policies) = infra.instances_of(block) else {
            continue;
        };
        for policy in policies {
            let attached = policy
                .expr("role")
                .map_err(|e| e.to_string())
                .and_then(|e| referenced_instance(infra, &e))
                .is_ok_and(|r| r.address() == role.address());
            if !attached {
                continue;
            }
            let document = policy.expr("policy").map_err(|e| fail(e.to_string()))?;
            for document in policy_documents(infra, &document, 0).map_err(fail)? {
                statements.extend(document.nested_all("statement"));
            }
        }
    }
    let log_statements: Vec<&Instance<'_>> = statements
        .iter()
        .filter(|s| {
            s.attr("actions")
                .map(|a| known_strings(&a))
                .unwrap_or_default()
                .iter()
                .any(|a| a.starts_with("logs:"))
        })
        .collect();
    if log_statements.is_empty() {
        return Err(fail(format!(
            "the policies of {} grant no logs: action, so the function cannot write its logs",
            role.address()
        )));
    }
    for statement in log_statements {
        let Some(resources) = statement.attr("resources") else {
            return Err(fail(format!("{} has no resources", statement.address())));
        };
        for resource in resources.elements().map_err(Finding::from)? {
            // Indexes such as [each.key] are references too; the resources named are what count.
            let references: Vec<_> = resource
                .references()
                .into_iter()
                .filter(|r| r.resource().is_some() || r.data().is_some())
                .collect();
            if references.is_empty() {
                return Err(Finding::at(
                    resource.location(),
                    format!(
                        "{}: {resource} is not {}'s log group",
                        statement.address(),
                        own_group.address()
                    ),
                ));
            }
            for reference in references {
                let group = resolve(infra, &reference, &resource);
                match group {
                    Ok(group) if group.address() == own_group.address() => {}
                    Ok(group) => {
                        return Err(Finding::at(
                            resource.location(),
                            format!(
                                "{} lets {address} write to {}, not only its own log group {}",
                                statement.address(),
                                group.address(),
                                own_group.address()
                            ),
                        ));
                    }
                    Err(err) => {
                        return Err(Finding::at(
                            resource.location(),
                            format!(
                                "{}: {} is not a log group of this function: {err}",
                                statement.address(),
                                reference.text
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The `aws_iam_policy_document` instances a `policy` expression is built from: a document's
/// `.json`, through locals and `source_policy_documents`.
fn policy_documents<'a>(
    infra: &'a Infra,
    expr: &Expr<'a>,
    depth: usize,
) -> Result<Vec<Instance<'a>>, String> {
    if depth > 8 {
        return Err(format!("{}: policy documents nest too deep", expr.what()));
    }
    let reference = expr.reference().ok_or_else(|| {
        format!(
            "{}: cannot follow {expr} to a policy document",
            expr.location()
        )
    })?;
    match &reference.target {
        Target::Data { kind, .. } if kind == "aws_iam_policy_document" => {
            let document = resolve(infra, &reference, expr)?;
            let mut documents = Vec::new();
            for sources in ["source_policy_documents", "override_policy_documents"] {
                if let Some(list) = document.attr(sources) {
                    for source in list.elements().map_err(|e| e.to_string())? {
                        documents.extend(policy_documents(infra, &source, depth + 1)?);
                    }
                }
            }
            documents.push(document);
            Ok(documents)
        }
        Target::Local(name) => {
            let local = infra
                .local(name)
                .ok_or_else(|| format!("no local {name}"))?;
            let chosen = match &reference.index {
                None => local,
                Some(index) => {
                    let key = expr.eval(index).map_err(|e| e.to_string())?;
                    let key = key
                        .as_str()
                        .ok_or_else(|| format!("index {key} of local.{name}"))?
                        .to_owned();
                    local.field(&key).map_err(|e| e.to_string())?
                }
            };
            policy_documents(infra, &chosen, depth + 1)
        }
        _ => Err(format!(
            "{}: cannot follow {} to a policy document",
            expr.location(),
            reference.text
        )),
    }
}
