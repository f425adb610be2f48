//! What an Intacct error is, as wire facts: which known failure it is (throttling, an outage, a
//! refused sign-in, a numbering collision, a payment batch key…), its Intacct error number, and
//! what happened to the request ([`ErrorClass`]: refused before running, may have run, ran and
//! was refused). Which code an operator sees, and the fix, is the sync engine's catalogue
//! (`lib/sync/src/catalogue.rs`), not this crate's.

use crate::error::{
    Error, ErrorClass, TransportKind, is_invalid_session_detail, is_outage_detail,
    is_throttle_detail,
};
use crate::response::{ErrorDetail, ResultStatus};

impl Error {
    /// What happened to the request (see [`classify`]).
    pub fn class(&self) -> ErrorClass {
        classify(self)
    }

    /// Which known failure it is (see [`failure_of`]).
    pub fn failure(&self) -> Failure {
        failure_of(self)
    }
}

/// A known kind of Intacct failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// Intacct is limiting API requests for this company (too many operations running, rate limit, or HTTP 429).
    Throttled,
    /// Intacct is temporarily unavailable (HTTP 5xx or maintenance).
    ServiceUnavailable,
    /// Could not connect to Intacct; nothing was sent.
    TransportConnect,
    /// Intacct did not answer a read in time.
    TransportTimeout,
    /// A write was sent but its result was not received (timeout, HTTP 5xx/524, or an unreadable reply); it may have been saved.
    UnknownOutcome,
    /// Intacct rejected the sign-in (HTTP 401 / sign-in information is incorrect).
    Auth401,
    /// Incorrect Intacct XML Partner (sender) ID or password.
    SenderCredentials,
    /// The Web Services sender ID is not authorised for this company.
    SenderNotAuthorized,
    /// The Intacct API session was rejected even after a fresh sign-in.
    SessionInvalid,
    /// The Intacct company cannot take API requests (expired demo company, or no Web Services subscription).
    CompanyUnavailable,
    /// A transaction with the same number already exists in Intacct.
    NumberingCollision,
    /// Intacct asked for a payment batch key (Please provide a payment batch key).
    PaymentBatchKey,
    /// A requested field does not exist on the Intacct object (or a query used unsupported syntax).
    Dl02000001,
    /// A foreign-currency payment cannot be posted to an undeposited funds account.
    Bl02000051,
    /// A record with the same ID already exists in Intacct.
    DuplicateRecord,
    /// A readMore used an invalid or expired resultId.
    ResultSetExpired,
    /// This function was rolled back because another function in the same transaction failed.
    TransactionRolledBack,
    /// Intacct rejected the request envelope (schema or XML error).
    RequestRejected,
    /// The request was refused before sending (missing lines, limits exceeded).
    InvalidRequest,
    /// Intacct answered with an unexpected HTTP status.
    HttpStatus,
    /// Intacct's reply to a read could not be parsed.
    ResponseUnreadable,
    /// Intacct's reply lacked an expected part (session, result).
    ResponseIncomplete,
    /// Intacct refused the operation.
    FunctionFailed,
}

impl Failure {
    /// Every known failure.
    pub const ALL: &'static [Failure] = &[
        Failure::Throttled,
        Failure::ServiceUnavailable,
        Failure::TransportConnect,
        Failure::TransportTimeout,
        Failure::UnknownOutcome,
        Failure::Auth401,
        Failure::SenderCredentials,
        Failure::SenderNotAuthorized,
        Failure::SessionInvalid,
        Failure::CompanyUnavailable,
        Failure::NumberingCollision,
        Failure::PaymentBatchKey,
        Failure::Dl02000001,
        Failure::Bl02000051,
        Failure::DuplicateRecord,
        Failure::ResultSetExpired,
        Failure::TransactionRolledBack,
        Failure::RequestRejected,
        Failure::InvalidRequest,
        Failure::HttpStatus,
        Failure::ResponseUnreadable,
        Failure::ResponseIncomplete,
        Failure::FunctionFailed,
    ];

    /// The Intacct error number, when there is a single known one.
    pub fn errorno(self) -> Option<&'static str> {
        match self {
            Failure::Throttled => Some("XMLGW_JPP0001"),
            Failure::ServiceUnavailable => None,
            Failure::TransportConnect => None,
            Failure::TransportTimeout => None,
            Failure::UnknownOutcome => None,
            Failure::Auth401 => Some("XMLGW_JPP0002"),
            Failure::SenderCredentials => Some("XL03000006"),
            Failure::SenderNotAuthorized => Some("XL03000006"),
            Failure::SessionInvalid => Some("XL03000006"),
            Failure::CompanyUnavailable => Some("PL04000055"),
            Failure::NumberingCollision => None,
            Failure::PaymentBatchKey => None,
            Failure::Dl02000001 => Some("DL02000001"),
            Failure::Bl02000051 => Some("BL02000051"),
            Failure::DuplicateRecord => Some("BL34000061"),
            Failure::ResultSetExpired => None,
            Failure::TransactionRolledBack => Some("XL03000009"),
            Failure::RequestRejected => Some("XL03000003"),
            Failure::InvalidRequest => None,
            Failure::HttpStatus => None,
            Failure::ResponseUnreadable => None,
            Failure::ResponseIncomplete => None,
            Failure::FunctionFailed => None,
        }
    }

    /// What happened to the request.
    pub fn class(self) -> ErrorClass {
        match self {
            Failure::Throttled => ErrorClass::Throttled,
            Failure::ServiceUnavailable => ErrorClass::Transient,
            Failure::TransportConnect => ErrorClass::Transient,
            Failure::TransportTimeout => ErrorClass::Transient,
            Failure::UnknownOutcome => ErrorClass::UnknownOutcome,
            Failure::Auth401 => ErrorClass::Authentication,
            Failure::SenderCredentials => ErrorClass::Authentication,
            Failure::SenderNotAuthorized => ErrorClass::Authentication,
            Failure::SessionInvalid => ErrorClass::Authentication,
            Failure::CompanyUnavailable => ErrorClass::NeedsOperator,
            Failure::NumberingCollision => ErrorClass::NeedsOperator,
            Failure::PaymentBatchKey => ErrorClass::NeedsOperator,
            Failure::Dl02000001 => ErrorClass::NeedsOperator,
            Failure::Bl02000051 => ErrorClass::NeedsOperator,
            Failure::DuplicateRecord => ErrorClass::NeedsOperator,
            Failure::ResultSetExpired => ErrorClass::Transient,
            Failure::TransactionRolledBack => ErrorClass::NeedsOperator,
            Failure::RequestRejected => ErrorClass::NeedsOperator,
            Failure::InvalidRequest => ErrorClass::NeedsOperator,
            Failure::HttpStatus => ErrorClass::NeedsOperator,
            Failure::ResponseUnreadable => ErrorClass::Transient,
            Failure::ResponseIncomplete => ErrorClass::NeedsOperator,
            Failure::FunctionFailed => ErrorClass::NeedsOperator,
        }
    }
}

