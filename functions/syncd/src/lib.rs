//! `syncd`: the whole sync service on one machine.
//!
//! One process hosts what runs as Lambdas in production: the webhook endpoint ([`server`]), the
//! retry worker over a durable SQLite queue ([`worker`]) and the hourly poll ([`poller`]), all
//! wired to one SQLite file ([`service`]). Operators use the same binary's commands ([`ops`],
//! [`cli`], [`webhook_url`]); `demo` (feature `demo`, on by default) runs the whole product
//! against both sandboxes with no accounts.

pub mod cli;
#[cfg(feature = "demo")]
pub mod demo;
pub mod ops;
pub mod poller;
pub mod render;
pub mod server;
pub mod service;
pub mod webhook_url;
pub mod worker;
