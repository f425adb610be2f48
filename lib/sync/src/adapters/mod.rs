//! Embedded adapters of the ports: in memory (tests) and SQLite (the one-machine runner).

pub mod clients;
pub mod memory;
#[cfg(feature = "sqlite")]
pub mod sqlite;
