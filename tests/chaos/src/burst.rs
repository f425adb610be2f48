//! Bursts of concurrent copies: an event just written by the Invoiced sandbox, read from its
//! event list, signed with the webhook secret exactly as the sandbox signs deliveries
//! (`X-Invoiced-Signature` = hex HMAC-SHA256 of the raw body) and POSTed to syncd several times at
//! the same moment — what Invoiced does when its delivery worker retries while the first
//! delivery is still being answered. The sandbox's own delivery is held from just before the
//! record is written until the copies go out, so it joins the race instead of winning it.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

use sandbox::invoiced::InvoicedHandle;
use sandbox::invoiced::webhooks::SIGNATURE_HEADER;

use crate::load::event_object_id;

/// Sends bursts and counts them.
pub struct Burster {
    http: reqwest::Client,
    invoiced_url: String,
    api_key: SecretString,
    secret: SecretString,
    webhook_url: String,
    invoiced: InvoicedHandle,
    holds: std::sync::Mutex<usize>,
    /// Counters.
    pub stats: BurstStats,
}

/// What the bursts did.
#[derive(Debug, Default, Serialize)]
pub struct BurstStats {
    /// Bursts sent.
    pub bursts: AtomicU64,
    /// Copies POSTed in all.
    pub copies: AtomicU64,
    /// Copies answered 2xx.
    pub accepted: AtomicU64,
    /// Copies answered otherwise or not at all (syncd killed, 5xx).
    pub refused: AtomicU64,
}

impl Burster {
    /// A burster for the world's sandbox and syncd.
    pub fn new(world: &crate::world::World) -> Burster {
        Burster {
            http: reqwest::Client::new(),
            invoiced_url: world.invoiced.url.clone(),
            api_key: world.invoiced.api_key.clone(),
            secret: world.invoiced.webhook_secret.clone(),
            webhook_url: world.webhook_url.clone(),
            invoiced: world.invoiced.handle(),
            holds: std::sync::Mutex::new(0),
            stats: BurstStats::default(),
        }
    }

    /// Holds the sandbox's webhook deliveries (they keep queueing) until the matching
    /// [`Burster::burst`]; holds nest across concurrent users.
    pub fn hold(&self) {
        let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
        *holds += 1;
        self.invoiced.pause_webhooks();
    }

    fn release(&self) {
        let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
        *holds = holds.saturating_sub(1);
        if *holds == 0 {
            self.invoiced.resume_webhooks();
        }
    }

    /// Finds the newest event about `object_id`, releases the hold and POSTs `copies` signed
    /// copies of the event at once. Best effort: a burst that cannot find its event is skipped.
    pub async fn burst(&self, object_id: &str, copies: usize) {
        let event = self.newest_event_about(object_id).await;
        self.release();
        let Some(event) = event else {
            return;
        };
        let body = match serde_json::to_vec(&event) {
            Ok(body) => body,
            Err(_) => return,
        };
        let signature = sandbox::invoiced::sign(self.secret.expose_secret(), &body);
        let posts = (0..copies).map(|_| {
            self.http
                .post(&self.webhook_url)
                .header("User-Agent", "Invoiced/1.0")
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
                .send()
        });
        let answers = futures::future::join_all(posts).await;
        self.stats.bursts.fetch_add(1, Ordering::Relaxed);
        for answer in answers {
            self.stats.copies.fetch_add(1, Ordering::Relaxed);
            if answer.is_ok_and(|r| r.status().is_success()) {
                self.stats.accepted.fetch_add(1, Ordering::Relaxed);
            } else {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    async fn newest_event_about(&self, object_id: &str) -> Option<Value> {
        let events: Vec<Value> = self
            .http
            .get(format!("{}/events?per_page=50", self.invoiced_url))
            .basic_auth(self.api_key.expose_secret(), Some(""))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        events
            .into_iter()
            .find(|e| event_object_id(e).as_deref() == Some(object_id))
    }
}
