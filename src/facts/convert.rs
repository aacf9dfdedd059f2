//! Documents → JSON values, and JSON values → typed fact values.

use std::fmt;
use std::sync::Arc;

use serde_json::Value as Json;

use super::error::{Problem, ProblemKind};
use super::strict::{self, Oddity};
use super::CaseFormat;
use crate::ir::{Program, Type};
use crate::value::{self, Rational, Value};

/// A parser's message with its 1-based line and column when known.
#[derive(Debug)]
pub(crate) struct SyntaxMessage {
    pub(crate) text: String,
    pub(crate) line_column: Option<(usize, usize)>,
}

/// Parses a document of any supported format into JSON, with what it held that JSON values
/// cannot (keys given twice, infinite numbers): see [`strict`].
pub(crate) fn to_json(text: &str, format: CaseFormat) -> Result<(Json, Vec<Oddity>), SyntaxMessage> {
    match format {
        CaseFormat::Json => strict::json(text).map_err(|e| SyntaxMessage {
            text: e.to_string(),
            line_column: Some((e.line(), e.column())),
        }),
        CaseFormat::Yaml => strict::yaml(text).map_err(|e| SyntaxMessage {
            text: e.to_string(),
            line_column: e.location().map(|l| (l.line(), l.column())),
        }),
        CaseFormat::Toml => {
            // TOML itself refuses a key given twice.
            let parsed: toml::Value = toml::from_str(text).map_err(|e| {
                let line_column = e.span().map(|s| line_column_of(text, s.start));
                SyntaxMessage {
                    text: e.message().to_string(),
                    line_column,
                }
            })?;
            let mut oddities = Vec::new();
            let json = toml_to_json(parsed, &mut String::new(), &mut oddities);
            Ok((json, oddities))
        }
    }
}

fn line_column_of(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// TOML dates are written back as `YYYY-MM-DD` strings; `inf` and `nan` are noted at their path.
fn toml_to_json(value: toml::Value, path: &mut String, oddities: &mut Vec<Oddity>) -> Json {
    match value {
        toml::Value::String(s) => Json::String(s),
        toml::Value::Integer(i) => Json::from(i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(f) {
            Some(number) => Json::Number(number),
            None => {
                oddities.push(Oddity::NotFinite {
                    path: path.clone(),
                    shown: f.to_string(),
                });
                Json::Null
            }
        },
        toml::Value::Boolean(b) => Json::Bool(b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(items) => Json::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| within(path, &index.to_string(), |path| toml_to_json(item, path, oddities)))
                .collect(),
        ),
        toml::Value::Table(table) => Json::Object(
            table
                .into_iter()
                .map(|(k, v)| {
                    let json = within(path, &k, |path| toml_to_json(v, path, oddities));
                    (k, json)
                })
                .collect(),
        ),
    }
}

/// Runs `f` with `segment` appended to the JSON pointer `path`.
fn within<T>(path: &mut String, segment: &str, f: impl FnOnce(&mut String) -> T) -> T {
    let length = path.len();
    path.push('/');
    path.push_str(&super::locate::escape(segment));
    let result = f(path);
    path.truncate(length);
    result
}

/// What a value of the wrong type is, for the message: a text is quoted (up to
/// [`QUOTED_CHARS`] characters), since a CSV cell or a batch error record shows no span.
fn describe(json: &Json) -> std::borrow::Cow<'static, str> {
    if let Json::String(text) = json {
        let mut shown: String = text.chars().take(QUOTED_CHARS).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        return format!("the text `{}`", crate::visible::escape_controls(&shown)).into();
    }
    let kind = match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() >= 9.2e18 => "an integer beyond 64 bits",
            Some(f) if f.fract() == 0.0 => "a number written with a decimal point or an exponent",
            _ => "a number with a fraction",
        },
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    };
    kind.into()
}

/// How much of a text of the wrong type a message quotes.
const QUOTED_CHARS: usize = 40;

