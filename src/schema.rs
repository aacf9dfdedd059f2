//! JSON Schemas (draft 2020-12) derived from a rule set: of case files, so that forms and other
//! programs can validate their input before calling ruling, and of evaluation results.
//!
//! Every declared fact becomes a property of `facts` with its type, its label as `description`,
//! its enum values (each with its label as `title`), its default and, for lists of records, an
//! item schema. A fact may always be `null` or absent: it is then unknown (or takes its default).
//!
//! ```
//! use ruling::RuleSet;
//!
//! let rules = RuleSet::from_source("demo.rule", r#"
//!     source 解释 "法释〔2019〕15号"
//!     fact videos: count "违法视频文件数" = 0
//!     rule spread: bool "大量传播" cite 解释 第三条 = videos >= 200
//! "#).expect("valid rules");
//! let schema = ruling::schema::case_schema(rules.program());
//! assert_eq!(schema["properties"]["facts"]["properties"]["videos"]["minimum"], 0);
//! ```

use serde_json::{json, Map, Value as Json};

use crate::ir::{FactInfo, Program, RecordInfo, Type};
use crate::value::{self, Value};

/// The draft the schemas follow.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DECIMAL_PATTERN: &str = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$";
/// A decimal, or a decimal followed by `%` (ASCII or full-width).
const PERCENT_PATTERN: &str = r"^\s*-?[0-9]+(\.[0-9]+)?\s*[%％]?\s*$";
const MONEY_PATTERN: &str = r"^\s*[0-9]+(\.[0-9]{1,2})?\s*$";
const DURATION_PATTERN: &str = r"^\s*[0-9]+\s*(years?|months?|days?|hours?|minutes?|年|个月|日|天|小时|分钟)\s*$";

/// The schema of a case file (`ruling schema <RULES>`).
pub fn case_schema(program: &Program) -> Json {
    let facts: Map<String, Json> = program
        .facts
        .iter()
        .map(|f| (f.name.clone(), fact_schema(program, f)))
        .collect();
    let conclusions: Map<String, Json> = program
        .rules
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                described(result_type(program, &r.ty), r.label.as_deref()),
            )
        })
        .collect();
    let rule_names: Vec<&str> = program.rules.iter().map(|r| r.name.as_str()).collect();
    json!({
        "$schema": DRAFT,
        "title": "ruling case file",
        "description": "A case: facts, the date whose law applies, and optional expectations (docs/case-format.md).",
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "A human title, shown in test reports."},
            "description": {"type": "string"},
            "description_zh": {"type": "string"},
            "reasoning": {"type": "string"},
            "id": {"description": "An identifier (batch input)."},
            "as_of": date_schema("The date whose law applies (YYYY-MM-DD); default: the fact conduct_date."),
            "facts": {
                "type": "object",
                "description": "Fact values keyed by fact identifier; an absent or null fact takes its default or is unknown.",
                "properties": facts,
                "additionalProperties": false,
            },
            "expected": {
                "type": "object",
                "description": "Expected conclusion values (null = no value); only the listed ones are compared.",
                "properties": conclusions,
                "additionalProperties": false,
            },
            "expected_reasons": {
                "type": "object",
                "description": "Citations that must appear in each listed conclusion's explanation.",
                "propertyNames": {"enum": rule_names},
                "additionalProperties": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}},
                    ],
                },
            },
            "expected_error": {"description": "Expected errors of a malformed-case file: [{kind, path}]."},
            "questions": {
                "description": "The conclusions the case is about: evaluation, memos, missing facts and --strict keep to them and what they depend on.",
                "anyOf": [
                    {"enum": rule_names},
                    {"type": "array", "items": {"enum": rule_names}},
                ],
            },
        },
        "additionalProperties": false,
    })
}

/// The schema of an evaluation result (`ruling schema <RULES> --conclusions`).
pub fn result_schema(program: &Program) -> Json {
    let conclusions: Map<String, Json> = program
        .rules
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                described(result_type(program, &r.ty), r.label.as_deref()),
            )
        })
        .collect();
    let rule_names: Vec<&str> = program.rules.iter().map(|r| r.name.as_str()).collect();
    let fact_names: Vec<&str> = program.facts.iter().map(|f| f.name.as_str()).collect();
    json!({
        "$schema": DRAFT,
        "title": "ruling evaluation result",
        "description": "The result of `ruling eval --format json` (docs/case-format.md); null = no value or unknown.",
        "type": "object",
        "properties": {
            "as_of": date_schema("The date whose law was applied."),
            "conclusions": {
                "type": "object",
                "properties": conclusions,
                "required": rule_names,
                "additionalProperties": false,
            },
            "unknown_conclusions": {"type": "array", "items": {"enum": rule_names}},
            "missing_facts": {"type": "array", "items": {"enum": fact_names}},
            "explanation": {
                "type": "object",
                "description": "One tree per conclusion; see docs/explanation-schema.md.",
            },
        },
        "required": ["as_of", "conclusions", "unknown_conclusions", "missing_facts"],
    })
}

fn date_schema(description: &str) -> Json {
    json!({"type": "string", "format": "date", "pattern": DATE_PATTERN, "description": description})
}

fn fact_schema(program: &Program, fact: &FactInfo) -> Json {
    let mut schema = nullable(input_type(program, &fact.ty));
    let mut description = fact.label.clone().unwrap_or_default();
    if let Some(source) = fact.default_fact.and_then(|id| program.fact(id)) {
        description.push_str(&format!(
            "（缺省时取 {} 的值 / defaults to {}）",
            source.name, source.name
        ));
    } else if fact.default.is_none() {
        description.push_str("（缺省时为未知 / unknown when absent）");
    }
    if let Some(map) = schema.as_object_mut() {
        map.insert(String::from("description"), Json::String(description));
        if let Some(default) = &fact.default {
            map.insert(String::from("default"), encode(program, default, &fact.ty));
        }
    }
    schema
}

