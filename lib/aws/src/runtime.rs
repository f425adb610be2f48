//! Building the engine inside a Lambda function: once per cold start, from the environment.
//!
//! [`env::ALL`] is the one list of environment variables the functions read; Terraform sets
//! exactly these and the infra check compares the two.

use std::sync::Arc;
use std::time::Duration;

use sync_engine::adapters::clients::HttpConnector;
use sync_engine::engine::{Engine, EngineSettings};
use sync_engine::ports::SystemClock;

use crate::dynamodb::DynamoStore;
use crate::secrets::SecretsManagerSource;
use crate::sqs::{SqsQueues, SqsRetryQueue};

/// The environment the functions read.
pub mod env {
    /// DynamoDB table holding config, mappings, intents, errors, cursors, events and leases.
    pub const TABLE: &str = "SYNC_TABLE_NAME";
    /// URL of the SQS retry queue.
    pub const RETRY_QUEUE_URL: &str = "SYNC_RETRY_QUEUE_URL";
    /// URL of its dead-letter queue.
    pub const DEAD_LETTER_QUEUE_URL: &str = "SYNC_DEAD_LETTER_QUEUE_URL";
    /// Prefix of the per-connection secrets in Secrets Manager (`<prefix><connection id>`).
    pub const SECRET_PREFIX: &str = "SYNC_SECRET_PREFIX";
    /// Attempts before a failing record becomes a reconciliation error and its message goes to
    /// the dead-letter queue (optional; the engine's default, 8, otherwise).
    pub const RETRY_MAX_ATTEMPTS: &str = "SYNC_RETRY_MAX_ATTEMPTS";
    /// Log filter (`info` by default).
    pub const LOG: &str = "RUST_LOG";
    /// Every variable, in one place.
    pub const ALL: [&str; 6] = [
        TABLE,
        RETRY_QUEUE_URL,
        DEAD_LETTER_QUEUE_URL,
        SECRET_PREFIX,
        RETRY_MAX_ATTEMPTS,
        LOG,
    ];
}

/// How long fetched credentials are reused before Secrets Manager is asked again. An
/// authentication failure refreshes them at once, so a rotation never waits this long.
pub const SECRET_CACHE_TTL: Duration = Duration::from_secs(300);

/// A required variable is missing or unusable.
#[derive(thiserror::Error)]
pub enum EnvironmentError {
    /// Not set, or blank.
    #[error("environment variable {0} is not set")]
    Unset(&'static str),
    /// Set to something the function cannot use.
    #[error("environment variable {name} is {value:?}: {expected}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it holds.
        value: String,
        /// What it should hold.
        expected: &'static str,
    },
}

/// A function that cannot start returns this from `main`, and the Lambda runtime prints it with
/// `{:?}`: print the sentence an operator can act on, not the enum.
impl std::fmt::Debug for EnvironmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The most attempts [`env::RETRY_MAX_ATTEMPTS`] may ask for: beyond this a record would wait
/// days in the queue instead of reaching an operator.
pub const RETRY_MAX_ATTEMPTS_LIMIT: u32 = 20;

/// What one deployment's functions share: the engine and the adapters behind it.
pub struct Deployment {
    /// The engine over DynamoDB, SQS and Secrets Manager.
    pub engine: Arc<Engine>,
    /// The store, for operator routes.
    pub store: Arc<DynamoStore>,
    /// The SQS client, for the dead-letter queue.
    pub sqs: aws_sdk_sqs::Client,
    /// Retry queue URL.
    pub retry_queue_url: String,
    /// Dead-letter queue URL.
    pub dead_letter_queue_url: String,
    /// The Secrets Manager client, for operators storing a connection's secret.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// Prefix of the connections' secret names.
    pub secret_prefix: String,
    /// The engine's credential source (the same value, with its cache): an operator rotating a
    /// secret, or a test, can see what a warm function would use and invalidate it.
    pub secret_source: Arc<SecretsManagerSource>,
}

fn var(name: &'static str) -> Result<String, EnvironmentError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or(EnvironmentError::Unset(name))
}

/// The engine settings the environment may change: today the attempt cap.
pub fn settings_from_env() -> Result<EngineSettings, EnvironmentError> {
    let mut settings = EngineSettings::default();
    if let Ok(value) = var(env::RETRY_MAX_ATTEMPTS) {
        settings.retry.max_attempts = parse_attempts(&value)?;
    }
    Ok(settings)
}

