//! A deployment on moto (DynamoDB, SQS, Secrets Manager through the official SDK) with both
//! sandboxes behind one connection, and helpers that act like API Gateway and SQS.

#![allow(dead_code)]

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use lambda_http::{Body, RequestExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use invoiced::RequestOptions;
use invoiced::models::{CustomerParams, InvoiceParams, LineItemParams};
use rust_decimal_macros::dec;
use sandbox::intacct::{IntacctConfig, RunningIntacct, SeedSpec};
use sandbox::invoiced::{InvoicedConfig, Kind, RunningInvoiced};
use sync_aws::dynamodb::DynamoStore;
use sync_aws::handlers::{retrier, writer};
use sync_aws::runtime::{Deployment, Resources};
use sync_engine::config::ConnectionConfig;
use sync_engine::engine::EngineSettings;
use sync_engine::ports::ConfigStore;
use sync_engine::retry::RetryPolicy;

pub async fn sdk_config() -> SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: start moto with `eval \"$(scripts/moto)\"` first")
    });
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static-test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A deployment on moto with both sandboxes behind one connection.
pub struct Stack {
    pub deployment: Arc<Deployment>,
    pub store: Arc<DynamoStore>,
    pub sqs: aws_sdk_sqs::Client,
    pub retry_queue_url: String,
    pub dlq_url: String,
    pub intacct: RunningIntacct,
    pub invoiced: RunningInvoiced,
    pub api: invoiced::Client,
    pub connection: sync_engine::config::ConnectionId,
    /// Secrets Manager client and the connection's secret name.
    pub secrets: aws_sdk_secretsmanager::Client,
    pub secret_name: String,
}

impl Stack {
    pub async fn start(seed: SeedSpec, retry: RetryPolicy) -> Stack {
        Self::start_with(
            seed,
            retry,
            IntacctConfig::default(),
            InvoicedConfig::for_tests(),
        )
        .await
    }

