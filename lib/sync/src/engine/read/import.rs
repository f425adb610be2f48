//! One Intacct row → the Invoiced record, created or updated, with its mapping.
//!
//! Ownership rules (`docs/reference.md#ownership-and-echoes`): a row whose mapping says it came from Invoiced is an echo
//! of our own write and is left alone; records imported from Intacct are owned by Intacct.
//! Creates carry an idempotency key derived from the Intacct key, so a re-read row never
//! creates a second Invoiced record even if its mapping was lost.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use futures::StreamExt;
use intacct::Record;
use intacct::functions::{Filter, Query};
use invoiced::IdempotencyKey;
use invoiced::models::{
    AppliedTo, CreditNoteParams, Currency, CustomerId, CustomerParams, InvoiceApplication,
    InvoiceId, InvoiceParams, LineItemParams, Metadata, PaymentId, PaymentMethod, PaymentParams,
};
use rust_decimal::Decimal;
use std::collections::HashMap;

use super::super::exactly_once::{Adoption, Marker};
use super::super::gateway::{CallError, WriteFailure, intacct_failure};
use super::super::write::{
    IMPORTED_MARKER, Link, UNNUMBERED_PREFIX, customer_number, invoiced_failure, written_from,
};
use super::super::{Connection, Engine};
use super::{Imported, Stream};
use crate::config::{CustomerMatching, CustomerSource, RecordType};
use crate::model::{IntentKey, IntentState, Mapping, Operation, Origin, WorkItem, WriteIntent};
use crate::ports::Lookup;
use crate::ports::StoreError;

/// What became of a customer a page of documents names.
#[derive(Debug, Clone, Copy)]
pub(super) enum CustomerStatus {
    /// Inactive in Intacct: its documents are not imported.
    Inactive,
    /// Active; bill-to-contact mode, where documents get the contact as their customer.
    Active,
    /// Active and in Invoiced as this customer.
    Imported(CustomerId),
}

/// The customers of one page, by CUSTOMERID.
#[derive(Debug, Default)]
pub(super) struct PageCustomers {
    statuses: HashMap<String, CustomerStatus>,
}

impl PageCustomers {
    fn status(&self, customer_id: &str) -> Result<CustomerStatus, WriteFailure> {
        self.statuses
            .get(customer_id)
            .copied()
            .ok_or_else(|| bad_data(format!("customer {customer_id} does not exist in Intacct")))
    }
}

/// CUSTOMER fields the customer stream reads (flattened names, as `query` returns them).
pub(super) const CUSTOMER_FIELDS: [&str; 14] = [
    "RECORDNO",
    "CUSTOMERID",
    "NAME",
    "STATUS",
    "CURRENCY",
    "WHENMODIFIED",
    "DISPLAYCONTACT.EMAIL1",
    "DISPLAYCONTACT.PHONE1",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS1",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS2",
    "DISPLAYCONTACT.MAILADDRESS.CITY",
    "DISPLAYCONTACT.MAILADDRESS.STATE",
    "DISPLAYCONTACT.MAILADDRESS.ZIP",
    "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE",
];

fn text(row: &Record, name: &str) -> Option<String> {
    row.non_empty(name).map(|s| s.trim().to_owned())
}

fn bad_data(message: String) -> WriteFailure {
    WriteFailure::Operator {
        code: "SYNC_BAD_INTACCT_DATA".into(),
        message,
        fix: "Correct the record in Intacct; the next poll (or a retry) imports it.".into(),
    }
}

fn decimal(row: &Record, name: &str) -> Result<Option<Decimal>, WriteFailure> {
    row.decimal(name).map_err(|e| bad_data(e.to_string()))
}

fn date(row: &Record, name: &str) -> Result<Option<NaiveDate>, WriteFailure> {
    row.date(name)
        .or_else(|_| row.datetime(name).map(|d| d.map(|d| d.date())))
        .map_err(|e| bad_data(e.to_string()))
}

/// Intacct dates are calendar days; Invoiced stores instants. Noon UTC keeps the same calendar
/// day in every time zone an account is likely to display.
fn instant(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()))
}

fn currency(row: &Record) -> Option<Currency> {
    text(row, "CURRENCY").and_then(|c| Currency::parse(&c).ok())
}

