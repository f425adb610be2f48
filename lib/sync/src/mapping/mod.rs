//! Pure mapping rules between the two systems' records, one module per concern.

pub mod dates;
pub mod identity;
pub mod intacct_rows;
pub mod lines;
pub mod matching;
pub mod payment_split;
pub mod to_invoiced;
