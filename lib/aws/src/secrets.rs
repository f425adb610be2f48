//! Connection credentials from AWS Secrets Manager: [`SecretsManagerSource`] implements the
//! engine's [`SecretSource`] port, and [`put_secret`] is the operator's bootstrap helper.
//!
//! Each connection has one secret, named `<prefix><connection id>`, whose string value is the
//! [`ConnectionSecrets`] JSON document. Values are cached for a TTL so a warm Lambda does not
//! pay a Secrets Manager call (and its price) per event, and the engine invalidates the entry
//! when Intacct or Invoiced rejects the credentials, so a rotated password takes effect on the
//! next call without a deploy. No error and no `Debug` output ever contains a secret value.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;
use sync_engine::config::ConnectionId;
use sync_engine::config::secrets::ConnectionSecrets;
use sync_engine::ports::{SecretSource, SecretsError};
use tokio::sync::RwLock;
use tokio::time::Instant;

/// How long a read secret is trusted before it is read again: short enough that a rotation
/// outside the engine's invalidate path is picked up within minutes, long enough that a busy
/// function reads each secret a few times an hour.
pub const DEFAULT_SECRET_TTL: Duration = Duration::from_secs(5 * 60);

/// Why the secret of a connection could not be loaded. Never carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretLoadError {
    /// No secret of that name exists (the operator has not bootstrapped the connection).
    #[error("secret {name} of connection {connection} does not exist")]
    NotFound {
        /// Connection.
        connection: ConnectionId,
        /// Secret name looked up.
        name: String,
    },
    /// The secret exists but holds binary data, not the JSON document.
    #[error("secret {name} of connection {connection} has no string value")]
    NotAString {
        /// Connection.
        connection: ConnectionId,
        /// Secret name.
        name: String,
    },
    /// The document does not parse (the message names fields, never values).
    #[error("secret {name} of connection {connection} is invalid: {field} {message}")]
    Invalid {
        /// Connection.
        connection: ConnectionId,
        /// Secret name.
        name: String,
        /// The offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Secrets Manager failed (network, throttling, permissions).
    #[error("reading secret {name} of connection {connection} failed: {detail}")]
    Unavailable {
        /// Connection.
        connection: ConnectionId,
        /// Secret name.
        name: String,
        /// The SDK error (error responses never echo a value).
        detail: String,
    },
}

impl SecretLoadError {
    /// The connection whose secret failed.
    pub fn connection(&self) -> &ConnectionId {
        match self {
            Self::NotFound { connection, .. }
            | Self::NotAString { connection, .. }
            | Self::Invalid { connection, .. }
            | Self::Unavailable { connection, .. } => connection,
        }
    }
}

impl From<SecretLoadError> for SecretsError {
    fn from(error: SecretLoadError) -> Self {
        SecretsError {
            connection: error.connection().clone(),
            reason: error.to_string(),
        }
    }
}

type Cache = HashMap<ConnectionId, (Instant, ConnectionSecrets)>;

/// The production [`SecretSource`]. Build it once per cold start and share it: the cache lives
/// in the value.
pub struct SecretsManagerSource {
    client: Client,
    prefix: String,
    ttl: Duration,
    cache: RwLock<Cache>,
}

impl fmt::Debug for SecretsManagerSource {
    /// Names the configuration and how many connections are cached; never a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.cache.try_read().map(|c| c.len()).ok();
        f.debug_struct("SecretsManagerSource")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .field("cached_connections", &cached)
            .finish_non_exhaustive()
    }
}

