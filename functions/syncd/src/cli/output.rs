//! What commands print: a table or sentence for a person, or with `--json` the same JSON as the
//! operator API, failures included (an [`ErrorBody`], as the API's error responses).

use serde::Serialize;
use std::process::ExitCode;

use sync_aws::runtime::EnvironmentError;
use sync_engine::operator::{ErrorBody, ErrorKind, OpsError};

use crate::service::ServiceError;

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: output not serialisable: {e}"),
    }
}

/// Prints `value` as JSON with `--json`, else `text` of it.
pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    if json {
        print_json(value);
    } else {
        println!("{}", text(value));
    }
}

/// An argument the command refuses (a bad flag combination, a file it cannot read).
pub fn invalid(message: impl Into<String>) -> anyhow::Error {
    OpsError::Invalid(message.into()).into()
}

/// The error body of a failed command: the operator API's kind for an operator action, bad
/// input for what an operator gave (flags, files, environment), a backend failure otherwise.
pub fn error_body(error: &anyhow::Error) -> ErrorBody {
    let kind = if let Some(ops) = error.downcast_ref::<OpsError>() {
        ops.kind()
    } else if error.downcast_ref::<EnvironmentError>().is_some()
        || error.downcast_ref::<std::io::Error>().is_some()
        || matches!(
            error.downcast_ref::<ServiceError>(),
            Some(ServiceError::Secrets { .. })
        )
    {
        ErrorKind::Invalid
    } else {
        ErrorKind::Backend
    };
    ErrorBody {
        error: format!("{error:#}"),
        kind,
    }
}

/// Reports a failed command: its [`ErrorBody`] on stdout with `--json`, `error: …` on stderr
/// otherwise.
pub fn fail(json: bool, error: &anyhow::Error) -> ExitCode {
    if json {
        print_json(&error_body(error));
    } else {
        eprintln!("error: {error:#}");
    }
    ExitCode::FAILURE
}

/// Reports a command line clap refused: as an [`ErrorBody`] when `--json` was given (exit code
/// 2, as clap's), else clap's own message; help and version print as usual.
pub fn refuse(error: clap::Error, json: bool) -> ! {
    if json && error.use_stderr() {
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or_default();
        print_json(&ErrorBody {
            error: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
            kind: ErrorKind::Invalid,
        });
        std::process::exit(2);
    }
    error.exit()
}
