//! Pure mapping rules between the two systems' records, one module per concern.

pub mod lines;
