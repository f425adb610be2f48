//! The SQL-WHERE subset `readByQuery` accepts, and the filter the new `query` builds.
//!
//! Syntax per the Intacct query docs: `=`, `!=`/`<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `NOT LIKE`,
//! `IN (...)`, `NOT IN (...)`, `IS NULL`, `IS NOT NULL`, `AND`, `OR`, `NOT`, parentheses; strings in
//! single quotes with `\'` escapes (double quotes are tolerated, production code sends them);
//! datetimes as `MM/DD/YYYY HH:MM:SS`. Anything else — `ORDER BY`, ISO-8601 dates — is rejected,
//! which the gateway reports as `DL02000001`.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::clock::parse_intacct_datetime;
use super::store::Fields;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// `FIELD op 'value'`.
    Cmp {
        /// Field name (upper-cased).
        field: String,
        /// Operator.
        op: CmpOp,
        /// Literal.
        value: String,
    },
    /// `FIELD [NOT] IN ('a', 'b')`.
    In {
        /// Field name.
        field: String,
        /// Literals.
        values: Vec<String>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `FIELD IS [NOT] NULL` (absent and empty both count as NULL).
    IsNull {
        /// Field name.
        field: String,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `FIELD [NOT] LIKE 'pat%'` with `%` and `_` wildcards.
    Like {
        /// Field name.
        field: String,
        /// Pattern.
        pattern: String,
        /// `NOT LIKE`.
        negated: bool,
    },
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=` / `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Not in the grammar.
    #[error("invalid query syntax near '{0}'")]
    Syntax(String),
    /// A field the object does not have.
    #[error("unknown field {0}")]
    UnknownField(String),
    /// A date field compared with something that is not `MM/DD/YYYY[ HH:MM:SS]`.
    #[error("invalid date value '{0}' for {1}")]
    BadDate(String, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(String),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let syntax =
        |at: usize| QueryError::Syntax(chars[at.min(chars.len())..].iter().take(20).collect());
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' | '"' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(i.saturating_sub(value.len() + 1))),
                        Some('\\') if chars.get(i + 1) == Some(&quote) => {
                            value.push(quote);
                            i += 2;
                        }
                        Some(ch) if *ch == quote => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            value.push(*ch);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(value));
            }
            '=' => {
                tokens.push(Token::Op(CmpOp::Eq));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                tokens.push(Token::Op(CmpOp::Ne));
                i += 2;
            }
            '<' => match chars.get(i + 1) {
                Some('=') => {
                    tokens.push(Token::Op(CmpOp::Le));
                    i += 2;
                }
                Some('>') => {
                    tokens.push(Token::Op(CmpOp::Ne));
                    i += 2;
                }
                _ => {
                    tokens.push(Token::Op(CmpOp::Lt));
                    i += 1;
                }
            },
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    tokens.push(Token::Op(CmpOp::Ge));
                    i += 2;
                } else {
                    tokens.push(Token::Op(CmpOp::Gt));
                    i += 1;
                }
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|ch| ch.is_ascii_digit() || *ch == '.')
                {
                    i += 1;
                }
                tokens.push(Token::Num(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '.')
                {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => return Err(syntax(i)),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn error(&self) -> QueryError {
        let near: Vec<String> = self.tokens[self.pos.min(self.tokens.len())..]
            .iter()
            .take(3)
            .map(|t| format!("{t:?}"))
            .collect();
        QueryError::Syntax(if near.is_empty() {
            "end of query".into()
        } else {
            near.join(" ")
        })
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(w)) if w.eq_ignore_ascii_case(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::RParen) {
                return Err(self.error());
            }
            return Ok(inner);
        }
        self.predicate()
    }

    fn literal(&mut self) -> Result<String, QueryError> {
        match self.next() {
            Some(Token::Str(s) | Token::Num(s)) => Ok(s),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error())
            }
        }
    }

    fn predicate(&mut self) -> Result<Expr, QueryError> {
        let field = match self.next() {
            Some(Token::Ident(f)) if !is_keyword(&f) => f.to_ascii_uppercase(),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return Err(self.error());
            }
        };
        if let Some(Token::Op(op)) = self.peek().cloned() {
            self.pos += 1;
            let value = self.literal()?;
            return Ok(Expr::Cmp { field, op, value });
        }
        if self.keyword("IS") {
            let negated = self.keyword("NOT");
            if !self.keyword("NULL") {
                return Err(self.error());
            }
            return Ok(Expr::IsNull { field, negated });
        }
        let negated = self.keyword("NOT");
        if self.keyword("LIKE") {
            let pattern = self.literal()?;
            return Ok(Expr::Like {
                field,
                pattern,
                negated,
            });
        }
        if self.keyword("IN") {
            if self.next() != Some(Token::LParen) {
                return Err(self.error());
            }
            let mut values = vec![self.literal()?];
            loop {
                match self.next() {
                    Some(Token::Comma) => values.push(self.literal()?),
                    Some(Token::RParen) => break,
                    _ => return Err(self.error()),
                }
            }
            return Ok(Expr::In {
                field,
                values,
                negated,
            });
        }
        Err(self.error())
    }
}

fn is_keyword(word: &str) -> bool {
    [
        "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ORDER", "BY",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(word))
}

/// Parse a `readByQuery` query string; blank means "every record".
pub fn parse(input: &str) -> Result<Option<Expr>, QueryError> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return Err(parser.error());
    }
    Ok(Some(expr))
}

/// Fields holding dates or timestamps: literals compared with them must be Intacct dates.
pub fn is_date_field(field: &str) -> bool {
    let f = field.rsplit('.').next().unwrap_or(field);
    f.starts_with("WHEN") || f.ends_with("DATE") || f == "AUWHENCREATED"
}

