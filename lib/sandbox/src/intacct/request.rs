//! Request envelope parsing: `<request><control/><operation><authentication/><content/></operation>`.

use secrecy::SecretString;

use super::xml::{self, Element};

/// The `<control>` block (sender credentials and the ids echoed back).
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Web Services sender id.
    pub senderid: String,
    /// Sender password.
    pub password: SecretString,
    /// Request control id, echoed.
    pub controlid: String,
    /// `uniqueid=true`: a function control id that already completed is refused.
    pub uniqueid: bool,
    /// Echoed; `3.0` expected.
    pub dtdversion: String,
    /// Asynchronous transport policy (acknowledged, not supported).
    pub policyid: Option<String>,
}

/// How the operation authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// User login; `companyid` may carry `|entity`.
    Login {
        /// User id.
        userid: String,
        /// Company id (optionally `company|entity`).
        companyid: String,
        /// Password.
        password: SecretString,
        /// Entity for multi-entity companies.
        locationid: Option<String>,
    },
    /// A session from `getAPISession`.
    Session(String),
}

/// One `<function controlid="...">` with its single child.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    /// The function's control id, echoed in its result.
    pub controlid: String,
    /// The child element's name (`readByQuery`, `create_invoice`, ...).
    pub name: String,
    /// The child element.
    pub body: Element,
}

/// The `<operation>` block.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `transaction="true"`: all or nothing.
    pub transaction: bool,
    /// Credentials.
    pub auth: Auth,
    /// Functions in request order.
    pub functions: Vec<FunctionCall>,
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Control block.
    pub control: Control,
    /// The (first) operation.
    pub operation: Operation,
}

/// Why a request was refused before any operation ran (`XL03000003`). The control block is kept
/// when it could be read, so the failure can echo sender and control ids like the gateway does.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Echoable control block, if parsed (boxed: it is the rare path).
    pub control: Option<Box<Control>>,
    /// One `description2` per problem.
    pub problems: Vec<String>,
}

fn text(e: &Element, name: &str) -> String {
    e.child_text(name).unwrap_or_default().to_string()
}

/// Parse a request body.
pub fn parse(body: &str) -> Result<Envelope, Rejected> {
    let root = xml::parse(body).map_err(|e| Rejected {
        control: None,
        problems: vec![e.to_string()],
    })?;
    let schema = |control: Option<Control>, msg: &str| Rejected {
        control: control.map(Box::new),
        problems: vec![format!("XML Parse schema error: {msg}")],
    };
    if root.name != "request" {
        return Err(schema(
            None,
            &format!("Expecting element 'request', got '{}'.", root.name),
        ));
    }
    let Some(control_el) = root.child("control") else {
        return Err(schema(
            None,
            "Element 'request': Missing child element(s). Expected is ( control ).",
        ));
    };
    let control = Control {
        senderid: text(control_el, "senderid"),
        password: SecretString::from(text(control_el, "password")),
        controlid: text(control_el, "controlid"),
        uniqueid: control_el
            .child_text("uniqueid")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        dtdversion: control_el
            .child_text("dtdversion")
            .unwrap_or("3.0")
            .to_string(),
        policyid: control_el.child_text("policyid").map(str::to_string),
    };
    if control.senderid.is_empty() || control.controlid.is_empty() {
        return Err(schema(
            Some(control),
            "Element 'control': Missing child element(s). Expected is ( senderid, controlid ).",
        ));
    }
    let Some(op) = root.child("operation") else {
        return Err(schema(
            Some(control),
            "Element 'request': Missing child element(s). Expected is ( operation ).",
        ));
    };
    let transaction = op
        .attr("transaction")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let Some(auth_el) = op.child("authentication") else {
        return Err(schema(
            Some(control),
            "Element 'operation': Missing child element(s). Expected is ( authentication ).",
        ));
    };
    let auth = if let Some(login) = auth_el.child("login") {
        Auth::Login {
            userid: text(login, "userid"),
            companyid: text(login, "companyid"),
            password: SecretString::from(text(login, "password")),
            locationid: login.child_text("locationid").map(str::to_string),
        }
    } else if let Some(session) = auth_el.child("sessionid") {
        Auth::Session(session.text.trim().to_string())
    } else {
        return Err(schema(
            Some(control),
            "Element 'authentication': Missing child element(s). Expected is one of ( login, sessionid ).",
        ));
    };
    let mut functions = Vec::new();
    for content in op.children_named("content") {
        for function in &content.children {
            if function.name != "function" {
                return Err(schema(
                    Some(control),
                    &format!(
                        "Element '{}': This element is not expected. Expected is ( function ).",
                        function.name
                    ),
                ));
            }
            let Some(controlid) = function.attr("controlid").map(str::to_string) else {
                return Err(schema(
                    Some(control),
                    "Element 'function': The attribute 'controlid' is required but missing.",
                ));
            };
            let [body] = function.children.as_slice() else {
                return Err(schema(
                    Some(control),
                    "Element 'function': expected exactly one function element.",
                ));
            };
            functions.push(FunctionCall {
                controlid,
                name: body.name.clone(),
                body: body.clone(),
            });
        }
    }
    Ok(Envelope {
        control,
        operation: Operation {
            transaction,
            auth,
            functions,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sdk_envelope_with_session_auth() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<request><control><senderid>testsenderid</senderid><password>pass123!</password><controlid>unittest</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control><operation transaction="false"><authentication><sessionid>testsession..</sessionid></authentication><content><function controlid="f1"><getAPISession/></function></content></operation></request>"#;
        let envelope = parse(body).unwrap();
        assert_eq!(envelope.control.senderid, "testsenderid");
        assert!(!envelope.control.uniqueid);
        assert!(matches!(envelope.operation.auth, Auth::Session(ref s) if s == "testsession.."));
        assert_eq!(envelope.operation.functions[0].name, "getAPISession");
    }

    #[test]
    fn function_without_controlid_is_a_schema_error_echoing_control() {
        let body = "<request><control><senderid>s</senderid><password>p</password><controlid>c</controlid></control><operation><authentication><sessionid>x</sessionid></authentication><content><function><read/></function></content></operation></request>";
        let rejected = parse(body).unwrap_err();
        assert_eq!(
            rejected.control.map(|c| c.controlid.clone()),
            Some("c".to_string())
        );
    }
}
