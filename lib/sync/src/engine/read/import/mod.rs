//! One Intacct row → the Invoiced record, created or updated, with its mapping.
//!
//! Rows are parsed into typed rows (`mapping::intacct_rows`) and converted by
//! `mapping::to_invoiced`; this module decides what to do with them. Ownership rules
//! (`docs/reference.md#ownership-and-echoes`): a row
//! whose mapping says it came from Invoiced is an echo of our own write and is left alone; a
//! row carrying the identifiers of one of the sync's writes settles that write instead of being
//! imported; records imported from Intacct are owned by Intacct. Creates carry an idempotency key
//! derived from the Intacct key, so a re-read row never creates a second Invoiced record even
//! if its mapping was lost.

mod customers;
mod documents;
mod payments;

use futures::StreamExt;
use intacct::Record;
use intacct::functions::{Filter, Query};
use invoiced::IdempotencyKey;
use invoiced::models::CustomerId;
use std::collections::HashMap;

use super::super::exactly_once::{Adoption, Marker};
use super::super::gateway::WriteFailure;
use super::super::records::Link;
use super::super::{Connection, Engine};
use super::{Imported, Stream};
use crate::catalogue::Code;
use crate::config::{CustomerSource, RecordType};
use crate::mapping::intacct_rows::{
    CUSTOMER_FIELDS, CustomerRow, DOCUMENT_CUSTOMER_FIELD, DocumentRow, PAYMENT_CUSTOMER_FIELD,
    PaymentRow, RowError, text,
};
use crate::model::{IntentKey, Mapping, Operation, Origin, WorkItem};
use crate::ports::StoreError;

/// Customers of one page imported at once.
const CUSTOMER_CONCURRENCY: usize = 8;
/// Customer ids per `query` (Intacct's `in` filter is comfortable at this size).
const CUSTOMERS_PER_QUERY: usize = 1000;

/// What became of a customer a page of documents names.
#[derive(Debug, Clone, Copy)]
pub(super) enum CustomerStatus {
    /// Inactive in Intacct: its documents are not imported.
    Inactive,
    /// Active; bill-to-contact mode, where documents get the contact as their customer.
    Active,
    /// Active and in Invoiced as this customer.
    Imported(CustomerId),
}

/// The customers of one page, by CUSTOMERID.
#[derive(Debug, Default)]
pub(super) struct PageCustomers {
    statuses: HashMap<String, CustomerStatus>,
}

impl PageCustomers {
    fn status(&self, customer_id: &str) -> Result<CustomerStatus, WriteFailure> {
        self.statuses
            .get(customer_id)
            .copied()
            .ok_or_else(|| bad_data(format!("customer {customer_id} does not exist in Intacct")))
    }
}

/// What the read side made of an Intacct record that may be one of the sync's own writes.
enum OwnWrite {
    /// It is: settled and mapped (owned by Invoiced).
    Adopted(Mapping),
    /// A write of the sync is deciding about it right now.
    BeingWritten,
    /// It is not.
    NotOurs,
}

fn bad_data(message: String) -> WriteFailure {
    WriteFailure::Operator {
        code: Code::SyncBadIntacctData,
        message,
    }
}

impl From<RowError> for WriteFailure {
    fn from(error: RowError) -> Self {
        bad_data(error.0)
    }
}

/// Idempotency key of an import: stable per connection and Intacct record, hashed to fit when
/// the connection id is long.
fn idempotency_key(conn: &Connection, kind: &str, key: &str) -> IdempotencyKey {
    IdempotencyKey::derived(&format!("intacct-{}-{kind}-{key}", conn.config.id))
}

/// The Invoiced customer of a customer mapping.
fn mapped_customer(mapping: &Mapping) -> Result<CustomerId, WriteFailure> {
    CustomerId::parse(&mapping.invoiced_id).map_err(|e| bad_data(e.to_string()))
}

impl Engine {
    /// Imports one row of a stream.
    pub(super) async fn import_row(
        &self,
        conn: &Connection,
        stream: &Stream,
        row: &Record,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        match stream {
            Stream::Customers => self
                .import_customer(conn, &CustomerRow::parse(row)?)
                .await
                .map(|(imported, _)| imported),
            Stream::Documents { target, .. } => {
                self.import_document(conn, *target, &DocumentRow::parse(row)?, customers)
                    .await
            }
            Stream::Payments => {
                self.import_payment(conn, &PaymentRow::parse(row)?, customers)
                    .await
            }
        }
    }

