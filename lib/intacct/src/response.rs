//! Typed gateway responses at each of Intacct's three status levels: control, authentication,
//! and one result per function (success / failure / aborted).
//!
//! Parsing is lenient about *shape* details the real gateway varies on (control failures with
//! or without senderid, lowercase vs uppercase listtype, self-closing empty `<data/>`) and
//! strict about structure: a body that is not an Intacct `<response>` is an error, never a
//! panic. Turning a failed result into a client error is [`crate::error`]'s job.

use chrono::{DateTime, FixedOffset};
use secrecy::SecretString;

use crate::record::{Record, XmlError, parse_document};
use crate::types::parse_envelope_timestamp;

/// Why a response body could not be turned into a [`Response`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not well-formed XML (or not XML at all, e.g. an HTML error page).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Well-formed XML that is not an Intacct response.
    #[error("unexpected response shape: {0}")]
    Shape(String),
}

fn shape<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError::Shape(msg.into()))
}

/// `success` / `failure` (control and authentication levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `success`.
    Success,
    /// `failure` (anything that is not `success`, so an unknown word never reads as success).
    Failure,
}

impl Status {
    fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("success") => Self::Success,
            _ => Self::Failure,
        }
    }
}

/// A function result's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultStatus {
    /// Executed and committed.
    Success,
    /// Failed; see its errors.
    Failure,
    /// Rolled back because another function in a `transaction="true"` operation failed.
    Aborted,
}

/// One `<error>`. `errorno` is not always a code: Intacct also puts free text there
/// (`Query Failed`, or a whole sentence).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetail {
    /// `errorno` (code such as `BL34000061`, or text).
    pub errorno: String,
    /// `description`.
    pub description: Option<String>,
    /// `description2` (often the specific message, may carry `[Support ID: …]`).
    pub description2: Option<String>,
    /// `correction`.
    pub correction: Option<String>,
}

impl ErrorDetail {
    fn from_record(r: &Record) -> Self {
        Self {
            errorno: trimmed(r.get("errorno")).unwrap_or_default(),
            description: trimmed(r.get("description")),
            description2: trimmed(r.get("description2")),
            correction: trimmed(r.get("correction")),
        }
    }

    /// All non-empty parts joined by spaces, the way operators are used to reading them.
    pub fn message(&self) -> String {
        [
            Some(self.errorno.as_str()),
            self.description.as_deref(),
            self.description2.as_deref(),
            self.correction.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// Case-insensitive search across every part of the error.
    pub fn mentions(&self, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        [
            Some(self.errorno.as_str()),
            self.description.as_deref(),
            self.description2.as_deref(),
            self.correction.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|s| s.to_ascii_lowercase().contains(&needle))
    }
}

fn trimmed(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn errors_of(r: Option<&Record>) -> Vec<ErrorDetail> {
    r.map(|em| {
        em.all("error")
            .filter_map(|f| f.as_record())
            .map(ErrorDetail::from_record)
            .collect()
    })
    .unwrap_or_default()
}

/// The `<control>` block, echoed from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// Control status.
    pub status: Status,
    /// Echoed sender id (absent on gateway-level errors).
    pub sender_id: Option<String>,
    /// Echoed request control id.
    pub control_id: Option<String>,
    /// Echoed `uniqueid`.
    pub unique_id: Option<bool>,
    /// Echoed DTD version.
    pub dtd_version: Option<String>,
}

/// The `<authentication>` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// Authentication status.
    pub status: Status,
    /// User id (empty for an invalid session).
    pub user_id: Option<String>,
    /// Company id.
    pub company_id: Option<String>,
    /// Entity id when logged in to an entity.
    pub location_id: Option<String>,
    /// When the session was (re)validated.
    pub session_timestamp: Option<DateTime<FixedOffset>>,
    /// Projected (sliding) session expiry.
    pub session_timeout: Option<DateTime<FixedOffset>>,
}

/// A `<data>` block: the rows plus paging attributes.
#[derive(Debug, Clone)]
pub struct Data {
    /// `listtype` (lowercase for readByQuery, UPPERCASE for read/query, `objects` for create).
    pub list_type: Option<String>,
    /// Rows in this page.
    pub count: Option<u64>,
    /// Rows matching the query.
    pub total_count: Option<u64>,
    /// Rows not yet returned; `0` on the last page.
    pub num_remaining: Option<u64>,
    /// Offset of this page (`query`).
    pub offset: Option<u64>,
    /// Id for `readMore` (readByQuery); `None` when empty.
    pub result_id: Option<String>,
    /// The rows (`<customer>`, `<CUSTOMER>`, `<api>`…).
    pub records: Vec<Record>,
}

impl Data {
    fn from_record(r: Record) -> Result<Self, ParseError> {
        let num = |name: &str| -> Result<Option<u64>, ParseError> {
            match r.attr(name).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| ParseError::Shape(format!("data {name}={v:?} is not a count"))),
            }
        };
        let count = num("count")?;
        let total_count = num("totalcount")?;
        let num_remaining = num("numremaining")?;
        let offset = num("offset")?;
        let list_type = r.attr("listtype").map(str::to_owned);
        let result_id = r
            .attr("resultId")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Self {
            list_type,
            count,
            total_count,
            num_remaining,
            offset,
            result_id,
            records: r.into_nested(),
        })
    }

    /// True when more rows remain after this page.
    pub fn has_more(&self) -> bool {
        self.num_remaining.is_some_and(|n| n > 0)
    }
}

