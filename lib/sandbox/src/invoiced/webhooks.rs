//! Webhook delivery exactly as Invoiced does it, with injectable duplicates and reordering.
//!
//! Each event is POSTed as the raw event JSON with `User-Agent: Invoiced/1.0`,
//! `Content-Type: application/json` and `X-Invoiced-Signature` = lowercase hex HMAC-SHA256 of the
//! raw body keyed by the webhook secret (no timestamp, no prefix). Any 2xx is success; redirects
//! are not followed (a 3xx is a failure); 30 s total / 10 s connect timeouts. Failures are retried
//! on a schedule (the backend: hourly, 48 attempts); after the last retry, or at once on
//! `410 Gone`, the webhook is disabled, as the backend disables every webhook with that URL.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

use super::events::Event;
use super::faults::Dice;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Invoiced-Signature";

/// Lowercase hex HMAC-SHA256 of `body` keyed by `secret` — the `X-Invoiced-Signature` value.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an impossible value.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Webhook settings, changeable at runtime.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Endpoint; no deliveries are queued while unset.
    pub url: Option<String>,
    /// Signing secret (the backend generates 32 alphanumeric characters).
    pub secret: SecretString,
    /// Probability that a delivery is also sent a second time.
    pub duplicate_rate: f64,
    /// Probability that a delivery is held back and sent after the next one.
    pub reorder_rate: f64,
    /// Wait before each retry; its length is the number of retries (backend: 47 × 1 h).
    pub retry_schedule: Vec<Duration>,
    /// False once disabled by `410 Gone` or retry exhaustion; setting a URL re-enables.
    pub enabled: bool,
}

/// One delivery attempt as recorded for tests and the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// Event id.
    pub event_id: i64,
    /// Event type.
    pub event_type: String,
    /// Target URL.
    pub url: String,
    /// 1 for the first try of this delivery, 2 for the first retry …
    pub attempt: u32,
    /// Whether this delivery is an injected duplicate.
    pub duplicate: bool,
    /// HTTP status, when a response arrived.
    pub status_code: Option<u16>,
    /// Connection or timeout error, when none did.
    pub error: Option<String>,
    /// 2xx.
    pub succeeded: bool,
    /// The `X-Invoiced-Signature` sent.
    pub signature: String,
    /// Unix seconds.
    pub timestamp: i64,
}

#[derive(Debug, Clone)]
struct Delivery {
    event_id: i64,
    event_type: String,
    body: String,
    attempts: u32,
    duplicate: bool,
    due: Instant,
}

#[derive(Debug, Default)]
struct Queue {
    ready: VecDeque<Delivery>,
    waiting: Vec<Delivery>,
    held: Option<Delivery>,
}

/// The delivery machinery shared by the worker task, the API and the control handle.
#[derive(Debug)]
pub struct WebhookHub {
    settings: RwLock<WebhookSettings>,
    queue: Mutex<Queue>,
    attempts: Mutex<Vec<WebhookAttempt>>,
    paused: AtomicBool,
    busy: AtomicUsize,
    wake: Notify,
    dice: Dice,
    client: reqwest::Client,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl WebhookHub {
    /// A hub with settings and a fault seed.
    pub fn new(settings: WebhookSettings, seed: u64) -> anyhow::Result<WebhookHub> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(WebhookHub {
            settings: RwLock::new(settings),
            queue: Mutex::new(Queue::default()),
            attempts: Mutex::new(Vec::new()),
            paused: AtomicBool::new(false),
            busy: AtomicUsize::new(0),
            wake: Notify::new(),
            dice: Dice::new(seed ^ 0x5eed_b00c),
            client,
        })
    }

    /// Current settings.
    pub fn settings(&self) -> WebhookSettings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Change settings.
    pub fn update(&self, change: impl FnOnce(&mut WebhookSettings)) {
        change(&mut self.settings.write().unwrap_or_else(|p| p.into_inner()));
        self.wake.notify_one();
    }

