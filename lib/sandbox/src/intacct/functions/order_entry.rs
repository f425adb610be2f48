//! Order Entry: `create_sotransaction` (Sales Invoice / Sales Return / Sales Order) and
//! `delete_sotransaction`. Invoicing definitions also post an ARINVOICE whose RECORDNO becomes the
//! document's PRRECORDKEY — the key payments and credit applications use.
//!
//! Amounts follow Intacct's three views of a line: `QUANTITY` in the unit entered, with
//! `MULTIPLIER` the unit's size in base units (a Dozen is 12 Each); `TRX_PRICE`/`TRX_VALUE` in the
//! document's currency; `UIPRICE`/`UIVALUE` (and `PRICE` per base unit) in the company's base
//! currency, at the document's exchange rate. A line discount percent lowers the value below
//! quantity × price. Subtotals (tax, discount, freight…) add to the `TOTAL`, each in both
//! currencies.

use rust_decimal::Decimal;

use super::super::response::ApiError;
use super::super::store::{Fields, ObjectKind, Record, money};
use super::super::xml::Element;
use super::ar::remove_document;
use super::{
    Ctx, Outcome, Success, amount, business, custom_fields, customer, date_field, key_of, missing,
    number_collision, required, split_date,
};

/// Transaction definitions the sandbox company has, and whether they post to AR (sign of the AR record).
const DEFINITIONS: &[(&str, Option<i8>, &str)] = &[
    ("Sales Invoice", Some(1), "INV"),
    ("Sales Return", Some(-1), "RET"),
    ("Sales Order", None, "SO"),
];

/// Units of measure of the sandbox company's items: name and size in the base unit.
const UNITS: &[(&str, u32)] = &[
    ("Each", 1),
    ("Hour", 1),
    ("Pair", 2),
    ("Dozen", 12),
    ("Case", 24),
];

/// Rates of the sandbox's "Intacct Daily Rate" type: one unit of the currency in USD.
const DAILY_RATES_TO_USD: &[(&str, &str)] = &[
    ("USD", "1"),
    ("CAD", "0.75"),
    ("EUR", "1.10"),
    ("GBP", "1.25"),
    ("AUD", "0.65"),
    ("JPY", "0.0068"),
];

/// The rate that turns `currency` into `base`: `<exchrate>` when given, else the daily rate.
fn exchange_rate(body: &Element, currency: &str, base: &str) -> Result<Decimal, Vec<ApiError>> {
    if currency.eq_ignore_ascii_case(base) {
        return Ok(Decimal::ONE);
    }
    if let Some(rate) = body.child_text("exchrate") {
        return amount(rate, "exchrate");
    }
    let to_usd = |c: &str| {
        DAILY_RATES_TO_USD
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(c))
            .and_then(|(_, r)| r.parse::<Decimal>().ok())
    };
    match (to_usd(currency), to_usd(base)) {
        (Some(from), Some(to)) => Ok(from / to),
        _ => Err(vec![business(format!(
            "No exchange rate is available from {currency} to {base}."
        ))]),
    }
}

