//! What infra/ declares, read with `e2e_tests::terraform`, in the form the test deploys it.
//!
//! Values are evaluated as a plan would, with the variables' defaults; what only `apply` knows
//! (an ARN, a URL) is kept as the resource attribute it names and filled in with what the test
//! created. Resources are found through each other the way Terraform wires them (the retry queue
//! is the event source mapping's source, its dead-letter queue is in its redrive policy, a route
//! reaches a function through its integration), not by their names in infra/.

use e2e_tests::terraform::{EvalError, Expr, Infra, Instance, Reference};
use hcl::Value;
use std::path::Path;

/// A value that must exist or the test cannot deploy what infra/ says: a readable panic.
fn must<T>(result: Result<T, EvalError>) -> T {
    result.unwrap_or_else(|err| panic!("infra/: {err}"))
}

/// `Some` when the attribute is written, its evaluation error otherwise.
fn optional<T>(
    instance: &Instance<'_>,
    path: &str,
    read: impl Fn(Expr<'_>) -> Result<T, EvalError>,
) -> Option<T> {
    instance
        .has(path)
        .then(|| must(instance.expr(path).and_then(read)))
}

fn int32(value: i64, what: &str) -> i32 {
    i32::try_from(value).unwrap_or_else(|_| panic!("infra/: {what} = {value} is out of range"))
}

/// A resource attribute only `apply` knows: `aws_sqs_queue.retry` + `url`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttributeRef {
    /// The instance address, as [`Instance::address`] writes it.
    pub resource: String,
    /// The attribute read from it.
    pub attribute: String,
}

/// One Lambda environment value.
#[derive(Debug, Clone)]
pub enum EnvValue {
    /// Known before apply (`var.*`, `local.*` and literals, evaluated).
    Literal(String),
    /// An attribute of another resource.
    Attribute(AttributeRef),
}

/// One `aws_lambda_function` instance.
#[derive(Debug, Clone)]
pub struct Function {
    /// `aws_lambda_function.function["writer"]`.
    pub address: String,
    /// The binary (the directory its `filename` zip is in: `target/lambda/<binary>/bootstrap.zip`).
    pub binary: String,
    /// `function_name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `runtime`.
    pub runtime: String,
    /// `handler`.
    pub handler: String,
    /// `memory_size`.
    pub memory_size: i32,
    /// `timeout`.
    pub timeout: i32,
    /// `environment.variables`, in source order.
    pub environment: Vec<(String, EnvValue)>,
}

/// One `aws_sqs_queue`.
#[derive(Debug, Clone)]
pub struct Queue {
    /// `aws_sqs_queue.retry`.
    pub address: String,
    /// `name`.
    pub name: String,
    /// SQS attributes (`VisibilityTimeout`, ...) from the arguments that set them.
    pub attributes: Vec<(&'static str, String)>,
    /// From `redrive_policy = jsonencode({...})`: the dead-letter queue's address and
    /// `maxReceiveCount`.
    pub redrive: Option<(String, i64)>,
}

/// The `aws_lambda_event_source_mapping` from the retry queue.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The function it invokes (its address).
    pub function: String,
    /// `batch_size`.
    pub batch_size: Option<i32>,
    /// `maximum_batching_window_in_seconds`.
    pub maximum_batching_window: Option<i32>,
    /// `function_response_types`.
    pub function_response_types: Vec<String>,
    /// `scaling_config.maximum_concurrency`.
    pub maximum_concurrency: Option<i32>,
}

/// One `aws_apigatewayv2_integration`.
#[derive(Debug, Clone)]
pub struct Integration {
    /// `aws_apigatewayv2_integration.writer`.
    pub address: String,
    /// The function its `integration_uri` (`invoke_arn`) names, by address.
    pub function: String,
    /// `integration_type`.
    pub integration_type: String,
    /// `payload_format_version`.
    pub payload_format_version: Option<String>,
    /// `timeout_milliseconds`.
    pub timeout_milliseconds: Option<i32>,
}