/// The children of a nested collection, whatever Intacct names each child.
/// The collection may also appear as an empty leaf of the same name (a header field listing),
/// so the nested occurrence is searched for rather than taking the first.
fn children<'r>(row: &'r Record, collection: &'r str) -> Vec<&'r Record> {
    row.all(collection)
        .find_map(|f| f.as_record())
        .map(|c| c.fields().filter_map(|(_, f)| f.as_record()).collect())
        .unwrap_or_default()
}

/// A contact field of a document, flattened (`BILLTO.PRINTAS`, as `query` returns it) or
/// nested (`<BILLTO><PRINTAS>`, as `read` returns it).
fn contact(doc: &Record, group: &str, field: &str) -> Option<String> {
    text(doc, &format!("{group}.{field}")).or_else(|| {
        doc.all(group)
            .find_map(|f| f.as_record())
            .and_then(|g| text(g, field))
    })
}

fn is_inactive(row: &Record) -> bool {
    text(row, "STATUS").is_some_and(|s| s.eq_ignore_ascii_case("inactive"))
}

fn customer_params(row: &Record) -> CustomerParams {
    let contact = |f: &str| text(row, &format!("DISPLAYCONTACT.{f}"));
    let mut metadata = Metadata::new();
    if let Some(key) = text(row, "RECORDNO") {
        metadata.insert(IMPORTED_MARKER, key);
    }
    CustomerParams {
        name: text(row, "NAME"),
        number: text(row, "CUSTOMERID"),
        email: contact("EMAIL1"),
        phone: contact("PHONE1"),
        address1: contact("MAILADDRESS.ADDRESS1"),
        address2: contact("MAILADDRESS.ADDRESS2"),
        city: contact("MAILADDRESS.CITY"),
        state: contact("MAILADDRESS.STATE"),
        postal_code: contact("MAILADDRESS.ZIP"),
        country: contact("MAILADDRESS.COUNTRYCODE"),
        currency: currency(row),
        active: Some(!is_inactive(row)),
        metadata: Some(metadata),
        ..CustomerParams::default()
    }
}

impl Engine {
    /// Imports one row of a stream.
    pub(super) async fn import_row(
        &self,
        conn: &Connection,
        stream: &Stream,
        row: &Record,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        match stream {
            Stream::Customers => self.import_customer(conn, row).await.map(|(i, _)| i),
            Stream::Documents { target, .. } => {
                self.import_document(conn, *target, row, customers).await
            }
            Stream::Payments => self.import_payment(conn, row, customers).await,
        }
    }

