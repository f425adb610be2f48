//! `terraform apply`, for the resources the test needs: what infra/ declares, created on ministack
//! through the official SDK's control-plane calls, in dependency order.
//!
//! Two deliberate differences from applying the defaults, both what a tfvars file could say:
//! every name's `var.name_prefix` is replaced by a per-run prefix, so runs on one ministack never
//! collide, and the architecture is x86_64 (`lambda_architecture = "x86_64"`, zips from
//! target/lambda-x86_64) because this host runs the bootstraps itself. IAM roles, permissions,
//! log groups, alarms and the schedule are not created: ministack enforces no IAM without
//! `AUTH=1`, and nothing here waits an hour for a poll.

use aws_config::SdkConfig;
use aws_sdk_apigatewayv2::types::{AuthorizationType, IntegrationType, ProtocolType};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, FunctionCode, FunctionResponseType, Runtime, ScalingConfig, State,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use sync_aws::dynamodb::DynamoStore;
use sync_aws::runtime::env;

use super::declared::{AttributeRef, Declared, EnvValue, Queue};
use super::stack::eventually;

/// The function the event source mapping must invoke.
pub const RETRIER: &str = "retrier";

/// Lambda wants a role; ministack does not check it (no IAM enforcement without `AUTH=1`).
const ROLE_ARN: &str = "arn:aws:iam::000000000000:role/deployed-shape-test";

/// What apply would know after creating each resource: attribute values, for the functions'
/// environment.
#[derive(Debug, Default)]
struct Known(HashMap<AttributeRef, String>);

impl Known {
    fn learn(&mut self, resource: &str, attributes: &[(&str, &str)]) {
        for (attribute, value) in attributes {
            let key = AttributeRef {
                resource: resource.to_owned(),
                attribute: (*attribute).to_owned(),
            };
            self.0.insert(key, (*value).to_owned());
        }
    }
}

/// What was created.
pub struct Applied {
    /// The table's name.
    pub table: String,
    /// Retry queue URL.
    pub retry_queue_url: String,
    /// Dead-letter queue URL.
    pub dead_letter_queue_url: String,
    /// Function names by binary.
    pub function_names: HashMap<String, String>,
    /// The retry queue's event source mapping.
    pub esm_uuid: String,
    /// The HTTP API.
    pub api_id: String,
    /// `aws_apigatewayv2_api.api_endpoint`: `http://<id>.execute-api.localhost:<port>`.
    pub api_endpoint: String,
    /// The functions' `SYNC_SECRET_PREFIX`, under which a connection's secret goes.
    pub secret_prefix: String,
}

