//! How an Intacct AR payment's money reached each invoice: its cash, and the credits it spent.
//!
//! Intacct lists a payment's applications per invoice (INVOICES, cash and credit together) and
//! the credits it spent (CREDITS), without saying which credit went to which invoice. Invoiced
//! needs each credit-note application against one invoice. The split walks the invoices in
//! order and spends the credits in order (the rule of the vendor's integration): every
//! invoice receives what Intacct applied to it and every credit gives what Intacct took from
//! it, so both systems end with the same balance on every document, whichever pairing Intacct
//! made.

use rust_decimal::Decimal;

use super::intacct_rows::{PaymentApplicationRow, PaymentRow, RowError};

/// A credit spent on one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditSplit {
    /// The credit's AR record.
    pub credit: String,
    /// Its RECORDTYPE (`ri`, `ra`, `rp`).
    pub credit_type: Option<String>,
    /// The invoice's AR record.
    pub invoice: String,
    /// How much.
    pub amount: Decimal,
}

/// A payment's applications, as Invoiced takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentSplit {
    /// Cash per invoice (AR record, amount).
    pub cash: Vec<(String, Decimal)>,
    /// Credits per invoice.
    pub credits: Vec<CreditSplit>,
}

impl PaymentSplit {
    /// The cash applied in all.
    pub fn cash_total(&self) -> Decimal {
        self.cash.iter().map(|(_, a)| *a).sum()
    }
}

/// Splits a payment's applications into cash and credits per invoice. An error when the rows
/// do not add up: more credit spent than applied, or more cash applied than the payment holds.
pub fn split(pay: &PaymentRow) -> Result<PaymentSplit, RowError> {
    let mut credits: Vec<(&PaymentApplicationRow, Decimal)> = pay
        .credits
        .iter()
        .filter(|c| !c.amount.is_zero())
        .map(|c| (c, c.amount))
        .collect();
    let mut next_credit = 0;
    let mut out = PaymentSplit::default();
    for application in pay.applications.iter().filter(|a| !a.amount.is_zero()) {
        let Some(invoice) = &application.record else {
            return Err(RowError(format!(
                "payment {} has an application without its AR record",
                pay.key
            )));
        };
        let mut open = application.amount;
        while open > Decimal::ZERO && next_credit < credits.len() {
            let (credit, left) = &mut credits[next_credit];
            let spent = open.min(*left);
            let Some(credit_key) = &credit.record else {
                return Err(RowError(format!(
                    "payment {} spent a credit without its AR record",
                    pay.key
                )));
            };
            out.credits.push(CreditSplit {
                credit: credit_key.clone(),
                credit_type: credit.record_type.clone(),
                invoice: invoice.clone(),
                amount: spent,
            });
            open -= spent;
            *left -= spent;
            if left.is_zero() {
                next_credit += 1;
            }
        }
        if open > Decimal::ZERO {
            out.cash.push((invoice.clone(), open));
        }
    }
    let unspent: Decimal = credits.iter().map(|(_, left)| *left).sum();
    if unspent > Decimal::ZERO {
        return Err(RowError(format!(
            "payment {} spends {unspent} more credit than it applies to invoices",
            pay.key
        )));
    }
    if out.cash_total() > pay.amount {
        return Err(RowError(format!(
            "payment {} applies {} of cash but holds {}",
            pay.key,
            out.cash_total(),
            pay.amount
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn row(record: &str, record_type: &str, amount: Decimal) -> PaymentApplicationRow {
        PaymentApplicationRow {
            record: Some(record.into()),
            record_type: Some(record_type.into()),
            amount,
        }
    }

    fn payment(
        amount: Decimal,
        applications: Vec<PaymentApplicationRow>,
        credits: Vec<PaymentApplicationRow>,
    ) -> PaymentRow {
        PaymentRow {
            key: "9".into(),
            docnumber: None,
            customer_id: Some("C-1".into()),
            reversed: false,
            reversal_of: None,
            amount,
            receipt_date: None,
            method: None,
            currency: None,
            applications,
            credits,
            description: None,
        }
    }

    #[test]
    fn the_vendors_example_splits_credits_in_order_and_cash_after() {
        // Invoices 1991 = 50, 1992 = 150, 1993 = 50; credits 1994 (100) and 1995 (100).
        let pay = payment(
            dec!(50),
            vec![
                row("1991", "ri", dec!(50)),
                row("1992", "ri", dec!(150)),
                row("1993", "ri", dec!(50)),
            ],
            vec![row("1994", "ri", dec!(100)), row("1995", "ra", dec!(100))],
        );
        let split = split(&pay).expect("adds up");
        let credits: Vec<_> = split
            .credits
            .iter()
            .map(|c| (c.credit.as_str(), c.invoice.as_str(), c.amount))
            .collect();
        assert_eq!(
            credits,
            [
                ("1994", "1991", dec!(50)),
                ("1994", "1992", dec!(50)),
                ("1995", "1992", dec!(100)),
            ]
        );
        assert_eq!(split.cash, [("1993".to_owned(), dec!(50))]);
    }

    #[test]
    fn a_mixed_payment_is_its_cash_plus_its_credit() {
        let pay = payment(
            dec!(70),
            vec![row("1001", "ri", dec!(100))],
            vec![row("1002", "ri", dec!(30))],
        );
        let split = split(&pay).expect("adds up");
        assert_eq!(split.cash, [("1001".to_owned(), dec!(70))]);
        assert_eq!(split.credits.len(), 1);
        assert_eq!(split.credits[0].amount, dec!(30));
    }

    #[test]
    fn rows_that_do_not_add_up_are_an_error() {
        let too_much_credit = payment(
            dec!(0),
            vec![row("1001", "ri", dec!(20))],
            vec![row("1002", "ra", dec!(30))],
        );
        assert!(split(&too_much_credit).is_err());
        let too_much_cash = payment(dec!(10), vec![row("1001", "ri", dec!(20))], vec![]);
        assert!(split(&too_much_cash).is_err());
    }
}
