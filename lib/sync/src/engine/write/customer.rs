//! Invoiced customer → Intacct CUSTOMER.
//!
//! The Intacct CUSTOMERID is the Invoiced customer number, so the same customer always gets the
//! same id (a lost response can be probed for; a second create collides instead of
//! duplicating). An Intacct customer found by the connection's matching rule is linked rather
//! than created, and is then owned by Intacct: Invoiced edits are not pushed to it.

use intacct::Request;
use intacct::functions::{Create, Filter, Object, ObjectBuilder, Query, Update};
use invoiced::models::{Customer, CustomerId, CustomerRef};
use std::collections::BTreeMap;

use super::super::exactly_once::{ExactlyOnce, Posted};
use super::super::gateway::{
    CallError, WriteFailure, call_id, first_key, intacct_failure, locator,
};
use super::super::{Connection, Engine, Outcome};
use super::{IMPORTED_MARKER, Link, invoiced_failure, parse_id, skipped};
use crate::catalogue::Code;
use crate::config::{CustomerSource, RecordType};
use crate::mapping::identity::customer_number;
use crate::mapping::matching::{MatchKey, match_keys, single};
use crate::model::{IntentKey, Mapping, Operation, Origin, WorkItem};

/// How a customer created with CUSTOMERID `number` is found.
pub(crate) fn customer_locator(number: &str) -> crate::model::RecordLocator {
    locator("CUSTOMER", "CUSTOMERID", number)
}

/// The CUSTOMER object for create and update (an update identifies the customer by its
/// CUSTOMERID, which Intacct cannot change).
fn customer_object(
    customer: &Customer,
    number: &str,
    custom_fields: &BTreeMap<String, String>,
) -> Result<Object, WriteFailure> {
    let record = serde_json::to_value(customer).unwrap_or_default();
    let mut builder = Object::builder("CUSTOMER")
        .text("CUSTOMERID", number)
        .text("NAME", customer.name.clone())
        .text(
            "STATUS",
            if customer.active {
                "active"
            } else {
                "inactive"
            },
        )
        .nested("DISPLAYCONTACT", |c: ObjectBuilder| {
            let contact = c
                .text("PRINTAS", customer.name.clone())
                .text("COMPANYNAME", customer.name.clone())
                .text_opt("PHONE1", non_empty(&customer.phone))
                .text_opt("EMAIL1", non_empty(&customer.email));
            let address = [
                &customer.address1,
                &customer.address2,
                &customer.city,
                &customer.state,
                &customer.postal_code,
                &customer.country,
            ];
            // An empty MAILADDRESS block is not an address; leave it out.
            if address.iter().all(|a| non_empty(a).is_none()) {
                return contact;
            }
            contact.nested("MAILADDRESS", |a: ObjectBuilder| {
                a.text_opt("ADDRESS1", non_empty(&customer.address1))
                    .text_opt("ADDRESS2", non_empty(&customer.address2))
                    .text_opt("CITY", non_empty(&customer.city))
                    .text_opt("STATE", non_empty(&customer.state))
                    .text_opt("ZIP", non_empty(&customer.postal_code))
                    .text_opt("COUNTRYCODE", non_empty(&customer.country))
            })
        });
    for (path, field) in custom_fields {
        if let Some(value) = mapped_value(&record, path) {
            builder = builder.text(field, value);
        }
    }
    builder.build().map_err(|e| WriteFailure::Operator {
        code: Code::SyncInvalidField,
        message: e.to_string(),
    })
}

/// The value at a dotted path of an Invoiced record (`metadata.region`, `phone`), when it is
/// worth sending: empty text, zero, false and null are skipped, as in the vendor's mapping.
fn mapped_value(record: &serde_json::Value, path: &str) -> Option<String> {
    let value = path
        .split('.')
        .try_fold(record, |v, segment| v.get(segment))?;
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) if n.as_f64() != Some(0.0) => Some(n.to_string()),
        serde_json::Value::Bool(true) => Some("true".into()),
        _ => None,
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

