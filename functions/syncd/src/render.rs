//! Human-readable output: aligned plain-text tables (no colours, so output pipes cleanly),
//! with names a person reads (`invoices (Sales Invoice)`, not the cursor key behind it).

use chrono::{DateTime, Utc};

use sync_aws::secrets::Rotation;
use sync_engine::model::ReconciliationError;
use sync_engine::operator::{
    ConnectionStatus, ConnectionSummary, ReadSummary, Response, RetryAction, stream_name,
};
use sync_engine::ports::{DeadLetterList, LetterBody, QueueScope, Redriven};

/// Any operator answer, as text.
pub fn response(response: &Response) -> String {
    match response {
        Response::Connection(c) => connection(c),
        Response::Status(s) => status(s),
        Response::Errors(list) => errors(list),
        Response::Error(e) => error(e),
        Response::Retry(action) => retry(action),
        Response::Read(summary) => read_summary(summary),
        Response::DeadLetters(list) => dead_letters(list),
        Response::Redriven(r) => redriven(r),
    }
}

fn time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A record id as a person reads it: a stream-wide read error's `stream:<key>` names the
/// stream.
fn record(record_id: &str) -> String {
    match record_id.strip_prefix("stream:") {
        Some(key) => format!("whole stream: {}", stream_name(key)),
        None => record_id.to_owned(),
    }
}

/// `connection pause | resume`.
pub fn connection(c: &ConnectionSummary) -> String {
    format!(
        "connection {} is {}",
        c.connection,
        if c.enabled { "running" } else { "paused" }
    )
}

/// `errors retry`.
pub fn retry(action: &RetryAction) -> String {
    match action {
        RetryAction::Queued {
            record_type,
            invoiced_id,
        } => format!(
            "{record_type} {invoiced_id} queued for retry; the error resolves when it succeeds (run `syncd serve` or wait for the running worker)"
        ),
        RetryAction::Reimported {
            record_type,
            intacct_key,
            imported,
        } => format!(
            "Intacct {record_type} {intacct_key} read again: {}",
            if *imported {
                "imported into Invoiced; the error is resolved"
            } else {
                "not imported (see `errors show` for why)"
            }
        ),
        RetryAction::Polled { imported, finished } => format!(
            "poll ran: {imported} record(s) imported{}",
            if *finished {
                ""
            } else {
                " (stopped early; run sync-now to continue)"
            }
        ),
    }
}

/// Aligns `rows` under `headers`, two spaces between columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// `errors list`.
pub fn errors(errors: &[ReconciliationError]) -> String {
    if errors.is_empty() {
        return "no reconciliation errors".to_owned();
    }
    let rows: Vec<Vec<String>> = errors
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                e.status.as_str().to_owned(),
                e.direction.as_str().to_owned(),
                e.record_type.to_string(),
                record(&e.record_id),
                e.code.clone(),
                e.attempts.to_string(),
                time(&e.last_seen),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "STATUS",
            "DIRECTION",
            "TYPE",
            "RECORD",
            "CODE",
            "ATTEMPTS",
            "LAST SEEN (UTC)",
        ],
        &rows,
    )
}

/// `errors show`.
pub fn error(e: &ReconciliationError) -> String {
    format!(
        "error      {}\nstatus     {}\ndirection  {}\nrecord     {} {} ({})\ncode       {}\nmessage    {}\nfix        {}\nattempts   {}\nfirst seen {}\nlast seen  {}",
        e.id,
        e.status.as_str(),
        e.direction.as_str(),
        e.record_type,
        record(&e.record_id),
        e.operation,
        e.code,
        e.message,
        e.fix,
        e.attempts,
        e.first_seen.to_rfc3339(),
        e.last_seen.to_rfc3339(),
    )
}

/// `status`.
pub fn status(s: &ConnectionStatus) -> String {
    let mut out = format!(
        "connection {} ({})\n\n",
        s.connection,
        if s.enabled { "running" } else { "paused" }
    );
    let streams: Vec<Vec<String>> = s
        .streams
        .iter()
        .map(|st| {
            vec![
                st.name.clone(),
                st.last_sync_at
                    .as_ref()
                    .map(time)
                    .unwrap_or_else(|| "never".to_owned()),
            ]
        })
        .collect();
    out.push_str(&table(&["STREAM", "LAST SYNC (UTC)"], &streams));
    out.push_str("\n\n");
    let mappings: Vec<Vec<String>> = s
        .mappings
        .iter()
        .map(|(t, n)| vec![t.clone(), n.to_string()])
        .collect();
    out.push_str(&table(&["RECORD TYPE", "MAPPED"], &mappings));
    let scope = match s.queue_scope {
        QueueScope::Connection => "this connection",
        QueueScope::AllConnections => "all connections",
    };
    let about = if s.counts_approximate { "about " } else { "" };
    out.push_str(&format!(
        "\n\nretry queue   {about}{} queued, {about}{} due ({scope})\ndead letters  {about}{}\nparked        {}\nopen errors   {}",
        s.queue_total, s.queue_due, s.dead_letters, s.parked, s.open_errors
    ));
    out
}