impl Expr {
    /// Check every field exists (per `known`) and date literals are Intacct-formatted.
    pub fn validate(&self, known: &dyn Fn(&str) -> bool) -> Result<(), QueryError> {
        let check = |field: &str, values: &[&String]| {
            if !known(field) {
                return Err(QueryError::UnknownField(field.to_string()));
            }
            if is_date_field(field) {
                for value in values {
                    if parse_intacct_datetime(value).is_none() {
                        return Err(QueryError::BadDate((*value).clone(), field.to_string()));
                    }
                }
            }
            Ok(())
        };
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                a.validate(known)?;
                b.validate(known)
            }
            Self::Not(a) => a.validate(known),
            Self::Cmp { field, value, .. } => check(field, &[value]),
            Self::In { field, values, .. } => check(field, &values.iter().collect::<Vec<_>>()),
            Self::IsNull { field, .. } => check(field, &[]),
            Self::Like { field, .. } => check(field, &[]),
        }
    }

    /// Whether a row matches.
    pub fn matches(&self, row: &Fields) -> bool {
        let get = |field: &str| row.get(field).map(String::as_str).filter(|v| !v.is_empty());
        match self {
            Self::And(a, b) => a.matches(row) && b.matches(row),
            Self::Or(a, b) => a.matches(row) || b.matches(row),
            Self::Not(a) => !a.matches(row),
            Self::Cmp { field, op, value } => get(field).is_some_and(|actual| {
                let ord = compare(actual, value);
                match op {
                    CmpOp::Eq => ord == Ordering::Equal,
                    CmpOp::Ne => ord != Ordering::Equal,
                    CmpOp::Lt => ord == Ordering::Less,
                    CmpOp::Le => ord != Ordering::Greater,
                    CmpOp::Gt => ord == Ordering::Greater,
                    CmpOp::Ge => ord != Ordering::Less,
                }
            }),
            Self::In {
                field,
                values,
                negated,
            } => get(field).is_some_and(|actual| {
                values.iter().any(|v| compare(actual, v) == Ordering::Equal) != *negated
            }),
            Self::IsNull { field, negated } => get(field).is_none() != *negated,
            Self::Like {
                field,
                pattern,
                negated,
            } => get(field).is_some_and(|actual| like(actual, pattern) != *negated),
        }
    }
}

/// Compare a stored value with a literal: as datetimes, then numbers, else as case-sensitive text.
pub fn compare(actual: &str, literal: &str) -> Ordering {
    if let (Some(a), Some(b)) = (
        parse_intacct_datetime(actual),
        parse_intacct_datetime(literal),
    ) {
        return a.cmp(&b);
    }
    if let (Ok(a), Ok(b)) = (actual.parse::<Decimal>(), literal.parse::<Decimal>()) {
        return a.cmp(&b);
    }
    actual.cmp(literal)
}

fn like(value: &str, pattern: &str) -> bool {
    fn go(v: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('%', rest)) => (0..=v.len()).any(|i| go(&v[i..], rest)),
            Some(('_', rest)) => !v.is_empty() && go(&v[1..], rest),
            Some((c, rest)) => v.first() == Some(c) && go(&v[1..], rest),
        }
    }
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&v, &p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keyset_cursor_on_whenmodified_and_recordno() {
        let q = parse(
            "WHENMODIFIED > '01/31/2024 10:00:00' OR (WHENMODIFIED = '01/31/2024 10:00:00' AND RECORDNO > 7)",
        )
        .unwrap()
        .unwrap();
        let at =
            |when: &str, no: &str| q.matches(&row(&[("WHENMODIFIED", when), ("RECORDNO", no)]));
        assert!(at("01/31/2024 10:00:01", "1"));
        assert!(at("01/31/2024 10:00:00", "8"));
        assert!(!at("01/31/2024 10:00:00", "7"));
        // Dates compare as dates, not strings: 02/01 is after 12/31 of the previous year.
        assert!(at("02/01/2024 00:00:00", "1"));
        assert!(!at("12/31/2023 23:59:59", "99"));
    }

    #[test]
    fn in_null_like_not_and_escapes() {
        let q = parse("DOCPARID IN ('Sales Invoice', 'Sales Return') AND PRRECORDKEY IS NOT NULL AND NOT NAME LIKE 'Jane\\'s%'").unwrap().unwrap();
        assert!(q.matches(&row(&[
            ("DOCPARID", "Sales Return"),
            ("PRRECORDKEY", "5"),
            ("NAME", "Bob")
        ])));
        assert!(!q.matches(&row(&[
            ("DOCPARID", "Sales Return"),
            ("PRRECORDKEY", "5"),
            ("NAME", "Jane's Deli")
        ])));
        assert!(!q.matches(&row(&[("DOCPARID", "Sales Order"), ("PRRECORDKEY", "5")])));
        assert!(!q.matches(&row(&[("DOCPARID", "Sales Invoice"), ("PRRECORDKEY", "")])));
    }

    #[test]
    fn order_by_and_iso_dates_are_refused() {
        assert!(matches!(
            parse("RECORDNO > 1 ORDER BY RECORDNO"),
            Err(QueryError::Syntax(_))
        ));
        let q = parse("WHENMODIFIED >= '2024-01-31T00:00:00Z'")
            .unwrap()
            .unwrap();
        assert!(matches!(
            q.validate(&|_| true),
            Err(QueryError::BadDate(..))
        ));
        assert!(matches!(
            q.validate(&|_| false),
            Err(QueryError::UnknownField(_))
        ));
    }
}
