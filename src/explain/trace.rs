//! The compact, per-case form of an explanation: the recorded nodes as a short string that
//! names catalog nodes, plus the values that are not plain truths (schema version 2). See
//! `docs/explanation-schema.md` for the grammar; [`Catalog::explanation`] reads it back.

use std::collections::HashMap;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use thiserror::Error;

use super::assemble::{assemble, Entry, Templates};
use super::catalog::Catalog;
use super::{Explanation, NodeKind, SCHEMA_VERSION};
use crate::value::{parse_date, Date};

/// What one evaluation recorded, naming the nodes of a [`Catalog`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Schema version of this JSON form.
    pub schema_version: u32,
    /// The rule set whose catalog the trace names ([`Catalog::rule_set`]).
    pub rule_set: String,
    /// The date whose law was applied (frame 0).
    pub as_of: String,
    /// The dates of the other frames (frame 1, 2, …): laws of other dates that `at` applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<String>,
    /// The recorded nodes in postorder (grammar in `docs/explanation-schema.md`).
    pub trace: String,
    /// The values the trace's `v` codes and the comparisons' and `at` nodes' extras take, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Json>,
}

/// Why a trace cannot be read against a catalog.
#[derive(Debug, Error, Diagnostic, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceError {
    /// The trace was recorded with another rule set.
    #[error("the trace names rule set `{trace}`, the catalog is of `{catalog}`")]
    #[diagnostic(
        code(ruling::trace::other_rule_set),
        help("read the trace with the catalog written beside it")
    )]
    OtherRuleSet {
        /// The trace's rule set.
        trace: String,
        /// The catalog's.
        catalog: String,
    },
    /// The trace string does not follow the grammar, or names a node the catalog lacks.
    #[error("the trace is malformed at character {at}: {problem}")]
    #[diagnostic(code(ruling::trace::malformed), help("use the trace exactly as ruling wrote it"))]
    Malformed {
        /// Character offset in `trace`.
        at: usize,
        /// What is wrong.
        problem: String,
    },
}

/// What a value repeats: the last value recorded for the same fact, or for the same rule or
/// parameter under the same frame's law (`r` in a trace).
fn repeat_key(catalog: &Catalog, entry: &Entry) -> Option<(u8, u32, u16)> {
    let node = catalog.nodes.get(entry.node as usize)?;
    match node.kind {
        NodeKind::Fact => Some((0, node.fact?, 0)),
        NodeKind::Param => Some((1, node.param?, entry.frame)),
        NodeKind::Rule | NodeKind::RuleRef => Some((2, node.rule?, entry.frame)),
        _ => None,
    }
}

/// The last value recorded for each fact, and for each parameter and rule under each frame's
/// law: by index for the main frame (most records), in a map for other dates' law.
struct Repeats<'e> {
    main: [Vec<Option<&'e Json>>; 3],
    other: HashMap<(u8, u32, u16), &'e Json>,
}

impl<'e> Repeats<'e> {
    fn new(catalog: &Catalog) -> Self {
        Repeats {
            main: [
                vec![None; catalog.facts.len()],
                vec![None; catalog.params.len()],
                vec![None; catalog.rules.len()],
            ],
            other: HashMap::new(),
        }
    }

    fn get(&self, (kind, id, frame): (u8, u32, u16)) -> Option<&'e Json> {
        match frame {
            0 => self.main.get(usize::from(kind))?.get(id as usize).copied().flatten(),
            _ => self.other.get(&(kind, id, frame)).copied(),
        }
    }

    fn set(&mut self, (kind, id, frame): (u8, u32, u16), value: &'e Json) {
        let slot = match frame {
            0 => self
                .main
                .get_mut(usize::from(kind))
                .and_then(|m| m.get_mut(id as usize)),
            _ => None,
        };
        match slot {
            Some(slot) => *slot = Some(value),
            None => {
                self.other.insert((kind, id, frame), value);
            }
        }
    }
}