fn mismatch(path: Pointer<'_>, expected: &str, json: &Json, help: Option<&str>) -> Vec<Problem> {
    vec![Problem::new(
        ProblemKind::TypeMismatch,
        &path.to_string(),
        format!("expected {expected}, found {}", describe(json)),
        // Every mismatch says what to write instead, even where no better hint applies.
        Some(help.map_or_else(|| format!("write {expected} here"), String::from)),
    )]
}

/// Where a value sits in a case: a JSON pointer (`/facts/orders/1/issued_on`), written out
/// only when a problem names it (most values have none, and cases are converted by the
/// million).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pointer<'a> {
    /// The fact of this key.
    Fact(&'a str),
    /// An item of a list.
    Item(&'a Pointer<'a>, usize),
    /// A field of a record.
    Field(&'a Pointer<'a>, &'a str),
}

impl fmt::Display for Pointer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pointer::Fact(key) => write!(f, "/facts/{}", super::locate::escape(key)),
            Pointer::Item(within, index) => write!(f, "{within}/{index}"),
            Pointer::Field(within, key) => write!(f, "{within}/{}", super::locate::escape(key)),
        }
    }
}

/// Converts one JSON value to a fact value of type `ty`.
pub(crate) fn fact_value(program: &Program, ty: &Type, json: &Json, path: Pointer<'_>) -> Result<Value, Vec<Problem>> {
    match ty {
        Type::Optional(inner) => {
            if json.is_null() {
                Ok(Value::Null)
            } else {
                fact_value(program, inner, json, path)
            }
        }
        Type::Bool => json
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| mismatch(path, "true or false", json, None)),
        Type::Count | Type::Integer => integer(ty, json, path),
        Type::Decimal => decimal(json, path, false, "a decimal string such as \"2.5\""),
        Type::Percent => percent(json, path),
        Type::Money => decimal(json, path, true, "an amount in 元 as a string such as \"200000.00\""),
        Type::Date => match json {
            Json::String(s) => value::parse_date(s).map(Value::Date).ok_or_else(|| {
                let mut problem = Problem::invalid_date(&path.to_string(), s);
                if let Some(hint) = full_width_hint(s) {
                    problem.help = Some(hint);
                }
                vec![problem]
            }),
            other => mismatch(path, "a date string YYYY-MM-DD", other, None).into_err(),
        },
        Type::Duration => match json.as_str().and_then(crate::parse_duration_text) {
            Some(d) => Ok(Value::Duration(d)),
            None => mismatch(
                path,
                "a duration such as \"2 years\" or \"60 minutes\"",
                json,
                json.as_str().and_then(full_width_hint).as_deref(),
            )
            .into_err(),
        },
        Type::Text => json
            .as_str()
            .map(|s| Value::Text(Arc::from(s)))
            .ok_or_else(|| mismatch(path, "a string", json, None)),
        Type::Enum(id) => {
            let declared = program.enums.get(id.0 as usize);
            let values: Vec<&str> = declared
                .map(|e| e.values.iter().map(|(v, _)| v.as_str()).collect())
                .unwrap_or_default();
            // A value or label typed in another normal form (NFD) is the one declared.
            let same = |declared: &str, given: &str| declared == given || super::nfc(declared) == super::nfc(given);
            let by_code = |s: &str| {
                values
                    .iter()
                    .find(|code| same(code, s))
                    .map(|code| Value::Text(Arc::from(*code)))
            };
            // The label the rule files give a value (`自然人`) stands for its code (`person`).
            let by_label = |s: &str| {
                declared?
                    .values
                    .iter()
                    .find(|(_, label)| label.as_deref().is_some_and(|l| same(l, s.trim())))
                    .map(|(code, _)| Value::Text(Arc::from(code.as_str())))
            };
            match json.as_str() {
                Some(s) if by_code(s).is_some() => by_code(s).ok_or_else(Vec::new),
                Some(s) if by_label(s).is_some() => by_label(s).ok_or_else(Vec::new),
                Some(s) => {
                    let labels: Vec<&str> = declared
                        .map(|e| e.values.iter().filter_map(|(_, l)| l.as_deref()).collect())
                        .unwrap_or_default();
                    let help = crate::suggest::help_line(s, values.iter().chain(&labels)).or_else(|| {
                        let listed: Vec<String> = declared
                            .map(|e| {
                                e.values
                                    .iter()
                                    .map(|(v, l)| match l {
                                        Some(l) => format!("{v} ({l})"),
                                        None => v.clone(),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some(format!("write a code or its label: {}", listed.join(", ")))
                    });
                    Err(vec![Problem::new(
                        ProblemKind::UnknownEnumValue,
                        &path.to_string(),
                        format!("`{s}` is not one of: {}", values.join(", ")),
                        help,
                    )])
                }
                None => mismatch(path, &format!("one of: {}", values.join(", ")), json, None).into_err(),
            }
        }
        Type::List(element) => list(program, element, json, path),
        Type::Record(record) => self::record(program, record.0 as usize, json, path),
        Type::Null | Type::Error => Ok(Value::Null),
    }
}

trait IntoErr {
    fn into_err(self) -> Result<Value, Vec<Problem>>;
}

impl IntoErr for Vec<Problem> {
    fn into_err(self) -> Result<Value, Vec<Problem>> {
        Err(self)
    }
}

fn integer(ty: &Type, json: &Json, path: Pointer<'_>) -> Result<Value, Vec<Problem>> {
    let Json::Number(n) = json else {
        let help = json.as_str().and_then(number_in_text);
        return mismatch(path, "an integer", json, help.as_deref()).into_err();
    };
    let Some(i) = whole_number(n) else {
        let help = match n.as_f64() {
            Some(f) if f.fract() == 0.0 => "whole numbers in a case have at most 64 bits (up to 18446744073709551615), written without a decimal point",
            _ => "counts are whole numbers",
        };
        return mismatch(path, "an integer", json, Some(help)).into_err();
    };
    if *ty == Type::Count && i < 0 {
        return Err(vec![Problem::new(
            ProblemKind::NegativeValue,
            &path.to_string(),
            format!("a count cannot be negative, found {i}"),
            Some(String::from("counts are 0 or more")),
        )]);
    }
    Ok(Value::Number(Rational::from_integer(i)))
}

/// The ASCII form of text typed with a Chinese input method: full-width digits and punctuation
/// (`２０２１－０５－２０`, `９０００．５０`, `５％`) as ASCII; `None` when there is none.
pub(crate) fn ascii_form(text: &str) -> Option<String> {
    let mut changed = false;
    let ascii: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' | '－' | '．' | '：' | '，' | '％' | '＋' => {
                changed = true;
                char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => {
                changed = true;
                ' '
            }
            _ => c,
        })
        .collect();
    changed.then_some(ascii)
}

/// The hint for a value typed with full-width characters: what to write instead.
pub(crate) fn full_width_hint(text: &str) -> Option<String> {
    let ascii = ascii_form(text)?;
    Some(format!(
        "`{text}` has full-width digits or punctuation (a Chinese input method): write \"{ascii}\""
    ))
}

/// What to write for a whole number given as text: `"35"` → the number without quotes,
/// `"35岁"` / `"250个"` → `write 35`, full-width digits → their ASCII form.
fn number_in_text(text: &str) -> Option<String> {
    let full_width = ascii_form(text);
    let ascii = full_width.clone().unwrap_or_else(|| text.to_string());
    let trimmed = ascii.trim();
    if trimmed.parse::<i64>().is_ok() {
        return Some(match full_width {
            Some(_) => {
                format!("`{text}` has full-width digits (a Chinese input method): write {trimmed}, without quotes")
            }
            None => format!("write the number without quotes: {trimmed}"),
        });
    }
    let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
    let rest = trimmed.get(digits.len()..).unwrap_or_default().trim();
    if digits.is_empty() || rest.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "write {digits}: the number alone, without quotes or a unit (`{rest}`)"
    ))
}

