//! The facts an undecided conclusion is waiting for, read off a full trace: the unknown
//! facts reachable from an unknown conclusion through unknown nodes, following the rules it
//! uses (a fact used only inside `known(…)` is never recorded, so never listed).

use super::compile::Compiled;
use super::record::{Trace, DETACHED, OPERAND};
use super::word::W;
use crate::explain::NodeKind;
use crate::ir::Program;

/// No record.
const NONE: u32 = u32::MAX;

/// Missing facts of the `unknown` conclusions (rule indexes), in declaration order.
pub(crate) fn missing_facts(compiled: &Compiled, program: &Program, trace: &Trace, unknown: &[u32]) -> Vec<String> {
    let mut walk = Walk {
        compiled,
        trace,
        main: vec![NONE; program.rules.len()],
        detached: Vec::new(),
        found: vec![false; program.facts.len()],
        visited: Vec::new(),
        stack: Vec::new(),
    };
    walk.index_rules();
    for rule in unknown {
        if let Some(index) = walk.rule_record(*rule, 0) {
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
    /// Per rule: its record in the main frame.
    main: Vec<u32>,
    /// Records of rules computed under another date's law: (rule, frame) → record.
    detached: Vec<((u32, u16), u32)>,
    found: Vec<bool>,
    visited: Vec<(u32, u16)>,
    /// Records still to visit.
    stack: Vec<usize>,
}

impl Walk<'_> {
    /// Finds the record of every rule computed (the last one of a rule and frame wins).
    fn index_rules(&mut self) {
        for (index, rec) in self.trace.recs.iter().enumerate() {
            let Some(node) = self.compiled.catalog.nodes.get(rec.site as usize) else {
                continue;
            };
            let (NodeKind::Rule, Some(rule)) = (node.kind, node.rule) else {
                continue;
            };
            let index = u32::try_from(index).unwrap_or(NONE);
            if !rec.has(DETACHED) {
                if let Some(slot) = self.main.get_mut(rule as usize) {
                    *slot = index;
                }
            } else if let Some(entry) = self.detached.iter_mut().find(|(key, _)| *key == (rule, rec.frame)) {
                entry.1 = index;
            } else {
                self.detached.push(((rule, rec.frame), index));
            }
        }
    }

    fn rule_record(&self, rule: u32, frame: u16) -> Option<usize> {
        let index = if frame == 0 {
            self.main.get(rule as usize).copied()
        } else {
            self.detached
                .iter()
                .find(|(key, _)| *key == (rule, frame))
                .map(|(_, i)| *i)
        };
        index.filter(|i| *i != NONE).map(|i| i as usize)
    }

    /// Visits the unknown records reachable from `root` (the set found does not depend on
    /// the order of visits).
    fn visit(&mut self, root: usize) {
        self.stack.push(root);
        while let Some(index) = self.stack.pop() {
            self.visit_one(index);
        }
    }

    fn visit_one(&mut self, index: usize) {
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
                    if let Some(target) = self.rule_record(rule, rec.frame) {
                        self.stack.push(target);
                    }
                }
            }
            _ => {}
        }
        self.push_children(index);
    }

    /// Pushes the indexes of a record's children (operands and detached rules excepted).
    fn push_children(&mut self, index: usize) {
        let Some(rec) = self.trace.recs.get(index) else {
            return;
        };
        let start = rec.start(index);
        let mut at = index;
        while at > start {
            at -= 1;
            let Some(child) = self.trace.recs.get(at) else { break };
            if child.site != OPERAND && !child.has(DETACHED) {
                self.stack.push(at);
            }
            at = at.min(child.start(at));
        }
    }
}
