//! Rule 1: every reference resolves, and every function called exists.

use std::collections::BTreeMap;

use e2e_tests::terraform::{Block, Infra, InstanceKey, ReferenceSite, Target, is_builtin_function};

use super::support::Finding;

/// `var.X`, `local.X`, `data.T.N`, `T.N` and `module.X` are declared; `each` and `count` are
/// used only where the block repeats that way; an instance index names an instance the
/// block's `for_each`/`count` produces.
pub fn check_references(infra: &Infra) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut keys_of: BTreeMap<String, Result<Vec<String>, String>> = BTreeMap::new();
    for site in infra.reference_sites() {
        let r = &site.reference;
        let at = &site.location;
        let in_block = format!("in {} ({})", site.block.address(), site.attribute);
        match &r.target {
            Target::Variable(name) => {
                if !infra.variables().contains_key(name) {
                    findings.push(Finding::at(
                        at,
                        format!("{} {in_block}: no variable \"{name}\" is declared", r.text),
                    ));
                }
            }
            Target::Local(name) => {
                if !infra.locals().contains_key(name) {
                    findings.push(Finding::at(
                        at,
                        format!("{} {in_block}: no local \"{name}\" is declared", r.text),
                    ));
                } else {
                    check_local_key(infra, name, &site, &mut findings);
                }
            }
            Target::Resource { kind, name } => match infra.resource(kind, name) {
                None => findings.push(Finding::at(
                    at,
                    format!(
                        "{} {in_block}: no resource \"{kind}\" \"{name}\" is declared",
                        r.text
                    ),
                )),
                Some(target) => check_instance(infra, target, &site, &mut keys_of, &mut findings),
            },
            Target::Data { kind, name } => match infra.data(kind, name) {
                None => findings.push(Finding::at(
                    at,
                    format!(
                        "{} {in_block}: no data \"{kind}\" \"{name}\" is declared",
                        r.text
                    ),
                )),
                Some(target) => check_instance(infra, target, &site, &mut keys_of, &mut findings),
            },
            Target::Module(name) => {
                let declared = infra
                    .blocks()
                    .iter()
                    .any(|b| b.kind == "module" && b.labels.first() == Some(name));
                if !declared {
                    findings.push(Finding::at(
                        at,
                        format!("{} {in_block}: no module \"{name}\" is declared", r.text),
                    ));
                }
            }
            Target::Each => {
                if !site.each_in_scope {
                    findings.push(Finding::at(
                        at,
                        format!(
                            "{} {in_block}: `each` exists only inside a block with for_each",
                            r.text
                        ),
                    ));
                }
            }
            Target::Count => {
                if !site.count_in_scope {
                    findings.push(Finding::at(
                        at,
                        format!(
                            "{} {in_block}: `count` exists only inside a block with count",
                            r.text
                        ),
                    ));
                }
            }
            Target::Path | Target::Terraform | Target::SelfObject | Target::Iteration(_) => {}
            Target::Malformed => findings.push(Finding::at(
                at,
                format!("`{}` {in_block} is not a valid reference", r.text),
            )),
        }
    }
    findings
}

/// The instance part of a reference to `target`: an index only on a repeated block, and one
/// that its `for_each`/`count` produces; no attribute read from a repeated block as a whole.
fn check_instance(
    infra: &Infra,
    target: &Block,
    site: &ReferenceSite<'_>,
    keys_of: &mut BTreeMap<String, Result<Vec<String>, String>>,
    findings: &mut Vec<Finding>,
) {
    let r = &site.reference;
    let at = &site.location;
    let address = target.address();
    let repeated = target.has_for_each() || target.has_count();
    let Some(index) = &r.index else {
        if repeated && !r.splat && !r.attributes.is_empty() {
            findings.push(Finding::at(
                at,
                format!(
                    "{}: {address} has {}, so pick an instance before reading .{}",
                    r.text,
                    if target.has_for_each() {
                        "for_each"
                    } else {
                        "count"
                    },
                    r.attributes[0]
                ),
            ));
        }
        return;
    };
    if !repeated {
        findings.push(Finding::at(
            at,
            format!(
                "{}: {address} has neither for_each nor count, so it has no instances to index",
                r.text
            ),
        ));
        return;
    }
    let keys = keys_of.entry(address.clone()).or_insert_with(|| {
        infra
            .instances_of(target)
            .map(|instances| {
                instances
                    .iter()
                    .map(|i| match i.instance_key() {
                        InstanceKey::Key(k) => k.clone(),
                        InstanceKey::Index(n) => n.to_string(),
                        InstanceKey::Single => String::new(),
                    })
                    .collect()
            })
            .map_err(|err| err.to_string())
    });
    let keys = match keys {
        Ok(keys) => keys,
        Err(err) => {
            findings.push(Finding::at(
                at,
                format!("{}: the instances of {address} are unknown: {err}", r.text),
            ));
            return;
        }
    };
    // A literal index, or one that evaluates in each instance of the referring block (such as
    // [each.key]); an index that depends on a resource cannot be checked here.
    let mut wanted: Vec<String> = Vec::new();
    if let Some(literal) = r.literal_index() {
        wanted.push(literal);
    } else if let Ok(instances) = infra.instances_of(site.block) {
        for instance in instances {
            match instance.eval(index) {
                Ok(hcl::Value::String(s)) => wanted.push(s),
                Ok(hcl::Value::Number(n)) => wanted.push(n.to_string()),
                Ok(other) => findings.push(Finding::at(
                    at,
                    format!(
                        "{}: index `{other}` in {} is not a key",
                        r.text,
                        instance.address()
                    ),
                )),
                Err(_) => {}
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    for key in wanted {
        if !keys.contains(&key) {
            findings.push(Finding::at(
                at,
                format!(
                    "{}: {address} has no instance {key:?} (its instances: {})",
                    r.text,
                    keys.join(", ")
                ),
            ));
        }
    }
}

/// An index into a local object (`local.function_policies[each.key]`) names one of its keys,
/// checked for every instance of the referring block: a function added to `local.functions`
/// without a policy is caught here. Keys are read without evaluating the values.
fn check_local_key(
    infra: &Infra,
    name: &str,
    site: &ReferenceSite<'_>,
    findings: &mut Vec<Finding>,
) {
    let r = &site.reference;
    let Some(index) = &r.index else { return };
    // Only object literals (or locals evaluating to objects) have keys to check.
    let Some(Ok(keys)) = infra.local(name).map(|local| local.keys()) else {
        return;
    };
    let mut wanted = Vec::new();
    if let Some(literal) = r.literal_index() {
        wanted.push(literal);
    } else if let Ok(instances) = infra.instances_of(site.block) {
        for instance in instances {
            if let Ok(hcl::Value::String(key)) = instance.eval(index) {
                wanted.push(key);
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    for key in wanted {
        if !keys.contains(&key) {
            findings.push(Finding::at(
                &site.location,
                format!(
                    "{}: local.{name} has no key {key:?} (its keys: {})",
                    r.text,
                    keys.join(", ")
                ),
            ));
        }
    }
}

/// Every function called is one Terraform has (a typo is otherwise found only by
/// `terraform validate`, which cannot run here).
pub fn check_function_names(infra: &Infra) -> Vec<Finding> {
    infra
        .function_calls()
        .into_iter()
        .filter(|(_, name)| !is_builtin_function(name))
        .map(|(at, name)| Finding::at(&at, format!("{name}(...) is not a Terraform function")))
        .collect()
}
