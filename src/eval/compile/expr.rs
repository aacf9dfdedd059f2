//! Expressions → code. One compiler writes both forms of a body: with `recording` off, the
//! plain form (values only); with it on, the same evaluation with every explanation node
//! recorded at its site. Nothing else differs, so both modes share one semantics.

use std::sync::Arc;

use crate::ast::{AggregateKind, BinaryOp, BlockKind};
use crate::eval::machine::Target;
use crate::eval::ops;
use crate::eval::word::W;
use crate::explain::NodeKind;
use crate::ir::{self, ExprKind, Program, Type};
use crate::value::Value;

use super::code::{Code, NO_SITE};
use super::formula::{Cond, Formula, Writer};
use super::Builder;

/// Compiles expressions into code.
pub(crate) struct Compiler<'b> {
    builder: &'b mut Builder,
    program: &'b Program,
    /// Whether this is the recording form.
    recording: bool,
    /// Inside an aggregate's items, a parameter, `known` or `held`: nothing is recorded there.
    quiet: u32,
    /// False inside `known(…)`: asking whether a fact is known does not need it.
    strict: bool,
    /// Whether conditions become formulas (plain code, outside a formula's general code).
    formulas: bool,
}

impl<'b> Compiler<'b> {
    /// A compiler writing the plain (`recording: false`) or recording form.
    pub(crate) fn new(builder: &'b mut Builder, program: &'b Program, recording: bool) -> Self {
        Compiler {
            builder,
            program,
            recording,
            quiet: 0,
            strict: true,
            formulas: !recording,
        }
    }

    /// A compiler for code that never records (parameters, `held` branches).
    pub(crate) fn quiet(builder: &'b mut Builder, program: &'b Program) -> Self {
        Compiler {
            quiet: 1,
            formulas: false,
            ..Compiler::new(builder, program, false)
        }
    }

    /// A compiler for the branches `held(…)` tests: quiet code, with formulas (they run in
    /// the main frame of almost every case).
    pub(crate) fn held(builder: &'b mut Builder, program: &'b Program) -> Self {
        Compiler {
            formulas: true,
            ..Compiler::quiet(builder, program)
        }
    }

    fn records(&self) -> bool {
        self.recording && self.quiet == 0
    }

    /// A site when recording, else [`NO_SITE`]; `make` allocates it.
    fn site(&mut self, make: impl FnOnce(&mut Builder, &Program) -> u32) -> u32 {
        if self.records() {
            make(self.builder, self.program)
        } else {
            NO_SITE
        }
    }

