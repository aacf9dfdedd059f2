//! The facts an undecided conclusion is waiting for, read off a full trace: the unknown
//! facts reachable from an unknown conclusion through unknown nodes, following the rules it
//! uses (a fact used only inside `known(…)` is never recorded, so never listed).

use std::collections::HashMap;

use super::compile::Compiled;
use super::record::{Trace, DETACHED, OPERAND};
use super::word::W;
use crate::explain::NodeKind;
use crate::ir::Program;

/// Missing facts of the `unknown` conclusions (rule indexes), in declaration order.
pub(crate) fn missing_facts(compiled: &Compiled, program: &Program, trace: &Trace, unknown: &[u32]) -> Vec<String> {
    let mut rules: HashMap<(u32, u16), usize> = HashMap::new();
    for (index, rec) in trace.recs.iter().enumerate() {
        if let Some(node) = compiled.catalog.nodes.get(rec.site as usize) {
            if let (NodeKind::Rule, Some(rule)) = (node.kind, node.rule) {
                let frame = if rec.has(DETACHED) { rec.frame } else { 0 };
                rules.insert((rule, frame), index);
            }
        }
    }
    let mut walk = Walk {
        compiled,
        trace,
        rules,
        found: vec![false; program.facts.len()],
        visited: Vec::new(),
    };
    for rule in unknown {
        if let Some(index) = walk.rules.get(&(*rule, 0)).copied() {
            walk.visited.push((*rule, 0));
            walk.visit(index);
        }
    }
    program
        .facts
        .iter()
        .zip(&walk.found)
        .filter(|(_, found)| **found)
        .map(|(fact, _)| fact.name.clone())
        .collect()
}

struct Walk<'t> {
    compiled: &'t Compiled,
    trace: &'t Trace,
    rules: HashMap<(u32, u16), usize>,
    found: Vec<bool>,
    visited: Vec<(u32, u16)>,
}

impl Walk<'_> {
    fn visit(&mut self, index: usize) {
        let Some(rec) = self.trace.recs.get(index).copied() else {
            return;
        };
        if rec.value() != W::UNKNOWN {
            return;
        }
        let node = self.compiled.catalog.nodes.get(rec.site as usize);
        match node.map(|n| (n.kind, n.fact, n.rule)) {
            Some((NodeKind::Fact, Some(fact), _)) => {
                if let Some(found) = self.found.get_mut(fact as usize) {
                    *found = true;
                }
            }
            Some((NodeKind::RuleRef, _, Some(rule))) => {
                let key = (rule, rec.frame);
                if !self.visited.contains(&key) {
                    self.visited.push(key);
                    if let Some(target) = self.rules.get(&key).copied() {
                        self.visit(target);
                    }
                }
            }
            _ => {}
        }
        for child in children(self.trace, index) {
            self.visit(child);
        }
    }
}

/// The indexes of a record's children, last first.
fn children(trace: &Trace, index: usize) -> Vec<usize> {
    let Some(rec) = trace.recs.get(index) else {
        return Vec::new();
    };
    let start = rec.start as usize;
    let mut out = Vec::new();
    let mut at = index;
    while at > start {
        at -= 1;
        let Some(child) = trace.recs.get(at) else { break };
        if child.site != OPERAND && !child.has(DETACHED) {
            out.push(at);
        }
        at = at.min(child.start as usize);
    }
    out
}
