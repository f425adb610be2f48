//! Calls to Intacct, bounded per connection by leases shared across every function; read-back
//! probes; and what the engine does next after a failure. Exactly-once writes build on these in
//! `exactly_once`.

use intacct::functions::{Filter, Query};
use intacct::{ControlId, ErrorClass, FunctionResult, Request, Response};
use rand::Rng;
use std::time::{Duration, Instant};

use super::{Connection, Engine, EngineError};
use crate::catalogue::Code;
use crate::model::{Dependency, RecordLocator};
use crate::ports::StoreError;

/// Why a write could not complete now, and what to do about it.
#[derive(Debug)]
pub(crate) enum WriteFailure {
    /// Try again later with backoff (throttled, transient, unknown outcome, busy).
    Retry {
        /// Catalogue code.
        code: Code,
        /// What happened.
        message: String,
    },
    /// An operator must act; retrying unchanged will fail again. The fix is the code's.
    Operator {
        /// Catalogue code.
        code: Code,
        /// What happened: the other system's error text, or the sync's with the record's
        /// details.
        message: String,
    },
    /// Someone else is working on the same write (or the record was voided meanwhile): look
    /// again after `delay`, without spending an attempt.
    Wait {
        /// Catalogue code.
        code: Code,
        /// What is happening.
        message: String,
        /// When to look again.
        delay: Duration,
    },
    /// Wait for another record to be written first.
    Park {
        /// What to wait for.
        dependency: Dependency,
        /// Why, for operators.
        reason: String,
    },
    /// The store or queue failed: the outcome cannot be made durable.
    Engine(EngineError),
}

impl From<StoreError> for WriteFailure {
    fn from(value: StoreError) -> Self {
        WriteFailure::Engine(EngineError::Store(value))
    }
}

impl From<EngineError> for WriteFailure {
    fn from(value: EngineError) -> Self {
        WriteFailure::Engine(value)
    }
}

/// Why a gateway call failed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// No concurrency slot came free within the wait; nothing was sent.
    Busy,
    /// Intacct (or the transport) failed.
    Intacct(intacct::Error),
    /// The lease store failed; nothing was sent.
    Store(StoreError),
}

impl CallError {
    /// The failure as a write failure. `write` says whether the request carried a write, which
    /// decides whether a lost answer is an unknown outcome.
    pub(crate) fn into_failure(self) -> WriteFailure {
        match self {
            CallError::Busy => WriteFailure::Retry {
                code: Code::SyncIntacctBusy,
                message: "every Intacct concurrency slot of this connection stayed busy".into(),
            },
            CallError::Store(e) => e.into(),
            CallError::Intacct(e) => intacct_failure(&e),
        }
    }
}

/// Classifies an Intacct error into what the engine does next.
pub(crate) fn intacct_failure(error: &intacct::Error) -> WriteFailure {
    let code = Code::of_intacct(error.failure());
    let message = error.to_string();
    match error.class() {
        ErrorClass::Throttled | ErrorClass::Transient | ErrorClass::UnknownOutcome => {
            WriteFailure::Retry { code, message }
        }
        ErrorClass::Authentication | ErrorClass::NeedsOperator => {
            WriteFailure::Operator { code, message }
        }
    }
}

/// Function control ids of one request: the intent's control id plus the call's position.
pub(crate) fn call_id(control_id: &str, position: usize) -> ControlId {
    ControlId::parse(format!("{control_id}-{position}")).unwrap_or_else(|_| ControlId::random())
}

/// The `<key>` of the first result that has one, else the RECORDNO of the first data row.
pub(crate) fn first_key(results: &[FunctionResult]) -> Option<String> {
    results.iter().find_map(|r| {
        r.key.clone().or_else(|| {
            r.data
                .as_ref()
                .and_then(|d| d.records.first())
                .and_then(|row| row.non_empty("RECORDNO").map(str::to_owned))
        })
    })
}

