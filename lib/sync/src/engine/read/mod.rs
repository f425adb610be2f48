//! The read side: what changed in Intacct → Invoiced, incrementally (the hourly poll, "sync
//! now") or over a date range (initial data sync).
//!
//! Streams run in dependency order (customers, invoices, credit notes, payments). Each stream is
//! read with keyset paging; the cursor moves only past pages whose every row ended as imported,
//! skipped by rule or a recorded reconciliation error, so a run cut off by a deadline resumes
//! where it stopped, without gaps and without duplicates (re-read rows are recognised by their
//! mappings and by idempotency keys on every create).

mod import;
pub mod keyset;

use chrono::{NaiveDate, NaiveDateTime};
use futures::StreamExt;
use intacct::Record;
use intacct::functions::{Filter, Read};
use std::collections::HashMap;
use std::time::Instant;

use super::gateway::WriteFailure;
use super::{Connection, Engine, EngineError};
use crate::catalogue::Code;
use crate::config::{ConnectionConfig, ConnectionId, CustomerSource, RecordType};
use crate::mapping::intacct_rows::{CUSTOMER_FIELDS, DOCUMENT_TYPE_FIELD, record_no};
use crate::model::{
    CursorState, Direction, ErrorStatus, KeysetPosition, NewReconciliationError, Operation,
    ReconciliationError,
};
use keyset::{KEYSET_FIELDS, PAGE_SIZE, Pass, page_query, position, rewind};

/// Keys per `read` call (Intacct's limit).
const READ_KEYS: usize = 100;
/// Rows of one page imported at once: well under Invoiced's 20 requests in flight per key.
const IMPORT_CONCURRENCY: usize = 8;

/// One source of records in Intacct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// CUSTOMER → customers.
    Customers,
    /// Order Entry documents of one transaction definition → invoices or credit notes.
    Documents {
        /// DOCPARID, e.g. `Sales Invoice`.
        doc_type: String,
        /// Invoice or credit note.
        target: RecordType,
    },
    /// ARPYMT → payments.
    Payments,
}

impl Stream {
    /// Cursor name.
    pub fn name(&self) -> String {
        match self {
            Stream::Customers => "customer".into(),
            Stream::Documents { doc_type, target } => format!("{target}:{doc_type}"),
            Stream::Payments => "payment".into(),
        }
    }

    /// The record type it produces.
    pub fn record_type(&self) -> RecordType {
        match self {
            Stream::Customers => RecordType::Customer,
            Stream::Documents { target, .. } => *target,
            Stream::Payments => RecordType::Payment,
        }
    }

    fn object(&self) -> &'static str {
        match self {
            Stream::Customers => "CUSTOMER",
            Stream::Documents { .. } => "SODOCUMENT",
            Stream::Payments => "ARPYMT",
        }
    }

    fn extra_filter(&self) -> Option<Filter> {
        match self {
            Stream::Customers => None,
            Stream::Documents { doc_type, .. } => {
                Some(Filter::eq(DOCUMENT_TYPE_FIELD, doc_type.clone()))
            }
            Stream::Payments => None,
        }
    }

    /// The streams a connection reads, in dependency order.
    pub fn all_for(config: &ConnectionConfig) -> Vec<Stream> {
        let flows = config.flows.read;
        let mut streams = Vec::new();
        if flows.customers && config.customers.source == CustomerSource::Customers {
            streams.push(Stream::Customers);
        }
        if flows.invoices {
            streams.extend(config.read.invoice_types.iter().map(|t| Stream::Documents {
                doc_type: t.clone(),
                target: RecordType::Invoice,
            }));
        }
        if flows.credit_notes {
            streams.extend(
                config
                    .read
                    .credit_note_types
                    .iter()
                    .map(|t| Stream::Documents {
                        doc_type: t.clone(),
                        target: RecordType::CreditNote,
                    }),
            );
        }
        if flows.payments {
            streams.push(Stream::Payments);
        }
        streams
    }
}

/// What one stream read did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// Cursor name.
    pub stream: String,
    /// Rows read from Intacct.
    pub rows: u64,
    /// Rows created or updated in Invoiced.
    pub imported: u64,
    /// Rows left alone by rule (echoes of our own writes, inactive customers, drafts).
    pub skipped: u64,
    /// Rows that became reconciliation errors.
    pub failed: u64,
    /// Read to the end (false when a deadline or an Intacct failure stopped it).
    pub finished: bool,
}

/// What a poll or an initial sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Per stream, in the order read.
    pub streams: Vec<StreamReport>,
}

