//! The poller: every enabled connection is read from Intacct; a paused one is left alone.
//! (The poll is the shared `sync_engine::operator::poll_enabled`, as on AWS.)

mod common;

use std::time::Duration;

use common::World;
use sandbox::intacct::{IntacctConfig, SeedSpec};
use sync_engine::operator::{PollBudget, PollResult, poll_enabled};

#[tokio::test]
async fn a_poll_imports_what_intacct_has_and_skips_paused_connections() {
    let world = World::start_with(IntacctConfig {
        seed: SeedSpec {
            customers: 2,
            invoices: 3,
            ..SeedSpec::default()
        },
        ..IntacctConfig::default()
    })
    .await;
    let store = world.service.engine.store().as_ref();

    syncd::ops::set_enabled(store, &world.conn, false)
        .await
        .expect("pause");
    let paused = poll_enabled(
        &world.service.engine,
        PollBudget::Each(Duration::from_secs(30)),
    )
    .await
    .expect("poll");
    assert!(paused.is_empty(), "a paused connection is not polled");
    assert!(world.invoiced.handle().invoices().is_empty());

    syncd::ops::set_enabled(store, &world.conn, true)
        .await
        .expect("resume");
    let results = poll_enabled(
        &world.service.engine,
        PollBudget::Each(Duration::from_secs(30)),
    )
    .await
    .expect("poll");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].connection, world.conn);
    assert!(
        matches!(results[0].result, PollResult::Read { finished: true, imported } if imported > 0),
        "{:?}",
        results[0]
    );
    assert_eq!(world.invoiced.handle().invoices().len(), 3);
    assert_eq!(world.invoiced.handle().customers().len(), 2);
}
