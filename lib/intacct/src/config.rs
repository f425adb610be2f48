//! Client configuration: endpoint, credentials, timeouts.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// The public gateway every session starts from; sessions then name their own endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.intacct.com/ia/xml/xmlgw.phtml";

/// Web Services sender and company user credentials. Passwords are [`SecretString`]s, so the
/// derived `Debug` prints `[REDACTED]` in their place.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Web Services sender id (case-sensitive; must be authorised in the company).
    pub sender_id: String,
    /// Web Services sender password.
    pub sender_password: SecretString,
    /// Company id.
    pub company_id: String,
    /// Web Services user id.
    pub user_id: String,
    /// Web Services user password.
    pub user_password: SecretString,
    /// Entity (`locationid`) for multi-entity companies; `None` logs in at the top level.
    pub entity_id: Option<String>,
}

/// Everything [`crate::IntacctClient`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Login endpoint (override for the sandbox or a simulator).
    pub endpoint: Url,
    /// Credentials.
    pub credentials: Credentials,
    /// Whole-request timeout. Intacct cuts synchronous requests at 15 minutes; a timeout here
    /// after the body was sent leaves a write's outcome unknown.
    pub request_timeout: Duration,
    /// TCP/TLS connect timeout: a timeout here means nothing was sent.
    pub connect_timeout: Duration,
    /// Use `getAPISession` and the per-session endpoint (recommended). When false every
    /// request logs in with the user credentials.
    pub use_sessions: bool,
}

impl ClientConfig {
    /// Production endpoint, sessions on, 120 s request and 10 s connect timeouts.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            endpoint: Url::parse(DEFAULT_ENDPOINT).expect("DEFAULT_ENDPOINT is a valid URL"),
            credentials,
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            use_sessions: true,
        }
    }

    /// Overrides the login endpoint.
    pub fn with_endpoint(mut self, endpoint: Url) -> Self {
        self.endpoint = endpoint;
        self
    }
}
