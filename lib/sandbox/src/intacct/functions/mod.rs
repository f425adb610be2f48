//! Gateway functions: dispatch by element name, shared parsing helpers and error texts.

mod ar;
mod generic;
mod order_entry;
mod payments;
mod read;
mod render;
mod session;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::request::FunctionCall;
use super::response::{ApiError, Data};
use super::state::State;
use super::store::{ObjectKind, Record, RecordNo};
use super::xml::Element;

/// Who the operation runs as.
#[derive(Debug, Clone)]
pub struct AuthInfo {
    /// User id.
    pub userid: String,
    /// Company id (without entity).
    pub companyid: String,
    /// Entity id, empty at top level.
    pub locationid: String,
}

/// Everything a function may touch.
pub struct Ctx<'a> {
    /// Mutable simulator state (store, sessions, result sets).
    pub state: &'a mut State,
    /// Simulated time of this request.
    pub now: NaiveDateTime,
    /// Authenticated user.
    pub auth: &'a AuthInfo,
    /// This sandbox's gateway URL, returned by getAPISession.
    pub endpoint: &'a str,
}

/// A successful function result.
#[derive(Debug, Default)]
pub struct Success {
    /// Legacy create key.
    pub key: Option<String>,
    /// Data block.
    pub data: Option<Data>,
}

/// Result of one function.
pub type Outcome = Result<Success, Vec<ApiError>>;

/// Whether a function changes data (and so is run atomically and subject to `uniqueid`).
pub fn is_write(name: &str) -> bool {
    !matches!(
        name,
        "getAPISession" | "read" | "readByName" | "readByQuery" | "readMore" | "query"
    )
}

/// Whether a function can fail after changing data, and so must run against a snapshot to stay
/// atomic: only generic create/update/delete over several objects or keys. Every other write
/// validates everything before its first change (and is kept that way deliberately, because
/// cloning a seeded company per request would dominate the sandbox's latency).
pub fn needs_snapshot(call: &FunctionCall) -> bool {
    match call.name.as_str() {
        "create" | "update" => call.body.children.len() > 1,
        "delete" => call
            .body
            .child_text("keys")
            .is_some_and(|k| k.contains(',')),
        _ => false,
    }
}

/// Every function the sandbox gateway knows. A request naming another fails as a whole, before
/// any of its functions runs: the gateway validates the request against its schema first.
pub const KNOWN: &[&str] = &[
    "getAPISession",
    "readByQuery",
    "readMore",
    "read",
    "readByName",
    "query",
    "create",
    "update",
    "delete",
    "create_invoice",
    "reverse_invoice",
    "delete_invoice",
    "create_aradjustment",
    "delete_aradjustment",
    "create_arpayment",
    "apply_arpayment",
    "reverse_arpayment",
    "create_sotransaction",
    "delete_sotransaction",
];

/// The schema error of a function name the gateway does not know.
pub fn unknown_function(name: &str) -> ApiError {
    ApiError::new(
        "XL03000003",
        format!("XML Parse schema error: Element '{name}': This element is not expected."),
    )
}

/// A write in a currency other than the company's `base` must say how to convert it: an
/// exchange-rate type (`exchratetype`) or a rate (`exchrate`), as multi-currency companies
/// require.
pub fn require_exchange_rate(body: &Element, base: &str) -> Result<(), Vec<ApiError>> {
    let Some(currency) = body.child_text("currency") else {
        return Ok(());
    };
    if currency.eq_ignore_ascii_case(base)
        || body.child_text("exchratetype").is_some()
        || body.child_text("exchrate").is_some()
    {
        return Ok(());
    }
    Err(vec![business(format!(
        "Currency {currency} is not the base currency {base}: provide an exchange rate type or \
         an exchange rate."
    ))])
}

/// Run one function.
pub fn execute(ctx: &mut Ctx<'_>, call: &FunctionCall) -> Outcome {
    let body = &call.body;
    match call.name.as_str() {
        "getAPISession" => session::get_api_session(ctx, body),
        "readByQuery" => read::read_by_query(ctx, body),
        "readMore" => read::read_more(ctx, body),
        "read" => read::read(ctx, body, false),
        "readByName" => read::read(ctx, body, true),
        "query" => read::query(ctx, body),
        "create" => generic::create(ctx, body),
        "update" => generic::update(ctx, body),
        "delete" => generic::delete(ctx, body),
        "create_invoice" => ar::create_invoice(ctx, body),
        "reverse_invoice" => ar::reverse_invoice(ctx, body),
        "delete_invoice" => ar::delete_document(ctx, body, ObjectKind::ArInvoice),
        "create_aradjustment" => ar::create_aradjustment(ctx, body),
        "delete_aradjustment" => ar::delete_document(ctx, body, ObjectKind::ArAdjustment),
        "create_arpayment" => payments::create_arpayment(ctx, body),
        "apply_arpayment" => payments::apply_arpayment(ctx, body),
        "reverse_arpayment" => payments::reverse_arpayment(ctx, body),
        "create_sotransaction" => order_entry::create_sotransaction(ctx, body),
        "delete_sotransaction" => order_entry::delete_sotransaction(ctx, body),
        other => Err(vec![unknown_function(other)]),
    }
}

// ---- error texts -------------------------------------------------------------------------------

