//! The error catalogue: every code an operator can see — on a reconciliation error, a queued
//! retry's reason, a log line — with its class, a one-line title and the operator's fix.
//!
//! Codes are part of the product's contract: add new ones, never rename. `docs/runbook.md`
//! carries the same table (generated from here; a test fails when the two differ). The Intacct
//! client (`lib/intacct`) only knows the wire facts of a failure ([`intacct::Failure`]); which
//! code, class and fix that becomes is decided here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What the engine does about a failure, and who acts next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Retried with backoff: the other system is limiting requests.
    Throttled,
    /// Retried with backoff: a passing failure; nothing was written.
    Transient,
    /// A write may have happened: the record is looked for before anything is sent again.
    UnknownOutcome,
    /// Another write of the same record, or one it depends on, is on its way: looked at again
    /// later, without spending an attempt.
    Waiting,
    /// Waits for another record (parked until it reaches Intacct).
    Dependency,
    /// Credentials were refused: fix the connection's secret.
    Authentication,
    /// A setting of the connection, of Intacct or of Invoiced: fix it, then retry.
    Configuration,
    /// The record's own data: correct it in the system it comes from, then retry.
    Data,
    /// Only a person can decide (a duplicate, a deleted record, an unsupported application).
    Operator,
    /// A defect of the sync: report it.
    Defect,
}

impl Class {
    /// Whether the engine retries it by itself.
    pub fn retried_automatically(self) -> bool {
        matches!(
            self,
            Class::Throttled | Class::Transient | Class::UnknownOutcome | Class::Waiting
        )
    }

    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Throttled => "throttled",
            Class::Transient => "transient",
            Class::UnknownOutcome => "unknown_outcome",
            Class::Waiting => "waiting",
            Class::Dependency => "dependency",
            Class::Authentication => "authentication",
            Class::Configuration => "configuration",
            Class::Data => "data",
            Class::Operator => "operator",
            Class::Defect => "defect",
        }
    }
}

macro_rules! catalogue {
    ($( $variant:ident = $code:literal, $class:ident, $title:literal, $fix:literal; )*) => {
        /// A code an operator can see. See the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `INTACCT_PAYMENT_BATCH_KEY`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// What the engine does about it.
            pub fn class(self) -> Class {
                match self { $(Code::$variant => Class::$class),* }
            }

            /// One line saying what happened.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }

            /// What the operator does.
            pub fn fix(self) -> &'static str {
                match self { $(Code::$variant => $fix),* }
            }
        }
    };
}

