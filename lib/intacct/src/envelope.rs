//! The request envelope: `<request><control>…</control><operation>…</operation></request>`.
//!
//! `control` and `login` are `xs:sequence`s in the gateway schema, so their children are
//! written in exactly the schema order (`companyid` before `password` or login fails).

use secrecy::{ExposeSecret, SecretString};

use crate::config::Credentials;
use crate::error::Error;
use crate::functions::{Function, FunctionCall};
use crate::types::ControlId;
use crate::xml::XmlWriter;

/// How the operation authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// `<login>` with the user credentials (and `locationid` for an entity).
    Login(&'a Credentials),
    /// `<sessionid>` from `getAPISession`.
    Session(&'a SecretString),
}

/// One gateway request: a control block and one operation with one or more functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Request-level `controlid`, echoed back (not checked for uniqueness by Intacct).
    pub control_id: ControlId,
    /// `uniqueid`: when true Intacct refuses to re-execute a function whose `controlid` it
    /// already completed — the server-side half of exactly-once writes.
    pub unique_id: bool,
    /// `transaction="true"`: all functions commit or all roll back (failures come back as
    /// `aborted` results carrying XL03000009).
    pub transaction: bool,
    /// `policyid`: asynchronous processing through a transport policy; the synchronous
    /// answer is only an acknowledgement.
    pub policy_id: Option<String>,
    /// The functions, executed in order.
    pub calls: Vec<FunctionCall>,
}

impl Request {
    /// A request with a random control id, `uniqueid=false`, no transaction (reads).
    pub fn new() -> Self {
        Self {
            control_id: ControlId::random(),
            unique_id: false,
            transaction: false,
            policy_id: None,
            calls: Vec::new(),
        }
    }

    /// A single read function with random ids.
    pub fn read(function: impl Into<Function>) -> Self {
        Self::new().call(FunctionCall::random(function))
    }

    /// An exactly-once write: deterministic control id, `uniqueid=true`,
    /// `transaction="true"` (all-or-nothing when it carries several functions).
    pub fn write(control_id: ControlId) -> Self {
        Self {
            control_id,
            unique_id: true,
            transaction: true,
            policy_id: None,
            calls: Vec::new(),
        }
    }

    /// Whether every function of the request reads or writes `object` and nothing else
    /// (false for an empty request).
    pub fn concerns_only(&self, object: &str) -> bool {
        !self.calls.is_empty()
            && self.calls.iter().all(|c| {
                let objects = c.function.objects();
                !objects.is_empty() && objects.iter().all(|o| o.eq_ignore_ascii_case(object))
            })
    }

    /// Appends a function call.
    pub fn call(mut self, call: FunctionCall) -> Self {
        self.calls.push(call);
        self
    }

    /// Sets `uniqueid`.
    pub fn unique_id(mut self, unique_id: bool) -> Self {
        self.unique_id = unique_id;
        self
    }

    /// Sets `transaction`.
    pub fn transaction(mut self, transaction: bool) -> Self {
        self.transaction = transaction;
        self
    }

    /// True when any function writes; drives unknown-outcome classification.
    pub fn is_write(&self) -> bool {
        self.calls.iter().any(|c| c.function.is_write())
    }

    /// Checks the request before sending: at least one function, `getAPISession` alone,
    /// unique function control ids, and each function's own limits.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |m: String| Err(Error::InvalidRequest(m));
        if self.calls.is_empty() {
            return invalid("a request needs at least one function".into());
        }
        let has_session = self
            .calls
            .iter()
            .any(|c| matches!(c.function, Function::GetApiSession(_)));
        if has_session && self.calls.len() > 1 {
            return invalid("getAPISession must be alone in its request".into());
        }
        for (i, call) in self.calls.iter().enumerate() {
            if self.calls[..i]
                .iter()
                .any(|c| c.control_id == call.control_id)
            {
                return invalid(format!("duplicate function controlid {}", call.control_id));
            }
            call.function
                .validate()
                .map_err(|m| Error::InvalidRequest(format!("{}: {m}", call.function.name())))?;
        }
        Ok(())
    }

    /// Serialises the request for the given credentials and authentication.
    pub fn to_xml(&self, credentials: &Credentials, auth: Auth<'_>) -> String {
        let mut w = XmlWriter::with_declaration();
        w.open("request").open("control");
        w.leaf("senderid", &credentials.sender_id)
            .leaf("password", credentials.sender_password.expose_secret())
            .leaf("controlid", self.control_id.as_str())
            .leaf("uniqueid", bool_str(self.unique_id))
            .leaf("dtdversion", "3.0")
            .leaf_opt("policyid", self.policy_id.as_deref())
            .leaf("includewhitespace", "false");
        w.close();
        w.open_with("operation", &[("transaction", bool_str(self.transaction))]);
        w.open("authentication");
        match auth {
            Auth::Login(c) => {
                w.open("login")
                    .leaf("userid", &c.user_id)
                    .leaf("companyid", &c.company_id)
                    .leaf("password", c.user_password.expose_secret())
                    .leaf_opt("locationid", c.entity_id.as_deref())
                    .close();
            }
            Auth::Session(id) => {
                w.leaf("sessionid", id.expose_secret());
            }
        }
        w.close().open("content");
        for call in &self.calls {
            call.write(&mut w);
        }
        w.finish()
    }
}

impl Default for Request {
    fn default() -> Self {
        Self::new()
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}
