//! Exactly-once under races and lost answers: what must hold when webhooks arrive several at a
//! time, Intacct throttles, an answer is lost after Intacct applied the write, a poll runs in the
//! window between a write and its mapping, and a record is voided while its create's outcome is
//! unknown.
//!
//! Every scenario runs on the in-memory store and on the SQLite store (`<scenario>::memory`,
//! `<scenario>::sqlite`), through the engine's public API only (webhooks, retries, polls) against
//! both sandboxes. The engine reaches Intacct through a lossy link (`common::LossyLink`) that
//! can lose the answer of one chosen request after Intacct applied it.

mod common;
#[path = "races/scenarios.rs"]
mod scenarios;

use common::StoreKind;

/// Runs a scenario `async fn name(store: StoreKind)` as two tests, `name::memory` and
/// `name::sqlite`, on a multi-threaded runtime so concurrent deliveries really overlap.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::scenarios::$name(super::StoreKind::Memory).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::scenarios::$name(super::StoreKind::Sqlite).await;
            }
        }
    )*};
}

on_both_stores!(
    concurrent_customer_events_under_throttling_write_each_customer_once,
    concurrent_invoice_events_under_throttling_write_each_invoice_once,
    concurrent_credit_note_events_under_throttling_write_each_credit_note_once,
    concurrent_payment_events_under_throttling_post_each_payment_once,
    two_hundred_simultaneous_copies_of_one_event_are_processed_once,
    a_payment_voided_while_its_create_outcome_is_unknown_is_not_left_live_in_intacct,
    an_invoice_voided_while_its_create_outcome_is_unknown_is_not_left_posted_in_intacct,
    a_poll_between_a_payment_write_and_its_mapping_does_not_import_it_back,
    a_poll_between_a_customer_write_and_its_mapping_leaves_it_owned_by_invoiced,
    an_import_retried_after_commit_then_fail_creates_one_payment_even_with_a_long_connection_id,
    a_signed_payment_deleted_for_a_live_payment_does_not_reverse_it,
    a_customer_error_is_resolved_when_an_invoice_brings_the_customer_to_intacct,
    a_stream_read_error_is_resolved_when_a_later_poll_reads_the_stream_to_the_end,
    a_delivery_cut_off_mid_write_gives_its_event_back,
    a_payment_overtaking_a_pending_reversal_waits_for_it,
);
