//! Deterministic seed data, created through the same functions clients call so every link
//! (PRRECORDKEY, balances, payment applications) is exactly what a client would produce.

use chrono::NaiveDateTime;

use super::functions::{self, AuthInfo, Ctx};
use super::request::FunctionCall;
use super::state::State;
use super::xml;

/// How much to seed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSpec {
    /// Customers `C-00001`...
    pub customers: usize,
    /// Sales Invoices, round-robin over customers.
    pub invoices: usize,
    /// Sales Returns, round-robin over customers.
    pub returns: usize,
    /// Payments, each paying one of the first invoices in full.
    pub payments: usize,
    /// Mixed payments, each paying the next unpaid invoice with cash plus part of a Sales
    /// Return's credit (generic `create` ARPYMT with ARPYMTDETAILS).
    pub mixed_payments: usize,
    /// Credit applications, each applying part of the next unused Sales Return's credit to the
    /// next unpaid invoice, with no cash (`apply_arpayment`).
    pub credit_applications: usize,
    /// Sales Invoices in euros on top of the others (at Intacct's daily rate), round-robin over
    /// customers and never paid by the seed.
    pub foreign_invoices: usize,
}

/// Why seeding failed (a bug in the seed templates, reported rather than panicking).
#[derive(Debug, thiserror::Error)]
#[error("seeding {what} failed: {detail}")]
pub struct SeedError {
    what: String,
    detail: String,
}

