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
            let mut stack = Vec::new();
            self.visit(*node, n_params, &mut marks, &mut stack, &mut order, &mut cycles);
        }
        for cycle in cycles {
            self.report_cycle(&cycle);
        }
        self.rule_order = order
            .into_iter()
            .filter_map(|o| match o {
                Owner::Rule(id) => Some(id),
                _ => None,
            })
            .collect();
    }

    fn visit(
        &self,
        node: Owner,
        n_params: usize,
        marks: &mut [Mark],
        stack: &mut Vec<Owner>,
        order: &mut Vec<Owner>,
        cycles: &mut Vec<Vec<Owner>>,
    ) {
        let index = match node {
            Owner::Param(id) => id.0 as usize,
            Owner::Rule(id) => n_params + id.0 as usize,
            Owner::Default => return,
        };
        match marks.get(index) {
            Some(Mark::Done) | None => return,
            Some(Mark::InProgress) => {
                if let Some(start) = stack.iter().position(|n| *n == node) {
                    let mut cycle: Vec<Owner> = stack.get(start..).map(<[Owner]>::to_vec).unwrap_or_default();
                    cycle.push(node);
                    cycles.push(cycle);
                }
                return;
            }
            Some(Mark::Unvisited) => {}
        }
        if let Some(m) = marks.get_mut(index) {
            *m = Mark::InProgress;
        }
        stack.push(node);
        let next: Vec<Owner> = self
            .dependencies
            .get(&node)
            .map(|d| d.iter().map(|(o, _)| *o).collect())
            .unwrap_or_default();
        for dependency in next {
            self.visit(dependency, n_params, marks, stack, order, cycles);
        }
        stack.pop();
        if let Some(m) = marks.get_mut(index) {
            *m = Mark::Done;
        }
        order.push(node);
    }

    fn owner_name(&self, owner: Owner) -> (String, crate::source::Span) {
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