    /// Queue deliveries for newly written events, applying duplicate and reorder injection.
    pub fn enqueue(&self, events: &[Event]) {
        let settings = self.settings();
        if settings.url.is_none() || !settings.enabled || events.is_empty() {
            return;
        }
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        for event in events {
            let delivery = Delivery {
                event_id: event.id,
                event_type: event.kind.clone(),
                body: event.render().to_text(),
                attempts: 0,
                duplicate: false,
                due: Instant::now(),
            };
            let mut batch = vec![delivery.clone()];
            if self.dice.roll(settings.duplicate_rate) {
                batch.push(Delivery {
                    duplicate: true,
                    ..delivery
                });
            }
            for item in batch {
                if queue.held.is_none() && self.dice.roll(settings.reorder_rate) {
                    queue.held = Some(item);
                    continue;
                }
                queue.ready.push_back(item);
                if let Some(held) = queue.held.take() {
                    queue.ready.push_back(held);
                }
            }
        }
        drop(queue);
        self.wake.notify_one();
    }

    /// Stop delivering (deliveries keep queueing).
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    /// Resume delivering.
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether delivery is paused.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> Vec<WebhookAttempt> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Deliveries queued, waiting for a retry, or held back for reordering.
    pub fn pending(&self) -> usize {
        let q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.ready.len() + q.waiting.len() + usize::from(q.held.is_some())
    }

    /// Attempt every queued delivery once now — retries included, ignoring their wait, held
    /// ones included — even while paused; returns how many were attempted. Failures are
    /// rescheduled as usual.
    pub async fn flush(&self) -> usize {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.busy.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let batch: Vec<Delivery> = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            let mut waiting = std::mem::take(&mut q.waiting);
            waiting.sort_by_key(|d| d.due);
            let mut all: Vec<Delivery> = q.ready.drain(..).collect();
            all.extend(waiting);
            all.extend(q.held.take());
            all
        };
        let count = batch.len();
        for delivery in batch {
            self.deliver(delivery).await;
        }
        count
    }

    fn next_due(&self) -> Result<Delivery, Option<Instant>> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_paused() {
            return Err(None);
        }
        if let Some(d) = q.ready.pop_front() {
            return Ok(d);
        }
        let now = Instant::now();
        if let Some(pos) = q.waiting.iter().position(|d| d.due <= now) {
            return Ok(q.waiting.remove(pos));
        }
        Err(q.waiting.iter().map(|d| d.due).min())
    }

    /// The delivery loop; runs until the task is aborted.
    pub async fn run(self: std::sync::Arc<Self>) {
        loop {
            match self.next_due() {
                Ok(delivery) => {
                    self.busy.fetch_add(1, Ordering::SeqCst);
                    self.deliver(delivery).await;
                    self.busy.fetch_sub(1, Ordering::SeqCst);
                }
                Err(Some(due)) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep_until(due.into()) => {}
                    }
                }
                Err(None) => self.wake.notified().await,
            }
        }
    }

    async fn deliver(&self, mut delivery: Delivery) {
        let settings = self.settings();
        let (Some(url), true) = (settings.url.clone(), settings.enabled) else {
            return;
        };
        let signature = sign(settings.secret.expose_secret(), delivery.body.as_bytes());
        delivery.attempts += 1;
        let result = self
            .client
            .post(&url)
            .header("User-Agent", "Invoiced/1.0")
            .header("Content-Type", "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .body(delivery.body.clone())
            .send()
            .await;
        let (status_code, error) = match result {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let succeeded = status_code.is_some_and(|s| (200..300).contains(&s));
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(WebhookAttempt {
                event_id: delivery.event_id,
                event_type: delivery.event_type.clone(),
                url,
                attempt: delivery.attempts,
                duplicate: delivery.duplicate,
                status_code,
                error,
                succeeded,
                signature,
                timestamp: unix_now(),
            });
        if succeeded {
            return;
        }
        let retry_wait = settings
            .retry_schedule
            .get(delivery.attempts as usize - 1)
            .copied();
        match (status_code, retry_wait) {
            (Some(410), _) | (_, None) => {
                tracing::warn!(
                    event_id = delivery.event_id,
                    "webhook disabled after failed deliveries"
                );
                self.update(|s| s.enabled = false);
            }
            (_, Some(wait)) => {
                delivery.due = Instant::now() + wait;
                self.queue
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .waiting
                    .push(delivery);
                self.wake.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_backend_test_vector() {
        // tests/Webhooks/PusherTest.php (see lib/sandbox/tests/fixtures/invoiced/SOURCES.md).
        assert_eq!(
            sign("4b37d5776dad4059ab4c80fa072e3fce", br#"{"test":true}"#),
            "341cb5ca9555e923c908c2eb5d36189ea11d90c0dfd559377c5edb669f9cf240"
        );
    }
}
