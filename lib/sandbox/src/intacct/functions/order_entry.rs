//! Order Entry: `create_sotransaction` (Sales Invoice / Sales Return / Sales Order) and
//! `delete_sotransaction`. Invoicing definitions also post an ARINVOICE whose RECORDNO becomes the
//! document's PRRECORDKEY — the key payments and credit applications use.

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
    let state = body.child_text("state").unwrap_or("Closed").to_string();
    let mut lines = Vec::new();
    let mut subtotal = Decimal::ZERO;
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
        let value = (quantity * price).round_dp(2);
        subtotal += value;
        let mut line = Fields::new();
        line.insert("ITEMID".into(), required(item, F, "itemid")?.to_string());
        for (element, field) in [
            ("itemdesc", "ITEMDESC"),
            ("unit", "UNIT"),
            ("memo", "MEMO"),
            ("locationid", "LOCATIONID"),
            ("departmentid", "DEPARTMENTID"),
            ("warehouseid", "WAREHOUSEID"),
        ] {
            if let Some(v) = item.child_text(element) {
                line.insert(field.into(), v.to_string());
            }
        }
        line.insert("QUANTITY".into(), quantity.normalize().to_string());
        line.insert("MULTIPLIER".into(), "1".into());
        for f in ["PRICE", "UIPRICE", "TRX_PRICE"] {
            line.insert(f.into(), price.normalize().to_string());
        }
        for f in ["UIVALUE", "TRX_VALUE"] {
            line.insert(f.into(), money(value));
        }
        for (k, v) in custom_fields(ctx.state, ObjectKind::SoDocument, item)? {
            line.insert(k, v);
        }
        lines.push(line);
    }
    let mut subtotals = Vec::new();
    let mut total = subtotal;
    for (index, sub) in body
        .child("subtotals")
        .into_iter()
        .flat_map(|s| s.children_named("subtotal"))
        .enumerate()
    {
        let value = amount(required(sub, F, "total")?, "total")?;
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
        row.insert("TRX_TOTAL".into(), money(value));
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
    for (field, value) in [
        ("SUBTOTAL", subtotal),
        ("TOTAL", total),
        ("TOTALENTERED", total),
        ("TOTALDUE", total),
        ("TOTALPAID", Decimal::ZERO),
    ] {
        f.insert(field.into(), money(value));
        f.insert(format!("TRX_{field}"), money(value));
    }
    let now = ctx.now;
    let store = &mut ctx.state.store;
    if let Some(sign) = posts.filter(|_| state != "Draft") {
        let signed = if sign < 0 { -total } else { total };
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
        for prefix in ["", "TRX_"] {
            ar.set_money(&format!("{prefix}TOTALENTERED"), signed);
            ar.set_money(&format!("{prefix}TOTALPAID"), Decimal::ZERO);
            ar.set_money(&format!("{prefix}TOTALDUE"), signed);
        }
        ar.lines = lines
            .iter()
            .map(|l| {
                let value = l
                    .get("UIVALUE")
                    .and_then(|v| v.parse::<Decimal>().ok())
                    .unwrap_or_default();
                let mut line = Fields::new();
                line.insert(
                    "ITEMID".into(),
                    l.get("ITEMID").cloned().unwrap_or_default(),
                );
                line.insert(
                    "ENTRYDESCRIPTION".into(),
                    l.get("ITEMDESC").cloned().unwrap_or_default(),
                );
                let v = if sign < 0 { -value } else { value };
                line.insert("AMOUNT".into(), money(v));
                line.insert("TRX_AMOUNT".into(), money(v));
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
