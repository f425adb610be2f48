//! Payment routing: which Intacct bank account or undeposited-funds G/L account a payment posts
//! to, chosen by currency and payment method.
//!
//! Matching follows the vendor's integration so existing rule sets behave the same: each
//! condition scores 1 for a wildcard and 2 for an exact match, a mismatch disqualifies the
//! route, the highest total wins and ties go to the route listed first. Unlike the vendor's,
//! routes are checked when the config is loaded (duplicates, malformed currencies), not when the
//! first payment fails.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A route condition: any value (`"*"`) or one exact value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteMatch {
    /// `"*"`: matches every value.
    Any,
    /// Matches this value only (lowercase).
    Exactly(String),
}

impl RouteMatch {
    fn score(&self, value: &str) -> Option<u8> {
        match self {
            RouteMatch::Any => Some(1),
            RouteMatch::Exactly(expected) if expected.eq_ignore_ascii_case(value) => Some(2),
            RouteMatch::Exactly(_) => None,
        }
    }
}

impl Serialize for RouteMatch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RouteMatch::Any => serializer.serialize_str("*"),
            RouteMatch::Exactly(v) => serializer.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for RouteMatch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        let trimmed = raw.trim();
        Ok(if trimmed == "*" || trimmed.is_empty() {
            RouteMatch::Any
        } else {
            RouteMatch::Exactly(trimmed.to_ascii_lowercase())
        })
    }
}

impl fmt::Display for RouteMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteMatch::Any => f.write_str("*"),
            RouteMatch::Exactly(v) => f.write_str(v),
        }
    }
}

/// An Invoiced payment method (`check`, `ach`, `credit_card`, `wire_transfer`, ...), lowercase.
pub type PaymentMethod = String;

/// Where a routed payment is deposited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Deposit {
    /// An Intacct bank (checking) account id, e.g. `WF01`.
    BankAccount(String),
    /// An undeposited-funds G/L account number, e.g. `1200`. Intacct refuses foreign-currency
    /// payments into undeposited funds (BL02000051): give each foreign currency a bank route.
    UndepositedFunds(String),
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRoute {
    /// ISO 4217 currency (`usd`) or `*`.
    pub currency: RouteMatch,
    /// Invoiced payment method or `*`.
    pub method: RouteMatch,
    /// Where the payment posts.
    pub deposit: Deposit,
}

/// Picks the route for a payment: best score wins, ties go to the first listed.
pub fn select_route<'a>(
    routes: &'a [PaymentRoute],
    currency: &str,
    method: &str,
) -> Option<&'a PaymentRoute> {
    let mut best: Option<(u8, &PaymentRoute)> = None;
    for route in routes {
        let (Some(c), Some(m)) = (route.currency.score(currency), route.method.score(method))
        else {
            continue;
        };
        let score = c + m;
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, route));
        }
    }
    best.map(|(_, route)| route)
}

/// Refuses malformed currencies, empty accounts and duplicate conditions.
pub(super) fn validate_routes(routes: &[PaymentRoute]) -> Result<(), ConfigError> {
    for (i, route) in routes.iter().enumerate() {
        let field = format!("accounts.payment_routes[{i}]");
        if let RouteMatch::Exactly(code) = &route.currency
            && (code.len() != 3 || !code.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err(ConfigError::new(
                format!("{field}.currency"),
                format!("{code:?} is not an ISO 4217 code like \"usd\" (or \"*\" for any)"),
            ));
        }
        let account = match &route.deposit {
            Deposit::BankAccount(a) | Deposit::UndepositedFunds(a) => a,
        };
        if account.trim().is_empty() {
            return Err(ConfigError::new(
                format!("{field}.deposit"),
                "names no account: set the bank account id or undeposited-funds G/L account",
            ));
        }
        if let Some(j) = routes[..i].iter().position(|earlier| {
            earlier.currency == route.currency && earlier.method == route.method
        }) {
            return Err(ConfigError::new(
                field,
                format!(
                    "duplicates route {j} (currency {}, method {}): remove one",
                    route.currency, route.method
                ),
            ));
        }
    }
    Ok(())
}
