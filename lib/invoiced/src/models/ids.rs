//! Typed identifiers.
//!
//! Invoiced uses positive integers for customers, invoices, credit notes, payments, events, contacts,
//! line items and the transactions behind payment applications. Wrapping each in its own newtype stops
//! an invoice id being passed where a customer id is expected, a mistake the API would answer with a
//! confusing 404 (or, worse, a match on the wrong record).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A string that is not a valid Invoiced id (ids are positive decimal integers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid Invoiced {kind} (expected a positive integer)")]
pub struct IdParseError {
    /// Which id type was being parsed, for the operator reading the message.
    pub kind: &'static str,
    /// The rejected input.
    pub input: String,
}

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id as received from Invoiced (no range check: the server is the authority).
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw integer, e.g. for building a URL path or storing a mapping.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// Parses an id from text (a webhook path, a stored mapping): positive decimal digits only.
            pub fn parse(input: &str) -> Result<Self, IdParseError> {
                let error = || IdParseError { kind: $kind, input: input.to_owned() };
                if input.is_empty() || !input.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(error());
                }
                match input.parse::<i64>() {
                    Ok(raw) if raw > 0 => Ok(Self(raw)),
                    _ => Err(error()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

integer_id!(
    /// Id of a customer (`/customers/:id`).
    CustomerId, "customer id"
);
integer_id!(
    /// Id of a contact, a sub-resource of a customer (`/customers/:cid/contacts/:id`).
    ContactId, "contact id"
);
integer_id!(
    /// Id of an invoice (`/invoices/:id`).
    InvoiceId, "invoice id"
);
integer_id!(
    /// Id of a credit note (`/credit_notes/:id`).
    CreditNoteId, "credit note id"
);
integer_id!(
    /// Id of a payment (`/payments/:id`).
    PaymentId, "payment id"
);
integer_id!(
    /// Id of an estimate; only seen inside payment applications (estimate deposits).
    EstimateId, "estimate id"
);
integer_id!(
    /// Id of an event (`/events/:id`); also the de-duplication key for webhook deliveries.
    EventId, "event id"
);
integer_id!(
    /// Id of a line item. Sent back on PATCH to keep a line: lines left out of `items` are deleted.
    LineItemId, "line item id"
);
integer_id!(
    /// Id of the transaction behind one `applied_to` row of a payment (or a legacy transaction).
    TransactionId, "transaction id"
);
integer_id!(
    /// Id of a card/ACH charge.
    ChargeId, "charge id"
);
integer_id!(
    /// Id of a refund.
    RefundId, "refund id"
);
integer_id!(
    /// Id of a discount applied to a document or line.
    DiscountId, "discount id"
);
integer_id!(
    /// Id of a tax applied to a document or line.
    TaxId, "tax id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_positive_integers_only() {
        assert_eq!(CustomerId::parse("15444"), Ok(CustomerId::new(15444)));
        for bad in ["", "0", "-1", "+5", " 5", "5a", "99999999999999999999"] {
            let err = CustomerId::parse(bad).expect_err(bad);
            assert_eq!(err.input, bad);
        }
    }

    #[test]
    fn ids_are_plain_json_integers() {
        let id: InvoiceId = serde_json::from_str("46225").expect("integer id");
        assert_eq!(id.get(), 46225);
        assert_eq!(serde_json::to_string(&id).expect("serialize"), "46225");
        assert_eq!(id.to_string(), "46225");
    }
}
