//! Intacct records as typed rows: what the read side needs of a CUSTOMER, an Order Entry
//! document and an AR payment, parsed once. Intacct's field names live here (and in the
//! queries that select them) and nowhere in the orchestration code.

use chrono::NaiveDate;
use intacct::Record;
use invoiced::models::Currency;
use rust_decimal::Decimal;

/// A record Intacct sent that cannot be read as the row it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RowError(pub String);

/// CUSTOMER fields the customer stream reads (flattened names, as `query` returns them).
pub const CUSTOMER_FIELDS: [&str; 14] = [
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

/// The field holding an Order Entry document's transaction definition (DOCPARID).
pub const DOCUMENT_TYPE_FIELD: &str = "DOCPARID";
/// The field a page of documents names its customer by.
pub const DOCUMENT_CUSTOMER_FIELD: &str = "CUSTVENDID";
/// The field a page of payments names its customer by.
pub const PAYMENT_CUSTOMER_FIELD: &str = "CUSTOMERID";

/// The key of any row (RECORDNO).
pub fn record_no(row: &Record) -> Option<String> {
    text(row, "RECORDNO")
}

/// A customer's display contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    /// EMAIL1.
    pub email: Option<String>,
    /// PHONE1.
    pub phone: Option<String>,
    /// MAILADDRESS.ADDRESS1.
    pub address1: Option<String>,
    /// MAILADDRESS.ADDRESS2.
    pub address2: Option<String>,
    /// MAILADDRESS.CITY.
    pub city: Option<String>,
    /// MAILADDRESS.STATE.
    pub state: Option<String>,
    /// MAILADDRESS.ZIP.
    pub zip: Option<String>,
    /// MAILADDRESS.COUNTRYCODE.
    pub country: Option<String>,
}

/// A CUSTOMER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    /// RECORDNO.
    pub key: String,
    /// CUSTOMERID.
    pub customer_id: Option<String>,
    /// NAME.
    pub name: Option<String>,
    /// STATUS is `inactive`.
    pub inactive: bool,
    /// CURRENCY.
    pub currency: Option<Currency>,
    /// WHENMODIFIED as Intacct sent it: the version of the row.
    pub version: Option<String>,
    /// DISPLAYCONTACT.
    pub contact: ContactRow,
}

impl CustomerRow {
    /// Reads a CUSTOMER row (as the customer query returns it).
    pub fn parse(row: &Record) -> Result<CustomerRow, RowError> {
        let contact = |field: &str| text(row, &format!("DISPLAYCONTACT.{field}"));
        Ok(CustomerRow {
            key: record_no(row).ok_or_else(|| RowError("customer without RECORDNO".into()))?,
            customer_id: text(row, "CUSTOMERID"),
            name: text(row, "NAME"),
            inactive: is_inactive(row),
            currency: currency(row),
            version: text(row, "WHENMODIFIED"),
            contact: ContactRow {
                email: contact("EMAIL1"),
                phone: contact("PHONE1"),
                address1: contact("MAILADDRESS.ADDRESS1"),
                address2: contact("MAILADDRESS.ADDRESS2"),
                city: contact("MAILADDRESS.CITY"),
                state: contact("MAILADDRESS.STATE"),
                zip: contact("MAILADDRESS.ZIP"),
                country: contact("MAILADDRESS.COUNTRYCODE"),
            },
        })
    }
}

/// The bill-to contact of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillToRow {
    /// BILLTOKEY: the contact's key.
    pub key: Option<String>,
    /// PRINTAS, else CONTACTNAME.
    pub name: Option<String>,
    /// EMAIL1.
    pub email: Option<String>,
    /// PHONE1.
    pub phone: Option<String>,
}

/// One line of an Order Entry document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLineRow {
    /// ITEMID.
    pub item_id: Option<String>,
    /// ITEMDESC.
    pub item_description: Option<String>,
    /// MEMO.
    pub memo: Option<String>,
    /// QUANTITY: in the unit entered on the line.
    pub quantity: Option<Decimal>,
    /// MULTIPLIER: how many base units one entered unit is (a Dozen is 12).
    pub multiplier: Option<Decimal>,
    /// TRX_PRICE, else UIPRICE, else PRICE: the price of one entered unit in the document's
    /// currency (the base-currency fields stand in on companies without multi-currency).
    pub price: Option<Decimal>,
    /// TRX_VALUE, else UIVALUE: the line's amount in the document's currency, after any line
    /// discount.
    pub value: Option<Decimal>,
}

