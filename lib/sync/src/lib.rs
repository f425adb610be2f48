//! The sync domain and engine.
//!
//! This crate knows nothing of AWS or HTTP: it holds the typed, validated connection
//! configuration, the records the engine keeps ([`model`]), the ports it talks to ([`ports`])
//! with their embedded adapters ([`adapters`]), and (as the engine grows) the mapping rules per
//! flow and the engine itself.

pub mod adapters;
pub mod catalogue;
pub mod config;
pub mod engine;
pub mod mapping;
pub mod model;
pub mod operator;
pub mod ports;
pub mod retry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
