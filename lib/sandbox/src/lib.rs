//! Faithful local simulators of the Sage Intacct XML gateway and the Invoiced REST API.
//!
//! Both speak the vendors' real wire protocols on 127.0.0.1 so the client crates, the sync
//! engine, the demo and the vendors' own SDKs can be pointed at them unchanged.

pub mod intacct;
pub mod invoiced;

use secrecy::ExposeSecret;

/// The secret document of a connection that reaches these two sandboxes, in the shape the sync
/// reads (`ConnectionSecrets::from_json`): the one place the tests, the demo and the chaos run
/// build it.
pub fn connection_secrets(
    intacct: &intacct::RunningIntacct,
    invoiced: &invoiced::RunningInvoiced,
) -> serde_json::Value {
    let creds = &intacct.credentials;
    serde_json::json!({
        "intacct_sender_id": creds.sender_id,
        "intacct_sender_password": creds.sender_password.expose_secret(),
        "intacct_user_id": creds.user_id,
        "intacct_user_password": creds.user_password.expose_secret(),
        "invoiced_api_key": invoiced.api_key.expose_secret(),
        "invoiced_webhook_secret": invoiced.webhook_secret.expose_secret(),
    })
}
