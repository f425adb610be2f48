//! The public address Invoiced sends a connection's webhooks to.
//!
//! `syncd` cannot find it out by itself: on one machine it listens on loopback behind the
//! operator's TLS reverse proxy, and on AWS the endpoint is API Gateway's invoke URL, which only
//! Terraform knows (`terraform -chdir=infra output webhook_base_url`). So the operator gives the
//! base once (`--webhook-base-url` or `SYNC_WEBHOOK_BASE_URL`) and every connection's URL is
//! `<base>/webhooks/<connection id>`, the route both the local server and the HTTP API serve.

use std::fmt;

/// A base URL accepted by [`WebhookBaseUrl::parse`]: `http(s)://host[/path]`, no query or
/// fragment, kept without a trailing slash so joining never doubles one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookBaseUrl(String);

impl WebhookBaseUrl {
    /// Parses an operator-given base such as API Gateway's invoke URL
    /// (`https://abc123.execute-api.eu-west-1.amazonaws.com/`, with a stage path on named
    /// stages). The scheme is required because Invoiced is given the URL verbatim.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or_else(|| format!("`{raw}` is not an http(s) URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com)"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(format!("`{raw}` has no host"));
        }
        if raw.contains(['?', '#']) || raw.chars().any(char::is_whitespace) {
            return Err(format!(
                "`{raw}`: give the base only, without query, fragment or spaces"
            ));
        }
        Ok(Self(raw.trim_end_matches('/').to_owned()))
    }

    /// The webhook URL of connection `id`.
    pub fn for_connection(&self, id: &str) -> String {
        format!("{}/webhooks/{id}", self.0)
    }
}

impl fmt::Display for WebhookBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invoke_url_of_an_http_api_joins_without_a_double_slash() {
        let base =
            WebhookBaseUrl::parse("https://abc123.execute-api.eu-west-1.amazonaws.com/").unwrap();
        assert_eq!(
            base.for_connection("acme"),
            "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/acme"
        );
        let staged = WebhookBaseUrl::parse(" https://sync.example.com/prod// ").unwrap();
        assert_eq!(
            staged.for_connection("acme"),
            "https://sync.example.com/prod/webhooks/acme"
        );
    }

    #[test]
    fn a_base_without_scheme_or_host_or_with_a_query_is_refused() {
        for bad in [
            "abc123.execute-api.eu-west-1.amazonaws.com",
            "ftp://example.com",
            "https://",
            "https:///webhooks",
            "https://example.com/?stage=prod",
            "https://example.com/#x",
            "https://exa mple.com",
        ] {
            assert!(WebhookBaseUrl::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
