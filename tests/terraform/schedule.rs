//! EventBridge Scheduler schedule expressions, parsed strictly: `rate(1 hour)`,
//! `cron(0 * * * ? *)`, `at(2030-01-31T09:00:00)`.
//!
//! Terraform accepts any string here and AWS rejects a bad one only at `apply`, after the rest
//! of the stack is half-created. The grammar follows the Scheduler user guide ("Schedule types
//! on EventBridge Scheduler"): a rate's unit is singular for 1 and plural otherwise; a cron has
//! six fields, and exactly one of day-of-month and day-of-week is `?`; `L`, `W` and `#` are
//! allowed only where AWS allows them.

use std::fmt;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleExpression {
    /// `rate(<value> <unit>)`.
    Rate {
        /// How many units, at least 1.
        value: u64,
        /// The unit.
        unit: RateUnit,
    },
    /// `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`, fields as written.
    Cron([String; 6]),
    /// `at(yyyy-mm-ddThh:mm:ss)`: once.
    At(String),
}

/// The unit of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
}

impl RateUnit {
    /// Length in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            RateUnit::Minute => 60,
            RateUnit::Hour => 3600,
            RateUnit::Day => 86_400,
        }
    }
}

/// Why an expression is not a valid schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// The expression.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid schedule expression {:?}: {}",
            self.expression, self.reason
        )
    }
}

impl std::error::Error for ScheduleError {}

impl ScheduleExpression {
    /// Parses `rate(...)`, `cron(...)` or `at(...)`, refusing anything AWS would refuse.
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let fail = |reason: String| ScheduleError {
            expression: expression.to_owned(),
            reason,
        };
        let (kind, inner) = expression
            .strip_suffix(')')
            .and_then(|e| e.split_once('('))
            .ok_or_else(|| fail("expected rate(...), cron(...) or at(...)".to_owned()))?;
        match kind {
            "rate" => parse_rate(inner).map_err(fail),
            "cron" => parse_cron(inner).map_err(fail),
            "at" => parse_at(inner).map_err(fail),
            other => Err(fail(format!(
                "unknown schedule type {other:?}: expected rate, cron or at"
            ))),
        }
    }

    /// The interval of a rate, in seconds.
    pub fn rate_seconds(&self) -> Option<u64> {
        match self {
            ScheduleExpression::Rate { value, unit } => Some(value * unit.seconds()),
            _ => None,
        }
    }
}

fn parse_rate(inner: &str) -> Result<ScheduleExpression, String> {
    let parts: Vec<&str> = inner.split(' ').collect();
    let [value, unit] = parts.as_slice() else {
        return Err("a rate is `rate(<value> <unit>)`, one space apart".to_owned());
    };
    let value = number(value, "rate value")?;
    if value == 0 {
        return Err("a rate value must be at least 1".to_owned());
    }
    let (unit, plural) = match *unit {
        "minute" => (RateUnit::Minute, false),
        "minutes" => (RateUnit::Minute, true),
        "hour" => (RateUnit::Hour, false),
        "hours" => (RateUnit::Hour, true),
        "day" => (RateUnit::Day, false),
        "days" => (RateUnit::Day, true),
        other => {
            return Err(format!(
                "unknown rate unit {other:?}: minute(s), hour(s) or day(s)"
            ));
        }
    };
    if plural != (value != 1) {
        return Err(if value == 1 {
            "a rate of 1 takes a singular unit (minute, hour, day)".to_owned()
        } else {
            "a rate above 1 takes a plural unit (minutes, hours, days)".to_owned()
        });
    }
    Ok(ScheduleExpression::Rate { value, unit })
}

/// One cron field's rules.
struct Field {
    name: &'static str,
    min: u64,
    max: u64,
    names: &'static [&'static str],
}

