//! Formulas: the plain code of a condition made only of facts, parameters, rules already
//! computed, constants, logic, comparisons and arithmetic on numbers — the shape of almost
//! every statutory threshold (“视频 ≥ 200 个，或者……”).
//!
//! Such a condition runs as one walk over its tree, reading the case's words directly: no
//! call through the machine per node, no closure per node. It decides only what it can read
//! directly; anything else (a rule not yet computed in this frame, a value that is
//! not a number where one is compared, an arithmetic overflow, the strict mode's bookkeeping
//! of missing facts, the law of another date) *bails*, and the general code of the same
//! expression runs instead, from the start. A formula has no effects (it computes no rule,
//! records nothing, takes no step), so bailing part-way changes nothing; where it does not
//! bail it gives the general code's value by construction: the same three-valued logic, the
//! same word comparisons ([`ops::compare_fast`]), exact arithmetic, and the same branches
//! evaluated (a block skips exactly the branches the general code skips, `and`/`or` stop
//! where the general code stops).

use crate::ast::{BinaryOp, BlockKind};
use crate::eval::compile::{ParamValue, Period};
use crate::eval::ops;
use crate::eval::word::{Kind, Store, W};
use crate::ir::{self, ExprKind, Type};
use crate::value::{self, Date, Rational, Value};

use super::code::Code;
use super::group::Group;
use super::linear::Linear;
use super::Builder;

/// The formula cannot decide: the general code decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

type Result<T> = std::result::Result<T, Bail>;

/// A word the formula reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaf {
    Const(W),
    Fact(u32),
    Param(u32),
    /// A rule computed earlier in the main frame (else: bail).
    Rule(u32),
    /// A parameter under the law of the date a fact gives (`param at fact`): unknown when
    /// the fact is not a date.
    ParamAt {
        param: u32,
        date: u32,
    },
}

/// A condition, as written (before it becomes [`Op`]s).
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    /// A truth value read from a leaf.
    Leaf(Leaf),
    Not(Box<Cond>),
    /// `a and b` / `a or b`: the right side only when the left does not decide.
    Logic {
        and: bool,
        sides: Box<[Cond; 2]>,
    },
    /// `all`/`any`/`not` blocks; per branch, whether the block may stop after it once decided.
    Block {
        kind: BlockKind,
        branches: Vec<(Cond, bool)>,
    },
    /// `if c then a else b` over truth values.
    If(Box<[Cond; 3]>),
    /// A comparison of two leaves (the commonest: a fact against a threshold); `numbers`:
    /// both sides are numbers.
    Leaves {
        op: BinaryOp,
        sides: [Leaf; 2],
        numbers: bool,
    },
    /// A comparison of numbers computed from leaves.
    Numbers {
        op: BinaryOp,
        sides: Box<[Num; 2]>,
    },
    /// Membership in a list of constant words.
    In {
        item: Leaf,
        words: Box<[W]>,
    },
    /// An `any` or `all` of simple tests (and other items), run in one loop.
    Group(Box<Group>),
    /// A comparison of sums of products, as one sum.
    Linear(Box<Linear>),
}

/// A number, as written.
#[derive(Debug, Clone)]
pub(crate) enum Num {
    Leaf(Leaf),
    Neg(Box<Num>),
    Arith {
        op: BinaryOp,
        sides: Box<[Num; 2]>,
    },
    /// `if c then a else b` over numbers (the form a `prefer` clause takes).
    If(Box<(Cond, Num, Num)>),
}

/// A condition's formula, with its general code for when the formula bails.
pub(crate) struct Formula {
    pub(crate) cond: Cond,
    pub(crate) general: Code,
}

/// What a formula reads: the case's fact words, the main frame's rule values, the law of the
/// main frame, and the store behind words that are references.
pub(crate) struct Reader<'a, 'c> {
    pub(crate) facts: &'a [W],
    pub(crate) values: &'a [W],
    pub(crate) done: &'a [bool],
    pub(crate) params: &'a [ParamValue],
    pub(crate) store: &'a Store<'c>,
    /// The law of every period, and the dates between them (for `param at date`).
    pub(crate) periods: &'a [Period],
    pub(crate) boundaries: &'a [Date],
}

impl Reader<'_, '_> {
    /// A fact's word.
    #[inline(always)]
    pub(super) fn fact_word(&self, fact: u32) -> W {
        self.facts.get(fact as usize).copied().unwrap_or(W::UNKNOWN)
    }

    /// A leaf's word (bails on a rule not yet computed, a parameter without exact value).
    #[inline(always)]
    pub(super) fn leaf_word(&self, leaf: Leaf) -> Result<W> {
        self.word(leaf)
    }

