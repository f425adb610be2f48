//! The error catalogue: every Intacct failure mapped to a stable code, a class the sync engine
//! acts on, and the fix an operator applies. Codes are part of the product's contract (they
//! appear in reconciliation errors and alerts): add new ones, never rename.
//!
//! Texts for the configuration traps follow the troubleshooting guide of the reference
//! integration (Invoiced's Intacct docs): 401, numbering collision, payment batch key,
//! DL02000001, BL02000051, plus throttling (XMLGW_JPP0001 / GW-0010 / HTTP 429).

use crate::error::{
    Error, ErrorClass, TransportKind, is_invalid_session_detail, is_outage_detail,
    is_throttle_detail,
};
use crate::response::{ErrorDetail, ResultStatus};

impl Error {
    /// What the sync engine should do (see [`classify`]).
    pub fn class(&self) -> ErrorClass {
        classify(self)
    }

    /// The catalogue entry: stable code and operator fix (see [`catalogue_entry`]).
    pub fn catalogue(&self) -> &'static CatalogueEntry {
        catalogue_entry(self)
    }
}

/// One catalogue entry.
#[derive(Debug, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// Stable machine code, e.g. `INTACCT_PAYMENT_BATCH_KEY`.
    pub code: &'static str,
    /// What the engine should do.
    pub class: ErrorClass,
    /// The Intacct error number when there is a single known one.
    pub errorno: Option<&'static str>,
    /// One-line summary.
    pub title: &'static str,
    /// What the operator should do.
    pub fix: &'static str,
}

macro_rules! entry {
    ($name:ident, $code:literal, $class:ident, $errorno:expr, $title:literal, $fix:literal) => {
        #[doc = $title]
        pub static $name: CatalogueEntry = CatalogueEntry {
            code: $code,
            class: ErrorClass::$class,
            errorno: $errorno,
            title: $title,
            fix: $fix,
        };
    };
}