const MINUTES: Field = Field {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Field = Field {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};
const YEAR: Field = Field {
    name: "year",
    min: 1970,
    max: 2199,
    names: &[],
};

fn parse_cron(inner: &str) -> Result<ScheduleExpression, String> {
    let fields: Vec<&str> = inner.split(' ').collect();
    let Ok(fields) = <[&str; 6]>::try_from(fields.as_slice()) else {
        return Err(format!(
            "a cron has six fields separated by single spaces (minutes hours day-of-month month \
             day-of-week year), found {}",
            fields.len()
        ));
    };
    let [minutes, hours, dom, month, dow, year] = fields;
    match (dom == "?", dow == "?") {
        (true, true) => return Err("only one of day-of-month and day-of-week may be `?`".into()),
        (false, false) => {
            return Err("one of day-of-month and day-of-week must be `?`".to_owned());
        }
        _ => {}
    }
    standard(minutes, &MINUTES)?;
    standard(hours, &HOURS)?;
    if dom != "?" {
        day_of_month(dom)?;
    }
    standard(month, &MONTH)?;
    if dow != "?" {
        day_of_week(dow)?;
    }
    standard(year, &YEAR)?;
    Ok(ScheduleExpression::Cron(fields.map(str::to_owned)))
}

/// Day-of-month: the standard syntax, `L` (last day) or `<day>W` (nearest weekday).
fn day_of_month(text: &str) -> Result<(), String> {
    if text == "L" {
        return Ok(());
    }
    if let Some(day) = text.strip_suffix('W') {
        value(day, &DAY_OF_MONTH)?;
        return Ok(());
    }
    standard(text, &DAY_OF_MONTH)
}

/// Day-of-week: the standard syntax, `L` or `<day>L` (last such day of the month), or
/// `<day>#<n>` (the n-th such day, n from 1 to 5).
fn day_of_week(text: &str) -> Result<(), String> {
    if text == "L" {
        return Ok(());
    }
    if let Some(day) = text.strip_suffix('L') {
        value(day, &DAY_OF_WEEK)?;
        return Ok(());
    }
    if let Some((day, nth)) = text.split_once('#') {
        value(day, &DAY_OF_WEEK)?;
        let nth = number(nth, "day-of-week occurrence")?;
        if !(1..=5).contains(&nth) {
            return Err(format!(
                "day-of-week `{text}`: the occurrence after # is 1 to 5"
            ));
        }
        return Ok(());
    }
    standard(text, &DAY_OF_WEEK)
}

/// `*`, or a comma-separated list of values, ranges `a-b`, and increments `a/n`, `*/n`, `a-b/n`.
fn standard(text: &str, field: &Field) -> Result<(), String> {
    if text == "*" {
        return Ok(());
    }
    if text.is_empty() {
        return Err(format!("the {} field is empty", field.name));
    }
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step {
            let step = number(step, field.name)?;
            if step == 0 || step > field.max {
                return Err(format!(
                    "{} `{item}`: the increment must be 1 to {}",
                    field.name, field.max
                ));
            }
        }
        if range == "*" {
            if step.is_none() || text.contains(',') {
                return Err(format!(
                    "{} `{text}`: `*` stands alone or as `*/n`",
                    field.name
                ));
            }
            continue;
        }
        match range.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (value(from, field)?, value(to, field)?);
                if from > to {
                    return Err(format!("{} `{item}`: the range runs backwards", field.name));
                }
            }
            None => {
                value(range, field)?;
            }
        }
    }
    Ok(())
}

/// A number within the field's range, or one of its names (`JAN`, `MON`).
fn value(text: &str, field: &Field) -> Result<u64, String> {
    if let Some(position) = field
        .names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(text))
    {
        return Ok(field.min + position as u64);
    }
    let n = number(text, field.name)?;
    if n < field.min || n > field.max {
        return Err(format!(
            "{} `{text}` is outside {}-{}",
            field.name, field.min, field.max
        ));
    }
    Ok(n)
}

fn number(text: &str, what: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} `{text}` is not a whole number"));
    }
    text.parse()
        .map_err(|_| format!("{what} `{text}` is too large"))
}

/// `yyyy-mm-ddThh:mm:ss`, a real calendar date and time.
fn parse_at(inner: &str) -> Result<ScheduleExpression, String> {
    let bytes = inner.as_bytes();
    let shape_ok = bytes.len() == 19
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err("an at() time is yyyy-mm-ddThh:mm:ss".to_owned());
    }
    let part = |range: std::ops::Range<usize>| inner[range].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (part(0..4), part(5..7), part(8..10));
    let (hour, minute, second) = (part(11..13), part(14..16), part(17..19));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("month {month} does not exist")),
    };
    if day == 0 || day > days_in_month {
        return Err(format!("{year}-{month:02} has no day {day}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    Ok(ScheduleExpression::At(inner.to_owned()))
}
