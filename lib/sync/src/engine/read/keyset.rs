//! Keyset paging over Intacct objects in (WHENMODIFIED, RECORDNO) order.
//!
//! Offset paging skips or repeats rows when records change between pages; a keyset ("every row
//! after this one") does neither, and a cursor that names the last processed row is exact. Rows
//! whose WHENMODIFIED is NULL (Intacct leaves it unset on some imported records) cannot be
//! ordered by it, so they get a pass of their own keyed by RECORDNO alone.

use chrono::NaiveDateTime;
use intacct::Record;
use intacct::functions::{Filter, Query, SortDirection};
use intacct::types::format_us_datetime;

use crate::model::KeysetPosition;

/// The fields a keyset scan reads: the row's key and its position.
pub const KEYSET_FIELDS: [&str; 2] = ["RECORDNO", "WHENMODIFIED"];

/// Rows per keyset page (the `query` function allows up to 2,000; 1,000 keeps a page's response
/// around 2 MB for wide objects).
pub const PAGE_SIZE: u32 = 1000;

/// Which rows a keyset pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Rows with a WHENMODIFIED, after a position.
    Modified,
    /// Rows whose WHENMODIFIED is NULL, after a RECORDNO.
    NullModified,
    /// Every row after a RECORDNO (reads over a fixed date range).
    ByRecordNo,
}

/// The filter selecting rows strictly after `after` in the pass's order.
pub fn after_filter(pass: Pass, after: Option<KeysetPosition>) -> Option<Filter> {
    match (pass, after) {
        (Pass::Modified, None) => Some(Filter::IsNotNull("WHENMODIFIED".into())),
        (Pass::Modified, Some(p)) => {
            let ts = format_us_datetime(p.when_modified);
            Some(Filter::Or(vec![
                Filter::gt("WHENMODIFIED", ts.clone()),
                Filter::And(vec![
                    Filter::eq("WHENMODIFIED", ts),
                    Filter::gt("RECORDNO", p.record_no.to_string()),
                ]),
            ]))
        }
        (Pass::ByRecordNo, after) => after.map(|p| Filter::gt("RECORDNO", p.record_no.to_string())),
        (Pass::NullModified, None) => Some(Filter::is_null("WHENMODIFIED")),
        (Pass::NullModified, Some(p)) => Some(Filter::And(vec![
            Filter::is_null("WHENMODIFIED"),
            Filter::gt("RECORDNO", p.record_no.to_string()),
        ])),
    }
}

/// The start of an incremental read: `look_back` before the committed position, so rows that
/// became visible late (Intacct is eventually consistent; long transactions stamp WHENMODIFIED
/// at their start) are read again. Re-read rows are recognised by their mappings.
pub fn rewind(committed: KeysetPosition, look_back: chrono::Duration) -> KeysetPosition {
    KeysetPosition {
        when_modified: committed
            .when_modified
            .checked_sub_signed(look_back)
            .unwrap_or(NaiveDateTime::MIN),
        record_no: 0,
    }
}

/// One keyset page query of `object`, with the caller's extra filter ANDed in.
pub fn page_query(
    object: &str,
    fields: &[&str],
    pass: Pass,
    after: Option<KeysetPosition>,
    extra: Option<Filter>,
) -> Query {
    let filters: Vec<Filter> = after_filter(pass, after).into_iter().chain(extra).collect();
    let mut query = Query::new(object, fields.iter().copied()).page_size(PAGE_SIZE);
    query = match filters.len() {
        0 => query,
        1 => query.filter(filters.into_iter().next().expect("one filter")),
        _ => query.filter(Filter::And(filters)),
    };
    if pass == Pass::Modified {
        query = query.order_by("WHENMODIFIED", SortDirection::Ascending);
    }
    query.order_by("RECORDNO", SortDirection::Ascending)
}

/// Where a scanned row sits in the pass's order.
pub fn position(row: &Record, pass: Pass) -> KeysetPosition {
    let record_no = row
        .non_empty("RECORDNO")
        .and_then(|k| k.parse().ok())
        .unwrap_or_default();
    let when_modified = if pass != Pass::Modified {
        NaiveDateTime::MIN
    } else {
        row.datetime("WHENMODIFIED")
            .ok()
            .flatten()
            .unwrap_or(NaiveDateTime::MIN)
    };
    KeysetPosition {
        when_modified,
        record_no,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("valid")
    }

    #[test]
    fn the_keyset_resumes_strictly_after_the_last_row() {
        let filter = after_filter(
            Pass::Modified,
            Some(KeysetPosition {
                when_modified: at(10, 0),
                record_no: 42,
            }),
        )
        .expect("filter");
        assert_eq!(
            filter,
            Filter::Or(vec![
                Filter::gt("WHENMODIFIED", "11/25/2026 10:00:00"),
                Filter::And(vec![
                    Filter::eq("WHENMODIFIED", "11/25/2026 10:00:00"),
                    Filter::gt("RECORDNO", "42"),
                ]),
            ])
        );
    }

    #[test]
    fn null_modified_rows_are_paged_by_recordno() {
        let filter = after_filter(
            Pass::NullModified,
            Some(KeysetPosition {
                when_modified: NaiveDateTime::MIN,
                record_no: 7,
            }),
        );
        assert_eq!(
            filter,
            Some(Filter::And(vec![
                Filter::is_null("WHENMODIFIED"),
                Filter::gt("RECORDNO", "7"),
            ]))
        );
    }

    #[test]
    fn the_look_back_rewinds_from_the_committed_position() {
        let committed = KeysetPosition {
            when_modified: at(10, 0),
            record_no: 42,
        };
        assert_eq!(
            rewind(committed, chrono::Duration::minutes(60)),
            KeysetPosition {
                when_modified: at(9, 0),
                record_no: 0
            }
        );
    }
}
