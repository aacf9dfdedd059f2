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
    /// It computes rules under the law of another date (`at` a rule): always computed again.
    pub(crate) volatile: bool,
    /// It reads a rule or parameter under the law of another date (`at`): its records name
    /// frames of this case's dates, so a recording evaluation computes it again.
    pub(crate) reads_other_dates: bool,
    /// Rules whose branches it reads (`held`); their inputs are counted among its own.
    pub(crate) held: Vec<u32>,
    /// Parameters read.
    pub(crate) params: Vec<u32>,
    /// Per period of the law: an id equal for two periods in which the rule has the same
    /// version, reads the same parameter values and has the same exceptions in force.
    pub(crate) period_class: Vec<u32>,
}

/// For each of `n` facts or rules, the rules whose inputs (`read` of them) name it.
pub(crate) fn readers(n: usize, all: &[Inputs], read: impl Fn(&Inputs) -> &Vec<u32>) -> Vec<Vec<u32>> {
    let mut readers = vec![Vec::new(); n];
    for (rule, inputs) in all.iter().enumerate() {
        for item in read(inputs) {
            if let Some(list) = readers.get_mut(*item as usize) {
                list.push(u32::try_from(rule).unwrap_or(u32::MAX));
            }
        }
    }
    readers
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
    // `held(t)` reads the branches of `t`: what they read is read by the rule that asks.
    for index in 0..all.len() {
        let targets = all.get(index).map(|i| i.held.clone()).unwrap_or_default();
        for target in targets {
            let Some(read) = all.get(target as usize).cloned() else {
                continue;
            };
            if let Some(inputs) = all.get_mut(index) {
                inputs.facts.extend(read.facts);
                inputs.rules.extend(read.rules);
                inputs.params.extend(read.params);
                inputs.dated |= read.dated;
                inputs.volatile |= read.volatile;
                inputs.reads_other_dates |= read.reads_other_dates;
            }
        }
    }
    for inputs in &mut all {
        inputs.facts.sort_unstable();
        inputs.facts.dedup();
        inputs.rules.sort_unstable();
        inputs.rules.dedup();
        inputs.params.sort_unstable();
        inputs.params.dedup();
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
                self.held.push(id.0);
            }
            ExprKind::Param(id) => {
                self.dated = true;
                self.params.push(id.0);
            }
            // A parameter at another date depends on that date (a fact, read) only.
            ExprKind::At(ref target, _) => {
                self.volatile |= matches!(target.kind, ExprKind::Rule(_));
                self.reads_other_dates = true;
            }
            _ => {}
        }
        e.for_each_child(|c| self.read(c));
    }
}