catalogue! {
    // ---- Intacct ---------------------------------------------------------------------------
    IntacctThrottled = "INTACCT_THROTTLED", Throttled,
        "Intacct is limiting API requests for this company (too many operations running, rate limit, or HTTP 429).",
        "Nothing to do at first: the request is retried automatically with backoff. If it keeps happening, reduce other integrations' concurrent use of this Intacct company, or raise the company's performance tier / API concurrency with Sage Intacct.";
    IntacctServiceUnavailable = "INTACCT_SERVICE_UNAVAILABLE", Transient,
        "Intacct is temporarily unavailable (HTTP 5xx or maintenance).",
        "Retried automatically. If it persists for hours, check status.intacct.com.";
    IntacctTransportConnect = "INTACCT_TRANSPORT_CONNECT", Transient,
        "Could not connect to Intacct; nothing was sent.",
        "Retried automatically. If it persists, check the endpoint URL and outbound network access.";
    IntacctTransportTimeout = "INTACCT_TRANSPORT_TIMEOUT", Transient,
        "Intacct did not answer a read in time.",
        "Retried automatically. Persistent timeouts on large reads: narrow the date window or page size.";
    IntacctUnknownOutcome = "INTACCT_UNKNOWN_OUTCOME", UnknownOutcome,
        "A write was sent but its result was not received (timeout, HTTP 5xx/524, or an unreadable reply); it may have been saved.",
        "Nothing to do: the sync checks Intacct for the record before sending it again. If this error remains, look the record up in Intacct before retrying.";
    IntacctAuth401 = "INTACCT_AUTH_401", Authentication,
        "Intacct rejected the sign-in (HTTP 401 / sign-in information is incorrect).",
        "We could not connect to Intacct using the credentials provided. Make sure the Intacct company ID, user ID and password of the Web Services user are correct (and the entity ID, if set), then reconnect.";
    IntacctSenderCredentials = "INTACCT_SENDER_CREDENTIALS", Authentication,
        "Incorrect Intacct XML Partner (sender) ID or password.",
        "Check the Web Services sender ID and sender password configured for this deployment; they are case-sensitive.";
    IntacctSenderNotAuthorized = "INTACCT_SENDER_NOT_AUTHORIZED", Authentication,
        "The Web Services sender ID is not authorised for this company.",
        "In Intacct, Company > Setup > Company > Security > Web Services authorizations: add the sender ID, then retry.";
    IntacctSessionInvalid = "INTACCT_SESSION_INVALID", Authentication,
        "The Intacct API session was rejected even after a fresh sign-in.",
        "Check that the Web Services user is active, not locked, and allowed to sign in to this company/entity; then retry.";
    IntacctCompanyUnavailable = "INTACCT_COMPANY_UNAVAILABLE", Configuration,
        "The Intacct company cannot take API requests (expired demo company, or no Web Services subscription).",
        "Make sure the company is active and subscribed to Web Services (XML Gateway), then retry.";
    IntacctNumberingCollision = "INTACCT_NUMBERING_COLLISION", Configuration,
        "A transaction with the same number already exists in Intacct.",
        "There is already a different document with this number in Intacct. Give the Invoiced document a unique number, or turn off auto-numbering (document sequence) for that transaction type in Intacct so the Invoiced number is used; then retry.";
    IntacctPaymentBatchKey = "INTACCT_PAYMENT_BATCH_KEY", Configuration,
        "Intacct asked for a payment batch key (Please provide a payment batch key).",
        "Change the AR Payments summary frequency to Daily or Monthly: Accounts Receivable > Configure Accounts Receivable > Accounting Settings > Summary Frequency > Payments = Daily or Monthly, save, then retry.";
    IntacctDl02000001 = "INTACCT_DL02000001", Configuration,
        "A requested field does not exist on the Intacct object (or a query used unsupported syntax).",
        "The object definition in Intacct no longer has a field we use: remove or rename the custom field mapping in the connection settings, or add the field back to the object in Intacct; then retry.";
    IntacctBl02000051 = "INTACCT_BL02000051", Configuration,
        "A foreign-currency payment cannot be posted to an undeposited funds account.",
        "Payments can go to undeposited funds only in the base currency. Map this currency / payment method to a bank account in that currency (instead of an undeposited funds G/L account), then retry.";
    IntacctDuplicateRecord = "INTACCT_DUPLICATE_RECORD", Operator,
        "A record with the same ID already exists in Intacct.",
        "Link the existing Intacct record to the Invoiced record (or change the ID), then retry.";
    IntacctResultSetExpired = "INTACCT_RESULT_SET_EXPIRED", Transient,
        "A readMore used an invalid or expired resultId.",
        "Retried automatically by restarting the read from its last checkpoint.";
    IntacctTransactionRolledBack = "INTACCT_TRANSACTION_ROLLED_BACK", Data,
        "This function was rolled back because another function in the same transaction failed.",
        "Fix the error reported for the other function of the same write; this one is retried with it.";
    IntacctRequestRejected = "INTACCT_REQUEST_REJECTED", Defect,
        "Intacct rejected the request envelope (schema or XML error).",
        "This is a defect in the sync; report it with the error text. Retrying unchanged will fail again.";
    IntacctInvalidRequest = "INTACCT_INVALID_REQUEST", Data,
        "The request was refused before sending (missing lines, limits exceeded).",
        "Correct the source record (for example add a line item) and retry.";
    IntacctHttpStatus = "INTACCT_HTTP_STATUS", Configuration,
        "Intacct answered with an unexpected HTTP status.",
        "Check the endpoint URL and company configuration; retry once resolved.";
    IntacctResponseUnreadable = "INTACCT_RESPONSE_UNREADABLE", Transient,
        "Intacct's reply to a read could not be parsed.",
        "Retried automatically; report it if it persists.";
    IntacctResponseIncomplete = "INTACCT_RESPONSE_INCOMPLETE", Defect,
        "Intacct's reply lacked an expected part (session, result).",
        "Report it with the error text; retry after checking the record in Intacct.";
    IntacctFunctionFailed = "INTACCT_FUNCTION_FAILED", Data,
        "Intacct refused the operation.",
        "Read Intacct's message, correct the record or configuration it names, then retry.";

    // ---- Invoiced --------------------------------------------------------------------------
    InvoicedRateLimited = "INVOICED_RATE_LIMITED", Throttled,
        "Invoiced is limiting API requests for this key (HTTP 429).",
        "Nothing to do at first: retried automatically with backoff. If it keeps happening, reduce other uses of this Invoiced API key.";
    InvoicedUnavailable = "INVOICED_UNAVAILABLE", Transient,
        "Invoiced is temporarily unavailable (network failure or HTTP 5xx).",
        "Retried automatically. If it persists, check Invoiced's status page and the connection's base URL.";
    InvoicedNotFound = "INVOICED_NOT_FOUND", Operator,
        "The record (or a record it refers to) no longer exists in Invoiced.",
        "It was deleted in Invoiced: nothing is left to sync. Ignore this error.";
    InvoicedAuth = "INVOICED_AUTH", Authentication,
        "Invoiced refused the API key.",
        "Set a valid Invoiced API key in the connection's secret, then retry.";
    InvoicedRejected = "INVOICED_REJECTED", Data,
        "Invoiced refused the record (a validation error).",
        "Read Invoiced's message: correct the record it names in Intacct (or the connection settings), then retry.";

    // ---- The sync --------------------------------------------------------------------------
    SyncIntentRace = "SYNC_INTENT_RACE", Waiting,
        "Another function is writing the same record at the same moment (a concurrent copy of a webhook, a customer written by its invoice).",
        "Nothing to do: the work looks again when that write settles, without spending an attempt.";
    SyncIntacctBusy = "SYNC_INTACCT_BUSY", Throttled,
        "Every Intacct concurrency slot of this connection stayed busy.",
        "Nothing to do: retried with backoff. If it persists, check for a stuck function or raise the connection's max_concurrent_requests if Intacct allows more.";
    SyncWebhookDeadline = "SYNC_WEBHOOK_DEADLINE", Waiting,
        "The write did not finish within the webhook's time budget; it continues from the retry queue.",
        "Nothing to do: the retry looks for the record in Intacct before sending anything again.";
    SyncConnectionPaused = "SYNC_CONNECTION_PAUSED", Waiting,
        "The connection is paused; its work waits.",
        "Resume the connection when ready; nothing is lost while it is paused.";
    SyncDependencyReleased = "SYNC_DEPENDENCY_RELEASED", Waiting,
        "The record this work waited for reached Intacct; the work runs now.",
        "Nothing to do.";
    SyncOperatorRetry = "SYNC_OPERATOR_RETRY", Waiting,
        "An operator asked to retry the record; it was queued to run now.",
        "Nothing to do: the retry runs from the queue. Its result shows on the record's error.";
    SyncNotYetDue = "SYNC_NOT_YET_DUE", Waiting,
        "A queued retry arrived before its time (a wait longer than one queue hop); it is queued again for the rest.",
        "Nothing to do.";
    SyncOwnWriteFound = "SYNC_OWN_WRITE_FOUND", Waiting,
        "The poller found in Intacct a record the sync wrote after a void had given up on it; the write side looks at it again.",
        "Nothing to do: the void is applied to the record now that it is known.";
    SyncAppliedMoreThanOpen = "SYNC_APPLIED_MORE_THAN_OPEN", Waiting,
        "Intacct refused a payment that applies more than is open on the document right now; another write to it (typically the reversal of a payment voided just before) is on its way.",
        "Nothing to do at first: retried with backoff. If it ends as an error, compare the document's payments in both systems and void or reverse the extra one.";
    SyncDependencyMissing = "SYNC_DEPENDENCY_MISSING", Dependency,
        "A record this one needs is not in the other system yet.",
        "Import (or retry) the record it depends on first, then retry this one.";
    SyncDuplicateControlId = "SYNC_DUPLICATE_CONTROL_ID", Operator,
        "Intacct says this write already ran (its control id was used), but the record cannot be found by the identifiers it was written with: it was probably deleted in Intacct.",
        "Retry to post it again (a fresh probe runs first), or ignore this error to leave it deleted.";
    SyncVoidOutcomeUnknown = "SYNC_VOID_OUTCOME_UNKNOWN", Operator,
        "The record was voided while its write to Intacct had an unknown outcome, and that write leaves nothing to look up (a payment that only applied credits).",
        "Check in Intacct whether the write happened and undo it there if it did; then ignore this error.";
    SyncDuplicateInIntacct = "SYNC_DUPLICATE_IN_INTACCT", Operator,
        "The poller found an Intacct record carrying the identifiers of an Invoiced record the sync had already written as another Intacct record.",
        "One of the two Intacct records is a duplicate: reverse or delete it in Intacct, then ignore this error.";
    SyncMappingConflict = "SYNC_MAPPING_CONFLICT", Operator,
        "Two records claim the same counterpart in the other system.",
        "Check which Intacct record belongs to this Invoiced record; then retry.";
    SyncUnsupportedApplication = "SYNC_UNSUPPORTED_APPLICATION", Operator,
        "The payment has an application of a kind the sync does not post.",
        "Post this application in Intacct by hand, then ignore this error.";
    SyncNoPaymentRoute = "SYNC_NO_PAYMENT_ROUTE", Configuration,
        "No payment route of the connection matches the payment's currency and method.",
        "Add a payment route for this currency and method (or a \"*\" route) to the connection's accounts, then retry.";
    SyncBillToWithoutCustomer = "SYNC_BILL_TO_WITHOUT_CUSTOMER", Configuration,
        "A billing contact is missing the Intacct customer it bills to.",
        "Set the custom field intacct_customer_number on the Invoiced customer to the Intacct customer id it bills to, then retry.";
    SyncPaymentWithoutCustomer = "SYNC_PAYMENT_WITHOUT_CUSTOMER", Data,
        "The payment has no customer.",
        "Assign the payment to a customer in Invoiced, then retry.";
    SyncPaymentSpansBillTo = "SYNC_PAYMENT_SPANS_BILL_TO", Data,
        "In bill-to contact mode, an Intacct payment pays invoices of different bill-to contacts, and an Invoiced payment belongs to one customer.",
        "Split the payment in Intacct per bill-to contact (or record it in Invoiced by hand), then ignore this error.";
    SyncPaymentInvoiceUnknown = "SYNC_PAYMENT_INVOICE_UNKNOWN", Dependency,
        "An Intacct payment pays an invoice that is not in Invoiced.",
        "Import that invoice (initial data sync of invoices), then retry this error.";
    SyncPaymentCreditUnknown = "SYNC_PAYMENT_CREDIT_UNKNOWN", Dependency,
        "An Intacct payment spends a credit (an AR adjustment or a negative invoice) that is not in Invoiced.",
        "Import that credit as a credit note in Invoiced (or create the matching credit note there), then retry this error.";
    SyncLineMapping = "SYNC_LINE_MAPPING", Data,
        "The document's lines cannot be mapped to Intacct lines.",
        "Correct the document's lines or their intacct_* custom fields in Invoiced, then retry.";
    SyncImportTotalMismatch = "SYNC_IMPORT_TOTAL_MISMATCH", Data,
        "An Intacct document would import with a total other than Intacct's (both figures are in the message); it was not imported, or, when Invoiced computed the difference, its Invoiced copy is named.",
        "Compare the document in Intacct (subtotals, line discounts, currency) with the figures in the message. Correct it in Intacct and retry, or report the shape if the document is ordinary. An Invoiced copy named in the message must be corrected or voided by hand.";
    SyncBadIntacctData = "SYNC_BAD_INTACCT_DATA", Data,
        "An Intacct record cannot be read as what it should be (a missing key, customer, date or line; an unreadable amount).",
        "Correct the record in Intacct; the next poll (or a retry) imports it.";
    SyncBadId = "SYNC_BAD_ID", Defect,
        "The work item does not name an Invoiced record.",
        "Ignore this error: the work item did not come from Invoiced.";
    SyncInvalidControlId = "SYNC_INVALID_CONTROL_ID", Defect,
        "A generated Intacct control id was invalid.",
        "Report this as a bug: generated control ids must be valid.";
    SyncInvalidField = "SYNC_INVALID_FIELD", Defect,
        "A generated Intacct field name was invalid.",
        "Report this as a bug: generated field names must be valid.";
    SyncNotSent = "SYNC_NOT_SENT", Transient,
        "The write ended before its request was sent.",
        "Nothing to do: retried automatically.";
    SyncStoreUnavailable = "SYNC_STORE_UNAVAILABLE", Transient,
        "The sync's own store could not record the outcome.",
        "Retried automatically (Invoiced redelivers the webhook; the queue redelivers the message). If it persists, check the store (DynamoDB table or SQLite file).";
}

