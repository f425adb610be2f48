//! The client against tiny in-test HTTP servers: authentication, pagination, retries, idempotency,
//! error mapping and query encoding, observed from the server side.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use invoiced::models::*;
use invoiced::{
    Client, ClientConfig, Environment, Error, IdempotencyKey, ListParams, RequestOptions,
    RetryPolicy,
};
use pretty_assertions::assert_eq;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A canned reply: status, headers, body.
struct Reply(u16, Vec<(&'static str, String)>, String);

type Responder = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

struct Server {
    seen: Mutex<Vec<Seen>>,
    respond: Box<Responder>,
}

async fn handle(State(server): State<Arc<Server>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let index = {
        let mut all = server.seen.lock().expect("lock");
        all.push(seen.clone());
        all.len() - 1
    };
    let Reply(status, headers, body) = (server.respond)(&seen, index);
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(body))
        .map(IntoResponse::into_response)
        .expect("response")
}

struct TestApi {
    server: Arc<Server>,
    client: Client,
    base: String,
}

impl TestApi {
    async fn start(
        key: &str,
        retry: RetryPolicy,
        respond: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let server = Arc::new(Server {
            seen: Mutex::new(Vec::new()),
            respond: Box::new(respond),
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let base = format!("http://{address}");
        let mut config = ClientConfig::new(
            SecretString::from(key.to_owned()),
            Environment::Custom(base.parse().expect("url")),
        );
        config.retry = retry;
        config.timeout = Duration::from_secs(10);
        let client = Client::new(config).expect("client");
        Self {
            server,
            client,
            base,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.server.seen.lock().expect("lock").clone()
    }
}

fn tiny_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    }
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

fn ok(body: impl Into<String>) -> Reply {
    Reply(200, vec![], body.into())
}

fn customer_json(id: i64) -> Value {
    json!({"id": id, "object": "customer", "name": format!("Customer {id}"), "metadata": {}})
}

fn page_number(seen: &Seen) -> u32 {
    url::form_urlencoded::parse(seen.query.as_bytes())
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

/// Six customers, two per page, linked like the real API (absolute links on api.invoiced.com).
fn three_pages(seen: &Seen, _: usize) -> Reply {
    let page = page_number(seen);
    let items: Vec<Value> = [1, 2]
        .iter()
        .map(|i| customer_json(i64::from((page - 1) * 2 + i)))
        .collect();
    let link = |p: u32, rel: &str| {
        format!("<https://api.invoiced.com/customers?page={p}&per_page=2>; rel=\"{rel}\"")
    };
    let mut links = vec![link(page, "self"), link(1, "first")];
    if page > 1 {
        links.push(link(page - 1, "previous"));
    }
    if page < 3 {
        links.push(link(page + 1, "next"));
    }
    links.push(link(3, "last"));
    Reply(
        200,
        vec![
            ("link", links.join(", ")),
            ("x-total-count", "6".to_owned()),
        ],
        Value::Array(items).to_string(),
    )
}

#[tokio::test]
async fn listing_follows_link_headers_lazily_across_three_pages() {
    let api = TestApi::start("test", tiny_retry(1), three_pages).await;
    let customers = api.client.customers();

    let first_two: Vec<Customer> = customers
        .list(&ListParams::new())
        .take(2)
        .try_collect()
        .await
        .expect("first page");
    assert_eq!(
        first_two.iter().map(|c| c.id.get()).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        api.seen().len(),
        1,
        "taking the first page must not fetch the second"
    );

    let all: Vec<Customer> = customers
        .list(&ListParams::new())
        .try_collect()
        .await
        .expect("all");
    assert_eq!(
        all.iter().map(|c| c.id.get()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let seen = api.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[1].query, "per_page=100");
    // Links point at api.invoiced.com; the client stays on the configured host.
    assert_eq!(seen[2].query, "page=2&per_page=2");
    assert_eq!(seen[3].query, "page=3&per_page=2");
    assert!(
        seen.iter()
            .all(|s| s.path == "/customers" && s.method == "GET")
    );
}

#[tokio::test]
async fn pages_expose_the_total_count() {
    let api = TestApi::start("test", tiny_retry(1), three_pages).await;
    let pages: Vec<_> = api
        .client
        .customers()
        .list_pages(&ListParams::new())
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|p| p.total_count == Some(6)));
    assert!(pages[2].next.is_none());
    assert_eq!(
        pages[0].next.as_ref().map(|u| u.as_str().to_owned()),
        Some(format!("{}/customers?page=2&per_page=2", api.base))
    );
}

#[tokio::test]
async fn a_next_link_to_the_same_page_is_an_error_not_an_endless_loop() {
    // The Java library's mock answers every page with rel="next" pointing at page 1.
    let api = TestApi::start("test", tiny_retry(1), |seen, _| {
        Reply(
            200,
            vec![("link", format!("</customers?{}>; rel=\"next\"", seen.query))],
            "[]".to_owned(),
        )
    })
    .await;
    let result: Result<Vec<Customer>, Error> = api
        .client
        .customers()
        .list(&ListParams::new())
        .try_collect()
        .await;
    assert!(
        matches!(result, Err(Error::PaginationLoop(_))),
        "{result:?}"
    );
    assert_eq!(api.seen().len(), 1);
}

#[tokio::test]
async fn rate_limited_create_is_retried_with_the_same_idempotency_key() {
    let api = TestApi::start("test", tiny_retry(5), |_, index| {
        if index < 2 {
            Reply(429, vec![], fixture("error_429_rate_limit.json"))
        } else {
            Reply(201, vec![], fixture("invoice.json"))
        }
    })
    .await;
    let params = InvoiceParams {
        customer: Some(CustomerId::new(15444)),
        number: Some("INV-0016".into()),
        items: Some(vec![LineItemParams {
            name: Some("Copy Paper, Case".into()),
            quantity: Some(dec!(1)),
            unit_cost: Some(dec!(45)),
            metadata: Some(Metadata::new().with("intacct_department", "100")),
            ..LineItemParams::default()
        }]),
        tax: Some(dec!(3.85)),
        ..InvoiceParams::default()
    };
    let invoice = api
        .client
        .invoices()
        .create(&params, &RequestOptions::default())
        .await
        .expect("created after two 429s");
    assert_eq!(invoice.total, dec!(51.15));

    let seen = api.seen();
    assert_eq!(seen.len(), 3);
    let keys: Vec<_> = seen
        .iter()
        .map(|s| s.header("idempotency-key").unwrap_or(""))
        .collect();
    assert_eq!(keys[0].len(), 36, "a random UUID key is generated");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert!(
        seen.iter()
            .all(|s| s.method == "POST" && s.path == "/invoices")
    );
    assert!(seen.iter().all(|s| s.body == seen[0].body));
    let body: Value = serde_json::from_str(&seen[0].body).expect("json body");
    assert_eq!(
        body,
        json!({
            "customer": 15444,
            "number": "INV-0016",
            "items": [{"name": "Copy Paper, Case", "quantity": 1, "unit_cost": 45,
                       "metadata": {"intacct_department": "100"}}],
            "tax": 3.85
        })
    );
    assert!(
        seen[0].body.contains("\"tax\":3.85"),
        "money is a JSON number: {}",
        seen[0].body
    );
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_is_sent_verbatim() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| {
        Reply(201, vec![], fixture("customer.json"))
    })
    .await;
    let key = IdempotencyKey::parse("intacct-customer-42").expect("key");
    let params = CustomerParams {
        name: Some("Acme".into()),
        number: Some("CUST-0001".into()),
        ..CustomerParams::default()
    };
    api.client
        .customers()
        .create(&params, &RequestOptions::with_idempotency_key(key))
        .await
        .expect("created");
    assert_eq!(
        api.seen()[0].header("idempotency-key"),
        Some("intacct-customer-42")
    );
    assert_eq!(
        api.seen()[0].header("content-type"),
        Some("application/json")
    );
}

#[tokio::test]
async fn rate_limit_that_never_clears_becomes_a_typed_error() {
    let api = TestApi::start("test", tiny_retry(3), |_, _| {
        Reply(429, vec![], fixture("error_429_rate_limit.json"))
    })
    .await;
    let err = api
        .client
        .customers()
        .retrieve(CustomerId::new(1))
        .await
        .expect_err("always 429");
    match &err {
        Error::RateLimited { attempts, error } => {
            assert_eq!(*attempts, 3);
            assert_eq!(error.status, 429);
            assert_eq!(error.error_type.as_deref(), Some("rate_limit_error"));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(api.seen().len(), 3);
}

#[tokio::test]
async fn missing_customer_is_not_found_with_the_server_message_and_no_retry() {
    let api = TestApi::start("test", tiny_retry(5), |_, _| {
        Reply(404, vec![], fixture("error_404_not_found.json"))
    })
    .await;
    let err = api
        .client
        .customers()
        .retrieve(CustomerId::new(51123223))
        .await
        .expect_err("404");
    let Error::NotFound(api_error) = &err else {
        panic!("expected NotFound, got {err:?}");
    };
    assert_eq!(api_error.message, "Customer was not found: 51123223");
    assert!(!err.is_retryable());
    assert_eq!(api.seen().len(), 1);
    assert_eq!(api.seen()[0].path, "/customers/51123223");
}

#[tokio::test]
async fn server_errors_and_validation_errors_are_typed() {
    let api = TestApi::start("test", tiny_retry(5), |seen, _| match seen.path.as_str() {
        "/invoices/1" => Reply(500, vec![], "<html>upstream</html>".into()),
        _ => Reply(400, vec![], fixture("error_400_invalid_request.json")),
    })
    .await;
    let err = api
        .client
        .invoices()
        .retrieve(InvoiceId::new(1))
        .await
        .expect_err("500");
    assert!(
        matches!(&err, Error::Server(e) if e.message == "<html>upstream</html>"),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let err = api
        .client
        .customers()
        .create(&CustomerParams::default(), &RequestOptions::default())
        .await
        .expect_err("400");
    assert!(
        matches!(&err, Error::InvalidRequest(e) if e.param.as_deref() == Some("name")),
        "{err:?}"
    );
    assert_eq!(
        api.seen().len(),
        2,
        "neither 500 nor 400 is retried by the client"
    );
}

#[tokio::test]
async fn a_body_that_does_not_match_the_model_is_a_decode_error() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| ok(r#"{"id": 1}"#)).await;
    let err = api
        .client
        .invoices()
        .retrieve(InvoiceId::new(1))
        .await
        .expect_err("bad body");
    assert!(
        matches!(&err, Error::Decode { what, .. } if what == "Invoice"),
        "{err:?}"
    );
}

#[tokio::test]
async fn basic_auth_uses_the_key_as_user_name_with_an_empty_password() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| ok(fixture("customer.json"))).await;
    api.client
        .customers()
        .retrieve(CustomerId::new(15444))
        .await
        .expect("customer");
    let seen = &api.seen()[0];
    // base64("test:"), the vector the official Python library tests for.
    assert_eq!(seen.header("authorization"), Some("Basic dGVzdDo="));
    assert_eq!(
        seen.header("idempotency-key"),
        None,
        "GET carries no idempotency key"
    );
    assert!(
        !format!("{:?}", api.client).contains("test"),
        "{:?}",
        api.client
    );
}

#[tokio::test]
async fn metadata_lookup_encodes_brackets_and_finds_one_record() {
    let api = TestApi::start("test", tiny_retry(1), |seen, _| {
        let body = if seen.query.contains("C-100") {
            json!([customer_json(7)])
        } else {
            json!([customer_json(8), customer_json(9)])
        };
        Reply(
            200,
            vec![(
                "x-total-count",
                body.as_array().map_or(0, Vec::len).to_string(),
            )],
            body.to_string(),
        )
    })
    .await;
    let key = MetadataKey::parse("intacct_customer_id").expect("key");
    let found = api
        .client
        .customers()
        .find_by_metadata(&key, "C-100")
        .await
        .expect("lookup");
    assert_eq!(found.map(|c| c.id), Some(CustomerId::new(7)));
    assert_eq!(
        api.seen()[0].query,
        "metadata%5Bintacct_customer_id%5D=C-100&per_page=2"
    );

    let err = api
        .client
        .customers()
        .find_by_metadata(&key, "C-200")
        .await
        .expect_err("two matches");
    assert!(
        matches!(err, Error::AmbiguousLookup { count: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn incremental_list_sends_sort_and_updated_after() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| ok("[]")).await;
    let since = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time");
    let params = ListParams::new()
        .sort("updated_at ASC")
        .updated_after(since)
        .filter("status", "paid");
    let invoices: Vec<Invoice> = api
        .client
        .invoices()
        .list(&params)
        .try_collect()
        .await
        .expect("empty list");
    assert!(invoices.is_empty());
    assert_eq!(
        api.seen()[0].query,
        "filter%5Bstatus%5D=paid&sort=updated_at+ASC&updated_after=1700000000&per_page=100"
    );
}

#[tokio::test]
async fn voiding_an_invoice_posts_to_the_void_route() {
    let recording: Value =
        serde_json::from_str(&fixture("wiremock_invoices_void.json")).expect("json");
    let body = recording["response"]["body"]
        .as_str()
        .expect("body")
        .to_owned();
    let api = TestApi::start("test", tiny_retry(1), move |_, _| ok(body.clone())).await;
    let invoice = api
        .client
        .invoices()
        .void(InvoiceId::new(46701), &RequestOptions::default())
        .await
        .expect("voided");
    assert!(invoice.is_voided());
    let seen = &api.seen()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/invoices/46701/void")
    );
    assert!(seen.header("idempotency-key").is_some());
}

#[tokio::test]
async fn voiding_a_payment_is_a_delete_without_idempotency_key() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| {
        ok(fixture("payment_voided.json"))
    })
    .await;
    let payment = api
        .client
        .payments()
        .void(PaymentId::new(61))
        .await
        .expect("voided");
    assert!(payment.voided);
    let seen = &api.seen()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("DELETE", "/payments/61")
    );
    assert_eq!(seen.header("idempotency-key"), None);
}

#[tokio::test]
async fn payments_are_read_with_applied_to() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| ok(fixture("payment.json"))).await;
    api.client
        .payments()
        .retrieve(PaymentId::new(61))
        .await
        .expect("payment");
    assert_eq!(api.seen()[0].query, "include=applied_to");
}

