//! The identifiers the sync writes on the records it creates, and how it recognises them when
//! it reads them back: the write side uses them to make a create findable after a lost answer,
//! the read side to tell the sync's own writes from records made in the other system.

use invoiced::models::{Customer, Payment, PaymentId};

/// Metadata key every record imported from Intacct carries (its Intacct key). The write path
/// refuses to write such a record back even when its webhook overtakes the import's mapping
/// (the import creates the Invoiced record first and records the mapping a moment later).
pub const IMPORTED_MARKER: &str = "intacct_record_no";

/// What the CUSTOMERID of an unnumbered Invoiced customer starts with (then its id).
pub const UNNUMBERED_PREFIX: &str = "INVD-";

/// What [`payment_reference`] puts before the Invoiced payment id.
const PAYMENT_MARKER: &str = "Invoiced ID: ";

/// The Intacct CUSTOMERID of an Invoiced customer: its number, or a stable stand-in when the
/// account does not number customers. Deterministic, so a lost answer can be probed for and a
/// second create collides instead of duplicating.
pub fn customer_number(customer: &Customer) -> String {
    customer
        .number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{UNNUMBERED_PREFIX}{}", customer.id))
}

/// The Invoiced customer a CUSTOMERID of the form [`UNNUMBERED_PREFIX`]`<id>` names.
pub fn unnumbered_customer(customer_id: &str) -> Option<invoiced::models::CustomerId> {
    customer_id
        .strip_prefix(UNNUMBERED_PREFIX)
        .and_then(|id| invoiced::models::CustomerId::parse(id).ok())
}

/// The DOCNUMBER of the AR payment written for an Invoiced payment (the vendor's format, with
/// the payment's reference when it has one). Deterministic, so a lost answer can be probed for.
pub fn payment_reference(payment: &Payment) -> String {
    match payment.reference.as_deref().filter(|r| !r.is_empty()) {
        Some(reference) => format!("Reference: {reference}, {PAYMENT_MARKER}{}", payment.id),
        None => format!("{PAYMENT_MARKER}{}", payment.id),
    }
}

/// The Invoiced payment an AR payment's DOCNUMBER says the sync wrote it from: the inverse of
/// [`payment_reference`]. Only the sync writes this marker, so it identifies one write.
pub fn written_from(docnumber: &str) -> Option<PaymentId> {
    let (_, id) = docnumber.rsplit_once(PAYMENT_MARKER)?;
    PaymentId::parse(id.trim()).ok()
}

/// What [`credit_application_memo`] puts before the Invoiced payment id.
const CREDIT_MEMO_MARKER: &str = "Credit applied by Invoiced payment ";

/// The memo of a credit application (`apply_arpayment`) the sync writes for an Invoiced
/// payment's credit-note line; Intacct keeps it as the DESCRIPTION of the credit-only AR
/// payment record the application creates.
pub fn credit_application_memo(payment: PaymentId) -> String {
    format!("{CREDIT_MEMO_MARKER}{payment}")
}

/// The Invoiced payment whose credit application a credit-only AR payment record is: the
/// inverse of [`credit_application_memo`].
pub fn credit_applied_by(description: &str) -> Option<PaymentId> {
    let (_, id) = description.rsplit_once(CREDIT_MEMO_MARKER)?;
    PaymentId::parse(id.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payment_a_credit_memo_names_is_read_back() {
        let id = PaymentId::parse("60012").expect("id");
        assert_eq!(credit_applied_by(&credit_application_memo(id)), Some(id));
        assert_eq!(credit_applied_by("Applied by hand"), None);
    }

    #[test]
    fn the_payment_a_docnumber_names_is_read_back() {
        assert_eq!(
            written_from("Invoiced ID: 60012"),
            PaymentId::parse("60012").ok()
        );
        assert_eq!(
            written_from("Reference: Invoiced ID: 7, Invoiced ID: 60012"),
            PaymentId::parse("60012").ok()
        );
        assert_eq!(written_from("CHK-1001"), None);
        assert_eq!(written_from("Invoiced ID: x"), None);
    }

    #[test]
    fn an_unnumbered_customer_is_read_back_from_its_customer_id() {
        assert_eq!(
            unnumbered_customer("INVD-1001"),
            invoiced::models::CustomerId::parse("1001").ok()
        );
        assert_eq!(unnumbered_customer("CUST-1"), None);
    }
}