/// Encodes recorded entries as a trace. Each record is a value code (`t`, `f`, `n`, `u`, `v`,
/// `r`) followed by modifiers: `*` (a fact's default), `+N`/`-N` (its node's distance from the node
/// after the previous record's), `@N` (its frame), `/N` (its number of children).
pub(crate) fn encode(catalog: &Catalog, as_of: Date, frames: &[Date], entries: &[Entry]) -> Trace {
    // About three characters a record, and a value for every few.
    let mut trace = String::with_capacity(entries.len() * 4);
    let mut values = Vec::with_capacity(entries.len() / 2);
    let mut pending: Vec<(usize, u32)> = Vec::new();
    let mut previous: i64 = -1;
    let mut last = Repeats::new(catalog);
    for (index, entry) in entries.iter().enumerate() {
        let key = repeat_key(catalog, entry);
        let repeats = !entry.unknown && key.and_then(|k| last.get(k)).is_some_and(|v| *v == entry.value);
        if let (Some(k), false) = (key, entry.unknown) {
            last.set(k, &entry.value);
        }
        let first = pending.partition_point(|(i, _)| *i < entry.start as usize);
        let children = pending.len() - first;
        pending.truncate(first);
        match (&entry.value, entry.unknown) {
            (_, true) => trace.push('u'),
            (Json::Bool(true), false) => trace.push('t'),
            (Json::Bool(false), false) => trace.push('f'),
            (Json::Null, false) => trace.push('n'),
            (_, false) if repeats => trace.push('r'),
            (other, false) => {
                trace.push('v');
                values.push(other.clone());
            }
        }
        if entry.default {
            trace.push('*');
        }
        let delta = i64::from(entry.node) - (previous + 1);
        previous = i64::from(entry.node);
        if delta > 0 {
            trace.push('+');
        }
        if delta < 0 {
            trace.push('-');
        }
        if delta != 0 {
            push_number(&mut trace, delta.unsigned_abs());
        }
        if entry.frame != 0 {
            trace.push('@');
            push_number(&mut trace, u64::from(entry.frame));
        }
        if children > 0 {
            trace.push('/');
            push_number(&mut trace, children as u64);
        }
        values.extend(entry.extras.iter().cloned());
        let is_rule = catalog
            .nodes
            .get(entry.node as usize)
            .is_some_and(|n| n.kind == NodeKind::Rule);
        if !is_rule {
            pending.push((index, entry.start));
        }
    }
    Trace {
        schema_version: SCHEMA_VERSION,
        rule_set: catalog.rule_set.clone(),
        as_of: as_of.to_string(),
        frames: frames.iter().skip(1).map(ToString::to_string).collect(),
        trace,
        values,
    }
}

/// Appends a number's decimal digits (without the formatting machinery: a trace has several
/// numbers a record).
fn push_number(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut rest = n;
    let mut used = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        used += 1;
        if rest == 0 {
            break;
        }
    }
    let start = digits.len() - used;
    out.extend(digits.get(start..).unwrap_or_default().iter().map(|d| char::from(*d)));
}

impl Catalog {
    /// The explanation a trace records: one tree per conclusion it computed.
    pub fn explanation(&self, trace: &Trace) -> Result<Explanation, TraceError> {
        if trace.rule_set != self.rule_set {
            return Err(TraceError::OtherRuleSet {
                trace: trace.rule_set.clone(),
                catalog: self.rule_set.clone(),
            });
        }
        let entries = decode(self, trace)?;
        let frames: Vec<Date> = std::iter::once(&trace.as_of)
            .chain(&trace.frames)
            .map(|d| parse_date(d).unwrap_or(Date::MIN))
            .collect();
        let templates = Templates::new(self);
        Ok(Explanation {
            schema_version: SCHEMA_VERSION,
            as_of: trace.as_of.clone(),
            conclusions: assemble(self, &templates, &frames, entries.as_slice()),
        })
    }
}

/// The most levels a tree read back from a trace may have. Trees the shipped rules record
/// have a few dozen; the limit keeps a crafted trace from building a tree too deep to drop
/// or write (both recurse).
pub(crate) const MAX_TREE_HEIGHT: u32 = 4096;

