//! In-memory store, retry queue and secrets for tests. One mutex guards all state, which makes every
//! method trivially atomic: the contract the durable adapters meet with transactions and
//! conditional writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use crate::config::secrets::ConnectionSecrets;
use crate::config::{ConnectionConfig, ConnectionId, RecordType};
use crate::model::{
    CursorState, Dependency, ErrorFilter, ErrorStatus, IntentKey, IntentState, Mapping,
    NewReconciliationError, ReconciliationError, RetryMessage, WorkItem, WriteIntent,
};
use crate::ports::{
    ConfigStore, CursorStore, EventClaim, EventLog, IntentStore, Lease, LeaseStore, MappingStore,
    ParkingStore, QueueError, ReconciliationStore, RetryQueue, SecretSource, SecretsError,
    StoreError, StoreResult,
};

type MappingKey = (ConnectionId, RecordType, String);

#[derive(Default)]
struct State {
    configs: BTreeMap<ConnectionId, ConnectionConfig>,
    by_invoiced: HashMap<MappingKey, Mapping>,
    by_intacct: HashMap<MappingKey, MappingKey>,
    intents: HashMap<IntentKey, WriteIntent>,
    errors: HashMap<(ConnectionId, String), ReconciliationError>,
    cursors: HashMap<(ConnectionId, String), CursorState>,
    events: HashMap<(ConnectionId, String), EventEntry>,
    leases: HashMap<(ConnectionId, u8), Lease>,
    parked: HashMap<(ConnectionId, Dependency), Vec<WorkItem>>,
}

/// Everything in one process's memory; lost on exit.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> StoreResult<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store poisoned by a panic".into()))
    }
}

#[async_trait]
impl ConfigStore for MemoryStore {
    async fn get_config(&self, connection: &ConnectionId) -> StoreResult<Option<ConnectionConfig>> {
        Ok(self.lock()?.configs.get(connection).cloned())
    }

    async fn put_config(&self, config: &ConnectionConfig) -> StoreResult<()> {
        self.lock()?
            .configs
            .insert(config.id.clone(), config.clone());
        Ok(())
    }

    async fn list_configs(&self) -> StoreResult<Vec<ConnectionConfig>> {
        Ok(self.lock()?.configs.values().cloned().collect())
    }
}

#[async_trait]
impl MappingStore for MemoryStore {
    async fn mapping_by_invoiced(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        invoiced_id: &str,
    ) -> StoreResult<Option<Mapping>> {
        let key = (connection.clone(), record_type, invoiced_id.to_owned());
        Ok(self.lock()?.by_invoiced.get(&key).cloned())
    }

    async fn mapping_by_intacct(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
        intacct_key: &str,
    ) -> StoreResult<Option<Mapping>> {
        let state = self.lock()?;
        let key = (connection.clone(), record_type, intacct_key.to_owned());
        Ok(state
            .by_intacct
            .get(&key)
            .and_then(|invoiced_key| state.by_invoiced.get(invoiced_key))
            .cloned())
    }

    async fn put_mapping(&self, mapping: &Mapping) -> StoreResult<()> {
        let mut state = self.lock()?;
        let inv_key = (
            mapping.connection.clone(),
            mapping.record_type,
            mapping.invoiced_id.clone(),
        );
        let int_key = (
            mapping.connection.clone(),
            mapping.record_type,
            mapping.intacct_key.clone(),
        );
        if let Some(existing) = state.by_invoiced.get(&inv_key)
            && existing.intacct_key != mapping.intacct_key
        {
            return Err(StoreError::Conflict(format!(
                "{} {} is already mapped to Intacct {}",
                mapping.record_type, mapping.invoiced_id, existing.intacct_key
            )));
        }
        if let Some(owner) = state.by_intacct.get(&int_key)
            && owner != &inv_key
        {
            return Err(StoreError::Conflict(format!(
                "Intacct {} {} is already mapped to Invoiced {}",
                mapping.record_type, mapping.intacct_key, owner.2
            )));
        }
        state.by_intacct.insert(int_key, inv_key.clone());
        state.by_invoiced.insert(inv_key, mapping.clone());
        Ok(())
    }

    async fn count_mappings(
        &self,
        connection: &ConnectionId,
        record_type: RecordType,
    ) -> StoreResult<u64> {
        Ok(self
            .lock()?
            .by_invoiced
            .keys()
            .filter(|(c, t, _)| c == connection && *t == record_type)
            .count() as u64)
    }
}

#[async_trait]
impl IntentStore for MemoryStore {
    async fn get_intent(&self, key: &IntentKey) -> StoreResult<Option<WriteIntent>> {
        Ok(self.lock()?.intents.get(key).cloned())
    }

