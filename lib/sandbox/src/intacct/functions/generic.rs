//! Generic `create` / `update` / `delete` (upper-case objects, fields in any order).

use std::fmt::Write as _;

use super::super::response::{ApiError, Data};
use super::super::store::{Fields, ObjectKind, Record, RecordNo};
use super::super::xml::{Element, esc};
use super::{Ctx, Outcome, Success, business, payments, unknown_field};

/// Flatten `<DISPLAYCONTACT><MAILADDRESS><CITY>` into `DISPLAYCONTACT.MAILADDRESS.CITY`.
fn flatten(el: &Element, prefix: &str, out: &mut Vec<(String, String)>) {
    for child in &el.children {
        let name = if prefix.is_empty() {
            child.name.to_ascii_uppercase()
        } else {
            format!("{prefix}.{}", child.name.to_ascii_uppercase())
        };
        if child.children.is_empty() {
            out.push((name, child.text.trim().to_string()));
        } else {
            flatten(child, &name, out);
        }
    }
}

fn check_fields(
    ctx: &Ctx<'_>,
    kind: ObjectKind,
    fields: &[(String, String)],
) -> Result<(), Vec<ApiError>> {
    let custom = ctx.state.store.custom(kind);
    for (name, _) in fields {
        if !kind.has_field(name, &custom) {
            return Err(vec![
                unknown_field(kind.name(), name),
                business(format!(
                    "Could not create {} record!",
                    kind.name().to_ascii_lowercase()
                )),
            ]);
        }
    }
    Ok(())
}

fn objects_data(created: &[(ObjectKind, RecordNo, Option<String>)]) -> Data {
    let mut inner = String::new();
    for (kind, recordno, id) in created {
        let element = kind.name().to_ascii_lowercase();
        let _ = write!(inner, "<{element}><RECORDNO>{recordno}</RECORDNO>");
        if let Some(id) = id {
            let field = kind.id_field();
            let _ = write!(inner, "<{field}>{}</{field}>", esc(id));
        }
        let _ = write!(inner, "</{element}>");
    }
    Data {
        attrs: vec![
            ("listtype".into(), "objects".into()),
            ("count".into(), created.len().to_string()),
        ],
        inner,
    }
}

/// `create`: CUSTOMER and ARPYMT; returns `<data listtype="objects">` (resp_15).
pub fn create(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let mut created = Vec::new();
    for object in &body.children {
        let Some(kind) = ObjectKind::parse(&object.name) else {
            return Err(vec![ApiError::new(
                "BL01001973",
                format!("Object definition {} not found", object.name),
            )]);
        };
        match kind {
            ObjectKind::Customer => {
                let (recordno, id) = create_customer(ctx, object)?;
                created.push((kind, recordno, Some(id)));
            }
            ObjectKind::ArPayment => {
                let recordno = payments::create_generic(ctx, object)?;
                created.push((kind, recordno, None));
            }
            other => {
                return Err(vec![business(format!(
                    "{} cannot be created with the generic create function; use its object-specific function.",
                    other.name()
                ))]);
            }
        }
    }
    Ok(Success {
        key: None,
        data: Some(objects_data(&created)),
    })
}

fn create_customer(
    ctx: &mut Ctx<'_>,
    object: &Element,
) -> Result<(RecordNo, String), Vec<ApiError>> {
    let mut fields = Vec::new();
    flatten(object, "", &mut fields);
    fields.retain(|(k, _)| k != "RECORDNO");
    check_fields(ctx, ObjectKind::Customer, &fields)?;
    let mut map: Fields = fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let Some(name) = map.get("NAME").cloned() else {
        return Err(vec![
            business("Required field Name is missing."),
            business("Could not create customer record!"),
        ]);
    };
    let store = &ctx.state.store;
    let id = match map.get("CUSTOMERID").cloned() {
        Some(id) => id,
        None => (store.count(ObjectKind::Customer) + 1..)
            .map(|n| format!("CUST-{n:05}"))
            .find(|id| store.find(ObjectKind::Customer, "CUSTOMERID", id).is_none())
            .unwrap_or_default(),
    };
    if store
        .find(ObjectKind::Customer, "CUSTOMERID", &id)
        .is_some()
    {
        return Err(vec![
            ApiError::new(
                "BL34000061",
                format!("Another Customer with the given value(s) {id}  already exists"),
            )
            .correction("Use a unique value instead."),
            business("Could not create customer record!"),
        ]);
    }
    map.insert("CUSTOMERID".into(), id.clone());
    for (k, v) in [
        ("STATUS", "active"),
        ("ONETIME", "false"),
        ("ONHOLD", "false"),
        ("TOTALDUE", "0.00"),
    ] {
        map.entry(k.into()).or_insert_with(|| v.into());
    }
    map.entry("DISPLAYCONTACT.CONTACTNAME".into())
        .or_insert_with(|| format!("{name}(C{id})"));
    map.entry("DISPLAYCONTACT.PRINTAS".into()).or_insert(name);
    map.insert("CREATEDBY".into(), ctx.auth.userid.clone());
    map.insert("MODIFIEDBY".into(), ctx.auth.userid.clone());
    if !ctx.auth.locationid.is_empty() {
        map.insert("MEGAENTITYID".into(), ctx.auth.locationid.clone());
    }
    let recordno = ctx
        .state
        .store
        .insert(ObjectKind::Customer, Record::new(map), ctx.now);
    Ok((recordno, id))
}