/// One `<result>`.
#[derive(Debug, Clone)]
pub struct FunctionResult {
    /// Result status.
    pub status: ResultStatus,
    /// Function name echoed by the gateway.
    pub function: String,
    /// Function control id echoed by the gateway.
    pub control_id: String,
    /// Legacy `<key>` (new RECORDNO / DOCID of a legacy create).
    pub key: Option<String>,
    /// Legacy `get_list` `<listtype>` text.
    pub list_type: Option<String>,
    /// `<data>` block (also present on some failures).
    pub data: Option<Data>,
    /// Errors (the failing error first; XL03000009 appended when rolled back).
    pub errors: Vec<ErrorDetail>,
}

impl FunctionResult {
    fn from_record(mut r: Record) -> Result<Self, ParseError> {
        let status = match r.get("status").map(str::trim) {
            Some("success") => ResultStatus::Success,
            Some("aborted") => ResultStatus::Aborted,
            Some(_) => ResultStatus::Failure,
            None => return shape("result without status"),
        };
        let errors = errors_of(r.nested("errormessage"));
        let function = r.get("function").unwrap_or_default().trim().to_owned();
        let control_id = r.get("controlid").unwrap_or_default().trim().to_owned();
        let key = trimmed(r.get("key"));
        let list_type = r
            .field("listtype")
            .map(|f| match f {
                crate::record::FieldRef::Text(t) => t.trim().to_owned(),
                crate::record::FieldRef::Nested(n) => n.own_text().to_owned(),
            })
            .filter(|s| !s.is_empty());
        let data = match r.take_nested("data") {
            Some(d) => Some(Data::from_record(d)?),
            // `<data></data>` / `<data/>` without attributes parse as an empty leaf.
            None if r.get("data").is_some() => Some(Data {
                list_type: None,
                count: Some(0),
                total_count: None,
                num_remaining: None,
                offset: None,
                result_id: None,
                records: Vec::new(),
            }),
            None => None,
        };
        Ok(Self {
            status,
            function,
            control_id,
            key,
            list_type,
            data,
            errors,
        })
    }

    /// True for `success`.
    pub fn is_success(&self) -> bool {
        self.status == ResultStatus::Success
    }

    /// The session id and endpoint of a `getAPISession` result.
    pub fn api_session(&self) -> Option<ApiSession> {
        let api = self
            .data
            .as_ref()?
            .records
            .iter()
            .find(|r| r.name() == "api")?;
        let session_id = api.non_empty("sessionid")?.trim().to_owned();
        Some(ApiSession {
            session_id: SecretString::from(session_id),
            endpoint: trimmed(api.get("endpoint")),
            location_id: trimmed(api.get("locationid")),
        })
    }
}

