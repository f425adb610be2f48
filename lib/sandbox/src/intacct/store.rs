//! In-memory company data: records per object, their lines, payment applications.
//!
//! Records are kept as flat field maps with dotted names for nested groups
//! (`DISPLAYCONTACT.MAILADDRESS.CITY`), which is exactly how `readByQuery` returns them; `read`
//! re-nests them. The whole store is `Clone` so a `transaction="true"` operation can be rolled
//! back by restoring a snapshot.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Serialize;

use super::clock::format_timestamp;

/// Field name → value, dotted names for nested groups.
pub type Fields = BTreeMap<String, String>;

/// Intacct's integer record key, unique and increasing per object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RecordNo(pub u64);

impl RecordNo {
    /// Parse a key as sent in `keys`, `invoicekey`, `key=` and query literals.
    pub fn parse(raw: &str) -> Option<Self> {
        raw.trim().parse::<u64>().ok().filter(|n| *n > 0).map(Self)
    }
}

impl fmt::Display for RecordNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The objects the simulator stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ObjectKind {
    /// `CUSTOMER`.
    Customer,
    /// `ARINVOICE` (AR-native, or created behind an Order Entry invoice/return).
    ArInvoice,
    /// `ARADJUSTMENT` (credit/debit memos).
    ArAdjustment,
    /// `ARPYMT`, also addressed as `ARPAYMENT` by older readers.
    ArPayment,
    /// `SODOCUMENT` (Order Entry transactions; `DOCPARID` is the definition name).
    SoDocument,
}

impl ObjectKind {
    /// Every stored object.
    pub const ALL: [ObjectKind; 5] = [
        Self::Customer,
        Self::ArInvoice,
        Self::ArAdjustment,
        Self::ArPayment,
        Self::SoDocument,
    ];

