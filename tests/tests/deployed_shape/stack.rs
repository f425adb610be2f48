//! A deployment on ministack as infra/ declares it (see `apply`), with both sandboxes and one
//! connection; and the probes the scenario asserts with.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_sqs::types::QueueAttributeName;
use secrecy::SecretString;
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, LineItemParams};
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, ObjectKind, RunningIntacct};
use sandbox::invoiced::{InvoicedConfig, Kind, RunningInvoiced};
use sync_aws::dynamodb::DynamoStore;
use sync_engine::config::ConnectionConfig;
use sync_engine::ports::ConfigStore;

use super::apply::{Applied, RETRIER, apply};
use super::declared::Declared;

/// The connection the test adds.
pub const CONNECTION: &str = "acme";

/// The function Invoiced's webhooks go to.
pub const WRITER: &str = "writer";

/// Polls `probe` until it yields a value or `limit` passes; the panic names what was awaited
/// and what the probe saw last (its `Err`).
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let last = match probe().await {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}; last seen: {last}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Messages on a queue (SQS's approximate counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth {
    /// Ready to be received.
    pub visible: u64,
    /// Sent with a delay that has not passed.
    pub delayed: u64,
    /// Received and neither deleted nor back (a consumer holds them, or a failed one waits out
    /// the visibility timeout).
    pub in_flight: u64,
}

/// One deployment on ministack, as infra/ declares it, with the connection added.
pub struct Deployed {
    config: SdkConfig,
    /// ministack, e.g. `http://127.0.0.1:4566`.
    endpoint: String,
    /// The run's name prefix (in place of `var.name_prefix`).
    prefix: String,
    /// What `apply` created.
    pub applied: Applied,
    /// The table, for assertions on what the functions stored.
    pub store: DynamoStore,
    sqs: aws_sdk_sqs::Client,
    lambda: aws_sdk_lambda::Client,
    /// The webhook route's path with the connection filled in: `/webhooks/acme`.
    pub webhook_path: String,
    pub intacct: RunningIntacct,
    pub invoiced: RunningInvoiced,
    api: invoiced::Client,
}

