//! Scenarios about the wire basics: authentication, error bodies, object shapes and money.

mod invoiced_support;

use invoiced_support::start;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

#[tokio::test]
async fn a_client_without_or_with_a_wrong_api_key_gets_the_real_401_bodies() {
    let sandbox = start().await;

    let anonymous = sandbox
        .send(sandbox.http.get(sandbox.url("/customers")))
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json,
        json!({"type": "invalid_request", "message": "Missing API key! HINT: You can pass in your API key as the username parameter using HTTP Basic Auth."})
    );
    assert_eq!(
        anonymous.header("www-authenticate").as_deref(),
        Some("Basic realm=\"Invoiced\"")
    );

    let wrong = sandbox
        .send(
            sandbox
                .http
                .get(sandbox.url("/customers"))
                .basic_auth("abcdefgh_wrong_xyz", Some("")),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.json["message"],
        "We could not authenticate you with the API Key: abc*****xyz"
    );

    let username_and_password = sandbox
        .send(
            sandbox
                .http
                .get(sandbox.url("/customers"))
                .basic_auth("dunder", Some("test_api_key")),
        )
        .await;
    assert_eq!(username_and_password.status, 401);
    assert_eq!(
        username_and_password.json["message"],
        "We did not find an account matching the username: dunder"
    );
}

#[tokio::test]
async fn an_unknown_customer_is_a_404_shaped_like_the_fixture() {
    let sandbox = start().await;
    let missing = sandbox.get("/customers/51123223").await;
    assert_eq!(missing.status, 404);
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/invoiced/error_404_not_found.json")).unwrap();
    assert_eq!(missing.json, fixture);
    assert_eq!(
        missing.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        missing.header("cache-control").as_deref(),
        Some("no-cache, no-store")
    );

    let route = sandbox.get("/customerz").await;
    assert_eq!(route.status, 404);
    assert_eq!(
        route.json["message"],
        "Request was not recognized: GET /customerz"
    );

    let method = sandbox
        .send(
            sandbox
                .http
                .put(sandbox.url("/customers/1"))
                .basic_auth("test_api_key", Some("")),
        )
        .await;
    assert_eq!(method.status, 405);
}

#[tokio::test]
async fn validation_failures_name_the_field_in_param() {
    let sandbox = start().await;
    let nameless = sandbox
        .post("/customers", json!({"email": "a@example.com"}))
        .await;
    assert_eq!(nameless.status, 400);
    assert_eq!(
        nameless.json,
        json!({"type": "invalid_request", "message": "Name missing", "param": "name"})
    );

    sandbox
        .post("/customers", json!({"name": "Acme", "number": "CUST-0001"}))
        .await;
    let duplicate = sandbox
        .post(
            "/customers",
            json!({"name": "Other", "number": " cust-0001 "}),
        )
        .await;
    assert_eq!(duplicate.status, 400);
    assert_eq!(duplicate.json["param"], "number");
    assert_eq!(
        duplicate.json["message"],
        "The given customer number has already been taken:  cust-0001 "
    );

    let no_customer = sandbox.post("/invoices", json!({"items": []})).await;
    assert_eq!(
        (no_customer.status, no_customer.json["param"].as_str()),
        (400, Some("customer"))
    );
}

