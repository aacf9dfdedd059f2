//! From a recorded trace to what readers get: the entries of the recorded nodes with their
//! values encoded as in case files, then the explanation trees (on demand) or the compact
//! trace (`explain::Trace`).

use serde_json::Value as Json;

use super::compile::{Compiled, Fill};
use super::output::{to_json, to_json_in};
use super::record::{Trace, DEFAULTED, OPERAND};
use super::word::{Kind, Store, W};
use crate::explain::{self, Entry, Node, NodeKind};
use crate::ir::{Program, Type};
use crate::value::{Date, Value};
use indexmap::IndexMap;

/// The trees of every conclusion recorded in the main frame, in declaration order.
pub(crate) fn build(compiled: &Compiled, program: &Program, trace: &Trace) -> IndexMap<String, Node> {
    let entries = entries(compiled, program, trace);
    explain::assemble(&compiled.catalog, &compiled.templates, &trace.frames, entries)
}

/// The compact trace of a recorded evaluation.
pub(crate) fn compact(compiled: &Compiled, program: &Program, trace: &Trace) -> explain::Trace {
    let entries = entries(compiled, program, trace);
    let as_of = trace.frames.first().copied().unwrap_or(Date::MIN);
    explain::encode(&compiled.catalog, as_of, &trace.frames, &entries)
}

/// The recorded nodes with their values encoded; operand records become the extras of the
/// comparison or `at` node that follows them.
fn entries(compiled: &Compiled, program: &Program, trace: &Trace) -> Vec<Entry> {
    let store = Store::view(&compiled.constants, &trace.values, &[]);
    let value = |w: W| store.value(w, &compiled.strings);
    let mut out = Vec::with_capacity(trace.recs.len());
    let mut operands: Vec<W> = Vec::new();
    // Record indexes shift where operand records are left out.
    let mut index_of = Vec::with_capacity(trace.recs.len());
    for (at, rec) in trace.recs.iter().enumerate() {
        index_of.push(u32::try_from(out.len()).unwrap_or(u32::MAX));
        if rec.site == OPERAND {
            operands.push(rec.value());
            continue;
        }
        let word = rec.value();
        let mut entry = Entry {
            node: rec.site,
            start: index_of.get(rec.start(at)).copied().unwrap_or(0),
            frame: rec.frame,
            value: Json::Null,
            unknown: word == W::UNKNOWN,
            default: rec.has(DEFAULTED),
            extras: Vec::new(),
        };
        entry.value = match compiled.fills.get(rec.site as usize) {
            Some(Fill::Rule(rule)) => to_json(&value(word), rule_type(program, rule.0)),
            Some(Fill::Fact(fact)) => {
                let ty = program.fact(*fact).map_or(&Type::Error, |f| &f.ty);
                to_json_in(program, &value(word), ty)
            }
            Some(Fill::Param(param)) => {
                entry.unknown = false;
                let ty = program.param(*param).map_or(&Type::Error, |p| &p.ty);
                to_json(&Some(value(word).unwrap_or(Value::Null)), ty)
            }
            Some(Fill::Truth) => truth_json(word),
            Some(Fill::Comparison) => {
                let right = operands.pop().and_then(value);
                let left = operands.pop().and_then(value);
                let show = |v: &Option<Value>| Json::String(v.as_ref().map_or_else(|| String::from("?"), Value::text));
                let margin = match (&left, &right) {
                    (Some(l), Some(r)) => super::ops::margin(l, r).map_or(Json::Null, Json::String),
                    _ => Json::Null,
                };
                entry.extras = vec![show(&left), show(&right), margin];
                truth_json(word)
            }
            Some(Fill::Typed(ty)) => {
                let is_at = compiled
                    .catalog
                    .nodes
                    .get(rec.site as usize)
                    .is_some_and(|n| n.kind == NodeKind::At);
                if let (true, Some(date)) = (is_at, operands.pop()) {
                    if let Kind::Date(d) = date.kind() {
                        entry.extras.push(Json::String(d.to_string()));
                    }
                }
                to_json(&value(word), ty)
            }
            None => Json::Null,
        };
        out.push(entry);
    }
    out
}

fn rule_type(program: &Program, rule: u32) -> &Type {
    program.rules.get(rule as usize).map_or(&Type::Error, |r| &r.ty)
}

fn truth_json(word: W) -> Json {
    match word.kind() {
        Kind::Bool(b) => Json::Bool(b),
        _ => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truths_are_booleans_or_null() {
        assert_eq!(truth_json(W::TRUE), Json::Bool(true));
        assert_eq!(truth_json(W::UNKNOWN), Json::Null);
        assert_eq!(truth_json(W::NULL), Json::Null);
    }
}