/// `DL02000001`: a field the object does not have. The gateway's text is generic; the detail
/// naming the field is ours, so operators can see which mapping is wrong.
pub fn unknown_field(kind: &str, field: &str) -> ApiError {
    ApiError::new(
        "DL02000001",
        format!("There was an error processing the request. Field '{field}' does not exist on object {kind}."),
    )
    .correction("Check the field name, or add the custom field to the object in Intacct.")
}

/// Business-logic catch-all `BL01001973` (real code; the texts we attach to it are ours unless
/// `docs/reference.md#error-shapes` quotes them).
pub fn business(description2: impl Into<String>) -> ApiError {
    ApiError::new("BL01001973", description2)
}

/// Numbering collision on a document number. Text as users report it; the error number is not
/// public, so the catch-all business code is used.
pub fn number_collision(number: &str) -> ApiError {
    business(format!("A transaction with the number '{number}' already exists."))
        .correction("Use a different document number, or check the transaction definition's numbering sequence.")
}

/// A key that names no record (`DL03000005`, text — typo included — from production logs).
pub fn no_record_for(what: &str, key: &str) -> ApiError {
    ApiError::new(
        "DL03000005",
        format!("No record exits for the {what} {key}"),
    )
}

/// Missing required element in a legacy function.
pub fn missing(function: &str, element: &str) -> Vec<ApiError> {
    vec![business(format!(
        "Required field '{element}' is missing in {function}."
    ))]
}

// ---- parsing helpers ---------------------------------------------------------------------------

/// Required trimmed child text.
pub fn required<'e>(
    body: &'e Element,
    function: &str,
    name: &str,
) -> Result<&'e str, Vec<ApiError>> {
    body.child_text(name).ok_or_else(|| missing(function, name))
}

/// A decimal amount (or quantity). Magnitudes are bounded so sums and `quantity × price` can
/// never overflow `Decimal`, whatever a client sends.
pub fn amount(raw: &str, what: &str) -> Result<Decimal, Vec<ApiError>> {
    const LIMIT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 10^12
    raw.trim()
        .parse::<Decimal>()
        .ok()
        .filter(|d| d.abs() < LIMIT)
        .ok_or_else(|| {
            vec![business(format!(
                "'{raw}' is not a valid amount for {what}."
            ))]
        })
}

/// A split `<year/><month/><day/>` date.
pub fn split_date(body: &Element, name: &str) -> Result<Option<NaiveDate>, Vec<ApiError>> {
    let Some(el) = body.child(name) else {
        return Ok(None);
    };
    let part = |p: &str| el.child_text(p).and_then(|v| v.parse::<u32>().ok());
    match (part("year"), part("month"), part("day")) {
        (Some(y), Some(m), Some(d)) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
            .map(Some)
            .ok_or_else(|| vec![business(format!("Invalid date in {name}."))]),
        _ => Err(vec![business(format!("Invalid date in {name}."))]),
    }
}

/// Format a date as record fields carry it.
pub fn date_field(d: NaiveDate) -> String {
    d.format(super::clock::DATE_FORMAT).to_string()
}

/// A record key from an attribute (`key="1234"`) or a child element.
pub fn key_of(body: &Element, function: &str, name: &str) -> Result<String, Vec<ApiError>> {
    body.attr(name)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .or_else(|| body.child_text(name))
        .map(str::to_string)
        .ok_or_else(|| missing(function, name))
}

/// The customer a document is for; unknown customers fail like in Intacct.
pub fn customer<'s>(state: &'s State, customerid: &str) -> Result<&'s Record, Vec<ApiError>> {
    state
        .store
        .find(ObjectKind::Customer, "CUSTOMERID", customerid)
        .ok_or_else(|| {
            vec![
                business(format!("Invalid Customer '{customerid}' specified."))
                    .correction("Create the customer first, or use an existing customer ID."),
            ]
        })
}

/// Legacy `<customfields><customfield><customfieldname/><customfieldvalue/>` → fields; each must
/// be defined on the object.
pub fn custom_fields(
    state: &State,
    kind: ObjectKind,
    body: &Element,
) -> Result<Vec<(String, String)>, Vec<ApiError>> {
    let defined = state.store.custom(kind);
    let mut out = Vec::new();
    if let Some(group) = body.child("customfields") {
        for field in group.children_named("customfield") {
            let name = field
                .child_text("customfieldname")
                .unwrap_or_default()
                .to_ascii_uppercase();
            if !defined.contains(&name) {
                return Err(vec![unknown_field(kind.name(), &name)]);
            }
            let value = field.child_text("customfieldvalue").unwrap_or_default();
            out.push((name, value.to_string()));
        }
    }
    Ok(out)
}

/// Parse a RECORDNO key or fail with the "no record" error.
pub fn record_key(raw: &str, what: &str) -> Result<RecordNo, Vec<ApiError>> {
    RecordNo::parse(raw).ok_or_else(|| vec![no_record_for(what, raw)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_bounded_so_arithmetic_cannot_overflow() {
        assert_eq!(
            amount("999999999999.99", "x").ok(),
            "999999999999.99".parse().ok()
        );
        assert!(amount("1000000000000", "x").is_err());
        assert!(amount("-1000000000000", "x").is_err());
        assert!(amount("12abc", "x").is_err());
    }
}
