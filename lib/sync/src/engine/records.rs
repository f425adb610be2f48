//! What both directions do once a record is in both systems: record the mapping, close the
//! record's reconciliation errors, release the work that waited for it; and how an Invoiced
//! failure is classified.

use std::time::Duration;

use super::gateway::WriteFailure;
use super::{Connection, Engine};
use crate::catalogue::Code;
use crate::config::{ConnectionId, RecordType};
use crate::model::{Dependency, Direction, ErrorStatus, Mapping, Origin, ReconciliationError};
use crate::ports::{InvoicedError, StoreError};

impl Engine {
    /// Marks an open reconciliation error resolved: its record is in sync, by whatever path.
    pub(crate) async fn resolve_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> Result<(), StoreError> {
        if let Some(error) = self.store.get_error(connection, id).await?
            && error.status == ErrorStatus::Open
        {
            self.store
                .set_error_status(connection, id, ErrorStatus::Resolved, self.clock.now())
                .await?;
        }
        Ok(())
    }

    /// Records the mapping of a record now in both systems and releases the work that waited
    /// for it.
    pub(crate) async fn record_written(
        &self,
        conn: &Connection,
        link: Link<'_>,
    ) -> Result<(), WriteFailure> {
        let record_type = link.record_type;
        let invoiced_id = link.invoiced_id;
        let mapping = Mapping {
            connection: conn.config.id.clone(),
            record_type,
            invoiced_id: invoiced_id.to_owned(),
            intacct_key: link.intacct_key.to_owned(),
            intacct_number: link.intacct_number,
            origin: link.origin,
            source_version: link.source_version,
            updated_at: self.clock.now(),
        };
        match self.store.put_mapping(&mapping).await {
            Ok(()) => {}
            Err(StoreError::Conflict(message)) => {
                return Err(WriteFailure::Operator {
                    code: Code::SyncMappingConflict,
                    message,
                });
            }
            Err(e) => return Err(e.into()),
        }
        // The record is in both systems now, however it got there (its own write, a document
        // that created its customer, an import): its errors need no operator any more.
        let connection = &conn.config.id;
        let write_error = ReconciliationError::id_for(Direction::Write, record_type, invoiced_id);
        self.resolve_error(connection, &write_error).await?;
        let read_error =
            ReconciliationError::id_for(Direction::Read, record_type, link.intacct_key);
        self.resolve_error(connection, &read_error).await?;
        let dependency = Dependency {
            record_type,
            invoiced_id: invoiced_id.to_owned(),
        };
        for waiting in self.store.take_parked(&conn.config.id, &dependency).await? {
            self.requeue(waiting, Code::SyncDependencyReleased, Duration::ZERO)
                .await?;
        }
        Ok(())
    }
}

/// A record now known to both systems.
pub(crate) struct Link<'a> {
    /// Record type.
    pub record_type: RecordType,
    /// Invoiced id.
    pub invoiced_id: &'a str,
    /// Intacct key.
    pub intacct_key: &'a str,
    /// Human-facing Intacct identifier.
    pub intacct_number: Option<String>,
    /// Where it was created.
    pub origin: Origin,
    /// WHENMODIFIED of the imported version (imports only).
    pub source_version: Option<String>,
}

/// An Invoiced failure as a write failure.
pub(crate) fn invoiced_failure(error: InvoicedError) -> WriteFailure {
    match error {
        InvoicedError::RateLimited(m) => WriteFailure::Retry {
            code: Code::InvoicedRateLimited,
            message: m,
        },
        InvoicedError::Unavailable(m) => WriteFailure::Retry {
            code: Code::InvoicedUnavailable,
            message: m,
        },
        InvoicedError::NotFound(m) => WriteFailure::Operator {
            code: Code::InvoicedNotFound,
            message: m,
        },
        InvoicedError::Unauthorized(m) => WriteFailure::Operator {
            code: Code::InvoicedAuth,
            message: m,
        },
        InvoicedError::Rejected { message, param } => WriteFailure::Operator {
            code: Code::InvoicedRejected,
            message: match param {
                Some(p) => format!("{message} (parameter {p})"),
                None => message,
            },
        },
    }
}
