//! Operator actions: the engine's shared [`sync_engine::operator`] module, the same on the
//! one-machine runner and on AWS (status counts, dead letters and redrive go through the
//! runtime's [`sync_engine::ports::QueueInspection`]).

pub use sync_engine::operator::*;
