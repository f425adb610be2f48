//! Invoiced REST client, typed models and webhook signature verification.
//!
//! * [`Client`] talks to `https://api.invoiced.com`, the sandbox, or a local simulator: HTTP Basic auth
//!   with the API key as user name, `Idempotency-Key` on every POST/PATCH, 429s retried with
//!   exponential backoff and full jitter, errors typed from the `{type, message, param}` body.
//! * [`Resource`] gives create / retrieve / update / list (a lazy [`futures::Stream`] following the
//!   `Link` header) per object type, plus voids and look-ups by metadata.
//! * [`models`] are the serde models: exact decimal money, typed ids and timestamps, open enums that
//!   keep unknown values.
//! * [`webhook`] verifies `X-Invoiced-Signature` and signs bodies for tests and simulators.

pub mod client;
pub mod error;
pub mod models;
pub mod pagination;
pub mod query;
pub mod resources;
pub mod retry;
pub mod webhook;

pub use client::{
    Client, ClientConfig, Environment, IdempotencyKey, IdempotencyKeyError, PRODUCTION_URL,
    RequestOptions, SANDBOX_URL,
};
pub use error::{ApiError, Error};
pub use pagination::Page;
pub use query::ListParams;
pub use resources::{Contacts, Events, Listable, Resource, Writable};
pub use retry::RetryPolicy;
pub use webhook::{SignatureError, WebhookError, WebhookSecret};
