//! `/events`: newest first; `type` filters on the *object* type, `filter[type]` on the exact
//! event type, `related_to=<object>,<id>` on associated objects (the subject and its customer),
//! `start_date`/`end_date` (inclusive) on `timestamp`.

use super::{Reply, Req};
use crate::invoiced::error::ApiError;
use crate::invoiced::pagination::{ListSpec, paginate};
use crate::invoiced::store::State;

const SPEC: ListSpec = ListSpec {
    filterable: &["type", "user_id", "timestamp"],
    date_field: "timestamp",
    default_desc: true,
    has_metadata: false,
};

/// `GET /events/:id`.
pub fn get(state: &State, id: i64) -> Result<Reply, ApiError> {
    state
        .events
        .iter()
        .find(|e| e.id == id)
        .map(|e| Reply::ok(e.render()))
        .ok_or_else(|| ApiError::not_found("Event", id))
}

/// `GET /events`.
pub fn list(state: &State, req: &Req<'_>) -> Result<Reply, ApiError> {
    let object_type = req.query.get("type").filter(|t| !t.is_empty());
    let related = match req.query.get("related_to").filter(|r| !r.is_empty()) {
        None => None,
        Some(text) => {
            let (kind, id) = text
                .split_once(',')
                .and_then(|(k, i)| Some((k.trim().to_string(), i.trim().parse::<i64>().ok()?)))
                .ok_or_else(|| {
                    ApiError::invalid_param(
                        "related_to must look like `invoice,1234`",
                        "related_to",
                    )
                })?;
            Some((kind, id))
        }
    };
    let ids = state
        .events
        .iter()
        .filter(|e| object_type.is_none_or(|t| e.object_type == t))
        .filter(|e| {
            related
                .as_ref()
                .is_none_or(|(k, i)| e.related.iter().any(|(rk, ri)| rk == k && ri == i))
        })
        .map(|e| e.id)
        .collect();
    // Events are stored in ascending id order, so a binary search finds each one.
    let render = |id| {
        let at = state.events.binary_search_by_key(&id, |e| e.id).ok()?;
        Some(state.events[at].render())
    };
    paginate(SPEC, ids, render, req.query, req.base_url, req.path).map(Reply::list)
}