    /// A comparison of two numbers, as the formula walk decides it.
    #[inline]
    pub(super) fn compare(&self, op: BinaryOp, sides: [Leaf; 2]) -> Result<W> {
        self.test(op, sides, true)
    }

    #[inline(always)]
    fn word(&self, leaf: Leaf) -> Result<W> {
        match leaf {
            Leaf::Fact(fact) => Ok(self.facts.get(fact as usize).copied().unwrap_or(W::UNKNOWN)),
            Leaf::Param(param) => match self.params.get(param as usize) {
                Some(ParamValue::Value(w)) => Ok(*w),
                Some(ParamValue::Failed(_)) => Err(Bail),
                None => Ok(W::UNKNOWN),
            },
            Leaf::Rule(rule) => match self.done.get(rule as usize) {
                Some(true) => Ok(self.values.get(rule as usize).copied().unwrap_or(W::UNKNOWN)),
                _ => Err(Bail),
            },
            Leaf::Const(w) => Ok(w),
            Leaf::ParamAt { param, date } => self.param_at(param, date),
        }
    }

    /// A parameter under the law of the date in a fact, as `at` gives it.
    #[inline]
    fn param_at(&self, param: u32, date: u32) -> Result<W> {
        let Kind::Date(when) = self.fact_word(date).kind() else {
            return Ok(W::UNKNOWN);
        };
        let period = self.boundaries.partition_point(|b| *b <= when);
        match self
            .periods
            .get(period)
            .or(self.periods.first())
            .map(|p| p.params.get(param as usize))
        {
            Some(Some(ParamValue::Value(w))) => Ok(*w),
            Some(Some(ParamValue::Failed(_))) => Err(Bail),
            _ => Ok(W::UNKNOWN),
        }
    }

    /// The exact value of a known number's word.
    #[cold]
    fn exact(&self, word: W) -> Result<Rational> {
        if let Some(i) = word.as_int() {
            return Ok(Rational::from_integer(i128::from(i)));
        }
        match word.store_index().and_then(|index| self.store.get(index)) {
            Some(Value::Number(r)) => Ok(*r),
            _ => Err(Bail),
        }
    }

    /// The comparison of two leaves.
    #[inline(always)]
    fn test(&self, op: BinaryOp, [a, b]: [Leaf; 2], numbers: bool) -> Result<W> {
        let (x, y) = (self.word(a)?, self.word(b)?);
        if let (Some(i), Some(j)) = (x.as_int(), y.as_int()) {
            return Ok(W::bool(ops::ordered(op, i.cmp(&j))));
        }
        if !x.is_known() || !y.is_known() {
            return Ok(W::UNKNOWN);
        }
        match ops::compare_fast(op, x, y) {
            Some(w) => Ok(w),
            None if numbers => Ok(W::bool(ops::ordered(op, self.exact(x)?.cmp(&self.exact(y)?)))),
            None => Err(Bail),
        }
    }
}

impl Formula {
    /// The condition's word (as the general code gives it), or `Bail`.
    #[inline]
    pub(crate) fn eval(&self, r: &Reader<'_, '_>) -> Result<W> {
        self.cond.eval(r)
    }
}

impl Cond {
    pub(super) fn eval(&self, r: &Reader<'_, '_>) -> Result<W> {
        match self {
            Cond::Leaf(leaf) => r.word(*leaf),
            Cond::Leaves { op, sides, numbers } => r.test(*op, *sides, *numbers),
            Cond::Block { kind, branches } => block(*kind, branches, r),
            Cond::Not(inner) => Ok(W::of_truth(inner.eval(r)?.truth().map(|b| !b))),
            Cond::Logic { and, sides } => {
                let [a, b] = &**sides;
                let left = a.eval(r)?.truth();
                if left == Some(!and) {
                    return Ok(W::of_truth(left));
                }
                let right = b.eval(r)?.truth();
                Ok(W::of_truth(if *and {
                    ops::and(left, right)
                } else {
                    ops::or(left, right)
                }))
            }
            Cond::If(parts) => {
                let [c, a, b] = &**parts;
                match c.eval(r)?.truth() {
                    Some(true) => a.eval(r),
                    Some(false) => b.eval(r),
                    None => {
                        let (x, y) = (a.eval(r)?, b.eval(r)?);
                        // Truth values (or `none`): the same value is the same word.
                        Ok(if x.is_known() && x == y { x } else { W::UNKNOWN })
                    }
                }
            }
            Cond::Numbers { op, sides } => numbers(*op, sides, r),
            Cond::In { item, words } => membership(r.word(*item)?, words),
            Cond::Group(group) => group.eval(r),
            Cond::Linear(linear) => linear.eval(r),
        }
    }
}

