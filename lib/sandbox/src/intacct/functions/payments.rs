//! AR payments: legacy `create_arpayment`, `apply_arpayment`, `reverse_arpayment`, and generic
//! `create` of ARPYMT. Applying money lowers invoice TOTALDUE; reversing restores it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::response::ApiError;
use super::super::state::SummaryFrequency;
use super::super::store::{Application, Fields, ObjectKind, Record, RecordNo, Store, money};
use super::super::xml::Element;
use super::ar::apply_to_document;
use super::{
    Ctx, Outcome, Success, amount, business, customer, date_field, key_of, missing, no_record_for,
    record_key, required, split_date,
};

/// Where the money is deposited.
#[derive(Debug, Clone, PartialEq)]
enum Deposit {
    Batch(String),
    Bank(String),
    Undeposited(String),
    Unspecified,
}

/// A payment to post, whichever function it came from.
struct NewPayment {
    customerid: String,
    amount: Decimal,
    deposit: Deposit,
    reference: Option<String>,
    description: Option<String>,
    received: NaiveDate,
    method: String,
    currency: Option<String>,
    /// (invoice key, amount) cash applications.
    items: Vec<(String, Decimal)>,
    /// (credit key, invoice key, amount) credit applications.
    credits: Vec<(String, String, Decimal)>,
    /// `overpaylocid` / `overpaydeptid`: dimensions of the unapplied part.
    overpay_location: Option<String>,
    overpay_department: Option<String>,
}

/// A document money can be applied to, resolved from a key.
fn document(store: &Store, key: &str) -> Option<(ObjectKind, RecordNo)> {
    let no = RecordNo::parse(key)?;
    [ObjectKind::ArInvoice, ObjectKind::ArAdjustment]
        .into_iter()
        .find(|k| store.get(*k, no).is_some())
        .map(|k| (k, no))
}

fn application(store: &Store, kind: ObjectKind, no: RecordNo, amount: Decimal) -> Application {
    let record = store.get(kind, no);
    Application {
        record: no,
        record_id: record
            .and_then(|r| r.get("RECORDID"))
            .unwrap_or_default()
            .to_string(),
        record_type: record
            .and_then(|r| r.get("RECORDTYPE"))
            .unwrap_or("ri")
            .to_string(),
        amount,
    }
}

fn open_invoice(
    store: &Store,
    key: &str,
    amount: Decimal,
) -> Result<(ObjectKind, RecordNo), Vec<ApiError>> {
    let (kind, no) = document(store, key).ok_or_else(|| vec![no_record_for("invoicekey", key)])?;
    let record = store
        .get(kind, no)
        .ok_or_else(|| vec![no_record_for("invoicekey", key)])?;
    if matches!(record.get("STATE"), Some("Reversed" | "Reversal" | "Draft")) {
        return Err(vec![business(format!(
            "Invoice {key} is not open for payment."
        ))]);
    }
    let due = record.money("TOTALDUE");
    if amount <= Decimal::ZERO || amount > due {
        return Err(vec![business(format!(
            "The amount {} applied to invoice {key} exceeds its amount due {}.",
            money(amount),
            money(due)
        ))]);
    }
    Ok((kind, no))
}

