//! Invoiced credit note → Intacct AR adjustment (credit memo, `create_aradjustment`); a void →
//! `delete_aradjustment` (Intacct has no reversal for adjustments). Every amount carries the
//! credit-memo sign, discount and tax lines included (the vendor's integration got those two
//! wrong). The flow around them (drafts, voids, echoes) is `document.rs`.

use intacct::functions::{CreateArAdjustment, DeleteArAdjustment};
use invoiced::models::CreditNote;

use super::super::exactly_once::SingleWrite;
use super::super::gateway::WriteFailure;
use super::super::{Connection, Engine, Outcome};
use super::{NewDocument, currency_info, day};
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::mapping::lines::{DocumentKind, DocumentTotals, LineContext, document_lines};
use crate::model::{IntentKey, Operation};

impl Engine {
    pub(super) async fn create_adjustment(
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
            code: Code::SyncLineMapping,
            message: e.to_string(),
        })?;
        let date = day(conn, note.date);
        let mut create = CreateArAdjustment::new(customer_id, date, lines);
        create.adjustment_no = Some(note.number.clone());
        create.description = Some(format!(
            "Credit note # {} imported from Invoiced (ID: {})",
            note.number, note.id
        ));
        create.currency = Some(currency_info(conn, &note.currency.to_string(), date));
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

    pub(super) async fn delete_adjustment(
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