    /// Like [`Stack::start`] with the sandboxes configured by the caller (credentials, faults).
    pub async fn start_with(
        seed: SeedSpec,
        retry: RetryPolicy,
        intacct_config: IntacctConfig,
        invoiced_config: InvoicedConfig,
    ) -> Stack {
        let config = sdk_config().await;
        let table = unique("sync");
        DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
            .await
            .expect("table");
        let sqs = aws_sdk_sqs::Client::new(&config);
        let dlq_url = sqs
            .create_queue()
            .queue_name(unique("dlq"))
            .send()
            .await
            .expect("dlq")
            .queue_url
            .expect("dlq url");
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("dlq attributes")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .expect("dlq arn");
        let retry_queue_url = sqs
            .create_queue()
            .queue_name(unique("retry"))
            .attributes(
                QueueAttributeName::RedrivePolicy,
                json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}).to_string(),
            )
            .send()
            .await
            .expect("retry queue")
            .queue_url
            .expect("queue url");
        let intacct = sandbox::intacct::spawn(IntacctConfig {
            seed,
            ..intacct_config
        })
        .await
        .expect("intacct sandbox");
        let invoiced = sandbox::invoiced::spawn(invoiced_config)
            .await
            .expect("invoiced sandbox");
        let prefix = unique("sync/");
        let resources = Resources {
            table,
            retry_queue_url: retry_queue_url.clone(),
            dead_letter_queue_url: dlq_url.clone(),
            secret_prefix: format!("{prefix}/"),
        };
        let settings = EngineSettings {
            retry,
            lease_wait: Duration::from_secs(2),
            ..EngineSettings::default()
        };
        let deployment = Arc::new(Deployment::new(&config, resources, settings));
        let connection_config = ConnectionConfig::from_json(
            &json!({
                "id": "acme",
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
        .expect("config");
        deployment
            .store
            .put_config(&connection_config)
            .await
            .expect("config stored");
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        let secret_name = format!("{prefix}/acme");
        put_connection_secret(
            &secrets,
            &secret_name,
            &intacct,
            &invoiced,
            intacct.credentials.user_password.expose_secret(),
        )
        .await;
        let api = invoiced::Client::new(invoiced::ClientConfig::new(
            invoiced.api_key.clone(),
            invoiced::Environment::Custom(invoiced.url.parse().expect("url")),
        ))
        .expect("client");
        Stack {
            store: deployment.store.clone(),
            deployment,
            sqs,
            retry_queue_url,
            dlq_url,
            intacct,
            invoiced,
            api,
            connection: connection_config.id,
            secrets,
            secret_name,
        }
    }

    /// Writes the connection's secret with this Intacct user password (a rotation, or a typo).
    pub async fn put_intacct_user_password(&self, password: &str) {
        put_connection_secret(
            &self.secrets,
            &self.secret_name,
            &self.intacct,
            &self.invoiced,
            password,
        )
        .await;
    }

    /// A webhook request exactly as API Gateway (payload 2.0) hands it to the writer.
    pub fn webhook_request(&self, event: &Value, signature: &str) -> lambda_http::Request {
        let body = serde_json::to_string(event).expect("body");
        let request = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/webhooks/acme")
            .header("x-invoiced-signature", signature)
            .body(Body::Text(body))
            .expect("request");
        request.with_path_parameters(HashMap::from([(
            "connection".to_owned(),
            "acme".to_owned(),
        )]))
    }

    pub fn sign(&self, event: &Value) -> String {
        let secret =
            invoiced::WebhookSecret::new(self.invoiced.webhook_secret.clone()).expect("secret");
        invoiced::webhook::sign(
            &secret,
            serde_json::to_string(event).expect("body").as_bytes(),
        )
    }

    pub fn events(&self) -> Vec<Value> {
        let mut events = self.invoiced.handle().list_json(Kind::Event);
        events.sort_by_key(|e| e["id"].as_i64().unwrap_or_default());
        events
    }

    pub async fn deliver_all(&self) -> Vec<u16> {
        let mut statuses = Vec::new();
        for event in self.events() {
            let request = self.webhook_request(&event, &self.sign(&event));
            statuses.push(
                writer::handle(&self.deployment.engine, request)
                    .await
                    .status()
                    .as_u16(),
            );
        }
        statuses
    }

    pub async fn invoice_in_invoiced(&self, number: &str) {
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
    }

    /// Receives what is on a queue now (waiting out delays up to `wait`), as an SQS event.
    pub async fn receive(&self, queue_url: &str, wait: Duration) -> SqsEvent {
        let deadline = std::time::Instant::now() + wait;
        let mut records = Vec::new();
        while records.is_empty() && std::time::Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive");
            for m in out.messages.unwrap_or_default() {
                let mut record = SqsMessage::default();
                record.message_id = m.message_id;
                record.receipt_handle = m.receipt_handle;
                record.body = m.body;
                records.push(record);
            }
        }
        let mut event = SqsEvent::default();
        event.records = records;
        event
    }

    /// Deletes what the retrier settled (SQS does this for the event source mapping).
    pub async fn ack(&self, event: &SqsEvent, failed: &[String]) {
        for record in &event.records {
            if failed.contains(record.message_id.as_ref().expect("id")) {
                continue;
            }
            self.sqs
                .delete_message()
                .queue_url(&self.retry_queue_url)
                .receipt_handle(record.receipt_handle.clone().expect("receipt"))
                .send()
                .await
                .expect("delete");
        }
    }

    pub async fn run_retrier(&self, event: SqsEvent) -> Vec<String> {
        let deadline = SystemTime::now() + Duration::from_secs(60);
        let response = retrier::handle(self.deployment.clone(), event.clone(), deadline).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        self.ack(&event, &failed).await;
        failed
    }
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(2),
        floor: Duration::from_secs(1),
        max_attempts: 3,
    }
}

async fn put_connection_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    intacct: &RunningIntacct,
    invoiced: &RunningInvoiced,
    user_password: &str,
) {
    let mut secret = sandbox::connection_secrets(intacct, invoiced);
    secret["intacct_user_password"] = user_password.into();
    let secret = secret.to_string();
    sync_aws::secrets::put_secret(client, name, &SecretString::from(secret))
        .await
        .expect("secret stored");
}