fn post(ctx: &mut Ctx<'_>, p: NewPayment) -> Result<RecordNo, Vec<ApiError>> {
    let customer_name = customer(ctx.state, &p.customerid)?
        .get("NAME")
        .unwrap_or_default()
        .to_string();
    let settings = &ctx.state.settings;
    let base = settings.base_currency.clone();
    let currency = p.currency.clone().unwrap_or_else(|| base.clone());
    if !matches!(p.deposit, Deposit::Batch(_))
        && settings.payment_summary_frequency == SummaryFrequency::UserSpecified
    {
        return Err(vec![business("Please provide a payment batch key.").correction(
            "Set the AR payment summary frequency to Daily or Monthly, or pass an open payment batch.",
        )]);
    }
    if currency != base && matches!(p.deposit, Deposit::Undeposited(_)) {
        return Err(vec![ApiError::new(
            "BL02000051",
            format!(
                "You cannot make payment for foreign currency invoice for payment method \"{}\" using Undeposited Fund Account.",
                p.method
            ),
        )
        .correction("Deposit foreign-currency payments into a bank account.")]);
    }
    let applied: Decimal = p.items.iter().map(|(_, a)| *a).sum();
    if applied > p.amount {
        return Err(vec![business(format!(
            "The amounts applied ({}) exceed the payment amount ({}).",
            money(applied),
            money(p.amount)
        ))]);
    }
    let store = &mut ctx.state.store;
    let mut invoices = Vec::new();
    for (key, a) in &p.items {
        let (kind, no) = open_invoice(store, key, *a)?;
        invoices.push((kind, no, *a));
    }
    let mut credits = Vec::new();
    for (credit_key, invoice_key, a) in &p.credits {
        let (ck, cno) = credit_source(store, credit_key, *a)?;
        let (ik, ino) = open_invoice(store, invoice_key, *a)?;
        credits.push((ck, cno, ik, ino, *a));
    }
    let when = date_field(p.received);
    let now = ctx.now;
    let mut record = Record::new(payment_fields(
        &p,
        &customer_name,
        &currency,
        &base,
        &when,
        now,
    ));
    if !ctx.auth.locationid.is_empty() {
        record.set("MEGAENTITYID", ctx.auth.locationid.clone());
    }
    record.set_money("TOTALPAID", applied);
    record.set_money("TRX_TOTALPAID", applied);
    record.set_money("TOTALDUE", p.amount - applied);
    record.set_money("TRX_TOTALDUE", p.amount - applied);
    for (kind, no, a) in invoices {
        record.invoices.push(application(store, kind, no, a));
        apply_to_document(store, kind, no, a, &when, now);
    }
    for (ck, cno, ik, ino, a) in credits {
        record.invoices.push(application(store, ik, ino, a));
        record.credits.push(application(store, ck, cno, a));
        apply_to_document(store, ik, ino, a, &when, now);
        apply_to_document(store, ck, cno, a, &when, now);
    }
    let recordno = super::ar::insert_numbered(store, ObjectKind::ArPayment, record, now);
    Ok(recordno)
}