impl SecretsManagerSource {
    /// A source reading `<prefix><connection id>`, trusting a read value for `ttl`
    /// ([`DEFAULT_SECRET_TTL`] is the usual choice).
    pub fn new(client: Client, prefix: impl Into<String>, ttl: Duration) -> Self {
        Self {
            client,
            prefix: prefix.into(),
            ttl,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The secret name of a connection.
    pub fn secret_name(&self, connection: &ConnectionId) -> String {
        format!("{}{}", self.prefix, connection)
    }

    /// The credentials of a connection, from the cache while fresh, with a typed error.
    ///
    /// Two concurrent misses for one connection both read Secrets Manager; that costs one
    /// extra call, whereas holding the lock across the call would serialise every connection.
    pub async fn load(
        &self,
        connection: &ConnectionId,
    ) -> Result<ConnectionSecrets, SecretLoadError> {
        if let Some((read_at, secrets)) = self.cache.read().await.get(connection)
            && read_at.elapsed() < self.ttl
        {
            return Ok(secrets.clone());
        }
        let secrets = self.fetch(connection).await?;
        self.cache
            .write()
            .await
            .insert(connection.clone(), (Instant::now(), secrets.clone()));
        Ok(secrets)
    }

    async fn fetch(&self, connection: &ConnectionId) -> Result<ConnectionSecrets, SecretLoadError> {
        let name = self.secret_name(connection);
        let output = match self.client.get_secret_value().secret_id(&name).send().await {
            Ok(output) => output,
            Err(e) => {
                let connection = connection.clone();
                return Err(
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception())
                    {
                        SecretLoadError::NotFound { connection, name }
                    } else {
                        SecretLoadError::Unavailable {
                            connection,
                            name,
                            detail: DisplayErrorContext(&e).to_string(),
                        }
                    },
                );
            }
        };
        let Some(text) = output.secret_string() else {
            return Err(SecretLoadError::NotAString {
                connection: connection.clone(),
                name,
            });
        };
        ConnectionSecrets::from_json(text).map_err(|e| SecretLoadError::Invalid {
            connection: connection.clone(),
            name,
            field: e.field,
            message: e.message,
        })
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSource {
    async fn secrets(&self, connection: &ConnectionId) -> Result<ConnectionSecrets, SecretsError> {
        Ok(self.load(connection).await?)
    }

    async fn invalidate(&self, connection: &ConnectionId) {
        self.cache.write().await.remove(connection);
    }
}

/// What [`put_secret`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The secret did not exist and was created.
    Created,
    /// The secret existed; the document is its new current version.
    Updated,
}

/// Why [`put_secret`] failed. Never carries the document.
#[derive(Debug, thiserror::Error)]
pub enum PutSecretError {
    /// The document is not a valid [`ConnectionSecrets`] JSON; nothing was written.
    #[error("secret document for {name} is invalid: {field} {message}")]
    Invalid {
        /// Secret name.
        name: String,
        /// The offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Secrets Manager failed.
    #[error("writing secret {name} failed: {detail}")]
    Unavailable {
        /// Secret name.
        name: String,
        /// The SDK error.
        detail: String,
    },
}

/// Creates the secret `name` with the connection document `json`, or, when it exists, makes
/// `json` its current version (the operator's bootstrap and rotation step). The document is
/// validated first, so a typo is refused here rather than breaking every function that reads it.
/// Running functions pick the new value up within their TTL, or at once after an authentication
/// failure invalidates their cache.
pub async fn put_secret(
    client: &Client,
    name: &str,
    json: &SecretString,
) -> Result<PutOutcome, PutSecretError> {
    let document = json.expose_secret();
    ConnectionSecrets::from_json(document).map_err(|e| PutSecretError::Invalid {
        name: name.to_owned(),
        field: e.field,
        message: e.message,
    })?;
    let unavailable = |detail: String| PutSecretError::Unavailable {
        name: name.to_owned(),
        detail,
    };
    match client
        .create_secret()
        .name(name)
        .secret_string(document)
        .send()
        .await
    {
        Ok(_) => return Ok(PutOutcome::Created),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_exists_exception()) => {}
        Err(e) => return Err(unavailable(DisplayErrorContext(&e).to_string())),
    }
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(document)
        .send()
        .await
        .map_err(|e| unavailable(DisplayErrorContext(&e).to_string()))?;
    Ok(PutOutcome::Updated)
}

/// What [`rotate_secret`] did. It names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// No secret of that name existed; it was created.
    Created,
    /// The document is the secret's new current version; these fields (sorted) differ from the
    /// version it replaced.
    Updated {
        /// Names of the fields whose value changed, appeared or disappeared.
        changed: Vec<String>,
    },
    /// The document is the new current version, but the old one could not be compared.
    Replaced {
        /// Why (value-free: a field name, a parse position or the SDK error).
        previous: String,
    },
    /// The document equals the current version; nothing was written, so no new version
    /// exists and running functions have nothing to pick up.
    Unchanged,
}

/// Rotates the credentials of a connection: validates the document, compares it field by field
/// with the secret's current version, and writes it through [`put_secret`] when it differs.
/// Reading first costs one GetSecretValue but lets the operator see which credentials the
/// rotation touched (a pasted file with a stale API key is caught here, not at the next
/// webhook). The comparison is over the JSON fields, so a field added to
/// [`ConnectionSecrets`] later is compared without a change here.
pub async fn rotate_secret(
    client: &Client,
    name: &str,
    json: &SecretString,
) -> Result<Rotation, PutSecretError> {
    let invalid = |field: String, message: String| PutSecretError::Invalid {
        name: name.to_owned(),
        field,
        message,
    };
    ConnectionSecrets::from_json(json.expose_secret()).map_err(|e| invalid(e.field, e.message))?;
    let new = json_fields(json.expose_secret())
        .map_err(|_| invalid("secret".to_owned(), "is not a JSON object".to_owned()))?;
    let previous = match client.get_secret_value().secret_id(name).send().await {
        Ok(output) => match output.secret_string() {
            Some(text) => json_fields(text).map_err(|_| {
                "the current version is not a JSON object (it is replaced as a whole)".to_owned()
            }),
            None => Err("the current version has no string value".to_owned()),
        },
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            // Either no secret, or one without a current value (Terraform creates the
            // secrets of declared connections empty).
            return Ok(match put_secret(client, name, json).await? {
                PutOutcome::Created => Rotation::Created,
                PutOutcome::Updated => Rotation::Replaced {
                    previous: "the secret had no current value".to_owned(),
                },
            });
        }
        Err(e) => Err(format!(
            "the current version could not be read: {}",
            DisplayErrorContext(&e)
        )),
    };
    let rotation = match previous {
        Ok(old) => {
            let changed: Vec<String> = old
                .keys()
                .chain(new.keys())
                .filter(|k| old.get(*k) != new.get(*k))
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if changed.is_empty() {
                return Ok(Rotation::Unchanged);
            }
            Rotation::Updated { changed }
        }
        Err(previous) => Rotation::Replaced { previous },
    };
    Ok(match put_secret(client, name, json).await? {
        // Deleted between the read and the write: the document is all there is.
        PutOutcome::Created => Rotation::Created,
        PutOutcome::Updated => rotation,
    })
}

/// A secret document's top-level fields. The error is dropped by callers on purpose: serde's
/// message may quote a value.
fn json_fields(
    text: &str,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, serde_json::Error> {
    serde_json::from_str(text)
}