#[tokio::test]
async fn a_created_customer_has_every_key_of_the_documented_object() {
    let sandbox = start().await;
    let created = sandbox
        .post(
            "/customers",
            json!({"name": "Acme", "email": "billing@acmecorp.com", "country": "US",
                   "metadata": {"icp_number": 1234567890, "account_rep": "Jan"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/invoiced/customer.json")).unwrap();
    for key in fixture.as_object().unwrap().keys() {
        assert!(
            created.json.get(key).is_some(),
            "customer lacks `{key}`: {}",
            created.text
        );
    }
    assert_eq!(created.json["object"], "customer");
    assert_eq!(created.json["number"], "CUST-0001");
    // The legacy metadata store hands scalars back as strings.
    assert_eq!(
        created.json["metadata"],
        json!({"icp_number": "1234567890", "account_rep": "Jan"})
    );
    assert!(created.json["created_at"].is_i64());

    let id = created.json["id"].as_i64().unwrap();
    let fetched = sandbox.get(&format!("/customers/{id}")).await;
    assert_eq!(fetched.json, created.json);

    let updated = sandbox
        .patch(
            &format!("/customers/{id}"),
            json!({"payment_terms": "NET 30"}),
        )
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json["payment_terms"], "NET 30");

    let deleted = sandbox.delete(&format!("/customers/{id}")).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
    assert_eq!(sandbox.get(&format!("/customers/{id}")).await.status, 404);
}

#[tokio::test]
async fn invoice_money_is_exact_decimal_json_numbers_like_the_fixture() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let created = sandbox
        .post(
            "/invoices",
            json!({"customer": customer, "payment_terms": "NET 14", "date": 1416290400,
                   "items": [{"name": "Copy Paper, Case", "type": "product", "quantity": 1, "unit_cost": 45},
                             {"name": "Delivery", "catalog_item": "delivery", "type": "service", "quantity": 1, "unit_cost": 10}],
                   "taxes": [{"amount": 3.85}], "discounts": [{"amount": 7.7}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(
        created.text.contains("\"subtotal\":55,"),
        "{}",
        created.text
    );
    assert!(
        created.text.contains("\"total\":51.15,"),
        "{}",
        created.text
    );
    assert!(
        created.text.contains("\"balance\":51.15,"),
        "{}",
        created.text
    );
    assert_eq!(created.json["due_date"], 1416290400 + 14 * 86400);
    assert_eq!(
        created.json["status"], "past_due",
        "a 2014 due date is long past"
    );
    assert!(
        created.json.get("voided").is_none(),
        "invoices never serialise `voided`"
    );
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/invoiced/invoice.json")).unwrap();
    for key in fixture.as_object().unwrap().keys() {
        assert!(created.json.get(key).is_some(), "invoice lacks `{key}`");
    }
    for key in fixture["items"][0].as_object().unwrap().keys() {
        assert!(
            created.json["items"][0].get(key).is_some(),
            "line item lacks `{key}`"
        );
    }
    // 12.045 rounds half away from zero to 12.05, as the backend does.
    let rounding = sandbox
        .post(
            "/invoices",
            json!({"customer": customer, "items": [{"quantity": 1, "unit_cost": "12.045"}]}),
        )
        .await;
    assert!(
        rounding.text.contains("\"amount\":12.05"),
        "{}",
        rounding.text
    );
}

#[tokio::test]
async fn contacts_live_under_their_customer() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let created = sandbox
        .post(
            &format!("/customers/{customer}/contacts"),
            json!({"name": "Nancy Talty", "email": "nancy.talty@example.com", "primary": true}),
        )
        .await;
    assert_eq!(created.status, 201);
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/invoiced/contact.json")).unwrap();
    for key in fixture.as_object().unwrap().keys() {
        assert!(created.json.get(key).is_some(), "contact lacks `{key}`");
    }
    let id = created.json["id"].as_i64().unwrap();
    let listed = sandbox
        .get(&format!("/customers/{customer}/contacts"))
        .await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
    let other = sandbox.customer("Other").await;
    assert_eq!(
        sandbox
            .get(&format!("/customers/{other}/contacts/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        sandbox
            .delete(&format!("/customers/{customer}/contacts/{id}"))
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn a_form_encoded_invoice_is_read_like_its_json_twin() {
    let sandbox = start().await;
    let customer = sandbox.customer("Acme").await;
    let form = format!(
        "customer={customer}&items[0][name]=Paper&items[0][quantity]=2&items[0][unit_cost]=22.50&items[0][metadata][intacct_department]=100&draft=1"
    );
    let created = sandbox
        .send(
            sandbox
                .http
                .post(sandbox.url("/invoices"))
                .basic_auth("test_api_key", Some(""))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["total"], 45);
    assert_eq!(created.json["status"], "draft");
    assert_eq!(
        created.json["items"][0]["metadata"],
        json!({"intacct_department": "100"})
    );
}