impl Code {
    /// The code named `code`, if the catalogue has it.
    pub fn parse(code: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == code)
    }

    /// The code of an Intacct failure.
    pub fn of_intacct(failure: intacct::Failure) -> Code {
        use intacct::Failure as F;
        match failure {
            F::Throttled => Code::IntacctThrottled,
            F::ServiceUnavailable => Code::IntacctServiceUnavailable,
            F::TransportConnect => Code::IntacctTransportConnect,
            F::TransportTimeout => Code::IntacctTransportTimeout,
            F::UnknownOutcome => Code::IntacctUnknownOutcome,
            F::Auth401 => Code::IntacctAuth401,
            F::SenderCredentials => Code::IntacctSenderCredentials,
            F::SenderNotAuthorized => Code::IntacctSenderNotAuthorized,
            F::SessionInvalid => Code::IntacctSessionInvalid,
            F::CompanyUnavailable => Code::IntacctCompanyUnavailable,
            F::NumberingCollision => Code::IntacctNumberingCollision,
            F::PaymentBatchKey => Code::IntacctPaymentBatchKey,
            F::Dl02000001 => Code::IntacctDl02000001,
            F::Bl02000051 => Code::IntacctBl02000051,
            F::DuplicateRecord => Code::IntacctDuplicateRecord,
            F::ResultSetExpired => Code::IntacctResultSetExpired,
            F::TransactionRolledBack => Code::IntacctTransactionRolledBack,
            F::RequestRejected => Code::IntacctRequestRejected,
            F::InvalidRequest => Code::IntacctInvalidRequest,
            F::HttpStatus => Code::IntacctHttpStatus,
            F::ResponseUnreadable => Code::IntacctResponseUnreadable,
            F::ResponseIncomplete => Code::IntacctResponseIncomplete,
            F::FunctionFailed => Code::IntacctFunctionFailed,
        }
    }

    /// The catalogue as the runbook shows it: a Markdown table of code, class, what happened
    /// and the fix.
    pub fn markdown_table() -> String {
        let mut table = String::from("| code | class | what happened | fix |\n|---|---|---|---|\n");
        for code in Code::ALL {
            table.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                code.as_str(),
                code.class().as_str(),
                code.title().replace('|', "\\|"),
                code.fix().replace('|', "\\|")
            ));
        }
        table
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_prefixed_and_parse_back() {
        for (i, code) in Code::ALL.iter().enumerate() {
            let text = code.as_str();
            assert!(
                ["INTACCT_", "INVOICED_", "SYNC_"]
                    .iter()
                    .any(|p| text.starts_with(p)),
                "{text}"
            );
            assert!(
                Code::ALL[..i].iter().all(|o| o.as_str() != text),
                "duplicate {text}"
            );
            assert_eq!(Code::parse(text), Some(*code));
            assert!(!code.title().is_empty() && !code.fix().is_empty(), "{text}");
        }
    }

    #[test]
    fn every_intacct_failure_has_its_code() {
        for failure in intacct::Failure::ALL {
            let code = Code::of_intacct(*failure);
            assert!(
                code.as_str().starts_with("INTACCT_"),
                "{failure:?} → {code}"
            );
        }
    }
}