/// One `aws_apigatewayv2_route` instance.
#[derive(Debug, Clone)]
pub struct Route {
    /// `route_key`, e.g. `POST /webhooks/{connection}`.
    pub route_key: String,
    /// The integration its `target` names, by address.
    pub integration: String,
    /// `authorization_type`.
    pub authorization_type: Option<String>,
}

/// The HTTP API.
#[derive(Debug, Clone)]
pub struct Api {
    /// `name`.
    pub name: String,
    /// `protocol_type`.
    pub protocol_type: String,
    /// Every integration.
    pub integrations: Vec<Integration>,
    /// Every route.
    pub routes: Vec<Route>,
    /// `aws_apigatewayv2_stage`: `name` and `auto_deploy`.
    pub stage: (String, bool),
}

/// The table: its address and `name`.
#[derive(Debug, Clone)]
pub struct Table {
    /// `aws_dynamodb_table.sync`.
    pub address: String,
    /// `name`.
    pub name: String,
}

/// What the test deploys, as infra/ declares it.
#[derive(Debug, Clone)]
pub struct Declared {
    /// `var.name_prefix`'s default, which starts every resource name.
    pub name_prefix: String,
    /// The one DynamoDB table.
    pub table: Table,
    /// Every Lambda function.
    pub functions: Vec<Function>,
    /// The event source mapping's queue.
    pub retry_queue: Queue,
    /// The retry queue's dead-letter queue.
    pub dead_letter_queue: Queue,
    /// The retry queue's event source mapping.
    pub mapping: Mapping,
    /// The HTTP API.
    pub api: Api,
}

impl Declared {
    /// Reads the repository's infra/. Panics, naming the file and line, on anything the test
    /// cannot deploy as written.
    pub fn read(infra: &Infra) -> Declared {
        let name_prefix = match infra.variables().get("name_prefix") {
            Some(Some(Value::String(prefix))) => prefix.clone(),
            other => panic!("infra/: var.name_prefix needs a string default, found {other:?}"),
        };
        let table = single(infra, "aws_dynamodb_table");
        let table = Table {
            address: table.address().to_owned(),
            name: must(table.expr("name").and_then(|e| e.string())),
        };
        let functions = infra
            .resources_of("aws_lambda_function")
            .flat_map(|block| must(infra.instances_of(block)))
            .map(|f| function(&f))
            .collect();
        let mapping_instance = single(infra, "aws_lambda_event_source_mapping");
        let source = must(mapping_instance.expr("event_source_arn"));
        let retry_queue = queue(&instance_named(infra, &source));
        let Some((dead_letter_address, _)) = &retry_queue.redrive else {
            panic!("infra/: {} has no redrive_policy", retry_queue.address);
        };
        let dead_letter_queue = queue(&instance_at(infra, dead_letter_address));
        let mapping = Mapping {
            function: address_of(&must(mapping_instance.expr("function_name"))),
            batch_size: optional(&mapping_instance, "batch_size", |e| e.integer())
                .map(|n| int32(n, "batch_size")),
            maximum_batching_window: optional(
                &mapping_instance,
                "maximum_batching_window_in_seconds",
                |e| e.integer(),
            )
            .map(|n| int32(n, "maximum_batching_window_in_seconds")),
            function_response_types: optional(&mapping_instance, "function_response_types", |e| {
                e.strings()
            })
            .unwrap_or_default(),
            maximum_concurrency: optional(
                &mapping_instance,
                "scaling_config.maximum_concurrency",
                |e| e.integer(),
            )
            .map(|n| int32(n, "maximum_concurrency")),
        };
        Declared {
            name_prefix,
            table,
            functions,
            retry_queue,
            dead_letter_queue,
            mapping,
            api: api(infra),
        }
    }

