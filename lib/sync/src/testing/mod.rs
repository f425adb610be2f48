//! Test support shared by every adapter crate: the executable contract of the ports.

pub mod store_contract;