    /// Resolve an object name as sent by clients (any case; `ARPAYMENT` is an alias of `ARPYMT`).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "CUSTOMER" => Some(Self::Customer),
            "ARINVOICE" => Some(Self::ArInvoice),
            "ARADJUSTMENT" => Some(Self::ArAdjustment),
            "ARPYMT" | "ARPAYMENT" => Some(Self::ArPayment),
            "SODOCUMENT" => Some(Self::SoDocument),
            _ => None,
        }
    }

    /// Canonical upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::ArInvoice => "ARINVOICE",
            Self::ArAdjustment => "ARADJUSTMENT",
            Self::ArPayment => "ARPYMT",
            Self::SoDocument => "SODOCUMENT",
        }
    }

    /// The human identifier field (`CUSTOMERID`, document number, ...).
    pub fn id_field(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMERID",
            Self::ArInvoice | Self::ArAdjustment | Self::ArPayment => "RECORDID",
            Self::SoDocument => "DOCID",
        }
    }

    /// Name of the line collection in `read` output, and the line object for `readByQuery`.
    pub fn lines(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::ArInvoice => Some(("ARINVOICEITEMS", "ARINVOICEITEM")),
            Self::ArAdjustment => Some(("ARADJUSTMENTITEMS", "ARADJUSTMENTITEM")),
            Self::SoDocument => Some(("SODOCUMENTENTRIES", "SODOCUMENTENTRY")),
            Self::Customer | Self::ArPayment => None,
        }
    }

    fn header_fields(self) -> &'static [&'static str] {
        match self {
            Self::Customer => &[
                "RECORDNO",
                "CUSTOMERID",
                "NAME",
                "STATUS",
                "ONETIME",
                "HIDEDISPLAYCONTACT",
                "CUSTTYPE",
                "PARENTID",
                "PARENTKEY",
                "PARENTNAME",
                "GLGROUP",
                "GLGRPKEY",
                "TERRITORYID",
                "SUPDOCID",
                "TERMNAME",
                "OFFSETGLACCOUNTNO",
                "ARACCOUNT",
                "SHIPPINGMETHOD",
                "RESALENO",
                "TAXID",
                "CREDITLIMIT",
                "ONHOLD",
                "DELIVERYOPTIONS",
                "DELIVERY_OPTIONS",
                "CUSTMESSAGEID",
                "COMMENTS",
                "CURRENCY",
                "TOTALDUE",
                "ENTITY",
                "MEGAENTITYID",
                "CUSTREPNAME",
                "OBJECTRESTRICTION",
                "RESTRICTEDLOCATIONS",
                "RESTRICTEDDEPARTMENTS",
                "ARINVOICEPRINTTEMPLATEID",
                "OEQUOTEPRINTTEMPLATEID",
                "OEORDERPRINTTEMPLATEID",
                "OELISTPRINTTEMPLATEID",
                "OEINVOICEPRINTTEMPLATEID",
                "OEADJPRINTTEMPLATEID",
                "OEOTHERPRINTTEMPLATEID",
                "WHENCREATED",
                "WHENMODIFIED",
                "CREATEDBY",
                "MODIFIEDBY",
            ],
            Self::ArInvoice => &[
                "RECORDNO",
                "RECORDID",
                "RECORDTYPE",
                "STATE",
                "CUSTOMERID",
                "CUSTOMERNAME",
                "DOCNUMBER",
                "PONUMBER",
                "DESCRIPTION",
                "TERMNAME",
                "WHENCREATED",
                "WHENPOSTED",
                "WHENDUE",
                "WHENPAID",
                "BASECURR",
                "EXCH_RATE_TYPE_ID",
                "EXCH_RATE_DATE",
                "CURRENCY",
                "TOTALENTERED",
                "TOTALPAID",
                "TOTALDUE",
                "TRX_TOTALENTERED",
                "TRX_TOTALPAID",
                "TRX_TOTALDUE",
                "PRBATCH",
                "PRBATCHKEY",
                "WHENMODIFIED",
                "MEGAENTITYID",
                "MODULEKEY",
                "EXTERNALID",
                "SUPDOCID",
                "ONHOLD",
            ],
            Self::ArAdjustment => &[
                "RECORDNO",
                "RECORDID",
                "RECORDTYPE",
                "STATE",
                "CUSTOMERID",
                "CUSTOMERNAME",
                "DOCNUMBER",
                "INVOICENO",
                "DESCRIPTION",
                "BASECURR",
                "EXCH_RATE_TYPE_ID",
                "EXCH_RATE_DATE",
                "CURRENCY",
                "TOTALENTERED",
                "TRX_TOTALENTERED",
                "TOTALPAID",
                "TRX_TOTALPAID",
                "TOTALDUE",
                "TRX_TOTALDUE",
                "WHENCREATED",
                "WHENMODIFIED",
                "WHENPOSTED",
                "MEGAENTITYID",
                "EXTERNALID",
                "PRBATCH",
                "PRBATCHKEY",
                "BILLTOPAYTOKEY",
            ],
            Self::ArPayment => &[
                "RECORDNO",
                "RECORDID",
                "RECORDTYPE",
                "STATE",
                "CUSTOMERID",
                "CUSTOMERNAME",
                "CURRENCY",
                "BASECURR",
                "RECEIPTDATE",
                "PAYMENTDATE",
                "WHENPAID",
                "DOCNUMBER",
                "PAYMENTTYPE",
                "PAYMENTMETHOD",
                "FINANCIALENTITY",
                "UNDEPOSITEDACCOUNTNO",
                "PRBATCH",
                "PRBATCHKEY",
                "TOTALENTERED",
                "TRX_TOTALENTERED",
                "TOTALPAID",
                "TRX_TOTALPAID",
                "TOTALDUE",
                "TRX_TOTALDUE",
                "DESCRIPTION",
                "WHENCREATED",
                "WHENMODIFIED",
                "AUWHENCREATED",
                "MEGAENTITYID",
                "INVOICES",
                "CREDITS",
                "AMOUNTOPAY",
                "TRX_AMOUNTTOPAY",
                "EXCHANGE_RATE",
                "EXCH_RATE_TYPE_ID",
                "ACTION",
                "PAYERNAME",
                "BILLTOPAYTONAME",
                "ARPYMTDETAILS",
                "PARENTPAYMENTKEY",
            ],
            Self::SoDocument => &[
                "RECORDNO",
                "DOCID",
                "DOCNO",
                "DOCPARID",
                "PRRECORDKEY",
                "STATE",
                "CUSTVENDID",
                "CUSTVENDNAME",
                "CUSTREC",
                "CURRENCY",
                "BASECURR",
                "WHENCREATED",
                "WHENPOSTED",
                "WHENDUE",
                "WHENMODIFIED",
                "TERM.NAME",
                "MESSAGE",
                "PONUMBER",
                "REFERENCENO",
                "CONTRACTID",
                "TOTAL",
                "SUBTOTAL",
                "TRX_TOTAL",
                "TRX_SUBTOTAL",
                "TRX_TOTALPAID",
                "TRX_TOTALDUE",
                "TRX_TOTALENTERED",
                "TOTALPAID",
                "TOTALDUE",
                "TOTALENTERED",
                "MEGAENTITYID",
                "BILLTOKEY",
                "SHIPTOKEY",
                "SODOCUMENTENTRIES",
                "SUBTOTALS",
                "EXTERNALID",
                "CREATEDFROM",
                "SUPDOCID",
                "SHIPPINGMETHOD",
            ],
        }
    }

    fn contact_groups(self) -> &'static [&'static str] {
        match self {
            Self::Customer => &["DISPLAYCONTACT", "CONTACTINFO", "BILLTO", "SHIPTO"],
            Self::ArInvoice | Self::SoDocument => &["BILLTO", "SHIPTO"],
            Self::ArAdjustment => &["BILLTO"],
            Self::ArPayment => &[],
        }
    }

    /// Whether `field` exists on this object (header field, contact sub-field or custom field).
    /// Unknown fields are what the gateway answers with `DL02000001`.
    pub fn has_field(self, field: &str, custom: &BTreeSet<String>) -> bool {
        let upper = field.to_ascii_uppercase();
        if self.header_fields().contains(&upper.as_str()) || custom.contains(&upper) {
            return true;
        }
        let Some((group, rest)) = upper.split_once('.') else {
            return false;
        };
        self.contact_groups().contains(&group) && CONTACT_FIELDS.contains(&rest)
    }
}