/// `x in [constant words]`, as the general code's fast path decides it.
fn membership(x: W, words: &[W]) -> Result<W> {
    if x == W::UNKNOWN || x == W::NULL {
        // Unknown stays unknown; `none in […]` has no value.
        return Ok(x);
    }
    if x.is_ref() {
        return Err(Bail);
    }
    Ok(W::bool(words.contains(&x)))
}

fn block(kind: BlockKind, branches: &[(Cond, bool)], r: &Reader<'_, '_>) -> Result<W> {
    let mut acc = Some(kind != BlockKind::Any);
    for (branch, skippable) in branches {
        let truth = branch.eval(r)?.truth();
        acc = match kind {
            BlockKind::All => ops::and(acc, truth),
            BlockKind::Any => ops::or(acc, truth),
            BlockKind::Not => truth.map(|b| !b),
        };
        let decided = matches!(
            (kind, acc),
            (BlockKind::All, Some(false)) | (BlockKind::Any, Some(true))
        );
        if *skippable && decided {
            break;
        }
    }
    Ok(W::of_truth(acc))
}

/// A comparison of computed numbers: on integers when every part is one, else exactly.
pub(super) fn numbers(op: BinaryOp, sides: &[Num; 2], r: &Reader<'_, '_>) -> Result<W> {
    let [a, b] = sides;
    if let (Ok(x), Ok(y)) = (a.int(r), b.int(r)) {
        return Ok(match (x, y) {
            (Some(x), Some(y)) => W::bool(ops::ordered(op, x.cmp(&y))),
            _ => W::UNKNOWN,
        });
    }
    match (a.exact(r)?, b.exact(r)?) {
        (Some(x), Some(y)) => Ok(W::bool(ops::ordered(op, x.cmp(&y)))),
        _ => Ok(W::UNKNOWN),
    }
}

impl Num {
    /// The number when it and every part are integers words hold (`None`: unknown); `Err`
    /// when it is not (a fraction, an overflow): [`Num::exact`] computes it then.
    fn int(&self, r: &Reader<'_, '_>) -> Result<Option<i64>> {
        match self {
            Num::Leaf(leaf) => {
                let word = r.word(*leaf)?;
                match word.as_int() {
                    Some(i) => Ok(Some(i)),
                    None if word == W::UNKNOWN => Ok(None),
                    None => Err(Bail),
                }
            }
            Num::Neg(inner) => match inner.int(r)? {
                Some(i) => i.checked_neg().filter(|n| W::int(*n).is_some()).map(Some).ok_or(Bail),
                None => Ok(None),
            },
            Num::Arith { op, sides } => {
                let [a, b] = &**sides;
                let (x, y) = (a.int(r)?, b.int(r)?);
                let (Some(x), Some(y)) = (x, y) else { return Ok(None) };
                let result = match op {
                    BinaryOp::Add => x.checked_add(y),
                    BinaryOp::Sub => x.checked_sub(y),
                    BinaryOp::Mul => x.checked_mul(y),
                    BinaryOp::Div if y != 0 && x.checked_rem(y) == Some(0) => x.checked_div(y),
                    _ => None,
                };
                // Only integers a word holds, so that the value is the general code's.
                result.filter(|i| W::int(*i).is_some()).map(Some).ok_or(Bail)
            }
            Num::If(parts) => {
                let (c, a, b) = &**parts;
                match c.eval(r)?.truth() {
                    Some(true) => a.int(r),
                    Some(false) => b.int(r),
                    // Undecided: the value both sides agree on, if they do.
                    None => Ok(match (a.int(r)?, b.int(r)?) {
                        (Some(x), Some(y)) if x == y => Some(x),
                        _ => None,
                    }),
                }
            }
        }
    }

    /// The exact number (`None`: unknown); `Err` on an overflow or a division by zero (the
    /// general code reports it) or a value that is not a number.
    #[cold]
    fn exact(&self, r: &Reader<'_, '_>) -> Result<Option<Rational>> {
        match self {
            Num::Leaf(leaf) => {
                let word = r.word(*leaf)?;
                if word == W::UNKNOWN {
                    return Ok(None);
                }
                r.exact(word).map(Some)
            }
            Num::Neg(inner) => Ok(inner.exact(r)?.map(|q| -q)),
            Num::Arith { op, sides } => {
                let [a, b] = &**sides;
                let (x, y) = (a.exact(r)?, b.exact(r)?);
                let (Some(x), Some(y)) = (x, y) else { return Ok(None) };
                let exact = match op {
                    BinaryOp::Add => value::add(&x, &y),
                    BinaryOp::Sub => value::sub(&x, &y),
                    BinaryOp::Mul => value::mul(&x, &y),
                    BinaryOp::Div => value::div(&x, &y),
                    _ => return Err(Bail),
                };
                exact.map(Some).map_err(|_| Bail)
            }
            Num::If(parts) => {
                let (c, a, b) = &**parts;
                match c.eval(r)?.truth() {
                    Some(true) => a.exact(r),
                    Some(false) => b.exact(r),
                    None => Ok(match (a.exact(r)?, b.exact(r)?) {
                        (Some(x), Some(y)) if x == y => Some(x),
                        _ => None,
                    }),
                }
            }
        }
    }
}

