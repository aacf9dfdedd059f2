//! Explanation trees built from a trace, on demand: each record's site gives the node's
//! static parts (a template), the record adds the value and what depends on the case.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::compile::{sites, Compiled, Fill};
use super::output::{enum_label, to_json, to_json_in};
use super::record::{Trace, DEFAULTED, DETACHED, OPERAND};
use super::word::{Kind, Store, W};
use crate::explain::{Node, NodeKind};
use crate::ir::{Program, Type};
use crate::value::{Date, Value};

/// Builds the tree of every conclusion recorded in the main frame, in declaration order.
pub(crate) fn build(compiled: &Compiled, program: &Program, trace: &Trace) -> IndexMap<String, Node> {
    let mut builder = TreeBuilder {
        compiled,
        program,
        trace,
        store: Store::new(&compiled.constants, &trace.values, Vec::new()),
        stack: Vec::new(),
        operands: Vec::new(),
        embedded: HashMap::new(),
        conclusions: vec![None; program.rules.len()],
    };
    for (index, rec) in trace.recs.iter().enumerate() {
        if rec.site == OPERAND {
            builder.operands.push(rec.value());
            continue;
        }
        let first = builder.stack.partition_point(|(i, _)| *i < rec.start as usize);
        let children: Vec<Node> = builder.stack.drain(first..).map(|(_, node)| node).collect();
        builder.node(index, children);
    }
    program
        .rules
        .iter()
        .zip(builder.conclusions)
        .filter_map(|(rule, node)| Some((rule.name.clone(), node?)))
        .collect()
}

struct TreeBuilder<'t> {
    compiled: &'t Compiled,
    program: &'t Program,
    trace: &'t Trace,
    store: Store<'t>,
    /// Built nodes not yet placed under a parent, with their record's index.
    stack: Vec<(usize, Node)>,
    /// Operand values waiting for their node.
    operands: Vec<W>,
    /// Trees of rules computed outside the main frame, by rule and frame.
    embedded: HashMap<(u32, u16), Node>,
    /// Trees of the conclusions (main frame), by rule.
    conclusions: Vec<Option<Node>>,
}

impl TreeBuilder<'_> {
    fn node(&mut self, index: usize, children: Vec<Node>) {
        let Some(rec) = self.trace.recs.get(index).copied() else {
            return;
        };
        let Some(site) = self.compiled.sites.get(rec.site) else {
            return;
        };
        let value = rec.value();
        let frame_date = self.trace.frames.get(rec.frame as usize).copied().unwrap_or(Date::MIN);
        let mut node = site.template.clone();
        node.unknown = value == W::UNKNOWN;
        node.children = children;
        match &site.fill {
            Fill::Rule(rule) => {
                let ty = self.rule_type(rule.0);
                self.typed(&mut node, value, &ty);
                node.value_label = self.label(value, &ty);
                if rec.has(DETACHED) {
                    self.embedded.insert((rule.0, rec.frame), node);
                } else if let Some(slot) = self.conclusions.get_mut(rule.0 as usize) {
                    *slot = Some(node);
                }
                return;
            }
            Fill::RuleRef(rule) => {
                if rec.frame != 0 {
                    // Outside the main frame the referenced tree is not listed beside: embed it.
                    node.kind = NodeKind::Rule;
                    if let Some(inner) = self.embedded.get(&(rule.0, rec.frame)) {
                        node = inner.clone();
                    }
                    self.stack.push((index, node));
                    return;
                }
                let ty = self.rule_type(rule.0);
                self.typed(&mut node, value, &ty);
                node.value_label = self.label(value, &ty);
                node.citation = self.program.rule(*rule).and_then(|info| {
                    let v = super::select_version(&info.versions, frame_date)?;
                    info.versions.get(v)?.cite.as_ref().map(|c| c.text.clone())
                });
            }
            Fill::Fact(fact) => {
                let ty = self.program.fact(*fact).map(|f| f.ty.clone()).unwrap_or(Type::Error);
                let v = self.value(value);
                node.value = to_json_in(self.program, &v, &ty);
                node.value_label = enum_label(self.program, &v, &ty);
                node.default = rec.has(DEFAULTED);
            }
            Fill::Param(param) => {
                let info = self.program.param(*param);
                let ty = info.map(|p| p.ty.clone()).unwrap_or(Type::Error);
                let v = Some(self.value(value).unwrap_or(Value::Null));
                node.value = to_json(&v, &ty);
                node.value_label = enum_label(self.program, &v, &ty);
                node.unknown = false;
                if let Some(info) = info {
                    match super::select_version(&info.versions, frame_date).and_then(|i| info.versions.get(i)) {
                        Some(version) => {
                            node.citation = version.cite.as_ref().map(|c| c.text.clone());
                            node.version = sites::version_text(version.from, info.versions.len());
                        }
                        None => node.version = Some(sites::NO_VERSION.into()),
                    }
                }
            }
            Fill::Truth => node.value = truth_json(value),
            Fill::Comparison => {
                node.value = truth_json(value);
                let right = self.operands.pop().unwrap_or(W::UNKNOWN);
                let left = self.operands.pop().unwrap_or(W::UNKNOWN);
                let (left, right) = (self.value(left), self.value(right));
                let show = |v: &Option<Value>| v.as_ref().map_or_else(|| String::from("?"), ToString::to_string);
                node.left = Some(show(&left));
                node.right = Some(show(&right));
                if let (Some(l), Some(r)) = (&left, &right) {
                    node.margin = super::ops::margin(l, r);
                }
            }
            Fill::Typed(ty) => {
                if node.kind == NodeKind::Condition && node.children.is_empty() {
                    return;
                }
                self.typed(&mut node, value, ty);
            }
            Fill::At(ty) => {
                let date = self.operands.pop().unwrap_or(W::UNKNOWN);
                self.typed(&mut node, value, ty);
                if let Kind::Date(d) = date.kind() {
                    node.date = Some(d.to_string());
                }
            }
            Fill::Held(rule) => {
                self.typed(&mut node, value, &Type::List(Box::new(Type::Text)));
                node.citation = self.program.rule(*rule).and_then(|info| {
                    let v = super::select_version(&info.versions, frame_date)?;
                    info.versions.get(v)?.cite.as_ref().map(|c| c.text.clone())
                });
            }
        }
        self.stack.push((index, node));
    }

    fn rule_type(&self, rule: u32) -> Type {
        self.program
            .rules
            .get(rule as usize)
            .map(|r| r.ty.clone())
            .unwrap_or(Type::Error)
    }

    fn value(&self, word: W) -> Option<Value> {
        self.store.value(word, &self.compiled.strings)
    }

    fn typed(&self, node: &mut Node, word: W, ty: &Type) {
        node.value = to_json(&self.value(word), ty);
    }

    fn label(&self, word: W, ty: &Type) -> Option<String> {
        enum_label(self.program, &self.value(word), ty)
    }
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
    }
}
