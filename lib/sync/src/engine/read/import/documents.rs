//! Order Entry documents → Invoiced invoices and credit notes, keyed by their AR record
//! (PRRECORDKEY), which is what payments and credit applications refer to. An import's total
//! must be Intacct's to the cent, or nothing is imported and the difference is an error.
//! Documents are frozen once imported; those skipped while their customer was inactive are
//! caught up when it is active again.

use super::super::super::gateway::WriteFailure;
use super::super::super::records::{Link, invoiced_failure};
use super::super::super::{Connection, Engine};
use super::super::Imported;
use super::super::Stream;
use super::{CustomerStatus, PageCustomers, bad_data, idempotency_key};
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::mapping::intacct_rows::{
    DOCUMENT_CUSTOMER_FIELD, DOCUMENT_TYPE_FIELD, DocumentRow, record_no, text,
};
use crate::mapping::to_invoiced::{
    check_total, credit_note_params, document_content, invoice_params,
};
use crate::model::Origin;
use intacct::functions::{Filter, Query};

/// Most documents one reactivated customer's catch-up imports in one poll; more wait for the
/// next change of the customer (or an initial data sync).
const CATCH_UP_LIMIT: u32 = 1_000;

impl Engine {
    /// Imports the documents of a customer that was inactive when they were read (they were
    /// skipped by rule then), now that it is active again: each document of the connection's
    /// types that is not in Invoiced yet is read and imported as the poll would.
    pub(super) async fn import_documents_of(
        &self,
        conn: &Connection,
        customer_id: &str,
    ) -> Result<(), WriteFailure> {
        for stream in Stream::all_for(&conn.config) {
            let Stream::Documents { doc_type, target } = &stream else {
                continue;
            };
            let query = Query::new("SODOCUMENT", ["RECORDNO", "PRRECORDKEY"])
                .filter(Filter::And(vec![
                    Filter::eq(DOCUMENT_CUSTOMER_FIELD, customer_id),
                    Filter::eq(DOCUMENT_TYPE_FIELD, doc_type.clone()),
                ]))
                .page_size(CATCH_UP_LIMIT);
            let rows = self
                .read_one(conn, query)
                .await?
                .data
                .map(|d| d.records)
                .unwrap_or_default();
            for row in rows {
                let Some(recordno) = record_no(&row) else {
                    continue;
                };
                let key = text(&row, "PRRECORDKEY").unwrap_or_else(|| recordno.clone());
                if self
                    .store
                    .mapping_by_intacct(&conn.config.id, *target, &key)
                    .await?
                    .is_none()
                {
                    self.reimport(&conn.config.id, *target, &recordno).await?;
                }
            }
        }
        Ok(())
    }

    /// An Order Entry document → invoice or credit note.
    pub(super) async fn import_document(
        &self,
        conn: &Connection,
        target: RecordType,
        doc: &DocumentRow,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        if doc.draft {
            return Ok(Imported::Skipped("draft documents are not imported"));
        }
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, target, &doc.key)
            .await?
        {
            return Ok(Imported::Skipped(if m.origin == Origin::Invoiced {
                "written by us from Invoiced"
            } else {
                "already imported (documents are frozen once imported)"
            }));
        }
        let customer_id = doc
            .customer_id
            .as_deref()
            .ok_or_else(|| bad_data(format!("document {} has no customer", doc.key)))?;
        let customer = match customers.status(customer_id)? {
            CustomerStatus::Inactive => return Ok(Imported::Skipped("the customer is inactive")),
            CustomerStatus::Active => self.bill_to_customer(conn, doc, customer_id).await?,
            CustomerStatus::Imported(id) => id,
        };
        let number = doc.display_number();
        let date = doc
            .date
            .ok_or_else(|| bad_data(format!("document {number} has no date")))?;
        let content = document_content(doc)?;
        // Nothing is imported with a total other than Intacct's.
        check_total(doc, content.total()).map_err(|mismatch| WriteFailure::Operator {
            code: Code::SyncImportTotalMismatch,
            message: format!("{target} {number} {mismatch}; nothing was imported"),
        })?;
        let idempotency = idempotency_key(conn, target.as_str(), &doc.key);
        let (created_id, created_total) = match target {
            RecordType::CreditNote => conn
                .invoiced
                .create_credit_note(
                    &credit_note_params(
                        doc,
                        customer,
                        date,
                        conn.config.intacct.time_zone,
                        content,
                    ),
                    &idempotency,
                )
                .await
                .map(|c| (c.id.to_string(), c.total))
                .map_err(invoiced_failure)?,
            _ => conn
                .invoiced
                .create_invoice(
                    &invoice_params(doc, customer, date, conn.config.intacct.time_zone, content),
                    &idempotency,
                )
                .await
                .map(|i| (i.id.to_string(), i.total))
                .map_err(invoiced_failure)?,
        };
        self.record_written(
            conn,
            Link {
                record_type: target,
                invoiced_id: &created_id,
                intacct_key: &doc.key,
                intacct_number: Some(number.clone()),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        // Invoiced computes its own total; a difference (its rounding, a tax it added) stays
        // visible as an error naming the copy, which is mapped so it is not imported twice.
        check_total(doc, created_total).map_err(|mismatch| WriteFailure::Operator {
            code: Code::SyncImportTotalMismatch,
            message: format!(
                "{target} {number} {mismatch}: Invoiced computed a different total for its copy \
                 {created_id}"
            ),
        })?;
        Ok(Imported::Written)
    }
}