/// `create_sotransaction`: `<key>` is the DOCID (`Sales Invoice-INV-0001`).
pub fn create_sotransaction(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "create_sotransaction";
    let doctype = required(body, F, "transactiontype")?.to_string();
    let Some(&(_, posts, prefix)) = DEFINITIONS.iter().find(|(name, _, _)| *name == doctype) else {
        return Err(vec![business(format!(
            "Invalid transaction definition '{doctype}'."
        ))]);
    };
    let customerid = required(body, F, "customerid")?.to_string();
    let customer = customer(ctx.state, &customerid)?;
    let (cust_no, cust_name) = (
        customer.recordno,
        customer.get("NAME").unwrap_or_default().to_string(),
    );
    let store = &ctx.state.store;
    let taken = |no: &str| {
        store
            .find(ObjectKind::SoDocument, "DOCID", &format!("{doctype}-{no}"))
            .is_some()
    };
    let docno = match body.child_text("documentno") {
        Some(no) if taken(no) => {
            return Err(vec![
                number_collision(no),
                business("Could not create Document record!"),
            ]);
        }
        Some(no) => no.to_string(),
        None => (store.count(ObjectKind::SoDocument) + 1..)
            .map(|n| format!("{prefix}-{n:05}"))
            .find(|no| !taken(no))
            .unwrap_or_default(),
    };
    let created = split_date(body, "datecreated")?.ok_or_else(|| missing(F, "datecreated"))?;
    let due = split_date(body, "datedue")?.unwrap_or(created);
    let base = ctx.state.settings.base_currency.clone();
    let currency = body.child_text("currency").unwrap_or(&base).to_string();
    let rate = exchange_rate(body, &currency, &base)?;
    let in_base = |trx: Decimal| (trx * rate).round_dp(2);
    let state = body.child_text("state").unwrap_or("Closed").to_string();
    let mut lines = Vec::new();
    let (mut subtotal, mut trx_subtotal) = (Decimal::ZERO, Decimal::ZERO);
    let items: Vec<&Element> = body
        .child("sotransitems")
        .map(|c| c.children_named("sotransitem").collect())
        .unwrap_or_default();
    if items.is_empty() {
        return Err(missing(F, "sotransitems/sotransitem"));
    }
    for item in items {
        let quantity = amount(required(item, F, "quantity")?, "quantity")?;
        let price = item
            .child_text("price")
            .map(|p| amount(p, "price"))
            .transpose()?
            .unwrap_or_default();
        let unit = item.child_text("unit").unwrap_or("Each");
        let Some(&(_, multiplier)) = UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        else {
            return Err(vec![business(format!("Invalid unit of measure '{unit}'."))]);
        };
        let discount_percent = item
            .child_text("discountpercent")
            .map(|d| amount(d, "discountpercent"))
            .transpose()?
            .unwrap_or_default();
        let trx_value = (quantity * price * (Decimal::ONE_HUNDRED - discount_percent)
            / Decimal::ONE_HUNDRED)
            .round_dp(2);
        let value = in_base(trx_value);
        trx_subtotal += trx_value;
        subtotal += value;
        let mut line = Fields::new();
        line.insert("ITEMID".into(), required(item, F, "itemid")?.to_string());
        for (element, field) in [
            ("itemdesc", "ITEMDESC"),
            ("memo", "MEMO"),
            ("locationid", "LOCATIONID"),
            ("departmentid", "DEPARTMENTID"),
            ("warehouseid", "WAREHOUSEID"),
        ] {
            if let Some(v) = item.child_text(element) {
                line.insert(field.into(), v.to_string());
            }
        }
        let ui_price = (price * rate).round_dp(4);
        for (field, v) in [
            ("UNIT", unit.to_string()),
            ("QUANTITY", quantity.normalize().to_string()),
            ("UIQTY", quantity.normalize().to_string()),
            ("MULTIPLIER", multiplier.to_string()),
            ("DISCOUNTPERCENT", discount_percent.normalize().to_string()),
            ("TRX_PRICE", price.normalize().to_string()),
            ("UIPRICE", ui_price.normalize().to_string()),
            (
                "PRICE",
                (ui_price / Decimal::from(multiplier))
                    .round_dp(4)
                    .normalize()
                    .to_string(),
            ),
            ("TRX_VALUE", money(trx_value)),
            ("UIVALUE", money(value)),
        ] {
            line.insert(field.into(), v);
        }
        for (k, v) in custom_fields(ctx.state, ObjectKind::SoDocument, item)? {
            line.insert(k, v);
        }
        lines.push(line);
    }
    let mut subtotals = Vec::new();
    let (mut total, mut trx_total) = (subtotal, trx_subtotal);
    for (index, sub) in body
        .child("subtotals")
        .into_iter()
        .flat_map(|s| s.children_named("subtotal"))
        .enumerate()
    {
        let trx_value = amount(required(sub, F, "total")?, "total")?;
        let value = in_base(trx_value);
        trx_total += trx_value;
        total += value;
        let mut row = Fields::new();
        row.insert("RECORDNO".into(), (index + 1).to_string());
        row.insert(
            "DESCRIPTION".into(),
            sub.child_text("description")
                .unwrap_or_default()
                .to_string(),
        );
        row.insert("TOTAL".into(), money(value));
        row.insert("TRX_TOTAL".into(), money(trx_value));
        row.insert(
            "ABSVAL".into(),
            sub.child_text("absval").unwrap_or_default().to_string(),
        );
        row.insert(
            "PERCENTVAL".into(),
            sub.child_text("percentval").unwrap_or_default().to_string(),
        );
        subtotals.push(row);
    }
    let mut f = Fields::new();
    let docid = format!("{doctype}-{docno}");
    for (k, v) in [
        ("DOCID", docid.clone()),
        ("DOCNO", docno.clone()),
        ("DOCPARID", doctype.clone()),
        ("STATE", state.clone()),
        ("CUSTVENDID", customerid.clone()),
        ("CUSTVENDNAME", cust_name.clone()),
        ("CUSTREC", cust_no.to_string()),
        ("CURRENCY", currency.clone()),
        ("BASECURR", base.clone()),
        ("WHENCREATED", date_field(created)),
        (
            "WHENPOSTED",
            date_field(split_date(body, "dateposted")?.unwrap_or(created)),
        ),
        ("WHENDUE", date_field(due)),
    ] {
        f.insert(k.into(), v);
    }
    for (element, field) in [
        ("termname", "TERM.NAME"),
        ("message", "MESSAGE"),
        ("referenceno", "PONUMBER"),
        ("externalid", "EXTERNALID"),
        ("createdfrom", "CREATEDFROM"),
        ("shippingmethod", "SHIPPINGMETHOD"),
    ] {
        if let Some(v) = body.child_text(element) {
            f.insert(field.into(), v.to_string());
        }
    }
    for group in ["shipto", "billto"] {
        if let Some(name) = body.child(group).and_then(|g| g.child_text("contactname")) {
            f.insert(
                format!("{}.CONTACTNAME", group.to_ascii_uppercase()),
                name.to_string(),
            );
        }
    }
    for (k, v) in custom_fields(ctx.state, ObjectKind::SoDocument, body)? {
        f.insert(k, v);
    }
    if !ctx.auth.locationid.is_empty() {
        f.insert("MEGAENTITYID".into(), ctx.auth.locationid.clone());
    }
    f.insert("EXCHRATE".into(), rate.round_dp(6).normalize().to_string());
    for (field, value, trx_value) in [
        ("SUBTOTAL", subtotal, trx_subtotal),
        ("TOTAL", total, trx_total),
        ("TOTALENTERED", total, trx_total),
        ("TOTALDUE", total, trx_total),
        ("TOTALPAID", Decimal::ZERO, Decimal::ZERO),
    ] {
        f.insert(field.into(), money(value));
        f.insert(format!("TRX_{field}"), money(trx_value));
    }
    let now = ctx.now;
    let store = &mut ctx.state.store;
    if let Some(sign) = posts.filter(|_| state != "Draft") {
        let signed = |v: Decimal| if sign < 0 { -v } else { v };
        let mut ar = Fields::new();
        for (k, v) in [
            ("RECORDID", docno.clone()),
            ("RECORDTYPE", "ri".into()),
            ("MODULEKEY", "8.SO".into()),
            ("STATE", "Posted".into()),
            ("CUSTOMERID", customerid.clone()),
            ("CUSTOMERNAME", cust_name),
            ("CURRENCY", currency),
            ("BASECURR", base),
            ("WHENCREATED", date_field(created)),
            ("WHENPOSTED", date_field(created)),
            ("WHENDUE", date_field(due)),
            ("DESCRIPTION", docid.clone()),
        ] {
            ar.insert(k.into(), v);
        }
        let mut ar = Record::new(ar);
        for (prefix, amount) in [("", total), ("TRX_", trx_total)] {
            ar.set_money(&format!("{prefix}TOTALENTERED"), signed(amount));
            ar.set_money(&format!("{prefix}TOTALPAID"), Decimal::ZERO);
            ar.set_money(&format!("{prefix}TOTALDUE"), signed(amount));
        }
        ar.lines = lines
            .iter()
            .map(|l| {
                let value = |field: &str| {
                    l.get(field)
                        .and_then(|v| v.parse::<Decimal>().ok())
                        .unwrap_or_default()
                };
                let mut line = Fields::new();
                line.insert(
                    "ITEMID".into(),
                    l.get("ITEMID").cloned().unwrap_or_default(),
                );
                line.insert(
                    "ENTRYDESCRIPTION".into(),
                    l.get("ITEMDESC").cloned().unwrap_or_default(),
                );
                line.insert("AMOUNT".into(), money(signed(value("UIVALUE"))));
                line.insert("TRX_AMOUNT".into(), money(signed(value("TRX_VALUE"))));
                line
            })
            .collect();
        let ar_no = store.insert(ObjectKind::ArInvoice, ar, now);
        f.insert("PRRECORDKEY".into(), ar_no.to_string());
    }
    let mut record = Record::new(f);
    record.lines = lines;
    record.subtotals = subtotals;
    store.insert(ObjectKind::SoDocument, record, now);
    Ok(Success {
        key: Some(docid),
        data: None,
    })
}

/// `delete_sotransaction key="Sales Invoice-INV-0001"` (DOCID); its AR record goes with it.
pub fn delete_sotransaction(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let key = key_of(body, "delete_sotransaction", "key")?;
    let recordno = ctx
        .state
        .store
        .find(ObjectKind::SoDocument, "DOCID", &key)
        .map(|r| r.recordno)
        .ok_or_else(|| -> Vec<ApiError> {
            vec![business(format!(
                "Cannot find sodocument with key '{key}' to delete."
            ))]
        })?;
    remove_document(ctx, ObjectKind::SoDocument, recordno)?;
    Ok(Success::default())
}
