//! List query parameters.
//!
//! Encoding choice: keys are form-encoded like reqwest's `.query()` does, so `metadata[intacct_id]=X`
//! goes out as `metadata%5Bintacct_id%5D=X`. Invoiced runs on PHP, which percent-decodes the key before
//! parsing the bracket syntax, so encoded and raw brackets are equivalent on the server; the official
//! PHP library (`http_build_query`) also sends them encoded. Spaces become `+` (`sort=updated_at+ASC`).

use crate::models::{EventType, MetadataKey};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use url::Url;

/// Largest page Invoiced serves (larger `per_page` values are clamped by the server anyway).
pub const MAX_PER_PAGE: u8 = 100;

/// Filters and ordering for a list endpoint. Unset parts are not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    filters: BTreeMap<String, String>,
    metadata: BTreeMap<MetadataKey, String>,
    sort: Option<String>,
    updated_after: Option<DateTime<Utc>>,
    updated_before: Option<DateTime<Utc>>,
    start_date: Option<DateTime<Utc>>,
    end_date: Option<DateTime<Utc>>,
    per_page: u8,
    extra: BTreeMap<String, String>,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            filters: BTreeMap::new(),
            metadata: BTreeMap::new(),
            sort: None,
            updated_after: None,
            updated_before: None,
            start_date: None,
            end_date: None,
            per_page: MAX_PER_PAGE,
            extra: BTreeMap::new(),
        }
    }
}

impl ListParams {
    /// No filters, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// `filter[field]=value`: exact match, AND-ed with other filters. Unknown fields are answered
    /// with 400 `Invalid filter parameter`; booleans must be sent as `0`/`1`.
    pub fn filter(mut self, field: impl Into<String>, value: impl ToString) -> Self {
        self.filters.insert(field.into(), value.to_string());
        self
    }

    /// `metadata[key]=value`: exact match on a custom field; records without the key are excluded.
    /// This is how a record is found by its Intacct id.
    pub fn metadata(mut self, key: MetadataKey, value: impl Into<String>) -> Self {
        self.metadata.insert(key, value.into());
        self
    }

    /// `sort`, e.g. `updated_at ASC`; the server appends `id ASC` as a tie-breaker.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// `updated_after`: strictly later than the given second (overlap the bookmark by a safety window).
    pub fn updated_after(mut self, at: DateTime<Utc>) -> Self {
        self.updated_after = Some(at);
        self
    }

    /// `updated_before`: strictly earlier than the given second.
    pub fn updated_before(mut self, at: DateTime<Utc>) -> Self {
        self.updated_before = Some(at);
        self
    }

    /// `start_date` (inclusive): the document `date` for documents and payments, the event `timestamp`
    /// for events.
    pub fn start_date(mut self, at: DateTime<Utc>) -> Self {
        self.start_date = Some(at);
        self
    }

    /// `end_date` (inclusive), the counterpart of [`ListParams::start_date`].
    pub fn end_date(mut self, at: DateTime<Utc>) -> Self {
        self.end_date = Some(at);
        self
    }

    /// Only events of this exact type (`filter[type]=invoice.created`). Note that the bare `type`
    /// parameter of `/events` filters by *object* type, not event type.
    pub fn event_type(self, event_type: &EventType) -> Self {
        self.filter("type", event_type.as_str())
    }

    /// Page size, 1 to 100 (out-of-range values are clamped).
    pub fn per_page(mut self, per_page: u8) -> Self {
        self.per_page = per_page.clamp(1, MAX_PER_PAGE);
        self
    }

    /// Any other parameter (`related_to`, `expand`, `exclude`, ...).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// Whether `name` was set through [`ListParams::param`].
    pub(crate) fn has_param(&self, name: &str) -> bool {
        self.extra.contains_key(name)
    }

    /// Appends the parameters to `url`'s query string.
    pub(crate) fn apply(&self, url: &mut Url) {
        let mut query = url.query_pairs_mut();
        for (field, value) in &self.filters {
            query.append_pair(&format!("filter[{field}]"), value);
        }
        for (key, value) in &self.metadata {
            query.append_pair(&format!("metadata[{key}]"), value);
        }
        if let Some(sort) = &self.sort {
            query.append_pair("sort", sort);
        }
        let unix = |at: &DateTime<Utc>| at.timestamp().to_string();
        if let Some(at) = &self.updated_after {
            query.append_pair("updated_after", &unix(at));
        }
        if let Some(at) = &self.updated_before {
            query.append_pair("updated_before", &unix(at));
        }
        if let Some(at) = &self.start_date {
            query.append_pair("start_date", &unix(at));
        }
        if let Some(at) = &self.end_date {
            query.append_pair("end_date", &unix(at));
        }
        for (name, value) in &self.extra {
            query.append_pair(name, value);
        }
        query.append_pair("per_page", &self.per_page.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query_of(params: &ListParams) -> String {
        let mut url = Url::parse("http://h/customers").expect("url");
        params.apply(&mut url);
        url.query().unwrap_or_default().to_owned()
    }

    #[test]
    fn metadata_and_filters_use_percent_encoded_brackets() {
        let key = MetadataKey::parse("intacct_customer_id").expect("key");
        let params = ListParams::new()
            .metadata(key, "C-100 & co")
            .filter("customer", 15444)
            .sort("updated_at ASC");
        assert_eq!(
            query_of(&params),
            "filter%5Bcustomer%5D=15444&metadata%5Bintacct_customer_id%5D=C-100+%26+co&sort=updated_at+ASC&per_page=100"
        );
    }

    #[test]
    fn times_are_unix_seconds_and_page_size_is_clamped() {
        let at = Utc
            .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
            .single()
            .expect("time");
        let params = ListParams::new()
            .updated_after(at)
            .start_date(at)
            .event_type(&EventType::InvoiceCreated)
            .per_page(0);
        assert_eq!(
            query_of(&params),
            "filter%5Btype%5D=invoice.created&updated_after=1704164645&start_date=1704164645&per_page=1"
        );
    }
}