const CONTACT_FIELDS: &[&str] = &[
    "CONTACTNAME",
    "PRINTAS",
    "COMPANYNAME",
    "TAXABLE",
    "TAXGROUP",
    "PREFIX",
    "FIRSTNAME",
    "LASTNAME",
    "INITIAL",
    "PHONE1",
    "PHONE2",
    "CELLPHONE",
    "PAGER",
    "FAX",
    "EMAIL1",
    "EMAIL2",
    "URL1",
    "URL2",
    "MAILADDRESS.ADDRESS1",
    "MAILADDRESS.ADDRESS2",
    "MAILADDRESS.CITY",
    "MAILADDRESS.STATE",
    "MAILADDRESS.ZIP",
    "MAILADDRESS.COUNTRY",
    "MAILADDRESS.COUNTRYCODE",
    "MAILADDRESS.ISOCOUNTRYCODE",
];

/// Fields of line objects (`ARINVOICEITEM`, `ARADJUSTMENTITEM`, `SODOCUMENTENTRY`).
pub const LINE_FIELDS: &[&str] = &[
    "RECORDNO",
    "RECORDKEY",
    "DOCHDRNO",
    "LINE_NO",
    "ACCOUNTNO",
    "ACCOUNTLABEL",
    "OFFSETGLACCOUNTNO",
    "AMOUNT",
    "TRX_AMOUNT",
    "ENTRYDESCRIPTION",
    "MEMO",
    "LOCATIONID",
    "DEPARTMENTID",
    "PROJECTID",
    "CUSTOMERID",
    "VENDORID",
    "EMPLOYEEID",
    "ITEMID",
    "ITEMDESC",
    "CLASSID",
    "CONTRACTID",
    "WAREHOUSEID",
    "QUANTITY",
    "MULTIPLIER",
    "UNIT",
    "PRICE",
    "UIPRICE",
    "UIVALUE",
    "TRX_PRICE",
    "TRX_VALUE",
    "ALLOCATION",
    "DEFERREDREVACCTNO",
    "REVRECTEMPLATE",
    "REVRECSTARTDATE",
    "REVRECENDDATE",
    "TOTALPAID",
    "TOTALDUE",
    "WHENCREATED",
    "WHENMODIFIED",
];

