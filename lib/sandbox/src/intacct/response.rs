//! Response writing, shaped after the SDK test fixtures (`lib/intacct/tests/fixtures/resp_*`).

use std::fmt::Write as _;

use super::request::Control;
use super::xml::esc;

/// One `<error>`; `errorno` is sometimes free text (`Query Failed`, `readMore failed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Code or free text.
    pub errorno: String,
    /// Usually empty on business errors.
    pub description: String,
    /// The message users see.
    pub description2: String,
    /// The suggested fix, often empty.
    pub correction: String,
}

impl ApiError {
    /// An error with the usual empty description/correction.
    pub fn new(errorno: impl Into<String>, description2: impl Into<String>) -> Self {
        Self {
            errorno: errorno.into(),
            description: String::new(),
            description2: description2.into(),
            correction: String::new(),
        }
    }

    /// Add a correction text.
    pub fn correction(mut self, correction: impl Into<String>) -> Self {
        self.correction = correction.into();
        self
    }
}

/// Result status of one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Ran.
    Success,
    /// Failed on its own.
    Failure,
    /// Rolled back because another function in a `transaction="true"` operation failed.
    Aborted,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Aborted => "aborted",
        }
    }
}

/// `<data ...attrs>inner</data>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Data {
    /// Attributes in order (`listtype`, `count`, `totalcount`, ...).
    pub attrs: Vec<(String, String)>,
    /// Already-escaped inner XML.
    pub inner: String,
}

/// One `<result>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnResult {
    /// Status.
    pub status: Status,
    /// Function name echoed.
    pub function: String,
    /// Function control id echoed.
    pub controlid: String,
    /// Legacy create key.
    pub key: Option<String>,
    /// Data block.
    pub data: Option<Data>,
    /// Errors.
    pub errors: Vec<ApiError>,
}

const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn write_errors(out: &mut String, errors: &[ApiError]) {
    out.push_str("<errormessage>");
    for e in errors {
        let _ = write!(
            out,
            "<error><errorno>{}</errorno><description>{}</description><description2>{}</description2><correction>{}</correction></error>",
            esc(&e.errorno),
            esc(&e.description),
            esc(&e.description2),
            esc(&e.correction)
        );
    }
    out.push_str("</errormessage>");
}

fn write_control(out: &mut String, status: &str, control: Option<&Control>) {
    match control {
        Some(c) => {
            let _ = write!(
                out,
                "<control><status>{status}</status><senderid>{}</senderid><controlid>{}</controlid><uniqueid>{}</uniqueid><dtdversion>{}</dtdversion></control>",
                esc(&c.senderid),
                esc(&c.controlid),
                c.uniqueid,
                esc(&c.dtdversion)
            );
        }
        None => {
            let _ = write!(
                out,
                "<control><status>{status}</status><senderid></senderid><controlid></controlid></control>"
            );
        }
    }
}

/// Control-level failure (`resp_05`, `resp_08`): no operation ran.
pub fn control_failure(control: Option<&Control>, errors: &[ApiError]) -> String {
    let mut out = String::from(DECL);
    out.push_str("<response>");
    write_control(&mut out, "failure", control);
    write_errors(&mut out, errors);
    out.push_str("</response>");
    out
}

/// Gateway-level failure (`resp_09`): bare control status and `<description>` only.
pub fn gateway_failure(errorno: &str, description: &str) -> String {
    format!(
        "{DECL}<response><control><status>failure</status></control><errormessage><error><errorno>{}</errorno><description>{}</description></error></errormessage></response>",
        esc(errorno),
        esc(description)
    )
}

/// The `<authentication>` block of a response.
#[derive(Debug, Clone)]
pub struct AuthBlock {
    /// User id.
    pub userid: String,
    /// Company id.
    pub companyid: String,
    /// Entity.
    pub locationid: String,
    /// ISO-8601 with offset.
    pub sessiontimestamp: String,
    /// ISO-8601 projected (sliding) timeout.
    pub sessiontimeout: String,
}

/// Authentication failure (`resp_02`, `resp_03`): no function ran.
pub fn auth_failure(
    control: &Control,
    userid: &str,
    companyid: &str,
    errors: &[ApiError],
) -> String {
    let mut out = String::from(DECL);
    out.push_str("<response>");
    write_control(&mut out, "success", Some(control));
    let _ = write!(
        out,
        "<operation><authentication><status>failure</status><userid>{}</userid><companyid>{}</companyid></authentication>",
        esc(userid),
        esc(companyid)
    );
    write_errors(&mut out, errors);
    out.push_str("</operation></response>");
    out
}

/// A normal response with one result per function.
pub fn operation(control: &Control, auth: &AuthBlock, results: &[FnResult]) -> String {
    let mut out = String::from(DECL);
    out.push_str("<response>");
    write_control(&mut out, "success", Some(control));
    let _ = write!(
        out,
        "<operation><authentication><status>success</status><userid>{}</userid><companyid>{}</companyid><locationid>{}</locationid><sessiontimestamp>{}</sessiontimestamp><sessiontimeout>{}</sessiontimeout></authentication>",
        esc(&auth.userid),
        esc(&auth.companyid),
        esc(&auth.locationid),
        auth.sessiontimestamp,
        auth.sessiontimeout
    );
    for r in results {
        let _ = write!(
            out,
            "<result><status>{}</status><function>{}</function><controlid>{}</controlid>",
            r.status.as_str(),
            esc(&r.function),
            esc(&r.controlid)
        );
        if let Some(key) = &r.key {
            let _ = write!(out, "<key>{}</key>", esc(key));
        }
        if let Some(data) = &r.data {
            out.push_str("<data");
            for (k, v) in &data.attrs {
                let _ = write!(out, " {k}=\"{}\"", esc(v));
            }
            if data.inner.is_empty() {
                out.push_str("/>");
            } else {
                let _ = write!(out, ">{}</data>", data.inner);
            }
        }
        if !r.errors.is_empty() {
            write_errors(&mut out, &r.errors);
        }
        out.push_str("</result>");
    }
    out.push_str("</operation></response>");
    out
}