    /// The customers a page of documents or payments names, read in one query, each imported
    /// (or, in bill-to-contact mode, only checked) once for the whole page.
    pub(super) async fn page_customers(
        &self,
        conn: &Connection,
        stream: &Stream,
        records: &HashMap<String, Record>,
    ) -> Result<PageCustomers, WriteFailure> {
        let field = match stream {
            Stream::Customers => return Ok(PageCustomers::default()),
            Stream::Documents { .. } => DOCUMENT_CUSTOMER_FIELD,
            Stream::Payments => PAYMENT_CUSTOMER_FIELD,
        };
        let mut ids: Vec<String> = records.values().filter_map(|r| text(r, field)).collect();
        ids.sort();
        ids.dedup();
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CUSTOMERS_PER_QUERY) {
            let filter = match chunk {
                [one] => Filter::eq("CUSTOMERID", one.clone()),
                many => Filter::is_in("CUSTOMERID", many.iter().cloned()),
            };
            let query = Query::new("CUSTOMER", CUSTOMER_FIELDS)
                .filter(filter)
                .page_size(2 * CUSTOMERS_PER_QUERY as u32);
            let result = self.read_one(conn, query).await?;
            for row in result.data.map(|d| d.records).unwrap_or_default() {
                rows.push(CustomerRow::parse(&row)?);
            }
        }
        let bill_to = conn.config.customers.source == CustomerSource::BillToContacts;
        let statuses: Vec<Result<(String, CustomerStatus), WriteFailure>> =
            futures::stream::iter(rows.into_iter().map(|row| async move {
                let id = row.customer_id.clone().unwrap_or_default();
                let status = if row.inactive {
                    CustomerStatus::Inactive
                } else if bill_to {
                    CustomerStatus::Active
                } else {
                    match self.import_customer(conn, &row).await? {
                        (_, Some(invoiced)) => CustomerStatus::Imported(invoiced),
                        (_, None) => CustomerStatus::Inactive,
                    }
                };
                Ok((id, status))
            }))
            .buffered(CUSTOMER_CONCURRENCY)
            .collect()
            .await;
        let mut page = PageCustomers::default();
        for status in statuses {
            let (id, status) = status?;
            page.statuses.insert(id, status);
        }
        Ok(page)
    }

    /// If the sync itself created Intacct record `intacct_key` from Invoiced record
    /// `invoiced_id` (see [`Engine::adopt_found_record`]), settles that write on the record and
    /// maps it as owned by Invoiced.
    async fn adopt_own_write(
        &self,
        conn: &Connection,
        record_type: RecordType,
        invoiced_id: &str,
        intacct_key: &str,
        intacct_number: Option<String>,
        marker: Marker,
    ) -> Result<OwnWrite, WriteFailure> {
        let key = IntentKey {
            connection: conn.config.id.clone(),
            record_type,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        };
        match self.adopt_found_record(&key, intacct_key, marker).await? {
            Adoption::NotOurs => Ok(OwnWrite::NotOurs),
            Adoption::InProgress => Ok(OwnWrite::BeingWritten),
            Adoption::Duplicate { settled } => Err(WriteFailure::Operator {
                code: Code::SyncDuplicateInIntacct,
                message: format!(
                    "Intacct {record_type} {intacct_key} carries the identifiers of Invoiced \
                     {record_type} {invoiced_id}, which the sync wrote as Intacct record {settled}"
                ),
            }),
            Adoption::Ours { revisit } => {
                self.record_written(
                    conn,
                    Link {
                        record_type,
                        invoiced_id,
                        intacct_key,
                        intacct_number,
                        origin: Origin::Invoiced,
                        source_version: None,
                    },
                )
                .await?;
                if revisit {
                    // A void gave up on the create, yet it reached Intacct: the write side
                    // reverses it now that it is mapped.
                    let work = WorkItem {
                        connection: conn.config.id.clone(),
                        record_type,
                        invoiced_id: invoiced_id.to_owned(),
                        operation: Operation::Create,
                    };
                    self.requeue(work, Code::SyncOwnWriteFound, std::time::Duration::ZERO)
                        .await?;
                }
                let mapping = self
                    .store
                    .mapping_by_invoiced(&conn.config.id, record_type, invoiced_id)
                    .await?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("mapping of {record_type} {invoiced_id}"))
                    })?;
                Ok(OwnWrite::Adopted(mapping))
            }
        }
    }
}