/// A JSON integer of 64 bits; JSON's `-0` (which parsers read as a float) is 0.
fn whole_number(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
        .or_else(|| (n.as_f64() == Some(0.0)).then_some(0))
}

/// A percentage: the ratio (`"0.05"`) or, as people write it, `"5%"` (the same value).
fn percent(json: &Json, path: Pointer<'_>) -> Result<Value, Vec<Problem>> {
    const EXPECTED: &str = "a percentage such as \"5%\" or its ratio \"0.05\"";
    let Some(number) = json.as_str().and_then(|s| s.trim().strip_suffix(['%', '％'])) else {
        return decimal(json, path, false, EXPECTED);
    };
    let hundred = Rational::from_integer(100);
    match value::parse_decimal(number.trim()).map(|v| value::div(&v, &hundred)) {
        Some(Ok(ratio)) => Ok(Value::Number(ratio)),
        _ => mismatch(path, EXPECTED, json, json.as_str().and_then(full_width_hint).as_deref()).into_err(),
    }
}

fn decimal(json: &Json, path: Pointer<'_>, money: bool, expected: &str) -> Result<Value, Vec<Problem>> {
    let parsed = match json {
        Json::String(s) => value::parse_decimal(s.trim()).map(|v| (v, value::decimal_places(s.trim()))),
        Json::Number(n) if whole_number(n).is_some() => whole_number(n).map(|i| (Rational::from_integer(i), 0)),
        Json::Number(_) => {
            return mismatch(
                path,
                expected,
                json,
                Some("write decimals as strings (\"2.50\") so they stay exact"),
            )
            .into_err()
        }
        other => return mismatch(path, expected, other, None).into_err(),
    };
    let Some((v, places)) = parsed else {
        return mismatch(path, expected, json, json.as_str().and_then(full_width_hint).as_deref()).into_err();
    };
    if money && value::is_negative(&v) {
        return Err(vec![Problem::new(
            ProblemKind::NegativeValue,
            &path.to_string(),
            String::from("an amount cannot be negative"),
            None,
        )]);
    }
    if money && places > 2 {
        return mismatch(path, "an amount with at most 2 decimals (分)", json, None).into_err();
    }
    Ok(Value::Number(v))
}

