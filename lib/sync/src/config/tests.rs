use super::payment_routes::select_route;
use super::secrets::ConnectionSecrets;
use super::*;
use pretty_assertions::assert_eq;

const FULL: &str = r#"{
  "id": "acme-prod",
  "intacct": { "company_id": "ACME", "entity_id": "US-EAST" },
  "flows": {
    "read": { "customers": true, "invoices": true, "credit_notes": true, "payments": true },
    "write": { "customers": true, "invoices": true, "credit_notes": true, "payments": true }
  },
  "customers": { "source": "bill_to_contacts", "matching": "account_number" },
  "accounts": {
    "item_account": "4000",
    "payment_routes": [
      { "currency": "*", "method": "*", "deposit": { "undeposited_funds": "1200" } },
      { "currency": "cad", "method": "*", "deposit": { "bank_account": "WF01" } },
      { "currency": "*", "method": "direct_debit", "deposit": { "bank_account": "DD01" } }
    ]
  },
  "convenience_fees": { "mode": "invoice", "gl_account": "4900", "dimensions": { "location_id": "L1" } },
  "line_items": { "location_id": "HQ", "department_id": "SALES" },
  "read": { "look_back_minutes": 120 }
}"#;

fn minimal() -> ConnectionConfig {
    ConnectionConfig::from_json(r#"{"id": "c1", "intacct": {"company_id": "ACME"}}"#)
        .expect("minimal config is valid")
}

#[test]
fn a_full_configuration_parses_with_every_setting_typed() {
    let config = ConnectionConfig::from_json(FULL).expect("valid");
    assert_eq!(config.id.as_str(), "acme-prod");
    assert_eq!(config.intacct.entity_id.as_deref(), Some("US-EAST"));
    assert!(config.intacct.customers_top_level);
    assert_eq!(config.intacct.max_concurrent_requests, 2);
    assert_eq!(config.customers.source, CustomerSource::BillToContacts);
    assert_eq!(config.customers.matching, CustomerMatching::AccountNumber);
    assert_eq!(config.accounts.payment_routes.len(), 3);
    assert_eq!(
        config.convenience_fees,
        ConvenienceFees::Invoice {
            gl_account: "4900".into(),
            dimensions: DimensionIds {
                location_id: Some("L1".into()),
                ..DimensionIds::default()
            }
        }
    );
    assert_eq!(config.line_items.department_id.as_deref(), Some("SALES"));
    assert_eq!(config.read.look_back_minutes, 120);
    assert_eq!(config.read.invoice_types, vec!["Sales Invoice".to_owned()]);
    assert_eq!(
        config.invoiced.base_url.as_str(),
        "https://api.invoiced.com/"
    );
}

#[test]
fn defaults_run_no_flow_and_use_production_endpoints() {
    let config = minimal();
    assert!(config.enabled);
    for record_type in RecordType::ALL {
        assert!(!config.flows.read.includes(record_type));
        assert!(!config.flows.write.includes(record_type));
    }
    assert_eq!(
        config.intacct.endpoint.as_str(),
        INTACCT_PRODUCTION_ENDPOINT
    );
    assert!(matches!(
        config.convenience_fees,
        ConvenienceFees::Overpayment { .. }
    ));
}

#[test]
fn a_misspelt_setting_is_an_error_not_a_silent_default() {
    let err = ConnectionConfig::from_json(
        r#"{"id": "c1", "intacct": {"company_id": "ACME"}, "flows": {"write": {"invoice": true}}}"#,
    )
    .unwrap_err();
    assert!(err.message.contains("unknown field `invoice`"), "{err}");
}

#[test]
fn connection_ids_are_safe_in_urls_and_keys() {
    assert!(ConnectionId::parse("acme-2").is_ok());
    for bad in ["", "Acme", "a/b", "a b", "-x", &"x".repeat(65)] {
        assert!(ConnectionId::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn cross_setting_rules_name_the_field_to_fix() {
    let cases = [
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"flows":{"write":{"invoices":true}}}"#,
            "accounts.item_account",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"flows":{"write":{"payments":true}}}"#,
            "accounts.payment_routes",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":" "}}"#,
            "intacct.company_id",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A","max_concurrent_requests":0}}"#,
            "intacct.max_concurrent_requests",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"convenience_fees":{"mode":"invoice","gl_account":""}}"#,
            "convenience_fees.gl_account",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"flows":{"read":{"invoices":true}},"read":{"invoice_types":[]}}"#,
            "read.invoice_types",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"accounts":{"payment_routes":[{"currency":"US","method":"*","deposit":{"bank_account":"B"}}]}}"#,
            "accounts.payment_routes[0].currency",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"accounts":{"payment_routes":[
                {"currency":"usd","method":"*","deposit":{"bank_account":"B"}},
                {"currency":"USD","method":"*","deposit":{"bank_account":"C"}}]}}"#,
            "accounts.payment_routes[1]",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"accounts":{"ar_account":"1100"}}"#,
            "accounts.ar_account",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"convenience_fees":{"mode":"overpayment","dimensions":{"project_id":"P1"}}}"#,
            "convenience_fees.dimensions.project_id",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A"},"convenience_fees":{"mode":"overpayment","dimensions":{"class_id":"C1"}}}"#,
            "convenience_fees.dimensions.class_id",
        ),
        (
            r#"{"id":"c","intacct":{"company_id":"A","time_zone":"Mars/Olympus"}}"#,
            "(line 1, column 64)",
        ),
    ];
    for (json, field) in cases {
        let err = ConnectionConfig::from_json(json).unwrap_err();
        assert_eq!(err.field, field, "{json}: {err}");
    }
}

