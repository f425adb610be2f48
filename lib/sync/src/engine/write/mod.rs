//! The write side: bring an Invoiced record to Intacct. Each record type has its own module;
//! this one dispatches, settles failures (retry, reconciliation error, parking) and holds the
//! helpers they share.

mod credit_note;
mod customer;
mod document;
mod invoice;
mod payment;

pub(crate) use super::records::{Link, invoiced_failure};
pub(crate) use crate::mapping::identity::IMPORTED_MARKER;

use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;

use super::exactly_once::{CreateFate, SingleWrite};
use super::gateway::{WriteFailure, first_key, locator};
use super::{Connection, Engine, EngineError, Outcome};
use crate::catalogue::Code;
use crate::config::RecordType;
use crate::model::{
    Direction, IntentKey, NewReconciliationError, Operation, Origin, ReconciliationError,
    RecordLocator, RetryMessage, WorkItem,
};
use crate::retry::RetryDecision;

/// How long work for a paused connection waits before it is looked at again.
const PAUSED_RECHECK: Duration = Duration::from_secs(15 * 60);

impl Engine {
    /// Brings one Invoiced record to Intacct and settles the result durably.
    pub(crate) async fn process(
        &self,
        conn: &Connection,
        work: &WorkItem,
        attempt: u32,
    ) -> Result<Outcome, EngineError> {
        if !conn.config.enabled {
            self.requeue(work.clone(), Code::SyncConnectionPaused, PAUSED_RECHECK)
                .await?;
            return Ok(Outcome::Queued {
                reason: Code::SyncConnectionPaused,
                delay: PAUSED_RECHECK,
            });
        }
        if !conn.config.flows.write.includes(work.record_type) {
            return Ok(skipped(format!(
                "writing {}s to Intacct is off for this connection",
                work.record_type
            )));
        }
        let span = tracing::info_span!(
            "write",
            connection = %work.connection,
            record_type = %work.record_type,
            id = %work.invoiced_id,
            attempt
        );
        let _entered = span.enter();
        let result = match work.record_type {
            RecordType::Customer => self.write_customer(conn, work).await,
            RecordType::Invoice | RecordType::CreditNote => self.write_document(conn, work).await,
            RecordType::Payment | RecordType::ConvenienceFee => {
                self.write_payment(conn, work).await
            }
        };
        self.settle(work, attempt, result).await
    }

    async fn settle(
        &self,
        work: &WorkItem,
        attempt: u32,
        result: Result<Outcome, WriteFailure>,
    ) -> Result<Outcome, EngineError> {
        let now = self.clock.now();
        match result {
            Ok(outcome) => {
                // Written, already done or skipped by rule: nothing left for an operator.
                if matches!(
                    outcome,
                    Outcome::Written { .. } | Outcome::AlreadyDone | Outcome::Skipped { .. }
                ) {
                    let id = ReconciliationError::id_for(
                        Direction::Write,
                        work.record_type,
                        &work.invoiced_id,
                    );
                    self.resolve_error(&work.connection, &id).await?;
                }
                tracing::info!(?outcome, "write settled");
                Ok(outcome)
            }
            Err(WriteFailure::Engine(e)) => Err(e),
            Err(WriteFailure::Park { dependency, reason }) => {
                self.store.park(&dependency, work, &reason, now).await?;
                tracing::info!(%reason, "parked until its dependency reaches Intacct");
                Ok(Outcome::Parked {
                    waiting_for: dependency,
                })
            }
            Err(WriteFailure::Wait {
                code,
                message,
                delay,
            }) => {
                // Another function is on the same record right now: look again later, without
                // spending an attempt (a race is not a failure of Intacct's).
                self.enqueue(
                    RetryMessage {
                        work: work.clone(),
                        attempt,
                        reason: code.as_str().to_owned(),
                        not_before: None,
                    },
                    delay,
                )
                .await?;
                tracing::info!(detail = %message, ?delay, "another function is on this record; looking again later");
                Ok(Outcome::Queued {
                    reason: code,
                    delay,
                })
            }
            Err(WriteFailure::Retry { code, message }) => {
                let decision = self.settings.retry.decide(attempt, &mut *self.jitter_rng());
                match decision {
                    RetryDecision::RetryAfter(delay) => {
                        let message_out = RetryMessage {
                            work: work.clone(),
                            attempt: attempt + 1,
                            reason: code.as_str().to_owned(),
                            not_before: None,
                        };
                        self.enqueue(message_out, delay).await?;
                        tracing::warn!(%code, detail = %message, ?delay, "queued for retry");
                        Ok(Outcome::Queued {
                            reason: code,
                            delay,
                        })
                    }
                    RetryDecision::Exhausted => {
                        let message = self.discard_fee_invoice(work, message).await;
                        self.record_failure(work, code, message, now).await
                    }
                }
            }
            Err(WriteFailure::Operator { code, message }) => {
                let message = self.discard_fee_invoice(work, message).await;
                self.record_failure(work, code, message, now).await
            }
        }
    }

    async fn record_failure(
        &self,
        work: &WorkItem,
        code: Code,
        message: String,
        now: DateTime<Utc>,
    ) -> Result<Outcome, EngineError> {
        tracing::error!(%code, detail = %message, "reconciliation error");
        let error = self
            .store
            .record_error(
                NewReconciliationError {
                    connection: work.connection.clone(),
                    direction: Direction::Write,
                    record_type: work.record_type,
                    record_id: work.invoiced_id.clone(),
                    operation: work.operation,
                    code: code.as_str().to_owned(),
                    message,
                    fix: code.fix().to_owned(),
                },
                now,
            )
            .await?;
        Ok(Outcome::Failed {
            error_id: error.id,
            code,
        })
    }