fn parse_attempts(value: &str) -> Result<u32, EnvironmentError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=RETRY_MAX_ATTEMPTS_LIMIT).contains(n))
        .ok_or_else(|| EnvironmentError::Invalid {
            name: env::RETRY_MAX_ATTEMPTS,
            value: value.to_owned(),
            expected: "a whole number from 1 to 20",
        })
}

/// The names of a deployment's resources.
#[derive(Debug, Clone)]
pub struct Resources {
    /// DynamoDB table.
    pub table: String,
    /// Retry queue URL.
    pub retry_queue_url: String,
    /// Dead-letter queue URL.
    pub dead_letter_queue_url: String,
    /// Secrets Manager name prefix.
    pub secret_prefix: String,
}

impl Resources {
    /// From the environment ([`env`]).
    pub fn from_env() -> Result<Self, EnvironmentError> {
        Ok(Self {
            table: var(env::TABLE)?,
            retry_queue_url: var(env::RETRY_QUEUE_URL)?,
            dead_letter_queue_url: var(env::DEAD_LETTER_QUEUE_URL)?,
            secret_prefix: var(env::SECRET_PREFIX)?,
        })
    }
}

impl Deployment {
    /// The retry queue and its dead-letter queue, for operators and the retrier.
    pub fn queues(&self) -> SqsQueues {
        SqsQueues::new(
            self.sqs.clone(),
            self.retry_queue_url.clone(),
            self.dead_letter_queue_url.clone(),
        )
    }

    /// Reads the environment and builds the SDK clients and the engine. `aws_config` honours
    /// `AWS_ENDPOINT_URL`, which is how a local endpoint is used without a code path of its own.
    pub async fn from_env() -> Result<Self, EnvironmentError> {
        let resources = Resources::from_env()?;
        let settings = settings_from_env()?;
        let config = aws_config::load_from_env().await;
        Ok(Self::new(&config, resources, settings))
    }

    /// Builds the clients once (per cold start) and the engine over them.
    pub fn new(
        config: &aws_config::SdkConfig,
        resources: Resources,
        settings: EngineSettings,
    ) -> Self {
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(config),
            resources.table,
        ));
        let sqs = aws_sdk_sqs::Client::new(config);
        let queue = Arc::new(SqsRetryQueue::new(
            sqs.clone(),
            resources.retry_queue_url.clone(),
        ));
        let secrets_client = aws_sdk_secretsmanager::Client::new(config);
        let secrets = Arc::new(SecretsManagerSource::new(
            secrets_client.clone(),
            resources.secret_prefix.clone(),
            SECRET_CACHE_TTL,
        ));
        let engine = Arc::new(Engine::new(
            store.clone(),
            queue,
            secrets.clone(),
            Arc::new(HttpConnector::new()),
            Arc::new(SystemClock),
            settings,
        ));
        Self {
            engine,
            store,
            sqs,
            retry_queue_url: resources.retry_queue_url,
            dead_letter_queue_url: resources.dead_letter_queue_url,
            secrets: secrets_client,
            secret_prefix: resources.secret_prefix,
            secret_source: secrets,
        }
    }
}

/// Structured JSON logs, one object per line: `timestamp`, `level`, `target`, `fields` (the
/// message and its values), `span` (the innermost span: a write's connection, record type, id
/// and attempt) and `spans` (every enclosing span, the Lambda runtime's `requestId` first). Secrets never reach a log: they are `SecretString`s whose Debug
/// prints `[REDACTED]`, and no code formats their exposed value.
pub fn init_logging() {
    init_logging_to(std::io::stdout);
}

/// [`init_logging`] writing somewhere else (tests capture the lines to search them).
pub fn init_logging_to<W>(writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_env(env::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(writer)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_cap_is_a_whole_number_within_bounds() {
        assert_eq!(parse_attempts("5").unwrap(), 5);
        assert_eq!(parse_attempts(" 20 ").unwrap(), 20);
        for bad in ["0", "21", "-1", "eight", "2.5"] {
            let error = parse_attempts(bad).unwrap_err().to_string();
            assert!(error.contains(env::RETRY_MAX_ATTEMPTS), "{error}");
            assert!(error.contains("1 to 20"), "{error}");
        }
    }

    #[test]
    fn a_function_that_cannot_start_says_which_variable_to_set() {
        let error = EnvironmentError::Unset(env::TABLE);
        assert_eq!(
            format!("{error:?}"),
            "environment variable SYNC_TABLE_NAME is not set"
        );
    }
}
