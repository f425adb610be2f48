//! The client against a tiny in-test gateway that speaks the protocol: sessions are opened
//! once and used on the endpoint they name, an expired session costs exactly one fresh login,
//! pagers follow resultId, and transport failures come back classified.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::routing::post;
use chrono::NaiveDate;
use intacct::functions::{ArLineItem, CreateInvoice, LineAccount, ReadByQuery};
use intacct::{
    ClientConfig, ControlId, Credentials, Error, ErrorClass, Failure, FunctionCall, IntacctClient,
    Request, TransportKind, classify, failure_of,
};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use url::Url;

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    content_type: String,
    body: String,
}

#[derive(Default)]
struct Inner {
    logins: u32,
    valid_session: Option<String>,
    reject_sessions: bool,
    login_status: Option<u16>,
    write_delay: Option<Duration>,
    seen: Vec<Seen>,
}

struct Gateway {
    base: String,
    inner: Mutex<Inner>,
}

impl Gateway {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }
}

fn between<'a>(body: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = body.find(open)? + open.len();
    let end = body[start..].find(close)? + start;
    Some(&body[start..end])
}

fn envelope(auth_status: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status><senderid>sender</senderid><controlid>c</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation><authentication><status>{auth_status}</status><userid>ws</userid><companyid>co</companyid><sessiontimestamp>2026-11-25T10:00:00+00:00</sessiontimestamp><sessiontimeout>2099-11-25T16:00:00+00:00</sessiontimeout></authentication>{inner}</operation></response>"#
    )
}

async fn handle(
    State(gw): State<Arc<Gateway>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
    let xml = [(header::CONTENT_TYPE, "text/xml; encoding=\"UTF-8\"")];
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    gw.with(|s| {
        s.seen.push(Seen {
            path: uri.path().to_owned(),
            content_type,
            body: body.clone(),
        })
    });
    let fcid = between(&body, "<function controlid=\"", "\"")
        .unwrap_or_default()
        .to_owned();

    if body.contains("<getAPISession") {
        if let Some(status) = gw.with(|s| s.login_status) {
            let fixture = common::fixture("resp_09_http401_control_failure_XMLGW_JPP0002.xml");
            return (StatusCode::from_u16(status).unwrap(), xml, fixture);
        }
        assert!(body.contains("<login><userid>ws</userid><companyid>co</companyid><password>user-secret</password></login>"));
        let id = gw.with(|s| {
            s.logins += 1;
            let id = format!("sess-{}", s.logins);
            s.valid_session = Some(id.clone());
            id
        });
        let result = format!(
            "<result><status>success</status><function>getAPISession</function><controlid>{fcid}</controlid><data><api><sessionid>{id}</sessionid><endpoint>{}/na12/xmlgw.phtml</endpoint><locationid></locationid></api></data></result>",
            gw.base
        );
        return (StatusCode::OK, xml, envelope("success", &result));
    }

    let session = between(&body, "<sessionid>", "</sessionid>").unwrap_or_default();
    let valid = gw.with(|s| !s.reject_sessions && s.valid_session.as_deref() == Some(session));
    if !valid || uri.path() != "/na12/xmlgw.phtml" {
        let errors = format!(
            "<errormessage><error><errorno>XL03000006</errorno><description></description><description2>Invalid session {session}</description2><correction></correction></error></errormessage>"
        );
        return (StatusCode::OK, xml, envelope("failure", &errors));
    }
    if body.contains("<create_invoice>") {
        if let Some(delay) = gw.with(|s| s.write_delay) {
            tokio::time::sleep(delay).await;
        }
        let result = format!(
            "<result><status>success</status><function>create_invoice</function><controlid>{fcid}</controlid><key>4711</key></result>"
        );
        return (StatusCode::OK, xml, envelope("success", &result));
    }
    let (remaining, recordno, function) = if body.contains("<readMore>") {
        (0, 2, "readMore")
    } else {
        (1, 1, "readByQuery")
    };
    let result = format!(
        r#"<result><status>success</status><function>{function}</function><controlid>{fcid}</controlid><data listtype="customer" count="1" totalcount="2" numremaining="{remaining}" resultId="R-1"><customer><RECORDNO>{recordno}</RECORDNO><TOTALDUE>10.50</TOTALDUE></customer></data></result>"#
    );
    (StatusCode::OK, xml, envelope("success", &result))
}

async fn start() -> Arc<Gateway> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let gw = Arc::new(Gateway {
        base,
        inner: Mutex::new(Inner::default()),
    });
    let app = Router::new()
        .route("/{*path}", post(handle))
        .with_state(gw.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    gw
}

fn config(gw: &Gateway) -> ClientConfig {
    let credentials = Credentials {
        sender_id: "sender".into(),
        sender_password: SecretString::from("sender-secret"),
        company_id: "co".into(),
        user_id: "ws".into(),
        user_password: SecretString::from("user-secret"),
        entity_id: None,
    };
    let mut c = ClientConfig::new(credentials)
        .with_endpoint(Url::parse(&format!("{}/ia/xml/xmlgw.phtml", gw.base)).unwrap());
    c.request_timeout = Duration::from_secs(5);
    c
}

fn invoice() -> CreateInvoice {
    let line = ArLineItem::new(LineAccount::GlAccountNo("4000".into()), dec!(10));
    let mut inv = CreateInvoice::new(
        "C1",
        NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        vec![line],
    );
    inv.term_name = Some("N30".into());
    inv
}

