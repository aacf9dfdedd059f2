//! What each rule reads: the facts and rules its versions and exceptions use, and whether
//! its value can depend on the date of the law. The evaluator uses this to find the rules
//! asked about and what they depend on, and to reuse, from one case to the next, the value
//! of a rule none of whose inputs changed.

use crate::ir::{self, ExprKind, Program};

/// The inputs of one rule.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inputs {
    /// Facts read (anywhere in its versions and exceptions, `known` and aggregates included).
    pub(crate) facts: Vec<u32>,
    /// Rules used directly (`held` included).
    pub(crate) rules: Vec<u32>,
    /// Its value can change with the date of the law: several or dated versions, parameters,
    /// dated exceptions.
    pub(crate) dated: bool,
    /// It reads the law of another date (`at`) or another rule's branches (`held`): always
    /// computed again.
    pub(crate) volatile: bool,
    /// Parameters read.
    pub(crate) params: Vec<u32>,
    /// `facts` and `rules` as bit sets over all facts and all rules.
    pub(crate) fact_mask: Vec<u64>,
    pub(crate) rule_mask: Vec<u64>,
    /// Per period of the law: an id equal for two periods in which the rule has the same
    /// version, reads the same parameter values and has the same exceptions in force.
    pub(crate) period_class: Vec<u32>,
}

/// A bit set of `n` items with `items` set.
pub(crate) fn mask(n: usize, items: &[u32]) -> Vec<u64> {
    let mut bits = vec![0u64; n.div_ceil(64)];
    for item in items {
        if let Some(word) = bits.get_mut(*item as usize / 64) {
            *word |= 1 << (item % 64);
        }
    }
    bits
}

/// Whether two bit sets share an item.
#[inline]
pub(crate) fn meet(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

/// The inputs of every rule.
pub(crate) fn inputs(program: &Program) -> Vec<Inputs> {
    let mut all: Vec<Inputs> = program
        .rules
        .iter()
        .map(|info| {
            let mut inputs = Inputs {
                dated: info.versions.len() > 1 || info.versions.iter().any(|v| v.from.is_some()),
                ..Inputs::default()
            };
            for version in &info.versions {
                inputs.read(&version.body);
            }
            inputs
        })
        .collect();
    for exception in &program.exceptions {
        if let Some(inputs) = all.get_mut(exception.target.0 as usize) {
            inputs.dated |= exception.from.is_some();
            inputs.read(&exception.when);
            inputs.read(&exception.value);
        }
    }
    for inputs in &mut all {
        inputs.facts.sort_unstable();
        inputs.facts.dedup();
        inputs.rules.sort_unstable();
        inputs.rules.dedup();
        inputs.params.sort_unstable();
        inputs.params.dedup();
        inputs.fact_mask = mask(program.facts.len(), &inputs.facts);
        inputs.rule_mask = mask(program.rules.len(), &inputs.rules);
    }
    all
}

impl Inputs {
    fn read(&mut self, e: &ir::Expr) {
        match e.kind {
            ExprKind::Fact(id) => self.facts.push(id.0),
            ExprKind::Rule(id) => self.rules.push(id.0),
            ExprKind::Held(id) => {
                self.rules.push(id.0);
                self.volatile = true;
            }
            ExprKind::Param(id) => {
                self.dated = true;
                self.params.push(id.0);
            }
            ExprKind::At(..) => self.volatile = true,
            _ => {}
        }
        e.for_each_child(|c| self.read(c));
    }
}