// ------------------------------------------------------------------------ compiling

/// Writes formulas from checked expressions.
pub(crate) struct Writer<'b> {
    pub(crate) builder: &'b mut Builder,
}

impl Writer<'_> {
    /// The formula of a condition, when all of it is something a formula reads.
    pub(crate) fn cond(&mut self, e: &ir::Expr) -> Option<Cond> {
        if !matches!(e.ty.strip_optional(), Type::Bool) {
            return None;
        }
        Some(match &e.kind {
            ExprKind::Not(inner) => Cond::Not(Box::new(self.cond(inner)?)),
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => Group::regroup(Cond::Logic {
                and: *op == BinaryOp::And,
                sides: Box::new([self.cond(a)?, self.cond(b)?]),
            }),
            ExprKind::Binary(op, a, b) if op.is_comparison() => self.comparison(*op, a, b)?,
            ExprKind::Block(kind, branches) => {
                let mut compiled = Vec::with_capacity(branches.len());
                for (branch, skippable) in branches.iter().zip(super::expr::skippable(*kind, branches)) {
                    compiled.push((self.cond(&branch.expr)?, skippable));
                }
                Group::regroup(Cond::Block {
                    kind: *kind,
                    branches: compiled,
                })
            }
            ExprKind::If(c, a, b) => Cond::If(Box::new([self.cond(c)?, self.cond(a)?, self.cond(b)?])),
            _ => Cond::Leaf(self.leaf(e)?),
        })
    }

    fn comparison(&mut self, op: BinaryOp, a: &ir::Expr, b: &ir::Expr) -> Option<Cond> {
        if op == BinaryOp::In {
            let ExprKind::List(items) = &b.kind else { return None };
            let words = items
                .iter()
                .map(|item| match &item.kind {
                    ExprKind::Const(v) => Some(self.builder.constant(v)).filter(|w| !w.is_ref()),
                    _ => None,
                })
                .collect::<Option<Box<[W]>>>()?;
            return Some(Cond::In {
                item: self.leaf(a)?,
                words,
            });
        }
        let numbers = is_number(&a.ty) && is_number(&b.ty);
        let words = numbers
            || matches!(
                a.ty.strip_optional(),
                Type::Date | Type::Enum(_) | Type::Bool | Type::Text
            );
        if let (true, Some(x), Some(y)) = (words, self.leaf(a), self.leaf(b)) {
            return Some(Cond::Leaves {
                op,
                sides: [x, y],
                numbers,
            });
        }
        if numbers {
            return Some(match Linear::of(op, Box::new([self.num(a)?, self.num(b)?])) {
                Ok(linear) => Cond::Linear(Box::new(linear)),
                Err(sides) => Cond::Numbers { op, sides },
            });
        }
        None
    }

    fn num(&mut self, e: &ir::Expr) -> Option<Num> {
        if !is_number(&e.ty) {
            return None;
        }
        Some(match &e.kind {
            ExprKind::Neg(inner) => Num::Neg(Box::new(self.num(inner)?)),
            ExprKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div), a, b) => {
                Num::Arith {
                    op: *op,
                    sides: Box::new([self.num(a)?, self.num(b)?]),
                }
            }
            ExprKind::If(c, a, b) => Num::If(Box::new((self.cond(c)?, self.num(a)?, self.num(b)?))),
            _ => Num::Leaf(self.leaf(e)?),
        })
    }

    fn leaf(&mut self, e: &ir::Expr) -> Option<Leaf> {
        Some(match &e.kind {
            ExprKind::Const(v) => Leaf::Const(self.builder.constant(v)),
            ExprKind::Fact(id) => Leaf::Fact(id.0),
            ExprKind::Param(id) => Leaf::Param(id.0),
            ExprKind::Rule(id) => Leaf::Rule(id.0),
            ExprKind::At(target, date) => match (&target.kind, &date.kind) {
                (ExprKind::Param(param), ExprKind::Fact(fact)) => Leaf::ParamAt {
                    param: param.0,
                    date: fact.0,
                },
                _ => return None,
            },
            _ => return None,
        })
    }
}

fn is_number(ty: &Type) -> bool {
    matches!(
        ty.strip_optional(),
        Type::Count | Type::Integer | Type::Decimal | Type::Money | Type::Percent
    )
}

impl Cond {
    /// Whether the formula is more than one leaf (a leaf alone gains nothing).
    pub(crate) fn is_compound(&self) -> bool {
        !matches!(self, Cond::Leaf(_))
    }
}
