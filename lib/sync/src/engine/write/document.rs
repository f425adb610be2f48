//! The one flow both numbered documents follow on their way to Intacct, invoice → AR invoice
//! and credit note → AR adjustment: drafts are never posted (a document leaving draft counts
//! as created); edits after posting are not posted; documents that came from Intacct are never
//! written back; a void undoes the Intacct document (reverse, or delete for adjustments), also
//! when the create's outcome is still unknown. The document number is sent as the Intacct
//! document number, which is also how a lost answer is probed for.

use chrono::{DateTime, Utc};
use invoiced::models::{CreditNote, CreditNoteId, Invoice, InvoiceId, Metadata};

use super::super::gateway::WriteFailure;
use super::super::records::invoiced_failure;
use super::super::{Connection, Engine, Outcome};
use super::{IMPORTED_MARKER, before_start, document_locator, parse_id, skipped};
use crate::config::RecordType;
use crate::model::{Origin, WorkItem};

/// An Invoiced invoice or credit note, as the shared flow sees it.
pub(super) enum InvoicedDocument {
    /// An invoice.
    Invoice(Box<Invoice>),
    /// A credit note.
    CreditNote(Box<CreditNote>),
}

impl InvoicedDocument {
    fn metadata(&self) -> &Metadata {
        match self {
            Self::Invoice(i) => &i.metadata,
            Self::CreditNote(n) => &n.metadata,
        }
    }

    fn is_voided(&self) -> bool {
        match self {
            Self::Invoice(i) => i.is_voided(),
            Self::CreditNote(n) => n.is_voided(),
        }
    }

    fn is_draft(&self) -> bool {
        match self {
            Self::Invoice(i) => i.is_draft(),
            Self::CreditNote(n) => n.is_draft(),
        }
    }

    fn date(&self) -> DateTime<Utc> {
        match self {
            Self::Invoice(i) => i.date,
            Self::CreditNote(n) => n.date,
        }
    }

    fn number(&self) -> &str {
        match self {
            Self::Invoice(i) => &i.number,
            Self::CreditNote(n) => &n.number,
        }
    }

    /// The Intacct object it becomes.
    fn object(&self) -> &'static str {
        match self {
            Self::Invoice(_) => "ARINVOICE",
            Self::CreditNote(_) => "ARADJUSTMENT",
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Self::Invoice(_) => "invoice",
            Self::CreditNote(_) => "credit note",
        }
    }
}

impl Engine {
    /// Brings an Invoiced invoice or credit note to Intacct (or undoes it there when voided).
    pub(crate) async fn write_document(
        &self,
        conn: &Connection,
        work: &WorkItem,
    ) -> Result<Outcome, WriteFailure> {
        let found = match work.record_type {
            RecordType::CreditNote => conn
                .invoiced
                .credit_note(parse_id::<CreditNoteId>(work)?)
                .await
                .map_err(invoiced_failure)?
                .map(|n| InvoicedDocument::CreditNote(Box::new(n))),
            _ => conn
                .invoiced
                .invoice(parse_id::<InvoiceId>(work)?)
                .await
                .map_err(invoiced_failure)?
                .map(|i| InvoicedDocument::Invoice(Box::new(i))),
        };
        let Some(document) = found else {
            return Ok(skipped(format!(
                "the {} no longer exists in Invoiced",
                work.record_type
            )));
        };
        let mapping = self
            .store
            .mapping_by_invoiced(&conn.config.id, work.record_type, &work.invoiced_id)
            .await?;
        if document.metadata().text(IMPORTED_MARKER).is_some()
            || mapping
                .as_ref()
                .is_some_and(|m| m.origin == Origin::Intacct)
        {
            return Ok(skipped(format!(
                "the {} came from Intacct; edits are never written back",
                document.noun()
            )));
        }
        if document.is_voided() {
            let intacct_key = match mapping {
                Some(m) => Some(m.intacct_key),
                None => {
                    let locator = document_locator(document.object(), document.number());
                    self.created_before_void(
                        conn,
                        work.record_type,
                        &work.invoiced_id,
                        Some(locator),
                    )
                    .await?
                }
            };
            return match (intacct_key, &document) {
                (Some(key), InvoicedDocument::Invoice(i)) => {
                    self.reverse_invoice(conn, i, &key).await
                }
                (Some(key), InvoicedDocument::CreditNote(n)) => {
                    self.delete_adjustment(conn, n, &key).await
                }
                (None, _) => Ok(skipped("voided before it reached Intacct")),
            };
        }
        if mapping.is_some() {
            return Ok(Outcome::AlreadyDone);
        }
        if document.is_draft() {
            return Ok(skipped("drafts are not posted"));
        }
        if before_start(conn, document.date()) {
            return Ok(skipped("dated before the connection's start date"));
        }
        let key = match &document {
            InvoicedDocument::Invoice(i) => self.create_ar_invoice(conn, i).await?,
            InvoicedDocument::CreditNote(n) => self.create_adjustment(conn, n).await?,
        };
        Ok(Outcome::Written { key })
    }
}
