//! Building blocks shared by the legacy AR and Order Entry functions: currency blocks, custom
//! fields, and the AR `lineitem` with every dimension.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::xml::XmlWriter;

/// A legacy `<customfield>` (name/value pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    /// The custom field's integration name in Intacct.
    pub name: String,
    /// Its value, as text.
    pub value: String,
}

impl CustomField {
    /// A name/value pair.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

pub(crate) fn write_custom_fields(w: &mut XmlWriter, fields: &[CustomField]) {
    if fields.is_empty() {
        return;
    }
    w.open("customfields");
    for f in fields {
        w.open("customfield")
            .leaf("customfieldname", &f.name)
            .leaf("customfieldvalue", &f.value)
            .close();
    }
    w.close();
}

/// How a foreign-currency amount is converted: by rate type (optionally as of a date) or an
/// explicit rate. The schema makes these mutually exclusive.
#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeRate {
    /// `exchratedate?`, `exchratetype`.
    Type {
        /// Date the rate is taken at (defaults to the document date in Intacct).
        date: Option<NaiveDate>,
        /// Rate type name, e.g. `Intacct Daily Rate`.
        rate_type: String,
    },
    /// `exchrate`.
    Rate(Decimal),
}

/// The legacy multi-currency block: `basecurr?, currency, (exchratedate?, exchratetype | exchrate)?`.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyInfo {
    /// The company's base currency (multi-currency companies).
    pub base_currency: Option<String>,
    /// Transaction currency.
    pub currency: String,
    /// Conversion, if not the company default.
    pub exchange: Option<ExchangeRate>,
}

impl CurrencyInfo {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.leaf_opt("basecurr", self.base_currency.as_deref());
        w.leaf("currency", &self.currency);
        match &self.exchange {
            Some(ExchangeRate::Type { date, rate_type }) => {
                w.split_date_opt("exchratedate", *date);
                w.leaf("exchratetype", rate_type);
            }
            Some(ExchangeRate::Rate(rate)) => {
                w.decimal("exchrate", *rate);
            }
            None => {}
        }
    }
}

/// A line's account: by G/L account number or by AR account label (schema choice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAccount {
    /// `glaccountno`. An empty number is sent as an empty element and rejected by Intacct
    /// with an ordinary function error (matches the SDK).
    GlAccountNo(String),
    /// `accountlabel`.
    AccountLabel(String),
}

/// One `<taxentry>` (2020R4+ tax solutions).
#[derive(Debug, Clone, PartialEq)]
pub struct TaxEntry {
    /// Tax detail id.
    pub detail_id: String,
    /// Transaction-currency tax amount.
    pub trx_tax: Option<Decimal>,
}

/// The AR `<lineitem>` used by `create_invoice` and `create_aradjustment`, carrying every
/// dimension. Written in schema order (see `req_09`): account, offset, amount, allocation,
/// memo, location, department, key, totals, custom fields, rev-rec, then dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct ArLineItem {
    /// Revenue (or for adjustments, offset) account.
    pub account: LineAccount,
    /// `offsetglaccountno`: overrides the AR account.
    pub offset_gl_account_no: Option<String>,
    /// Line amount. For adjustments: positive = debit memo, negative = credit memo.
    pub amount: Decimal,
    /// `allocationid`.
    pub allocation_id: Option<String>,
    /// `memo`.
    pub memo: Option<String>,
    /// `locationid` (required in multi-entity companies).
    pub location_id: Option<String>,
    /// `departmentid`.
    pub department_id: Option<String>,
    /// `key`.
    pub key: Option<String>,
    /// `totalpaid` (only with `nogl=true`).
    pub total_paid: Option<Decimal>,
    /// `totaldue` (only with `nogl=true`).
    pub total_due: Option<Decimal>,
    /// Line custom fields.
    pub custom_fields: Vec<CustomField>,
    /// `revrectemplate` (invoices only).
    pub rev_rec_template: Option<String>,
    /// `defrevaccount`: the deferred revenue account (invoices only).
    pub deferred_revenue_account: Option<String>,
    /// `revrecstartdate` (invoices only).
    pub rev_rec_start_date: Option<NaiveDate>,
    /// `revrecenddate` (invoices only).
    pub rev_rec_end_date: Option<NaiveDate>,
    /// `projectid`.
    pub project_id: Option<String>,
    /// `taskid`.
    pub task_id: Option<String>,
    /// `costtypeid`.
    pub cost_type_id: Option<String>,
    /// `customerid` (line-level customer dimension).
    pub customer_id: Option<String>,
    /// `vendorid`.
    pub vendor_id: Option<String>,
    /// `employeeid`.
    pub employee_id: Option<String>,
    /// `itemid`.
    pub item_id: Option<String>,
    /// `classid`.
    pub class_id: Option<String>,
    /// `contractid`.
    pub contract_id: Option<String>,
    /// `warehouseid`.
    pub warehouse_id: Option<String>,
    /// `taxentries`.
    pub tax_entries: Vec<TaxEntry>,
}

