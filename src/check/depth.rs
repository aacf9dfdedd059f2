//! Pass 4b: the longest evaluation path (expression levels plus the levels of the
//! rules and parameters reached through names) stays within `max_eval_depth`, so that
//! evaluation, explanation trees and their rendering stay bounded.

use super::{CheckError, Checker, Owner};
use crate::ir::{self, ExprKind};

/// Depth of one declaration and the declaration its deepest path continues into.
#[derive(Debug, Clone, Copy, Default)]
struct Reach {
    depth: usize,
    next: Option<Owner>,
}

impl Checker<'_> {
    /// Computes every declaration's evaluation depth in dependency order (`order` lists
    /// dependencies first) and reports the first declaration whose depth passes the limit.
    pub(crate) fn check_eval_depth(&mut self, order: &[Owner]) {
        let n_params = self.program_params.len();
        let mut reach = vec![Reach::default(); n_params + self.program_rules.len()];
        let slot = |owner: Owner| match owner {
            Owner::Param(id) => Some(id.0 as usize),
            Owner::Rule(id) => Some(n_params + id.0 as usize),
            Owner::Default => None,
        };
        for owner in order {
            let bodies: Vec<&ir::Expr> = match *owner {
                Owner::Param(id) => self
                    .program_params
                    .get(id.0 as usize)
                    .map(|p| p.versions.iter().map(|v| &v.body).collect())
                    .unwrap_or_default(),
                Owner::Rule(id) => self.rule_bodies(id),
                Owner::Default => Vec::new(),
            };
            let mut best = Reach::default();
            for body in bodies {
                let found = expr_reach(body, &|o| slot(o).and_then(|i| reach.get(i)).map(|r| r.depth));
                if found.depth > best.depth {
                    best = found;
                }
            }
            if let Some(r) = slot(*owner).and_then(|i| reach.get_mut(i)) {
                *r = best;
            }
        }
        let worst = order
            .iter()
            .filter_map(|o| slot(*o).and_then(|i| reach.get(i)).map(|r| (*o, *r)))
            .filter(|(_, r)| r.depth > self.max_eval_depth)
            .max_by_key(|(_, r)| r.depth);
        if let Some((owner, r)) = worst {
            let path = self.path_text(owner, |o| slot(o).and_then(|i| reach.get(i)).and_then(|r| r.next));
            let (name, span) = self.owner_name(owner);
            let error = CheckError::TooDeep {
                src: self.src(span),
                span: span.to_miette(),
                name,
                depth: r.depth,
                limit: self.max_eval_depth,
                path,
            };
            self.report(error);
        }
    }

    /// A rule's definitions and the conditions and values of its exceptions.
    fn rule_bodies(&self, id: ir::RuleId) -> Vec<&ir::Expr> {
        let Some(rule) = self.program_rules.get(id.0 as usize) else {
            return Vec::new();
        };
        let mut bodies: Vec<&ir::Expr> = rule.versions.iter().map(|v| &v.body).collect();
        for index in &rule.exceptions {
            if let Some(exception) = self.program_exceptions.get(*index) {
                bodies.push(&exception.when);
                bodies.push(&exception.value);
            }
        }
        bodies
    }

    /// `a → b → c … → z`, following each declaration's deepest reference.
    fn path_text(&self, start: Owner, next: impl Fn(Owner) -> Option<Owner>) -> String {
        let mut names = Vec::new();
        let mut current = Some(start);
        let mut length = 0usize;
        while let Some(owner) = current {
            if names.len() < 4 {
                names.push(format!("`{}`", self.owner_name(owner).0));
            }
            length += 1;
            current = next(owner);
            if length > self.program_params.len() + self.program_rules.len() {
                break;
            }
        }
        if length > names.len() {
            format!("{} … ({length} declarations)", names.join(" → "))
        } else {
            names.join(" → ")
        }
    }
}

/// The depth of an expression tree, where a name of a rule or parameter counts the
/// depth of that declaration (`depth_of`) below it. Iterative: trees may be deep.
fn expr_reach(root: &ir::Expr, depth_of: &dyn Fn(Owner) -> Option<usize>) -> Reach {
    let mut best = Reach::default();
    let mut pending: Vec<(&ir::Expr, usize)> = vec![(root, 1)];
    while let Some((expr, level)) = pending.pop() {
        let target = match expr.kind {
            ExprKind::Rule(id) | ExprKind::Held(id) => Some(Owner::Rule(id)),
            ExprKind::Param(id) => Some(Owner::Param(id)),
            _ => None,
        };
        let below = target.and_then(depth_of).unwrap_or(0);
        if level + below > best.depth {
            best = Reach {
                depth: level + below,
                next: target,
            };
        }
        pending.extend(children(expr).into_iter().map(|child| (child, level + 1)));
    }
    best
}

/// The direct sub-expressions of an expression.
fn children(expr: &ir::Expr) -> Vec<&ir::Expr> {
    match &expr.kind {
        ExprKind::Const(_)
        | ExprKind::Fact(_)
        | ExprKind::Param(_)
        | ExprKind::Rule(_)
        | ExprKind::Field { .. }
        | ExprKind::Held(_) => Vec::new(),
        ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Known(e) => vec![e],
        ExprKind::Binary(_, a, b) | ExprKind::At(a, b) => vec![a, b],
        ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => branches.iter().map(|b| &b.expr).collect(),
        ExprKind::If(c, a, b) => vec![c, a, b],
        ExprKind::Aggregate {
            list, value, filter, ..
        } => std::iter::once(&**list)
            .chain(value.as_deref())
            .chain(filter.as_deref())
            .collect(),
        ExprKind::Extreme { args, .. } | ExprKind::List(args) => args.iter().collect(),
    }
}
