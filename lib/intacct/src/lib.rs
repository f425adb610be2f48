//! Sage Intacct XML gateway client.
//!
//! * [`Request`] / [`FunctionCall`] / [`functions`]: the request envelope and typed functions,
//!   written in the element order the gateway's schema validates.
//! * [`Response`]: typed results at the control, authentication and function levels, rows as
//!   generic [`Record`]s with typed getters (Decimal, dates, ints).
//! * [`IntacctClient`]: HTTP transport with sessions (per-session endpoint, one transparent
//!   re-login), pagers over readByQuery/readMore and query.
//! * [`classify`] / [`catalogue_entry`]: what the sync engine should do with an error, its stable
//!   code, and the operator's fix.

#![warn(missing_docs)]

pub mod catalogue;
pub mod client;
pub mod config;
pub mod envelope;
pub mod error;
pub mod functions;
pub mod record;
pub mod response;
pub mod types;
pub mod xml;

pub use catalogue::{CatalogueEntry, catalogue_entry, classify};
pub use client::{IntacctClient, QueryPager, ReadByQueryPager, interpret};
pub use config::{ClientConfig, Credentials, DEFAULT_ENDPOINT};
pub use envelope::{Auth, Request};
pub use error::{Error, ErrorClass, TransportKind};
pub use functions::{Function, FunctionCall};
pub use record::{FieldError, FieldRef, Record};
pub use response::{
    ApiSession, Authentication, Control, Data, ErrorDetail, FunctionResult, Operation, ParseError,
    Response, ResultStatus, Status,
};
pub use types::{ControlId, InvalidValue, XmlName};