    /// The function deployed from this binary's zip.
    pub fn function_for_binary(&self, binary: &str) -> &Function {
        self.functions
            .iter()
            .find(|f| f.binary == binary)
            .unwrap_or_else(|| panic!("infra/ deploys no function from the {binary} zip"))
    }

    /// The function at this address.
    pub fn function_at(&self, address: &str) -> &Function {
        self.functions
            .iter()
            .find(|f| f.address == address)
            .unwrap_or_else(|| panic!("infra/ declares no Lambda function {address}"))
    }

    /// The routes whose integration invokes the function deployed from `binary`.
    pub fn routes_to(&self, binary: &str) -> Vec<&Route> {
        let function = &self.function_for_binary(binary).address;
        self.api
            .routes
            .iter()
            .filter(|route| {
                self.api
                    .integrations
                    .iter()
                    .any(|i| i.address == route.integration && &i.function == function)
            })
            .collect()
    }
}

/// The one instance of the one resource of this type.
fn single<'a>(infra: &'a Infra, kind: &'a str) -> Instance<'a> {
    let mut instances: Vec<Instance<'a>> = infra
        .resources_of(kind)
        .flat_map(|block| must(infra.instances_of(block)))
        .collect();
    match instances.len() {
        1 => instances.remove(0),
        n => panic!("infra/: expected one {kind}, found {n}"),
    }
}

/// The address of the resource instance an expression refers to (`aws_sqs_queue.retry.arn` →
/// `aws_sqs_queue.retry`; `aws_lambda_function.function["retrier"].arn` →
/// `aws_lambda_function.function["retrier"]`), its index evaluated where it is written.
fn address_of(expr: &Expr<'_>) -> String {
    let reference = expr.reference().unwrap_or_else(|| {
        panic!(
            "infra/ {}: {} is not a reference",
            expr.location(),
            expr.what()
        )
    });
    reference_address(expr, &reference)
}

fn reference_address(scope: &Expr<'_>, reference: &Reference) -> String {
    let Some((kind, name)) = reference.resource() else {
        panic!(
            "infra/ {}: {} refers to {}, not a resource",
            scope.location(),
            scope.what(),
            reference.text
        );
    };
    match &reference.index {
        None => format!("{kind}.{name}"),
        Some(index) => match must(scope.eval(index)) {
            Value::String(key) => format!("{kind}.{name}[{key:?}]"),
            Value::Number(n) => format!("{kind}.{name}[{n}]"),
            other => panic!(
                "infra/ {}: index {other} of {}",
                scope.location(),
                reference.text
            ),
        },
    }
}

/// The resource instance an expression refers to.
fn instance_named<'a>(infra: &'a Infra, expr: &Expr<'_>) -> Instance<'a> {
    instance_at(infra, &address_of(expr))
}

/// The resource instance at `address`.
fn instance_at<'a>(infra: &'a Infra, address: &str) -> Instance<'a> {
    infra
        .resources()
        .flat_map(|block| must(infra.instances_of(block)))
        .find(|i| i.address() == address)
        .unwrap_or_else(|| panic!("infra/ declares no {address}"))
}

fn function(f: &Instance<'_>) -> Function {
    let filename = must(f.expr("filename").and_then(|e| e.string()));
    let binary = Path::new(&filename)
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| {
            panic!(
                "infra/: {}.filename {filename:?} has no directory",
                f.address()
            )
        });
    let environment = must(f.expr("environment.variables").and_then(|e| e.entries()))
        .into_iter()
        .map(|(name, value)| {
            let value = match value.value() {
                Ok(Value::String(s)) => EnvValue::Literal(s),
                Ok(other) => EnvValue::Literal(other.to_string()),
                Err(err) if err.is_unknown() => {
                    let reference = value.reference().unwrap_or_else(|| {
                        panic!(
                            "infra/: {} is neither known nor one attribute: {err}",
                            value.what()
                        )
                    });
                    let [attribute] = reference.attributes.as_slice() else {
                        panic!("infra/: {} reads {:?}", value.what(), reference.attributes);
                    };
                    EnvValue::Attribute(AttributeRef {
                        resource: reference_address(&value, &reference),
                        attribute: attribute.clone(),
                    })
                }
                Err(err) => panic!("infra/: {err}"),
            };
            (name, value)
        })
        .collect();
    Function {
        address: f.address().to_owned(),
        binary,
        name: must(f.expr("function_name").and_then(|e| e.string())),
        description: optional(f, "description", |e| e.string()),
        runtime: must(f.expr("runtime").and_then(|e| e.string())),
        handler: must(f.expr("handler").and_then(|e| e.string())),
        memory_size: int32(
            must(f.expr("memory_size").and_then(|e| e.integer())),
            "memory_size",
        ),
        timeout: int32(must(f.expr("timeout").and_then(|e| e.integer())), "timeout"),
        environment,
    }
}

