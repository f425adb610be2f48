//! Human-readable output: aligned plain-text tables (no colours, so output pipes cleanly).

use sync_aws::secrets::Rotation;
use sync_aws::sqs::{PeekReport, PeekedBody};
use sync_engine::adapters::sqlite::DeadLetter;
use sync_engine::engine::read::ReadReport;
use sync_engine::model::ReconciliationError;

use crate::ops::ConnectionStatus;

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
                e.record_id.clone(),
                e.code.clone(),
                e.attempts.to_string(),
                e.last_seen.format("%Y-%m-%d %H:%M:%S").to_string(),
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
        e.record_id,
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
                st.stream.clone(),
                st.last_sync_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
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
    out.push_str(&format!(
        "\n\nretry queue   {} queued, {} due (all connections)\ndead letters  {}\nparked        {}\nopen errors   {}",
        s.queue_total, s.queue_due, s.dead_letters, s.parked, s.open_errors
    ));
    out
}

/// `dlq list`.
pub fn dead_letters(letters: &[DeadLetter]) -> String {
    if letters.is_empty() {
        return "no dead letters".to_owned();
    }
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                d.message.work.connection.to_string(),
                d.message.work.record_type.to_string(),
                d.message.work.invoiced_id.clone(),
                d.message.work.operation.to_string(),
                d.receive_count.to_string(),
                d.dead_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                d.reason.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "CONNECTION",
            "TYPE",
            "INVOICED ID",
            "OPERATION",
            "RECEIVES",
            "DEAD AT (UTC)",
            "REASON",
        ],
        &rows,
    )
}

/// `dlq list` on AWS: the letters looked at, then what the listing did not cover.
pub fn peeked_letters(report: &PeekReport, approximate_total: u64) -> String {
    let mut out = if report.letters.is_empty() {
        "no dead letters".to_owned()
    } else {
        let rows: Vec<Vec<String>> = report
            .letters
            .iter()
            .map(|l| {
                let sent = l
                    .sent_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "?".to_owned());
                let receives = l
                    .receive_count
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".to_owned());
                match &l.body {
                    PeekedBody::Retry(m) => vec![
                        l.message_id.clone(),
                        m.work.connection.to_string(),
                        m.work.record_type.to_string(),
                        m.work.invoiced_id.clone(),
                        m.work.operation.to_string(),
                        m.attempt.to_string(),
                        receives,
                        sent,
                        m.reason.clone(),
                    ],
                    PeekedBody::Unreadable { reason, preview } => {
                        let mut cells = vec![l.message_id.clone()];
                        cells.extend(std::iter::repeat_n("?".to_owned(), 5));
                        cells.extend([
                            receives,
                            sent,
                            format!("UNREADABLE: {reason}; body: {}", preview.escape_debug()),
                        ]);
                        cells
                    }
                }
            })
            .collect();
        table(
            &[
                "MESSAGE ID",
                "CONNECTION",
                "TYPE",
                "INVOICED ID",
                "OPERATION",
                "ATTEMPT",
                "RECEIVES",
                "SENT (UTC)",
                "REASON",
            ],
            &rows,
        )
    };
    if report
        .letters
        .iter()
        .any(|l| matches!(l.body, PeekedBody::Unreadable { .. }))
    {
        out.push_str(
            "\nunreadable letters would fail again after a redrive (which moves them as they are): delete them in the SQS console",
        );
    }
    if report.maybe_more {
        out.push_str(&format!(
            "\n(listed {}; the queue holds about {approximate_total}: raise --limit to see more)",
            report.letters.len()
        ));
    }
    if !report.still_hidden.is_empty() {
        out.push_str(&format!(
            "\n{} letter(s) could not be made visible again and stay hidden for up to {} s: {}",
            report.still_hidden.len(),
            sync_aws::sqs::peek::PEEK_VISIBILITY_TIMEOUT.as_secs(),
            report.still_hidden.join(", ")
        ));
    }
    out
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

/// A poll or initial sync report.
pub fn read_report(report: &ReadReport) -> String {
    let rows: Vec<Vec<String>> = report
        .streams
        .iter()
        .map(|s| {
            vec![
                s.stream.clone(),
                s.rows.to_string(),
                s.imported.to_string(),
                s.skipped.to_string(),
                s.failed.to_string(),
                if s.finished { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "STREAM", "ROWS", "IMPORTED", "SKIPPED", "FAILED", "FINISHED",
        ],
        &rows,
    )
}
