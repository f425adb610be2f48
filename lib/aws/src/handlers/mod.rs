//! The Lambda handlers, as plain async functions over the event types so tests call them
//! in-process exactly as the runtime does. Each `functions/<trigger>` binary only builds the
//! [`Deployment`](crate::runtime::Deployment) and hands events here.

pub mod operator;
pub mod poller;
pub mod retrier;
pub mod writer;