impl Engine {
    /// Sends a request while holding one of the connection's concurrency slots.
    pub(crate) async fn call_intacct(
        &self,
        conn: &Connection,
        request: &Request,
    ) -> Result<Response, CallError> {
        let id = &conn.config.id;
        let slots = conn.config.intacct.max_concurrent_requests;
        let holder = format!("{}-{:016x}", self.settings.instance, rand::random::<u64>());
        let started = Instant::now();
        let lease = loop {
            let now = self.clock.now();
            match self
                .store
                .try_acquire_lease(id, slots, &holder, self.settings.lease_ttl, now)
                .await
            {
                Ok(Some(lease)) => break lease,
                Ok(None) if started.elapsed() >= self.settings.lease_wait => {
                    return Err(CallError::Busy);
                }
                Ok(None) => {
                    let pause = self.jitter_rng().random_range(20..=200);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                Err(e) => return Err(CallError::Store(e)),
            }
        };
        // Customers are shared across entities when the connection says so: requests about
        // customers alone go through a top-level session.
        let gateway = if request.concerns_only("CUSTOMER") {
            &conn.intacct_customers
        } else {
            &conn.intacct
        };
        let result = gateway.execute(request).await;
        if let Err(e) = self.store.release_lease(&lease).await {
            // The lease expires on its own; losing the release only delays the next caller.
            tracing::warn!(connection = %id, error = %e, "could not release Intacct lease");
        }
        if let Err(e) = &result
            && e.class() == ErrorClass::Authentication
        {
            // Maybe the password was rotated: the next attempt reloads the credentials.
            self.secrets.invalidate(id).await;
        }
        result.map_err(CallError::Intacct)
    }

    /// Sends a request of one read function and returns its successful result: the one place
    /// a read's answer is interpreted (a failed call, a failed function, or no result at all
    /// each become the engine's failure).
    pub(crate) async fn read_one(
        &self,
        conn: &Connection,
        function: impl Into<intacct::Function>,
    ) -> Result<FunctionResult, WriteFailure> {
        let response = self
            .call_intacct(conn, &Request::read(function))
            .await
            .map_err(CallError::into_failure)?;
        response
            .results()
            .first()
            .cloned()
            .ok_or_else(|| WriteFailure::Retry {
                code: Code::IntacctUnknownOutcome,
                message: "Intacct answered a read without a result".into(),
            })?
            .ensure_success()
            .map_err(|e| intacct_failure(&e))
    }

    /// Looks for the record a locator names; its RECORDNO, or `Ok(None)` when nothing matches.
    pub(crate) async fn probe(
        &self,
        conn: &Connection,
        locator: &RecordLocator,
    ) -> Result<Option<String>, WriteFailure> {
        let query = Query::new(locator.object.clone(), [PROBE_KEY_FIELD])
            .filter(Filter::eq(locator.field.clone(), locator.value.clone()))
            .page_size(2);
        let result = self.read_one(conn, query).await?;
        Ok(result
            .data
            .as_ref()
            .and_then(|d| d.records.first())
            .and_then(|row| row.non_empty(PROBE_KEY_FIELD).map(str::to_owned)))
    }

    /// The first record any of `locators` finds.
    pub(crate) async fn probe_any(
        &self,
        conn: &Connection,
        locators: &[RecordLocator],
    ) -> Result<Option<String>, WriteFailure> {
        for locator in locators {
            if let Some(found) = self.probe(conn, locator).await? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

/// The key a probe returns: every object the engine creates is keyed by RECORDNO.
const PROBE_KEY_FIELD: &str = "RECORDNO";

/// A locator of a record written with `field` = `value`.
pub(crate) fn locator(object: &str, field: &str, value: impl Into<String>) -> RecordLocator {
    RecordLocator {
        object: object.to_owned(),
        field: field.to_owned(),
        value: value.into(),
    }
}