impl ReadReport {
    /// Whether every stream was read to the end.
    pub fn finished(&self) -> bool {
        self.streams.iter().all(|s| s.finished)
    }

    /// Rows imported over all streams.
    pub fn imported(&self) -> u64 {
        self.streams.iter().map(|s| s.imported).sum()
    }
}

/// What became of one Intacct row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Imported {
    /// Created or updated in Invoiced.
    Written,
    /// Left alone by rule.
    Skipped(&'static str),
}

/// Progress of a long read, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Stream being read.
    pub stream: String,
    /// Rows done in this stream.
    pub done: u64,
    /// Rows Intacct reported for this stream's range, when known.
    pub total: Option<u64>,
}

/// An initial data sync request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialSync {
    /// Record types to read.
    pub types: Vec<RecordType>,
    /// First day (document date / creation date).
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

impl Engine {
    /// Reads what changed in Intacct since the cursors and brings it to Invoiced. Stops cleanly
    /// before `deadline`; the next call continues from the committed cursors.
    pub async fn poll(
        &self,
        id: &ConnectionId,
        deadline: Option<Instant>,
    ) -> Result<ReadReport, EngineError> {
        let conn = self.connection(id).await?;
        let mut report = ReadReport::default();
        if !conn.config.enabled {
            return Ok(report);
        }
        for stream in Stream::all_for(&conn.config) {
            for pass in [Pass::Modified, Pass::NullModified] {
                let stream_report = self
                    .read_incremental(&conn, &stream, pass, deadline, &|_| {})
                    .await?;
                let finished = stream_report.finished;
                report.streams.push(stream_report);
                if !finished {
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Reads the chosen record types created within a date range, month by month, reporting
    /// progress. Never moves the incremental cursors; its own checkpoints (per run, stream and
    /// month) let a cut-off run continue.
    pub async fn initial_sync(
        &self,
        id: &ConnectionId,
        request: &InitialSync,
        run: &str,
        deadline: Option<Instant>,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<ReadReport, EngineError> {
        let conn = self.connection(id).await?;
        let mut report = ReadReport::default();
        let streams: Vec<Stream> = Stream::all_for(&with_all_read_flows(&conn.config))
            .into_iter()
            .filter(|s| request.types.contains(&s.record_type()))
            .collect();
        for stream in streams {
            for (from, to) in month_slices(request.from, request.to) {
                let date_filter = date_range_filter(&stream, from, to);
                let cursor = format!("initial/{run}/{}/{from}", stream.name());
                let r = self
                    .read_range(&conn, &stream, &cursor, date_filter, deadline, progress)
                    .await?;
                let finished = r.finished;
                report.streams.push(r);
                if !finished {
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Imports one Intacct record again by its key: an operator's retry of a read error (the
    /// vendor's integration could not retry Order Entry records because it did not keep their
    /// document type; here the type is read back from the record). `Ok(true)` when the record
    /// was created or updated in Invoiced; a failure is recorded as the record's error again.
    pub async fn reimport(
        &self,
        id: &ConnectionId,
        record_type: RecordType,
        intacct_key: &str,
    ) -> Result<bool, EngineError> {
        let conn = self.connection(id).await?;
        let (object, fields): (&str, Vec<&str>) = match record_type {
            RecordType::Customer => ("CUSTOMER", CUSTOMER_FIELDS.to_vec()),
            RecordType::Invoice | RecordType::CreditNote => (
                "SODOCUMENT",
                [&KEYSET_FIELDS[..], &[DOCUMENT_TYPE_FIELD]].concat(),
            ),
            RecordType::Payment => ("ARPYMT", KEYSET_FIELDS.to_vec()),
            RecordType::ConvenienceFee => return Ok(false),
        };
        let query = intacct::functions::Query::new(object, fields)
            .filter(Filter::eq(KEYSET_FIELDS[0], intacct_key))
            .page_size(2);
        // Until the record is read, its document type is unknown; errors are filed by its
        // record type, which is all their id holds.
        let fallback_stream = stream_of(record_type, String::new());
        let rows = match self.read_one(&conn, query).await {
            Ok(result) => result.data.map(|d| d.records).unwrap_or_default(),
            Err(failure) => {
                self.record_read_error(&conn, &fallback_stream, intacct_key, failure)
                    .await?;
                return Ok(false);
            }
        };
        let Some(first) = rows.first() else {
            // Gone from Intacct: nothing left to import, nothing left to fix.
            self.resolve_read_error(&conn, &fallback_stream, intacct_key)
                .await?;
            return Ok(false);
        };
        let stream = stream_of(
            record_type,
            first
                .get(DOCUMENT_TYPE_FIELD)
                .unwrap_or_default()
                .to_owned(),
        );
        let outcome = async {
            let mut full = self.hydrate(&conn, &stream, rows).await?;
            let customers = self.page_customers(&conn, &stream, &full).await?;
            match full.remove(intacct_key) {
                Some(record) => self.import_row(&conn, &stream, &record, &customers).await,
                None => Ok(Imported::Skipped("deleted in Intacct while being read")),
            }
        }
        .await;
        match outcome {
            Ok(imported) => {
                self.resolve_read_error(&conn, &stream, intacct_key).await?;
                Ok(imported == Imported::Written)
            }
            Err(WriteFailure::Engine(e)) => Err(e),
            Err(failure) => {
                self.record_read_error(&conn, &stream, intacct_key, failure)
                    .await?;
                Ok(false)
            }
        }
    }

    async fn read_incremental(
        &self,
        conn: &Connection,
        stream: &Stream,
        pass: Pass,
        deadline: Option<Instant>,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<StreamReport, EngineError> {
        let cursor_name = match pass {
            Pass::Modified => stream.name(),
            Pass::NullModified | Pass::ByRecordNo => format!("{}#null", stream.name()),
        };
        let state = self.store.get_cursor(&conn.config.id, &cursor_name).await?;
        let look_back = chrono::Duration::minutes(i64::from(conn.config.read.look_back_minutes));
        let start = match (pass, state.committed) {
            (Pass::Modified, Some(committed)) => Some(rewind(committed, look_back)),
            (Pass::Modified, None) => conn.config.read.start_date.map(|d| KeysetPosition {
                when_modified: d.and_hms_opt(0, 0, 0).unwrap_or(NaiveDateTime::MIN),
                record_no: 0,
            }),
            (Pass::NullModified | Pass::ByRecordNo, committed) => committed,
        };
        self.read_pages(
            conn,
            stream,
            &cursor_name,
            pass,
            start,
            None,
            deadline,
            progress,
        )
        .await
    }

    async fn read_range(
        &self,
        conn: &Connection,
        stream: &Stream,
        cursor_name: &str,
        date_filter: Filter,
        deadline: Option<Instant>,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<StreamReport, EngineError> {
        // Within a fixed date range RECORDNO alone orders rows stably, NULL WHENMODIFIED or not.
        let state = self.store.get_cursor(&conn.config.id, cursor_name).await?;
        self.read_pages(
            conn,
            stream,
            cursor_name,
            Pass::ByRecordNo,
            state.committed,
            Some(date_filter),
            deadline,
            progress,
        )
        .await
    }

    /// The paging loop shared by every read: fetch a page after the position, import each row,
    /// commit the page's last position, repeat.
    #[allow(clippy::too_many_arguments)]
    async fn read_pages(
        &self,
        conn: &Connection,
        stream: &Stream,
        cursor_name: &str,
        pass: Pass,
        start: Option<KeysetPosition>,
        range: Option<Filter>,
        deadline: Option<Instant>,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<StreamReport, EngineError> {
        let mut report = StreamReport {
            stream: cursor_name.to_owned(),
            ..StreamReport::default()
        };
        let mut after = start;
        loop {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(report);
            }
            let extra = match (stream.extra_filter(), range.clone()) {
                (Some(a), Some(b)) => Some(Filter::And(vec![a, b])),
                (a, b) => a.or(b),
            };
            let query = page_query(stream.object(), &scan_fields(stream), pass, after, extra);
            let page = match self.read_one(conn, query).await {
                Ok(page) => page,
                Err(failure) => return self.stream_failed(conn, stream, report, failure).await,
            };
            let (rows, total) = match page.data {
                Some(data) => (data.records, data.total_count),
                None => (Vec::new(), None),
            };
            if report.rows == 0 {
                progress(&Progress {
                    stream: cursor_name.to_owned(),
                    done: 0,
                    total,
                });
            }
            if rows.is_empty() {
                break;
            }
            let page_len = rows.len();
            let scanned: Vec<(String, KeysetPosition)> = rows
                .iter()
                .map(|row| {
                    let key = record_no(row).unwrap_or_default();
                    (key, position(row, pass))
                })
                .collect();
            let mut full = match self.hydrate(conn, stream, rows).await {
                Ok(full) => full,
                Err(failure) => return self.stream_failed(conn, stream, report, failure).await,
            };
            let customers = match self.page_customers(conn, stream, &full).await {
                Ok(customers) => customers,
                Err(WriteFailure::Engine(e)) => return Err(e),
                Err(failure) => return self.stream_failed(conn, stream, report, failure).await,
            };
            let customers = &customers;
            // Rows of a page are independent (a shared customer is created once thanks to
            // its idempotency key), so they are imported a few at a time; the outcomes come
            // back in page order, which is what the cursor needs.
            let outcomes: Vec<_> =
                futures::stream::iter(scanned.into_iter().map(|(key, position)| {
                    let record = full.remove(&key);
                    async move {
                        let outcome = match record {
                            // Deleted between the scan and the read: nothing to import.
                            None => Ok(Imported::Skipped("deleted in Intacct while being read")),
                            Some(record) => self.import_row(conn, stream, &record, customers).await,
                        };
                        (key, position, outcome)
                    }
                }))
                .buffered(IMPORT_CONCURRENCY)
                .collect()
                .await;
            let mut last = after;
            for (key, position, outcome) in outcomes {
                report.rows += 1;
                match outcome {
                    Ok(Imported::Written) => {
                        report.imported += 1;
                        self.resolve_read_error(conn, stream, &key).await?;
                    }
                    Ok(Imported::Skipped(_)) => {
                        // Settled by rule (an echo, an inactive customer…): nothing for an
                        // operator to fix any more.
                        report.skipped += 1;
                        self.resolve_read_error(conn, stream, &key).await?;
                    }
                    Err(WriteFailure::Engine(e)) => return Err(e),
                    Err(failure) => {
                        report.failed += 1;
                        self.record_read_error(conn, stream, &key, failure).await?;
                    }
                }
                last = Some(position);
            }
            if let Some(position) = last {
                self.commit(conn, cursor_name, position).await?;
            }
            progress(&Progress {
                stream: cursor_name.to_owned(),
                done: report.rows,
                total,
            });
            after = last;
            if (page_len as u32) < PAGE_SIZE {
                break;
            }
        }
        self.finish(conn, cursor_name).await?;
        // The stream was read to the end: an earlier failure to read it is over.
        self.resolve_read_error(conn, stream, &stream_error_key(stream))
            .await?;
        report.finished = true;
        tracing::info!(
            connection = %conn.config.id,
            stream = cursor_name,
            rows = report.rows,
            imported = report.imported,
            skipped = report.skipped,
            failed = report.failed,
            "stream read to the end"
        );
        Ok(report)
    }

    async fn commit(
        &self,
        conn: &Connection,
        cursor_name: &str,
        position: KeysetPosition,
    ) -> Result<(), EngineError> {
        let current = self.store.get_cursor(&conn.config.id, cursor_name).await?;
        if current.committed.is_some_and(|c| c >= position) {
            return Ok(());
        }
        let next = CursorState {
            committed: Some(position),
            last_sync_at: current.last_sync_at,
            version: current.version + 1,
        };
        self.store
            .put_cursor(&conn.config.id, cursor_name, &next)
            .await
            .map_err(EngineError::from)
    }

    async fn finish(&self, conn: &Connection, cursor_name: &str) -> Result<(), EngineError> {
        let current = self.store.get_cursor(&conn.config.id, cursor_name).await?;
        let next = CursorState {
            committed: current.committed,
            last_sync_at: Some(self.clock.now()),
            version: current.version + 1,
        };
        self.store
            .put_cursor(&conn.config.id, cursor_name, &next)
            .await
            .map_err(EngineError::from)
    }

    /// Full records for a page of scanned rows, by RECORDNO: documents and payments are read
    /// again by key (≤ 100 per call) for their lines and applications, which `query` does not
    /// return.
    async fn hydrate(
        &self,
        conn: &Connection,
        stream: &Stream,
        rows: Vec<Record>,
    ) -> Result<HashMap<String, Record>, WriteFailure> {
        let by_key = |records: Vec<Record>| -> HashMap<String, Record> {
            records
                .into_iter()
                .filter_map(|r| record_no(&r).map(|k| (k, r)))
                .collect()
        };
        let doc_type = match stream {
            Stream::Customers => return Ok(by_key(rows)),
            Stream::Documents { doc_type, .. } => Some(doc_type.clone()),
            Stream::Payments => None,
        };
        let keys: Vec<String> = rows.iter().filter_map(record_no).collect();
        let mut full = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(READ_KEYS) {
            let mut read = Read::new(stream.object(), chunk.iter().cloned());
            if let Some(d) = &doc_type {
                read = read.doc_par_id(d.clone());
            }
            let result = self.read_one(conn, read).await?;
            full.extend(by_key(result.data.map(|d| d.records).unwrap_or_default()));
        }
        Ok(full)
    }

    async fn stream_failed(
        &self,
        conn: &Connection,
        stream: &Stream,
        report: StreamReport,
        failure: WriteFailure,
    ) -> Result<StreamReport, EngineError> {
        if let WriteFailure::Engine(e) = failure {
            return Err(e);
        }
        self.record_read_error(conn, stream, &stream_error_key(stream), failure)
            .await?;
        Ok(report)
    }

    async fn record_read_error(
        &self,
        conn: &Connection,
        stream: &Stream,
        key: &str,
        failure: WriteFailure,
    ) -> Result<(), EngineError> {
        let (code, message) = match failure {
            WriteFailure::Retry { code, message }
            | WriteFailure::Wait { code, message, .. }
            | WriteFailure::Operator { code, message } => (code, message),
            WriteFailure::Park { reason, .. } => (Code::SyncDependencyMissing, reason),
            WriteFailure::Engine(e) => return Err(e),
        };
        tracing::warn!(connection = %conn.config.id, stream = %stream.name(), key, %code, detail = %message, "read error");
        self.store
            .record_error(
                NewReconciliationError {
                    connection: conn.config.id.clone(),
                    direction: Direction::Read,
                    record_type: stream.record_type(),
                    record_id: key.to_owned(),
                    operation: Operation::Create,
                    code: code.as_str().to_owned(),
                    message,
                    fix: code.fix().to_owned(),
                },
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    async fn resolve_read_error(
        &self,
        conn: &Connection,
        stream: &Stream,
        key: &str,
    ) -> Result<(), EngineError> {
        let id = ReconciliationError::id_for(Direction::Read, stream.record_type(), key);
        if let Some(e) = self.store.get_error(&conn.config.id, &id).await?
            && e.status == ErrorStatus::Open
        {
            self.store
                .set_error_status(
                    &conn.config.id,
                    &id,
                    ErrorStatus::Resolved,
                    self.clock.now(),
                )
                .await?;
        }
        Ok(())
    }
}

/// The stream records of a type come from (`doc_type` for Order Entry documents).
fn stream_of(record_type: RecordType, doc_type: String) -> Stream {
    match record_type {
        RecordType::Customer => Stream::Customers,
        RecordType::Payment => Stream::Payments,
        target => Stream::Documents { doc_type, target },
    }
}

/// The record id of the reconciliation error of a stream that could not be read.
fn stream_error_key(stream: &Stream) -> String {
    format!("stream:{}", stream.name())
}

/// Fields read by the keyset scan.
fn scan_fields(stream: &Stream) -> Vec<&'static str> {
    match stream {
        Stream::Customers => CUSTOMER_FIELDS.to_vec(),
        Stream::Documents { .. } | Stream::Payments => KEYSET_FIELDS.to_vec(),
    }
}

/// A copy of the config with every read flow on (an initial sync reads what it is asked to).
fn with_all_read_flows(config: &ConnectionConfig) -> ConnectionConfig {
    let mut config = config.clone();
    config.flows.read.customers = true;
    config.flows.read.invoices = true;
    config.flows.read.credit_notes = true;
    config.flows.read.payments = true;
    config
}

/// Calendar months covering `from..=to`, clipped to the range.
pub fn month_slices(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let mut slices = Vec::new();
    let mut start = from;
    while start <= to {
        let next_month = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        };
        let Some(next_month) = next_month else { break };
        let end = next_month.pred_opt().unwrap_or(next_month).min(to);
        slices.push((start, end));
        start = next_month;
    }
    slices
}

/// Rows of a stream dated within `from..=to`.
fn date_range_filter(stream: &Stream, from: NaiveDate, to: NaiveDate) -> Filter {
    let field = match stream {
        Stream::Payments => "RECEIPTDATE",
        Stream::Customers | Stream::Documents { .. } => "WHENCREATED",
    };
    let start = intacct::types::format_us_date(from);
    // Exclusive upper bound on the next day: WHENCREATED is a timestamp on some objects, and
    // `<= 'MM/DD/YYYY'` would drop everything after midnight of the last day.
    let end = intacct::types::format_us_date(to.succ_opt().unwrap_or(to));
    Filter::And(vec![Filter::gte(field, start), Filter::lt(field, end)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_range_is_sliced_into_calendar_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid");
        assert_eq!(
            month_slices(d(2025, 11, 15), d(2026, 2, 3)),
            vec![
                (d(2025, 11, 15), d(2025, 11, 30)),
                (d(2025, 12, 1), d(2025, 12, 31)),
                (d(2026, 1, 1), d(2026, 1, 31)),
                (d(2026, 2, 1), d(2026, 2, 3)),
            ]
        );
        assert_eq!(month_slices(d(2026, 1, 2), d(2026, 1, 1)), vec![]);
    }
}
