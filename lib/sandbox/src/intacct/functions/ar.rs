//! Legacy AR documents: `create_invoice`, `reverse_invoice`, `create_aradjustment`,
//! `delete_invoice`, `delete_aradjustment`, and the balance arithmetic payments share.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use super::super::response::ApiError;
use super::super::store::{Fields, ObjectKind, Record, RecordNo, Store, money};
use super::super::xml::Element;
use super::{
    Ctx, Outcome, Success, amount, business, custom_fields, customer, date_field, key_of, missing,
    number_collision, record_key, required, split_date,
};

/// Line element → ARINVOICEITEM/ARADJUSTMENTITEM field.
const LINE_MAP: &[(&str, &str)] = &[
    ("glaccountno", "ACCOUNTNO"),
    ("accountlabel", "ACCOUNTLABEL"),
    ("offsetglaccountno", "OFFSETGLACCOUNTNO"),
    ("memo", "ENTRYDESCRIPTION"),
    ("allocationid", "ALLOCATION"),
    ("locationid", "LOCATIONID"),
    ("departmentid", "DEPARTMENTID"),
    ("projectid", "PROJECTID"),
    ("customerid", "CUSTOMERID"),
    ("vendorid", "VENDORID"),
    ("employeeid", "EMPLOYEEID"),
    ("itemid", "ITEMID"),
    ("classid", "CLASSID"),
    ("contractid", "CONTRACTID"),
    ("warehouseid", "WAREHOUSEID"),
    ("defrevaccount", "DEFERREDREVACCTNO"),
    ("revrectemplate", "REVRECTEMPLATE"),
];

fn lines(
    ctx: &Ctx<'_>,
    kind: ObjectKind,
    body: &Element,
    function: &str,
    container: &str,
) -> Result<(Vec<Fields>, Decimal), Vec<ApiError>> {
    let items: Vec<&Element> = body
        .child(container)
        .map(|c| c.children_named("lineitem").collect())
        .unwrap_or_default();
    if items.is_empty() {
        return Err(missing(function, &format!("{container}/lineitem")));
    }
    let mut out = Vec::new();
    let mut total = Decimal::ZERO;
    for (index, item) in items.iter().enumerate() {
        if item.child_text("glaccountno").is_none() && item.child_text("accountlabel").is_none() {
            return Err(vec![business(format!(
                "Enter an account number on line item {}, and try again.",
                index + 1
            ))]);
        }
        let value = amount(required(item, function, "amount")?, "amount")?;
        total += value;
        let mut line = Fields::new();
        for (element, field) in LINE_MAP {
            if let Some(v) = item.child_text(element) {
                line.insert((*field).to_string(), v.to_string());
            }
        }
        for (element, field) in [
            ("revrecstartdate", "REVRECSTARTDATE"),
            ("revrecenddate", "REVRECENDDATE"),
        ] {
            if let Some(d) = split_date(item, element)? {
                line.insert(field.into(), date_field(d));
            }
        }
        line.insert("AMOUNT".into(), money(value));
        line.insert("TRX_AMOUNT".into(), money(value));
        for (k, v) in custom_fields(ctx.state, kind, item)? {
            line.insert(k, v);
        }
        out.push(line);
    }
    Ok((out, total))
}