/// One application of money to a document, as listed under a payment's `INVOICES`/`CREDITS`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    /// RECORDNO of the document (ARINVOICE or ARADJUSTMENT).
    pub record: RecordNo,
    /// Its document number.
    pub record_id: String,
    /// `ri` invoice / negative invoice, `ra` adjustment, `rp` payment.
    pub record_type: String,
    /// Applied amount; negative on a reversal record.
    pub amount: Decimal,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Its key.
    pub recordno: RecordNo,
    /// Header fields, dotted names for nested groups.
    pub fields: Fields,
    /// Line items (`ARINVOICEITEMS`, `ARADJUSTMENTITEMS`, `SODOCUMENTENTRIES`).
    pub lines: Vec<Fields>,
    /// Order Entry subtotals (tax, discount).
    pub subtotals: Vec<Fields>,
    /// Payments only: invoices paid.
    pub invoices: Vec<Application>,
    /// Payments only: credits consumed.
    pub credits: Vec<Application>,
}

impl Record {
    /// A new record from header fields; the store assigns RECORDNO on insert.
    pub fn new(fields: Fields) -> Self {
        Self {
            recordno: RecordNo(0),
            fields,
            lines: Vec::new(),
            subtotals: Vec::new(),
            invoices: Vec::new(),
            credits: Vec::new(),
        }
    }

    /// Set a text field.
    pub fn set(&mut self, field: &str, value: impl Into<String>) {
        self.fields.insert(field.to_string(), value.into());
    }

    /// A field's value, `None` when absent or empty (Intacct's NULL).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .get(field)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A money field; absent or unparsable is zero (the gateway prints `0` for empty totals).
    pub fn money(&self, field: &str) -> Decimal {
        self.get(field)
            .and_then(|v| v.parse::<Decimal>().ok())
            .unwrap_or_default()
    }

    /// Set a money field with Intacct's two decimals.
    pub fn set_money(&mut self, field: &str, value: Decimal) {
        self.fields.insert(field.to_string(), money(value));
    }
}

/// Render an amount with two decimals, as every AR total is stored.
pub fn money(value: Decimal) -> String {
    let rounded = value.round_dp(2);
    // Never "-0.00": a negated zero is zero.
    let rounded = if rounded.is_zero() {
        Decimal::ZERO
    } else {
        rounded
    };
    format!("{rounded:.2}")
}

