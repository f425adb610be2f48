//! [`LeaseStore`]: one row per (connection, slot); a slot is taken by inserting its row, or by
//! overwriting a row whose expiry has passed (a crashed holder).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;
use std::time::Duration;

use super::SqliteStore;
use super::codec::deadline;
use crate::config::ConnectionId;
use crate::ports::{Lease, LeaseStore, StoreResult};

#[async_trait]
impl LeaseStore for SqliteStore {
    async fn try_acquire_lease(
        &self,
        connection: &ConnectionId,
        slots: u8,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Lease>> {
        let expires_at = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|ttl| now.checked_add_signed(ttl))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let lease_template = Lease {
            connection: connection.clone(),
            slot: 0,
            holder: holder.to_owned(),
            expires_at,
        };
        let connection = connection.to_string();
        let holder = holder.to_owned();
        let stored_expiry = deadline(expires_at);
        let now = deadline(now);
        Ok(self
            .db
            .write(move |tx| {
                let mut take = tx.prepare(
                    "INSERT INTO leases (connection, slot, holder, expires_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (connection, slot) DO UPDATE SET
                         holder = excluded.holder, expires_at = excluded.expires_at
                     WHERE leases.expires_at <= ?5",
                )?;
                for slot in 0..slots {
                    if take.execute(params![connection, slot, holder, stored_expiry, now])? == 1 {
                        return Ok(Some(Lease {
                            slot,
                            ..lease_template
                        }));
                    }
                }
                Ok(None)
            })
            .await?)
    }

    async fn release_lease(&self, lease: &Lease) -> StoreResult<()> {
        let connection = lease.connection.to_string();
        let slot = lease.slot;
        let holder = lease.holder.clone();
        Ok(self
            .db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM leases WHERE connection = ?1 AND slot = ?2 AND holder = ?3",
                    params![connection, slot, holder],
                )?;
                Ok(())
            })
            .await?)
    }
}