#[tokio::test]
async fn events_since_a_time_filtered_by_exact_type() {
    let recording: Value =
        serde_json::from_str(&fixture("wiremock_events_list.json")).expect("json");
    let body = recording["response"]["body"]
        .as_str()
        .expect("body")
        .to_owned();
    let api = TestApi::start("test", tiny_retry(1), move |_, _| ok(body.clone())).await;
    let since = chrono::DateTime::from_timestamp(1_606_806_000, 0).expect("time");
    let events: Vec<Event> = api
        .client
        .events()
        .list_since(since, Some(&EventType::InvoicePaid))
        .try_collect()
        .await
        .expect("events");
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.event_type == EventType::InvoicePaid)
    );
    assert_eq!(
        api.seen()[0].query,
        "filter%5Btype%5D=invoice.paid&start_date=1606806000&per_page=100"
    );
}

#[tokio::test]
async fn update_patches_only_the_fields_set() {
    let api = TestApi::start("test", tiny_retry(1), |_, _| ok(fixture("customer.json"))).await;
    let params = CustomerParams {
        metadata: Some(Metadata::new().with("intacct_customer_id", "C-100")),
        active: Some(false),
        ..CustomerParams::default()
    };
    api.client
        .customers()
        .update(CustomerId::new(15444), &params, &RequestOptions::default())
        .await
        .expect("updated");
    let seen = &api.seen()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("PATCH", "/customers/15444")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen.body).expect("json"),
        json!({"active": false, "metadata": {"intacct_customer_id": "C-100"}})
    );
    assert!(seen.header("idempotency-key").is_some());
}

#[tokio::test]
async fn the_client_keeps_requests_in_flight_below_its_limit() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[derive(Default)]
    struct Gauge {
        now: AtomicUsize,
        peak: AtomicUsize,
        total: AtomicUsize,
    }
    async fn slow(State(gauge): State<Arc<Gauge>>) -> Response {
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.peak.fetch_max(now, Ordering::SeqCst);
        gauge.total.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        gauge.now.fetch_sub(1, Ordering::SeqCst);
        (
            [("content-type", "application/json")],
            fixture("customer.json"),
        )
            .into_response()
    }
    let gauge = Arc::new(Gauge::default());
    let router = axum::Router::new().fallback(slow).with_state(gauge.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let mut config = ClientConfig::new(
        SecretString::from("test"),
        Environment::Custom(format!("http://{address}").parse().expect("url")),
    );
    config.max_in_flight = 2;
    let client = Client::new(config).expect("client");

    let calls = (0..8).map(|i| {
        let client = client.clone();
        async move { client.customers().retrieve(CustomerId::new(i + 1)).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(gauge.total.load(Ordering::SeqCst), 8);
    assert_eq!(
        gauge.peak.load(Ordering::SeqCst),
        2,
        "8 concurrent calls, 2 at a time"
    );
}
