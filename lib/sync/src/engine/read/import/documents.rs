//! Order Entry documents → Invoiced invoices and credit notes, keyed by their AR record
//! (PRRECORDKEY), which is what payments and credit applications refer to. Documents are
//! frozen once imported.

use super::super::super::gateway::WriteFailure;
use super::super::super::records::{Link, invoiced_failure};
use super::super::super::{Connection, Engine};
use super::super::Imported;
use super::{CustomerStatus, PageCustomers, bad_data, idempotency_key};
use crate::config::RecordType;
use crate::mapping::intacct_rows::DocumentRow;
use crate::mapping::to_invoiced::{credit_note_params, document_content, invoice_params};
use crate::model::Origin;

impl Engine {
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
        let idempotency = idempotency_key(conn, target.as_str(), &doc.key);
        let created_id = match target {
            RecordType::CreditNote => conn
                .invoiced
                .create_credit_note(
                    &credit_note_params(doc, customer, date, content),
                    &idempotency,
                )
                .await
                .map_err(invoiced_failure)?
                .id
                .to_string(),
            _ => conn
                .invoiced
                .create_invoice(&invoice_params(doc, customer, date, content), &idempotency)
                .await
                .map_err(invoiced_failure)?
                .id
                .to_string(),
        };
        self.record_written(
            conn,
            Link {
                record_type: target,
                invoiced_id: &created_id,
                intacct_key: &doc.key,
                intacct_number: Some(number),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        Ok(Imported::Written)
    }
}
