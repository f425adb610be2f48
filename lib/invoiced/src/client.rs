//! The HTTP client: base URL, authentication, idempotency keys and the 429 retry loop.

use crate::error::Error;
use crate::retry::RetryPolicy;
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// Production API origin.
pub const PRODUCTION_URL: &str = "https://api.invoiced.com";
/// Sandbox API origin (separate accounts, no live charges).
pub const SANDBOX_URL: &str = "https://api.sandbox.invoiced.com";

/// Which Invoiced to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.invoiced.com`.
    Production,
    /// `https://api.sandbox.invoiced.com`.
    Sandbox,
    /// Any other base URL, e.g. the local simulator on `http://127.0.0.1:PORT`.
    Custom(Url),
}

impl Environment {
    /// The base URL API paths are appended to.
    pub fn base_url(&self) -> Result<Url, Error> {
        let parse = |s: &str| Url::parse(s).map_err(|_| Error::InvalidBaseUrl(s.to_owned()));
        match self {
            Self::Production => parse(PRODUCTION_URL),
            Self::Sandbox => parse(SANDBOX_URL),
            Self::Custom(url) => Ok(url.clone()),
        }
    }
}

/// Settings of a [`Client`].
#[derive(Clone)]
pub struct ClientConfig {
    /// API key; sent as the Basic-auth user name with an empty password.
    pub api_key: SecretString,
    /// Which Invoiced.
    pub environment: Environment,
    /// 429 backoff.
    pub retry: RetryPolicy,
    /// Whole-request timeout (the official PHP library reads for 60 s).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Requests this client keeps in flight at once. Invoiced refuses more than 20 concurrent
    /// requests per API key (429); staying well below leaves room for other processes on the key.
    pub max_in_flight: usize,
}

impl ClientConfig {
    /// Defaults for everything but the key and the environment.
    pub fn new(api_key: SecretString, environment: Environment) -> Self {
        Self {
            api_key,
            environment,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_in_flight: 8,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &"[REDACTED]")
            .field("environment", &self.environment)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

/// An `Idempotency-Key`: Invoiced replays the first response to a POST/PATCH with the same key for
/// 24 hours, so a retried create never makes a second record.
///
/// Keys must be 6 to 64 characters (the server refuses others with 400). Callers with a natural
/// identity for the write (e.g. `intacct-invoice-<RECORDNO>`) should pass a deterministic key so that
/// even a retry from a later process is de-duplicated; otherwise a random UUID is used per call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Longest key Invoiced accepts.
const MAX_KEY_LEN: usize = 64;
/// Hex digits of the digest in a [`IdempotencyKey::derived`] key: 160 bits, ample for uniqueness.
const DIGEST_CHARS: usize = 40;

/// A key Invoiced would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("idempotency key must be 6 to 64 visible ASCII characters, got {0} characters")]
pub struct IdempotencyKeyError(pub usize);

impl IdempotencyKey {
    /// Parses a caller-chosen key: 6 to 64 visible ASCII characters (it travels in an HTTP header).
    pub fn parse(key: &str) -> Result<Self, IdempotencyKeyError> {
        let length = key.chars().count();
        if (6..=MAX_KEY_LEN).contains(&length) && key.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(key.to_owned()))
        } else {
            Err(IdempotencyKeyError(length))
        }
    }

    /// A deterministic key for a natural identity of any length: `identity` itself when it is a
    /// valid key, otherwise a readable prefix of it and a SHA-256 digest of all of it (64
    /// characters at most). The same identity always gives the same key, so a long connection id
    /// never turns a retried create into a second record.
    pub fn derived(identity: &str) -> Self {
        if let Ok(key) = Self::parse(identity) {
            return key;
        }
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(identity.as_bytes()));
        let prefix: String = identity
            .chars()
            .filter(char::is_ascii_graphic)
            .take(MAX_KEY_LEN - DIGEST_CHARS - 1)
            .collect();
        let key = if prefix.is_empty() {
            digest[..DIGEST_CHARS].to_owned()
        } else {
            format!("{prefix}~{}", &digest[..DIGEST_CHARS])
        };
        Self(key)
    }

    /// A fresh random key (UUID v4, 36 characters).
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Per-call options of write operations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Idempotency key; a random one is generated when `None`. Either way the same key is reused for
    /// every 429 retry of the call.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl RequestOptions {
    /// Options carrying a caller-chosen idempotency key.
    pub fn with_idempotency_key(key: IdempotencyKey) -> Self {
        Self {
            idempotency_key: Some(key),
        }
    }
}

