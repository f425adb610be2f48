//! Sage Intacct XML gateway client.
//!
//! * [`Request`] / [`FunctionCall`] / [`functions`]: the request envelope and typed functions,
//!   written in the element order the gateway's schema validates.
//! * [`Response`]: typed results at the control, authentication and function levels, rows as
//!   generic [`Record`]s with typed getters (Decimal, dates, ints).
//! * [`IntacctClient`]: HTTP transport with sessions (per-session endpoint, one transparent
//!   re-login), pagers over readByQuery/readMore and query.
//! * [`failure_of`] / [`classify`]: which known failure an error is and what happened to its
//!   request — wire facts; the codes and fixes operators see are the sync engine's.

#![warn(missing_docs)]

pub mod client;
pub mod config;
pub mod envelope;
pub mod error;
pub mod failure;
pub mod functions;
pub mod record;
pub mod response;
pub mod types;
pub mod xml;

pub use client::{IntacctClient, QueryPager, ReadByQueryPager, interpret};
pub use config::{ClientConfig, Credentials, DEFAULT_ENDPOINT};
pub use envelope::{Auth, Request};
pub use error::{Error, ErrorClass, TransportKind};
pub use failure::{Failure, classify, failure_of};
pub use functions::{Function, FunctionCall};
pub use record::{FieldError, FieldRef, Record};
pub use response::{
    ApiSession, Authentication, Control, Data, ErrorDetail, FunctionResult, Operation, ParseError,
    Response, ResultStatus, Status,
};
pub use types::{ControlId, InvalidValue, XmlName};