/// One subtotal of an Order Entry document (tax, discount, freight…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtotalRow {
    /// DESCRIPTION.
    pub description: String,
    /// TRX_TOTAL, else TOTAL: in the document's currency.
    pub total: Decimal,
}

/// An Order Entry document (SODOCUMENT) as `read` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// PRRECORDKEY (the AR record payments refer to), else RECORDNO.
    pub key: String,
    /// DOCNO.
    pub number: Option<String>,
    /// DOCPARID: the transaction definition.
    pub doc_type: Option<String>,
    /// STATE is `draft`.
    pub draft: bool,
    /// CUSTVENDID.
    pub customer_id: Option<String>,
    /// The bill-to contact.
    pub bill_to: BillToRow,
    /// WHENCREATED (the document date).
    pub date: Option<NaiveDate>,
    /// WHENDUE.
    pub due: Option<NaiveDate>,
    /// PONUMBER.
    pub po_number: Option<String>,
    /// CURRENCY.
    pub currency: Option<Currency>,
    /// SODOCUMENTENTRIES.
    pub lines: Vec<DocumentLineRow>,
    /// SUBTOTALS that are amounts (rows with a RECORDNO; display rows such as "Total" have none).
    pub subtotals: Vec<SubtotalRow>,
    /// TRX_TOTAL, else TOTAL: what the document totals in its currency.
    pub total: Option<Decimal>,
}

impl DocumentRow {
    /// Reads an SODOCUMENT.
    pub fn parse(doc: &Record) -> Result<DocumentRow, RowError> {
        let key = text(doc, "PRRECORDKEY")
            .or_else(|| record_no(doc))
            .ok_or_else(|| RowError("document without a key".into()))?;
        let mut lines = Vec::new();
        for entry in children(doc, "SODOCUMENTENTRIES") {
            lines.push(DocumentLineRow {
                item_id: text(entry, "ITEMID"),
                item_description: text(entry, "ITEMDESC"),
                memo: text(entry, "MEMO"),
                quantity: decimal(entry, "QUANTITY")?,
                multiplier: decimal(entry, "MULTIPLIER")?,
                price: first_decimal(entry, &["TRX_PRICE", "UIPRICE", "PRICE"])?,
                value: first_decimal(entry, &["TRX_VALUE", "UIVALUE"])?,
            });
        }
        let mut subtotals = Vec::new();
        for subtotal in children(doc, "SUBTOTALS") {
            if record_no(subtotal).is_none() {
                continue;
            }
            subtotals.push(SubtotalRow {
                description: text(subtotal, "DESCRIPTION").unwrap_or_default(),
                total: first_decimal(subtotal, &["TRX_TOTAL", "TOTAL"])?.unwrap_or_default(),
            });
        }
        Ok(DocumentRow {
            key,
            number: text(doc, "DOCNO"),
            doc_type: text(doc, DOCUMENT_TYPE_FIELD),
            draft: text(doc, "STATE").is_some_and(|s| s.eq_ignore_ascii_case("draft")),
            customer_id: text(doc, DOCUMENT_CUSTOMER_FIELD),
            bill_to: BillToRow {
                key: text(doc, "BILLTOKEY"),
                name: contact(doc, "BILLTO", "PRINTAS")
                    .or_else(|| contact(doc, "BILLTO", "CONTACTNAME")),
                email: contact(doc, "BILLTO", "EMAIL1"),
                phone: contact(doc, "BILLTO", "PHONE1"),
            },
            date: date(doc, "WHENCREATED")?,
            due: date(doc, "WHENDUE")?,
            po_number: text(doc, "PONUMBER"),
            currency: currency(doc),
            lines,
            subtotals,
            total: first_decimal(doc, &["TRX_TOTAL", "TOTAL"])?,
        })
    }

    /// The number shown to people: DOCNO, else the key.
    pub fn display_number(&self) -> String {
        self.number.clone().unwrap_or_else(|| self.key.clone())
    }
}

/// What an AR payment paid (under INVOICES), or a credit it spent (under CREDITS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentApplicationRow {
    /// RECORD: the AR record paid, or the credit spent.
    pub record: Option<String>,
    /// RECORDTYPE: `ri` an invoice (or, spent as a credit, a negative invoice such as a Sales
    /// Return), `ra` an AR adjustment, `rp` an earlier payment's overpayment.
    pub record_type: Option<String>,
    /// APPLIEDAMOUNT.
    pub amount: Decimal,
}

