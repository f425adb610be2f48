//! End-to-end tests live in `tests/*.rs` beside this file. The library holds what those tests
//! share that is not a test itself: [`terraform`], which reads `infra/*.tf` so the tests check
//! and deploy the settings Terraform declares instead of copies of them.

pub mod terraform;
