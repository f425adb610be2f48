//! Accounting-sync status (`GET /{customers|invoices|credit_notes|payments}/:id/accounting_sync_status`).
//!
//! Undocumented in the public API (used by the official Go library). When no mapping row exists the
//! server falls back to legacy metadata keys such as `intacct_invoice_id` and reports
//! `source: "accounting_system"` with no sync times.

use super::json;
use super::open_enum::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

open_enum!(
    /// Which side created the mapping: the loop-prevention signal of the native integration.
    MappingSource, fallback = Other {
        /// Invoiced wrote the record to the accounting system.
        Invoiced => "invoiced",
        /// The record was read from the accounting system.
        AccountingSystem => "accounting_system",
    }
);

/// Whether an object is linked to a record in an accounting system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountingSyncStatus {
    /// Whether a mapping exists.
    pub synced: bool,
    /// Integration name, e.g. `intacct`.
    #[serde(default)]
    pub accounting_system: Option<String>,
    /// Id of the record in the accounting system (always a string).
    #[serde(default)]
    pub accounting_id: Option<String>,
    /// Which side created the mapping.
    #[serde(default)]
    pub source: Option<MappingSource>,
    /// First sync time (null for legacy metadata mappings).
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub first_synced: Option<DateTime<Utc>>,
    /// Last sync time.
    #[serde(default, with = "chrono::serde::ts_seconds_option")]
    pub last_synced: Option<DateTime<Utc>>,
    /// The open reconciliation error, if any.
    #[serde(default, deserialize_with = "json::deserialize_option")]
    pub error: Option<Value>,
}