/// The known failure an error's details name (business-logic numbers and texts).
fn business_failure(details: &[ErrorDetail]) -> Option<Failure> {
    let any = |f: &dyn Fn(&ErrorDetail) -> bool| details.iter().any(f);
    if any(&|d| d.mentions("a transaction with the number") && d.mentions("already exists")) {
        return Some(Failure::NumberingCollision);
    }
    if any(&|d| d.mentions("payment batch key")) {
        return Some(Failure::PaymentBatchKey);
    }
    if any(&|d| d.errorno == "DL02000001") {
        return Some(Failure::Dl02000001);
    }
    if any(&|d| d.errorno == "BL02000051" || d.mentions("using undeposited fund account")) {
        return Some(Failure::Bl02000051);
    }
    if any(&|d| d.errorno == "BL34000061") {
        return Some(Failure::DuplicateRecord);
    }
    if any(&|d| d.mentions("invalid or expired resultid")) {
        return Some(Failure::ResultSetExpired);
    }
    None
}

/// Which known failure an error is.
pub fn failure_of(error: &Error) -> Failure {
    let details = error.details();
    if details.iter().any(is_throttle_detail) || error.http_status() == Some(429) {
        return Failure::Throttled;
    }
    if details.iter().any(is_outage_detail) {
        return Failure::ServiceUnavailable;
    }
    if let Some(e) = business_failure(details) {
        return e;
    }
    let unknown_or = |write: bool, read: Failure| {
        if write { Failure::UnknownOutcome } else { read }
    };
    let mentions = |needle: &str| details.iter().any(|d| d.mentions(needle));
    match error {
        Error::InvalidRequest(_) => Failure::InvalidRequest,
        Error::MissingResult(_) => Failure::ResponseIncomplete,
        Error::Transport { kind, write, .. } => match kind {
            TransportKind::Connect => Failure::TransportConnect,
            TransportKind::TimeoutBeforeSend => Failure::TransportTimeout,
            TransportKind::TimeoutAfterSend | TransportKind::Interrupted => {
                unknown_or(*write, Failure::TransportTimeout)
            }
        },
        Error::Http { status, write, .. } => match status {
            401 | 403 => Failure::Auth401,
            408 | 500..=599 => unknown_or(*write, Failure::ServiceUnavailable),
            _ => Failure::HttpStatus,
        },
        Error::InvalidResponse { status, write, .. } => match status {
            401 => Failure::Auth401,
            _ => unknown_or(*write, Failure::ResponseUnreadable),
        },
        Error::Control { status, errors } => {
            if mentions("subscribe to the XML Gateway")
                || errors.iter().any(|d| d.errorno == "PL04000055")
            {
                Failure::CompanyUnavailable
            } else if *status == 401 || errors.iter().any(|d| d.errorno == "XMLGW_JPP0002") {
                Failure::Auth401
            } else if mentions("Incorrect Intacct XML Partner ID or password") {
                Failure::SenderCredentials
            } else if mentions("not authorized") {
                Failure::SenderNotAuthorized
            } else if (500..=599).contains(status) {
                // Control-level failure: nothing executed, so even a write is safe to resend.
                Failure::ServiceUnavailable
            } else {
                Failure::RequestRejected
            }
        }
        Error::Authentication { errors } => {
            if errors.iter().any(is_invalid_session_detail) {
                Failure::SessionInvalid
            } else if mentions("not authorized") {
                Failure::SenderNotAuthorized
            } else {
                Failure::Auth401
            }
        }
        Error::Function { status, errors, .. } => {
            let only_rollback =
                !errors.is_empty() && errors.iter().all(|d| d.errorno == "XL03000009");
            if *status == ResultStatus::Aborted && only_rollback {
                Failure::TransactionRolledBack
            } else {
                Failure::FunctionFailed
            }
        }
    }
}

/// What happened to the request an error ended.
pub fn classify(error: &Error) -> ErrorClass {
    failure_of(error).class()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_listed_once() {
        for (i, f) in Failure::ALL.iter().enumerate() {
            assert!(!Failure::ALL[..i].contains(f), "duplicate {f:?}");
        }
    }
}
