//! The schema, versioned with `PRAGMA user_version`: an older file is migrated in place on open,
//! and a file written by a newer release is refused rather than misread ([`super::db`] applies
//! the migrations; this module only states them).
//!
//! Timestamps are INTEGER nanoseconds since the epoch (exact round trip, cheap comparisons).
//! Enums are their stable lowercase names. Values with structure of their own (a connection's
//! configuration, an intent's state, a cursor position, a queued message) are JSON text.

/// Migration `n` (0-based) takes the schema from version `n` to `n + 1`. Append only.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2];

/// The first schema (public to the tests, which build a file of each older version).
pub(super) const V1: &str = r#"
CREATE TABLE configs (
    connection TEXT PRIMARY KEY NOT NULL,
    config     TEXT NOT NULL
) STRICT;

-- Unique both ways: the primary key claims the Invoiced side, the UNIQUE the Intacct side.
CREATE TABLE mappings (
    connection     TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    invoiced_id    TEXT NOT NULL,
    intacct_key    TEXT NOT NULL,
    intacct_number TEXT,
    origin         TEXT NOT NULL,
    updated_at     INTEGER NOT NULL,
    source_version TEXT,
    PRIMARY KEY (connection, record_type, invoiced_id),
    UNIQUE (connection, record_type, intacct_key)
) STRICT;

CREATE TABLE intents (
    connection  TEXT NOT NULL,
    record_type TEXT NOT NULL,
    invoiced_id TEXT NOT NULL,
    operation   TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (connection, record_type, invoiced_id, operation)
) STRICT;

CREATE TABLE reconciliation_errors (
    connection  TEXT NOT NULL,
    id          TEXT NOT NULL,
    direction   TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    operation   TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    fix         TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (connection, id)
) STRICT;
CREATE INDEX reconciliation_errors_newest ON reconciliation_errors (connection, last_seen DESC, id);

CREATE TABLE cursors (
    connection   TEXT NOT NULL,
    stream       TEXT NOT NULL,
    committed    TEXT,
    last_sync_at INTEGER,
    version      INTEGER NOT NULL,
    PRIMARY KEY (connection, stream)
) STRICT;

CREATE TABLE events (
    connection TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (connection, event_id)
) STRICT;
CREATE INDEX events_expiry ON events (expires_at);

CREATE TABLE leases (
    connection TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (connection, slot)
) STRICT;

-- seq keeps parking order; the UNIQUE keeps one entry per (dependency, work).
CREATE TABLE parked (
    seq             INTEGER PRIMARY KEY,
    connection      TEXT NOT NULL,
    dep_record_type TEXT NOT NULL,
    dep_invoiced_id TEXT NOT NULL,
    record_type     TEXT NOT NULL,
    invoiced_id     TEXT NOT NULL,
    operation       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    parked_at       INTEGER NOT NULL,
    UNIQUE (connection, dep_record_type, dep_invoiced_id, record_type, invoiced_id, operation)
) STRICT;

-- AUTOINCREMENT: ids are never reused, so a stale receipt can never name a newer message.
CREATE TABLE retry_queue (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    message       TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    enqueued_at   INTEGER NOT NULL,
    visible_at    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX retry_queue_visible ON retry_queue (visible_at, id);

CREATE TABLE retry_dead_letters (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    message       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    receive_count INTEGER NOT NULL,
    dead_at       INTEGER NOT NULL
) STRICT;
"#;

/// Write intents remember how to find their record; webhook events are claimed by the delivery
/// handling them (`holder`, until `expires_at`) before they are remembered as handled (no holder).
const V2: &str = r#"
ALTER TABLE intents ADD COLUMN locator TEXT;
ALTER TABLE events ADD COLUMN holder TEXT;
"#;

/// The schema version this release writes.
pub(crate) const CURRENT_VERSION: usize = MIGRATIONS.len();
