//! Invoiced invoice → Intacct AR invoice (`create_invoice`); a void → `reverse_invoice`. The
//! flow around them (drafts, voids, echoes: `docs/reference.md#what-is-written`,
//! `docs/reference.md#invoices-to-intacct`) is `document.rs`.

use intacct::functions::{CreateInvoice, ReverseInvoice};
use invoiced::models::Invoice;

use super::super::exactly_once::SingleWrite;
use super::super::gateway::{WriteFailure, first_key};
use super::super::{Connection, Engine, Outcome};
use super::{NewDocument, currency_info, day};
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::mapping::lines::{DocumentKind, DocumentTotals, LineContext, document_lines};
use crate::model::{IntentKey, Operation};

impl Engine {
    pub(super) async fn create_ar_invoice(
        &self,
        conn: &Connection,
        invoice: &Invoice,
    ) -> Result<String, WriteFailure> {
        let customer_id = self.intacct_customer_id(conn, &invoice.customer).await?;
        let config = &conn.config;
        let lines = document_lines(
            &invoice.items,
            DocumentTotals {
                discounts: &invoice.discounts,
                taxes: &invoice.taxes,
                shipping: &invoice.shipping,
                total: invoice.total,
            },
            LineContext {
                kind: DocumentKind::Invoice,
                item_account: config.accounts.item_account.as_deref().unwrap_or_default(),
                defaults: &config.line_items,
                customer_id: &customer_id,
            },
        )
        .map_err(|e| WriteFailure::Operator {
            code: Code::SyncLineMapping,
            message: e.to_string(),
        })?;
        let date = day(conn, invoice.date);
        let mut create = CreateInvoice::new(customer_id, date, lines);
        create.date_due = Some(invoice.due_date.map_or(date, |due| day(conn, due)));
        create.invoice_no = Some(invoice.number.clone());
        create.po_number = invoice.purchase_order.clone().filter(|p| !p.is_empty());
        create.description = Some(format!(
            "Invoice # {} imported from Invoiced (ID: {})",
            invoice.number, invoice.id
        ));
        create.currency = Some(currency_info(conn, &invoice.currency.to_string(), date));
        self.create_document(
            conn,
            NewDocument {
                record_type: RecordType::Invoice,
                invoiced_id: &invoice.id.to_string(),
                number: &invoice.number,
                object: "ARINVOICE",
                function: create.into(),
            },
        )
        .await
    }

    pub(super) async fn reverse_invoice(
        &self,
        conn: &Connection,
        invoice: &Invoice,
        intacct_key: &str,
    ) -> Result<Outcome, WriteFailure> {
        let reverse = ReverseInvoice {
            key: intacct_key.to_owned(),
            date_reversed: day(conn, invoice.updated_at.unwrap_or_else(|| self.clock.now())),
            description: Some("Voided on Invoiced".into()),
        };
        let reversal = self
            .post_one(
                conn,
                SingleWrite {
                    key: IntentKey {
                        connection: conn.config.id.clone(),
                        record_type: RecordType::Invoice,
                        invoiced_id: invoice.id.to_string(),
                        operation: Operation::Void,
                    },
                    function: reverse.into(),
                    // A reversal creates no record we can look up by our own number; the
                    // gateway's uniqueid check is what keeps a retry from reversing twice.
                    locator: None,
                    key_of: |results| first_key(results).or_else(|| Some(String::from("reversed"))),
                },
            )
            .await?;
        Ok(Outcome::Written { key: reversal })
    }
}
