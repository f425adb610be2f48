//! The Terraform functions `infra/` calls, as `hcl::eval` function definitions, and the names
//! of all of Terraform's built-in functions.
//!
//! Only what a plan computes from constants is implemented, with Terraform's semantics where
//! they differ from the obvious (`coalesce` skips empty strings, `toset` sorts strings,
//! `jsonencode` sorts object keys). A built-in that reads files or the clock
//! (`filebase64sha256`, `timestamp`) is left out: a value that needs one is reported unknown.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Number, Value};

/// The built-in functions evaluated here.
pub(super) const EVALUATED: &[&str] = &[
    "alltrue",
    "anytrue",
    "ceil",
    "coalesce",
    "concat",
    "contains",
    "floor",
    "join",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "max",
    "merge",
    "min",
    "tolist",
    "tonumber",
    "toset",
    "tostring",
    "upper",
    "values",
];

/// Every built-in function of Terraform 1.11 (`terraform metadata functions`). A call to any
/// other name, outside a `provider::` namespace, is an error Terraform reports at `validate`.
pub const BUILTIN_FUNCTIONS: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64gzip",
    "base64sha256",
    "base64sha512",
    "basename",
    "bcrypt",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "ephemeralasnull",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pathexpand",
    "plantimestamp",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "rsadecrypt",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "templatestring",
    "textdecodebase64",
    "textencodebase64",
    "timeadd",
    "timecmp",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "type",
    "upper",
    "urlencode",
    "uuid",
    "uuidv5",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

/// Whether Terraform knows a function by this name: a built-in, or a provider-defined function
/// (`provider::aws::arn_parse`).
pub fn is_builtin_function(name: &str) -> bool {
    BUILTIN_FUNCTIONS.contains(&name) || name.starts_with("provider::")
}

pub(super) fn declare(ctx: &mut Context) {
    let variadic = |param: ParamType, func| FuncDef::builder().variadic_param(param).build(func);
    ctx.declare_func("max", variadic(ParamType::Number, max));
    ctx.declare_func("min", variadic(ParamType::Number, min));
    ctx.declare_func("coalesce", variadic(ParamType::Any, coalesce));
    ctx.declare_func("tostring", FuncDef::new(tostring, [ParamType::Any]));
    ctx.declare_func("tonumber", FuncDef::new(tonumber, [ParamType::Any]));
    ctx.declare_func(
        "toset",
        FuncDef::new(toset, [ParamType::array_of(ParamType::Any)]),
    );
    ctx.declare_func(
        "tolist",
        FuncDef::new(tolist, [ParamType::array_of(ParamType::Any)]),
    );
    ctx.declare_func(
        "merge",
        variadic(
            ParamType::nullable(ParamType::object_of(ParamType::Any)),
            merge,
        ),
    );
    ctx.declare_func("floor", FuncDef::new(floor, [ParamType::Number]));
    ctx.declare_func("ceil", FuncDef::new(ceil, [ParamType::Number]));
    ctx.declare_func("jsonencode", FuncDef::new(jsonencode, [ParamType::Any]));
    ctx.declare_func(
        "contains",
        FuncDef::new(
            contains,
            [ParamType::array_of(ParamType::Any), ParamType::Any],
        ),
    );
    ctx.declare_func(
        "alltrue",
        FuncDef::new(alltrue, [ParamType::array_of(ParamType::Bool)]),
    );
    ctx.declare_func(
        "anytrue",
        FuncDef::new(anytrue, [ParamType::array_of(ParamType::Bool)]),
    );
    ctx.declare_func("length", FuncDef::new(length, [ParamType::Any]));
    ctx.declare_func(
        "keys",
        FuncDef::new(keys, [ParamType::object_of(ParamType::Any)]),
    );
    ctx.declare_func(
        "values",
        FuncDef::new(values, [ParamType::object_of(ParamType::Any)]),
    );
    ctx.declare_func(
        "concat",
        variadic(ParamType::array_of(ParamType::Any), concat),
    );
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([ParamType::object_of(ParamType::Any), ParamType::String])
            .variadic_param(ParamType::Any)
            .build(lookup),
    );
    ctx.declare_func("lower", FuncDef::new(lower, [ParamType::String]));
    ctx.declare_func("upper", FuncDef::new(upper, [ParamType::String]));
    ctx.declare_func(
        "join",
        FuncDef::new(
            join,
            [ParamType::String, ParamType::array_of(ParamType::String)],
        ),
    );
}

fn as_f64(value: &Value) -> f64 {
    value
        .as_number()
        .and_then(Number::as_f64)
        .unwrap_or(f64::NAN)
}

fn extreme(args: &FuncArgs, pick_first: fn(f64, f64) -> bool) -> Result<Value, String> {
    let mut best: Option<&Value> = None;
    for arg in args.iter() {
        if best.is_none_or(|b| pick_first(as_f64(arg), as_f64(b))) {
            best = Some(arg);
        }
    }
    best.cloned()
        .ok_or_else(|| "needs at least one number".to_owned())
}

fn max(args: FuncArgs) -> Result<Value, String> {
    extreme(&args, |a, b| a > b)
}

fn min(args: FuncArgs) -> Result<Value, String> {
    extreme(&args, |a, b| a < b)
}

/// The first argument that is neither null nor an empty string.
fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null, non-empty-string arguments".to_owned())
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(s.clone())),
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(format!("cannot convert `{other}` to a string")),
    }
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => {
            let parsed = match s.parse::<i64>() {
                Ok(i) => Number::from(i),
                Err(_) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .ok_or_else(|| format!("cannot convert {s:?} to a number"))?,
            };
            Ok(Value::Number(parsed))
        }
        other => Err(format!("cannot convert `{other}` to a number")),
    }
}