/// An AR payment (ARPYMT) as `read` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    /// RECORDNO.
    pub key: String,
    /// DOCNUMBER: the payer's reference, or the sync's marker on payments it wrote.
    pub docnumber: Option<String>,
    /// CUSTOMERID.
    pub customer_id: Option<String>,
    /// STATE says reversed or voided.
    pub reversed: bool,
    /// PARENTPAYMENTKEY: set on the counter-entry Intacct adds when it reverses a payment.
    pub reversal_of: Option<String>,
    /// TRX_TOTALENTERED (the payment's currency), else TOTALENTERED.
    pub amount: Decimal,
    /// RECEIPTDATE.
    pub receipt_date: Option<NaiveDate>,
    /// PAYMENTMETHOD.
    pub method: Option<String>,
    /// CURRENCY.
    pub currency: Option<Currency>,
    /// INVOICES: what the payment paid, with its cash and with credits.
    pub applications: Vec<PaymentApplicationRow>,
    /// CREDITS: the credits it spent on those invoices.
    pub credits: Vec<PaymentApplicationRow>,
    /// DESCRIPTION: on a credit application the sync wrote, its memo.
    pub description: Option<String>,
}

impl PaymentRow {
    /// Reads an ARPYMT.
    pub fn parse(pay: &Record) -> Result<PaymentRow, RowError> {
        let amount = match decimal(pay, "TRX_TOTALENTERED")? {
            Some(a) => a,
            None => decimal(pay, "TOTALENTERED")?.unwrap_or_default(),
        };
        let applications = |collection: &str| -> Result<Vec<PaymentApplicationRow>, RowError> {
            children(pay, collection)
                .into_iter()
                .map(|row| {
                    Ok(PaymentApplicationRow {
                        record: text(row, "RECORD"),
                        record_type: text(row, "RECORDTYPE"),
                        amount: decimal(row, "APPLIEDAMOUNT")?.unwrap_or_default(),
                    })
                })
                .collect()
        };
        Ok(PaymentRow {
            key: record_no(pay).ok_or_else(|| RowError("payment without RECORDNO".into()))?,
            docnumber: text(pay, "DOCNUMBER"),
            customer_id: text(pay, PAYMENT_CUSTOMER_FIELD),
            reversed: text(pay, "STATE").is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                s == "v" || s.contains("reversed") || s.contains("voided")
            }),
            reversal_of: text(pay, "PARENTPAYMENTKEY"),
            amount,
            receipt_date: date(pay, "RECEIPTDATE")?,
            method: text(pay, "PAYMENTMETHOD"),
            currency: currency(pay),
            applications: applications("INVOICES")?,
            credits: applications("CREDITS")?,
            description: text(pay, "DESCRIPTION"),
        })
    }
}

/// A field's text, trimmed; `None` when absent or blank.
pub fn text(row: &Record, name: &str) -> Option<String> {
    row.non_empty(name).map(|s| s.trim().to_owned())
}

fn decimal(row: &Record, name: &str) -> Result<Option<Decimal>, RowError> {
    row.decimal(name).map_err(|e| RowError(e.to_string()))
}

