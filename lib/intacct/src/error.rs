//! Client errors, and what happened to the request each one ended ([`ErrorClass`]): refused
//! before it ran because Intacct sheds load (throttled), did not run (transient), may have run
//! (unknown outcome), refused the credentials (authentication), or ran and was refused
//! (needs operator: retrying it unchanged fails again). [`crate::classify`] answers it;
//! [`crate::failure_of`] names the known failure.
//!
//! This module sits above [`crate::response`]: a failed result becomes an [`Error`] here, so the
//! response parser never needs the error type.

use crate::response::{ErrorDetail, FunctionResult, ParseError, Response, ResultStatus};

/// What went wrong at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Could not connect (DNS, refused, TLS): nothing was sent.
    Connect,
    /// Timed out before the request was fully sent.
    TimeoutBeforeSend,
    /// Timed out waiting for the response: the request may have executed.
    TimeoutAfterSend,
    /// Connection broke mid-exchange, or reading the body failed.
    Interrupted,
}

/// Everything the client can fail with. Never constructed from a panic: malformed input
/// always ends up here.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The request was rejected before sending (limits, missing parts).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Network failure.
    #[error("transport error ({kind:?}): {message}")]
    Transport {
        /// What happened.
        kind: TransportKind,
        /// Underlying message.
        message: String,
        /// The request contained a write.
        write: bool,
    },
    /// A non-200 HTTP status whose body was not an Intacct XML response.
    #[error("HTTP {status} from Intacct")]
    Http {
        /// HTTP status.
        status: u16,
        /// First bytes of the body, for the operator.
        body_excerpt: String,
        /// The request contained a write.
        write: bool,
    },
    /// A body that could not be parsed as an Intacct response.
    #[error("unreadable Intacct response (HTTP {status}): {source}")]
    InvalidResponse {
        /// HTTP status.
        status: u16,
        /// Parse failure.
        #[source]
        source: ParseError,
        /// The request contained a write.
        write: bool,
    },
    /// Control-level failure: nothing was executed.
    #[error("Intacct control failure (HTTP {status}): {}", join(errors))]
    Control {
        /// HTTP status it came with (401 for XMLGW_JPP0002).
        status: u16,
        /// The errors.
        errors: Vec<ErrorDetail>,
    },
    /// Authentication failure: no function was executed.
    #[error("Intacct authentication failure: {}", join(errors))]
    Authentication {
        /// The errors.
        errors: Vec<ErrorDetail>,
    },
    /// A function result that was not `success`.
    #[error("Intacct {function} ({control_id}) {status:?}: {}", join(errors))]
    Function {
        /// Function name.
        function: String,
        /// Function control id.
        control_id: String,
        /// Failure or aborted.
        status: ResultStatus,
        /// The errors.
        errors: Vec<ErrorDetail>,
    },
    /// A response that lacks something the client needed (e.g. a session id, a result for a
    /// function that was sent).
    #[error("incomplete Intacct response: {0}")]
    MissingResult(String),
}

fn join(errors: &[ErrorDetail]) -> String {
    errors
        .iter()
        .map(ErrorDetail::message)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// The Intacct `<error>`s carried, if any.
    pub fn details(&self) -> &[ErrorDetail] {
        match self {
            Self::Control { errors, .. }
            | Self::Authentication { errors }
            | Self::Function { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The HTTP status, when one was received.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. }
            | Self::InvalidResponse { status, .. }
            | Self::Control { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when any carried error matches `pred`.
    pub fn any_detail(&self, pred: impl Fn(&ErrorDetail) -> bool) -> bool {
        self.details().iter().any(pred)
    }
}

impl FunctionResult {
    /// The result as an error, `None` when it succeeded.
    pub fn error(&self) -> Option<Error> {
        (!self.is_success()).then(|| Error::Function {
            function: self.function.clone(),
            control_id: self.control_id.clone(),
            status: self.status,
            errors: self.errors.clone(),
        })
    }

    /// `Ok(self)` on success, otherwise [`Error::Function`] (also for `aborted`).
    pub fn ensure_success(self) -> Result<Self, Error> {
        match self.error() {
            None => Ok(self),
            Some(e) => Err(e),
        }
    }
}

impl Response {
    /// `Ok` when every function succeeded. Otherwise the first `failure` (the cause), or
    /// the first `aborted` result if no function failed outright.
    pub fn check_results(&self) -> Result<(), Error> {
        let results = self.results();
        let failing = results
            .iter()
            .find(|r| r.status == ResultStatus::Failure)
            .or_else(|| results.iter().find(|r| r.status == ResultStatus::Aborted));
        match failing.and_then(FunctionResult::error) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// What happened to the request an error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Intacct is shedding load: the request did not run; the same request later will.
    Throttled,
    /// The request did not run (or was a read): the same request again is safe.
    Transient,
    /// A write may or may not have run.
    UnknownOutcome,
    /// The credentials are wrong or not authorised.
    Authentication,
    /// Intacct ran the request and refused it (data, configuration, or the request itself):
    /// the same request again fails again.
    NeedsOperator,
}

/// Texts that mean "too busy, try later" wherever they appear in an error.
const THROTTLE_MARKERS: &[&str] = &[
    "XMLGW_JPP0001",
    "GW-0010",
    "too many operations",
    "rate limit exceeded",
    "try again later",
];

/// Texts that mean a short outage rather than a data problem.
const OUTAGE_MARKERS: &[&str] = &["temporarily off-line", "temporarily offline"];

/// True when an Intacct error says the company or client is being throttled.
pub fn is_throttle_detail(d: &ErrorDetail) -> bool {
    THROTTLE_MARKERS.iter().any(|m| d.mentions(m))
}

/// True when an Intacct error announces a maintenance outage.
pub fn is_outage_detail(d: &ErrorDetail) -> bool {
    OUTAGE_MARKERS.iter().any(|m| d.mentions(m))
}

/// True for the authentication errors that mean "this session is no longer valid", which the
/// client answers with one fresh login.
pub fn is_invalid_session_detail(d: &ErrorDetail) -> bool {
    d.mentions("invalid session")
        || d.mentions("session has expired")
        || d.mentions("session expired")
}
