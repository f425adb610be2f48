//! Rules 7, 8 and 10: the DynamoDB table matches the code's keys, the HTTP API routes and
//! integrations, and every variable and output is documented.

use std::collections::BTreeSet;

use e2e_tests::terraform::Infra;
use sync_aws::dynamodb::{
    GLOBAL_SECONDARY_INDEXES, PARTITION_KEY, SORT_KEY, TABLE_KEY_ATTRIBUTES, TTL_ATTRIBUTE,
};
use sync_aws::runtime::env;

use super::support::{Finding, lambda_binary, referenced_instance, resource_behind_env};

/// The table behind `SYNC_TABLE_NAME` has the code's keys, TTL attribute and indexes, and is
/// on-demand, recoverable, encrypted and protected from deletion.
pub fn check_table(infra: &Infra) -> Vec<Finding> {
    let table = match resource_behind_env(infra, env::TABLE) {
        Ok(table) => table,
        Err(finding) => return vec![finding],
    };
    let table = match infra.instances(&table.0, &table.1) {
        Ok(mut instances) if instances.len() == 1 => instances.remove(0),
        Ok(_) => {
            return vec![Finding::from(format!(
                "{}.{} must be one table",
                table.0, table.1
            ))];
        }
        Err(err) => return vec![Finding::from(err)],
    };
    let at = table.location();
    let address = table.address().to_owned();
    let mut findings = Vec::new();
    let mut expect = |path: &str, expected: hcl::Value, why: &str| match table.value(path) {
        Ok(value) if value == expected => {}
        Ok(value) => findings.push(Finding::at(
            at,
            format!("{address}.{path} is {value}, expected {expected}: {why}"),
        )),
        Err(err) => findings.push(Finding::at(
            at,
            format!("{err}: expected {expected}: {why}"),
        )),
    };
    expect(
        "hash_key",
        PARTITION_KEY.into(),
        "sync_aws::dynamodb::PARTITION_KEY",
    );
    expect("range_key", SORT_KEY.into(), "sync_aws::dynamodb::SORT_KEY");
    expect(
        "ttl.attribute_name",
        TTL_ATTRIBUTE.into(),
        "sync_aws::dynamodb::TTL_ATTRIBUTE",
    );
    expect(
        "ttl.enabled",
        true.into(),
        "handled events and leases expire",
    );
    expect(
        "billing_mode",
        "PAY_PER_REQUEST".into(),
        "on-demand capacity",
    );
    expect(
        "point_in_time_recovery.enabled",
        true.into(),
        "point-in-time recovery",
    );
    expect(
        "server_side_encryption.enabled",
        true.into(),
        "encryption at rest",
    );
    expect(
        "deletion_protection_enabled",
        true.into(),
        "deletion protection by default",
    );

    // attribute blocks: exactly the key attributes of the table and of its indexes.
    let indexes = table.nested_all("global_secondary_index");
    let index_names: BTreeSet<String> = indexes
        .iter()
        .filter_map(|i| i.expr("name").and_then(|e| e.string()).ok())
        .collect();
    let expected_indexes: BTreeSet<String> = GLOBAL_SECONDARY_INDEXES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    if index_names != expected_indexes || indexes.len() != GLOBAL_SECONDARY_INDEXES.len() {
        findings.push(Finding::at(
            at,
            format!(
                "{address} declares global secondary indexes {index_names:?}, the code uses {expected_indexes:?} \
                 (sync_aws::dynamodb::GLOBAL_SECONDARY_INDEXES)"
            ),
        ));
    }
    let mut expected_attributes: BTreeSet<String> = TABLE_KEY_ATTRIBUTES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for index in &indexes {
        for key in ["hash_key", "range_key"] {
            if let Ok(name) = index.expr(key).and_then(|e| e.string()) {
                expected_attributes.insert(name);
            }
        }
    }
    let mut declared = BTreeSet::new();
    for attribute in table.nested_all("attribute") {
        let name = attribute.expr("name").and_then(|e| e.string());
        let kind = attribute.expr("type").and_then(|e| e.string());
        match (name, kind) {
            (Ok(name), Ok(kind)) => {
                if TABLE_KEY_ATTRIBUTES.contains(&name.as_str()) && kind != "S" {
                    findings.push(Finding::at(
                        attribute.location(),
                        format!("{address}: key attribute {name} has type {kind:?}; the code writes strings (S)"),
                    ));
                }
                if !declared.insert(name.clone()) {
                    findings.push(Finding::at(
                        attribute.location(),
                        format!("{address}: attribute {name} is declared twice"),
                    ));
                }
            }
            (Err(err), _) | (_, Err(err)) => findings.push(Finding::from(err)),
        }
    }
    if declared != expected_attributes {
        findings.push(Finding::at(
            at,
            format!(
                "{address} declares attributes {declared:?}; DynamoDB wants exactly the key attributes \
                 {expected_attributes:?} (sync_aws::dynamodb::TABLE_KEY_ATTRIBUTES and the indexes' keys)"
            ),
        ));
    }
    findings
}

/// What Invoiced posts to; the writer answers it.
pub const WEBHOOK_ROUTE: &str = "POST /webhooks/{connection}";
const WRITER: &str = "writer";
const OPERATOR: &str = "operator";
const METHODS: &[&str] = &[
    "ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
];