entry!(
    THROTTLED,
    "INTACCT_THROTTLED",
    Throttled,
    Some("XMLGW_JPP0001"),
    "Intacct is limiting API requests for this company (too many operations running, rate limit, or HTTP 429).",
    "Nothing to do at first: the request is retried automatically with backoff. If it keeps happening, reduce other integrations' concurrent use of this Intacct company, or raise the company's performance tier / API concurrency with Sage Intacct."
);
entry!(
    SERVICE_UNAVAILABLE,
    "INTACCT_SERVICE_UNAVAILABLE",
    Transient,
    None,
    "Intacct is temporarily unavailable (HTTP 5xx or maintenance).",
    "Retried automatically. If it persists for hours, check status.intacct.com."
);
entry!(
    TRANSPORT_CONNECT,
    "INTACCT_TRANSPORT_CONNECT",
    Transient,
    None,
    "Could not connect to Intacct; nothing was sent.",
    "Retried automatically. If it persists, check the endpoint URL and outbound network access."
);
entry!(
    TRANSPORT_TIMEOUT,
    "INTACCT_TRANSPORT_TIMEOUT",
    Transient,
    None,
    "Intacct did not answer a read in time.",
    "Retried automatically. Persistent timeouts on large reads: narrow the date window or page size."
);
entry!(
    UNKNOWN_OUTCOME,
    "INTACCT_UNKNOWN_OUTCOME",
    UnknownOutcome,
    None,
    "A write was sent but its result was not received (timeout, HTTP 5xx/524, or an unreadable reply); it may have been saved.",
    "Nothing to do: the sync checks Intacct for the record before sending it again. If this error remains, look the record up in Intacct before retrying."
);
entry!(
    AUTH_401,
    "INTACCT_AUTH_401",
    Authentication,
    Some("XMLGW_JPP0002"),
    "Intacct rejected the sign-in (HTTP 401 / sign-in information is incorrect).",
    "We could not connect to Intacct using the credentials provided. Make sure the Intacct company ID, user ID and password of the Web Services user are correct (and the entity ID, if set), then reconnect."
);
entry!(
    SENDER_CREDENTIALS,
    "INTACCT_SENDER_CREDENTIALS",
    Authentication,
    Some("XL03000006"),
    "Incorrect Intacct XML Partner (sender) ID or password.",
    "Check the Web Services sender ID and sender password configured for this deployment; they are case-sensitive."
);
entry!(
    SENDER_NOT_AUTHORIZED,
    "INTACCT_SENDER_NOT_AUTHORIZED",
    Authentication,
    Some("XL03000006"),
    "The Web Services sender ID is not authorised for this company.",
    "In Intacct, Company > Setup > Company > Security > Web Services authorizations: add the sender ID, then retry."
);
entry!(
    SESSION_INVALID,
    "INTACCT_SESSION_INVALID",
    Authentication,
    Some("XL03000006"),
    "The Intacct API session was rejected even after a fresh sign-in.",
    "Check that the Web Services user is active, not locked, and allowed to sign in to this company/entity; then retry."
);
entry!(
    COMPANY_UNAVAILABLE,
    "INTACCT_COMPANY_UNAVAILABLE",
    NeedsOperator,
    Some("PL04000055"),
    "The Intacct company cannot take API requests (expired demo company, or no Web Services subscription).",
    "Make sure the company is active and subscribed to Web Services (XML Gateway), then retry."
);
entry!(
    NUMBERING_COLLISION,
    "INTACCT_NUMBERING_COLLISION",
    NeedsOperator,
    None,
    "A transaction with the same number already exists in Intacct.",
    "There is already a different document with this number in Intacct. Give the Invoiced document a unique number, or turn off auto-numbering (document sequence) for that transaction type in Intacct so the number we send is used — or stop sending numbers and let Intacct number it. Then retry."
);
entry!(
    PAYMENT_BATCH_KEY,
    "INTACCT_PAYMENT_BATCH_KEY",
    NeedsOperator,
    None,
    "Intacct asked for a payment batch key (Please provide a payment batch key).",
    "Change the AR Payments summary frequency to Daily or Monthly: Accounts Receivable > Configure Accounts Receivable > Accounting Settings > Summary Frequency > Payments = Daily or Monthly, save, then retry."
);
entry!(
    DL02000001,
    "INTACCT_DL02000001",
    NeedsOperator,
    Some("DL02000001"),
    "A requested field does not exist on the Intacct object (or a query used unsupported syntax).",
    "The object definition in Intacct no longer has a field we use: remove or rename the custom field mapping in the connection settings, or add the field back to the object in Intacct. Then retry."
);
entry!(
    BL02000051,
    "INTACCT_BL02000051",
    NeedsOperator,
    Some("BL02000051"),
    "A foreign-currency payment cannot be posted to an undeposited funds account.",
    "Payments can go to undeposited funds only in the base currency. Map this currency / payment method to a bank account in that currency (instead of an undeposited funds G/L account), then retry."
);
entry!(
    DUPLICATE_RECORD,
    "INTACCT_DUPLICATE_RECORD",
    NeedsOperator,
    Some("BL34000061"),
    "A record with the same ID already exists in Intacct.",
    "Link the existing Intacct record to the Invoiced record (or change the ID), then retry."
);
entry!(
    RESULT_SET_EXPIRED,
    "INTACCT_RESULT_SET_EXPIRED",
    Transient,
    None,
    "A readMore used an invalid or expired resultId.",
    "Retried automatically by restarting the read from its last checkpoint."
);
entry!(
    TRANSACTION_ROLLED_BACK,
    "INTACCT_TRANSACTION_ROLLED_BACK",
    NeedsOperator,
    Some("XL03000009"),
    "This function was rolled back because another function in the same transaction failed.",
    "Fix the error reported for the other function of the same write; this one is retried with it."
);
entry!(
    REQUEST_REJECTED,
    "INTACCT_REQUEST_REJECTED",
    NeedsOperator,
    Some("XL03000003"),
    "Intacct rejected the request envelope (schema or XML error).",
    "This is a defect in the sync; report it with the error text. Retrying unchanged will fail again."
);
entry!(
    INVALID_REQUEST,
    "INTACCT_INVALID_REQUEST",
    NeedsOperator,
    None,
    "The request was refused before sending (missing lines, limits exceeded).",
    "Correct the source record (for example add a line item) and retry."
);
entry!(
    HTTP_STATUS,
    "INTACCT_HTTP_STATUS",
    NeedsOperator,
    None,
    "Intacct answered with an unexpected HTTP status.",
    "Check the endpoint URL and company configuration; retry once resolved."
);
entry!(
    RESPONSE_UNREADABLE,
    "INTACCT_RESPONSE_UNREADABLE",
    Transient,
    None,
    "Intacct's reply to a read could not be parsed.",
    "Retried automatically; report it if it persists."
);
entry!(
    RESPONSE_INCOMPLETE,
    "INTACCT_RESPONSE_INCOMPLETE",
    NeedsOperator,
    None,
    "Intacct's reply lacked an expected part (session, result).",
    "Report it with the error text; retry after checking the record in Intacct."
);
entry!(
    FUNCTION_FAILED,
    "INTACCT_FUNCTION_FAILED",
    NeedsOperator,
    None,
    "Intacct refused the operation.",
    "Read Intacct's message, correct the record or configuration it names, then retry."
);

/// Every entry, for listing in documentation and operator tools.
pub static ALL: &[&CatalogueEntry] = &[
    &THROTTLED,
    &SERVICE_UNAVAILABLE,
    &TRANSPORT_CONNECT,
    &TRANSPORT_TIMEOUT,
    &UNKNOWN_OUTCOME,
    &AUTH_401,
    &SENDER_CREDENTIALS,
    &SENDER_NOT_AUTHORIZED,
    &SESSION_INVALID,
    &COMPANY_UNAVAILABLE,
    &NUMBERING_COLLISION,
    &PAYMENT_BATCH_KEY,
    &DL02000001,
    &BL02000051,
    &DUPLICATE_RECORD,
    &RESULT_SET_EXPIRED,
    &TRANSACTION_ROLLED_BACK,
    &REQUEST_REJECTED,
    &INVALID_REQUEST,
    &HTTP_STATUS,
    &RESPONSE_UNREADABLE,
    &RESPONSE_INCOMPLETE,
    &FUNCTION_FAILED,
];