/// Reads a trace string back into entries.
fn decode(catalog: &Catalog, trace: &Trace) -> Result<Vec<Entry>, TraceError> {
    let chars: Vec<char> = trace.trace.chars().collect();
    let mut at = 0usize;
    let mut values = trace.values.iter();
    let mut entries: Vec<Entry> = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    // How many levels each entry's tree has (embedded trees of other dates' law included),
    // and that of the last tree of each rule under each other date's law.
    let mut heights: Vec<u32> = Vec::new();
    let mut detached: HashMap<(u32, u16), u32> = HashMap::new();
    let mut previous: i64 = -1;
    let mut last: HashMap<(u8, u32, u16), Json> = HashMap::new();
    let malformed = |at: usize, problem: &str| TraceError::Malformed {
        at,
        problem: problem.to_string(),
    };
    while let Some(code) = chars.get(at).copied() {
        at += 1;
        let (value, unknown) = match code {
            't' => (Json::Bool(true), false),
            'f' => (Json::Bool(false), false),
            'n' => (Json::Null, false),
            'u' => (Json::Null, true),
            'v' => (
                values.next().cloned().ok_or_else(|| malformed(at, "more values"))?,
                false,
            ),
            // The value is that of an earlier record: resolved once the node is known.
            'r' => (Json::Null, false),
            _ => return Err(malformed(at - 1, "a value code (t, f, n, u, v, r)")),
        };
        let (mut default, mut delta, mut frame, mut children) = (false, 0i64, 0u16, 0usize);
        while let Some(modifier) = chars.get(at).copied() {
            if matches!(modifier, 't' | 'f' | 'n' | 'u' | 'v' | 'r') {
                break;
            }
            at += 1;
            if !matches!(modifier, '*' | '+' | '-' | '@' | '/') {
                return Err(malformed(at - 1, "a modifier (*, +, -, @, /)"));
            }
            let n = if modifier == '*' {
                0
            } else {
                number(&chars, &mut at).ok_or_else(|| malformed(at, "digits after a modifier"))?
            };
            match modifier {
                '*' => default = true,
                '+' => delta = n,
                '-' => delta = -n,
                '@' => frame = u16::try_from(n).map_err(|_| malformed(at, "a frame number too large"))?,
                '/' => children = usize::try_from(n).map_err(|_| malformed(at, "a child count"))?,
                _ => return Err(malformed(at - 1, "a modifier (*, +, -, @, /)")),
            }
        }
        let node = u32::try_from(previous + 1 + delta).map_err(|_| malformed(at, "a node index below 0"))?;
        let spec = catalog
            .nodes
            .get(node as usize)
            .ok_or_else(|| malformed(at, "a node the catalog does not have"))?;
        previous = i64::from(node);
        let n_extras = match spec.kind {
            NodeKind::Comparison => 3,
            NodeKind::At => 1,
            _ => 0,
        };
        let extras: Vec<Json> = values.by_ref().take(n_extras).cloned().collect();
        if extras.len() != n_extras {
            return Err(malformed(at, "the extras of a comparison or `at`"));
        }
        let mut entry = Entry {
            node,
            start: 0,
            frame,
            value,
            unknown,
            default,
            extras,
        };
        let key = repeat_key(catalog, &entry);
        if code == 'r' {
            entry.value = key
                .and_then(|k| last.get(&k).cloned())
                .ok_or_else(|| malformed(at, "an earlier value to repeat"))?;
        }
        if let (Some(k), false) = (key, entry.unknown) {
            last.insert(k, entry.value.clone());
        }
        let index = entries.len();
        let first = pending
            .len()
            .checked_sub(children)
            .ok_or_else(|| malformed(at, "more children than recorded nodes"))?;
        let start = match pending.get(first) {
            Some(child) => entries.get(*child).map_or(index, |e| e.start as usize),
            None => index,
        };
        let below = pending.get(first..).unwrap_or_default().iter();
        let mut height = 1 + below.filter_map(|c| heights.get(*c)).max().copied().unwrap_or(0);
        if let (NodeKind::RuleRef, true) = (spec.kind, frame != 0) {
            let embedded = spec.rule.and_then(|r| detached.get(&(r, frame)));
            height = height.max(embedded.copied().unwrap_or(0));
        }
        if height > MAX_TREE_HEIGHT {
            return Err(malformed(
                at,
                &format!("nodes nested more than {MAX_TREE_HEIGHT} levels deep"),
            ));
        }
        if let (NodeKind::Rule, Some(rule), true) = (spec.kind, spec.rule, frame != 0) {
            detached.insert((rule, frame), height);
        }
        pending.truncate(first);
        if spec.kind != NodeKind::Rule {
            pending.push(index);
        }
        entry.start = u32::try_from(start).unwrap_or(u32::MAX);
        entries.push(entry);
        heights.push(height);
    }
    Ok(entries)
}

/// A decimal number at `at`, advancing past it.
fn number(chars: &[char], at: &mut usize) -> Option<i64> {
    let begin = *at;
    let mut n: i64 = 0;
    while let Some(d) = chars.get(*at).and_then(|c| c.to_digit(10)) {
        n = n.checked_mul(10)?.checked_add(i64::from(d))?;
        *at += 1;
    }
    (*at > begin).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut out = String::from("x");
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