impl ArLineItem {
    /// A line with an account and amount and no dimensions.
    pub fn new(account: LineAccount, amount: Decimal) -> Self {
        Self {
            account,
            offset_gl_account_no: None,
            amount,
            allocation_id: None,
            memo: None,
            location_id: None,
            department_id: None,
            key: None,
            total_paid: None,
            total_due: None,
            custom_fields: Vec::new(),
            rev_rec_template: None,
            deferred_revenue_account: None,
            rev_rec_start_date: None,
            rev_rec_end_date: None,
            project_id: None,
            task_id: None,
            cost_type_id: None,
            customer_id: None,
            vendor_id: None,
            employee_id: None,
            item_id: None,
            class_id: None,
            contract_id: None,
            warehouse_id: None,
            tax_entries: Vec::new(),
        }
    }

    /// True when any revenue-recognition field is set (not allowed on adjustments).
    pub fn has_rev_rec(&self) -> bool {
        self.rev_rec_template.is_some()
            || self.deferred_revenue_account.is_some()
            || self.rev_rec_start_date.is_some()
            || self.rev_rec_end_date.is_some()
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("lineitem");
        match &self.account {
            LineAccount::GlAccountNo(a) => w.leaf("glaccountno", a),
            LineAccount::AccountLabel(a) => w.leaf("accountlabel", a),
        };
        w.leaf_opt("offsetglaccountno", self.offset_gl_account_no.as_deref())
            .decimal("amount", self.amount)
            .leaf_opt("allocationid", self.allocation_id.as_deref())
            .leaf_opt("memo", self.memo.as_deref())
            .leaf_opt("locationid", self.location_id.as_deref())
            .leaf_opt("departmentid", self.department_id.as_deref())
            .leaf_opt("key", self.key.as_deref())
            .decimal_opt("totalpaid", self.total_paid)
            .decimal_opt("totaldue", self.total_due);
        write_custom_fields(w, &self.custom_fields);
        w.leaf_opt("revrectemplate", self.rev_rec_template.as_deref())
            .leaf_opt("defrevaccount", self.deferred_revenue_account.as_deref())
            .split_date_opt("revrecstartdate", self.rev_rec_start_date)
            .split_date_opt("revrecenddate", self.rev_rec_end_date)
            .leaf_opt("projectid", self.project_id.as_deref())
            .leaf_opt("taskid", self.task_id.as_deref())
            .leaf_opt("costtypeid", self.cost_type_id.as_deref())
            .leaf_opt("customerid", self.customer_id.as_deref())
            .leaf_opt("vendorid", self.vendor_id.as_deref())
            .leaf_opt("employeeid", self.employee_id.as_deref())
            .leaf_opt("itemid", self.item_id.as_deref())
            .leaf_opt("classid", self.class_id.as_deref())
            .leaf_opt("contractid", self.contract_id.as_deref())
            .leaf_opt("warehouseid", self.warehouse_id.as_deref());
        if !self.tax_entries.is_empty() {
            w.open("taxentries");
            for t in &self.tax_entries {
                w.open("taxentry")
                    .leaf("detailid", &t.detail_id)
                    .decimal_opt("trx_tax", t.trx_tax)
                    .close();
            }
            w.close();
        }
        w.close();
    }
}

/// Writes `<name><contactname>x</contactname></name>` (billto/shipto references).
pub(crate) fn write_contact_ref(w: &mut XmlWriter, name: &str, contact: Option<&str>) {
    if let Some(c) = contact {
        w.open(name).leaf("contactname", c).close();
    }
}
