//! Wiring: one SQLite file for every store port and the retry queue, the real HTTP clients,
//! credentials from a local JSON file, the system clock.
//!
//! The operator commands and the long-running `serve` share this, so a command run beside a
//! running service sees (and safely races with) the same data: every store method is one SQLite
//! transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sync_engine::adapters::clients::HttpConnector;
use sync_engine::adapters::memory::StaticSecrets;
use sync_engine::adapters::sqlite::{SqliteQueue, SqliteStore};
use sync_engine::config::ConnectionId;
use sync_engine::config::secrets::ConnectionSecrets;
use sync_engine::engine::{Engine, EngineSettings};
use sync_engine::ports::{Clock, SystemClock};

/// Where the runner keeps its data unless told otherwise (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = ".sync-data";

/// Name of the database file inside the data directory.
pub const DATABASE_FILE: &str = "syncd.sqlite";

/// Why the service could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// Directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error("cannot open database {path}: {message}")]
    Database {
        /// File.
        path: PathBuf,
        /// Cause.
        message: String,
    },
    /// The secrets file could not be read or parsed. Never quotes the file's content.
    #[error("secrets file {path}: {message}")]
    Secrets {
        /// File.
        path: PathBuf,
        /// What is wrong (field names only, never values).
        message: String,
    },
}

/// The engine and the adapters it runs on, opened once per process.
pub struct Service {
    /// The engine.
    pub engine: Arc<Engine>,
    /// The SQLite store (also a port of the engine); kept for `purge_expired`.
    pub store: SqliteStore,
    /// The retry queue in the same file; the worker receives from it.
    pub queue: SqliteQueue,
    /// Credentials per connection.
    pub secrets: Arc<StaticSecrets>,
    /// The database file.
    pub database: PathBuf,
}

impl Service {
    /// Opens (creating if needed) `<data_dir>/syncd.sqlite` and builds the engine over it.
    pub fn open(
        data_dir: &Path,
        secrets: Arc<StaticSecrets>,
        settings: EngineSettings,
    ) -> Result<Service, ServiceError> {
        std::fs::create_dir_all(data_dir).map_err(|source| ServiceError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let database = data_dir.join(DATABASE_FILE);
        let store = SqliteStore::open(&database).map_err(|e| ServiceError::Database {
            path: database.clone(),
            message: e.to_string(),
        })?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let queue = store.queue(clock.clone());
        let engine = Engine::new(
            Arc::new(store.clone()),
            Arc::new(queue.clone()),
            secrets.clone(),
            Arc::new(HttpConnector::new()),
            clock,
            settings,
        );
        Ok(Service {
            engine: Arc::new(engine),
            store,
            queue,
            secrets,
            database,
        })
    }
}

/// Loads a secrets file: a JSON object `{ "<connection id>": { ...connection secrets... } }`.
///
/// Error messages name the connection and the field, never a value, so they are safe to log.
pub fn load_secrets(path: &Path) -> Result<StaticSecrets, ServiceError> {
    let fail = |message: String| ServiceError::Secrets {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    parse_secrets(&text).map_err(fail)
}

/// Parses the content of a secrets file (see [`load_secrets`]).
pub fn parse_secrets(text: &str) -> Result<StaticSecrets, String> {
    let document: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            format!(
                "not a JSON object of connections (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
    let secrets = StaticSecrets::new();
    for (id, value) in document {
        let connection = ConnectionId::parse(&id).map_err(|e| format!("connection id: {e}"))?;
        let parsed = ConnectionSecrets::from_json(&value.to_string())
            .map_err(|e| format!("connection {connection}: {e}"))?;
        secrets.set(&connection, parsed);
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_engine::ports::SecretSource;

    #[tokio::test]
    async fn a_secrets_file_yields_credentials_per_connection() {
        let secrets = parse_secrets(
            r#"{"acme": {"intacct_sender_id": "s", "intacct_sender_password": "sp",
                "intacct_user_id": "u", "intacct_user_password": "up",
                "invoiced_api_key": "k", "invoiced_webhook_secret": "w"}}"#,
        )
        .expect("valid file");
        let acme = ConnectionId::parse("acme").expect("id");
        let loaded = secrets.secrets(&acme).await.expect("acme has secrets");
        assert_eq!(loaded.intacct_user_id, "u");
    }

    #[test]
    fn errors_in_a_secrets_file_never_quote_its_values() {
        let Err(message) = parse_secrets(
            r#"{"acme": {"intacct_sender_id": "s", "intacct_sender_password": "hunter2-secret",
                "intacct_user_id": "u", "intacct_user_password": "up",
                "invoiced_api_key": "k", "invoiced_webhook_secret": ""}}"#,
        ) else {
            panic!("an empty webhook secret is refused");
        };
        assert!(message.contains("acme"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        let Err(message) = parse_secrets(r#"{"acme": "hunter2-secret"}"#) else {
            panic!("a non-object is refused");
        };
        assert!(!message.contains("hunter2"), "{message}");
    }
}