/// What `getAPISession` returned.
#[derive(Debug, Clone)]
pub struct ApiSession {
    /// Session id (a bearer secret).
    pub session_id: SecretString,
    /// Endpoint the session is bound to.
    pub endpoint: Option<String>,
    /// Entity of the session, if any.
    pub location_id: Option<String>,
}

/// The `<operation>` block.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Authentication outcome.
    pub authentication: Authentication,
    /// Authentication-level errors (then no function ran and `results` is empty).
    pub errors: Vec<ErrorDetail>,
    /// One result per function, in request order.
    pub results: Vec<FunctionResult>,
}

/// A parsed gateway response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Control block.
    pub control: Control,
    /// `Some` for an asynchronous (policyid) request's acknowledgement.
    pub acknowledgement: Option<Status>,
    /// Control-level errors (then there is no operation).
    pub errors: Vec<ErrorDetail>,
    /// The operation, unless the control level failed or the request was asynchronous.
    pub operation: Option<Operation>,
}

impl Response {
    /// Parses a response body. Bytes that are not valid UTF-8 are decoded lossily (Intacct
    /// answers UTF-8; a proxy's error page might not be).
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let text = String::from_utf8_lossy(body);
        Self::parse_str(&text)
    }

    /// Parses a response body held as text.
    pub fn parse_str(body: &str) -> Result<Self, ParseError> {
        let mut root = parse_document(body)?;
        if root.name() != "response" {
            return shape(format!("root element is <{}>, not <response>", root.name()));
        }
        let Some(control) = root.nested("control") else {
            return shape("response without <control>");
        };
        let control = Control {
            status: Status::parse(control.get("status")),
            sender_id: trimmed(control.get("senderid")),
            control_id: trimmed(control.get("controlid")),
            unique_id: control.boolean("uniqueid").ok().flatten(),
            dtd_version: trimmed(control.get("dtdversion")),
        };
        let acknowledgement = root
            .nested("acknowledgement")
            .map(|a| Status::parse(a.get("status")));
        let errors = errors_of(root.nested("errormessage"));
        let operation = match root.take_nested("operation") {
            Some(op) => Some(Self::operation(op)?),
            None => None,
        };
        if control.status == Status::Success && operation.is_none() && acknowledgement.is_none() {
            return shape("successful control without <operation> or <acknowledgement>");
        }
        Ok(Self {
            control,
            acknowledgement,
            errors,
            operation,
        })
    }

    fn operation(mut op: Record) -> Result<Operation, ParseError> {
        let Some(auth) = op.nested("authentication") else {
            return shape("operation without <authentication>");
        };
        let timestamp = |name: &str| {
            auth.non_empty(name)
                .and_then(|v| parse_envelope_timestamp(v).ok())
        };
        let authentication = Authentication {
            status: Status::parse(auth.get("status")),
            user_id: trimmed(auth.get("userid")),
            company_id: trimmed(auth.get("companyid")),
            location_id: trimmed(auth.get("locationid")),
            session_timestamp: timestamp("sessiontimestamp"),
            session_timeout: timestamp("sessiontimeout"),
        };
        let errors = errors_of(op.nested("errormessage"));
        let results = op
            .take_all_nested("result")
            .into_iter()
            .map(FunctionResult::from_record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Operation {
            authentication,
            errors,
            results,
        })
    }

    /// The function results (empty when control or authentication failed).
    pub fn results(&self) -> &[FunctionResult] {
        self.operation
            .as_ref()
            .map(|o| o.results.as_slice())
            .unwrap_or_default()
    }

    /// The result with the given function control id.
    pub fn result(&self, control_id: &str) -> Option<&FunctionResult> {
        self.results().iter().find(|r| r.control_id == control_id)
    }

    /// True when the control level failed.
    pub fn is_control_failure(&self) -> bool {
        self.control.status == Status::Failure
    }

    /// True when authentication failed (no function ran).
    pub fn is_authentication_failure(&self) -> bool {
        self.operation
            .as_ref()
            .is_some_and(|o| o.authentication.status == Status::Failure)
    }
}