#[test]
fn a_removed_setting_is_refused_with_why_not_ignored() {
    let err = ConnectionConfig::from_json(
        r#"{"id":"c","intacct":{"company_id":"A"},"accounts":{"ar_account":"1100"}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("never used"), "{err}");
    let zone = ConnectionConfig::from_json(
        r#"{"id":"c","intacct":{"company_id":"A","time_zone":"Pacific/Auckland"}}"#,
    )
    .expect("an IANA zone");
    assert_eq!(zone.intacct.time_zone, chrono_tz::Tz::Pacific__Auckland);
    assert_eq!(minimal().intacct.time_zone, chrono_tz::Tz::UTC);
}

#[test]
fn the_most_specific_payment_route_wins_and_ties_go_to_the_first() {
    let config = ConnectionConfig::from_json(FULL).unwrap();
    let routes = &config.accounts.payment_routes;
    let deposit = |currency, method| &select_route(routes, currency, method).unwrap().deposit;
    assert_eq!(
        deposit("usd", "check"),
        &Deposit::UndepositedFunds("1200".into())
    );
    assert_eq!(
        deposit("cad", "check"),
        &Deposit::BankAccount("WF01".into())
    );
    assert_eq!(
        deposit("usd", "direct_debit"),
        &Deposit::BankAccount("DD01".into())
    );
    // cad + direct_debit: both specific routes score 3; the first listed wins.
    assert_eq!(
        deposit("cad", "direct_debit"),
        &Deposit::BankAccount("WF01".into())
    );
    assert!(select_route(&routes[1..2], "usd", "check").is_none());
}

#[test]
fn secrets_are_redacted_and_parse_errors_never_quote_values() {
    let json = r#"{"intacct_sender_id":"S","intacct_sender_password":"sp-hunter2",
        "intacct_user_id":"U","intacct_user_password":"up-hunter2",
        "invoiced_api_key":"key-hunter2","invoiced_webhook_secret":"wh-hunter2"}"#;
    let secrets = ConnectionSecrets::from_json(json).unwrap();
    let debug = format!("{secrets:?}");
    for value in secrets.exposed_values() {
        assert!(!debug.contains(value), "{debug}");
    }
    let wrong_type =
        r#"{"intacct_sender_id":"S","intacct_sender_password":["pw-in-array-hunter2"]}"#;
    let err = ConnectionSecrets::from_json(wrong_type).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let missing = ConnectionSecrets::from_json(r#"{"intacct_sender_id":"S"}"#).unwrap_err();
    assert!(missing.message.contains("missing field"), "{missing}");
}

#[test]
fn the_documented_example_connection_and_secret_are_valid() {
    // docs/examples/ is what the README's deploy steps tell users to copy and edit.
    let config = ConnectionConfig::from_json(include_str!("../../../../docs/examples/acme.json"))
        .expect("docs/examples/acme.json is a valid connection");
    assert_eq!(config.id.as_str(), "acme");
    assert!(config.flows.write.includes(RecordType::Payment));
    ConnectionSecrets::from_json(include_str!("../../../../docs/examples/acme-secret.json"))
        .expect("docs/examples/acme-secret.json is a valid secret");
}