/// Creates the table, the queues, the functions, the mapping and the HTTP API. `endpoint` is
/// ministack's; `prefix` replaces `var.name_prefix` in every name.
pub async fn apply(
    config: &SdkConfig,
    endpoint: &str,
    zips: &Path,
    declared: &Declared,
    prefix: &str,
) -> Applied {
    let named = |name: &str| match name.strip_prefix(&declared.name_prefix) {
        Some(rest) => format!("{prefix}{rest}"),
        None => name.to_owned(),
    };
    let mut known = Known::default();

    let table = named(&declared.table.name);
    DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(config), &table)
        .await
        .expect("table");
    known.learn(&declared.table.address, &[("name", &table)]);

    let sqs = aws_sdk_sqs::Client::new(config);
    let dead_letter = &declared.dead_letter_queue;
    let (dead_letter_queue_url, dead_letter_arn) =
        create_queue(&sqs, dead_letter, &named(&dead_letter.name), None).await;
    known.learn(
        &dead_letter.address,
        &[("url", &dead_letter_queue_url), ("arn", &dead_letter_arn)],
    );
    let retry = &declared.retry_queue;
    let redrive = retry.redrive.as_ref().map(|(target, count)| {
        assert_eq!(
            target, &dead_letter.address,
            "the retry queue's redrive target"
        );
        json!({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": count}).to_string()
    });
    let (retry_queue_url, retry_queue_arn) =
        create_queue(&sqs, retry, &named(&retry.name), redrive).await;
    known.learn(
        &retry.address,
        &[("url", &retry_queue_url), ("arn", &retry_queue_arn)],
    );

    let lambda = aws_sdk_lambda::Client::new(config);
    let (function_names, secret_prefix) =
        create_functions(&lambda, endpoint, zips, declared, &named, &mut known).await;
    let esm_uuid = create_mapping(&lambda, declared, &retry_queue_arn, &known).await;
    let (api_id, api_endpoint) = create_api(config, declared, &named, &known).await;
    Applied {
        table,
        retry_queue_url,
        dead_letter_queue_url,
        function_names,
        esm_uuid,
        api_id,
        api_endpoint,
        secret_prefix,
    }
}

/// Creates a queue with the attributes infra/ sets (and the redrive policy, once the
/// dead-letter queue's ARN is known); returns its URL and ARN.
async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    queue: &Queue,
    name: &str,
    redrive_policy: Option<String>,
) -> (String, String) {
    let mut request = sqs.create_queue().queue_name(name);
    for (attribute, value) in &queue.attributes {
        request = request.attributes(QueueAttributeName::from(*attribute), value);
    }
    if let Some(policy) = redrive_policy {
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
    }
    let url = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateQueue {name}: {}", e.into_service_error()))
        .queue_url
        .expect("queue url");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("queue arn");
    (url, arn)
}

/// Creates every function from its zip with the environment infra/ gives it, and waits until
/// each is Active. Returns the names by binary and the secret prefix the functions read.
async fn create_functions(
    lambda: &aws_sdk_lambda::Client,
    endpoint: &str,
    zips: &Path,
    declared: &Declared,
    named: &impl Fn(&str) -> String,
    known: &mut Known,
) -> (HashMap<String, String>, String) {
    let mut names = HashMap::new();
    let mut secret_prefix = None;
    for function in &declared.functions {
        let name = named(&function.name);
        let zip_path = zips.join(&function.binary).join("bootstrap.zip");
        let zip =
            std::fs::read(&zip_path).unwrap_or_else(|e| panic!("{}: {e}", zip_path.display()));
        let mut variables = HashMap::new();
        for (key, value) in &function.environment {
            let value = match value {
                EnvValue::Literal(text) => named(text),
                EnvValue::Attribute(attribute) => {
                    known.0.get(attribute).cloned().unwrap_or_else(|| {
                        panic!(
                            "{} sets {key} from {}.{}, which this test does not create; \
                             teach tests/tests/deployed_shape/apply.rs",
                            function.address, attribute.resource, attribute.attribute
                        )
                    })
                }
            };
            if key == env::SECRET_PREFIX {
                secret_prefix = Some(value.clone());
            }
            variables.insert(key.clone(), value);
        }
        // The emulator's one addition: on AWS the SDK's default endpoints are right and
        // Terraform sets nothing. (scripts/ministack gives ministack this variable too, and
        // ministack sets it on every function; this covers a ministack started otherwise.)
        variables.insert("AWS_ENDPOINT_URL".into(), endpoint.to_owned());
        let environment = Environment::builder()
            .set_variables(Some(variables))
            .build();
        let created = lambda
            .create_function()
            .function_name(&name)
            .set_description(function.description.clone())
            .runtime(Runtime::from(function.runtime.as_str()))
            .handler(&function.handler)
            .role(ROLE_ARN)
            .architectures(Architecture::X8664)
            .memory_size(function.memory_size)
            .timeout(function.timeout)
            .environment(environment)
            .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateFunction {name}: {}", e.into_service_error()));
        let arn = created.function_arn.expect("function arn");
        known.learn(
            &function.address,
            &[("arn", &arn), ("function_name", &name)],
        );
        names.insert(function.binary.clone(), name);
    }
    for name in names.values() {
        eventually(
            &format!("{name} to be Active"),
            Duration::from_secs(30),
            || async move {
                let state = lambda
                    .get_function_configuration()
                    .function_name(name)
                    .send()
                    .await
                    .map_err(|e| e.into_service_error().to_string())?
                    .state;
                match state {
                    Some(State::Active) => Ok(()),
                    other => Err(format!("state {other:?}")),
                }
            },
        )
        .await;
    }
    let secret_prefix =
        secret_prefix.unwrap_or_else(|| panic!("no function gets {}", env::SECRET_PREFIX));
    (names, secret_prefix)
}