/// The webhook route is open (the writer checks signatures) and goes to the writer; every other
/// route needs IAM, goes to the operator and is one the operator answers (`operator_routes`,
/// each exactly once); every integration is a payload 2.0 proxy.
pub fn check_http_api(infra: &Infra, operator_routes: &[&str]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut webhook_routes = 0;
    let mut declared_operator_routes: Vec<String> = Vec::new();
    for block in infra.resources_of("aws_apigatewayv2_route") {
        let instances = match infra.instances_of(block) {
            Ok(instances) => instances,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        for route in instances {
            let at = route.location();
            let address = route.address();
            let key = match route.expr("route_key").and_then(|e| e.string()) {
                Ok(key) => key,
                Err(err) => {
                    findings.push(Finding::from(err));
                    continue;
                }
            };
            let well_formed = key == "$default"
                || key.split_once(' ').is_some_and(|(method, path)| {
                    METHODS.contains(&method) && path.starts_with('/') && !path.contains(' ')
                });
            if !well_formed {
                findings.push(Finding::at(
                    at,
                    format!("{address}: route key {key:?} is not \"METHOD /path\""),
                ));
            }
            // authorization_type defaults to NONE.
            let authorization = match route.attr("authorization_type") {
                Some(e) => e.string(),
                None => Ok("NONE".to_owned()),
            };
            let function = route
                .expr("target")
                .map_err(|e| e.to_string())
                .and_then(|target| {
                    target
                        .references()
                        .into_iter()
                        .find_map(|r| {
                            r.resource()
                                .filter(|(k, _)| *k == "aws_apigatewayv2_integration")
                                .map(|(k, n)| (k.to_owned(), n.to_owned()))
                        })
                        .ok_or_else(|| {
                            format!(
                                "{}: {} names no aws_apigatewayv2_integration",
                                target.location(),
                                target.what()
                            )
                        })
                })
                .and_then(|(kind, name)| {
                    let integration = infra.instances(&kind, &name).map_err(|e| e.to_string())?;
                    let [integration] = integration.as_slice() else {
                        return Err(format!("{kind}.{name} must be one integration"));
                    };
                    let uri = integration
                        .expr("integration_uri")
                        .map_err(|e| e.to_string())?;
                    referenced_instance(infra, &uri).and_then(|f| lambda_binary(&f))
                });
            let (expected_auth, expected_function) = if key == WEBHOOK_ROUTE {
                webhook_routes += 1;
                ("NONE", WRITER)
            } else {
                declared_operator_routes.push(key.clone());
                ("AWS_IAM", OPERATOR)
            };
            match authorization {
                Ok(auth) if auth == expected_auth => {}
                Ok(auth) => findings.push(Finding::at(
                    at,
                    format!("{address} ({key}) has authorization_type {auth:?}, expected {expected_auth:?}"),
                )),
                Err(err) => findings.push(Finding::from(err)),
            }
            match function {
                Ok(binary) if binary == expected_function => {}
                Ok(binary) => findings.push(Finding::at(
                    at,
                    format!("{address} ({key}) reaches the {binary} function, expected the {expected_function}"),
                )),
                Err(err) => findings.push(Finding::at(at, format!("{address} ({key}): {err}"))),
            }
        }
    }
    if webhook_routes != 1 {
        findings.push(Finding::from(format!(
            "expected one route with route_key {WEBHOOK_ROUTE:?}, found {webhook_routes}"
        )));
    }
    let answered: BTreeSet<&str> = operator_routes.iter().copied().collect();
    let mut declared = BTreeSet::new();
    for key in &declared_operator_routes {
        if !declared.insert(key.as_str()) {
            findings.push(Finding::from(format!("route {key:?} is declared twice")));
        }
    }
    for key in declared.difference(&answered) {
        findings.push(Finding::from(format!(
            "route {key:?} is declared, but the operator does not answer it \
             (sync_aws::handlers::operator::ROUTES)"
        )));
    }
    for key in answered.difference(&declared) {
        findings.push(Finding::from(format!(
            "the operator answers {key:?} (sync_aws::handlers::operator::ROUTES), but no route declares it"
        )));
    }
    for block in infra.resources_of("aws_apigatewayv2_integration") {
        let instances = match infra.instances_of(block) {
            Ok(instances) => instances,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        for integration in instances {
            for (path, expected) in [
                ("integration_type", "AWS_PROXY"),
                ("payload_format_version", "2.0"),
            ] {
                match integration.expr(path).and_then(|e| e.string()) {
                    Ok(value) if value == expected => {}
                    Ok(value) => findings.push(Finding::at(
                        integration.location(),
                        format!(
                            "{}.{path} is {value:?}, expected {expected:?}",
                            integration.address()
                        ),
                    )),
                    Err(err) => findings.push(Finding::from(err)),
                }
            }
        }
    }
    findings
}

/// Every variable has a type and a description, every output a description: the README and
/// `terraform output` are read by someone who did not write them.
pub fn check_documentation(infra: &Infra) -> Vec<Finding> {
    let mut findings = Vec::new();
    for block in infra
        .blocks()
        .iter()
        .filter(|b| b.kind == "variable" || b.kind == "output")
    {
        let address = block.address();
        let description = block
            .attribute("description")
            .and_then(|a| infra.expr(&a.expr, &a.location).string().ok());
        match description {
            Some(text) if !text.trim().is_empty() => {}
            Some(_) => findings.push(Finding::at(
                &block.location,
                format!("{address} has an empty description"),
            )),
            None => findings.push(Finding::at(
                &block.location,
                format!("{address} has no description"),
            )),
        }
        if block.kind == "variable" && block.attribute("type").is_none() {
            findings.push(Finding::at(
                &block.location,
                format!("{address} has no type"),
            ));
        }
    }
    findings
}