/// Adds `null` to a schema: a type list for plain types, `anyOf` otherwise.
fn nullable(schema: Json) -> Json {
    let plain = schema.get("type").and_then(Json::as_str).map(String::from);
    match (plain, schema.get("enum").is_some() || schema.get("oneOf").is_some()) {
        (Some(ty), false) => {
            let mut schema = schema;
            if let Some(map) = schema.as_object_mut() {
                map.insert(String::from("type"), json!([ty, "null"]));
            }
            schema
        }
        _ => json!({"anyOf": [schema, {"type": "null"}]}),
    }
}

fn described(mut schema: Json, label: Option<&str>) -> Json {
    if let (Some(map), Some(label)) = (schema.as_object_mut(), label) {
        map.insert(String::from("description"), Json::String(label.to_string()));
    }
    schema
}

/// The schema of a value of a type as case files write it.
fn input_type(program: &Program, ty: &Type) -> Json {
    match ty {
        Type::Bool => json!({"type": "boolean"}),
        Type::Count => json!({"type": "integer", "minimum": 0}),
        Type::Integer => json!({"type": "integer"}),
        Type::Decimal => json!({
            "type": ["string", "integer"],
            "pattern": DECIMAL_PATTERN,
            "description": "an exact decimal, written as a string (\"2.5\")",
        }),
        Type::Percent => json!({
            "type": ["string", "integer"],
            "pattern": PERCENT_PATTERN,
            "description": "a percentage (\"5%\") or its ratio as an exact decimal (\"0.05\")",
        }),
        Type::Money => json!({
            "type": ["string", "integer"],
            "pattern": MONEY_PATTERN,
            "minimum": 0,
            "description": "an amount in 元, as a string with at most 2 decimals (\"200000.00\")",
        }),
        Type::Date => json!({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
        Type::Duration => json!({"type": "string", "pattern": DURATION_PATTERN}),
        Type::Text => json!({"type": "string"}),
        Type::Enum(id) => enum_schema(program, id.0 as usize),
        Type::List(inner) => json!({"type": "array", "items": input_type(program, inner)}),
        Type::Record(id) => match program.records.get(id.0 as usize) {
            Some(record) => record_schema(program, record),
            None => json!({"type": "object"}),
        },
        Type::Optional(inner) => nullable(input_type(program, inner)),
        Type::Null => json!({"type": "null"}),
        Type::Error => json!({}),
    }
}

fn enum_schema(program: &Program, id: usize) -> Json {
    let values = program.enums.get(id).map(|e| e.values.as_slice()).unwrap_or(&[]);
    let names: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
    let labelled: Vec<Json> = values
        .iter()
        .map(|(v, label)| match label {
            Some(l) => json!({"const": v, "title": l}),
            None => json!({"const": v}),
        })
        .collect();
    json!({"type": "string", "enum": names, "oneOf": labelled})
}

fn record_schema(program: &Program, record: &RecordInfo) -> Json {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &record.fields {
        let mut schema = input_type(program, &field.ty);
        if let Some(default) = &field.default {
            // A field with a default may be written `null`: it then takes the default.
            schema = nullable(schema);
            if let Some(map) = schema.as_object_mut() {
                map.insert(String::from("default"), encode(program, default, &field.ty));
            }
        } else {
            required.push(field.name.clone());
        }
        properties.insert(field.name.clone(), described(schema, field.label.as_deref()));
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The schema of a conclusion value as results encode it (always nullable: unknown is `null`).
fn result_type(program: &Program, ty: &Type) -> Json {
    let inner = match ty.strip_optional() {
        Type::Money => json!({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}),
        Type::Decimal | Type::Percent => json!({"type": "string", "description": "exact decimal or fraction n/d"}),
        Type::Count => json!({"type": ["integer", "string"]}),
        Type::Integer => json!({"type": ["integer", "string"]}),
        Type::List(element) => json!({"type": "array", "items": result_type(program, element)}),
        Type::Record(_) => json!({"type": "array"}),
        other => input_type(program, other),
    };
    nullable(inner)
}

/// A declared default as a case file would write it.
fn encode(program: &Program, value: &Value, ty: &Type) -> Json {
    let ty = ty.strip_optional();
    match (value, ty) {
        (Value::Null, _) => Json::Null,
        (Value::Bool(b), _) => Json::Bool(*b),
        (Value::Number(n), Type::Money) => Json::String(value::format_money(n)),
        (Value::Number(n), Type::Count | Type::Integer) if n.is_integer() => {
            i64::try_from(*n.numer()).map(Json::from).unwrap_or(Json::Null)
        }
        (Value::Number(n), _) => Json::String(value::format_rational(n)),
        (Value::List(items), Type::List(element)) => {
            Json::Array(items.iter().map(|i| encode(program, i, element)).collect())
        }
        (Value::Record(fields), Type::Record(id)) => {
            let names = program
                .records
                .get(id.0 as usize)
                .map(|r| r.fields.as_slice())
                .unwrap_or(&[]);
            Json::Object(
                names
                    .iter()
                    .zip(fields.iter())
                    .map(|(f, v)| (f.name.clone(), encode(program, v, &f.ty)))
                    .collect(),
            )
        }
        (other, _) => Json::String(other.to_string()),
    }
}