    /// Imports a customer row; returns what happened and the Invoiced customer id (when the
    /// customer is, or now is, in Invoiced).
    async fn import_customer(
        &self,
        conn: &Connection,
        row: &Record,
    ) -> Result<(Imported, Option<CustomerId>), WriteFailure> {
        let key =
            text(row, "RECORDNO").ok_or_else(|| bad_data("customer without RECORDNO".into()))?;
        let mapping = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Customer, &key)
            .await?;
        let params = customer_params(row);
        let version = text(row, "WHENMODIFIED");
        if let Some(m) = &mapping {
            let id = parse_invoiced(m)?;
            if m.origin == Origin::Invoiced {
                return Ok((Imported::Skipped("written by us from Invoiced"), Some(id)));
            }
            if version.is_some() && m.source_version == version {
                return Ok((
                    Imported::Skipped("unchanged since it was imported"),
                    Some(id),
                ));
            }
            conn.invoiced
                .update_customer(id, &params)
                .await
                .map_err(invoiced_failure)?;
            self.record_written(
                conn,
                Link {
                    record_type: RecordType::Customer,
                    invoiced_id: &m.invoiced_id,
                    intacct_key: &key,
                    intacct_number: m.intacct_number.clone(),
                    origin: Origin::Intacct,
                    source_version: version,
                },
            )
            .await?;
            return Ok((Imported::Written, Some(id)));
        }
        let number = text(row, "CUSTOMERID");
        // A customer the sync created has the CUSTOMERID the sync gives it: its number, or
        // `INVD-<id>` for an unnumbered one.
        let unnumbered = match number
            .as_deref()
            .and_then(|n| n.strip_prefix(UNNUMBERED_PREFIX))
            .and_then(|id| CustomerId::parse(id).ok())
        {
            Some(id) => conn.invoiced.customer(id).await.map_err(invoiced_failure)?,
            None => None,
        };
        let existing = match unnumbered {
            Some(customer) => Some(customer),
            None => {
                self.match_invoiced_customer(conn, row, number.as_deref())
                    .await?
            }
        };
        if let Some(found) = &existing
            && number.as_deref() == Some(customer_number(found).as_str())
        {
            match self
                .adopt_own_write(
                    conn,
                    RecordType::Customer,
                    &found.id.to_string(),
                    &key,
                    number.clone(),
                    Marker::Shared,
                )
                .await?
            {
                // Ours: it stays owned by Invoiced, and its Invoiced fields are left alone.
                OwnWrite::Adopted(_) => {
                    return Ok((
                        Imported::Skipped("written by us from Invoiced"),
                        Some(found.id),
                    ));
                }
                OwnWrite::BeingWritten => {
                    return Ok((
                        Imported::Skipped("being written (or linked) by the sync right now"),
                        Some(found.id),
                    ));
                }
                OwnWrite::NotOurs => {}
            }
        }
        let customer = match existing {
            Some(found) => conn
                .invoiced
                .update_customer(found.id, &params)
                .await
                .map_err(invoiced_failure)?,
            None => conn
                .invoiced
                .create_customer(&params, &idempotency_key(conn, "customer", &key))
                .await
                .map_err(invoiced_failure)?,
        };
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Customer,
                invoiced_id: &customer.id.to_string(),
                intacct_key: &key,
                intacct_number: number,
                origin: Origin::Intacct,
                source_version: version,
            },
        )
        .await?;
        Ok((Imported::Written, Some(customer.id)))
    }

    /// If the sync itself created Intacct record `intacct_key` from Invoiced record
    /// `invoiced_id` (see [`Engine::adopt_found_record`]), settles that write on the record and
    /// maps it as owned by Invoiced.
    async fn adopt_own_write(
        &self,
        conn: &Connection,
        record_type: RecordType,
        invoiced_id: &str,
        intacct_key: &str,
        intacct_number: Option<String>,
        marker: Marker,
    ) -> Result<OwnWrite, WriteFailure> {
        let key = IntentKey {
            connection: conn.config.id.clone(),
            record_type,
            invoiced_id: invoiced_id.to_owned(),
            operation: Operation::Create,
        };
        match self.adopt_found_record(&key, intacct_key, marker).await? {
            Adoption::NotOurs => Ok(OwnWrite::NotOurs),
            Adoption::InProgress => Ok(OwnWrite::BeingWritten),
            Adoption::Duplicate { settled } => Err(WriteFailure::Operator {
                code: "SYNC_DUPLICATE_IN_INTACCT".into(),
                message: format!(
                    "Intacct {record_type} {intacct_key} carries the identifiers of Invoiced \
                     {record_type} {invoiced_id}, which the sync wrote as Intacct record {settled}"
                ),
                fix: format!(
                    "One of the two Intacct records is a duplicate: reverse or delete \
                     {intacct_key} in Intacct, then ignore this error."
                ),
            }),
            Adoption::Ours { revisit } => {
                self.record_written(
                    conn,
                    Link {
                        record_type,
                        invoiced_id,
                        intacct_key,
                        intacct_number,
                        origin: Origin::Invoiced,
                        source_version: None,
                    },
                )
                .await?;
                if revisit {
                    // A void gave up on the create, yet it reached Intacct: the write side
                    // reverses it now that it is mapped.
                    let work = WorkItem {
                        connection: conn.config.id.clone(),
                        record_type,
                        invoiced_id: invoiced_id.to_owned(),
                        operation: Operation::Create,
                    };
                    self.requeue(work, "SYNC_OWN_WRITE_FOUND", std::time::Duration::ZERO)
                        .await?;
                }
                let mapping = self
                    .store
                    .mapping_by_invoiced(&conn.config.id, record_type, invoiced_id)
                    .await?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("mapping of {record_type} {invoiced_id}"))
                    })?;
                Ok(OwnWrite::Adopted(mapping))
            }
        }
    }

    /// An existing Invoiced customer for an Intacct one, by the connection's matching rule:
    /// account number (Invoiced number = CUSTOMERID), name, or number then name. Two
    /// customers with one name are no match: linking either could be wrong.
    async fn match_invoiced_customer(
        &self,
        conn: &Connection,
        row: &Record,
        number: Option<&str>,
    ) -> Result<Option<invoiced::models::Customer>, WriteFailure> {
        let matching = conn.config.customers.matching;
        let by_number = !matches!(matching, CustomerMatching::Name);
        let by_name = !matches!(matching, CustomerMatching::AccountNumber);
        if by_number && let Some(n) = number {
            let found = conn
                .invoiced
                .find_customers(&Lookup::Number(n.to_owned()))
                .await
                .map_err(invoiced_failure)?;
            if let Some(customer) = found.into_iter().next() {
                return Ok(Some(customer));
            }
        }
        if by_name && let Some(name) = text(row, "NAME") {
            let mut found = conn
                .invoiced
                .find_customers(&Lookup::Name(name))
                .await
                .map_err(invoiced_failure)?;
            if found.len() == 1 {
                return Ok(found.pop());
            }
        }
        Ok(None)
    }

    /// The customers a page of documents or payments names, read in one query, each imported
    /// (or, in bill-to-contact mode, only checked) once for the whole page.
    pub(super) async fn page_customers(
        &self,
        conn: &Connection,
        stream: &Stream,
        records: &HashMap<String, Record>,
    ) -> Result<PageCustomers, WriteFailure> {
        let field = match stream {
            Stream::Customers => return Ok(PageCustomers::default()),
            Stream::Documents { .. } => "CUSTVENDID",
            Stream::Payments => "CUSTOMERID",
        };
        let mut ids: Vec<String> = records.values().filter_map(|r| text(r, field)).collect();
        ids.sort();
        ids.dedup();
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let filter = match chunk {
                [one] => Filter::eq("CUSTOMERID", one.clone()),
                many => Filter::is_in("CUSTOMERID", many.iter().cloned()),
            };
            let query = Query::new("CUSTOMER", CUSTOMER_FIELDS)
                .filter(filter)
                .page_size(2000);
            let response = self
                .call_intacct(conn, &intacct::Request::read(query))
                .await
                .map_err(CallError::into_failure)?;
            let result = response
                .results()
                .first()
                .cloned()
                .ok_or_else(|| bad_data("customer query returned no result".into()))?
                .ensure_success()
                .map_err(|e| intacct_failure(&e))?;
            rows.extend(result.data.map(|d| d.records).unwrap_or_default());
        }
        let bill_to = conn.config.customers.source == CustomerSource::BillToContacts;
        let statuses: Vec<Result<(String, CustomerStatus), WriteFailure>> =
            futures::stream::iter(rows.into_iter().map(|row| async move {
                let id = text(&row, "CUSTOMERID").unwrap_or_default();
                let status = if is_inactive(&row) {
                    CustomerStatus::Inactive
                } else if bill_to {
                    CustomerStatus::Active
                } else {
                    match self.import_customer(conn, &row).await? {
                        (_, Some(invoiced)) => CustomerStatus::Imported(invoiced),
                        (_, None) => CustomerStatus::Inactive,
                    }
                };
                Ok((id, status))
            }))
            .buffered(8)
            .collect()
            .await;
        let mut page = PageCustomers::default();
        for status in statuses {
            let (id, status) = status?;
            page.statuses.insert(id, status);
        }
        Ok(page)
    }

    /// An Order Entry document → invoice or credit note, keyed by its AR record (PRRECORDKEY),
    /// which is what payments and credit applications refer to.
    async fn import_document(
        &self,
        conn: &Connection,
        target: RecordType,
        doc: &Record,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        let key = text(doc, "PRRECORDKEY")
            .or_else(|| text(doc, "RECORDNO"))
            .ok_or_else(|| bad_data("document without a key".into()))?;
        if text(doc, "STATE").is_some_and(|s| s.eq_ignore_ascii_case("draft")) {
            return Ok(Imported::Skipped("draft documents are not imported"));
        }
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, target, &key)
            .await?
        {
            return Ok(Imported::Skipped(if m.origin == Origin::Invoiced {
                "written by us from Invoiced"
            } else {
                "already imported (documents are frozen once imported)"
            }));
        }
        let customer_id = text(doc, "CUSTVENDID")
            .ok_or_else(|| bad_data(format!("document {key} has no customer")))?;
        let customer = match customers.status(&customer_id)? {
            CustomerStatus::Inactive => return Ok(Imported::Skipped("the customer is inactive")),
            CustomerStatus::Active => self.bill_to_customer(conn, doc, &customer_id).await?,
            CustomerStatus::Imported(id) => id,
        };
        let number = text(doc, "DOCNO").unwrap_or_else(|| key.clone());
        let doc_date = date(doc, "WHENCREATED")?
            .ok_or_else(|| bad_data(format!("document {number} has no date")))?;
        let mut items = Vec::new();
        for entry in children(doc, "SODOCUMENTENTRIES") {
            let quantity = decimal(entry, "QUANTITY")?.unwrap_or(Decimal::ONE);
            let price = match decimal(entry, "UIPRICE")? {
                Some(p) => p,
                None => decimal(entry, "PRICE")?.unwrap_or_default(),
            };
            let mut metadata = Metadata::new();
            if let Some(item) = text(entry, "ITEMID") {
                metadata.insert("intacct_item", item);
            }
            items.push(LineItemParams {
                name: text(entry, "ITEMDESC").or_else(|| text(entry, "ITEMID")),
                description: text(entry, "MEMO"),
                quantity: Some(quantity),
                unit_cost: Some(price),
                metadata: Some(metadata),
                ..LineItemParams::default()
            });
        }
        if items.is_empty() {
            return Err(bad_data(format!("document {number} has no line items")));
        }
        let (mut tax, mut discount) = (Decimal::ZERO, Decimal::ZERO);
        for subtotal in children(doc, "SUBTOTALS") {
            let description = text(subtotal, "DESCRIPTION")
                .unwrap_or_default()
                .to_lowercase();
            let total = decimal(subtotal, "TOTAL")?.unwrap_or_default();
            if description.contains("tax") {
                tax += total;
            } else if description.contains("discount") {
                discount -= total;
            }
        }
        let mut metadata = Metadata::new();
        metadata.insert(IMPORTED_MARKER, key.clone());
        if let Some(t) = text(doc, "DOCPARID") {
            metadata.insert("intacct_document_type", t);
        }
        let idempotency = idempotency_key(conn, target.as_str(), &key);
        let created_id = match target {
            RecordType::CreditNote => {
                let params = CreditNoteParams {
                    customer: Some(customer),
                    number: Some(number.clone()),
                    currency: currency(doc),
                    date: Some(instant(doc_date)),
                    items: Some(items),
                    tax: (!tax.is_zero()).then_some(tax),
                    discount: (!discount.is_zero()).then_some(discount),
                    draft: Some(false),
                    metadata: Some(metadata),
                    ..CreditNoteParams::default()
                };
                conn.invoiced
                    .create_credit_note(&params, &idempotency)
                    .await
                    .map_err(invoiced_failure)?
                    .id
                    .to_string()
            }
            _ => {
                let po = text(doc, "PONUMBER");
                let params = InvoiceParams {
                    customer: Some(customer),
                    number: Some(number.clone()),
                    currency: currency(doc),
                    date: Some(instant(doc_date)),
                    due_date: date(doc, "WHENDUE")?.map(instant),
                    purchase_order: po.map(|p| p.chars().take(32).collect()),
                    items: Some(items),
                    tax: (!tax.is_zero()).then_some(tax),
                    discount: (!discount.is_zero()).then_some(discount),
                    draft: Some(false),
                    metadata: Some(metadata),
                    ..InvoiceParams::default()
                };
                conn.invoiced
                    .create_invoice(&params, &idempotency)
                    .await
                    .map_err(invoiced_failure)?
                    .id
                    .to_string()
            }
        };
        self.record_written(
            conn,
            Link {
                record_type: target,
                invoiced_id: &created_id,
                intacct_key: &key,
                intacct_number: Some(number),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        Ok(Imported::Written)
    }

    /// Bill-to contact mode: the Invoiced customer is the document's bill-to contact, keyed by
    /// BILLTOKEY; it remembers the Intacct customer it bills to (`intacct_customer_number`), so
    /// payments from any of its contacts post to that one Intacct customer.
    async fn bill_to_customer(
        &self,
        conn: &Connection,
        doc: &Record,
        intacct_customer: &str,
    ) -> Result<CustomerId, WriteFailure> {
        let contact_key = text(doc, "BILLTOKEY").ok_or_else(|| {
            bad_data(format!(
                "document {intacct_customer} has no bill-to contact"
            ))
        })?;
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Customer, &contact_key)
            .await?
        {
            return parse_invoiced(&m);
        }
        let name = contact(doc, "BILLTO", "PRINTAS")
            .or_else(|| contact(doc, "BILLTO", "CONTACTNAME"))
            .unwrap_or_else(|| intacct_customer.to_owned());
        let mut metadata = Metadata::new();
        metadata.insert("intacct_customer_number", intacct_customer.to_owned());
        metadata.insert(IMPORTED_MARKER, contact_key.clone());
        let params = CustomerParams {
            name: Some(name),
            email: contact(doc, "BILLTO", "EMAIL1"),
            phone: contact(doc, "BILLTO", "PHONE1"),
            metadata: Some(metadata),
            ..CustomerParams::default()
        };
        let customer = conn
            .invoiced
            .create_customer(&params, &idempotency_key(conn, "bill-to", &contact_key))
            .await
            .map_err(invoiced_failure)?;
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Customer,
                invoiced_id: &customer.id.to_string(),
                intacct_key: &contact_key,
                intacct_number: Some(intacct_customer.to_owned()),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        Ok(customer.id)
    }

    /// A payment reversed in Intacct, whichever side created it, is voided in Invoiced. The
    /// void intent is recorded as done first, so the `payment.deleted` webhook that the void
    /// causes is not written back to Intacct as a second reversal.
    async fn reflect_reversal(
        &self,
        conn: &Connection,
        mapping: &Mapping,
    ) -> Result<Imported, WriteFailure> {
        let id = PaymentId::parse(&mapping.invoiced_id).map_err(|e| bad_data(e.to_string()))?;
        let now = self.clock.now();
        let void = IntentKey {
            connection: conn.config.id.clone(),
            record_type: RecordType::Payment,
            invoiced_id: mapping.invoiced_id.clone(),
            operation: Operation::Void,
        };
        let done = IntentState::Succeeded {
            intacct_key: mapping.intacct_key.clone(),
        };
        let intent = self
            .store
            .begin_intent(&WriteIntent {
                key: void,
                generation: 0,
                state: done.clone(),
                version: 1,
                updated_at: now,
                locator: None,
            })
            .await?;
        if !matches!(intent.state, IntentState::Succeeded { .. }) {
            // A reversal of ours in flight, or one that failed: Intacct shows it reversed, so
            // it is done (a racing holder's settle then finds this success).
            match self
                .store
                .transition_intent(&intent, done, intent.generation, now)
                .await
            {
                Ok(_) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match conn.invoiced.payment(id).await.map_err(invoiced_failure)? {
            Some(payment) if !payment.voided => {
                conn.invoiced
                    .void_payment(id)
                    .await
                    .map_err(invoiced_failure)?;
                Ok(Imported::Written)
            }
            _ => Ok(Imported::Skipped("already voided in Invoiced")),
        }
    }

    /// An AR payment → an Invoiced payment applied to the mapped invoices.
    async fn import_payment(
        &self,
        conn: &Connection,
        pay: &Record,
        customers: &PageCustomers,
    ) -> Result<Imported, WriteFailure> {
        let key =
            text(pay, "RECORDNO").ok_or_else(|| bad_data("payment without RECORDNO".into()))?;
        let reversed = text(pay, "STATE").is_some_and(|s| {
            let s = s.to_ascii_lowercase();
            s == "v" || s.contains("reversed") || s.contains("voided")
        });
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Payment, &key)
            .await?
        {
            if reversed {
                return self.reflect_reversal(conn, &m).await;
            }
            return Ok(Imported::Skipped(if m.origin == Origin::Invoiced {
                "written by us from Invoiced"
            } else {
                "already imported"
            }));
        }
        // The counter-entry Intacct adds when it reverses a payment: the reversal reaches
        // Invoiced through the original, which the reversal marks reversed (and re-dates).
        if text(pay, "PARENTPAYMENTKEY").is_some() {
            return Ok(Imported::Skipped("the reversal entry of another payment"));
        }
        // The sync's own write whose answer (or mapping) was lost: settle it, never import it.
        if let Some(invoiced_id) = text(pay, "DOCNUMBER").as_deref().and_then(written_from)
            && let OwnWrite::Adopted(mapping) = self
                .adopt_own_write(
                    conn,
                    RecordType::Payment,
                    &invoiced_id.to_string(),
                    &key,
                    text(pay, "DOCNUMBER"),
                    Marker::Unique,
                )
                .await?
        {
            if reversed {
                return self.reflect_reversal(conn, &mapping).await;
            }
            return Ok(Imported::Skipped("written by us from Invoiced"));
        }
        if reversed {
            return Ok(Imported::Skipped("reversed in Intacct"));
        }
        let amount = match decimal(pay, "TRX_TOTALENTERED")? {
            Some(a) => a,
            None => decimal(pay, "TOTALENTERED")?.unwrap_or_default(),
        };
        if amount.is_zero() {
            // A credit application (a credit memo or overpayment applied to invoices) moves no
            // cash; its effect reaches Invoiced through the documents it settles.
            return Ok(Imported::Skipped("credit application without cash"));
        }
        let customer_id = text(pay, "CUSTOMERID")
            .ok_or_else(|| bad_data(format!("payment {key} has no customer")))?;
        let customer = match customers.status(&customer_id)? {
            CustomerStatus::Inactive => return Ok(Imported::Skipped("the customer is inactive")),
            CustomerStatus::Imported(id) => id,
            // Bill-to mode: the payment belongs to the Invoiced customer of the bill-to contact
            // of the invoices it pays; payments are imported only in customer mode.
            CustomerStatus::Active => {
                return Ok(Imported::Skipped(
                    "payments are not imported in bill-to contact mode",
                ));
            }
        };
        let mut applied = Vec::new();
        // `read` lists what a payment paid under INVOICES (record, type, applied amount).
        for application in children(pay, "INVOICES") {
            let Some(invoice_key) = text(application, "RECORD") else {
                continue;
            };
            let amount = decimal(application, "APPLIEDAMOUNT")?.unwrap_or_default();
            let Some(invoice) = self
                .store
                .mapping_by_intacct(&conn.config.id, RecordType::Invoice, &invoice_key)
                .await?
            else {
                // Intacct-side invoices we do not sync (AR invoices keyed in by hand) cannot be
                // paid in Invoiced; say so rather than import half a payment.
                return Err(WriteFailure::Operator {
                    code: "SYNC_PAYMENT_INVOICE_UNKNOWN".into(),
                    message: format!("payment {key} pays Intacct invoice {invoice_key}, which is not in Invoiced"),
                    fix: "Import that invoice (initial data sync of invoices), then retry this error.".into(),
                });
            };
            applied.push(AppliedTo::Invoice(InvoiceApplication {
                id: None,
                amount,
                invoice: InvoiceId::new(parse_invoiced(&invoice)?.get()),
            }));
        }
        let mut metadata = Metadata::new();
        metadata.insert(IMPORTED_MARKER, key.clone());
        let params = PaymentParams {
            customer: Some(customer),
            date: date(pay, "RECEIPTDATE")?.map(instant),
            method: Some(invoiced_method(text(pay, "PAYMENTMETHOD").as_deref())),
            currency: currency(pay),
            amount: Some(amount),
            reference: text(pay, "DOCNUMBER"),
            applied_to: Some(applied),
            metadata: Some(metadata),
            ..PaymentParams::default()
        };
        let payment = conn
            .invoiced
            .create_payment(&params, &idempotency_key(conn, "payment", &key))
            .await
            .map_err(invoiced_failure)?;
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Payment,
                invoiced_id: &payment.id.to_string(),
                intacct_key: &key,
                intacct_number: text(pay, "DOCNUMBER"),
                origin: Origin::Intacct,
                source_version: None,
            },
        )
        .await?;
        Ok(Imported::Written)
    }
}

