//! Invoiced payment → one Intacct AR payment applied to the mapped invoices, plus one credit
//! application (`apply_arpayment`) per credit-note line, all in one all-or-nothing request; the
//! convenience fee per the connection's setting; a void → `reverse_arpayment` only (credit
//! applications are left to the operator, as the product documents).
//!
//! Fixes over the vendor's integration: everything is one `transaction="true"` request, so a
//! partial failure cannot leave half a payment behind (`docs/reference.md#half-written-payments`);
//! the convenience-fee invoice is idempotent (`CF-<payment id>` with its own write intent,
//! `docs/reference.md#convenience-fees-posted-twice`); an application whose invoice or credit
//! note is not in Intacct yet parks the payment instead of silently dropping the application
//! (`docs/reference.md#applications-dropped-silently`).

use intacct::functions::{
    ApplyArPayment, ArLineItem, ArPaymentItem, CreateArPayment, CreateInvoice, Delete, LineAccount,
    PaymentAccount, ReverseArPayment, ReverseInvoice,
};
use intacct::{ControlId, Function, FunctionCall, Request};
use invoiced::models::{AppliedTo, Payment, PaymentId, PaymentMethod};
use rust_decimal::Decimal;

use super::super::exactly_once::{ExactlyOnce, SingleWrite};
use super::super::gateway::{WriteFailure, call_id, first_key, locator};
use super::super::{Connection, Engine, Outcome};
use super::{
    IMPORTED_MARKER, Link, NewDocument, before_start, currency_info, day, document_locator,
    invoiced_failure, is_foreign, parse_id, skipped,
};
use crate::catalogue::Code;
use crate::config::payment_routes::select_route;
use crate::config::{ConvenienceFees, Deposit, DimensionIds, RecordType};
use crate::mapping::identity::{credit_application_memo, payment_reference};
use crate::model::{Dependency, IntentKey, IntentState, Operation, Origin, WorkItem};

/// The number of a payment's convenience-fee invoice in Intacct.
fn fee_invoice_number(payment: PaymentId) -> String {
    format!("CF-{payment}")
}

/// A credit note applied to an invoice within a payment.
struct CreditApplication {
    credit_key: String,
    invoice_key: String,
    amount: Decimal,
}

/// What a payment turns into in Intacct, once every dependency is known.
struct PaymentPlan {
    invoice_items: Vec<ArPaymentItem>,
    credits: Vec<CreditApplication>,
    fee: Decimal,
}

/// Intacct's payment method for an Invoiced one (the vendor's table). Intacct takes card
/// payments only in the base currency, so a `foreign` card payment is posted as EFT, as the
/// vendor's integration does.
fn intacct_method(method: &PaymentMethod, foreign: bool) -> &'static str {
    match method {
        PaymentMethod::Cash => "Cash",
        PaymentMethod::Check => "Printed Check",
        PaymentMethod::CreditCard if !foreign => "Credit Card",
        _ => "EFT",
    }
}

/// How the AR payment of an Invoiced payment is found: the DOCNUMBER it was sent with.
fn payment_locator(payment: &Payment) -> crate::model::RecordLocator {
    locator("ARPYMT", "DOCNUMBER", payment_reference(payment))
}

/// Intacct refuses an application larger than what is open on the document *now*. In Invoiced
/// the money is open (it accepted the payment), so another write to the same document is on
/// its way: typically the reversal of a payment voided just before this one was made, delayed
/// by throttling. Retried with backoff like a throttle, and an error only when the attempts
/// run out.
fn over_application_waits(failure: WriteFailure) -> WriteFailure {
    match failure {
        WriteFailure::Operator { message, .. } if is_over_application(&message) => {
            WriteFailure::Retry {
                code: Code::SyncAppliedMoreThanOpen,
                message,
            }
        }
        other => other,
    }
}

/// Intacct's texts for an application above the open amount (its error number is the
/// business-logic catch-all, so the text decides).
fn is_over_application(message: &str) -> bool {
    let text = message.to_lowercase();
    text.contains("exceeds") && (text.contains("amount due") || text.contains("available credit"))
}