fn header(
    ctx: &Ctx<'_>,
    body: &Element,
    function: &str,
    customerid: &str,
) -> Result<Fields, Vec<ApiError>> {
    let customer = customer(ctx.state, customerid)?;
    let created =
        split_date(body, "datecreated")?.ok_or_else(|| missing(function, "datecreated"))?;
    let posted = split_date(body, "dateposted")?.unwrap_or(created);
    let base = ctx.state.settings.base_currency.clone();
    super::require_exchange_rate(body, &base)?;
    let mut f = Fields::new();
    f.insert("CUSTOMERID".into(), customerid.to_string());
    f.insert(
        "CUSTOMERNAME".into(),
        customer.get("NAME").unwrap_or_default().to_string(),
    );
    f.insert("WHENCREATED".into(), date_field(created));
    f.insert("WHENPOSTED".into(), date_field(posted));
    f.insert(
        "BASECURR".into(),
        body.child_text("basecurr").unwrap_or(&base).to_string(),
    );
    f.insert(
        "CURRENCY".into(),
        body.child_text("currency").unwrap_or(&base).to_string(),
    );
    if let Some(rate_type) = body.child_text("exchratetype") {
        f.insert("EXCH_RATE_TYPE_ID".into(), rate_type.to_string());
    }
    if let Some(date) = split_date(body, "exchratedate")? {
        f.insert("EXCH_RATE_DATE".into(), date_field(date));
    }
    let state = if body
        .child_text("action")
        .is_some_and(|a| a.eq_ignore_ascii_case("Draft"))
    {
        "Draft"
    } else {
        "Posted"
    };
    f.insert("STATE".into(), state.into());
    for (element, field) in [
        ("description", "DESCRIPTION"),
        ("externalid", "EXTERNALID"),
        ("batchkey", "PRBATCHKEY"),
    ] {
        if let Some(v) = body.child_text(element) {
            f.insert(field.into(), v.to_string());
        }
    }
    if !ctx.auth.locationid.is_empty() {
        f.insert("MEGAENTITYID".into(), ctx.auth.locationid.clone());
    }
    Ok(f)
}

fn set_totals(record: &mut Record, total: Decimal) {
    for prefix in ["", "TRX_"] {
        record.set_money(&format!("{prefix}TOTALENTERED"), total);
        record.set_money(&format!("{prefix}TOTALPAID"), Decimal::ZERO);
        record.set_money(&format!("{prefix}TOTALDUE"), total);
    }
}

/// Whether a document number is taken among `kind`'s RECORDIDs.
fn number_taken(store: &Store, kind: ObjectKind, number: &str) -> bool {
    store.find(kind, "RECORDID", number).is_some()
}

/// `create_invoice` → ARINVOICE; `<key>` is the new RECORDNO.
pub fn create_invoice(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "create_invoice";
    let customerid = required(body, F, "customerid")?.to_string();
    let mut fields = header(ctx, body, F, &customerid)?;
    let created = split_date(body, "datecreated")?.ok_or_else(|| missing(F, "datecreated"))?;
    let due = split_date(body, "datedue")?;
    let termname = body.child_text("termname");
    if due.is_none() && termname.is_none() {
        return Err(vec![business("Either a due date or a term is required.")]);
    }
    fields.insert(
        "WHENDUE".into(),
        date_field(due.unwrap_or(created + chrono::TimeDelta::days(30))),
    );
    if let Some(term) = termname {
        fields.insert("TERMNAME".into(), term.to_string());
    }
    if let Some(po) = body.child_text("ponumber") {
        fields.insert("PONUMBER".into(), po.to_string());
        fields.insert("DOCNUMBER".into(), po.to_string());
    }
    if let Some(number) = body.child_text("invoiceno") {
        if number_taken(&ctx.state.store, ObjectKind::ArInvoice, number) {
            return Err(vec![
                number_collision(number),
                business("Could not create Invoice record!"),
            ]);
        }
        fields.insert("RECORDID".into(), number.to_string());
    }
    fields.insert("RECORDTYPE".into(), "ri".into());
    fields.insert("MODULEKEY".into(), "4.AR".into());
    for (k, v) in custom_fields(ctx.state, ObjectKind::ArInvoice, body)? {
        fields.insert(k, v);
    }
    let (lines, total) = lines(ctx, ObjectKind::ArInvoice, body, F, "invoiceitems")?;
    let mut record = Record::new(fields);
    record.lines = lines;
    set_totals(&mut record, total);
    let recordno = insert_numbered(&mut ctx.state.store, ObjectKind::ArInvoice, record, ctx.now);
    Ok(Success {
        key: Some(recordno.to_string()),
        data: None,
    })
}

