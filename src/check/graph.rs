//! Pass 4: the dependency graph of rules and parameters is acyclic; rule order.

use super::{CheckError, Checker, Owner};
use crate::ir;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unvisited,
    InProgress,
    Done,
}

impl Checker<'_> {
    pub(crate) fn check_graph(&mut self) {
        let n_params = self.program_params.len();
        let n_rules = self.program_rules.len();
        let nodes: Vec<Owner> = (0..n_params)
            .map(|i| Owner::Param(ir::ParamId(i as u32)))
            .chain((0..n_rules).map(|i| Owner::Rule(ir::RuleId(i as u32))))
            .collect();
        let mut marks = vec![Mark::Unvisited; nodes.len()];
        let mut order = Vec::new();
        let mut cycles = Vec::new();
        for node in &nodes {
            self.visit(*node, n_params, &mut marks, &mut order, &mut cycles);
        }
        let acyclic = cycles.is_empty();
        for cycle in cycles {
            self.report_cycle(&cycle);
        }
        if acyclic {
            self.check_eval_depth(&order);
        }
        self.rule_order = order
            .into_iter()
            .filter_map(|o| match o {
                Owner::Rule(id) => Some(id),
                _ => None,
            })
            .collect();
    }

    /// Depth-first post-order from `root` with an explicit stack (dependency chains
    /// may be as long as the rule set), recording every cycle found.
    fn visit(
        &self,
        root: Owner,
        n_params: usize,
        marks: &mut [Mark],
        order: &mut Vec<Owner>,
        cycles: &mut Vec<Vec<Owner>>,
    ) {
        let index_of = |node: Owner| match node {
            Owner::Param(id) => Some(id.0 as usize),
            Owner::Rule(id) => Some(n_params + id.0 as usize),
            Owner::Default => None,
        };
        let Some(root_index) = index_of(root) else { return };
        if marks.get(root_index) != Some(&Mark::Unvisited) {
            return;
        }
        if let Some(m) = marks.get_mut(root_index) {
            *m = Mark::InProgress;
        }
        // Each entry: a node in progress and the index of its next dependency.
        let mut stack: Vec<(Owner, usize)> = vec![(root, 0)];
        while let Some((node, next)) = stack.last().copied() {
            let dependency = self.dependencies.get(&node).and_then(|d| d.get(next)).map(|(o, _)| *o);
            let Some(dependency) = dependency else {
                stack.pop();
                if let Some(m) = index_of(node).and_then(|i| marks.get_mut(i)) {
                    *m = Mark::Done;
                }
                order.push(node);
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let Some(index) = index_of(dependency) else { continue };
            match marks.get(index) {
                Some(Mark::Unvisited) => {
                    if let Some(m) = marks.get_mut(index) {
                        *m = Mark::InProgress;
                    }
                    stack.push((dependency, 0));
                }
                Some(Mark::InProgress) => {
                    if let Some(start) = stack.iter().position(|(n, _)| *n == dependency) {
                        let mut cycle: Vec<Owner> = stack.iter().skip(start).map(|(n, _)| *n).collect();
                        cycle.push(dependency);
                        cycles.push(cycle);
                    }
                }
                Some(Mark::Done) | None => {}
            }
        }
    }

    pub(crate) fn owner_name(&self, owner: Owner) -> (String, crate::source::Span) {
        match owner {
            Owner::Param(id) => self.program_params.get(id.0 as usize).map(|p| (p.name.clone(), p.span)),
            Owner::Rule(id) => self.program_rules.get(id.0 as usize).map(|r| (r.name.clone(), r.span)),
            Owner::Default => None,
        }
        .unwrap_or_default()
    }

    fn report_cycle(&mut self, cycle: &[Owner]) {
        let names: Vec<String> = cycle.iter().map(|o| self.owner_name(*o).0).collect();
        let first = cycle.first().copied().unwrap_or(Owner::Default);
        let (_, decl_span) = self.owner_name(first);
        // Point at the reference that closes the cycle when it can be found.
        let second = cycle.get(1).copied().unwrap_or(first);
        let span = self
            .dependencies
            .get(&first)
            .and_then(|deps| deps.iter().find(|(o, _)| *o == second).map(|(_, s)| *s))
            .unwrap_or(decl_span);
        let error = CheckError::Cycle {
            src: self.src(span),
            span: span.to_miette(),
            cycle: names.join(" → "),
        };
        self.report(error);
    }
}
