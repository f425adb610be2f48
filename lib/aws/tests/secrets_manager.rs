//! Connection credentials from Secrets Manager against moto: read, cached, refreshed after a
//! rotation, and never printed.

mod support;

use aws_sdk_secretsmanager::Client;
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};
use sync_aws::secrets::{
    DEFAULT_SECRET_TTL, PutOutcome, PutSecretError, Rotation, SecretLoadError,
    SecretsManagerSource, put_secret, rotate_secret,
};
use sync_engine::config::ConnectionId;
use sync_engine::ports::SecretSource;

const PREFIX: &str = "sync/connections/";

async fn client() -> Client {
    Client::new(&support::sdk_config().await)
}

fn connection() -> ConnectionId {
    ConnectionId::parse(&support::unique_name("conn")).expect("valid id")
}

/// A complete secret document whose Intacct user password is `password`.
fn document(password: &str) -> SecretString {
    SecretString::from(format!(
        r#"{{"intacct_sender_id":"acme-sender","intacct_sender_password":"sender-pw-Zq81",
            "intacct_user_id":"xml_gateway","intacct_user_password":"{password}",
            "invoiced_api_key":"inv-key-Yx72","invoiced_webhook_secret":"whsec-Wv63"}}"#
    ))
}

async fn bootstrap(client: &Client, connection: &ConnectionId, password: &str) -> PutOutcome {
    put_secret(
        client,
        &format!("{PREFIX}{connection}"),
        &document(password),
    )
    .await
    .expect("put_secret on moto")
}

#[tokio::test]
async fn a_connection_reads_its_credentials_from_its_secret() {
    let client = client().await;
    let conn = connection();
    assert_eq!(
        bootstrap(&client, &conn, "first-pw-Aa11").await,
        PutOutcome::Created
    );
    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);

    let secrets = source.secrets(&conn).await.expect("secrets");
    assert_eq!(secrets.intacct_sender_id, "acme-sender");
    assert_eq!(secrets.intacct_user_id, "xml_gateway");
    assert_eq!(
        secrets.intacct_user_password.expose_secret(),
        "first-pw-Aa11"
    );
    assert_eq!(secrets.invoiced_api_key.expose_secret(), "inv-key-Yx72");
}

#[tokio::test]
async fn a_rotated_password_is_served_from_cache_until_invalidated() {
    let client = client().await;
    let conn = connection();
    bootstrap(&client, &conn, "old-pw-Bb22").await;
    let source = SecretsManagerSource::new(client.clone(), PREFIX, DEFAULT_SECRET_TTL);
    let first = source.secrets(&conn).await.expect("secrets");
    assert_eq!(first.intacct_user_password.expose_secret(), "old-pw-Bb22");

    assert_eq!(
        bootstrap(&client, &conn, "new-pw-Cc33").await,
        PutOutcome::Updated
    );
    let cached = source.secrets(&conn).await.expect("secrets");
    assert_eq!(
        cached.intacct_user_password.expose_secret(),
        "old-pw-Bb22",
        "within the TTL the cached value is used (no Secrets Manager call per event)"
    );

    // Intacct rejected the old password: the engine invalidates, the next call re-reads.
    source.invalidate(&conn).await;
    let fresh = source.secrets(&conn).await.expect("secrets");
    assert_eq!(fresh.intacct_user_password.expose_secret(), "new-pw-Cc33");
}

#[tokio::test]
async fn a_rotation_is_picked_up_on_its_own_once_the_ttl_expires() {
    let client = client().await;
    let conn = connection();
    bootstrap(&client, &conn, "old-pw-Dd44").await;
    let ttl = Duration::from_secs(2);
    let source = SecretsManagerSource::new(client.clone(), PREFIX, ttl);
    let read_at = Instant::now();
    source.secrets(&conn).await.expect("secrets");
    bootstrap(&client, &conn, "new-pw-Ee55").await;

    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let now = source.secrets(&conn).await.expect("secrets");
        if now.intacct_user_password.expose_secret() == "new-pw-Ee55" {
            break;
        }
        assert!(Instant::now() < until, "the TTL never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        read_at.elapsed() >= ttl,
        "the new value was served after {:?}, before the {ttl:?} TTL",
        read_at.elapsed()
    );
}