/// The arguments of `aws_sqs_queue` that set queue attributes, and the attribute each sets.
const QUEUE_ATTRIBUTES: [(&str, &str); 6] = [
    ("visibility_timeout_seconds", "VisibilityTimeout"),
    ("message_retention_seconds", "MessageRetentionPeriod"),
    ("delay_seconds", "DelaySeconds"),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
    ("max_message_size", "MaximumMessageSize"),
    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
];

fn queue(q: &Instance<'_>) -> Queue {
    let attributes = QUEUE_ATTRIBUTES
        .iter()
        .filter_map(|(argument, attribute)| {
            optional(q, argument, |e| e.value()).map(|value| {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (*attribute, text)
            })
        })
        .collect();
    let redrive = q.has("redrive_policy").then(|| {
        let policy = must(q.expr("redrive_policy").and_then(|e| e.json_argument()));
        let target = address_of(&must(policy.field("deadLetterTargetArn")));
        let max_receive_count = must(policy.field("maxReceiveCount").and_then(|e| e.integer()));
        (target, max_receive_count)
    });
    Queue {
        address: q.address().to_owned(),
        name: must(q.expr("name").and_then(|e| e.string())),
        attributes,
        redrive,
    }
}

fn api(infra: &Infra) -> Api {
    let api = single(infra, "aws_apigatewayv2_api");
    let stage = single(infra, "aws_apigatewayv2_stage");
    let integrations = infra
        .resources_of("aws_apigatewayv2_integration")
        .flat_map(|block| must(infra.instances_of(block)))
        .map(|i| Integration {
            address: i.address().to_owned(),
            function: address_of(&must(i.expr("integration_uri"))),
            integration_type: must(i.expr("integration_type").and_then(|e| e.string())),
            payload_format_version: optional(&i, "payload_format_version", |e| e.string()),
            timeout_milliseconds: optional(&i, "timeout_milliseconds", |e| e.integer())
                .map(|n| int32(n, "timeout_milliseconds")),
        })
        .collect();
    let routes = infra
        .resources_of("aws_apigatewayv2_route")
        .flat_map(|block| must(infra.instances_of(block)))
        .map(|r| {
            let target = must(r.expr("target"));
            let integration = target
                .references()
                .iter()
                .find(|reference| {
                    reference
                        .resource()
                        .is_some_and(|(kind, _)| kind == "aws_apigatewayv2_integration")
                })
                .map(|reference| reference_address(&target, reference))
                .unwrap_or_else(|| panic!("infra/: {} names no integration", target.what()));
            Route {
                route_key: must(r.expr("route_key").and_then(|e| e.string())),
                integration,
                authorization_type: optional(&r, "authorization_type", |e| e.string()),
            }
        })
        .collect();
    Api {
        name: must(api.expr("name").and_then(|e| e.string())),
        protocol_type: must(api.expr("protocol_type").and_then(|e| e.string())),
        integrations,
        routes,
        stage: (
            must(stage.expr("name").and_then(|e| e.string())),
            optional(&stage, "auto_deploy", |e| e.boolean()).unwrap_or(false),
        ),
    }
}