/// What the read side made of an Intacct record that may be one of the sync's own writes.
enum OwnWrite {
    /// It is: settled and mapped (owned by Invoiced).
    Adopted(Mapping),
    /// A write of the sync is deciding about it right now.
    BeingWritten,
    /// It is not.
    NotOurs,
}

/// The Invoiced payment method of an Intacct one.
fn invoiced_method(intacct: Option<&str>) -> PaymentMethod {
    match intacct.map(str::to_ascii_lowercase).as_deref() {
        Some("cash") => PaymentMethod::Cash,
        Some("printed check" | "check" | "record transfer") => PaymentMethod::Check,
        Some("credit card" | "charge card") => PaymentMethod::CreditCard,
        Some("eft" | "ach") => PaymentMethod::Eft,
        _ => PaymentMethod::Other,
    }
}

fn parse_invoiced(mapping: &Mapping) -> Result<CustomerId, WriteFailure> {
    CustomerId::parse(&mapping.invoiced_id).map_err(|e| bad_data(e.to_string()))
}

/// Idempotency key of an import: stable per connection and Intacct record, hashed to fit when
/// the connection id is long.
fn idempotency_key(conn: &Connection, kind: &str, key: &str) -> IdempotencyKey {
    IdempotencyKey::derived(&format!("intacct-{}-{kind}-{key}", conn.config.id))
}