    async fn begin_intent(&self, fresh: &WriteIntent) -> StoreResult<WriteIntent> {
        Ok(self
            .lock()?
            .intents
            .entry(fresh.key.clone())
            .or_insert_with(|| WriteIntent {
                version: 1,
                ..fresh.clone()
            })
            .clone())
    }

    async fn transition_intent(
        &self,
        from: &WriteIntent,
        state: IntentState,
        generation: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteIntent> {
        let key = &from.key;
        let mut guard = self.lock()?;
        let intent = guard
            .intents
            .get_mut(key)
            .ok_or_else(|| StoreError::NotFound(format!("intent {}", key.control_id(0))))?;
        if intent.version != from.version {
            return Err(StoreError::Conflict(format!(
                "intent {} is at version {}, not {}",
                key.control_id(intent.generation),
                intent.version,
                from.version
            )));
        }
        intent.state = state;
        intent.generation = generation;
        intent.version += 1;
        intent.updated_at = now;
        Ok(intent.clone())
    }
}

#[async_trait]
impl ReconciliationStore for MemoryStore {
    async fn record_error(
        &self,
        error: NewReconciliationError,
        now: DateTime<Utc>,
    ) -> StoreResult<ReconciliationError> {
        let id = ReconciliationError::id_for(error.direction, error.record_type, &error.record_id);
        let mut state = self.lock()?;
        let key = (error.connection.clone(), id);
        let recorded = ReconciliationError::recorded(state.errors.remove(&key), &error, now);
        state.errors.insert(key, recorded.clone());
        Ok(recorded)
    }

    async fn get_error(
        &self,
        connection: &ConnectionId,
        id: &str,
    ) -> StoreResult<Option<ReconciliationError>> {
        Ok(self
            .lock()?
            .errors
            .get(&(connection.clone(), id.to_owned()))
            .cloned())
    }

    async fn list_errors(
        &self,
        connection: &ConnectionId,
        filter: &ErrorFilter,
    ) -> StoreResult<Vec<ReconciliationError>> {
        let mut errors: Vec<_> = self
            .lock()?
            .errors
            .values()
            .filter(|e| &e.connection == connection && filter.matches(e))
            .cloned()
            .collect();
        errors.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.id.cmp(&b.id)));
        Ok(errors)
    }

    async fn set_error_status(
        &self,
        connection: &ConnectionId,
        id: &str,
        status: ErrorStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut state = self.lock()?;
        let error = state
            .errors
            .get_mut(&(connection.clone(), id.to_owned()))
            .ok_or_else(|| StoreError::NotFound(format!("reconciliation error {id}")))?;
        error.status = status;
        error.last_seen = error.last_seen.max(now);
        Ok(())
    }
}

#[async_trait]
impl CursorStore for MemoryStore {
    async fn get_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
    ) -> StoreResult<CursorState> {
        Ok(self
            .lock()?
            .cursors
            .get(&(connection.clone(), stream.to_owned()))
            .cloned()
            .unwrap_or_default())
    }

    async fn put_cursor(
        &self,
        connection: &ConnectionId,
        stream: &str,
        state: &CursorState,
    ) -> StoreResult<()> {
        let mut guard = self.lock()?;
        let current = guard
            .cursors
            .get(&(connection.clone(), stream.to_owned()))
            .map_or(0, |c| c.version);
        if state.version != current + 1 {
            return Err(StoreError::Conflict(format!(
                "cursor {stream} is at version {current}; the write expected {}",
                state.version.saturating_sub(1)
            )));
        }
        guard
            .cursors
            .insert((connection.clone(), stream.to_owned()), state.clone());
        Ok(())
    }
}

/// A webhook event's entry: claimed by `holder` until `until`, or handled (no holder).
struct EventEntry {
    holder: Option<String>,
    until: DateTime<Utc>,
}

#[async_trait]
impl EventLog for MemoryStore {
    async fn claim_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
        claim_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<EventClaim> {
        let mut guard = self.lock()?;
        let key = (connection.clone(), event_id.to_owned());
        match guard.events.get(&key) {
            Some(entry) if entry.until > now => Ok(if entry.holder.is_some() {
                EventClaim::InProgress
            } else {
                EventClaim::Handled
            }),
            _ => {
                guard.events.insert(
                    key,
                    EventEntry {
                        holder: Some(holder.to_owned()),
                        until: claim_until,
                    },
                );
                Ok(EventClaim::Claimed)
            }
        }
    }