    /// Creates a numbered document exactly once (probing by its number after a lost answer)
    /// and maps it; returns its Intacct key.
    pub(crate) async fn create_document(
        &self,
        conn: &Connection,
        document: NewDocument<'_>,
    ) -> Result<String, WriteFailure> {
        let key = self
            .post_one(
                conn,
                SingleWrite {
                    key: IntentKey {
                        connection: conn.config.id.clone(),
                        record_type: document.record_type,
                        invoiced_id: document.invoiced_id.to_owned(),
                        operation: Operation::Create,
                    },
                    function: document.function,
                    locator: Some(document_locator(document.object, document.number)),
                    key_of: first_key,
                },
            )
            .await?;
        // A convenience-fee invoice is mapped once its payment is posted (a payment that ends
        // as an error deletes it, and a retry makes another, which a mapping would refuse).
        if document.record_type != RecordType::ConvenienceFee {
            self.record_written(
                conn,
                Link {
                    record_type: document.record_type,
                    invoiced_id: document.invoiced_id,
                    intacct_key: &key,
                    intacct_number: Some(document.number.to_owned()),
                    origin: Origin::Invoiced,
                    source_version: None,
                },
            )
            .await?;
        }
        Ok(key)
    }

    /// For a record voided in Invoiced and not mapped: the Intacct key of its create if any
    /// request of the create reached Intacct (mapped now, so it can be reversed), or `None`
    /// when it never did (and now never will).
    pub(crate) async fn created_before_void(
        &self,
        conn: &Connection,
        record_type: RecordType,
        invoiced_id: &str,
        current: Option<RecordLocator>,
    ) -> Result<Option<String>, WriteFailure> {
        let key = IntentKey {
            connection: conn.config.id.clone(),
            record_type,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        };
        let number = current.as_ref().map(|l| l.value.clone());
        match self.settle_create_for_void(conn, key, current).await? {
            CreateFate::NeverApplied => Ok(None),
            CreateFate::Applied(intacct_key) => {
                self.record_written(
                    conn,
                    Link {
                        record_type,
                        invoiced_id,
                        intacct_key: &intacct_key,
                        intacct_number: number,
                        origin: Origin::Invoiced,
                        source_version: None,
                    },
                )
                .await?;
                Ok(Some(intacct_key))
            }
        }
    }
}

/// How a document created with `number` is found: its RECORDID.
pub(crate) fn document_locator(object: &str, number: &str) -> crate::model::RecordLocator {
    locator(object, "RECORDID", number)
}

/// An Intacct document created from an Invoiced one, identified by its document number.
pub(crate) struct NewDocument<'a> {
    /// Record type (also the mapping's namespace).
    pub record_type: RecordType,
    /// The Invoiced record.
    pub invoiced_id: &'a str,
    /// Document number sent to Intacct (RECORDID), which is also how a lost answer is found.
    pub number: &'a str,
    /// The object the create makes (`ARINVOICE`, `ARADJUSTMENT`).
    pub object: &'static str,
    /// The create function.
    pub function: intacct::Function,
}

/// Parses an Invoiced id of a work item.
pub(crate) fn parse_id<T: std::str::FromStr>(work: &WorkItem) -> Result<T, WriteFailure> {
    work.invoiced_id
        .parse()
        .map_err(|_| WriteFailure::Operator {
            code: Code::SyncBadId,
            message: format!(
                "{:?} is not an Invoiced {} id",
                work.invoiced_id, work.record_type
            ),
        })
}

pub(crate) fn skipped(reason: impl Into<String>) -> Outcome {
    Outcome::Skipped {
        reason: reason.into(),
    }
}

/// Intacct's exchange-rate type for the written documents of a multi-currency company.
pub(crate) const EXCHANGE_RATE_TYPE: &str = "Intacct Daily Rate";

/// Whether `currency` is other than the company's base currency (`false` when that is not
/// configured).
pub(crate) fn is_foreign(conn: &Connection, currency: &str) -> bool {
    conn.config
        .intacct
        .base_currency
        .as_deref()
        .is_some_and(|base| !base.eq_ignore_ascii_case(currency))
}

/// The currency block of a write dated `date`: the currency, and for one other than the
/// company's base currency also the base currency and Intacct's daily rate on that date.
pub(crate) fn currency_info(
    conn: &Connection,
    currency: &str,
    date: NaiveDate,
) -> intacct::functions::CurrencyInfo {
    let foreign = is_foreign(conn, currency);
    intacct::functions::CurrencyInfo {
        base_currency: foreign
            .then(|| conn.config.intacct.base_currency.clone())
            .flatten()
            .map(|b| b.to_uppercase()),
        currency: currency.to_uppercase(),
        exchange: foreign.then(|| intacct::functions::ExchangeRate::Type {
            date: Some(date),
            rate_type: EXCHANGE_RATE_TYPE.into(),
        }),
    }
}

/// The calendar date of an Invoiced timestamp in the company's time zone, as Intacct wants
/// document dates.
pub(crate) fn day(conn: &Connection, timestamp: DateTime<Utc>) -> NaiveDate {
    crate::mapping::dates::company_day(conn.config.intacct.time_zone, timestamp)
}

/// Whether a document dated `date` is before the connection's start date.
pub(crate) fn before_start(conn: &Connection, date: DateTime<Utc>) -> bool {
    conn.config
        .read
        .start_date
        .is_some_and(|start| day(conn, date) < start)
}
