//! Invoiced invoice → Intacct AR invoice (`create_invoice`); a void → `reverse_invoice`.
//!
//! Rules (`docs/reference.md#what-is-written`, `docs/reference.md#invoices-to-intacct`): drafts
//! are never posted (an invoice leaving draft counts as
//! created); edits after posting are not posted; invoices that came from Intacct are never
//! written back; a void reverses the Intacct invoice. The invoice number is sent as the Intacct
//! document number, which is also how a lost response is probed for.

use intacct::functions::{CreateInvoice, CurrencyInfo, ReverseInvoice};
use invoiced::models::{Invoice, InvoiceId, InvoiceStatus};

use super::super::exactly_once::SingleWrite;
use super::super::gateway::{WriteFailure, first_key};
use super::super::{Connection, Engine, Outcome};
use super::{
    IMPORTED_MARKER, NewDocument, before_start, day, document_locator, invoiced_failure, parse_id,
    skipped,
};
use crate::config::RecordType;
use crate::mapping::lines::{DocumentKind, DocumentTotals, LineContext, document_lines};
use crate::model::{IntentKey, Operation, Origin, WorkItem};

impl Engine {
    pub(crate) async fn write_invoice(
        &self,
        conn: &Connection,
        work: &WorkItem,
    ) -> Result<Outcome, WriteFailure> {
        let id: InvoiceId = parse_id(work)?;
        let Some(invoice) = conn.invoiced.invoice(id).await.map_err(invoiced_failure)? else {
            return Ok(skipped("the invoice no longer exists in Invoiced"));
        };
        let mapping = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::Invoice, &work.invoiced_id)
            .await?;
        if invoice.metadata.text(IMPORTED_MARKER).is_some()
            || mapping
                .as_ref()
                .is_some_and(|m| m.origin == Origin::Intacct)
        {
            return Ok(skipped(
                "the invoice came from Intacct; edits are never written back",
            ));
        }
        if invoice.status == InvoiceStatus::Voided {
            let intacct_key = match mapping {
                Some(m) => Some(m.intacct_key),
                None => {
                    let locator = document_locator("ARINVOICE", &invoice.number);
                    self.created_before_void(
                        conn,
                        RecordType::Invoice,
                        &work.invoiced_id,
                        Some(locator),
                    )
                    .await?
                }
            };
            return match intacct_key {
                Some(key) => self.reverse_invoice(conn, &invoice, &key).await,
                None => Ok(skipped("voided before it reached Intacct")),
            };
        }
        if mapping.is_some() {
            return Ok(Outcome::AlreadyDone);
        }
        if invoice.draft || invoice.status == InvoiceStatus::Draft {
            return Ok(skipped("drafts are not posted"));
        }
        if before_start(conn, invoice.date) {
            return Ok(skipped("dated before the connection's start date"));
        }
        let key = self.create_ar_invoice(conn, &invoice).await?;
        Ok(Outcome::Written { key })
    }

    async fn create_ar_invoice(
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
            code: "SYNC_LINE_MAPPING".into(),
            message: e.to_string(),
            fix: "Correct the invoice's lines or their intacct_* custom fields in Invoiced, then retry.".into(),
        })?;
        let date = day(invoice.date);
        let mut create = CreateInvoice::new(customer_id, date, lines);
        create.date_due = Some(invoice.due_date.map_or(date, day));
        create.invoice_no = Some(invoice.number.clone());
        create.po_number = invoice.purchase_order.clone().filter(|p| !p.is_empty());
        create.description = Some(format!(
            "Invoice # {} imported from Invoiced (ID: {})",
            invoice.number, invoice.id
        ));
        create.currency = Some(CurrencyInfo {
            base_currency: None,
            currency: invoice.currency.to_string().to_uppercase(),
            exchange: None,
        });
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

    async fn reverse_invoice(
        &self,
        conn: &Connection,
        invoice: &Invoice,
        intacct_key: &str,
    ) -> Result<Outcome, WriteFailure> {
        let reverse = ReverseInvoice {
            key: intacct_key.to_owned(),
            date_reversed: day(invoice.updated_at.unwrap_or_else(|| self.clock.now())),
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
