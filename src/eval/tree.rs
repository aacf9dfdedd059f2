//! From a recorded trace to what readers get: the explanation trees (on demand), read
//! straight off the records, or the compact trace (`explain::Trace`), through entries of the
//! recorded nodes with their values encoded as in case files.

use serde_json::Value as Json;

use super::compile::{Compiled, Fill};
use super::output::{to_json, to_json_in};
use super::record::{Rec, Trace, DEFAULTED, OPERAND};
use super::word::{Kind, Store, W};
use crate::explain::{self, Entry, Node, NodeKind};
use crate::ir::{Program, Type};
use crate::value::{Date, Value};
use indexmap::IndexMap;

/// The trees of every conclusion recorded in the main frame, in declaration order.
pub(crate) fn build(compiled: &Compiled, program: &Program, trace: &Trace) -> IndexMap<String, Node> {
    let records = Records::new(compiled, program, trace);
    explain::assemble(&compiled.catalog, &compiled.templates, &trace.frames, &records)
}

/// The compact trace of a recorded evaluation.
pub(crate) fn compact(compiled: &Compiled, program: &Program, trace: &Trace) -> explain::Trace {
    let entries = entries(&Records::new(compiled, program, trace));
    let as_of = trace.frames.first().copied().unwrap_or(Date::MIN);
    explain::encode(&compiled.catalog, as_of, &trace.frames, &entries)
}

/// The recorded nodes with their values encoded; operand records become the extras of the
/// comparison or `at` node that follows them.
fn entries(records: &Records) -> Vec<Entry> {
    let recs = &records.trace.recs;
    let mut out = Vec::with_capacity(recs.len());
    // Record indexes shift where operand records are left out.
    let mut index_of = Vec::with_capacity(recs.len());
    for (at, rec) in recs.iter().enumerate() {
        index_of.push(u32::try_from(out.len()).unwrap_or(u32::MAX));
        if rec.site == OPERAND {
            continue;
        }
        let fill = records.compiled.fills.get(rec.site as usize);
        let (value, unknown) = records.json(*rec, fill);
        let mut extras = Vec::new();
        match fill {
            Some(Fill::Comparison) => {
                let text = |s: Option<String>| s.map_or(Json::Null, Json::String);
                let [left, right, margin] = records.sides(at);
                extras = vec![text(left), text(right), text(margin)];
            }
            Some(Fill::Typed(_)) if records.kind(rec.site) == Some(NodeKind::At) => {
                extras.extend(records.at_date(at).map(Json::String));
            }
            _ => {}
        }
        out.push(Entry {
            node: rec.site,
            start: index_of.get(rec.start(at)).copied().unwrap_or(0),
            frame: rec.frame,
            value,
            unknown,
            default: rec.has(DEFAULTED),
            extras,
        });
    }
    out
}

/// The records of a trace, read as nodes: straight into the nodes of a tree, or into entries.
struct Records<'t> {
    compiled: &'t Compiled,
    program: &'t Program,
    trace: &'t Trace,
    store: Store<'t>,
}

impl<'t> Records<'t> {
    fn new(compiled: &'t Compiled, program: &'t Program, trace: &'t Trace) -> Self {
        Records {
            compiled,
            program,
            trace,
            store: Store::view(&compiled.constants, &trace.values, &[]),
        }
    }

    fn value(&self, word: W) -> Option<Value> {
        self.store.value(word, &self.compiled.strings)
    }

    fn kind(&self, site: u32) -> Option<NodeKind> {
        self.compiled.catalog.nodes.get(site as usize).map(|n| n.kind)
    }

    /// The operand record just before record `index`, if it is one.
    fn operand(&self, index: usize) -> Option<W> {
        let rec = self.trace.recs.get(index.checked_sub(1)?)?;
        (rec.site == OPERAND).then(|| rec.value())
    }

    /// The value of a record, encoded as in case files, and whether it is unknown (`fill`:
    /// its site's).
    // Inlined into both callers: outlined, it cost about 5 % of building a tree (callgrind).
    #[inline(always)]
    fn json(&self, rec: Rec, fill: Option<&Fill>) -> (Json, bool) {
        let word = rec.value();
        let program = self.program;
        let value = match fill {
            Some(Fill::Rule(rule)) => self.json_as(word, rule_type(program, rule.0)),
            Some(Fill::Fact(fact)) => {
                let ty = program.fact(*fact).map_or(&Type::Error, |f| &f.ty);
                match word.kind() {
                    // Lists and records: written field by field as the case file writes them.
                    Kind::Ref(_) => to_json_in(program, &self.value(word), ty),
                    _ => self.json_as(word, ty),
                }
            }
            Some(Fill::Param(param)) => {
                // A parameter always has its value (`null` where no version is in force).
                let ty = program.param(*param).map_or(&Type::Error, |p| &p.ty);
                return (self.json_as(word, ty), false);
            }
            Some(Fill::Truth | Fill::Comparison) => truth_json(word),
            Some(Fill::Typed(ty)) => self.json_as(word, ty),
            None => Json::Null,
        };
        (value, word == W::UNKNOWN)
    }

