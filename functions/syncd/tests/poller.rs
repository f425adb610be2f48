//! The poller: every enabled connection is read from Intacct; a paused one is left alone.

mod common;

use std::time::Duration;

use common::World;
use sandbox::intacct::{IntacctConfig, SeedSpec};
use syncd::poller::poll_all;

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
    let paused = poll_all(&world.service.engine, Duration::from_secs(30))
        .await
        .expect("poll");
    assert!(paused.is_empty(), "a paused connection is not polled");
    assert!(world.invoiced.handle().invoices().is_empty());

    syncd::ops::set_enabled(store, &world.conn, true)
        .await
        .expect("resume");
    let results = poll_all(&world.service.engine, Duration::from_secs(30))
        .await
        .expect("poll");
    assert_eq!(results.len(), 1);
    let (id, report) = &results[0];
    assert_eq!(id, &world.conn);
    let report = report.as_ref().expect("poll succeeded");
    assert!(report.finished());
    assert_eq!(world.invoiced.handle().invoices().len(), 3);
    assert_eq!(world.invoiced.handle().customers().len(), 2);
}