/// A 2xx response kept raw until the caller decides how to parse it.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub headers: HeaderMap,
    pub body: Bytes,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    api_key: SecretString,
    retry: RetryPolicy,
    in_flight: Semaphore,
}

/// Invoiced REST client. Cheap to clone (shared connection pool); build it once per process.
///
/// ```no_run
/// # async fn demo() -> Result<(), invoiced::Error> {
/// use invoiced::{Client, ClientConfig, Environment};
/// let client = Client::new(ClientConfig::new("key".to_owned().into(), Environment::Sandbox))?;
/// let customer = client.customers().retrieve(invoiced::models::CustomerId::new(15444)).await?;
/// # let _ = customer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("api_key", &"[REDACTED]")
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Client {
    /// Builds a client. Fails only on a base URL that cannot carry paths or an HTTP stack error.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let base = config.environment.base_url()?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::InvalidBaseUrl(base.to_string()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // The API never redirects; refusing redirects keeps the key on the configured host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("invoiced-intacct-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::Transport)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                api_key: config.api_key,
                retry: config.retry,
                in_flight: Semaphore::new(config.max_in_flight.max(1)),
            }),
        })
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The URL of an API path given as segments (`["invoices", "46225", "void"]`); segments are
    /// percent-encoded, and a path prefix on the base URL is kept.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.set_query(None);
        if let Ok(mut path) = url.path_segments_mut() {
            // `Client::new` rejected cannot-be-a-base URLs, so this branch always runs.
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Re-targets a URL from a `Link` header at the configured origin.
    ///
    /// The server builds links from its own idea of its domain (`https://api.invoiced.com`), which is
    /// wrong behind a proxy or for a local simulator, and following a foreign host would send the key
    /// there. Only the path and query of the link are used.
    pub(crate) fn rebase(&self, link: &Url) -> Url {
        let mut url = self.inner.base.clone();
        url.set_path(link.path());
        url.set_query(link.query());
        url
    }

    /// GET a JSON object.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
    ) -> Result<T, Error> {
        let response = self.execute(Method::GET, url, None, None).await?;
        decode(&response.body, what)
    }

    /// GET raw (for lists, whose headers carry pagination).
    pub(crate) async fn get_raw(&self, url: Url) -> Result<RawResponse, Error> {
        self.execute(Method::GET, url, None, None).await
    }

    /// DELETE without an idempotency key (the server refuses keys on methods other than POST/PATCH).
    pub(crate) async fn delete_json<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
    ) -> Result<T, Error> {
        let response = self.execute(Method::DELETE, url, None, None).await?;
        decode(&response.body, what)
    }

    /// POST or PATCH a JSON body with an idempotency key, returning the decoded object.
    pub(crate) async fn write_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
        options: &RequestOptions,
        what: &str,
    ) -> Result<T, Error> {
        let body = match body {
            Some(body) => serde_json::to_vec(body).map_err(Error::Encode)?,
            None => b"{}".to_vec(),
        };
        let key = options
            .idempotency_key
            .clone()
            .unwrap_or_else(IdempotencyKey::random);
        let response = self
            .execute(method, url, Some(Bytes::from(body)), Some(&key))
            .await?;
        decode(&response.body, what)
    }

    /// Sends one logical request, retrying 429 responses according to the retry policy with the same
    /// body and idempotency key.
    async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<RawResponse, Error> {
        let policy = self.inner.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .basic_auth(self.inner.api_key.expose_secret(), None::<&str>);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key.as_str());
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let (status, headers, bytes) = {
                // The permit is held for one attempt only, never across a backoff sleep.
                let _permit = self.inner.in_flight.acquire().await.ok();
                let response = request.send().await.map_err(Error::Transport)?;
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response.bytes().await.map_err(Error::Transport)?;
                (status, headers, bytes)
            };
            tracing::debug!(
                method = %method,
                path = url.path(),
                status = status.as_u16(),
                attempt,
                "invoiced request"
            );
            if status.is_success() {
                return Ok(RawResponse {
                    headers,
                    body: bytes,
                });
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                if attempt < max_attempts {
                    let delay = policy.delay(attempt);
                    tracing::warn!(
                        path = url.path(),
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "invoiced rate limit (429); backing off"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
                return Err(Error::RateLimited {
                    attempts: attempt,
                    error: crate::error::ApiError::from_response(status.as_u16(), &bytes),
                });
            }
            return Err(Error::from_status(status.as_u16(), &bytes));
        }
    }
}