/// The company's data. `Clone` gives the transaction snapshot.
#[derive(Debug, Clone, Default)]
pub struct Store {
    tables: BTreeMap<ObjectKind, BTreeMap<RecordNo, Record>>,
    next: BTreeMap<ObjectKind, u64>,
    next_line: u64,
    /// Function control ids already executed to completion (for `uniqueid=true`).
    pub completed_controlids: HashSet<String>,
    /// Custom fields defined per object (e.g. `REGION`); anything else is `DL02000001`.
    pub custom_fields: BTreeMap<ObjectKind, BTreeSet<String>>,
    /// Lookup indexes for the identifier fields functions resolve on every call (customer ids,
    /// document numbers, PRRECORDKEY), so seeded companies of 10k+ documents stay fast.
    index: HashMap<(ObjectKind, &'static str), HashMap<String, BTreeSet<RecordNo>>>,
    /// What each record is currently indexed under, to unindex it on change.
    indexed: HashMap<(ObjectKind, RecordNo), Vec<(&'static str, String)>>,
}

/// (object, field) pairs kept in [`Store`]'s index.
const INDEXED: &[(ObjectKind, &str)] = &[
    (ObjectKind::Customer, "CUSTOMERID"),
    (ObjectKind::ArInvoice, "RECORDID"),
    (ObjectKind::ArAdjustment, "RECORDID"),
    (ObjectKind::ArPayment, "RECORDID"),
    (ObjectKind::SoDocument, "DOCID"),
    (ObjectKind::SoDocument, "PRRECORDKEY"),
];

impl Store {
    /// Custom fields of an object.
    pub fn custom(&self, kind: ObjectKind) -> BTreeSet<String> {
        self.custom_fields.get(&kind).cloned().unwrap_or_default()
    }

    /// Insert a new record stamped with RECORDNO, WHENCREATED and WHENMODIFIED.
    pub fn insert(&mut self, kind: ObjectKind, mut record: Record, now: NaiveDateTime) -> RecordNo {
        // AR invoices, adjustments and payments share one sequence (they are all PRRECORDs in
        // Intacct), which is why an `invoicekey` may name an adjustment and vice versa.
        let sequence = match kind {
            ObjectKind::ArAdjustment | ObjectKind::ArPayment => ObjectKind::ArInvoice,
            other => other,
        };
        let next = self.next.entry(sequence).or_insert(match sequence {
            ObjectKind::Customer => 100,
            ObjectKind::SoDocument => 20000,
            _ => 1000,
        });
        *next += 1;
        let recordno = RecordNo(*next);
        record.recordno = recordno;
        let stamp = format_timestamp(now);
        record
            .fields
            .insert("RECORDNO".into(), recordno.to_string());
        record
            .fields
            .entry("WHENCREATED".into())
            .or_insert_with(|| stamp.clone());
        record.fields.insert("WHENMODIFIED".into(), stamp.clone());
        for (index, line) in record.lines.iter_mut().enumerate() {
            self.next_line += 1;
            line.insert("RECORDNO".into(), (900_000 + self.next_line).to_string());
            line.insert("RECORDKEY".into(), recordno.to_string());
            line.insert("LINE_NO".into(), index.to_string());
            line.insert("WHENCREATED".into(), stamp.clone());
            line.insert("WHENMODIFIED".into(), stamp.clone());
        }
        self.tables
            .entry(kind)
            .or_default()
            .insert(recordno, record);
        self.reindex(kind, recordno);
        recordno
    }

    /// Refresh the index entries of one record (called after every change via [`Store::touch`]).
    pub fn reindex(&mut self, kind: ObjectKind, recordno: RecordNo) {
        for (field, old) in self.indexed.remove(&(kind, recordno)).unwrap_or_default() {
            if let Some(entries) = self.index.get_mut(&(kind, field))
                && let Some(set) = entries.get_mut(&old)
            {
                set.remove(&recordno);
                if set.is_empty() {
                    entries.remove(&old);
                }
            }
        }
        let Some(record) = self.tables.get(&kind).and_then(|t| t.get(&recordno)) else {
            return;
        };
        let mut current = Vec::new();
        for &(_, field) in INDEXED.iter().filter(|(k, _)| *k == kind) {
            if let Some(value) = record.get(field) {
                current.push((field, value.to_string()));
            }
        }
        for (field, value) in &current {
            self.index
                .entry((kind, field))
                .or_default()
                .entry(value.clone())
                .or_default()
                .insert(recordno);
        }
        self.indexed.insert((kind, recordno), current);
    }

    /// A record by key.
    pub fn get(&self, kind: ObjectKind, recordno: RecordNo) -> Option<&Record> {
        self.tables.get(&kind)?.get(&recordno)
    }

    /// A record by key, for modification; callers must [`Store::touch`] it.
    pub fn get_mut(&mut self, kind: ObjectKind, recordno: RecordNo) -> Option<&mut Record> {
        self.tables.get_mut(&kind)?.get_mut(&recordno)
    }

    /// Bump WHENMODIFIED after a change (what incremental readers key on).
    pub fn touch(&mut self, kind: ObjectKind, recordno: RecordNo, now: NaiveDateTime) {
        if let Some(record) = self.get_mut(kind, recordno) {
            record
                .fields
                .insert("WHENMODIFIED".into(), format_timestamp(now));
        }
        self.reindex(kind, recordno);
    }

    /// Remove a record.
    pub fn remove(&mut self, kind: ObjectKind, recordno: RecordNo) -> Option<Record> {
        let removed = self.tables.get_mut(&kind)?.remove(&recordno);
        self.reindex(kind, recordno);
        removed
    }

    /// All records of an object in RECORDNO order.
    pub fn all(&self, kind: ObjectKind) -> impl Iterator<Item = &Record> {
        self.tables.get(&kind).into_iter().flat_map(|t| t.values())
    }

    /// First record whose `field` equals `value` exactly.
    pub fn find(&self, kind: ObjectKind, field: &str, value: &str) -> Option<&Record> {
        match self.index.get(&(kind, field)) {
            Some(index) => index
                .get(value)?
                .iter()
                .filter_map(|no| self.get(kind, *no))
                .find(|r| r.get(field) == Some(value)),
            None => self.all(kind).find(|r| r.get(field) == Some(value)),
        }
    }

    /// Number of records of an object.
    pub fn count(&self, kind: ObjectKind) -> usize {
        self.tables.get(&kind).map_or(0, BTreeMap::len)
    }
}