/// Looks an entry up by its code.
pub fn by_code(code: &str) -> Option<&'static CatalogueEntry> {
    ALL.iter().copied().find(|e| e.code == code)
}

/// Business errors recognised by number or text, wherever they appear.
fn business_entry(details: &[ErrorDetail]) -> Option<&'static CatalogueEntry> {
    let any = |f: &dyn Fn(&ErrorDetail) -> bool| details.iter().any(f);
    if any(&|d| d.mentions("a transaction with the number") && d.mentions("already exists")) {
        return Some(&NUMBERING_COLLISION);
    }
    if any(&|d| d.mentions("payment batch key")) {
        return Some(&PAYMENT_BATCH_KEY);
    }
    if any(&|d| d.errorno == "DL02000001") {
        return Some(&DL02000001);
    }
    if any(&|d| d.errorno == "BL02000051" || d.mentions("using undeposited fund account")) {
        return Some(&BL02000051);
    }
    if any(&|d| d.errorno == "BL34000061") {
        return Some(&DUPLICATE_RECORD);
    }
    if any(&|d| d.mentions("invalid or expired resultid")) {
        return Some(&RESULT_SET_EXPIRED);
    }
    None
}

/// The catalogue entry for an error: stable code, class and operator fix.
pub fn catalogue_entry(error: &Error) -> &'static CatalogueEntry {
    let details = error.details();
    if details.iter().any(is_throttle_detail) || error.http_status() == Some(429) {
        return &THROTTLED;
    }
    if details.iter().any(is_outage_detail) {
        return &SERVICE_UNAVAILABLE;
    }
    if let Some(e) = business_entry(details) {
        return e;
    }
    let unknown_or = |write: bool, read: &'static CatalogueEntry| {
        if write { &UNKNOWN_OUTCOME } else { read }
    };
    let mentions = |needle: &str| details.iter().any(|d| d.mentions(needle));
    match error {
        Error::InvalidRequest(_) => &INVALID_REQUEST,
        Error::MissingResult(_) => &RESPONSE_INCOMPLETE,
        Error::Transport { kind, write, .. } => match kind {
            TransportKind::Connect => &TRANSPORT_CONNECT,
            TransportKind::TimeoutBeforeSend => &TRANSPORT_TIMEOUT,
            TransportKind::TimeoutAfterSend | TransportKind::Interrupted => {
                unknown_or(*write, &TRANSPORT_TIMEOUT)
            }
        },
        Error::Http { status, write, .. } => match status {
            401 | 403 => &AUTH_401,
            408 | 500..=599 => unknown_or(*write, &SERVICE_UNAVAILABLE),
            _ => &HTTP_STATUS,
        },
        Error::InvalidResponse { status, write, .. } => match status {
            401 => &AUTH_401,
            _ => unknown_or(*write, &RESPONSE_UNREADABLE),
        },
        Error::Control { status, errors } => {
            if mentions("subscribe to the XML Gateway")
                || errors.iter().any(|d| d.errorno == "PL04000055")
            {
                &COMPANY_UNAVAILABLE
            } else if *status == 401 || errors.iter().any(|d| d.errorno == "XMLGW_JPP0002") {
                &AUTH_401
            } else if mentions("Incorrect Intacct XML Partner ID or password") {
                &SENDER_CREDENTIALS
            } else if mentions("not authorized") {
                &SENDER_NOT_AUTHORIZED
            } else if (500..=599).contains(status) {
                // Control-level failure: nothing executed, so even a write is safe to resend.
                &SERVICE_UNAVAILABLE
            } else {
                &REQUEST_REJECTED
            }
        }
        Error::Authentication { errors } => {
            if errors.iter().any(is_invalid_session_detail) {
                &SESSION_INVALID
            } else if mentions("not authorized") {
                &SENDER_NOT_AUTHORIZED
            } else {
                &AUTH_401
            }
        }
        Error::Function { status, errors, .. } => {
            let only_rollback =
                !errors.is_empty() && errors.iter().all(|d| d.errorno == "XL03000009");
            if *status == ResultStatus::Aborted && only_rollback {
                &TRANSACTION_ROLLED_BACK
            } else {
                &FUNCTION_FAILED
            }
        }
    }
}

/// What the sync engine should do with an error (the class of its catalogue entry).
pub fn classify(error: &Error) -> ErrorClass {
    catalogue_entry(error).class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        for (i, e) in ALL.iter().enumerate() {
            assert!(e.code.starts_with("INTACCT_"), "{}", e.code);
            assert!(
                ALL[..i].iter().all(|o| o.code != e.code),
                "duplicate {}",
                e.code
            );
            assert_eq!(by_code(e.code), Some(*e));
        }
    }
}