impl Engine {
    pub(crate) async fn write_customer(
        &self,
        conn: &Connection,
        work: &WorkItem,
    ) -> Result<Outcome, WriteFailure> {
        if conn.config.customers.source == CustomerSource::BillToContacts {
            return Ok(skipped(
                "bill-to contact mode: Intacct customers are maintained in Intacct",
            ));
        }
        let id: CustomerId = parse_id(work)?;
        let Some(customer) = conn.invoiced.customer(id).await.map_err(invoiced_failure)? else {
            return Ok(skipped("the customer no longer exists in Invoiced"));
        };
        let mapping = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::Customer, &work.invoiced_id)
            .await?;
        if customer.metadata.text(IMPORTED_MARKER).is_some() {
            return Ok(skipped("the customer came from Intacct, which owns it"));
        }
        match mapping {
            Some(m) if m.origin == Origin::Intacct => Ok(skipped(
                "the customer came from (or was matched in) Intacct, which owns it",
            )),
            Some(m) => self.update_customer(conn, &customer, &m).await,
            None => {
                let (key, _) = self.create_or_match_customer(conn, &customer).await?;
                Ok(Outcome::Written { key })
            }
        }
    }

    /// The Intacct CUSTOMERID that documents of this Invoiced customer post to, writing the
    /// customer first when it is not in Intacct yet.
    pub(crate) async fn intacct_customer_id(
        &self,
        conn: &Connection,
        customer: &CustomerRef,
    ) -> Result<String, WriteFailure> {
        let id = customer.id();
        if conn.config.customers.source == CustomerSource::BillToContacts {
            let full = match customer.expanded() {
                Some(c) => c.clone(),
                None => conn
                    .invoiced
                    .customer(id)
                    .await
                    .map_err(invoiced_failure)?
                    .ok_or_else(|| missing_customer(id))?,
            };
            return full
                .metadata
                .text("intacct_customer_number")
                .ok_or_else(|| WriteFailure::Operator {
                    code: Code::SyncBillToWithoutCustomer,
                    message: format!("billing contact {id} is missing its Intacct customer number"),
                });
        }
        if let Some(m) = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::Customer, &id.to_string())
            .await?
            && let Some(number) = m.intacct_number
        {
            return Ok(number);
        }
        let full = conn
            .invoiced
            .customer(id)
            .await
            .map_err(invoiced_failure)?
            .ok_or_else(|| missing_customer(id))?;
        let (_, number) = self.create_or_match_customer(conn, &full).await?;
        Ok(number)
    }

    /// Links the customer to an existing Intacct customer by the matching rule, or creates it.
    /// Returns (RECORDNO, CUSTOMERID).
    async fn create_or_match_customer(
        &self,
        conn: &Connection,
        customer: &Customer,
    ) -> Result<(String, String), WriteFailure> {
        let number = customer_number(customer);
        let key = IntentKey {
            connection: conn.config.id.clone(),
            record_type: RecordType::Customer,
            invoiced_id: customer.id.to_string(),
            operation: Operation::Create,
        };
        let object = customer_object(customer, &number, &conn.config.custom_fields.customer)?;
        let invoiced_id = customer.id.to_string();
        // Matching happens only on the first attempt, under the write's claim: our own earlier
        // create must be found by the intent's probe and stay owned by Invoiced, and two
        // deliveries of one customer cannot decide differently.
        let link = || async {
            let Some((record_no, found_id)) = self.match_customer(conn, customer, &number).await?
            else {
                return Ok(None);
            };
            self.record_written(
                conn,
                Link {
                    record_type: RecordType::Customer,
                    invoiced_id: &invoiced_id,
                    intacct_key: &record_no,
                    intacct_number: Some(found_id.clone()),
                    origin: Origin::Intacct,
                    source_version: None,
                },
            )
            .await?;
            Ok(Some((record_no.clone(), (record_no, found_id))))
        };
        let create: intacct::Function = Create::one(object).into();
        let build = |control: &str| {
            vec![intacct::FunctionCall::new(
                call_id(control, 1),
                create.clone(),
            )]
        };
        let write = ExactlyOnce {
            key,
            build: &build,
            locator: Some(customer_locator(&number)),
            key_of: first_key,
        };
        let record_no = match self.post_once_or_link(conn, write, link).await? {
            Posted::Linked(linked) => return Ok(linked),
            Posted::Written(record_no) => record_no,
        };
        // Settled by another delivery that linked or mapped it first: keep its decision.
        if let Some(m) = self
            .store
            .mapping_by_invoiced(&conn.config.id, RecordType::Customer, &invoiced_id)
            .await?
            && m.intacct_key == record_no
        {
            let number = m.intacct_number.unwrap_or(number);
            return Ok((record_no, number));
        }
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Customer,
                invoiced_id: &invoiced_id,
                intacct_key: &record_no,
                intacct_number: Some(number.clone()),
                origin: Origin::Invoiced,
                source_version: None,
            },
        )
        .await?;
        Ok((record_no, number))
    }

    /// Finds an existing Intacct customer by the connection's matching rule
    /// (`mapping::matching`, the same rule the read side applies in Invoiced):
    /// (RECORDNO, CUSTOMERID).
    async fn match_customer(
        &self,
        conn: &Connection,
        customer: &Customer,
        number: &str,
    ) -> Result<Option<(String, String)>, WriteFailure> {
        for key in match_keys(conn.config.customers.matching) {
            let filter = match key {
                MatchKey::Number => Filter::eq("CUSTOMERID", number),
                MatchKey::Name => Filter::eq("NAME", customer.name.clone()),
            };
            let query = Query::new("CUSTOMER", ["RECORDNO", "CUSTOMERID"])
                .filter(filter)
                .page_size(2);
            let result = self.read_one(conn, query).await?;
            let rows = result.data.map(|d| d.records).unwrap_or_default();
            if let Some(row) = single(rows)
                && let (Some(record_no), Some(id)) =
                    (row.non_empty("RECORDNO"), row.non_empty("CUSTOMERID"))
            {
                return Ok(Some((record_no.to_owned(), id.to_owned())));
            }
        }
        Ok(None)
    }

    async fn update_customer(
        &self,
        conn: &Connection,
        customer: &Customer,
        mapping: &Mapping,
    ) -> Result<Outcome, WriteFailure> {
        let number = mapping
            .intacct_number
            .clone()
            .unwrap_or_else(|| customer_number(customer));
        let object = customer_object(customer, &number, &conn.config.custom_fields.customer)?;
        // Updates set fields to the current values, so repeating one is harmless: no intent.
        let request = Request::new().call(intacct::FunctionCall::random(Update::one(object)));
        let response = self
            .call_intacct(conn, &request)
            .await
            .map_err(CallError::into_failure)?;
        response.check_results().map_err(|e| intacct_failure(&e))?;
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Customer,
                invoiced_id: &customer.id.to_string(),
                intacct_key: &mapping.intacct_key,
                intacct_number: Some(number),
                origin: Origin::Invoiced,
                source_version: None,
            },
        )
        .await?;
        Ok(Outcome::Written {
            key: mapping.intacct_key.clone(),
        })
    }
}

fn missing_customer(id: CustomerId) -> WriteFailure {
    WriteFailure::Operator {
        code: Code::InvoicedNotFound,
        message: format!("customer {id} does not exist in Invoiced"),
    }
}