/// Insert, then give an unnumbered document its RECORDNO as RECORDID (Intacct's sequencing).
pub fn insert_numbered(
    store: &mut Store,
    kind: ObjectKind,
    record: Record,
    now: NaiveDateTime,
) -> RecordNo {
    let recordno = store.insert(kind, record, now);
    if let Some(r) = store.get_mut(kind, recordno)
        && r.get("RECORDID").is_none()
    {
        r.set("RECORDID", recordno.to_string());
        store.reindex(kind, recordno);
    }
    recordno
}

/// `create_aradjustment` → ARADJUSTMENT (negative total = credit memo).
pub fn create_aradjustment(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "create_aradjustment";
    let customerid = required(body, F, "customerid")?.to_string();
    let mut fields = header(ctx, body, F, &customerid)?;
    if let Some(number) = body.child_text("adjustmentno") {
        if number_taken(&ctx.state.store, ObjectKind::ArAdjustment, number) {
            return Err(vec![
                number_collision(number),
                business("Could not create Adjustment record!"),
            ]);
        }
        fields.insert("RECORDID".into(), number.to_string());
    }
    if let Some(invoice) = body.child_text("invoiceno") {
        fields.insert("INVOICENO".into(), invoice.to_string());
    }
    fields.insert("RECORDTYPE".into(), "ra".into());
    let (lines, total) = lines(ctx, ObjectKind::ArAdjustment, body, F, "aradjustmentitems")?;
    let mut record = Record::new(fields);
    record.lines = lines;
    set_totals(&mut record, total);
    let recordno = insert_numbered(
        &mut ctx.state.store,
        ObjectKind::ArAdjustment,
        record,
        ctx.now,
    );
    Ok(Success {
        key: Some(recordno.to_string()),
        data: None,
    })
}

/// `reverse_invoice key=`: only unpaid invoices; the original becomes `Reversed` and a
/// `Reversal` record with negated lines is added.
pub fn reverse_invoice(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "reverse_invoice";
    let key = key_of(body, F, "key")?;
    let recordno = record_key(&key, "invoicekey")?;
    let reversed_on = split_date(body, "datereversed")?.map(date_field);
    let store = &mut ctx.state.store;
    let Some(original) = store.get(ObjectKind::ArInvoice, recordno).cloned() else {
        return Err(vec![super::no_record_for("invoicekey", &key)]);
    };
    if original.get("STATE") == Some("Reversed") {
        return Err(vec![business(format!(
            "Invoice {key} has already been reversed."
        ))]);
    }
    if !original.money("TOTALPAID").is_zero() {
        return Err(vec![business(format!(
            "Invoice {key} has payments applied; reverse the payments before reversing the invoice."
        ))]);
    }
    let mut reversal = Record::new(original.fields.clone());
    reversal.lines = original
        .lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            for f in ["AMOUNT", "TRX_AMOUNT"] {
                if let Some(v) = l.get(f).and_then(|v| v.parse::<Decimal>().ok()) {
                    l.insert(f.into(), money(-v));
                }
            }
            l
        })
        .collect();
    reversal.fields.remove("RECORDNO");
    reversal.set("STATE", "Reversal");
    reversal.set(
        "RECORDID",
        format!("{}-R", original.get("RECORDID").unwrap_or_default()),
    );
    if let Some(d) = &reversed_on {
        reversal.set("WHENPOSTED", d.clone());
    }
    if let Some(desc) = body.child_text("description") {
        reversal.set("DESCRIPTION", desc);
    }
    set_totals(&mut reversal, Decimal::ZERO);
    let reversal_no = store.insert(ObjectKind::ArInvoice, reversal, ctx.now);
    if let Some(r) = store.get_mut(ObjectKind::ArInvoice, recordno) {
        r.set("STATE", "Reversed");
        r.set_money("TOTALDUE", Decimal::ZERO);
        r.set_money("TRX_TOTALDUE", Decimal::ZERO);
    }
    store.touch(ObjectKind::ArInvoice, recordno, ctx.now);
    Ok(Success {
        key: Some(reversal_no.to_string()),
        data: None,
    })
}