/// Terraform sets have no duplicates, and a set of strings iterates in lexical order.
fn toset(args: FuncArgs) -> Result<Value, String> {
    let mut items: Vec<Value> = Vec::new();
    for item in args[0].as_array().into_iter().flatten() {
        if !items.contains(item) {
            items.push(item.clone());
        }
    }
    if items.iter().all(Value::is_string) {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(Value::Array(items))
}

fn tolist(args: FuncArgs) -> Result<Value, String> {
    Ok(args[0].clone())
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut merged = hcl::Map::new();
    for arg in args.iter() {
        if let Some(object) = arg.as_object() {
            for (k, v) in object {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(merged))
}

fn rounded(args: &FuncArgs, round: fn(f64) -> f64) -> Result<Value, String> {
    let n = round(as_f64(&args[0]));
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        Ok(Value::from(n as i64))
    } else {
        Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| "not a finite number".to_owned())
    }
}

fn floor(args: FuncArgs) -> Result<Value, String> {
    rounded(&args, f64::floor)
}

fn ceil(args: FuncArgs) -> Result<Value, String> {
    rounded(&args, f64::ceil)
}

/// Terraform's JSON: object keys sorted, no spaces.
fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    fn to_json(value: &Value) -> serde_json::Value {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map(serde_json::Value::from)
                .or_else(|| n.as_u64().map(serde_json::Value::from))
                .or_else(|| n.as_f64().map(serde_json::Value::from))
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
            Value::Object(object) => {
                let mut keys: Vec<&String> = object.keys().collect();
                keys.sort();
                serde_json::Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), to_json(&object[k])))
                        .collect(),
                )
            }
        }
    }
    serde_json::to_string(&to_json(&args[0]))
        .map(Value::String)
        .map_err(|err| err.to_string())
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    let list = args[0].as_array().map(Vec::as_slice).unwrap_or_default();
    Ok(Value::Bool(list.contains(&args[1])))
}

fn alltrue(args: FuncArgs) -> Result<Value, String> {
    let list = args[0].as_array().map(Vec::as_slice).unwrap_or_default();
    Ok(Value::Bool(list.iter().all(|v| v.as_bool() == Some(true))))
}

fn anytrue(args: FuncArgs) -> Result<Value, String> {
    let list = args[0].as_array().map(Vec::as_slice).unwrap_or_default();
    Ok(Value::Bool(list.iter().any(|v| v.as_bool() == Some(true))))
}

fn length(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => Ok(Value::from(items.len())),
        Value::Object(object) => Ok(Value::from(object.len())),
        Value::String(s) => Ok(Value::from(s.chars().count())),
        other => Err(format!("cannot take the length of `{other}`")),
    }
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    let object = args[0].as_object().cloned().unwrap_or_default();
    let mut keys: Vec<String> = object.into_iter().map(|(k, _)| k).collect();
    keys.sort();
    Ok(Value::Array(keys.into_iter().map(Value::String).collect()))
}

fn values(args: FuncArgs) -> Result<Value, String> {
    let object = args[0].as_object().cloned().unwrap_or_default();
    let mut entries: Vec<(String, Value)> = object.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::Array(entries.into_iter().map(|(_, v)| v).collect()))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(
        args.iter()
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect(),
    ))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = args[1].as_str().unwrap_or_default();
    match args[0].as_object().and_then(|o| o.get(key)) {
        Some(value) => Ok(value.clone()),
        None => match args.variadic_args().next() {
            Some(default) => Ok(default.clone()),
            None => Err(format!("no key {key:?} and no default")),
        },
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(
        args[0].as_str().unwrap_or_default().to_lowercase(),
    ))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(
        args[0].as_str().unwrap_or_default().to_uppercase(),
    ))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let separator = args[0].as_str().unwrap_or_default();
    let parts: Vec<&str> = args[1]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    Ok(Value::from(parts.join(separator)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::{ErrorKind, Evaluate};

    /// A name listed as evaluated but not declared would make its calls fail instead of being
    /// reported unknown or computed.
    #[test]
    fn every_function_listed_as_evaluated_is_declared_and_builtin() {
        let mut ctx = Context::new();
        declare(&mut ctx);
        for name in EVALUATED {
            assert!(
                is_builtin_function(name),
                "{name} is not a Terraform function"
            );
            let call: hcl::Expression = format!("{name}()").parse().expect("a call");
            if let Err(err) = call.evaluate(&ctx) {
                assert!(
                    !matches!(err.kind(), ErrorKind::UndefinedFunc(_)),
                    "{name}: {err}"
                );
            }
        }
    }

    #[test]
    fn functions_follow_terraform() {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let eval = |text: &str| -> Value {
            let expr: hcl::Expression = text.parse().expect("an expression");
            expr.evaluate(&ctx)
                .unwrap_or_else(|err| panic!("{text}: {err}"))
        };
        assert_eq!(eval("coalesce(null, \"\", \"b\")"), Value::from("b"));
        assert_eq!(
            eval("toset([\"b\", \"a\", \"b\"])"),
            Value::from(vec!["a", "b"])
        );
        assert_eq!(
            eval("jsonencode({ b = 1, a = [true] })"),
            Value::from(r#"{"a":[true],"b":1}"#)
        );
        assert_eq!(eval("max(2, 5, 3)"), Value::from(5));
        assert_eq!(eval("floor(7.9)"), Value::from(7));
        assert_eq!(eval("tostring(8)"), Value::from("8"));
        assert_eq!(
            eval("merge({ a = 1 }, null, { a = 2, b = 3 })")
                .as_object()
                .map(|o| o.len()),
            Some(2)
        );
    }
}
