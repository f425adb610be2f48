//! Invoiced credit note → Intacct AR adjustment (credit memo, `create_aradjustment`); a void →
//! `delete_aradjustment` (Intacct has no reversal for adjustments).
//!
//! Same rules as invoices: drafts are not posted, edits after posting are not posted, credit
//! notes that came from Intacct are never written back. Every amount carries the credit-memo
//! sign, discount and tax lines included (the vendor's integration got those two wrong).

use intacct::functions::{CreateArAdjustment, CurrencyInfo, DeleteArAdjustment};
use invoiced::models::{CreditNote, CreditNoteId};

use super::super::exactly_once::SingleWrite;
use super::super::gateway::WriteFailure;
use super::super::{Connection, Engine, Outcome};
use super::{
    IMPORTED_MARKER, NewDocument, before_start, day, document_locator, invoiced_failure, parse_id,
    skipped,
};
use crate::config::RecordType;
use crate::mapping::lines::{DocumentKind, DocumentTotals, LineContext, document_lines};
use crate::model::{IntentKey, Operation, Origin, WorkItem};

impl Engine {
    pub(crate) async fn write_credit_note(
        &self,
        conn: &Connection,
        work: &WorkItem,
    ) -> Result<Outcome, WriteFailure> {
        let id: CreditNoteId = parse_id(work)?;
        let Some(note) = conn
            .invoiced
            .credit_note(id)
            .await
            .map_err(invoiced_failure)?
        else {
            return Ok(skipped("the credit note no longer exists in Invoiced"));
        };
        let mapping = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::CreditNote, &work.invoiced_id)
            .await?;
        if note.metadata.text(IMPORTED_MARKER).is_some()
            || mapping
                .as_ref()
                .is_some_and(|m| m.origin == Origin::Intacct)
        {
            return Ok(skipped(
                "the credit note came from Intacct; edits are never written back",
            ));
        }
        if note.is_voided() {
            let intacct_key = match mapping {
                Some(m) => Some(m.intacct_key),
                None => {
                    let locator = document_locator("ARADJUSTMENT", &note.number);
                    self.created_before_void(
                        conn,
                        RecordType::CreditNote,
                        &work.invoiced_id,
                        Some(locator),
                    )
                    .await?
                }
            };
            return match intacct_key {
                Some(key) => self.delete_adjustment(conn, &note, &key).await,
                None => Ok(skipped("voided before it reached Intacct")),
            };
        }
        if mapping.is_some() {
            return Ok(Outcome::AlreadyDone);
        }
        if note.draft {
            return Ok(skipped("drafts are not posted"));
        }
        if before_start(conn, note.date) {
            return Ok(skipped("dated before the connection's start date"));
        }
        let key = self.create_adjustment(conn, &note).await?;
        Ok(Outcome::Written { key })
    }

    async fn create_adjustment(
        &self,
        conn: &Connection,
        note: &CreditNote,
    ) -> Result<String, WriteFailure> {
        let customer_id = self.intacct_customer_id(conn, &note.customer).await?;
        let config = &conn.config;
        let lines = document_lines(
            &note.items,
            DocumentTotals {
                discounts: &note.discounts,
                taxes: &note.taxes,
                shipping: &note.shipping,
                total: note.total,
            },
            LineContext {
                kind: DocumentKind::CreditMemo,
                item_account: config.accounts.item_account.as_deref().unwrap_or_default(),
                defaults: &config.line_items,
                customer_id: &customer_id,
            },
        )
        .map_err(|e| WriteFailure::Operator {
            code: "SYNC_LINE_MAPPING".into(),
            message: e.to_string(),
            fix: "Correct the credit note's lines or their intacct_* custom fields in Invoiced, then retry.".into(),
        })?;
        let date = day(note.date);
        let mut create = CreateArAdjustment::new(customer_id, date, lines);
        create.adjustment_no = Some(note.number.clone());
        create.description = Some(format!(
            "Credit note # {} imported from Invoiced (ID: {})",
            note.number, note.id
        ));
        create.currency = Some(CurrencyInfo {
            base_currency: None,
            currency: note.currency.to_string().to_uppercase(),
            exchange: None,
        });
        self.create_document(
            conn,
            NewDocument {
                record_type: RecordType::CreditNote,
                invoiced_id: &note.id.to_string(),
                number: &note.number,
                object: "ARADJUSTMENT",
                function: create.into(),
            },
        )
        .await
    }

    async fn delete_adjustment(
        &self,
        conn: &Connection,
        note: &CreditNote,
        intacct_key: &str,
    ) -> Result<Outcome, WriteFailure> {
        let delete = DeleteArAdjustment {
            key: intacct_key.to_owned(),
        };
        self.post_one(
            conn,
            SingleWrite {
                key: IntentKey {
                    connection: conn.config.id.clone(),
                    record_type: RecordType::CreditNote,
                    invoiced_id: note.id.to_string(),
                    operation: Operation::Void,
                },
                function: delete.into(),
                // A delete leaves nothing to look up; the gateway's uniqueid check keeps a retry
                // from acting twice.
                locator: None,
                key_of: |_| Some(String::from("deleted")),
            },
        )
        .await?;
        Ok(Outcome::Written {
            key: intacct_key.to_owned(),
        })
    }
}
