//! Shared helpers for the Intacct sandbox tests: start a sandbox on a free port and speak raw
//! XML to it over HTTP, exactly as a client would.
#![allow(dead_code)]

use sandbox::intacct::{IntacctConfig, RunningIntacct, spawn};
use secrecy::ExposeSecret as _;

pub struct Sandbox {
    pub running: RunningIntacct,
    pub http: reqwest::Client,
}

pub async fn start() -> Sandbox {
    start_with(IntacctConfig::default()).await
}

pub async fn start_with(config: IntacctConfig) -> Sandbox {
    let running = spawn(config).await.expect("sandbox starts");
    Sandbox {
        running,
        http: reqwest::Client::new(),
    }
}

/// Wrap functions (`<function controlid=..>..</function>` strings) in a full request.
pub fn request(
    sender: (&str, &str),
    auth: &str,
    functions: &str,
    transaction: bool,
    uniqueid: bool,
) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request><control><senderid>{}</senderid><password>{}</password><controlid>ctl-1</controlid><uniqueid>{uniqueid}</uniqueid><dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control><operation transaction=\"{transaction}\"><authentication>{auth}</authentication><content>{functions}</content></operation></request>",
        sender.0, sender.1
    )
}

/// One function element.
pub fn function(controlid: &str, body: &str) -> String {
    format!("<function controlid=\"{controlid}\">{body}</function>")
}

impl Sandbox {
    pub fn handle(&self) -> &sandbox::intacct::IntacctHandle {
        &self.running.handle
    }

    pub fn login(&self) -> String {
        let c = &self.running.credentials;
        format!(
            "<login><userid>{}</userid><companyid>{}</companyid><password>{}</password></login>",
            c.user_id,
            c.company_id,
            c.user_password.expose_secret()
        )
    }

    pub fn sender(&self) -> (String, String) {
        let c = &self.running.credentials;
        (
            c.sender_id.clone(),
            c.sender_password.expose_secret().to_string(),
        )
    }

    /// Post a raw body to the gateway.
    pub async fn post(&self, body: String) -> (u16, String) {
        let response = self
            .http
            .post(&self.running.endpoint)
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body read"))
    }

    /// Run functions with login auth, `transaction="false"`, `uniqueid=false`.
    pub async fn call(&self, functions: &str) -> String {
        self.call_with(functions, false, false).await
    }

    pub async fn call_with(&self, functions: &str, transaction: bool, uniqueid: bool) -> String {
        let (s, p) = self.sender();
        let (status, body) = self
            .post(request(
                (&s, &p),
                &self.login(),
                functions,
                transaction,
                uniqueid,
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// One function, returns the response body.
    pub async fn one(&self, body: &str) -> String {
        self.call(&function("f1", body)).await
    }

    pub async fn create_customer(&self, id: &str, name: &str) -> String {
        let body = self
            .one(&format!("<create><CUSTOMER><CUSTOMERID>{id}</CUSTOMERID><NAME>{name}</NAME><DISPLAYCONTACT><PRINTAS>{name}</PRINTAS></DISPLAYCONTACT></CUSTOMER></create>"))
            .await;
        assert_eq!(text(&body, "status").as_deref(), Some("success"), "{body}");
        text(&body, "RECORDNO").expect("RECORDNO")
    }

    /// `create_invoice` with one line; returns the key.
    pub async fn create_invoice(&self, customer: &str, number: &str, amount: &str) -> String {
        let body = self.one(&invoice_xml(customer, number, amount)).await;
        assert_eq!(result_status(&body), "success", "{body}");
        text(&body, "key").expect("key")
    }
}

pub fn invoice_xml(customer: &str, number: &str, amount: &str) -> String {
    format!(
        "<create_invoice><customerid>{customer}</customerid><datecreated><year>2024</year><month>01</month><day>31</day></datecreated><datedue><year>2024</year><month>03</month><day>01</day></datedue><invoiceno>{number}</invoiceno><invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>{amount}</amount><memo>Consulting</memo></lineitem></invoiceitems></create_invoice>"
    )
}

/// Text of the first `<tag>…</tag>`.
pub fn text(body: &str, tag: &str) -> Option<String> {
    all(body, tag).into_iter().next()
}

/// Texts of every `<tag>…</tag>`.
pub fn all(body: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        let raw = &after[..end];
        out.push(
            quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_string(), |c| c.into_owned()),
        );
        rest = &after[end + close.len()..];
    }
    out
}

/// Value of attribute `name` on the first `<data`.
pub fn data_attr(body: &str, name: &str) -> Option<String> {
    let start = body.find("<data")?;
    let tag = &body[start..start + body[start..].find('>')?];
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// Status of the (first) result.
pub fn result_status(body: &str) -> String {
    let start = body.find("<result>").expect("a result");
    text(&body[start..], "status").unwrap_or_default()
}

/// Statuses of every result, in order.
pub fn result_statuses(body: &str) -> Vec<String> {
    body.split("<result>")
        .skip(1)
        .filter_map(|r| text(r, "status"))
        .collect()
}
