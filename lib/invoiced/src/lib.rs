//! Invoiced REST client.