/// The retry queue's event source mapping, with infra/'s batch size, batching window, response
/// types and maximum concurrency; returns its UUID.
async fn create_mapping(
    lambda: &aws_sdk_lambda::Client,
    declared: &Declared,
    retry_queue_arn: &str,
    known: &Known,
) -> String {
    let mapping = &declared.mapping;
    assert_eq!(
        declared.function_at(&mapping.function).binary,
        RETRIER,
        "the retry queue's mapping invokes the retrier"
    );
    let function_arn = arn_of(known, &mapping.function);
    lambda
        .create_event_source_mapping()
        .event_source_arn(retry_queue_arn)
        .function_name(function_arn)
        .set_batch_size(mapping.batch_size)
        .set_maximum_batching_window_in_seconds(mapping.maximum_batching_window)
        .set_scaling_config(
            mapping
                .maximum_concurrency
                .map(|n| ScalingConfig::builder().maximum_concurrency(n).build()),
        )
        .set_function_response_types(Some(
            mapping
                .function_response_types
                .iter()
                .map(|t| FunctionResponseType::from(t.as_str()))
                .collect(),
        ))
        .enabled(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateEventSourceMapping: {}", e.into_service_error()))
        .uuid
        .expect("mapping uuid")
}

/// The HTTP API with every integration and route infra/ declares, and its stage; returns the
/// API's id and endpoint.
async fn create_api(
    config: &SdkConfig,
    declared: &Declared,
    named: &impl Fn(&str) -> String,
    known: &Known,
) -> (String, String) {
    let apigw = aws_sdk_apigatewayv2::Client::new(config);
    let api = apigw
        .create_api()
        .name(named(&declared.api.name))
        .protocol_type(ProtocolType::from(declared.api.protocol_type.as_str()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApi: {}", e.into_service_error()));
    let api_id = api.api_id.expect("api id");
    let mut integration_ids = HashMap::new();
    for integration in &declared.api.integrations {
        let function_arn = arn_of(known, &integration.function);
        // What `aws_lambda_function.<f>.invoke_arn` holds.
        let invoke_arn = format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        );
        let created = apigw
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::from(integration.integration_type.as_str()))
            .integration_uri(invoke_arn)
            .set_payload_format_version(integration.payload_format_version.clone())
            .set_timeout_in_millis(integration.timeout_milliseconds)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateIntegration: {}", e.into_service_error()));
        let id = created.integration_id.expect("integration id");
        integration_ids.insert(integration.address.clone(), id);
    }
    for route in &declared.api.routes {
        let authorization = route.authorization_type.as_deref();
        apigw
            .create_route()
            .api_id(&api_id)
            .route_key(&route.route_key)
            .target(format!(
                "integrations/{}",
                integration_ids[&route.integration]
            ))
            .set_authorization_type(authorization.map(AuthorizationType::from))
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "CreateRoute {}: {}",
                    route.route_key,
                    e.into_service_error()
                )
            });
    }
    let (stage, auto_deploy) = &declared.api.stage;
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name(stage)
        .auto_deploy(*auto_deploy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStage: {}", e.into_service_error()));
    (api_id, api.api_endpoint.expect("api endpoint"))
}

/// The ARN of a function created earlier, by its address in infra/.
fn arn_of<'a>(known: &'a Known, function: &str) -> &'a str {
    let key = AttributeRef {
        resource: function.to_owned(),
        attribute: "arn".to_owned(),
    };
    known
        .0
        .get(&key)
        .unwrap_or_else(|| panic!("{function} was not created"))
}
