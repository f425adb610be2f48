//! Intacct AR payments → Invoiced payments applied to the imported invoices: the cash, and the
//! credits spent (Sales Returns, AR adjustments) as credit-note applications, so every
//! document's balance is Intacct's; credit-only records (credits applied in Intacct) likewise.
//! Reversals in Intacct → voids in Invoiced; the sync's own payments (found by their DOCNUMBER
//! marker) and credit applications (by their memo) settled rather than imported.

use invoiced::models::{
    AppliedTo, CreditNoteApplication, CreditNoteId, CustomerId, DocumentType, InvoiceApplication,
    InvoiceId, PaymentId,
};

use super::super::super::exactly_once::Marker;
use super::super::super::gateway::WriteFailure;
use super::super::super::records::{Link, invoiced_failure};
use super::super::super::{Connection, Engine};
use super::super::Imported;
use super::{CustomerStatus, OwnWrite, PageCustomers, bad_data, idempotency_key};
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::mapping::identity::{credit_applied_by, written_from};
use crate::mapping::intacct_rows::PaymentRow;
use crate::mapping::payment_split::{CreditSplit, split};
use crate::mapping::to_invoiced::payment_params;
use crate::model::{IntentKey, Mapping, Operation, Origin};

impl Engine {
    /// An AR payment → an Invoiced payment applied to the mapped invoices.
    pub(super) async fn import_payment(
        &self,
        conn: &Connection,
        pay: &PaymentRow,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Payment, &pay.key)
            .await?
        {
            if pay.reversed {
                return self.reflect_reversal(conn, &m).await;
            }
            return Ok(Imported::Skipped(if m.origin == Origin::Invoiced {
                "written by us from Invoiced"
            } else {
                "already imported"
            }));
        }
        // The counter-entry Intacct adds when it reverses a payment: the reversal reaches
        // Invoiced through the original, which the reversal marks reversed (and re-dates).
        if pay.reversal_of.is_some() {
            return Ok(Imported::Skipped("the reversal entry of another payment"));
        }
        // The sync's own write whose answer (or mapping) was lost: settle it, never import it.
        if let Some(invoiced_id) = pay.docnumber.as_deref().and_then(written_from)
            && let OwnWrite::Adopted(mapping) = self
                .adopt_own_write(
                    conn,
                    RecordType::Payment,
                    &invoiced_id.to_string(),
                    &pay.key,
                    pay.docnumber.clone(),
                    Marker::Unique,
                )
                .await?
        {
            if pay.reversed {
                return self.reflect_reversal(conn, &mapping).await;
            }
            return Ok(Imported::Skipped("written by us from Invoiced"));
        }
        if pay.reversed {
            return Ok(Imported::Skipped("reversed in Intacct"));
        }
        // A credit application the sync made for an Invoiced payment's credit-note line: that
        // payment already carries it in Invoiced.
        if pay
            .description
            .as_deref()
            .and_then(credit_applied_by)
            .is_some()
        {
            return Ok(Imported::Skipped("written by us from Invoiced"));
        }
        let customer_id = pay
            .customer_id
            .as_deref()
            .ok_or_else(|| bad_data(format!("payment {} has no customer", pay.key)))?;
        let imported_customer = match customers.status(customer_id)? {
            CustomerStatus::Inactive => return Ok(Imported::Skipped("the customer is inactive")),
            CustomerStatus::Imported(id) => Some(id),
            // Bill-to mode: the Intacct customer is not an Invoiced one; the payment belongs to
            // the Invoiced customer (bill-to contact) of the invoices it pays.
            CustomerStatus::Active => None,
        };
        let split = split(pay).map_err(WriteFailure::from)?;
        if split.cash.is_empty() && split.credits.is_empty() && pay.amount.is_zero() {
            return Ok(Imported::Skipped("nothing applied"));
        }
        let mut applied = Vec::new();
        let mut paid = Vec::new();
        for (invoice_key, amount) in &split.cash {
            let invoice = self.imported_invoice(conn, pay, invoice_key).await?;
            paid.push(invoice);
            applied.push(AppliedTo::Invoice(InvoiceApplication {
                id: None,
                amount: *amount,
                invoice,
            }));
        }
        for credit in &split.credits {
            let invoice = self.imported_invoice(conn, pay, &credit.invoice).await?;
            paid.push(invoice);
            applied.push(AppliedTo::CreditNote(CreditNoteApplication {
                id: None,
                amount: credit.amount,
                credit_note: self.imported_credit(conn, pay, credit).await?,
                document_type: Some(DocumentType::Invoice),
                invoice: Some(invoice),
                estimate: None,
            }));
        }
        let customer = match imported_customer {
            Some(customer) => customer,
            None => self.bill_to_customer_of(conn, pay, &paid).await?,
        };
        let payment = conn
            .invoiced
            .create_payment(
                &payment_params(pay, customer, conn.config.intacct.time_zone, applied),
                &idempotency_key(conn, "payment", &pay.key),
            )
            .await
            .map_err(invoiced_failure)?;
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Payment,
                invoiced_id: &payment.id.to_string(),
                intacct_key: &pay.key,
                intacct_number: pay.docnumber.clone(),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        Ok(Imported::Written)
    }

    /// In bill-to contact mode, the one Invoiced customer (bill-to contact) of the invoices a
    /// payment pays.
    async fn bill_to_customer_of(
        &self,
        conn: &Connection,
        pay: &PaymentRow,
        paid: &[InvoiceId],
    ) -> Result<CustomerId, WriteFailure> {
        let mut customer: Option<CustomerId> = None;
        for id in paid {
            let invoice = conn
                .invoiced
                .invoice(*id)
                .await
                .map_err(invoiced_failure)?
                .ok_or_else(|| WriteFailure::Operator {
                    code: Code::InvoicedNotFound,
                    message: format!("invoice {id}, paid by Intacct payment {}, is gone", pay.key),
                })?;
            let this = invoice.customer.id();
            match customer {
                Some(other) if other != this => {
                    return Err(WriteFailure::Operator {
                        code: Code::SyncPaymentSpansBillTo,
                        message: format!(
                            "Intacct payment {} pays invoices of Invoiced customers {other} and \
                             {this}",
                            pay.key
                        ),
                    });
                }
                _ => customer = Some(this),
            }
        }
        customer.ok_or_else(|| WriteFailure::Operator {
            code: Code::SyncPaymentWithoutCustomer,
            message: format!(
                "Intacct payment {} pays no invoice, so it has no bill-to contact",
                pay.key
            ),
        })
    }

    /// The Invoiced invoice of an AR record a payment pays.
    async fn imported_invoice(
        &self,
        conn: &Connection,
        pay: &PaymentRow,
        invoice_key: &str,
    ) -> Result<InvoiceId, WriteFailure> {
        let Some(invoice) = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Invoice, invoice_key)
            .await?
        else {
            // Intacct-side invoices we do not sync (AR invoices keyed in by hand) cannot be
            // paid in Invoiced; say so rather than import half a payment.
            return Err(WriteFailure::Operator {
                code: Code::SyncPaymentInvoiceUnknown,
                message: format!(
                    "payment {} pays Intacct invoice {invoice_key}, which is not in Invoiced",
                    pay.key
                ),
            });
        };
        InvoiceId::parse(&invoice.invoiced_id).map_err(|e| bad_data(e.to_string()))
    }

    /// The Invoiced credit note of a credit a payment spent.
    async fn imported_credit(
        &self,
        conn: &Connection,
        pay: &PaymentRow,
        credit: &CreditSplit,
    ) -> Result<CreditNoteId, WriteFailure> {
        let mapping = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::CreditNote, &credit.credit)
            .await?;
        match mapping {
            Some(m) => CreditNoteId::parse(&m.invoiced_id).map_err(|e| bad_data(e.to_string())),
            // An earlier payment's overpayment spent on an invoice is a customer credit
            // balance, which the sync does not carry over from Intacct.
            None if credit.credit_type.as_deref() == Some("rp") => Err(WriteFailure::Operator {
                code: Code::SyncUnsupportedApplication,
                message: format!(
                    "payment {} spends {} of the overpayment {} on Intacct invoice {}",
                    pay.key, credit.amount, credit.credit, credit.invoice
                ),
            }),
            None => Err(WriteFailure::Operator {
                code: Code::SyncPaymentCreditUnknown,
                message: format!(
                    "payment {} spends {} of Intacct credit {} on invoice {}, and that credit \
                     is not in Invoiced",
                    pay.key, credit.amount, credit.credit, credit.invoice
                ),
            }),
        }
    }

    /// A payment reversed in Intacct, whichever side created it, is voided in Invoiced. The
    /// void is recorded as done first, so the `payment.deleted` webhook that the void causes is
    /// not written back to Intacct as a second reversal.
    async fn reflect_reversal(
        &self,
        conn: &Connection,
        mapping: &Mapping,
    ) -> Result<Imported, WriteFailure> {
        let id = PaymentId::parse(&mapping.invoiced_id).map_err(|e| bad_data(e.to_string()))?;
        let void = IntentKey {
            connection: conn.config.id.clone(),
            record_type: RecordType::Payment,
            invoiced_id: mapping.invoiced_id.clone(),
            operation: Operation::Void,
        };
        self.settle_as_done_elsewhere(void, &mapping.intacct_key)
            .await?;
        match conn.invoiced.payment(id).await.map_err(invoiced_failure)? {
            Some(payment) if !payment.voided => {
                conn.invoiced
                    .void_payment(id)
                    .await
                    .map_err(invoiced_failure)?;
                Ok(Imported::Written)
            }
            _ => Ok(Imported::Skipped("already voided in Invoiced")),
        }
    }
}
