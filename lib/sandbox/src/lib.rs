//! Faithful local simulators of the Sage Intacct XML gateway and the Invoiced REST API.
//!
//! Both speak the vendors' real wire protocols on 127.0.0.1 so the client crates, the sync
//! engine, the demo and the vendors' own SDKs can be pointed at them unchanged.

pub mod intacct;
pub mod invoiced;
