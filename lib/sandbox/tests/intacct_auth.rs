//! Authentication paths: sender check, user login (HTTP 401), sessions and their expiry, and
//! malformed requests.

mod intacct_support;

use chrono::TimeDelta;
use intacct_support::{function, request, result_status, start, text};
use pretty_assertions::assert_eq;

#[tokio::test]
async fn a_session_from_getapisession_authenticates_later_requests_at_the_returned_endpoint() {
    let sandbox = start().await;
    let body = sandbox.one("<getAPISession/>").await;
    assert_eq!(result_status(&body), "success");
    let session = text(&body, "sessionid").unwrap();
    assert_eq!(text(&body, "endpoint").unwrap(), sandbox.running.endpoint);
    assert!(text(&body, "sessiontimeout").is_some(), "{body}");

    let (s, p) = sandbox.sender();
    let auth = format!("<sessionid>{session}</sessionid>");
    let (status, body) = sandbox
        .post(request((&s, &p), &auth, &function("q", "<readByQuery><object>CUSTOMER</object><query></query><fields>*</fields><pagesize>10</pagesize></readByQuery>"), false, false))
        .await;
    assert_eq!(status, 200);
    assert_eq!(result_status(&body), "success", "{body}");
    assert_eq!(
        text(&body, "userid").unwrap(),
        sandbox.running.credentials.user_id
    );
}

#[tokio::test]
async fn sessions_slide_and_then_expire_with_invalid_session() {
    let sandbox = start().await;
    let body = sandbox.one("<getAPISession/>").await;
    let session = text(&body, "sessionid").unwrap();
    let (s, p) = sandbox.sender();
    let auth = format!("<sessionid>{session}</sessionid>");
    let read = function(
        "q",
        "<readByQuery><object>CUSTOMER</object><query/><fields>RECORDNO</fields></readByQuery>",
    );

    // Default TTL 30 min, sliding: two 20-minute gaps with a call in between keep it alive.
    sandbox.handle().advance_clock(TimeDelta::minutes(20));
    let (_, body) = sandbox
        .post(request((&s, &p), &auth, &read, false, false))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");
    sandbox.handle().advance_clock(TimeDelta::minutes(20));
    let (_, body) = sandbox
        .post(request((&s, &p), &auth, &read, false, false))
        .await;
    assert_eq!(result_status(&body), "success", "{body}");

    // 31 idle minutes: gone.
    sandbox.handle().advance_clock(TimeDelta::minutes(31));
    let (status, body) = sandbox
        .post(request((&s, &p), &auth, &read, false, false))
        .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<authentication><status>failure</status>"),
        "{body}"
    );
    assert_eq!(text(&body, "errorno").unwrap(), "XL03000006");
    assert!(
        text(&body, "description2")
            .unwrap()
            .starts_with("Invalid session")
    );
    assert!(
        !body.contains("<result>"),
        "no function runs after an auth failure"
    );
}

#[tokio::test]
async fn bad_sender_is_a_control_failure_like_the_gateway() {
    let sandbox = start().await;
    let (status, body) = sandbox
        .post(request(
            ("intruder", "nope"),
            &sandbox.login(),
            &function("f", "<getAPISession/>"),
            false,
            false,
        ))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("<control><status>failure</status><senderid>intruder</senderid><controlid>ctl-1</controlid>"), "{body}");
    assert_eq!(text(&body, "errorno").unwrap(), "XL03000006");
    assert_eq!(
        text(&body, "description2").unwrap(),
        "Incorrect Intacct XML Partner ID or password."
    );
    assert!(!body.contains("<operation>"));
}

#[tokio::test]
async fn bad_user_password_gets_http_401_with_xmlgw_jpp0002() {
    let sandbox = start().await;
    let (s, p) = sandbox.sender();
    let login = "<login><userid>sync_user</userid><companyid>SANDBOX</companyid><password>wrong</password></login>";
    let response = sandbox
        .http
        .post(&sandbox.running.endpoint)
        .body(request(
            (&s, &p),
            login,
            &function("f", "<getAPISession/>"),
            false,
            false,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let body = response.text().await.unwrap();
    assert_eq!(text(&body, "errorno").unwrap(), "XMLGW_JPP0002");
    assert_eq!(
        text(&body, "description").unwrap(),
        "Sign-in information is incorrect. Please check your request."
    );
    assert!(
        !body.contains("<senderid>"),
        "gateway errors carry no senderid: {body}"
    );
}

#[tokio::test]
async fn malformed_xml_is_a_control_failure_xl03000003() {
    let sandbox = start().await;
    let (status, body) = sandbox
        .post("<request><control><senderid>x</senderid></contrl></request>".into())
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("<control><status>failure</status>"), "{body}");
    assert_eq!(text(&body, "errorno").unwrap(), "XL03000003");
    assert!(
        text(&body, "description2")
            .unwrap()
            .starts_with("XML Parse schema error"),
        "{body}"
    );
}

#[tokio::test]
async fn entity_login_is_echoed_as_locationid() {
    let sandbox = start().await;
    let (s, p) = sandbox.sender();
    let login = "<login><userid>sync_user</userid><companyid>SANDBOX|US-EAST</companyid><password>sandbox-user-password</password></login>";
    let (_, body) = sandbox
        .post(request(
            (&s, &p),
            login,
            &function("f", "<getAPISession/>"),
            false,
            false,
        ))
        .await;
    assert_eq!(text(&body, "companyid").unwrap(), "SANDBOX");
    assert_eq!(text(&body, "locationid").unwrap(), "US-EAST");
}
