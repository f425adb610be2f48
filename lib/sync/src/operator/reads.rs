//! What an operator's read (sync now, initial data sync) reports, in one shape for the command
//! line, the operator API and the poller function.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::names::stream_name;
use crate::config::RecordType;
use crate::engine::read::{InitialSync, ReadReport, StreamReport};

/// An initial data sync as the operator API and the poller function take it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InitialSyncRequest {
    /// Record types.
    pub types: Vec<RecordType>,
    /// First day.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Run id: the same id resumes a run cut off by its deadline.
    pub run: String,
}

impl InitialSyncRequest {
    /// The engine's request.
    pub fn range(&self) -> InitialSync {
        InitialSync {
            types: self.types.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

/// One stream of a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamSummary {
    /// The stream's key (its cursor name), stable for scripts.
    pub stream: String,
    /// What it read, for a person.
    pub name: String,
    /// Rows read from Intacct.
    pub rows: u64,
    /// Rows created or updated in Invoiced.
    pub imported: u64,
    /// Rows left alone by rule.
    pub skipped: u64,
    /// Rows that became reconciliation errors.
    pub failed: u64,
    /// Read to the end.
    pub finished: bool,
}

impl From<&StreamReport> for StreamSummary {
    fn from(s: &StreamReport) -> Self {
        StreamSummary {
            stream: s.stream.clone(),
            name: stream_name(&s.stream),
            rows: s.rows,
            imported: s.imported,
            skipped: s.skipped,
            failed: s.failed,
            finished: s.finished,
        }
    }
}

/// What a poll or an initial sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// The initial sync's run id (call again with it to continue a cut-off run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Whether every stream was read to the end (false: call again to continue).
    pub finished: bool,
    /// Rows imported over all streams.
    pub imported: u64,
    /// Per stream, in the order read.
    pub streams: Vec<StreamSummary>,
}

impl ReadSummary {
    /// The summary of `report`, of the initial sync `run` if it was one.
    pub fn new(report: &ReadReport, run: Option<String>) -> Self {
        ReadSummary {
            run,
            finished: report.finished(),
            imported: report.imported(),
            streams: report.streams.iter().map(StreamSummary::from).collect(),
        }
    }
}