impl Deployed {
    /// Applies infra/, starts both sandboxes, adds the connection, and points Invoiced's
    /// webhooks at the route that reaches the writer.
    pub async fn create(endpoint: &str, zips: &Path, declared: &Declared) -> Deployed {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
            .load()
            .await;
        let prefix = format!("ds-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let webhook_path = webhook_path(declared);
        let applied = apply(&config, &endpoint, zips, declared, &prefix).await;

        let intacct = sandbox::intacct::spawn(IntacctConfig::default())
            .await
            .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(InvoicedConfig::for_tests())
            .await
            .expect("invoiced sandbox");
        let store = DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            applied.table.clone(),
        );
        add_connection(&config, &store, &applied.secret_prefix, &intacct, &invoiced).await;
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse().expect("url")),
        ))
        .expect("invoiced client");
        let deployed = Deployed {
            sqs: aws_sdk_sqs::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            config,
            endpoint,
            prefix,
            applied,
            store,
            webhook_path,
            intacct,
            invoiced,
            api,
        };
        // Invoiced delivers to the route. The sandbox cannot resolve the AWS-style host
        // `<id>.execute-api.localhost`, so it uses ministack's path form of the same API.
        deployed.invoiced.handle().set_webhook(
            Some(deployed.webhook_url_by_path(&declared.api.stage.0)),
            deployed.invoiced.webhook_secret.clone(),
        );
        deployed
    }

    /// `http://127.0.0.1:<port>/_aws/execute-api/<id>[/<stage>]/webhooks/acme`: ministack's
    /// path-addressed form of the API (a `$default` stage has no path segment, as on AWS).
    fn webhook_url_by_path(&self, stage: &str) -> String {
        let stage = if stage == "$default" {
            String::new()
        } else {
            format!("/{stage}")
        };
        format!(
            "{}/_aws/execute-api/{}{stage}{}",
            self.endpoint, self.applied.api_id, self.webhook_path
        )
    }

    /// A client that reaches the API endpoint by its AWS-style host name, which does not
    /// resolve here: the name is pinned to ministack's address.
    pub fn api_endpoint_client(&self) -> reqwest::Client {
        let url: reqwest::Url = self.applied.api_endpoint.parse().expect("api endpoint url");
        let ministack: reqwest::Url = self.endpoint.parse().expect("endpoint url");
        let ip = ministack
            .host_str()
            .and_then(|h| h.parse::<std::net::IpAddr>().ok())
            .expect("ministack's endpoint is an IP address");
        reqwest::Client::builder()
            .resolve(
                url.host_str().expect("api host"),
                SocketAddr::new(ip, url.port_or_known_default().expect("port")),
            )
            .build()
            .expect("client")
    }

    /// An invoice (and its new customer) created in Invoiced, as a user would; Invoiced then
    /// delivers `customer.created` and `invoice.created`. Returns the ids of the new events.
    pub async fn invoice_in_invoiced(&self, number: &str) -> Vec<i64> {
        let before = self.event_ids();
        let customer = self
            .api
            .customers()
            .create(
                &CustomerParams {
                    name: Some(format!("Customer of {number}")),
                    number: Some(format!("C-{number}")),
                    ..CustomerParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("customer");
        self.api
            .invoices()
            .create(
                &InvoiceParams {
                    customer: Some(customer.id),
                    number: Some(number.into()),
                    draft: Some(false),
                    items: Some(vec![LineItemParams {
                        name: Some("Work".into()),
                        quantity: Some(dec!(1)),
                        unit_cost: Some(dec!(42)),
                        ..LineItemParams::default()
                    }]),
                    ..InvoiceParams::default()
                },
                &RequestOptions::default(),
            )
            .await
            .expect("invoice");
        let events: Vec<i64> = self
            .event_ids()
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        assert!(!events.is_empty(), "Invoiced recorded events for {number}");
        events
    }

    fn event_ids(&self) -> Vec<i64> {
        self.invoiced
            .handle()
            .list_json(Kind::Event)
            .iter()
            .filter_map(|e| e["id"].as_i64())
            .collect()
    }

    /// Waits until Invoiced has delivered each event and the writer answered 2xx; fails at
    /// once when a delivery was refused and Invoiced has no retry left.
    pub async fn delivered(&self, events: &[i64]) {
        let handle = self.invoiced.handle();
        eventually(
            "Invoiced's deliveries to be answered 2xx through the HTTP API",
            Duration::from_secs(60),
            || {
                let attempts = handle.webhook_attempts();
                let pending = handle.pending_webhooks();
                async move {
                    if events
                        .iter()
                        .all(|id| attempts.iter().any(|a| a.event_id == *id && a.succeeded))
                    {
                        return Ok(());
                    }
                    let refused: Vec<_> = attempts
                        .iter()
                        .filter(|a| events.contains(&a.event_id) && !a.succeeded)
                        .collect();
                    assert!(
                        pending > 0 || refused.is_empty(),
                        "deliveries failed for good: {refused:#?}"
                    );
                    Err(format!("{} attempts, {pending} pending", attempts.len()))
                }
            },
        )
        .await
    }

    /// Every delivery attempt Invoiced has made so far.
    pub fn deliveries(&self) -> usize {
        self.invoiced.handle().webhook_attempts().len()
    }

    /// The AR invoices with this number in Intacct.
    pub fn ar_invoices(&self, number: &str) -> usize {
        self.intacct
            .handle
            .records(ObjectKind::ArInvoice)
            .iter()
            .filter(|r| r.fields.get("RECORDID").map(String::as_str) == Some(number))
            .count()
    }

    /// A message on the retry queue that is not a retry message (a hand-written body, a bug in
    /// an older version): the retrier can never settle it.
    pub async fn send_unreadable_retry_message(&self) {
        self.sqs
            .send_message()
            .queue_url(&self.applied.retry_queue_url)
            .message_body("not a retry message")
            .send()
            .await
            .expect("send");
    }

    /// The messages on a queue, without taking any: receiving would steal them from the event
    /// source mapping.
    pub async fn depth(&self, queue_url: &str) -> Depth {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .unwrap_or_default();
        let count = |name: QueueAttributeName| {
            attributes
                .get(&name)
                .map_or(0, |v| v.parse::<u64>().expect("a count"))
        };
        Depth {
            visible: count(QueueAttributeName::ApproximateNumberOfMessages),
            delayed: count(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
            in_flight: count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        }
    }

    /// Pauses or resumes the retry queue's event source mapping (what an operator does in the
    /// console); messages wait on the queue meanwhile.
    pub async fn set_mapping_enabled(&self, enabled: bool) {
        self.lambda
            .update_event_source_mapping()
            .uuid(&self.applied.esm_uuid)
            .enabled(enabled)
            .send()
            .await
            .unwrap_or_else(|e| panic!("UpdateEventSourceMapping: {}", e.into_service_error()));
    }

    /// Best-effort teardown, so a long-lived ministack stops polling and running this run's
    /// functions.
    pub async fn delete(&self) {
        let _ = self
            .lambda
            .delete_event_source_mapping()
            .uuid(&self.applied.esm_uuid)
            .send()
            .await;
        for name in self.applied.function_names.values() {
            let _ = self
                .lambda
                .delete_function()
                .function_name(name)
                .send()
                .await;
        }
        let _ = aws_sdk_apigatewayv2::Client::new(&self.config)
            .delete_api()
            .api_id(&self.applied.api_id)
            .send()
            .await;
    }

    /// For a failing run: the mapping's last result, each function's answer to an event that
    /// does nothing (a function that cannot start says why only there: ministack records no
    /// log for a failed init), and the functions' logs (ministack writes each invocation's
    /// output to CloudWatch Logs as Lambda does).
    pub async fn diagnostics(&self) -> String {
        let mut report = format!(
            "resources prefixed {} (table {})\n",
            self.prefix, self.applied.table
        );
        if let Ok(esm) = self
            .lambda
            .get_event_source_mapping()
            .uuid(&self.applied.esm_uuid)
            .send()
            .await
        {
            report.push_str(&format!(
                "event source mapping: state {:?}, last result {:?}\n",
                esm.state, esm.last_processing_result
            ));
        }
        let logs = aws_sdk_cloudwatchlogs::Client::new(&self.config);
        for binary in [WRITER, RETRIER] {
            let name = &self.applied.function_names[binary];
            // An empty SQS batch: the retrier settles nothing; the writer rejects the event.
            match self
                .lambda
                .invoke()
                .function_name(name)
                .payload(Blob::new(r#"{"Records":[]}"#))
                .send()
                .await
            {
                Ok(out) => report.push_str(&format!(
                    "invoke {name} with an empty batch: error {:?}, payload {}\n",
                    out.function_error,
                    out.payload
                        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
                        .unwrap_or_default()
                )),
                Err(e) => report.push_str(&format!("invoke {name}: {}\n", e.into_service_error())),
            }
            let group = format!("/aws/lambda/{name}");
            report.push_str(&format!("--- {group}\n"));
            match logs.filter_log_events().log_group_name(&group).send().await {
                Ok(out) => {
                    for event in out.events.unwrap_or_default() {
                        report.push_str(event.message.as_deref().unwrap_or_default());
                        report.push('\n');
                    }
                }
                Err(e) => report.push_str(&format!("(no logs: {})\n", e.into_service_error())),
            }
        }
        report
    }
}

/// The path Invoiced posts to: the route infra/ sends to the writer, with the connection
/// filled in (`POST /webhooks/{connection}` → `/webhooks/acme`).
fn webhook_path(declared: &Declared) -> String {
    let routes = declared.routes_to(WRITER);
    let [route] = routes.as_slice() else {
        panic!(
            "infra/ routes {} times to the writer, expected once",
            routes.len()
        );
    };
    let (method, path) = route
        .route_key
        .split_once(' ')
        .expect("a route key is `METHOD /path`");
    assert_eq!(method, "POST", "Invoiced POSTs its webhooks");
    let filled = path.replace("{connection}", CONNECTION);
    assert!(
        !filled.contains('{'),
        "the webhook route has a parameter the test cannot fill: {path}"
    );
    filled
}

/// What an operator does to add a connection: its configuration in the table and its
/// credentials in Secrets Manager under the functions' prefix.
async fn add_connection(
    config: &SdkConfig,
    store: &DynamoStore,
    secret_prefix: &str,
    intacct: &RunningIntacct,
    invoiced: &RunningInvoiced,
) {
    let connection = ConnectionConfig::from_json(
        &json!({
            "id": CONNECTION,
            "intacct": {"company_id": intacct.credentials.company_id, "endpoint": intacct.endpoint},
            "invoiced": {"base_url": invoiced.url},
            "flows": {
                "read": {"customers": true, "invoices": true, "credit_notes": true, "payments": true},
                "write": {"customers": true, "invoices": true, "credit_notes": true, "payments": true}
            },
            "accounts": {"item_account": "4000", "payment_routes": [
                {"currency": "*", "method": "*", "deposit": {"bank_account": "BOA"}}
            ]}
        })
        .to_string(),
    )
    .expect("connection config");
    store.put_config(&connection).await.expect("config stored");
    let secret = sandbox::connection_secrets(intacct, invoiced).to_string();
    sync_aws::secrets::put_secret(
        &aws_sdk_secretsmanager::Client::new(config),
        &format!("{secret_prefix}{CONNECTION}"),
        &SecretString::from(secret),
    )
    .await
    .expect("secret stored");
}