pub(super) fn run(
    state: &mut State,
    auth: &AuthInfo,
    now: NaiveDateTime,
    what: &str,
    body: &str,
) -> Result<Option<String>, SeedError> {
    let fail = |detail: String| SeedError {
        what: what.to_string(),
        detail,
    };
    let element = xml::parse(body).map_err(|e| fail(e.to_string()))?;
    let call = FunctionCall {
        controlid: format!("seed-{what}"),
        name: element.name.clone(),
        body: element,
    };
    let mut ctx = Ctx {
        state,
        now,
        auth,
        endpoint: "",
    };
    functions::execute(&mut ctx, &call)
        .map(|s| s.key)
        .map_err(|errors| {
            fail(
                errors
                    .iter()
                    .map(|e| e.description2.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
}

/// The AR record (PRRECORDKEY), customer and open amount of a seeded document.
fn ar_of(state: &State, docid: &str) -> Option<(String, String, rust_decimal::Decimal)> {
    let doc = state
        .store
        .find(super::store::ObjectKind::SoDocument, "DOCID", docid)?;
    Some((
        doc.get("PRRECORDKEY")?.to_string(),
        doc.get("CUSTVENDID")?.to_string(),
        doc.money("TOTAL").abs(),
    ))
}

/// Mixed payments and credit applications: invoices after the fully paid ones, each with a
/// return of the same customer, in order; half the invoice (at most the return) is credit.
fn seed_credits(
    state: &mut State,
    auth: &AuthInfo,
    now: NaiveDateTime,
    spec: SeedSpec,
    split: &str,
    invoice_keys: &[String],
) -> Result<(), SeedError> {
    let mut returns: Vec<String> = state
        .store
        .all(super::store::ObjectKind::SoDocument)
        .filter(|d| d.get("DOCPARID") == Some("Sales Return"))
        .filter_map(|d| d.get("DOCID").map(str::to_string))
        .collect();
    let mut invoices = invoice_keys.iter().skip(spec.payments);
    let date = now.date().format("%m/%d/%Y").to_string();
    let wanted = spec.mixed_payments + spec.credit_applications;
    let mut made = 0;
    while made < wanted {
        let mixed = made < spec.mixed_payments;
        let Some(invoice) = invoices.next() else {
            break;
        };
        let Some((invoice_key, customer, due)) = ar_of(state, invoice) else {
            continue;
        };
        // A credit is applied only to its own customer's invoices.
        let Some(at) = returns
            .iter()
            .position(|r| ar_of(state, r).is_some_and(|(_, c, _)| c == customer))
        else {
            continue;
        };
        let ret = returns.remove(at);
        let Some((return_key, _, credit)) = ar_of(state, &ret) else {
            continue;
        };
        let n = made;
        made += 1;
        let credit = credit.min((due / rust_decimal::Decimal::TWO).round_dp(2));
        let (what, body) = if mixed {
            let cash = due - credit;
            (
                format!("mixed-payment-{}", n + 1),
                format!(
                    "<create><ARPYMT><CUSTOMERID>{customer}</CUSTOMERID><PAYMENTMETHOD>Printed Check</PAYMENTMETHOD><FINANCIALENTITY>BOA</FINANCIALENTITY><RECEIPTDATE>{date}</RECEIPTDATE><DOCNUMBER>CHK-M{:04}</DOCNUMBER><TRX_AMOUNTTOPAY>{cash}</TRX_AMOUNTTOPAY><ARPYMTDETAILS><ARPYMTDETAIL><RECORDKEY>{invoice_key}</RECORDKEY><TRX_PAYMENTAMOUNT>{cash}</TRX_PAYMENTAMOUNT><ADJUSTMENTKEY>{return_key}</ADJUSTMENTKEY><TRX_ADJUSTMENTAMOUNT>{credit}</TRX_ADJUSTMENTAMOUNT></ARPYMTDETAIL></ARPYMTDETAILS></ARPYMT></create>",
                    n + 1
                ),
            )
        } else {
            (
                format!("credit-application-{}", n + 1),
                format!(
                    "<apply_arpayment><arpaymentkey>{return_key}</arpaymentkey><paymentdate>{split}</paymentdate><arpaymentitems><arpaymentitem><invoicekey>{invoice_key}</invoicekey><amount>{credit}</amount></arpaymentitem></arpaymentitems></apply_arpayment>"
                ),
            )
        };
        run(state, auth, now, &what, &body)?;
    }
    Ok(())
}

/// Create the seed records.
pub fn seed(
    state: &mut State,
    spec: SeedSpec,
    userid: &str,
    companyid: &str,
    now: NaiveDateTime,
) -> Result<(), SeedError> {
    let auth = AuthInfo {
        userid: userid.to_string(),
        companyid: companyid.to_string(),
        locationid: String::new(),
    };
    let customers = spec
        .customers
        .max(usize::from(spec.invoices + spec.returns > 0));
    for n in 1..=customers {
        let city = ["Austin", "Boston", "Denver", "Seattle"][n % 4];
        run(
            state,
            &auth,
            now,
            &format!("customer-{n}"),
            &format!(
                "<create><CUSTOMER><CUSTOMERID>C-{n:05}</CUSTOMERID><NAME>Customer {n:05} Ltd</NAME><CURRENCY>USD</CURRENCY><DISPLAYCONTACT><PRINTAS>Customer {n:05} Ltd</PRINTAS><EMAIL1>billing{n}@customer{n}.example</EMAIL1><MAILADDRESS><ADDRESS1>{n} Main St</ADDRESS1><CITY>{city}</CITY><COUNTRYCODE>US</COUNTRYCODE></MAILADDRESS></DISPLAYCONTACT></CUSTOMER></create>"
            ),
        )?;
    }
    let date = now.date();
    let split = format!(
        "<year>{}</year><month>{}</month><day>{}</day>",
        date.format("%Y"),
        date.format("%m"),
        date.format("%d")
    );
    let mut invoice_keys = Vec::new();
    for (doctype, count, prefix) in [
        ("Sales Invoice", spec.invoices, "INV"),
        ("Sales Return", spec.returns, "RET"),
    ] {
        for n in 1..=count {
            let customer = (n - 1) % customers + 1;
            let quantity = n % 5 + 1;
            let price = 40 + (n * 37) % 460;
            // The shapes real companies have: goods sold by the dozen with a line discount,
            // and tax, freight and discount subtotals on some documents.
            let goods = if n % 4 == 0 {
                format!(
                    "<sotransitem><itemid>Widgets</itemid><itemdesc>Widgets</itemdesc><quantity>{}</quantity><unit>Dozen</unit><discountpercent>{}</discountpercent><price>{}.40</price></sotransitem>",
                    n % 3 + 1,
                    5 * (n % 4 + 1),
                    60 + n % 40
                )
            } else {
                String::new()
            };
            let mut subtotals = String::new();
            if n % 3 == 0 {
                subtotals.push_str(&format!(
                    "<subtotal><description>Sales Tax</description><total>{}.{:02}</total></subtotal><subtotal><description>Freight</description><total>{}.00</total></subtotal>",
                    n % 40 + 3,
                    n * 7 % 100,
                    15 + n % 10
                ));
            }
            if n % 6 == 0 {
                subtotals.push_str(
                    "<subtotal><description>Discount</description><total>-5.00</total></subtotal>",
                );
            }
            if !subtotals.is_empty() {
                subtotals = format!("<subtotals>{subtotals}</subtotals>");
            }
            let docid = run(
                state,
                &auth,
                now,
                &format!("{prefix}-{n}"),
                &format!(
                    "<create_sotransaction><transactiontype>{doctype}</transactiontype><datecreated>{split}</datecreated><customerid>C-{customer:05}</customerid><documentno>{prefix}-{n:05}</documentno><termname>Net 30</termname><datedue>{split}</datedue><sotransitems><sotransitem><itemid>Consulting</itemid><itemdesc>Consulting hours</itemdesc><quantity>{quantity}</quantity><unit>Hour</unit><price>{price}.00</price></sotransitem><sotransitem><itemid>Support</itemid><itemdesc>Support plan</itemdesc><quantity>1</quantity><price>{}.50</price></sotransitem>{goods}</sotransitems>{subtotals}</create_sotransaction>",
                    n % 90 + 10
                ),
            )?;
            if doctype == "Sales Invoice"
                && let Some(docid) = docid
            {
                invoice_keys.push(docid);
            }
        }
    }
    seed_credits(state, &auth, now, spec, &split, &invoice_keys)?;
    for n in 1..=spec.foreign_invoices {
        let customer = (n - 1) % customers + 1;
        run(
            state,
            &auth,
            now,
            &format!("FX-{n}"),
            &format!(
                "<create_sotransaction><transactiontype>Sales Invoice</transactiontype><datecreated>{split}</datecreated><customerid>C-{customer:05}</customerid><documentno>FX-{n:05}</documentno><termname>Net 30</termname><datedue>{split}</datedue><basecurr>{base}</basecurr><currency>EUR</currency><exchratetype>Intacct Daily Rate</exchratetype><sotransitems><sotransitem><itemid>Consulting</itemid><itemdesc>Consulting hours</itemdesc><quantity>{}</quantity><unit>Hour</unit><price>{}.25</price></sotransitem></sotransitems><subtotals><subtotal><description>VAT</description><total>{}.00</total></subtotal></subtotals></create_sotransaction>",
                n % 4 + 1,
                90 + (n * 13) % 200,
                10 + n % 20,
                base = state.settings.base_currency,
            ),
        )?;
    }
    for (n, docid) in invoice_keys.iter().take(spec.payments).enumerate() {
        let Some(doc) = state
            .store
            .find(super::store::ObjectKind::SoDocument, "DOCID", docid)
        else {
            continue;
        };
        let (Some(key), Some(total), Some(customer)) = (
            doc.get("PRRECORDKEY"),
            doc.get("TOTAL"),
            doc.get("CUSTVENDID"),
        ) else {
            continue;
        };
        let body = format!(
            "<create_arpayment><customerid>{customer}</customerid><paymentamount>{total}</paymentamount><bankaccountid>BOA</bankaccountid><refid>CHK-{:05}</refid><datereceived>{split}</datereceived><paymentmethod>Printed Check</paymentmethod><arpaymentitem><invoicekey>{key}</invoicekey><amount>{total}</amount></arpaymentitem></create_arpayment>",
            n + 1
        );
        run(state, &auth, now, &format!("payment-{}", n + 1), &body)?;
    }
    Ok(())
}