    async fn finish_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.lock()?.events.insert(
            (connection.clone(), event_id.to_owned()),
            EventEntry {
                holder: None,
                until: expires_at,
            },
        );
        Ok(())
    }

    async fn release_event(
        &self,
        connection: &ConnectionId,
        event_id: &str,
        holder: &str,
    ) -> StoreResult<()> {
        let mut guard = self.lock()?;
        let key = (connection.clone(), event_id.to_owned());
        if guard
            .events
            .get(&key)
            .is_some_and(|e| e.holder.as_deref() == Some(holder))
        {
            guard.events.remove(&key);
        }
        Ok(())
    }
}

#[async_trait]
impl LeaseStore for MemoryStore {
    async fn try_acquire_lease(
        &self,
        connection: &ConnectionId,
        slots: u8,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Lease>> {
        let mut state = self.lock()?;
        let expires_at = chrono::Duration::from_std(ttl)
            .ok()
            .and_then(|ttl| now.checked_add_signed(ttl))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        for slot in 0..slots {
            let key = (connection.clone(), slot);
            let free = state.leases.get(&key).is_none_or(|l| l.expires_at <= now);
            if free {
                let lease = Lease {
                    connection: connection.clone(),
                    slot,
                    holder: holder.to_owned(),
                    expires_at,
                };
                state.leases.insert(key, lease.clone());
                return Ok(Some(lease));
            }
        }
        Ok(None)
    }

    async fn release_lease(&self, lease: &Lease) -> StoreResult<()> {
        let mut state = self.lock()?;
        let key = (lease.connection.clone(), lease.slot);
        if state
            .leases
            .get(&key)
            .is_some_and(|l| l.holder == lease.holder)
        {
            state.leases.remove(&key);
        }
        Ok(())
    }
}

#[async_trait]
impl ParkingStore for MemoryStore {
    async fn park(
        &self,
        dependency: &Dependency,
        work: &WorkItem,
        _reason: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut state = self.lock()?;
        let waiting = state
            .parked
            .entry((work.connection.clone(), dependency.clone()))
            .or_default();
        if !waiting.contains(work) {
            waiting.push(work.clone());
        }
        Ok(())
    }

    async fn take_parked(
        &self,
        connection: &ConnectionId,
        dependency: &Dependency,
    ) -> StoreResult<Vec<WorkItem>> {
        Ok(self
            .lock()?
            .parked
            .remove(&(connection.clone(), dependency.clone()))
            .unwrap_or_default())
    }

    async fn count_parked(&self, connection: &ConnectionId) -> StoreResult<u64> {
        Ok(self
            .lock()?
            .parked
            .iter()
            .filter(|((c, _), _)| c == connection)
            .map(|(_, items)| items.len() as u64)
            .sum())
    }
}

/// A retry queue that keeps messages in memory with their due time.
#[derive(Default)]
pub struct MemoryQueue {
    messages: Mutex<Vec<(RetryMessage, Duration)>>,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes and returns everything queued, with the delay each was queued with.
    pub fn drain(&self) -> Vec<(RetryMessage, Duration)> {
        self.messages
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

#[async_trait]
impl RetryQueue for MemoryQueue {
    async fn enqueue(&self, message: &RetryMessage, delay: Duration) -> Result<(), QueueError> {
        self.messages
            .lock()
            .map_err(|_| QueueError("memory queue poisoned by a panic".into()))?
            .push((message.clone(), delay));
        Ok(())
    }
}

/// Credentials held in memory (tests, the demo, and the one-machine runner, which reads them
/// from a file at start-up). Counts invalidations so tests can see a refresh was asked for.
#[derive(Default)]
pub struct StaticSecrets {
    secrets: Mutex<HashMap<ConnectionId, ConnectionSecrets>>,
    invalidations: std::sync::atomic::AtomicU64,
}

impl StaticSecrets {
    /// No credentials yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or rotates) the credentials of a connection.
    pub fn set(&self, connection: &ConnectionId, secrets: ConnectionSecrets) {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(connection.clone(), secrets);
    }

    /// How many times a refresh was requested.
    pub fn invalidations(&self) -> u64 {
        self.invalidations
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn secrets(&self, connection: &ConnectionId) -> Result<ConnectionSecrets, SecretsError> {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(connection)
            .cloned()
            .ok_or_else(|| SecretsError {
                connection: connection.clone(),
                reason: "no credentials stored for this connection".into(),
            })
    }

    async fn invalidate(&self, _connection: &ConnectionId) {
        self.invalidations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_store_meets_the_store_contract() {
        crate::testing::store_contract::run_all(&MemoryStore::new()).await;
    }
}