/// `dlq list`: the letters looked at, then what the listing did not cover.
pub fn dead_letters(list: &DeadLetterList) -> String {
    let mut out = if list.letters.is_empty() {
        "no dead letters".to_owned()
    } else {
        let rows: Vec<Vec<String>> = list
            .letters
            .iter()
            .map(|l| {
                let dead_at = l
                    .dead_at
                    .as_ref()
                    .map(time)
                    .unwrap_or_else(|| "?".to_owned());
                let receives = l
                    .receive_count
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".to_owned());
                match &l.body {
                    LetterBody::Retry(m) => vec![
                        l.id.clone(),
                        m.work.connection.to_string(),
                        m.work.record_type.to_string(),
                        m.work.invoiced_id.clone(),
                        m.work.operation.to_string(),
                        m.attempt.to_string(),
                        receives,
                        dead_at,
                        l.dead_letter_reason
                            .clone()
                            .unwrap_or_else(|| m.reason.clone()),
                    ],
                    LetterBody::Unreadable {
                        unreadable,
                        body_preview,
                    } => {
                        let mut cells = vec![l.id.clone()];
                        cells.extend(std::iter::repeat_n("?".to_owned(), 5));
                        cells.extend([
                            receives,
                            dead_at,
                            format!(
                                "UNREADABLE: {unreadable}; body: {}",
                                body_preview.escape_debug()
                            ),
                        ]);
                        cells
                    }
                }
            })
            .collect();
        table(
            &[
                "ID",
                "CONNECTION",
                "TYPE",
                "INVOICED ID",
                "OPERATION",
                "ATTEMPT",
                "RECEIVES",
                "DEAD SINCE (UTC)",
                "REASON",
            ],
            &rows,
        )
    };
    if list
        .letters
        .iter()
        .any(|l| matches!(l.body, LetterBody::Unreadable { .. }))
    {
        out.push_str(
            "\nunreadable letters would fail again after a redrive (which moves them as they are): delete them in the SQS console",
        );
    }
    if list.maybe_more {
        out.push_str(&format!(
            "\n(listed {}; the dead letters number about {}: raise --limit to see more)",
            list.letters.len(),
            list.total
        ));
    }
    if !list.still_hidden.is_empty() {
        out.push_str(&format!(
            "\n{} letter(s) could not be made visible again and stay hidden for up to {} s: {}",
            list.still_hidden.len(),
            sync_aws::sqs::peek::PEEK_VISIBILITY_TIMEOUT.as_secs(),
            list.still_hidden.join(", ")
        ));
    }
    out
}

/// `dlq redrive`.
pub fn redriven(r: &Redriven) -> String {
    format!(
        "{} dead letter(s) put back on the retry queue{}",
        r.moved,
        if r.drained {
            "; none left"
        } else {
            " (more may remain: run it again)"
        }
    )
}

/// `connection secret`: what the rotation did, by field name only.
pub fn rotation(name: &str, rotation: &Rotation) -> String {
    let pickup = format!(
        "running functions use it within {} min (their cache), or at once after Intacct or Invoiced refuses the old credentials",
        sync_aws::runtime::SECRET_CACHE_TTL.as_secs().div_ceil(60)
    );
    match rotation {
        Rotation::Created => format!("secret {name} created (it did not exist); {pickup}"),
        Rotation::Updated { changed } => {
            let mut out = format!(
                "secret {name} updated; changed: {} (values not shown)\n{pickup}",
                changed.join(", ")
            );
            if changed.iter().any(|f| f == "invoiced_webhook_secret") {
                out.push_str(
                    "\nthe webhook secret changed: set the same value in Invoiced (Settings → Developers → Webhooks), or webhooks are refused with 401",
                );
            }
            out
        }
        Rotation::Replaced { previous } => format!(
            "secret {name} updated; the previous version was not compared ({previous})\n{pickup}"
        ),
        Rotation::Unchanged => {
            format!("secret {name} unchanged: the file holds its current values; nothing written")
        }
    }
}

/// A poll or initial sync.
pub fn read_summary(summary: &ReadSummary) -> String {
    let rows: Vec<Vec<String>> = summary
        .streams
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.rows.to_string(),
                s.imported.to_string(),
                s.skipped.to_string(),
                s.failed.to_string(),
                if s.finished { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "STREAM", "ROWS", "IMPORTED", "SKIPPED", "FAILED", "FINISHED",
        ],
        &rows,
    );
    if !summary.finished {
        out.push_str("\n(stopped before the end: run it again to continue)");
    }
    out
}
