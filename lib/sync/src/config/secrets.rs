//! Credentials of one connection, as stored in the secret store (one JSON document per
//! connection). Every secret is a [`SecretString`]: `Debug` prints `[REDACTED]`, and the value is
//! only reachable through `expose_secret()` at the point of use.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::fmt;

use super::ConfigError;

/// The secret document of a connection.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSecrets {
    /// Intacct Web Services sender id (not secret on its own, but kept with its password).
    pub intacct_sender_id: String,
    /// Intacct Web Services sender password.
    pub intacct_sender_password: SecretString,
    /// Intacct Web Services user id.
    pub intacct_user_id: String,
    /// Intacct Web Services user password.
    pub intacct_user_password: SecretString,
    /// Invoiced API key.
    pub invoiced_api_key: SecretString,
    /// Secret Invoiced signs webhooks with.
    pub invoiced_webhook_secret: SecretString,
}

impl ConnectionSecrets {
    /// Parses the secret document; the error never quotes the document.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let secrets: ConnectionSecrets = serde_json::from_str(text).map_err(|e| ConfigError {
            field: "secret".to_owned(),
            message: format!(
                "is not a valid connection secret document (line {}, column {}): {}",
                e.line(),
                e.column(),
                value_free_message(&e)
            ),
        })?;
        for (field, value) in [
            ("intacct_sender_id", secrets.intacct_sender_id.as_str()),
            (
                "intacct_sender_password",
                secrets.intacct_sender_password.expose_secret(),
            ),
            ("intacct_user_id", secrets.intacct_user_id.as_str()),
            (
                "intacct_user_password",
                secrets.intacct_user_password.expose_secret(),
            ),
            ("invoiced_api_key", secrets.invoiced_api_key.expose_secret()),
            (
                "invoiced_webhook_secret",
                secrets.invoiced_webhook_secret.expose_secret(),
            ),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError {
                    field: format!("secret.{field}"),
                    message: "is empty".to_owned(),
                });
            }
        }
        Ok(secrets)
    }

    /// Every secret value, so a test can search captured logs for each of them.
    pub fn exposed_values(&self) -> Vec<&str> {
        vec![
            self.intacct_sender_password.expose_secret(),
            self.intacct_user_password.expose_secret(),
            self.invoiced_api_key.expose_secret(),
            self.invoiced_webhook_secret.expose_secret(),
        ]
    }
}

impl fmt::Debug for ConnectionSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionSecrets")
            .field("intacct_sender_id", &self.intacct_sender_id)
            .field("intacct_sender_password", &"[REDACTED]")
            .field("intacct_user_id", &self.intacct_user_id)
            .field("intacct_user_password", &"[REDACTED]")
            .field("invoiced_api_key", &"[REDACTED]")
            .field("invoiced_webhook_secret", &"[REDACTED]")
            .finish()
    }
}

/// A description of a parse error that never quotes a value: serde_json's message for a wrong
/// type quotes the offending string, which here could be a password. Missing and unknown field
/// messages name only fields, so they are kept.
fn value_free_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    if full.starts_with("missing field") || full.starts_with("unknown field") {
        return full.split(" at line").next().unwrap_or_default().to_owned();
    }
    match error.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "a field has the wrong type",
        serde_json::error::Category::Eof => "unexpected end of document",
    }
    .to_owned()
}