#[tokio::test]
async fn a_missing_secret_names_the_connection_and_no_value() {
    let client = client().await;
    let conn = connection();
    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);

    match source.load(&conn).await {
        Err(SecretLoadError::NotFound { connection, name }) => {
            assert_eq!(connection, conn);
            assert_eq!(name, format!("{PREFIX}{conn}"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let err = source.secrets(&conn).await.expect_err("missing");
    assert_eq!(err.connection, conn);
    assert!(err.reason.contains("does not exist"), "{err}");
}

#[tokio::test]
async fn a_malformed_document_is_refused_without_quoting_it() {
    let client = client().await;
    let conn = connection();
    // Written behind put_secret's back: a password stored as a number, another one missing.
    let leaked = "9981234567";
    client
        .create_secret()
        .name(format!("{PREFIX}{conn}"))
        .secret_string(format!(
            r#"{{"intacct_sender_id":"s","intacct_sender_password":{leaked}}}"#
        ))
        .send()
        .await
        .expect("CreateSecret");
    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);

    let err = source.load(&conn).await.expect_err("invalid document");
    assert!(
        matches!(&err, SecretLoadError::Invalid { connection, .. } if *connection == conn),
        "{err:?}"
    );
    assert!(!err.to_string().contains(leaked), "{err}");
    assert!(!format!("{err:?}").contains(leaked), "{err:?}");
}

#[tokio::test]
async fn neither_the_source_nor_the_loaded_secrets_print_values() {
    let client = client().await;
    let conn = connection();
    bootstrap(&client, &conn, "hidden-pw-Ff66").await;
    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);
    let secrets = source.secrets(&conn).await.expect("secrets");

    let printed = format!("{source:?} {source:#?} {secrets:?}");
    for value in secrets.exposed_values() {
        assert!(!printed.contains(value), "{printed}");
    }
    assert!(printed.contains("cached_connections: Some(1)"), "{printed}");
}

#[tokio::test]
async fn the_bootstrap_refuses_a_document_with_a_typo_and_writes_nothing() {
    let client = client().await;
    let conn = connection();
    let name = format!("{PREFIX}{conn}");
    let typo = SecretString::from(
        r#"{"intacct_sender_id":"s","intacct_sender_pasword":"typo-pw-Gg77"}"#.to_owned(),
    );

    let err = put_secret(&client, &name, &typo)
        .await
        .expect_err("unknown field");
    assert!(matches!(err, PutSecretError::Invalid { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("typo-pw-Gg77"));

    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);
    assert!(matches!(
        source.load(&conn).await,
        Err(SecretLoadError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_rotation_names_the_fields_it_changed_and_skips_a_document_that_changes_nothing() {
    let client = client().await;
    let conn = connection();
    let name = format!("{PREFIX}{conn}");
    assert_eq!(
        rotate_secret(&client, &name, &document("first-pw-Aa11"))
            .await
            .expect("rotate"),
        Rotation::Created
    );
    assert_eq!(
        rotate_secret(&client, &name, &document("first-pw-Aa11"))
            .await
            .expect("rotate"),
        Rotation::Unchanged
    );
    let rotation = rotate_secret(&client, &name, &document("second-pw-Bb22"))
        .await
        .expect("rotate");
    assert_eq!(
        rotation,
        Rotation::Updated {
            changed: vec!["intacct_user_password".to_owned()]
        }
    );
    assert!(
        !format!("{rotation:?}").contains("second-pw-Bb22"),
        "names fields, never values"
    );
    let source = SecretsManagerSource::new(client.clone(), PREFIX, DEFAULT_SECRET_TTL);
    let secrets = source.secrets(&conn).await.expect("secrets");
    assert_eq!(
        secrets.intacct_user_password.expose_secret(),
        "second-pw-Bb22"
    );

    // A current version that is not a document is replaced, and the report says why it was
    // not compared.
    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string("garbage")
        .send()
        .await
        .expect("PutSecretValue");
    match rotate_secret(&client, &name, &document("third-pw-Cc33"))
        .await
        .expect("rotate")
    {
        Rotation::Replaced { previous } => assert!(previous.contains("not a JSON object")),
        other => panic!("expected a replacement, got {other:?}"),
    }
    source.invalidate(&conn).await;
    let secrets = source.secrets(&conn).await.expect("secrets");
    assert_eq!(
        secrets.intacct_user_password.expose_secret(),
        "third-pw-Cc33"
    );

    // A document with a typo writes nothing.
    let typo = SecretString::from(r#"{"intacct_user_pasword":"x"}"#.to_owned());
    assert!(matches!(
        rotate_secret(&client, &name, &typo).await,
        Err(PutSecretError::Invalid { .. })
    ));
    source.invalidate(&conn).await;
    assert_eq!(
        source
            .secrets(&conn)
            .await
            .expect("secrets")
            .intacct_user_password
            .expose_secret(),
        "third-pw-Cc33"
    );
}

#[tokio::test]
async fn the_first_value_of_a_secret_created_empty_by_terraform_is_a_replacement_not_a_creation() {
    let client = client().await;
    let conn = connection();
    let name = format!("{PREFIX}{conn}");
    client
        .create_secret()
        .name(&name)
        .send()
        .await
        .expect("CreateSecret without a value");
    assert_eq!(
        rotate_secret(&client, &name, &document("first-pw-Aa11"))
            .await
            .expect("rotate"),
        Rotation::Replaced {
            previous: "the secret had no current value".to_owned()
        }
    );
    let source = SecretsManagerSource::new(client, PREFIX, DEFAULT_SECRET_TTL);
    assert_eq!(
        source
            .secrets(&conn)
            .await
            .expect("secrets")
            .intacct_user_password
            .expose_secret(),
        "first-pw-Aa11"
    );
}
