//! The engine's store over ONE DynamoDB table (on-demand), implementing every store port.
//!
//! The table has a string partition key `pk` and a string sort key `sk`; every item type gets its
//! own prefixes so one table serves every access pattern. Free-form parts of a key (Invoiced ids,
//! Intacct keys, stream names, event ids) are escaped (`%` → `%25`, `#` → `%23`) so no value can
//! forge a separator. Connection ids are already restricted to `a-z 0-9 -`.
//!
//! | access pattern | `pk` | `sk` | how |
//! |---|---|---|---|
//! | config of a connection; all configs | `CONFIG` | `CONN#<conn>` | GetItem; Query (few, rarely written) |
//! | mapping by Invoiced id; count per type | `CONN#<conn>#MAP#<type>` | `INV#<invoiced id>` | GetItem; Query `begins_with(sk, "INV#")`, `Select=COUNT` |
//! | mapping by Intacct key (uniqueness claim) | `CONN#<conn>#MAP#<type>` | `INT#<intacct key>` | GetItem, then the `INV#` item |
//! | write intent of a record and operation | `CONN#<conn>#INTENT#<type>#<invoiced id>` | `OP#<operation>` | GetItem; conditional Put on `version` |
//! | reconciliation errors of a connection, newest first | `CONN#<conn>#ERRORS` | `ERR#<error id>` | consistent Query, sorted by `last_seen` in the adapter |
//! | read cursor of a stream | `CONN#<conn>#CURSOR` | `STREAM#<stream>` | GetItem; conditional Put on `version` |
//! | webhook event, claimed then handled | `CONN#<conn>#EVENT#<event id>` | `EVENT` | conditional Put (absent or lapsed) to claim; Put to mark handled; conditional Delete to release; `ttl` deletes it later |
//! | concurrency lease slots | `CONN#<conn>#LEASE` | `SLOT#<nnn>` | Query, then Put `attribute_not_exists(pk) OR expires_at <= :now` |
//! | work parked on a dependency; count per connection | `CONN#<conn>#PARKED` | `DEP#<type>#<id>#WORK#<type>#<id>#<op>` | Query by dependency prefix; Delete with `ALL_OLD` |
//!
//! Why this shape:
//! - **Mappings** keep both directions in one partition per (connection, record type) so a
//!   mapping and its uniqueness claim are written by one `TransactWriteItems`, each `Put`
//!   conditioned on `attribute_not_exists(pk) OR <partner> = :same`: two racing writers cannot map
//!   one record twice, and re-putting the same pair (to update its details) succeeds.
//! - **Intents and events** get a partition per record, spreading a connection's write traffic.
//! - **Reconciliation errors** are listed with a *consistent* Query and sorted here rather than
//!   through a `last_seen` GSI: the port returns the whole filtered list (a GSI would read as
//!   many items), and an operator who ignores an error must see it ignored on the next list,
//!   which a GSI (eventually consistent only) cannot promise. The table therefore has no GSI.
//! - **Events** carry `ttl` (epoch seconds) for DynamoDB's TTL deletion, which is lazy (up to
//!   days late), so reads also compare the exact `expires_at`.
//! - Record bodies are JSON in a `body` attribute; the attributes a condition reads (`version`,
//!   `rev`, `intacct_key`, `invoiced_id`, `holder`, `expires_at`) are top-level attributes.
//! - Instants a condition compares are nanoseconds since the epoch (clamped at the ends of the
//!   `i64` range, like the SQLite adapter), so comparisons are numeric and exact.
//!
//! Errors: a failed condition that means a lost race or a uniqueness violation is
//! [`StoreError::Conflict`](sync_engine::ports::StoreError::Conflict); throttling, 5xx, timeouts
//! and corrupt items are `Unavailable`. Nothing here panics.

mod codec;
mod configs;
mod cursors;
mod errors;
mod events;
mod intents;
mod keys;
mod leases;
mod mappings;
mod parking;
mod query;
mod reconciliation;
mod table;

use aws_sdk_dynamodb::Client;

/// Partition key attribute (string).
pub const PARTITION_KEY: &str = "pk";
/// Sort key attribute (string).
pub const SORT_KEY: &str = "sk";
/// The table's key attributes, partition key first, for infrastructure checks (Terraform).
pub const TABLE_KEY_ATTRIBUTES: [&str; 2] = [PARTITION_KEY, SORT_KEY];
/// The attribute DynamoDB TTL is enabled on (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "ttl";
/// Global secondary indexes of the table: none (see the module documentation for why).
pub const GLOBAL_SECONDARY_INDEXES: [&str; 0] = [];

/// Every store port over one DynamoDB table. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store over an existing table (created by Terraform or [`DynamoStore::create_table`]).
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table: table_name.into(),
        }
    }

    /// The table name.
    pub fn table_name(&self) -> &str {
        &self.table
    }
}