/// `update`: CUSTOMER by RECORDNO or CUSTOMERID; an empty element clears the field.
pub fn update(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let mut updated = Vec::new();
    for object in &body.children {
        let kind = ObjectKind::parse(&object.name);
        if kind != Some(ObjectKind::Customer) {
            return Err(vec![business(format!(
                "Object {} cannot be updated through this sandbox's generic update.",
                object.name
            ))]);
        }
        let kind = ObjectKind::Customer;
        let mut fields = Vec::new();
        flatten(object, "", &mut fields);
        check_fields(ctx, kind, &fields)?;
        let by_recordno = fields
            .iter()
            .find(|(k, _)| k == "RECORDNO")
            .and_then(|(_, v)| RecordNo::parse(v));
        let by_id = fields
            .iter()
            .find(|(k, _)| k == "CUSTOMERID")
            .map(|(_, v)| v.clone());
        let store = &ctx.state.store;
        let found = match (by_recordno, &by_id) {
            (Some(no), _) => store.get(kind, no).map(|r| r.recordno),
            (None, Some(id)) => store.find(kind, "CUSTOMERID", id).map(|r| r.recordno),
            (None, None) => None,
        };
        let Some(recordno) = found else {
            let what = by_id.map_or_else(
                || {
                    format!(
                        "RECORDNO={}",
                        by_recordno.map_or(String::new(), |n| n.to_string())
                    )
                },
                |id| format!("CUSTOMERID={id}"),
            );
            return Err(vec![ApiError::new(
                format!("Cannot update non-existing CUSTOMER with {what}."),
                "",
            )]);
        };
        let userid = ctx.auth.userid.clone();
        if let Some(record) = ctx.state.store.get_mut(kind, recordno) {
            for (k, v) in fields {
                if k == "RECORDNO" || k == "CUSTOMERID" {
                    continue;
                }
                if v.is_empty() {
                    record.fields.remove(&k);
                } else {
                    record.fields.insert(k, v);
                }
            }
            record.set("MODIFIEDBY", userid);
        }
        ctx.state.store.touch(kind, recordno, ctx.now);
        let id = ctx
            .state
            .store
            .get(kind, recordno)
            .and_then(|r| r.get("CUSTOMERID").map(str::to_string));
        updated.push((kind, recordno, id));
    }
    Ok(Success {
        key: None,
        data: Some(objects_data(&updated)),
    })
}

/// `delete`: object + comma-separated RECORDNO keys; returns status only.
pub fn delete(ctx: &mut Ctx<'_>, body: &Element) -> Outcome {
    let object = body.child_text("object").unwrap_or_default();
    let Some(kind) = ObjectKind::parse(object) else {
        return Err(vec![business(format!(
            "Object definition {object} not found"
        ))]);
    };
    let keys = body.child_text("keys").unwrap_or_default();
    for key in keys.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let recordno = RecordNo::parse(key).filter(|k| ctx.state.store.get(kind, *k).is_some());
        let Some(recordno) = recordno else {
            return Err(vec![business(format!(
                "Cannot find {} with key '{key}' to delete.",
                kind.name().to_ascii_lowercase()
            ))]);
        };
        super::ar::remove_document(ctx, kind, recordno)?;
    }
    Ok(Success::default())
}
