//! The event feed (`/events`), used to catch up on missed webhooks.

use super::Resource;
use crate::client::Client;
use crate::error::Error;
use crate::models::{Event, EventId, EventType};
use crate::pagination::Page;
use crate::query::ListParams;
use chrono::{DateTime, Utc};
use futures::Stream;

/// Event operations. Events are immutable and listed **newest first** (`id DESC`).
#[derive(Debug, Clone)]
pub struct Events {
    inner: Resource<Event>,
}

impl Events {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            inner: Resource::new(client),
        }
    }

    /// `GET /events/:id`.
    pub async fn retrieve(&self, id: EventId) -> Result<Event, Error> {
        self.inner.retrieve(id).await
    }

    /// Events with `timestamp >= since`, optionally of one exact type, newest first. Process them in
    /// ascending `id` and de-duplicate by id: webhooks may have delivered some already.
    pub fn list_since(
        &self,
        since: DateTime<Utc>,
        event_type: Option<&EventType>,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + 'static + use<> {
        let mut params = ListParams::new().start_date(since);
        if let Some(event_type) = event_type {
            params = params.event_type(event_type);
        }
        self.inner.list(&params)
    }

    /// Events matching arbitrary parameters (`end_date`, `related_to`, ...).
    pub fn list(
        &self,
        params: &ListParams,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + 'static + use<> {
        self.inner.list(params)
    }

    /// Pages of events with `X-Total-Count`.
    pub fn list_pages(
        &self,
        params: &ListParams,
    ) -> impl Stream<Item = Result<Page<Event>, Error>> + Send + 'static + use<> {
        self.inner.list_pages(params)
    }
}