fn list(program: &Program, element: &Type, json: &Json, path: Pointer<'_>) -> Result<Value, Vec<Problem>> {
    let Json::Array(items) = json else {
        return mismatch(path, "a list", json, None).into_err();
    };
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match fact_value(program, element, item, Pointer::Item(&path, index)) {
            Ok(v) => out.push(v),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(Value::List(out.into()))
    } else {
        Err(problems)
    }
}

fn record(program: &Program, record: usize, json: &Json, path: Pointer<'_>) -> Result<Value, Vec<Problem>> {
    let Json::Object(map) = json else {
        return mismatch(path, "an object", json, None).into_err();
    };
    let Some(info) = program.records.get(record) else {
        return Ok(Value::Null);
    };
    let mut problems = Vec::new();
    // Keys in NFC, as field names are (a key typed in NFD names the same field); copied only
    // when a key is not.
    let normalised: Option<serde_json::Map<String, Json>> =
        map.keys().any(|k| !unicode_normalization::is_nfc(k)).then(|| {
            map.iter()
                .map(|(k, v)| (super::nfc(k).into_owned(), v.clone()))
                .collect()
        });
    let map = normalised.as_ref().unwrap_or(map);
    for key in map.keys() {
        if !info.fields.iter().any(|f| f.name == *key) {
            let names: Vec<&str> = info.fields.iter().map(|f| f.name.as_str()).collect();
            problems.push(Problem::new(
                ProblemKind::UnknownField,
                &Pointer::Field(&path, key).to_string(),
                format!("unknown field `{}`", crate::visible::escape_name(key)),
                super::error::invisible_help(key, &names)
                    .or_else(|| crate::suggest::help_line(key, &names))
                    .or_else(|| Some(format!("fields are: {}", names.join(", ")))),
            ));
        }
    }
    let mut fields = Vec::with_capacity(info.fields.len());
    for field in &info.fields {
        let field_path = Pointer::Field(&path, &field.name);
        match (map.get(&field.name), &field.default) {
            (Some(v), _) if !v.is_null() => match fact_value(program, &field.ty, v, field_path) {
                Ok(v) => fields.push(v),
                Err(mut p) => problems.append(&mut p),
            },
            (_, Some(default)) => fields.push(default.clone()),
            (_, None) => problems.push(Problem::new(
                ProblemKind::MissingRequiredFact,
                &field_path.to_string(),
                format!("field `{}` is required", field.name),
                field.label.as_ref().map(|l| format!("{}: {l}", field.name)),
            )),
        }
    }
    if problems.is_empty() {
        Ok(Value::Record(fields.into()))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod percent_tests {
    use crate::{Case, Options, RuleSet};

    fn holds(rate: serde_json::Value) -> Result<serde_json::Value, String> {
        let rules = RuleSet::from_source(
            "p.rule",
            "source 法 \"某法\"\nfact 比例: percent \"比例\"\nrule 达到: bool \"达到\" cite 法 第一条 = 比例 >= 5%\n",
        )
        .map_err(|e| e.to_string())?;
        let case = serde_json::json!({"as_of": "2021-01-01", "facts": {"比例": rate}});
        let case = Case::from_json(&case.to_string()).map_err(|e| e.to_string())?;
        let outcome = rules.evaluate(&case, &Options::default()).map_err(|e| e.to_string())?;
        Ok(outcome.conclusion("达到").cloned().unwrap_or_default())
    }

    #[test]
    fn a_percentage_may_be_written_with_its_sign_or_as_the_ratio() {
        assert_eq!(holds(serde_json::json!("5%")), Ok(serde_json::json!(true)));
        assert_eq!(holds(serde_json::json!("4.99%")), Ok(serde_json::json!(false)));
        assert_eq!(holds(serde_json::json!(" 5 ％")), Ok(serde_json::json!(true)));
        assert_eq!(holds(serde_json::json!("0.05")), Ok(serde_json::json!(true)));
        assert_eq!(holds(serde_json::json!("5")), Ok(serde_json::json!(true)));
        assert_eq!(holds(serde_json::json!("0.0499")), Ok(serde_json::json!(false)));
    }

    #[test]
    fn a_malformed_percentage_names_both_forms() {
        let rules = RuleSet::from_source("p.rule", "fact 比例: percent \"比例\"\n").expect("valid rules");
        let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"比例": "five%"}}"#).expect("case");
        let error = rules.evaluate(&case, &Options::default()).expect_err("not a number");
        let shown = format!("{:?}", miette::Report::new(error));
        assert!(
            shown.contains(r#"/facts/比例: expected a percentage such as "5%" or its ratio "0.05""#),
            "{shown}"
        );
    }
}

#[cfg(test)]
mod describe_tests {
    use super::describe;
    use serde_json::json;

    #[test]
    fn a_text_of_the_wrong_type_is_quoted_short_and_visible() {
        assert_eq!(describe(&json!("many")), "the text `many`");
        assert_eq!(describe(&json!("十二个")), "the text `十二个`");
        let long = "很".repeat(50);
        assert_eq!(describe(&json!(long)), format!("the text `{}…`", "很".repeat(40)));
        assert!(!describe(&json!("a\u{1b}[2Jb")).contains('\u{1b}'));
        assert_eq!(describe(&json!(5.5)), "a number with a fraction");
        assert_eq!(describe(&json!([1])), "a list");
    }
}