    /// A word encoded as a value of type `ty`: straight from the word where it holds its
    /// value (what `output::to_json` writes for it), through the value otherwise. A tree
    /// encodes about a thousand values a case, and building each as a [`Value`] first (an
    /// atomic count for every text) was a tenth of building the tree.
    fn json_as(&self, word: W, ty: &Type) -> Json {
        match (word.kind(), ty.strip_optional()) {
            (Kind::Unknown | Kind::Null, _) => Json::Null,
            (Kind::Bool(b), _) => Json::Bool(b),
            (Kind::Int(i), Type::Count | Type::Integer) => Json::from(i),
            (Kind::Text(id), _) => Json::String(self.text(id)),
            (Kind::Date(date), _) => Json::String(date_text(date)),
            _ => to_json(&self.value(word), ty),
        }
    }

    /// An interned text (empty for an index out of range, as [`Store::value`] reads it).
    fn text(&self, id: u32) -> String {
        self.compiled
            .strings
            .get(id)
            .map_or_else(String::new, |t| String::from(&**t))
    }

    /// A word shown as [`Value::text`] shows its value (`None` when unknown), without building
    /// the value where the word holds it.
    fn shown(&self, word: W) -> Option<String> {
        Some(match word.kind() {
            Kind::Unknown => return None,
            Kind::Int(i) => int_text(i),
            Kind::Text(id) => self.text(id),
            Kind::Date(date) => date_text(date),
            Kind::Bool(b) => String::from(if b { "true" } else { "false" }),
            Kind::Null | Kind::Ref(_) => self.value(word)?.text(),
        })
    }

    /// The sides of the comparison recorded at `index` as shown (`?` for an unknown side) and
    /// its margin: the two operand records just before the comparison's.
    fn sides(&self, index: usize) -> [Option<String>; 3] {
        let (left, right) = match self.operand(index) {
            Some(right) => (self.operand(index - 1), Some(right)),
            None => (None, None),
        };
        let margin = match (left, right) {
            (Some(l), Some(r)) => self.margin(l, r),
            _ => None,
        };
        let show = |w: Option<W>| Some(w.and_then(|w| self.shown(w)).unwrap_or_else(|| String::from("?")));
        [show(left), show(right), margin]
    }

    /// Left − right, exact, for two numbers (integers subtracted on the words).
    fn margin(&self, left: W, right: W) -> Option<String> {
        if let (Some(l), Some(r)) = (left.as_int(), right.as_int()) {
            if let Some(difference) = l.checked_sub(r) {
                return Some(int_text(difference));
            }
        }
        super::ops::margin(&self.value(left)?, &self.value(right)?)
    }

    /// The date of the `at` node recorded at `index`: the operand record just before its own.
    fn at_date(&self, index: usize) -> Option<String> {
        match self.operand(index).map(W::kind) {
            Some(Kind::Date(date)) => Some(date_text(date)),
            _ => None,
        }
    }
}

impl explain::Recorded for Records<'_> {
    fn len(&self) -> usize {
        self.trace.recs.len()
    }

    fn node(&self, index: usize) -> Option<u32> {
        let rec = self.trace.recs.get(index)?;
        (rec.site != OPERAND).then_some(rec.site)
    }

    fn start(&self, index: usize) -> usize {
        self.trace.recs.get(index).map_or(index, |rec| rec.start(index))
    }

    fn frame(&self, index: usize) -> u16 {
        self.trace.recs.get(index).map_or(0, |rec| rec.frame)
    }

    fn fill(&self, index: usize, kind: NodeKind, node: &mut Node) {
        let Some(rec) = self.trace.recs.get(index).copied() else {
            return;
        };
        let fill = self.compiled.fills.get(rec.site as usize);
        (node.value, node.unknown) = self.json(rec, fill);
        node.default = kind == NodeKind::Fact && rec.has(DEFAULTED);
        match fill {
            Some(Fill::Comparison) => [node.left, node.right, node.margin] = self.sides(index),
            Some(Fill::Typed(_)) if kind == NodeKind::At => node.date = self.at_date(index),
            _ => {}
        }
    }
}

fn rule_type(program: &Program, rule: u32) -> &Type {
    program.rules.get(rule as usize).map_or(&Type::Error, |r| &r.ty)
}

/// An integer's decimal digits, written without the formatting machinery.
fn int_text(i: i64) -> String {
    String::from(itoa::Buffer::new().format(i))
}

/// A date as `YYYY-MM-DD`, what its `Display` writes, for the four-digit years rule files
/// use (others through `Display`).
fn date_text(date: Date) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.to_string();
    }
    let digit = |n: i16, unit: i16| char::from(b'0' + ((n / unit) % 10) as u8);
    let mut out = String::with_capacity(10);
    for unit in [1000, 100, 10, 1] {
        out.push(digit(year, unit));
    }
    for part in [i16::from(date.month()), i16::from(date.day())] {
        out.push('-');
        out.push(digit(part, 10));
        out.push(digit(part, 1));
    }
    out
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
    fn integers_and_dates_are_written_as_display_writes_them() {
        for i in [0, 1, -1, 9, 10, -10, 199, 200_000, i64::MAX, i64::MIN, i64::MIN + 1] {
            assert_eq!(int_text(i), i.to_string());
        }
        for (y, m, d) in [
            (2021, 4, 18),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (0, 1, 1),
            (-1, 6, 5),
        ] {
            let date = Date::new(y, m, d).unwrap_or(Date::MIN);
            assert_eq!(date_text(date), date.to_string());
        }
    }

    #[test]
    fn truths_are_booleans_or_null() {
        assert_eq!(truth_json(W::TRUE), Json::Bool(true));
        assert_eq!(truth_json(W::UNKNOWN), Json::Null);
        assert_eq!(truth_json(W::NULL), Json::Null);
    }
}