/// The first of `names` the row has a value for.
fn first_decimal(row: &Record, names: &[&str]) -> Result<Option<Decimal>, RowError> {
    for name in names {
        if let Some(value) = decimal(row, name)? {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

fn date(row: &Record, name: &str) -> Result<Option<NaiveDate>, RowError> {
    row.date(name)
        .or_else(|_| row.datetime(name).map(|d| d.map(|d| d.date())))
        .map_err(|e| RowError(e.to_string()))
}

fn currency(row: &Record) -> Option<Currency> {
    text(row, "CURRENCY").and_then(|c| Currency::parse(&c).ok())
}

fn is_inactive(row: &Record) -> bool {
    text(row, "STATUS").is_some_and(|s| s.eq_ignore_ascii_case("inactive"))
}

/// The children of a nested collection, whatever Intacct names each child. The collection may
/// also appear as an empty leaf of the same name (a header field listing), so the nested
/// occurrence is searched for rather than taking the first.
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn record(xml: &str) -> Record {
        intacct::record::parse_document(xml).expect("valid xml")
    }

    #[test]
    fn a_document_reads_its_lines_subtotals_and_bill_to_contact() {
        let doc = DocumentRow::parse(&record(
            "<SODOCUMENT><RECORDNO>7</RECORDNO><PRRECORDKEY>1007</PRRECORDKEY>\
             <DOCNO>SI-7</DOCNO><DOCPARID>Sales Invoice</DOCPARID><STATE>Pending</STATE>\
             <CUSTVENDID>C-1</CUSTVENDID><WHENCREATED>11/30/2026</WHENCREATED>\
             <BILLTOKEY>55</BILLTOKEY><BILLTO><PRINTAS>Acme AP</PRINTAS></BILLTO>\
             <TOTAL>81.00</TOTAL><TRX_TOTAL>108.00</TRX_TOTAL>\
             <SODOCUMENTENTRIES><sodocumententry><ITEMID>W</ITEMID><QUANTITY>2</QUANTITY>\
             <MULTIPLIER>12</MULTIPLIER><UIPRICE>37.50</UIPRICE><TRX_PRICE>50.00</TRX_PRICE>\
             <UIVALUE>75.00</UIVALUE><TRX_VALUE>100.00</TRX_VALUE></sodocumententry>\
             </SODOCUMENTENTRIES><SUBTOTALS><subtotal><RECORDNO>1</RECORDNO>\
             <DESCRIPTION>Tax</DESCRIPTION><TOTAL>6.00</TOTAL><TRX_TOTAL>8.00</TRX_TOTAL>\
             </subtotal><subtotal><DESCRIPTION>Total</DESCRIPTION><TOTAL>81.00</TOTAL>\
             </subtotal></SUBTOTALS></SODOCUMENT>",
        ))
        .expect("a document");
        assert_eq!(doc.key, "1007");
        assert_eq!(doc.display_number(), "SI-7");
        assert!(!doc.draft);
        assert_eq!(doc.customer_id.as_deref(), Some("C-1"));
        assert_eq!(doc.bill_to.key.as_deref(), Some("55"));
        assert_eq!(doc.bill_to.name.as_deref(), Some("Acme AP"));
        assert_eq!(doc.lines.len(), 1);
        assert_eq!(doc.lines[0].quantity, Some(dec!(2)));
        assert_eq!(doc.lines[0].multiplier, Some(dec!(12)));
        assert_eq!(
            doc.lines[0].price,
            Some(dec!(50.00)),
            "the document's currency"
        );
        assert_eq!(doc.lines[0].value, Some(dec!(100.00)));
        assert_eq!(doc.total, Some(dec!(108.00)));
        assert_eq!(
            doc.subtotals,
            vec![SubtotalRow {
                description: "Tax".into(),
                total: dec!(8.00)
            }],
            "amount rows only, in the document's currency"
        );
    }

    #[test]
    fn a_payment_reads_its_amount_applications_and_reversal() {
        let pay = PaymentRow::parse(&record(
            "<ARPYMT><RECORDNO>9</RECORDNO><STATE>V</STATE><PARENTPAYMENTKEY>8</PARENTPAYMENTKEY>\
             <TOTALENTERED>-40.00</TOTALENTERED><DOCNUMBER>Invoiced ID: 60001</DOCNUMBER>\
             <INVOICES><invoice><RECORD>1001</RECORD><APPLIEDAMOUNT>-40.00</APPLIEDAMOUNT>\
             </invoice></INVOICES></ARPYMT>",
        ))
        .expect("a payment");
        assert!(pay.reversed);
        assert_eq!(pay.reversal_of.as_deref(), Some("8"));
        assert_eq!(pay.amount, dec!(-40.00));
        assert_eq!(pay.applications.len(), 1);
        assert_eq!(pay.applications[0].record.as_deref(), Some("1001"));
    }

    #[test]
    fn a_malformed_amount_is_an_error_naming_it() {
        let broken = PaymentRow::parse(&record(
            "<ARPYMT><RECORDNO>9</RECORDNO><TOTALENTERED>forty</TOTALENTERED></ARPYMT>",
        ));
        assert!(broken.is_err(), "{broken:?}");
        assert!(CustomerRow::parse(&record("<CUSTOMER><NAME>x</NAME></CUSTOMER>")).is_err());
    }
}
