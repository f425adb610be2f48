//! A deterministic, realistic readByQuery page of `n` customer rows with ~40 fields each
//! (escaped names, amounts, MM/DD/YYYY timestamps): about 1.7 MB for 1,000 rows, the page the
//! parsing target of `docs/design.md#performance-targets` is measured on. A fixed-seed xorshift
//! makes every run parse the same bytes.

use std::fmt::Write;

/// Writes the page.
pub fn generate_page(n: usize) -> String {
    let mut rng: u64 = 42;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut out = String::with_capacity(n * 1800 + 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response><control><status>success</status><senderid>bench</senderid><controlid>c1</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><operation><authentication><status>success</status><userid>ws</userid><companyid>C1</companyid><locationid></locationid><sessiontimestamp>2026-11-25T10:00:00+00:00</sessiontimestamp><sessiontimeout>2026-11-25T16:00:00+00:00</sessiontimeout></authentication><result><status>success</status><function>readByQuery</function><controlid>f1</controlid>");
    let _ = write!(
        out,
        "<data listtype=\"customer\" count=\"{n}\" totalcount=\"{}\" numremaining=\"{}\" resultId=\"7765623330WPhb0sZnwHUAAAgAAAAAAAA\">",
        n * 3,
        n * 2
    );
    for i in 0..n {
        let name = format!("Customer {i} &amp; Sons &lt;Ltd&gt;");
        let cents = 100 + next() % (10_000_000 - 100 + 1);
        let amt = format!("{}.{:02}", cents / 100, cents % 100);
        let status = if i % 7 != 0 { "active" } else { "inactive" };
        let _ = write!(
            out,
            "<customer><RECORDNO>{rec}</RECORDNO><CUSTOMERID>C-{i:06}</CUSTOMERID><NAME>{name}</NAME>\
<ENTITY>C{i}</ENTITY><PARENTKEY></PARENTKEY><PARENTID></PARENTID><PARENTNAME></PARENTNAME>\
<DISPLAYCONTACT.CONTACTNAME>{name}(C-{i:06})</DISPLAYCONTACT.CONTACTNAME>\
<DISPLAYCONTACT.COMPANYNAME>{name}</DISPLAYCONTACT.COMPANYNAME><DISPLAYCONTACT.PREFIX></DISPLAYCONTACT.PREFIX>\
<DISPLAYCONTACT.FIRSTNAME>First{i}</DISPLAYCONTACT.FIRSTNAME><DISPLAYCONTACT.LASTNAME>Last{i}</DISPLAYCONTACT.LASTNAME>\
<DISPLAYCONTACT.PHONE1>555-01{p:02}</DISPLAYCONTACT.PHONE1><DISPLAYCONTACT.EMAIL1>ar{i}@example.com</DISPLAYCONTACT.EMAIL1>\
<DISPLAYCONTACT.MAILADDRESS.ADDRESS1>{i} Main Street</DISPLAYCONTACT.MAILADDRESS.ADDRESS1>\
<DISPLAYCONTACT.MAILADDRESS.CITY>Springfield</DISPLAYCONTACT.MAILADDRESS.CITY>\
<DISPLAYCONTACT.MAILADDRESS.STATE>CA</DISPLAYCONTACT.MAILADDRESS.STATE>\
<DISPLAYCONTACT.MAILADDRESS.ZIP>9{z:04}</DISPLAYCONTACT.MAILADDRESS.ZIP>\
<DISPLAYCONTACT.MAILADDRESS.COUNTRY>United States</DISPLAYCONTACT.MAILADDRESS.COUNTRY>\
<TERMNAME>Net 30</TERMNAME><CUSTTYPE>Commercial</CUSTTYPE><CREDITLIMIT>{amt}</CREDITLIMIT>\
<TOTALDUE>{amt}</TOTALDUE><ONHOLD>false</ONHOLD><CURRENCY>USD</CURRENCY><STATUS>{status}</STATUS>\
<WHENCREATED>01/{d:02}/2026 09:{m:02}:00</WHENCREATED>\
<WHENMODIFIED>11/{d:02}/2026 10:{m:02}:{s:02}</WHENMODIFIED>\
<CREATEDBY>12</CREATEDBY><MODIFIEDBY>12</MODIFIEDBY><MEGAENTITYKEY></MEGAENTITYKEY><MEGAENTITYID></MEGAENTITYID>\
<ARACCOUNT>1100</ARACCOUNT><OFFSETGLACCOUNTNO>4000</OFFSETGLACCOUNTNO><EMAILOPTIN>false</EMAILOPTIN>\
<DELIVERY_OPTIONS>Print</DELIVERY_OPTIONS><CUSTMESSAGEID></CUSTMESSAGEID><RETAINAGEPERCENTAGE></RETAINAGEPERCENTAGE>\
</customer>",
            rec = 1000 + i,
            p = i % 100,
            z = i % 10000,
            d = (i % 28) + 1,
            m = i % 60,
            s = (i * 7) % 60,
        );
    }
    out.push_str("</data></result></operation></response>\n");
    out
}