/// Parses a JSON body, naming the expected model in the error.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|source| Error::Decode {
        what: what.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        let url = Url::parse(base).expect("url");
        Client::new(ClientConfig::new(
            SecretString::from("sk_live_do_not_print"),
            Environment::Custom(url),
        ))
        .expect("client")
    }

    #[test]
    fn paths_are_appended_to_the_base_including_a_prefix() {
        assert_eq!(
            client("http://127.0.0.1:9/")
                .url(&["invoices", "7", "void"])
                .as_str(),
            "http://127.0.0.1:9/invoices/7/void"
        );
        assert_eq!(
            client("http://127.0.0.1:9/invoiced/")
                .url(&["customers"])
                .as_str(),
            "http://127.0.0.1:9/invoiced/customers"
        );
        assert_eq!(
            client(PRODUCTION_URL).url(&["customers"]).as_str(),
            "https://api.invoiced.com/customers"
        );
    }

    #[test]
    fn links_to_another_host_are_rebased_onto_ours() {
        let c = client("http://127.0.0.1:9/");
        let link =
            Url::parse("https://api.invoiced.com/customers?page=2&per_page=10").expect("url");
        assert_eq!(
            c.rebase(&link).as_str(),
            "http://127.0.0.1:9/customers?page=2&per_page=10"
        );
    }

    #[test]
    fn the_api_key_never_appears_in_debug_output() {
        let c = client("http://127.0.0.1:9/");
        assert!(!format!("{c:?}").contains("do_not_print"));
        let config = ClientConfig::new(
            SecretString::from("sk_live_do_not_print"),
            Environment::Sandbox,
        );
        assert!(!format!("{config:?}").contains("do_not_print"));
    }

    #[test]
    fn non_http_base_urls_are_refused() {
        let url = Url::parse("mailto:ops@example.com").expect("url");
        let config = ClientConfig::new(SecretString::from("k"), Environment::Custom(url));
        assert!(matches!(Client::new(config), Err(Error::InvalidBaseUrl(_))));
    }

    #[test]
    fn idempotency_keys_follow_the_server_length_rules() {
        assert!(IdempotencyKey::parse("intacct-invoice-4567").is_ok());
        assert_eq!(IdempotencyKey::parse("short"), Err(IdempotencyKeyError(5)));
        assert!(IdempotencyKey::parse(&"k".repeat(65)).is_err());
        assert!(IdempotencyKey::parse("has space ok?").is_err());
        assert_eq!(IdempotencyKey::random().as_str().len(), 36);
    }

    #[test]
    fn derived_keys_are_stable_and_always_fit() {
        let short = "intacct-acme-payment-1071";
        assert_eq!(IdempotencyKey::derived(short).as_str(), short);
        let long = format!("intacct-{}-payment-1071", "c".repeat(48));
        let key = IdempotencyKey::derived(&long);
        assert!(key.as_str().len() <= 64, "{}", key.as_str());
        assert!(IdempotencyKey::parse(key.as_str()).is_ok());
        assert_eq!(key, IdempotencyKey::derived(&long), "deterministic");
        let other = format!("intacct-{}-payment-1072", "c".repeat(48));
        assert_ne!(
            key,
            IdempotencyKey::derived(&other),
            "distinct identities stay distinct"
        );
        assert!(IdempotencyKey::parse(IdempotencyKey::derived("a b").as_str()).is_ok());
        assert!(IdempotencyKey::parse(IdempotencyKey::derived("").as_str()).is_ok());
    }
}