/// `delete_invoice key=` / `delete_aradjustment key=`.
pub fn delete_document(ctx: &mut Ctx<'_>, body: &Element, kind: ObjectKind) -> Outcome {
    let function = if kind == ObjectKind::ArInvoice {
        "delete_invoice"
    } else {
        "delete_aradjustment"
    };
    let key = key_of(body, function, "key")?;
    let recordno = RecordNo::parse(&key)
        .filter(|k| ctx.state.store.get(kind, *k).is_some())
        .ok_or_else(|| {
            vec![business(format!(
                "Cannot find {} with key '{key}' to delete.",
                kind.name().to_ascii_lowercase()
            ))]
        })?;
    remove_document(ctx, kind, recordno)?;
    Ok(Success::default())
}

/// Remove a record unless money was applied to it; an Order Entry document takes its AR record along.
pub fn remove_document(
    ctx: &mut Ctx<'_>,
    kind: ObjectKind,
    recordno: RecordNo,
) -> Result<(), Vec<ApiError>> {
    let store = &mut ctx.state.store;
    let linked = match kind {
        ObjectKind::SoDocument => store
            .get(kind, recordno)
            .and_then(|r| r.get("PRRECORDKEY"))
            .and_then(RecordNo::parse),
        _ => None,
    };
    for (k, no) in [
        (Some(kind), Some(recordno)),
        (linked.map(|_| ObjectKind::ArInvoice), linked),
    ] {
        let (Some(k), Some(no)) = (k, no) else {
            continue;
        };
        if let Some(r) = store.get(k, no)
            && (!r.money("TOTALPAID").is_zero()
                || (k == ObjectKind::ArPayment && !r.invoices.is_empty()))
        {
            return Err(vec![business(format!(
                "Cannot delete {} {no}: payments or credits are applied to it.",
                k.name().to_ascii_lowercase()
            ))]);
        }
    }
    store.remove(kind, recordno);
    if let Some(no) = linked {
        store.remove(ObjectKind::ArInvoice, no);
    }
    Ok(())
}

/// Apply (positive) or un-apply (negative) `amount` against a document's open balance.
/// Invoices count paid amounts up; credit memos and negative invoices count them down, so
/// TOTALDUE always moves toward zero.
pub fn apply_to_document(
    store: &mut Store,
    kind: ObjectKind,
    recordno: RecordNo,
    amount: Decimal,
    when: &str,
    now: NaiveDateTime,
) {
    let Some(record) = store.get_mut(kind, recordno) else {
        return;
    };
    let entered = record.money("TOTALENTERED");
    let signed = if entered.is_sign_negative() {
        -amount
    } else {
        amount
    };
    let paid = record.money("TOTALPAID") + signed;
    let due = entered - paid;
    for prefix in ["", "TRX_"] {
        record.set_money(&format!("{prefix}TOTALPAID"), paid);
        record.set_money(&format!("{prefix}TOTALDUE"), due);
    }
    // A payment used as a credit source keeps its own state (C/V).
    if kind != ObjectKind::ArPayment {
        if record.get("STATE") != Some("Draft") {
            let state = if due.is_zero() {
                "Paid"
            } else if paid.is_zero() {
                "Posted"
            } else {
                "Partially Paid"
            };
            record.set("STATE", state);
        }
        if due.is_zero() {
            record.set("WHENPAID", when);
        } else {
            record.fields.remove("WHENPAID");
        }
    }
    store.touch(kind, recordno, now);
    if kind == ObjectKind::ArInvoice {
        let so: Vec<RecordNo> = store
            .find(ObjectKind::SoDocument, "PRRECORDKEY", &recordno.to_string())
            .map(|r| r.recordno)
            .into_iter()
            .collect();
        for no in so {
            if let Some(doc) = store.get_mut(ObjectKind::SoDocument, no) {
                for prefix in ["", "TRX_"] {
                    doc.set_money(&format!("{prefix}TOTALPAID"), paid);
                    doc.set_money(&format!("{prefix}TOTALDUE"), due);
                }
            }
            store.touch(ObjectKind::SoDocument, no, now);
        }
    }
}