fn payment_fields(
    p: &NewPayment,
    customer_name: &str,
    currency: &str,
    base: &str,
    when: &str,
    now: chrono::NaiveDateTime,
) -> Fields {
    let mut f = Fields::new();
    for (k, v) in [
        ("RECORDTYPE", "rp"),
        ("STATE", "C"),
        ("CUSTOMERID", p.customerid.as_str()),
        ("CUSTOMERNAME", customer_name),
        ("CURRENCY", currency),
        ("BASECURR", base),
        ("RECEIPTDATE", when),
        ("PAYMENTDATE", when),
        ("PAYMENTTYPE", p.method.as_str()),
        ("PAYMENTMETHOD", p.method.as_str()),
    ] {
        f.insert(k.into(), v.into());
    }
    f.insert("TOTALENTERED".into(), money(p.amount));
    f.insert("TRX_TOTALENTERED".into(), money(p.amount));
    f.insert(
        "AUWHENCREATED".into(),
        now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    if let Some(r) = &p.reference {
        f.insert("DOCNUMBER".into(), r.clone());
    }
    if let Some(d) = &p.description {
        f.insert("DESCRIPTION".into(), d.clone());
    }
    if let Some(l) = &p.overpay_location {
        f.insert("OVERPAYLOCID".into(), l.clone());
    }
    if let Some(d) = &p.overpay_department {
        f.insert("OVERPAYDEPTID".into(), d.clone());
    }
    match &p.deposit {
        Deposit::Batch(b) => f.insert("PRBATCHKEY".into(), b.clone()),
        Deposit::Bank(b) => f.insert("FINANCIALENTITY".into(), b.clone()),
        Deposit::Undeposited(a) => f.insert("UNDEPOSITEDACCOUNTNO".into(), a.clone()),
        Deposit::Unspecified => None,
    };
    f
}

/// A record whose open credit can pay invoices: a credit memo, a negative invoice, or a payment
/// with an unapplied (overpayment) balance.
fn credit_source(
    store: &Store,
    key: &str,
    amount: Decimal,
) -> Result<(ObjectKind, RecordNo), Vec<ApiError>> {
    let no = record_key(key, "arpaymentkey")?;
    let found = [
        ObjectKind::ArAdjustment,
        ObjectKind::ArInvoice,
        ObjectKind::ArPayment,
    ]
    .into_iter()
    .find_map(|k| store.get(k, no).map(|r| (k, r)));
    let Some((kind, record)) = found else {
        return Err(vec![no_record_for("arpaymentkey", key)]);
    };
    let available = match kind {
        ObjectKind::ArPayment if record.get("STATE") != Some("V") => record.money("TOTALDUE"),
        ObjectKind::ArPayment => Decimal::ZERO,
        _ if record.money("TOTALENTERED") < Decimal::ZERO => -record.money("TOTALDUE"),
        _ => Decimal::ZERO,
    };
    if amount > available {
        return Err(vec![business(format!(
            "The amount {} exceeds the available credit {} of record {key}.",
            money(amount),
            money(available)
        ))]);
    }
    Ok((kind, no))
}

fn deposit(body: &Element) -> Deposit {
    if let Some(b) = body.child_text("batchkey") {
        Deposit::Batch(b.into())
    } else if let Some(b) = body.child_text("bankaccountid") {
        Deposit::Bank(b.into())
    } else if let Some(a) = body.child_text("undepfundsacct") {
        Deposit::Undeposited(a.into())
    } else {
        Deposit::Unspecified
    }
}

/// `create_arpayment`: `<key>` is the new ARPYMT RECORDNO.
pub fn create_arpayment(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "create_arpayment";
    let base = ctx.state.settings.base_currency.clone();
    super::require_exchange_rate(body, &base)?;
    let foreign = body
        .child_text("currency")
        .is_some_and(|c| !c.eq_ignore_ascii_case(&base));
    if foreign
        && body
            .child_text("paymentmethod")
            .is_some_and(|m| m.eq_ignore_ascii_case("Credit Card"))
    {
        return Err(vec![business(format!(
            "Credit card payments can only be made in the base currency ({base}). Use another \
             payment method, such as EFT."
        ))]);
    }
    let mut items = Vec::new();
    for item in body.children_named("arpaymentitem") {
        let key = required(item, F, "invoicekey")?.to_string();
        items.push((key, amount(required(item, F, "amount")?, "amount")?));
    }
    let payment = NewPayment {
        customerid: required(body, F, "customerid")?.to_string(),
        amount: amount(required(body, F, "paymentamount")?, "paymentamount")?,
        deposit: deposit(body),
        reference: body.child_text("refid").map(str::to_string),
        description: None,
        received: split_date(body, "datereceived")?.unwrap_or(ctx.now.date()),
        method: body
            .child_text("paymentmethod")
            .unwrap_or("Printed Check")
            .to_string(),
        currency: body.child_text("currency").map(str::to_string),
        items,
        credits: Vec::new(),
        overpay_location: body.child_text("overpaylocid").map(str::to_string),
        overpay_department: body.child_text("overpaydeptid").map(str::to_string),
    };
    let recordno = post(ctx, payment)?;
    Ok(Success {
        key: Some(recordno.to_string()),
        data: None,
    })
}

/// Generic `<create><ARPYMT>` with `ARPYMTDETAILS`; returns the new RECORDNO.
pub fn create_generic(ctx: &mut Ctx<'_>, object: &Element) -> Result<RecordNo, Vec<ApiError>> {
    const F: &str = "create ARPYMT";
    let custom = ctx.state.store.custom(ObjectKind::ArPayment);
    for child in &object.children {
        if !ObjectKind::ArPayment.has_field(&child.name, &custom) {
            return Err(vec![
                super::unknown_field("ARPYMT", &child.name),
                business("Could not create arpymt record!"),
            ]);
        }
    }
    let mut items = Vec::new();
    let mut credits = Vec::new();
    let details: Vec<&Element> = object
        .child("ARPYMTDETAILS")
        .map(|d| d.children_named("ARPYMTDETAIL").collect())
        .unwrap_or_default();
    if details.is_empty() {
        return Err(missing(F, "ARPYMTDETAILS"));
    }
    for detail in details {
        let invoice = required(detail, F, "RECORDKEY")?.to_string();
        if let Some(credit) = detail.child_text("ADJUSTMENTKEY") {
            let a = amount(
                required(detail, F, "TRX_ADJUSTMENTAMOUNT")?,
                "TRX_ADJUSTMENTAMOUNT",
            )?;
            credits.push((credit.to_string(), invoice.clone(), a));
        }
        if let Some(raw) = detail.child_text("TRX_PAYMENTAMOUNT") {
            items.push((invoice, amount(raw, "TRX_PAYMENTAMOUNT")?));
        }
    }
    let applied: Decimal = items.iter().map(|(_, a)| *a).sum();
    let total = match object
        .child_text("TRX_AMOUNTTOPAY")
        .or(object.child_text("AMOUNTOPAY"))
    {
        Some(raw) => amount(raw, "TRX_AMOUNTTOPAY")?,
        None => applied,
    };
    let deposit = if let Some(b) = object.child_text("PRBATCH") {
        Deposit::Batch(b.into())
    } else if let Some(b) = object.child_text("FINANCIALENTITY") {
        Deposit::Bank(b.into())
    } else if let Some(a) = object.child_text("UNDEPOSITEDACCOUNTNO") {
        Deposit::Undeposited(a.into())
    } else {
        return Err(vec![business(
            "One of FINANCIALENTITY, PRBATCH or UNDEPOSITEDACCOUNTNO is required.",
        )]);
    };
    let received = required(object, F, "RECEIPTDATE")?;
    let received =
        NaiveDate::parse_from_str(received, super::super::clock::DATE_FORMAT).map_err(|_| {
            vec![business(format!(
                "Invalid RECEIPTDATE '{received}'; use mm/dd/yyyy."
            ))]
        })?;
    post(
        ctx,
        NewPayment {
            customerid: required(object, F, "CUSTOMERID")?.to_string(),
            amount: total,
            deposit,
            reference: object.child_text("DOCNUMBER").map(str::to_string),
            description: object.child_text("DESCRIPTION").map(str::to_string),
            received,
            method: required(object, F, "PAYMENTMETHOD")?.to_string(),
            currency: object.child_text("CURRENCY").map(str::to_string),
            items,
            credits,
            overpay_location: None,
            overpay_department: None,
        },
    )
}

/// `apply_arpayment`: apply an existing credit (credit memo, negative invoice, overpayment) to
/// invoices. Records a new ARPYMT listing the INVOICES and CREDITS; `<key>` is its RECORDNO.
pub fn apply_arpayment(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "apply_arpayment";
    let source = required(body, F, "arpaymentkey")?.to_string();
    let mut credits = Vec::new();
    for item in body
        .child("arpaymentitems")
        .into_iter()
        .flat_map(|i| i.children_named("arpaymentitem"))
    {
        let invoice = required(item, F, "invoicekey")?.to_string();
        credits.push((
            source.clone(),
            invoice,
            amount(required(item, F, "amount")?, "amount")?,
        ));
    }
    if credits.is_empty() {
        return Err(missing(F, "arpaymentitems/arpaymentitem"));
    }
    let total: Decimal = credits.iter().map(|(_, _, a)| *a).sum();
    let store = &ctx.state.store;
    let (kind, no) = credit_source(store, &source, total)?;
    let customerid = store
        .get(kind, no)
        .and_then(|r| r.get("CUSTOMERID"))
        .unwrap_or_default()
        .to_string();
    let currency = store
        .get(kind, no)
        .and_then(|r| r.get("CURRENCY"))
        .map(str::to_string);
    let payment = NewPayment {
        customerid,
        amount: Decimal::ZERO,
        deposit: Deposit::Batch(
            body.child_text("batchkey")
                .unwrap_or("applied-credit")
                .to_string(),
        ),
        reference: None,
        description: body.child_text("memo").map(str::to_string),
        received: split_date(body, "paymentdate")?.unwrap_or(ctx.now.date()),
        method: "Credit Memo".into(),
        currency,
        items: Vec::new(),
        credits,
        overpay_location: body.child_text("overpaylocid").map(str::to_string),
        overpay_department: body.child_text("overpaydeptid").map(str::to_string),
    };
    let recordno = post(ctx, payment)?;
    Ok(Success {
        key: Some(recordno.to_string()),
        data: None,
    })
}

/// `reverse_arpayment key=`: restores every invoice and credit the payment touched, marks it
/// voided (`V`), and adds the reversing payment (also `V`, negative amounts) the way Intacct does.
pub fn reverse_arpayment(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    const F: &str = "reverse_arpayment";
    let key = key_of(body, F, "key")?;
    let recordno = record_key(&key, "arpaymentkey")?;
    let now = ctx.now;
    let store = &mut ctx.state.store;
    let Some(original) = store.get(ObjectKind::ArPayment, recordno).cloned() else {
        return Err(vec![no_record_for("arpaymentkey", &key)]);
    };
    if original.get("STATE") == Some("V") {
        return Err(vec![business(format!(
            "Payment {key} has already been reversed."
        ))]);
    }
    let when = split_date(body, "datereversed")?
        .map(date_field)
        .unwrap_or_else(|| date_field(now.date()));
    for app in &original.invoices {
        if let Some((kind, no)) = document(store, &app.record.to_string()) {
            apply_to_document(store, kind, no, -app.amount, &when, now);
        }
    }
    for app in &original.credits {
        let kind = [
            ObjectKind::ArAdjustment,
            ObjectKind::ArInvoice,
            ObjectKind::ArPayment,
        ]
        .into_iter()
        .find(|k| store.get(*k, app.record).is_some());
        if let Some(k) = kind {
            apply_to_document(store, k, app.record, -app.amount, &when, now);
        }
    }
    let mut reversal = Record::new(original.fields.clone());
    reversal.fields.remove("RECORDNO");
    reversal.fields.remove("RECORDID");
    reversal.set("STATE", "V");
    reversal.set("RECEIPTDATE", when.clone());
    reversal.set("PARENTPAYMENTKEY", recordno.to_string());
    reversal.set(
        "AUWHENCREATED",
        now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    if let Some(d) = body.child_text("description") {
        reversal.set("DESCRIPTION", d);
    }
    for field in [
        "TOTALENTERED",
        "TRX_TOTALENTERED",
        "TOTALPAID",
        "TRX_TOTALPAID",
        "TOTALDUE",
        "TRX_TOTALDUE",
    ] {
        let v = reversal.money(field);
        reversal.set_money(field, -v);
    }
    let negate = |apps: &[Application]| {
        apps.iter()
            .map(|a| Application {
                amount: -a.amount,
                ..a.clone()
            })
            .collect::<Vec<_>>()
    };
    reversal.invoices = negate(&original.invoices);
    reversal.credits = negate(&original.credits);
    super::ar::insert_numbered(store, ObjectKind::ArPayment, reversal, now);
    if let Some(p) = store.get_mut(ObjectKind::ArPayment, recordno) {
        p.set("STATE", "V");
    }
    store.touch(ObjectKind::ArPayment, recordno, now);
    Ok(Success {
        key: Some(recordno.to_string()),
        data: None,
    })
}
