//! Scenarios for the SQLite adapter: the shared store contract on memory and on disk, restarts,
//! racing writers on one file, and the retry queue's SQS-like behaviour.

mod queue;
mod store;

use chrono::{DateTime, TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::config::ConnectionId;
use crate::ports::Clock;

/// A database file in the temp dir, deleted (with its WAL and shared-memory files) on drop.
pub(super) struct TempDb {
    path: PathBuf,
}

impl TempDb {
    pub(super) fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "sync-engine-sqlite-{name}-{}-{unique}.db",
            std::process::id()
        ));
        let db = Self { path };
        db.remove_files();
        db
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    fn remove_files(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove_files();
    }
}

/// A clock the test moves by hand.
pub(super) struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub(super) fn at(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    pub(super) fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().expect("test clock") = now;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("test clock")
    }
}

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub(super) fn connection(name: &str) -> ConnectionId {
    ConnectionId::parse(name).expect("valid connection id")
}
