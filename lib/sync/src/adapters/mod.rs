//! Embedded adapters of the ports: in memory (tests) and SQLite (the one-machine runner).

pub mod memory;
#[cfg(feature = "sqlite")]
pub mod sqlite;