#[tokio::test]
async fn one_login_then_session_reused_on_its_endpoint() {
    let gw = start().await;
    let client = IntacctClient::new(config(&gw)).unwrap();
    let page = client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap();
    assert_eq!(
        page.records[0].decimal("TOTALDUE").unwrap(),
        Some(dec!(10.50))
    );
    client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap();

    let seen = gw.with(|s| s.seen.clone());
    assert_eq!(gw.with(|s| s.logins), 1);
    let paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/ia/xml/xmlgw.phtml",
            "/na12/xmlgw.phtml",
            "/na12/xmlgw.phtml"
        ]
    );
    assert!(
        seen.iter()
            .all(|s| s.content_type == "x-intacct-xml-request")
    );
    assert!(
        seen[1..].iter().all(
            |s| s.body.contains("<sessionid>sess-1</sessionid>") && !s.body.contains("<login>")
        )
    );
    assert!(
        seen.iter()
            .all(|s| s.body.contains("<password>sender-secret</password>"))
    );
}

#[tokio::test]
async fn expired_session_costs_one_fresh_login_and_the_write_is_resent_unchanged() {
    let gw = start().await;
    let client = IntacctClient::new(config(&gw)).unwrap();
    client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap();
    gw.with(|s| s.valid_session = None); // Intacct expired the session

    let request =
        Request::write(ControlId::parse("invoice-in_123").unwrap()).call(FunctionCall::new(
            ControlId::parse("invoice-in_123-create").unwrap(),
            invoice(),
        ));
    let response = client.execute(&request).await.unwrap();
    assert_eq!(response.results()[0].key.as_deref(), Some("4711"));

    assert_eq!(gw.with(|s| s.logins), 2);
    let writes: Vec<_> = gw.with(|s| {
        s.seen
            .iter()
            .filter(|x| x.body.contains("<create_invoice>"))
            .cloned()
            .collect()
    });
    assert_eq!(writes.len(), 2, "rejected attempt + one retry");
    assert!(writes[0].body.contains("<sessionid>sess-1</sessionid>"));
    assert!(writes[1].body.contains("<sessionid>sess-2</sessionid>"));
    for w in &writes {
        assert!(
            w.body
                .contains("<controlid>invoice-in_123</controlid><uniqueid>true</uniqueid>")
        );
        assert!(
            w.body
                .contains("<function controlid=\"invoice-in_123-create\">")
        );
        assert!(w.body.contains("<operation transaction=\"true\">"));
    }
}

#[tokio::test]
async fn a_session_rejected_twice_surfaces_as_authentication() {
    let gw = start().await;
    gw.with(|s| s.reject_sessions = true);
    let client = IntacctClient::new(config(&gw)).unwrap();
    let err = client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err}");
    assert_eq!(classify(&err), ErrorClass::Authentication);
    assert_eq!(failure_of(&err), Failure::SessionInvalid);
    assert_eq!(gw.with(|s| s.logins), 2, "exactly one re-login");
}

#[tokio::test]
async fn pager_follows_result_id_until_nothing_remains() {
    let gw = start().await;
    let client = IntacctClient::new(config(&gw)).unwrap();
    let mut pages = client.pages(ReadByQuery::new("CUSTOMER", "STATUS = 'active'"));
    let mut recordnos = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        recordnos.extend(
            page.records
                .iter()
                .map(|r| r.int("RECORDNO").unwrap().unwrap()),
        );
    }
    assert_eq!(recordnos, [1, 2]);
    let bodies: Vec<_> = gw.with(|s| s.seen.iter().map(|x| x.body.clone()).collect());
    assert!(bodies[1].contains("<query>STATUS = &apos;active&apos;</query>"));
    assert!(bodies[2].contains("<readMore><resultId>R-1</resultId></readMore>"));
    assert_eq!(bodies.len(), 3);
}

#[tokio::test]
async fn bad_credentials_on_login_are_auth_401() {
    let gw = start().await;
    gw.with(|s| s.login_status = Some(401));
    let client = IntacctClient::new(config(&gw)).unwrap();
    let err = client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Control { status: 401, .. }), "{err}");
    assert_eq!(failure_of(&err), Failure::Auth401);
}

#[tokio::test]
async fn a_write_that_times_out_after_sending_has_unknown_outcome() {
    let gw = start().await;
    gw.with(|s| s.write_delay = Some(Duration::from_secs(3)));
    let mut cfg = config(&gw);
    cfg.request_timeout = Duration::from_millis(500);
    let client = IntacctClient::new(cfg).unwrap();
    let request = Request::write(ControlId::parse("w-1").unwrap()).call(FunctionCall::new(
        ControlId::parse("w-1-a").unwrap(),
        invoice(),
    ));
    let err = client.execute(&request).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::TimeoutAfterSend,
                write: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(classify(&err), ErrorClass::UnknownOutcome);
}

#[tokio::test]
async fn refused_connection_is_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let gw = Gateway {
        base: format!("http://{addr}"),
        inner: Mutex::new(Inner::default()),
    };
    let client = IntacctClient::new(config(&gw)).unwrap();
    let request = Request::write(ControlId::parse("w-2").unwrap()).call(FunctionCall::new(
        ControlId::parse("w-2-a").unwrap(),
        invoice(),
    ));
    let err = client.execute(&request).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(classify(&err), ErrorClass::Transient);
}

#[tokio::test]
async fn debug_output_never_contains_secrets() {
    let gw = start().await;
    let client = IntacctClient::new(config(&gw)).unwrap();
    client
        .read_by_query(ReadByQuery::new("CUSTOMER", ""))
        .await
        .unwrap();
    let printed = format!("{client:?} {:?}", config(&gw));
    assert!(printed.contains("sender"));
    assert!(
        !printed.contains("sender-secret") && !printed.contains("user-secret"),
        "{printed}"
    );
    assert!(!printed.contains("sess-1"));
}
