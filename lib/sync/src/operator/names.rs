//! Names a person reads for the keys the engine files its read progress under: `customer`,
//! `invoice:Sales Invoice`, `customer#null` (the pass over rows without a modification date),
//! `initial/<run>/payment/2026-01-01` (one month of an initial sync). Tables and progress lines
//! show these names; JSON keeps the key too, for scripts.

use chrono::NaiveDate;

/// The plural name of a record type's key (`credit_note` → `credit notes`).
fn plural(record_type: &str) -> Option<&'static str> {
    Some(match record_type {
        "customer" => "customers",
        "invoice" => "invoices",
        "credit_note" => "credit notes",
        "payment" => "payments",
        "convenience_fee" => "convenience fees",
        _ => return None,
    })
}

/// A stream key without pass or run: `customer`, `payment`, `<record type>:<document type>`.
fn base_name(key: &str) -> Option<String> {
    match key.split_once(':') {
        Some((record_type, doc_type)) => Some(format!("{} ({doc_type})", plural(record_type)?)),
        None => plural(key).map(str::to_owned),
    }
}

/// The name of a read stream's key: `invoice:Sales Invoice` → `invoices (Sales Invoice)`,
/// `customer#null` → `customers without a modification date`,
/// `initial/<run>/payment/2026-01-01` → `payments, January 2026`. A key of another shape is
/// returned as it is.
pub fn stream_name(key: &str) -> String {
    if let Some(rest) = key.strip_prefix("initial/")
        && let Some((_run, stream_and_month)) = rest.split_once('/')
        && let Some((stream, month)) = stream_and_month.rsplit_once('/')
        && let Some(base) = base_name(stream)
    {
        return match NaiveDate::parse_from_str(month, "%Y-%m-%d") {
            Ok(day) => format!("{base}, {}", day.format("%B %Y")),
            Err(_) => format!("{base}, {month}"),
        };
    }
    if let Some(stream) = key.strip_suffix("#null")
        && let Some(base) = base_name(stream)
    {
        return format!("{base} without a modification date");
    }
    base_name(key).unwrap_or_else(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::stream_name;

    #[test]
    fn stream_keys_read_as_what_they_hold() {
        for (key, name) in [
            ("customer", "customers"),
            ("payment", "payments"),
            ("invoice:Sales Invoice", "invoices (Sales Invoice)"),
            ("credit_note:Sales Return", "credit notes (Sales Return)"),
            ("customer#null", "customers without a modification date"),
            (
                "invoice:Sales Invoice#null",
                "invoices (Sales Invoice) without a modification date",
            ),
            (
                "initial/0f3a9c/invoice:Sales Invoice/2026-01-01",
                "invoices (Sales Invoice), January 2026",
            ),
            (
                "initial/backfill-2026/payment/2026-11-15",
                "payments, November 2026",
            ),
            ("something else", "something else"),
        ] {
            assert_eq!(stream_name(key), name, "{key}");
        }
    }
}
