//! Webhook signature verification.
//!
//! Invoiced signs each delivery with `X-Invoiced-Signature: hex(HMAC-SHA256(secret, raw body))`,
//! lower-case hex, no timestamp and no `t=`/`v1=` prefix. Verification must run on the raw bytes before
//! any parsing (re-serialising changes `\/` escapes and key order). The comparison is constant-time
//! (`Mac::verify_slice`). There is no replay protection in the scheme: de-duplicate on the event id.

use crate::models::Event;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::fmt;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Invoiced-Signature";

/// Length in bytes of an HMAC-SHA256 tag (64 hex characters).
const TAG_LEN: usize = 32;

/// A webhook's signing secret (32 alphanumeric characters from Invoiced, shown with `include=secret`).
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

/// An empty secret: anyone could forge signatures with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the webhook secret is empty")]
pub struct EmptySecret;

impl WebhookSecret {
    /// Wraps a secret, refusing an empty one.
    pub fn new(secret: SecretString) -> Result<Self, EmptySecret> {
        if secret.expose_secret().is_empty() {
            Err(EmptySecret)
        } else {
            Ok(Self(secret))
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length (long keys are hashed), so `new_from_slice` cannot fail here.
        #[allow(clippy::expect_used)]
        <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret().as_bytes())
            .expect("HMAC-SHA256 accepts keys of any length")
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// Why a delivery was not accepted as coming from Invoiced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Invoiced-Signature` header (or an empty one).
    #[error("missing {SIGNATURE_HEADER} header")]
    Missing,
    /// The header is not 64 hexadecimal characters.
    #[error("malformed {SIGNATURE_HEADER} header: {0}")]
    Malformed(&'static str),
    /// Well-formed, but not the signature of this body with this secret.
    #[error("{SIGNATURE_HEADER} does not match the body")]
    Mismatch,
}

/// A verified delivery whose body is not a valid event.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature check failed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signature is good but the body is not an event.
    #[error("webhook body is not a valid Invoiced event: {0}")]
    Body(#[source] serde_json::Error),
}

/// The signature Invoiced would send for `body`: lower-case hex HMAC-SHA256.
pub fn sign(secret: &WebhookSecret, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks the `X-Invoiced-Signature` header value against the raw body, in constant time.
pub fn verify(
    secret: &WebhookSecret,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), SignatureError> {
    let signature = signature.map(str::trim).unwrap_or_default();
    if signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    if signature.len() != TAG_LEN * 2 {
        return Err(SignatureError::Malformed(
            "expected 64 hexadecimal characters",
        ));
    }
    let tag = hex::decode(signature).map_err(|_| SignatureError::Malformed("not hexadecimal"))?;
    let mut mac = secret.mac();
    mac.update(body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// Verifies the signature, then parses the body as an [`Event`].
pub fn verify_event(
    secret: &WebhookSecret,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Event, WebhookError> {
    verify(secret, body, signature)?;
    serde_json::from_slice(body).map_err(WebhookError::Body)
}
