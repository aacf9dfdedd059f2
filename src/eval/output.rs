//! Values → the JSON encoding of formats.md (money with 2 decimals, dates as strings).

use serde_json::Value as Json;

use super::ops::Tv;
use crate::ir::{Program, Type};
use crate::value::{self, Value};

/// Encodes a possibly unknown value of a declared type (unknown and none are `null`).
pub(crate) fn to_json(value: &Tv, ty: &Type) -> Json {
    match value {
        None => Json::Null,
        Some(v) => encode(v, ty),
    }
}

/// Like [`to_json`], with records written as the case file writes them: an object of field
/// name → value, each field encoded by its declared type (money with two decimals).
pub(crate) fn to_json_in(program: &Program, value: &Tv, ty: &Type) -> Json {
    match value {
        None => Json::Null,
        Some(v) => encode_in(program, v, ty),
    }
}

fn encode_in(program: &Program, value: &Value, ty: &Type) -> Json {
    match (value, ty.strip_optional()) {
        (Value::List(items), Type::List(element)) => {
            Json::Array(items.iter().map(|i| encode_in(program, i, element)).collect())
        }
        (Value::Record(fields), Type::Record(id)) => match program.records.get(id.0 as usize) {
            Some(record) => Json::Object(
                record
                    .fields
                    .iter()
                    .zip(fields.iter())
                    .map(|(info, field)| (info.name.clone(), encode_in(program, field, &info.ty)))
                    .collect(),
            ),
            None => encode(value, ty),
        },
        _ => encode(value, ty),
    }
}

fn encode(value: &Value, ty: &Type) -> Json {
    let ty = ty.strip_optional();
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => match ty {
            Type::Money => Json::String(value::format_money(n)),
            // JSON numbers up to 64 bits (signed or not); beyond that serde_json has no number,
            // and a float would round, so the digits are written as a string.
            Type::Count | Type::Integer if n.is_integer() => i64::try_from(*n.numer())
                .map(Json::from)
                .or_else(|_| u64::try_from(*n.numer()).map(Json::from))
                .unwrap_or_else(|_| Json::String(n.numer().to_string())),
            _ => Json::String(value::format_rational(n)),
        },
        Value::Date(d) => Json::String(d.to_string()),
        Value::Duration(d) => Json::String(d.to_string()),
        Value::Text(t) => Json::String(t.to_string()),
        Value::List(items) => {
            let element = match ty {
                Type::List(inner) => inner.as_ref().clone(),
                _ => Type::Error,
            };
            Json::Array(items.iter().map(|i| encode(i, &element)).collect())
        }
        Value::Record(fields) => Json::Array(fields.iter().map(|f| encode(f, &Type::Error)).collect()),
    }
}