    /// Compiles one expression.
    pub(crate) fn expr(&mut self, e: &ir::Expr) -> Code {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            if self.formulas {
                if let Some(cond) = (Writer { builder: self.builder }).cond(e).filter(Cond::is_compound) {
                    // The general code is the rare path: it runs without formulas.
                    self.formulas = false;
                    let general = self.expr_here(e);
                    self.formulas = true;
                    return Code::Formula(Box::new(Formula { cond, general }));
                }
            }
            self.expr_here(e)
        })
    }

    fn expr_here(&mut self, e: &ir::Expr) -> Code {
        match &e.kind {
            ExprKind::Const(v) => Code::constant(self.builder.constant(v)),
            ExprKind::Fact(id) => {
                let site = if self.records() {
                    self.builder.fact_site(id.0)
                } else {
                    NO_SITE
                };
                Code::Fact {
                    fact: id.0,
                    site,
                    strict: self.strict,
                }
            }
            ExprKind::Param(id) => {
                let site = if self.records() {
                    self.builder.param_site(id.0)
                } else {
                    NO_SITE
                };
                Code::Param { param: id.0, site }
            }
            ExprKind::Rule(id) => {
                let site = if self.records() {
                    self.builder.rule_ref_site(id.0)
                } else {
                    NO_SITE
                };
                Code::Rule { rule: id.0, site }
            }
            ExprKind::Field { depth, field } => {
                let (depth, field) = (*depth, *field);
                Code::thunk(move |m| Ok(m.field(depth, field)))
            }
            ExprKind::Not(inner) => {
                let inner = self.expr(inner);
                Code::thunk(move |m| Ok(W::of_truth(inner.run(m)?.truth().map(|b| !b))))
            }
            ExprKind::Neg(inner) => {
                let inner = self.expr(inner);
                Code::thunk(move |m| {
                    let v = inner.run(m)?;
                    Ok(m.negate(v))
                })
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b),
            ExprKind::At(target, date) => self.at(target, date),
            ExprKind::Block(kind, branches) => self.block(*kind, branches),
            ExprKind::AtLeast(n, branches) => self.at_least(*n, branches),
            ExprKind::If(c, a, b) => self.condition(c, a, b, &e.ty),
            ExprKind::Aggregate {
                kind,
                list,
                value,
                filter,
            } => self.aggregate(e, *kind, list, value.as_deref(), filter.as_deref()),
            ExprKind::Held(id) => {
                self.builder.want_held(id.0);
                let rule = id.0;
                let site = self.site(|b, _| b.sites.held(*id));
                Code::thunk(move |m| m.held(rule, site))
            }
            ExprKind::Known(inner) => {
                self.quiet += 1;
                let strict = std::mem::replace(&mut self.strict, false);
                let inner = self.expr(inner);
                self.strict = strict;
                self.quiet -= 1;
                Code::thunk(move |m| Ok(W::bool(inner.run(m)?.is_known())))
            }
            ExprKind::Extreme { max, args } => self.extreme(e, *max, args),
            ExprKind::List(items) => self.list(items),
        }
    }

    fn binary(&mut self, e: &ir::Expr, op: BinaryOp, a: &ir::Expr, b_expr: &ir::Expr) -> Code {
        let (a, b) = (self.expr(a), self.expr(b_expr));
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let and = op == BinaryOp::And;
                Code::thunk(move |m| {
                    let left = a.run(m)?.truth();
                    if left == Some(!and) {
                        return Ok(W::of_truth(left));
                    }
                    let right = b.run(m)?.truth();
                    Ok(W::of_truth(if and {
                        ops::and(left, right)
                    } else {
                        ops::or(left, right)
                    }))
                })
            }
            _ if op.is_comparison() => {
                let expr = self.builder.expression(e.span);
                let site = self.site(|builder, p| builder.sites.comparison(p, op, e.span));
                if let (BinaryOp::In, NO_SITE, Some(words)) = (op, site, self.constant_words(b_expr)) {
                    // Membership in a list written out in the rule: compared as words.
                    return Code::thunk(move |m| {
                        let x = a.run(m)?;
                        if x == W::UNKNOWN || x == W::NULL {
                            // Unknown stays unknown; `none in […]` has no value (as `compare` says).
                            return Ok(x);
                        }
                        if x.is_ref() {
                            let list = m.list(&words);
                            return m.compare(op, x, list, expr);
                        }
                        Ok(W::bool(words.contains(&x)))
                    });
                }
                if site == NO_SITE {
                    return Code::thunk(move |m| {
                        let (x, y) = (a.run(m)?, b.run(m)?);
                        m.compare(op, x, y, expr)
                    });
                }
                Code::thunk(move |m| {
                    let mark = m.here();
                    let (x, y) = (a.run(m)?, b.run(m)?);
                    let result = m.compare(op, x, y, expr)?;
                    m.record_comparison(site, mark, x, y, result);
                    Ok(result)
                })
            }
            _ => {
                let expr = self.builder.expression(e.span);
                Code::thunk(move |m| {
                    let (x, y) = (a.run(m)?, b.run(m)?);
                    m.arithmetic(op, x, y, expr)
                })
            }
        }
    }

    fn at(&mut self, target: &ir::Expr, date: &ir::Expr) -> Code {
        let date_code = self.expr(date);
        let target_id = match target.kind {
            ExprKind::Rule(id) => Target::Rule(id.0),
            ExprKind::Param(id) => Target::Param(id.0),
            // The checker allows `at` only on rules and parameters.
            _ => return Code::thunk(move |m| date_code.run(m).map(|_| W::UNKNOWN)),
        };
        let inner = match target_id {
            Target::Rule(rule) => self.site(|b, _| b.rule_ref_site(rule)),
            Target::Param(param) => self.site(|b, _| b.param_site(param)),
        };
        let site = self.site(|b, p| b.sites.typed(p, NodeKind::At, target.span, &target.ty));
        Code::thunk(move |m| {
            let mark = m.here();
            let when = date_code.run(m)?;
            m.at(target_id, when, [inner, site], mark)
        })
    }

    fn branches(&mut self, branches: &[ir::Branch]) -> Vec<(Code, u32)> {
        branches
            .iter()
            .map(|branch| {
                let code = self.expr(&branch.expr);
                let site = self.site(|b, p| b.sites.branch(p, branch));
                (code, site)
            })
            .collect()
    }

    fn block(&mut self, kind: BlockKind, branches: &[ir::Branch]) -> Code {
        let compiled = self.branches(branches);
        if !self.records() {
            let skippable = skippable(kind, branches);
            let items: Vec<(Code, bool)> = compiled.into_iter().map(|(c, _)| c).zip(skippable).collect();
            return Code::thunk(move |m| {
                let mut acc = Some(kind != BlockKind::Any);
                for (code, skippable) in &items {
                    acc = fold(kind, acc, code.run(m)?.truth());
                    if *skippable && decided(kind, acc) && m.may_skip() {
                        break;
                    }
                }
                Ok(W::of_truth(acc))
            });
        }
        let node_kind = match kind {
            BlockKind::All => NodeKind::All,
            BlockKind::Any => NodeKind::Any,
            BlockKind::Not => NodeKind::Not,
        };
        let site = self.builder.sites.block(node_kind, None);
        Code::thunk(move |m| {
            let mark = m.here();
            let mut acc = Some(kind != BlockKind::Any);
            for (code, branch_site) in &compiled {
                acc = fold(kind, acc, m.branch(code, *branch_site)?);
            }
            let value = W::of_truth(acc);
            m.record(site, mark, 0, value);
            Ok(value)
        })
    }

    fn at_least(&mut self, n: u32, branches: &[ir::Branch]) -> Code {
        let compiled = self.branches(branches);
        let site = self.site(|b, _| b.sites.block(NodeKind::AtLeast, Some(n.to_string())));
        Code::thunk(move |m| {
            let mark = m.here();
            let (mut n_true, mut n_unknown) = (0u32, 0u32);
            for (code, branch_site) in &compiled {
                let truth = if *branch_site == NO_SITE {
                    code.run(m)?.truth()
                } else {
                    m.branch(code, *branch_site)?
                };
                match truth {
                    Some(true) => n_true += 1,
                    None => n_unknown += 1,
                    Some(false) => {}
                }
            }
            let value = W::of_truth(ops::at_least(n, n_true, n_unknown));
            if site != NO_SITE {
                m.record(site, mark, 0, value);
            }
            Ok(value)
        })
    }

    fn condition(&mut self, c: &ir::Expr, a: &ir::Expr, b: &ir::Expr, ty: &Type) -> Code {
        let (cond, then, otherwise) = (self.expr(c), self.expr(a), self.expr(b));
        let site = self.site(|builder, p| builder.sites.typed(p, NodeKind::Condition, c.span, ty));
        Code::thunk(move |m| {
            let mark = m.here();
            let value = match cond.run(m)?.truth() {
                Some(true) => then.run(m)?,
                Some(false) => otherwise.run(m)?,
                None => {
                    let (x, y) = (then.run(m)?, otherwise.run(m)?);
                    if x.is_known() && m.same(x, y) {
                        x
                    } else {
                        W::UNKNOWN
                    }
                }
            };
            // The node is recorded only when the condition used something recorded.
            if site != NO_SITE && m.here() > mark {
                m.record(site, mark, 0, value);
            }
            Ok(value)
        })
    }

    fn aggregate(
        &mut self,
        e: &ir::Expr,
        kind: AggregateKind,
        list: &ir::Expr,
        value: Option<&ir::Expr>,
        filter: Option<&ir::Expr>,
    ) -> Code {
        // `any(list where c)` and `all(list where c)`: the condition is the predicate.
        let (value, filter) = match kind {
            AggregateKind::Any | AggregateKind::All if value.is_none() => (filter, None),
            _ => (value, filter),
        };
        let list = self.expr(list);
        self.quiet += 1;
        let filter = filter.map(|f| self.expr(f));
        let value = value.map(|v| self.expr(v));
        self.quiet -= 1;
        let expr = self.builder.expression(e.span);
        let site = self.site(|b, p| b.sites.typed(p, NodeKind::Aggregate, e.span, &e.ty));
        Code::thunk(move |m| {
            let mark = m.here();
            let items = list.run(m)?;
            let Some(result) = m.aggregate(kind, items, filter.as_ref(), value.as_ref(), expr)? else {
                return Ok(W::UNKNOWN);
            };
            if site != NO_SITE && m.full() {
                m.record(site, mark, 0, result);
            }
            Ok(result)
        })
    }

    fn extreme(&mut self, e: &ir::Expr, max: bool, args: &[ir::Expr]) -> Code {
        let expr = self.builder.expression(e.span);
        let args: Vec<Code> = args.iter().map(|a| self.expr(a)).collect();
        Code::thunk(move |m| {
            let mut best: Option<W> = None;
            for arg in &args {
                let v = arg.run(m)?;
                if !v.is_known() {
                    return Ok(W::UNKNOWN);
                }
                best = Some(match best {
                    None => v,
                    Some(b) => m.extreme(max, b, v, expr)?,
                });
            }
            Ok(best.unwrap_or(W::UNKNOWN))
        })
    }

    /// The words of a list written out of constants that words hold (`["a", "b"]`), if it is one.
    fn constant_words(&mut self, list: &ir::Expr) -> Option<Vec<W>> {
        let ExprKind::List(items) = &list.kind else { return None };
        items
            .iter()
            .map(|item| match &item.kind {
                ExprKind::Const(v) => Some(self.builder.constant(v)).filter(|w| !w.is_ref()),
                _ => None,
            })
            .collect()
    }

    fn list(&mut self, items: &[ir::Expr]) -> Code {
        let constants: Option<Vec<Value>> = items
            .iter()
            .map(|i| match &i.kind {
                ExprKind::Const(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        if let Some(values) = constants {
            return Code::constant(self.builder.constant(&Value::List(Arc::from(values))));
        }
        let items: Vec<Code> = items.iter().map(|i| self.expr(i)).collect();
        Code::thunk(move |m| {
            let mut words = Vec::with_capacity(items.len());
            for item in &items {
                let v = item.run(m)?;
                if !v.is_known() {
                    return Ok(W::UNKNOWN);
                }
                words.push(v);
            }
            Ok(m.list(&words))
        })
    }
}

/// Folds a branch's truth into a block's value.
#[inline]
fn fold(kind: BlockKind, acc: Option<bool>, truth: Option<bool>) -> Option<bool> {
    match kind {
        BlockKind::All => ops::and(acc, truth),
        BlockKind::Any => ops::or(acc, truth),
        BlockKind::Not => truth.map(|b| !b),
    }
}

/// Whether a block's value can no longer change.
#[inline]
fn decided(kind: BlockKind, acc: Option<bool>) -> bool {
    matches!(
        (kind, acc),
        (BlockKind::All, Some(false)) | (BlockKind::Any, Some(true))
    )
}

/// Per branch of a block: whether it may end the block once decided, every later branch being
/// infallible (one pass from the end: a block of many branches is compiled in linear time).
pub(super) fn skippable(kind: BlockKind, branches: &[ir::Branch]) -> Vec<bool> {
    let mut skippable = vec![false; branches.len()];
    let mut rest_infallible = true;
    for (i, branch) in branches.iter().enumerate().rev() {
        let is_last = i + 1 == branches.len();
        if let Some(slot) = skippable.get_mut(i) {
            *slot = kind != BlockKind::Not && !is_last && rest_infallible;
        }
        rest_infallible = rest_infallible && infallible(&branch.expr);
    }
    skippable
}

/// Whether evaluating an expression can neither fail nor do work that counts (aggregates,
/// other dates): skipping it once its block is decided changes nothing but time.
pub(super) fn infallible(e: &ir::Expr) -> bool {
    let here = match &e.kind {
        ExprKind::Const(_) | ExprKind::Fact(_) | ExprKind::Param(_) | ExprKind::Rule(_) | ExprKind::Field { .. } => {
            true
        }
        ExprKind::Not(_) | ExprKind::Block(..) | ExprKind::AtLeast(..) | ExprKind::If(..) | ExprKind::Known(_) => true,
        ExprKind::Binary(op, a, _) => {
            matches!(op, BinaryOp::And | BinaryOp::Or)
                || (op.is_comparison() && !matches!(a.ty.strip_optional(), Type::Duration))
        }
        _ => false,
    };
    let mut children = here;
    e.for_each_child(|c| children = children && infallible(c));
    children
}
