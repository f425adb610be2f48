//! Intacct customers → Invoiced customers: updated when owned by Intacct, matched by the
//! connection's rule when already in Invoiced, left alone when the sync wrote them, and (in
//! bill-to-contact mode) a document's bill-to contact as its own customer.

use invoiced::models::{Customer, CustomerId};

use super::super::super::exactly_once::Marker;
use super::super::super::gateway::WriteFailure;
use super::super::super::records::{Link, invoiced_failure};
use super::super::super::{Connection, Engine};
use super::super::Imported;
use super::{OwnWrite, bad_data, idempotency_key, mapped_customer};
use crate::config::RecordType;
use crate::mapping::identity::{customer_number, unnumbered_customer};
use crate::mapping::intacct_rows::{CustomerRow, DocumentRow};
use crate::mapping::matching::{MatchKey, match_keys, single};
use crate::mapping::to_invoiced::{bill_to_params, customer_params};
use crate::model::Origin;
use crate::ports::Lookup;

impl Engine {
    /// Imports a customer row; returns what happened and the Invoiced customer id (when the
    /// customer is, or now is, in Invoiced).
    pub(super) async fn import_customer(
        &self,
        conn: &Connection,
        row: &CustomerRow,
    ) -> Result<(Imported, Option<CustomerId>), WriteFailure> {
        let mapping = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Customer, &row.key)
            .await?;
        let params = customer_params(row);
        if let Some(m) = &mapping {
            let id = mapped_customer(m)?;
            if m.origin == Origin::Invoiced {
                return Ok((Imported::Skipped("written by us from Invoiced"), Some(id)));
            }
            if row.version.is_some() && m.source_version == row.version {
                return Ok((
                    Imported::Skipped("unchanged since it was imported"),
                    Some(id),
                ));
            }
            // Documents read while the customer was inactive were skipped by rule: import them
            // now that it is active again.
            let reactivated = !row.inactive
                && conn
                    .invoiced
                    .customer(id)
                    .await
                    .map_err(invoiced_failure)?
                    .is_some_and(|c| !c.active);
            conn.invoiced
                .update_customer(id, &params)
                .await
                .map_err(invoiced_failure)?;
            self.record_written(
                conn,
                Link {
                    record_type: RecordType::Customer,
                    invoiced_id: &m.invoiced_id,
                    intacct_key: &row.key,
                    intacct_number: m.intacct_number.clone(),
                    origin: Origin::Intacct,
                    source_version: row.version.clone(),
                },
            )
            .await?;
            if reactivated && let Some(customer_id) = &row.customer_id {
                // Boxed: importing a document imports its customer again (already current).
                Box::pin(self.import_documents_of(conn, customer_id)).await?;
            }
            return Ok((Imported::Written, Some(id)));
        }
        // A customer the sync created has the CUSTOMERID the sync gives it: its number, or
        // `INVD-<id>` for an unnumbered one.
        let unnumbered = match row.customer_id.as_deref().and_then(unnumbered_customer) {
            Some(id) => conn.invoiced.customer(id).await.map_err(invoiced_failure)?,
            None => None,
        };
        let existing = match unnumbered {
            Some(customer) => Some(customer),
            None => self.match_invoiced_customer(conn, row).await?,
        };
        if let Some(found) = &existing
            && row.customer_id.as_deref() == Some(customer_number(found).as_str())
        {
            match self
                .adopt_own_write(
                    conn,
                    RecordType::Customer,
                    &found.id.to_string(),
                    &row.key,
                    row.customer_id.clone(),
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
                .create_customer(&params, &idempotency_key(conn, "customer", &row.key))
                .await
                .map_err(invoiced_failure)?,
        };
        self.record_written(
            conn,
            Link {
                record_type: RecordType::Customer,
                invoiced_id: &customer.id.to_string(),
                intacct_key: &row.key,
                intacct_number: row.customer_id.clone(),
                origin: Origin::Intacct,
                source_version: row.version.clone(),
            },
        )
        .await?;
        Ok((Imported::Written, Some(customer.id)))
    }

    /// An existing Invoiced customer for an Intacct one, by the connection's matching rule
    /// (`mapping::matching`, the same rule the write side applies in Intacct).
    async fn match_invoiced_customer(
        &self,
        conn: &Connection,
        row: &CustomerRow,
    ) -> Result<Option<Customer>, WriteFailure> {
        for key in match_keys(conn.config.customers.matching) {
            let lookup = match key {
                MatchKey::Number => row.customer_id.clone().map(Lookup::Number),
                MatchKey::Name => row.name.clone().map(Lookup::Name),
            };
            let Some(lookup) = lookup else { continue };
            let found = conn
                .invoiced
                .find_customers(&lookup)
                .await
                .map_err(invoiced_failure)?;
            if let Some(customer) = single(found) {
                return Ok(Some(customer));
            }
        }
        Ok(None)
    }

    /// Bill-to contact mode: the Invoiced customer is the document's bill-to contact, keyed by
    /// BILLTOKEY; it remembers the Intacct customer it bills to, so payments from any of its
    /// contacts post to that one Intacct customer.
    pub(super) async fn bill_to_customer(
        &self,
        conn: &Connection,
        doc: &DocumentRow,
        intacct_customer: &str,
    ) -> Result<CustomerId, WriteFailure> {
        let contact_key = doc.bill_to.key.clone().ok_or_else(|| {
            bad_data(format!(
                "document {} of {intacct_customer} has no bill-to contact",
                doc.display_number()
            ))
        })?;
        if let Some(m) = self
            .store
            .mapping_by_intacct(&conn.config.id, RecordType::Customer, &contact_key)
            .await?
        {
            return mapped_customer(&m);
        }
        let customer = conn
            .invoiced
            .create_customer(
                &bill_to_params(doc, &contact_key, intacct_customer),
                &idempotency_key(conn, "bill-to", &contact_key),
            )
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
}
