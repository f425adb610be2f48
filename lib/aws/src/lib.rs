//! AWS adapters of the sync engine's ports, used by the Lambda functions: the DynamoDB store
//! (every store trait over one table), the SQS retry queue and the Secrets Manager source of
//! connection credentials; and the Lambda handlers with the once-per-cold-start wiring
//! ([`runtime`]) that the thin `functions/*` binaries call.

pub mod dynamodb;
pub mod handlers;
pub mod runtime;
pub mod secrets;
pub mod sqs;