impl Engine {
    pub(crate) async fn write_payment(
        &self,
        conn: &Connection,
        work: &WorkItem,
    ) -> Result<Outcome, WriteFailure> {
        let id: PaymentId = parse_id(work)?;
        let mapping = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::Payment, &work.invoiced_id)
            .await?;
        if let Some(m) = &mapping
            && m.origin == Origin::Intacct
        {
            return Ok(skipped(
                "the payment came from Intacct; it is never written back",
            ));
        }
        let payment = conn.invoiced.payment(id).await.map_err(invoiced_failure)?;
        if payment
            .as_ref()
            .is_some_and(|p| p.metadata.text(IMPORTED_MARKER).is_some())
        {
            return Ok(skipped(
                "the payment came from Intacct; it is never written back",
            ));
        }
        // The record decides, not the event: a `payment.deleted` (even a correctly signed one)
        // for a payment that is still live in Invoiced reverses nothing.
        match &payment {
            None => return self.void_payment(conn, id, mapping, None).await,
            Some(p) if p.voided => {
                let locator = payment_locator(p);
                return self.void_payment(conn, id, mapping, Some(locator)).await;
            }
            Some(_) if work.operation == Operation::Void => {
                return Ok(skipped(
                    "a delete event for a payment that is live in Invoiced: nothing to reverse",
                ));
            }
            Some(_) => {}
        }
        let Some(payment) = payment else {
            return Ok(skipped("the payment no longer exists in Invoiced"));
        };
        if mapping.is_some() {
            return Ok(Outcome::AlreadyDone);
        }
        if before_start(conn, payment.date) {
            return Ok(skipped("dated before the connection's start date"));
        }
        let plan = self.plan_payment(conn, &payment).await?;
        if plan.invoice_items.is_empty() && plan.credits.is_empty() && payment.amount.is_zero() {
            return Ok(skipped(
                "the payment is not applied to anything Intacct knows",
            ));
        }
        let customer = payment
            .customer
            .as_ref()
            .ok_or_else(|| WriteFailure::Operator {
                code: Code::SyncPaymentWithoutCustomer,
                message: format!("payment {id} has no customer"),
            })?;
        let customer_id = self.intacct_customer_id(conn, customer).await?;
        let key = self
            .post_payment(conn, &payment, &customer_id, plan)
            .await
            .map_err(over_application_waits)?;
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Payment,
                invoiced_id: &payment.id.to_string(),
                intacct_key: &key,
                intacct_number: Some(payment_reference(&payment)),
                origin: Origin::Invoiced,
                source_version: None,
            },
        )
        .await?;
        self.map_fee_invoice(conn, payment.id).await?;
        Ok(Outcome::Written { key })
    }

    /// Maps a posted payment's convenience-fee invoice, if it has one. Only a posted payment's
    /// fee invoice is mapped: one whose payment fails is deleted, and a retry makes another.
    async fn map_fee_invoice(&self, conn: &Connection, id: PaymentId) -> Result<(), WriteFailure> {
        let create = IntentKey {
            connection: conn.config.id.clone(),
            record_type: RecordType::ConvenienceFee,
            invoiced_id: id.to_string(),
            operation: Operation::Create,
        };
        if let Some(IntentState::Succeeded { intacct_key }) =
            self.store.get_intent(&create).await?.map(|i| i.state)
        {
            self.record_written(
                conn,
                Link {
                    record_type: RecordType::ConvenienceFee,
                    invoiced_id: &id.to_string(),
                    intacct_key: &intacct_key,
                    intacct_number: Some(fee_invoice_number(id)),
                    origin: Origin::Invoiced,
                    source_version: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Resolves every application to Intacct keys, parking the payment on the first record
    /// that is not in Intacct yet.
    async fn plan_payment(
        &self,
        conn: &Connection,
        payment: &Payment,
    ) -> Result<PaymentPlan, WriteFailure> {
        let mut plan = PaymentPlan {
            invoice_items: Vec::new(),
            credits: Vec::new(),
            fee: Decimal::ZERO,
        };
        for row in &payment.applied_to {
            match row {
                AppliedTo::Invoice(a) => {
                    let invoice_key = self
                        .mapped_key(conn, RecordType::Invoice, &a.invoice.to_string())
                        .await?;
                    plan.invoice_items.push(ArPaymentItem {
                        invoice_key,
                        amount: a.amount,
                    });
                }
                AppliedTo::CreditNote(a) => {
                    let Some(invoice) = a.invoice else {
                        // Applied to an estimate or the customer's balance: nothing in Intacct
                        // to apply it to.
                        continue;
                    };
                    let credit_key = self
                        .mapped_key(conn, RecordType::CreditNote, &a.credit_note.to_string())
                        .await?;
                    let invoice_key = self
                        .mapped_key(conn, RecordType::Invoice, &invoice.to_string())
                        .await?;
                    plan.credits.push(CreditApplication {
                        credit_key,
                        invoice_key,
                        amount: a.amount,
                    });
                }
                AppliedTo::ConvenienceFee(a) => plan.fee += a.amount,
                // Money left on account: Intacct keeps the unapplied part of the payment as an
                // overpayment, which is the same thing.
                AppliedTo::Credit(_) => {}
                // Spending an earlier credit balance is an application of an Intacct
                // overpayment, which the operator makes in Intacct (like credit applications
                // of a voided payment).
                AppliedTo::AppliedCredit(_) => {
                    tracing::info!("applied_credit row left to the operator");
                }
                AppliedTo::Other(value) => {
                    return Err(WriteFailure::Operator {
                        code: Code::SyncUnsupportedApplication,
                        message: format!(
                            "payment {} has an application of kind {:?} ({value})",
                            payment.id,
                            row.kind()
                        ),
                    });
                }
            }
        }
        Ok(plan)
    }

    /// The Intacct key of a mapped record, or a park on it.
    async fn mapped_key(
        &self,
        conn: &Connection,
        record_type: RecordType,
        invoiced_id: &str,
    ) -> Result<String, WriteFailure> {
        match self
            .store
            .mapping_by_invoiced(&conn.config.id, record_type, invoiced_id)
            .await?
        {
            Some(m) => Ok(m.intacct_key),
            None => Err(WriteFailure::Park {
                dependency: Dependency {
                    record_type,
                    invoiced_id: invoiced_id.to_owned(),
                },
                reason: format!("{record_type} {invoiced_id} is not in Intacct yet"),
            }),
        }
    }

    async fn post_payment(
        &self,
        conn: &Connection,
        payment: &Payment,
        customer_id: &str,
        plan: PaymentPlan,
    ) -> Result<String, WriteFailure> {
        let config = &conn.config;
        let currency = payment.currency.to_string().to_lowercase();
        let method = payment.method.to_string();
        let route =
            select_route(&config.accounts.payment_routes, &currency, &method).ok_or_else(|| {
                WriteFailure::Operator {
                    code: Code::SyncNoPaymentRoute,
                    message: format!(
                        "no payment route matches currency {currency}, method {method}"
                    ),
                }
            })?;
        let mut items = plan.invoice_items;
        let mut overpayment = DimensionIds::default();
        match &config.convenience_fees {
            ConvenienceFees::Invoice {
                gl_account,
                dimensions,
            } if !plan.fee.is_zero() => {
                let fee_key = self
                    .convenience_fee_invoice(
                        conn,
                        payment,
                        customer_id,
                        plan.fee,
                        gl_account,
                        dimensions,
                    )
                    .await?;
                items.push(ArPaymentItem {
                    invoice_key: fee_key,
                    amount: plan.fee,
                });
            }
            ConvenienceFees::Invoice { .. } => {}
            ConvenienceFees::Overpayment { dimensions } => overpayment = dimensions.clone(),
        }
        let date = day(conn, payment.date);
        let mut functions: Vec<Function> = Vec::new();
        if !payment.amount.is_zero() {
            let mut create = CreateArPayment::new(
                customer_id,
                payment.amount,
                date,
                intacct_method(&payment.method, is_foreign(conn, &currency)),
            );
            create.account = Some(match &route.deposit {
                Deposit::BankAccount(id) => PaymentAccount::BankAccount(id.clone()),
                Deposit::UndepositedFunds(gl) => PaymentAccount::UndepositedFunds(gl.clone()),
            });
            create.ref_id = Some(payment_reference(payment));
            create.currency = Some(currency_info(conn, &currency, date));
            let applied: Decimal = items.iter().map(|i| i.amount).sum();
            if applied < payment.amount {
                create.overpay_location_id = overpayment.location_id.clone();
                create.overpay_department_id = overpayment.department_id.clone();
            }
            create.items = items;
            functions.push(create.into());
        }
        for credit in plan.credits {
            let apply = ApplyArPayment {
                ar_payment_key: credit.credit_key,
                payment_date: date,
                batch_key: None,
                memo: Some(credit_application_memo(payment.id)),
                overpay_location_id: None,
                overpay_department_id: None,
                items: vec![ArPaymentItem {
                    invoice_key: credit.invoice_key,
                    amount: credit.amount,
                }],
            };
            functions.push(apply.into());
        }
        let has_create = !payment.amount.is_zero();
        let build = move |control: &str| {
            functions
                .iter()
                .enumerate()
                .map(|(i, function)| FunctionCall::new(call_id(control, i + 1), function.clone()))
                .collect()
        };
        self.post_once(
            conn,
            ExactlyOnce {
                key: IntentKey {
                    connection: config.id.clone(),
                    record_type: RecordType::Payment,
                    invoiced_id: payment.id.to_string(),
                    operation: Operation::Create,
                },
                build: &build,
                locator: has_create.then(|| payment_locator(payment)),
                key_of: first_key,
            },
        )
        .await
    }

    /// The `CF-<payment id>` invoice the convenience fee is applied to, created once.
    async fn convenience_fee_invoice(
        &self,
        conn: &Connection,
        payment: &Payment,
        customer_id: &str,
        fee: Decimal,
        gl_account: &str,
        dimensions: &DimensionIds,
    ) -> Result<String, WriteFailure> {
        let number = fee_invoice_number(payment.id);
        let mut line = ArLineItem::new(LineAccount::GlAccountNo(gl_account.to_owned()), fee);
        line.memo = Some("Convenience Fee".into());
        line.customer_id = Some(customer_id.to_owned());
        line.location_id = dimensions
            .location_id
            .clone()
            .or_else(|| conn.config.line_items.location_id.clone());
        line.department_id = dimensions
            .department_id
            .clone()
            .or_else(|| conn.config.line_items.department_id.clone());
        line.project_id.clone_from(&dimensions.project_id);
        line.class_id.clone_from(&dimensions.class_id);
        let date = day(conn, payment.date);
        let mut create = CreateInvoice::new(customer_id, date, vec![line]);
        create.date_due = Some(date);
        create.invoice_no = Some(number.clone());
        create.description = Some(format!(
            "Convenience fee of Invoiced payment {}",
            payment.id
        ));
        create.currency = Some(currency_info(conn, &payment.currency.to_string(), date));
        self.create_document(
            conn,
            NewDocument {
                record_type: RecordType::ConvenienceFee,
                invoiced_id: &payment.id.to_string(),
                number: &number,
                object: "ARINVOICE",
                function: create.into(),
            },
        )
        .await
    }

    /// A payment voided (or deleted) in Invoiced: reverse it in Intacct if it got there,
    /// whether or not its create's answer was ever seen.
    async fn void_payment(
        &self,
        conn: &Connection,
        id: PaymentId,
        mapping: Option<crate::model::Mapping>,
        locator: Option<crate::model::RecordLocator>,
    ) -> Result<Outcome, WriteFailure> {
        let intacct_key = match mapping {
            Some(m) => Some(m.intacct_key),
            None => {
                self.created_before_void(conn, RecordType::Payment, &id.to_string(), locator)
                    .await?
            }
        };
        let outcome = match intacct_key {
            Some(key) if !key.starts_with("applied:") => {
                self.reverse_payment(conn, id, &key).await?
            }
            Some(_) => skipped(
                "the payment only applied credits in Intacct; reverse those applications there",
            ),
            None => skipped("voided before it reached Intacct"),
        };
        // The convenience-fee invoice lives and dies with its payment (the payment's reversal
        // has just reopened it in Intacct).
        self.reverse_fee_invoice(conn, id).await?;
        Ok(outcome)
    }

    /// Reverses the `CF-<payment id>` invoice of a voided payment, if one reached Intacct.
    async fn reverse_fee_invoice(
        &self,
        conn: &Connection,
        id: PaymentId,
    ) -> Result<(), WriteFailure> {
        let number = fee_invoice_number(id);
        let fee_key = self
            .created_before_void(
                conn,
                RecordType::ConvenienceFee,
                &id.to_string(),
                Some(document_locator("ARINVOICE", &number)),
            )
            .await?;
        let Some(fee_key) = fee_key else {
            return Ok(());
        };
        let reverse = ReverseInvoice {
            key: fee_key,
            date_reversed: day(conn, self.clock.now()),
            description: Some(format!("Payment {id} voided on Invoiced")),
        };
        self.post_one(
            conn,
            SingleWrite {
                key: IntentKey {
                    connection: conn.config.id.clone(),
                    record_type: RecordType::ConvenienceFee,
                    invoiced_id: id.to_string(),
                    operation: Operation::Void,
                },
                function: reverse.into(),
                locator: None,
                key_of: |results| first_key(results).or_else(|| Some(String::from("reversed"))),
            },
        )
        .await?;
        Ok(())
    }

    /// A payment that ends as an error must not leave its convenience-fee invoice open in
    /// Intacct: the `CF-<payment id>` invoice made for it (nothing was applied to it) is
    /// deleted, and its create is reopened so a retry of the payment makes it again. Returns the
    /// error's message, saying what became of the fee invoice.
    pub(crate) async fn discard_fee_invoice(&self, work: &WorkItem, message: String) -> String {
        if work.record_type != RecordType::Payment || work.operation != Operation::Create {
            return message;
        }
        let number = PaymentId::parse(&work.invoiced_id)
            .map(fee_invoice_number)
            .unwrap_or_default();
        match self.delete_fee_invoice(work).await {
            Ok(false) => message,
            Ok(true) => format!(
                "{message}. Its convenience-fee invoice {number} was deleted from Intacct, so \
                 nothing of the payment stays open; a retry creates it again"
            ),
            Err(e) => format!(
                "{message}. Its convenience-fee invoice {number} could not be deleted ({e}): \
                 delete it in Intacct"
            ),
        }
    }

    async fn delete_fee_invoice(&self, work: &WorkItem) -> Result<bool, String> {
        // Only when the payment itself certainly did not reach Intacct: a posted payment (or
        // one whose outcome is unknown) has the fee applied to its invoice.
        let payment = IntentKey {
            connection: work.connection.clone(),
            record_type: RecordType::Payment,
            invoiced_id: work.invoiced_id.clone(),
            operation: Operation::Create,
        };
        let payment_state = self
            .store
            .get_intent(&payment)
            .await
            .map_err(|e| e.to_string())?
            .map(|i| i.state);
        if !matches!(payment_state, None | Some(IntentState::Failed { .. })) {
            return Ok(false);
        }
        let create = IntentKey {
            record_type: RecordType::ConvenienceFee,
            ..payment
        };
        let intent = self
            .store
            .get_intent(&create)
            .await
            .map_err(|e| e.to_string())?;
        let Some(intent) = intent else {
            return Ok(false);
        };
        let IntentState::Succeeded { intacct_key } = &intent.state else {
            return Ok(false);
        };
        let conn = self
            .connection(&work.connection)
            .await
            .map_err(|e| e.to_string())?;
        let delete = Delete {
            object: "ARINVOICE".into(),
            keys: vec![intacct_key.clone()],
        };
        let request = Request::write(ControlId::random()).call(FunctionCall::random(delete));
        let response = self
            .call_intacct(&conn, &request)
            .await
            .map_err(|e| format!("{e:?}"))?;
        response.check_results().map_err(|e| e.to_string())?;
        // Its record is gone: the next create of this fee probes, finds nothing, and writes anew.
        self.store
            .transition_intent(
                &intent,
                IntentState::Failed {
                    code: Code::SyncDuplicateControlId.as_str().to_owned(),
                },
                intent.generation,
                self.clock.now(),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(true)
    }

    async fn reverse_payment(
        &self,
        conn: &Connection,
        id: PaymentId,
        intacct_key: &str,
    ) -> Result<Outcome, WriteFailure> {
        let reverse = ReverseArPayment {
            key: intacct_key.to_owned(),
            date_reversed: day(conn, self.clock.now()),
            description: Some("Voided on Invoiced".into()),
        };
        self.post_one(
            conn,
            SingleWrite {
                key: IntentKey {
                    connection: conn.config.id.clone(),
                    record_type: RecordType::Payment,
                    invoiced_id: id.to_string(),
                    operation: Operation::Void,
                },
                function: reverse.into(),
                locator: None,
                key_of: |_| Some(String::from("reversed")),
            },
        )
        .await?;
        Ok(Outcome::Written {
            key: intacct_key.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_above_what_is_open_now_is_retried() {
        let refused = WriteFailure::Operator {
            code: Code::IntacctFunctionFailed,
            message: "Intacct create_arpayment (c-1) Failure: BL01001973 The amount 494.35 \
                      applied to invoice 1611 exceeds its amount due 0.00."
                .into(),
        };
        assert!(matches!(
            over_application_waits(refused),
            WriteFailure::Retry { code, .. } if code == Code::SyncAppliedMoreThanOpen
        ));
        let other = WriteFailure::Operator {
            code: Code::IntacctFunctionFailed,
            message: "BL01001973 Invalid customer".into(),
        };
        assert!(matches!(
            over_application_waits(other),
            WriteFailure::Operator { .. }
        ));
    }
}
