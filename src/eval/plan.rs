//! The compiled form of a rule set for one period of the law: what the fast path runs.
//!
//! Compiling resolves, once per period (the dates between two version boundaries), which
//! version of each rule and parameter applies; folds parameters and constant
//! sub-expressions into constants; turns names into slot indices; fuses the commonest
//! shape, `fact <op> constant`, into one operation; and turns conditions made of such tests
//! into formulas ([`super::group`]). Conditions are evaluated as `Option<bool>`
//! (three-valued, one byte) without building values.
//!
//! The plan only computes values. It is used when no explanation is recorded, and it gives
//! up on anything unusual — an arithmetic error, a value of an unexpected shape — so that
//! [`super::engine::Engine`], the one evaluator that also records explanations, evaluates
//! the case and reports exactly. Rules the plan does not compile (exceptions, `held`,
//! aggregates, `at`, `known`, lists, `max`/`min`) are evaluated by the engine, seeded with
//! the plan's values.

use std::cmp::Ordering;

use super::code::{self, Emitter, Ins, Registers};
use super::engine::select_version;
use super::group::{Booleans, Formula};
use super::ops::{self, Tv};
use crate::ast::{BinaryOp, BlockKind};
use crate::ir::{self, ExprKind, Program, RuleId};
use crate::value::{self, Date, Value};

/// The plan gave up; the engine evaluates the case instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

type Result<T> = std::result::Result<T, Bail>;

/// One compiled operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Const(Tv),
    Fact(u32),
    Rule(u32),
    Not(Box<Op>),
    Neg(Box<Op>),
    And(Box<Op>, Box<Op>),
    Or(Box<Op>, Box<Op>),
    Compare(BinaryOp, Box<Op>, Box<Op>),
    /// `fact <op> constant` with a number constant.
    CompareFact(BinaryOp, u32, value::Rational),
    /// `fact <op> constant` with an integer constant (the operator as an ordering mask).
    CompareFactInt(BinaryOp, u32, i64, u8),
    /// `sum <op> 0` for an integer linear sum of facts (the operator as an ordering mask).
    CompareLinear(u8, Linear),
    /// An integer constant (also kept as a value).
    Int(i64, Value),
    Arithmetic(BinaryOp, Box<Op>, Box<Op>),
    Block(BlockKind, Vec<Op>),
    AtLeast(u32, Vec<Op>),
    If(Box<Op>, Box<Op>, Box<Op>),
}

/// `constant + Σ coefficient × fact` over integer facts, with bounds that make overflow
/// impossible: at most [`MAX_TERMS`] terms, coefficients within ±2^31, constant within ±2^96.
/// Every term is kept (even `x - x`), so an unknown fact makes the sum unknown, as it does
/// when the expression is evaluated step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Linear {
    terms: Vec<(u32, i64)>,
    constant: i128,
}

const MAX_TERMS: usize = 16;
const MAX_COEFFICIENT: i64 = 1 << 31;
const MAX_CONSTANT: i128 = 1 << 96;

impl Linear {
    fn constant(c: i128) -> Linear {
        Linear {
            terms: Vec::new(),
            constant: c,
        }
    }

    /// Checks the bounds.
    fn bounded(self) -> Option<Linear> {
        let ok = self.terms.len() <= MAX_TERMS
            && self.terms.iter().all(|(_, c)| c.abs() <= MAX_COEFFICIENT)
            && self.constant.abs() <= MAX_CONSTANT;
        ok.then_some(self)
    }

    fn add(mut self, other: Linear, sign: i64) -> Option<Linear> {
        for (slot, c) in other.terms {
            self.terms.push((slot, c.checked_mul(sign)?));
        }
        self.constant = self
            .constant
            .checked_add(other.constant.checked_mul(i128::from(sign))?)?;
        self.bounded()
    }

    /// The sum over a case's slots (its bounds rule out overflow).
    #[inline(always)]
    fn sum(&self, slots: &[Slot]) -> Int {
        let mut total = self.constant;
        let mut unknown = false;
        for (slot, c) in &self.terms {
            match slots.get(*slot as usize).map(|s| s.view()) {
                Some(View::Int(x)) => total += i128::from(x) * i128::from(*c),
                Some(View::Unknown) => unknown = true,
                _ => return Int::Other,
            }
        }
        if unknown {
            Int::Unknown
        } else {
            Int::Known(total)
        }
    }

    /// `sum <op> 0` as a condition; `Err` when a fact is not a 64-bit integer.
    #[inline(always)]
    pub(crate) fn holds(&self, mask: u8, slots: &[Slot]) -> Result<Option<bool>> {
        match self.sum(slots) {
            Int::Known(x) => Ok(Some(mask & (1 << (x.cmp(&0) as i8 + 1)) != 0)),
            Int::Unknown => Ok(None),
            Int::Other => Err(Bail),
        }
    }

    /// [`Linear::holds`] for a clean case (every slot a known integer or boolean), in 64-bit
    /// arithmetic; `None` on overflow or a slot that is not an integer (the caller then uses
    /// [`Linear::holds`]).
    #[inline(always)]
    pub(crate) fn holds_clean(&self, mask: u8, slots: &[Slot]) -> Option<bool> {
        let mut total = i64::try_from(self.constant).ok()?;
        for (slot, c) in &self.terms {
            let x = slots.get(*slot as usize)?.int()?;
            total = total.checked_add(x.checked_mul(*c)?)?;
        }
        Some(mask & (1 << (total.cmp(&0) as i8 + 1)) != 0)
    }

    fn scale(mut self, k: i64) -> Option<Linear> {
        for term in &mut self.terms {
            term.1 = term.1.checked_mul(k)?;
        }
        self.constant = self.constant.checked_mul(i128::from(k))?;
        self.bounded()
    }
}

/// A fact as the fast path reads it, in 8 bytes (the full value stays in the case's facts):
/// an integer, or one of four markers just above `i64::MIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot(i64);

/// What a [`Slot`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Unknown,
    Bool(bool),
    Int(i64),
    /// Any other value (its truth in a condition is false).
    Other,
}

pub(crate) const UNKNOWN: i64 = i64::MIN;
pub(crate) const OTHER: i64 = i64::MIN + 1;
const FALSE: i64 = i64::MIN + 2;
pub(crate) const TRUE: i64 = i64::MIN + 3;

impl Slot {
    pub(crate) fn of(fact: &Tv) -> Slot {
        Slot(match fact {
            None => UNKNOWN,
            Some(Value::Bool(false)) => FALSE,
            Some(Value::Bool(true)) => TRUE,
            Some(Value::Number(n)) => integer(n).filter(|i| *i > TRUE).unwrap_or(OTHER),
            Some(_) => OTHER,
        })
    }

    /// A truth value (`None` = unknown), as a fact slot holds it.
    #[inline(always)]
    pub(crate) fn of_truth(truth: Option<bool>) -> Slot {
        Slot(match truth {
            None => UNKNOWN,
            Some(false) => FALSE,
            Some(true) => TRUE,
        })
    }

    /// The encoded word: an integer, or a marker at or below [`TRUE`].
    #[inline(always)]
    pub(crate) fn raw(self) -> i64 {
        self.0
    }

    /// The integer held, if any.
    #[inline(always)]
    pub(crate) fn int(self) -> Option<i64> {
        (self.0 > TRUE).then_some(self.0)
    }

    /// Whether the fact is unknown.
    #[inline(always)]
    pub(crate) fn is_unknown(self) -> bool {
        self.0 == UNKNOWN
    }

    /// The truth of the fact in a condition.
    #[inline(always)]
    pub(crate) fn truth(self) -> Option<bool> {
        match self.0 {
            TRUE => Some(true),
            UNKNOWN => None,
            _ => Some(false),
        }
    }

    /// The fact as the tape holds it, when the slot says enough (`None`: read the fact).
    #[inline(always)]
    pub(crate) fn small(self) -> Option<super::trace::Small> {
        use super::trace::Small;
        match self.view() {
            View::Unknown => Some(Small::UNKNOWN),
            View::Bool(b) => Some(Small::bool(b)),
            View::Int(i) => Small::int(i),
            View::Other => None,
        }
    }

    #[inline(always)]
    fn view(self) -> View {
        match self.0 {
            UNKNOWN => View::Unknown,
            OTHER => View::Other,
            FALSE => View::Bool(false),
            TRUE => View::Bool(true),
            i => View::Int(i),
        }
    }
}

/// A rule set compiled for one period.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Every rule, in dependency order.
    body: Body,
    /// Whether any rule needs the engine.
    pub(crate) needs_engine: bool,
}

/// How a plan runs its rules.
#[derive(Debug, Clone)]
enum Body {
    /// Each rule is one formula: run in order, with no jumps to dispatch.
    Formulas(Box<[(u32, Formula)]>),
    /// Jump code from `entry`.
    Code { code: Vec<Ins>, entry: u32 },
}

/// The version boundaries of a program: every date from which some version applies.
pub(crate) fn boundaries(program: &Program) -> Vec<Date> {
    let mut dates: Vec<Date> = program
        .params
        .iter()
        .chain(&program.rules)
        .flat_map(|v| v.versions.iter().filter_map(|v| v.from))
        .chain(program.exceptions.iter().filter_map(|e| e.from))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// The period of a date: how many boundaries are on or before it.
pub(crate) fn period(boundaries: &[Date], date: Date) -> usize {
    boundaries.partition_point(|b| *b <= date)
}

impl Plan {
    /// Compiles the program for the law of `as_of`, given the parameter values of that date.
    pub(crate) fn compile(program: &Program, as_of: Date, params: &[Value]) -> Option<Plan> {
        if program.rule_order.len() != program.rules.len() {
            return None;
        }
        let mut compiler = Compiler {
            program,
            as_of,
            params,
            done: vec![false; program.rules.len()],
        };
        let mut steps = Vec::with_capacity(program.rules.len());
        for id in &program.rule_order {
            steps.push((id.0, compiler.rule(*id)));
            if let Some(done) = compiler.done.get_mut(id.0 as usize) {
                *done = true;
            }
        }
        let needs_engine = steps.iter().any(|(_, op)| op.is_none());
        let booleans = Booleans {
            facts: program.facts.iter().map(|f| f.ty == ir::Type::Bool).collect(),
            rules: program.rules.iter().map(|r| r.ty == ir::Type::Bool).collect(),
        };
        let formulas = steps
            .iter()
            .map(|(rule, op)| {
                Some((
                    *rule,
                    Formula::of(op.as_ref().filter(|op| is_condition(op))?, &booleans)?,
                ))
            })
            .collect::<Option<Box<[_]>>>();
        let body = match formulas {
            Some(formulas) => Body::Formulas(formulas),
            None => emit(steps, booleans)?,
        };
        Some(Plan { body, needs_engine })
    }

    /// Whether every rule is one formula (the plan then runs without jump code).
    #[cfg(test)]
    pub(crate) fn is_formulas(&self) -> bool {
        matches!(self.body, Body::Formulas(_))
    }

    /// Computes every rule into `values` (declaration order); `fallback` computes the rules
    /// the plan does not compile and is told every value the plan computes.
    pub(crate) fn run(
        &self,
        case: super::group::Case<'_>,
        registers: Registers<'_>,
        fallback: Option<&mut dyn Fallback>,
    ) -> Result<()> {
        match &self.body {
            Body::Formulas(formulas) => code::run_formulas(formulas, case, registers),
            Body::Code { code, entry } => code::run(code, *entry, case, registers, fallback),
        }
    }
}

/// The rules as jump code, last to first so that every continuation is known.
fn emit(steps: Vec<(u32, Option<Op>)>, booleans: Booleans) -> Option<Body> {
    let mut emitter = Emitter::new(booleans);
    let mut next = emitter.end()?;
    for (rule, op) in steps.into_iter().rev() {
        next = match op {
            Some(op) if is_condition(&op) => emitter.condition_rule(rule, &op, next)?,
            Some(op) => emitter.value_rule(rule, op, next)?,
            None => emitter.engine_rule(rule, next)?,
        };
    }
    Some(Body::Code {
        code: emitter.finish(),
        entry: next,
    })
}

/// Whether an operation is a condition (a rule whose value is its truth).
fn is_condition(op: &Op) -> bool {
    matches!(
        op,
        Op::Not(_) | Op::And(..) | Op::Or(..) | Op::Block(BlockKind::Any | BlockKind::All, _)
    )
}

/// Computes the rules a plan does not compile.
pub(crate) trait Fallback {
    /// A value the plan computed.
    fn seed(&mut self, id: RuleId, value: &Tv);
    /// The value of a rule the plan does not compile.
    fn rule(&mut self, id: RuleId) -> Result<Tv>;
}

struct Compiler<'p> {
    program: &'p Program,
    as_of: Date,
    params: &'p [Value],
    /// Rules computed before the one being compiled.
    done: Vec<bool>,
}

impl Compiler<'_> {
    fn rule(&self, id: RuleId) -> Option<Op> {
        let info = self.program.rule(id)?;
        if !info.exceptions.is_empty() {
            return None;
        }
        let Some(index) = select_version(&info.versions, self.as_of) else {
            return Some(Op::Const(Some(Value::Null)));
        };
        self.expr(&info.versions.get(index)?.body)
    }

    fn expr(&self, expr: &ir::Expr) -> Option<Op> {
        let op = match &expr.kind {
            ExprKind::Const(v) => constant(Some(v.clone())),
            ExprKind::Fact(id) => Op::Fact(id.0),
            ExprKind::Param(id) => constant(Some(self.params.get(id.0 as usize)?.clone())),
            ExprKind::Rule(id) if *self.done.get(id.0 as usize)? => Op::Rule(id.0),
            ExprKind::Not(e) => Op::Not(Box::new(self.expr(e)?)),
            ExprKind::Neg(e) => Op::Neg(Box::new(self.expr(e)?)),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b)?,
            ExprKind::Block(kind, branches) => Op::Block(*kind, self.branches(branches)?),
            ExprKind::AtLeast(n, branches) => Op::AtLeast(*n, self.branches(branches)?),
            ExprKind::If(c, a, b) => Op::If(
                Box::new(self.expr(c)?),
                Box::new(self.expr(a)?),
                Box::new(self.expr(b)?),
            ),
            _ => return None,
        };
        Some(fold(op))
    }

    fn branches(&self, branches: &[ir::Branch]) -> Option<Vec<Op>> {
        branches.iter().map(|b| self.expr(&b.expr)).collect()
    }

    /// The integer linear form of an expression over integer facts, if it has one.
    fn linear(&self, op: &Op) -> Option<Linear> {
        match op {
            Op::Int(i, _) => Some(Linear::constant(i128::from(*i))),
            Op::Fact(slot) => {
                let info = self.program.facts.get(*slot as usize)?;
                matches!(info.ty, ir::Type::Count | ir::Type::Integer).then(|| Linear {
                    terms: vec![(*slot, 1)],
                    constant: 0,
                })
            }
            Op::Arithmetic(BinaryOp::Add, a, b) => self.linear(a)?.add(self.linear(b)?, 1),
            Op::Arithmetic(BinaryOp::Sub, a, b) => self.linear(a)?.add(self.linear(b)?, -1),
            Op::Arithmetic(BinaryOp::Mul, a, b) => match (&**a, &**b) {
                (Op::Int(k, _), x) | (x, Op::Int(k, _)) => self.linear(x)?.scale(*k),
                _ => None,
            },
            _ => None,
        }
    }

    fn binary(&self, op: BinaryOp, a: &ir::Expr, b: &ir::Expr) -> Option<Op> {
        let (a, b) = (self.expr(a)?, self.expr(b)?);
        if op.is_comparison() && op != BinaryOp::In && !matches!((&a, &b), (Op::Fact(_), Op::Int(..))) {
            let difference = self.linear(&a).zip(self.linear(&b)).and_then(|(x, y)| x.add(y, -1));
            if let Some(sum) = difference.filter(|l| !l.terms.is_empty()) {
                return Some(Op::CompareLinear(mask(op), sum));
            }
        }
        Some(match op {
            BinaryOp::And => Op::And(Box::new(a), Box::new(b)),
            BinaryOp::Or => Op::Or(Box::new(a), Box::new(b)),
            _ if op.is_comparison() => match (a, b) {
                (Op::Fact(fact), Op::Int(i, _)) if op != BinaryOp::In => Op::CompareFactInt(op, fact, i, mask(op)),
                (Op::Fact(fact), Op::Const(Some(Value::Number(n)))) if op != BinaryOp::In => {
                    Op::CompareFact(op, fact, n)
                }
                (a, b) => Op::Compare(op, Box::new(a), Box::new(b)),
            },
            _ => Op::Arithmetic(op, Box::new(a), Box::new(b)),
        })
    }
}

/// A constant; integers that fit in 64 bits also for the integer fast path.
fn constant(value: Tv) -> Op {
    match &value {
        Some(Value::Number(n)) => match integer(n) {
            Some(i) => Op::Int(i, Value::Number(*n)),
            None => Op::Const(value),
        },
        _ => Op::Const(value),
    }
}

/// A number that is an integer fitting in 64 bits.
fn integer(n: &value::Rational) -> Option<i64> {
    if n.is_integer() {
        i64::try_from(*n.numer()).ok()
    } else {
        None
    }
}

/// Replaces an operation on constants by its value (when it has one without error).
fn fold(op: Op) -> Op {
    let foldable = match &op {
        Op::Not(a) | Op::Neg(a) => is_const(a),
        Op::And(a, b) | Op::Or(a, b) | Op::Compare(_, a, b) | Op::Arithmetic(_, a, b) => is_const(a) && is_const(b),
        _ => false,
    };
    if !foldable {
        return op;
    }
    match (Machine {
        slots: &[],
        facts: &[],
        rules: &[],
    })
    .value(&op)
    {
        Ok(value) => constant(value),
        Err(Bail) => op,
    }
}

fn is_const(op: &Op) -> bool {
    matches!(op, Op::Const(_) | Op::Int(..))
}

/// An integer sub-expression on the fast path (small enough to return in registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Int {
    Known(i128),
    Unknown,
    /// Not an integer, or too large: the general path decides.
    Other,
}

/// Runs operations over one case's facts and the rule values computed so far.
pub(crate) struct Machine<'c> {
    slots: &'c [Slot],
    facts: &'c [Tv],
    rules: &'c [Tv],
}

impl<'c> Machine<'c> {
    /// A machine over a case's slots and facts and the rule values so far.
    pub(crate) fn new(slots: &'c [Slot], facts: &'c [Tv], rules: &'c [Tv]) -> Self {
        Machine { slots, facts, rules }
    }

    /// The value of an operation (`None` = unknown).
    pub(crate) fn value(&self, op: &Op) -> Result<Tv> {
        Ok(match op {
            Op::Const(v) => v.clone(),
            Op::Int(_, v) => Some(v.clone()),
            Op::Fact(slot) => self.facts.get(*slot as usize).ok_or(Bail)?.clone(),
            Op::Rule(slot) => self.rules.get(*slot as usize).ok_or(Bail)?.clone(),
            Op::Neg(a) => self.value(a)?.map(|v| ops::negate(&v)),
            Op::Compare(op, a, b) => match (self.value(a)?, self.value(b)?) {
                (Some(x), Some(y)) => Some(ops::compare(*op, &x, &y).map_err(|_| Bail)?),
                _ => None,
            },
            Op::CompareFact(op, slot, constant) => self.compare_fact(*op, *slot, constant)?,
            Op::CompareLinear(..) => self.leaf(op)?.map(Value::Bool),
            Op::CompareFactInt(op, slot, constant, _) => match self.slots.get(*slot as usize).ok_or(Bail)?.view() {
                View::Int(x) => Some(Value::Bool(holds(*op, x.cmp(constant)))),
                View::Unknown => None,
                _ => self.compare_fact(*op, *slot, &value::Rational::from_integer(i128::from(*constant)))?,
            },
            Op::Arithmetic(op, a, b) => match (self.value(a)?, self.value(b)?) {
                (Some(x), Some(y)) => Some(ops::arithmetic(*op, &x, &y).map_err(|_| Bail)?),
                _ => None,
            },
            Op::If(c, a, b) => match self.truth(c)? {
                Some(true) => self.value(a)?,
                Some(false) => self.value(b)?,
                None => {
                    let (x, y) = (self.value(a)?, self.value(b)?);
                    if x.is_some() && x == y {
                        x
                    } else {
                        None
                    }
                }
            },
            _ => self.truth(op)?.map(Value::Bool),
        })
    }

    /// The truth of an operation in a condition: `Some(bool)`, or `None` when unknown.
    pub(crate) fn truth(&self, op: &Op) -> Result<Option<bool>> {
        Ok(match op {
            Op::Fact(_) => self.leaf(op)?,
            Op::CompareFactInt(..) => self.leaf(op)?,
            Op::Rule(slot) => truth_of(self.rules.get(*slot as usize).ok_or(Bail)?),
            Op::CompareLinear(..) => self.leaf(op)?,
            Op::Not(a) => self.leaf(a)?.map(|b| !b),
            Op::And(a, b) => match self.leaf(a)? {
                Some(false) => Some(false),
                left => ops::and(left, self.leaf(b)?),
            },
            Op::Or(a, b) => match self.leaf(a)? {
                Some(true) => Some(true),
                left => ops::or(left, self.leaf(b)?),
            },
            Op::Block(kind, branches) => self.block(*kind, branches)?,
            Op::AtLeast(n, branches) => self.at_least(*n, branches)?,
            _ => self.truth_general(op)?,
        })
    }

    /// Conditions that need values (kept out of line so the hot functions stay small).
    #[inline(never)]
    fn truth_general(&self, op: &Op) -> Result<Option<bool>> {
        Ok(match op {
            Op::CompareFact(op, slot, constant) => match self.facts.get(*slot as usize).ok_or(Bail)? {
                None => None,
                Some(Value::Number(x)) => Some(holds(*op, value::compare(x, constant))),
                Some(other) => compare(*op, other, &Value::Number(*constant))?,
            },
            Op::Compare(op, a, b) => match (*op != BinaryOp::In).then(|| (self.int(a), self.int(b))) {
                Some((Int::Known(x), Int::Known(y))) => Some(holds(*op, x.cmp(&y))),
                Some((Int::Known(_) | Int::Unknown, Int::Known(_) | Int::Unknown)) => None,
                _ => match (self.value(a)?, self.value(b)?) {
                    (Some(x), Some(y)) => compare(*op, &x, &y)?,
                    _ => None,
                },
            },
            _ => truth_of(&self.value(op)?),
        })
    }

    /// The truth of a fact or a fact compared with an integer, without a call; anything else
    /// through [`Machine::truth`].
    #[inline(always)]
    fn leaf(&self, op: &Op) -> Result<Option<bool>> {
        match op {
            Op::CompareFactInt(cmp, slot, constant, mask) => match self.slots.get(*slot as usize).ok_or(Bail)?.view() {
                View::Int(x) => Ok(Some(mask & (1 << (x.cmp(constant) as i8 + 1)) != 0)),
                View::Unknown => Ok(None),
                _ => {
                    let full = value::Rational::from_integer(i128::from(*constant));
                    Ok(truth_of(&self.compare_fact(*cmp, *slot, &full)?))
                }
            },
            Op::Fact(slot) => Ok(match self.slots.get(*slot as usize).ok_or(Bail)?.view() {
                View::Unknown => None,
                View::Bool(b) => Some(b),
                View::Int(_) | View::Other => Some(false),
            }),
            Op::Rule(slot) => Ok(truth_of(self.rules.get(*slot as usize).ok_or(Bail)?)),
            Op::CompareLinear(mask, sum) => match self.sum(sum) {
                Int::Known(x) => Ok(Some(mask & (1 << (x.cmp(&0) as i8 + 1)) != 0)),
                Int::Unknown => Ok(None),
                // A fact that is not a 64-bit integer: the engine decides.
                Int::Other => Err(Bail),
            },
            _ => self.truth(op),
        }
    }

    /// The value of a linear sum.
    #[inline(always)]
    fn sum(&self, linear: &Linear) -> Int {
        linear.sum(self.slots)
    }

    /// `fact <op> constant` on the full value of the fact.
    fn compare_fact(&self, op: BinaryOp, slot: u32, constant: &value::Rational) -> Result<Tv> {
        Ok(match self.facts.get(slot as usize).ok_or(Bail)? {
            None => None,
            Some(Value::Number(x)) => Some(Value::Bool(holds(op, value::compare(x, constant)))),
            Some(other) => Some(ops::compare(op, other, &Value::Number(*constant)).map_err(|_| Bail)?),
        })
    }

    /// The value of an integer sub-expression without building values; [`Int::Other`]
    /// whenever the general path must decide (non-integers, overflow, division).
    fn int(&self, op: &Op) -> Int {
        match op {
            Op::Int(i, _) => Int::Known(i128::from(*i)),
            Op::Fact(slot) => match self.slots.get(*slot as usize).map(|s| s.view()) {
                Some(View::Int(i)) => Int::Known(i128::from(i)),
                Some(View::Unknown) => Int::Unknown,
                _ => Int::Other,
            },
            Op::Rule(slot) => int_of(self.rules.get(*slot as usize)),
            Op::Arithmetic(op, a, b) => {
                let (x, y) = match (self.int(a), self.int(b)) {
                    (Int::Known(x), Int::Known(y)) => (x, y),
                    (Int::Known(_) | Int::Unknown, Int::Known(_) | Int::Unknown) => return Int::Unknown,
                    _ => return Int::Other,
                };
                let result = match op {
                    BinaryOp::Add => x.checked_add(y),
                    BinaryOp::Sub => x.checked_sub(y),
                    BinaryOp::Mul => x.checked_mul(y),
                    _ => None,
                };
                result.map(Int::Known).unwrap_or(Int::Other)
            }
            _ => Int::Other,
        }
    }

    fn block(&self, kind: BlockKind, branches: &[Op]) -> Result<Option<bool>> {
        if let Some(decisive) = match kind {
            BlockKind::Any => Some(true),
            BlockKind::All => Some(false),
            BlockKind::Not => None,
        } {
            // `any`: true at the first true branch, else unknown if one was, else false (`all` dually).
            let mut unknown = false;
            for branch in branches {
                match self.leaf(branch)? {
                    Some(b) if b == decisive => return Ok(Some(decisive)),
                    None => unknown = true,
                    Some(_) => {}
                }
            }
            return Ok(if unknown { None } else { Some(!decisive) });
        }
        let mut result = Some(kind != BlockKind::Any);
        for branch in branches {
            let v = self.leaf(branch)?;
            result = match kind {
                BlockKind::All => ops::and(result, v),
                BlockKind::Any => ops::or(result, v),
                BlockKind::Not => v.map(|b| !b),
            };
            if matches!(
                (kind, result),
                (BlockKind::All, Some(false)) | (BlockKind::Any, Some(true))
            ) {
                break;
            }
        }
        Ok(result)
    }

    fn at_least(&self, n: u32, branches: &[Op]) -> Result<Option<bool>> {
        let (mut n_true, mut n_unknown) = (0u32, 0u32);
        for branch in branches {
            match self.leaf(branch)? {
                Some(true) => n_true += 1,
                None => n_unknown += 1,
                Some(false) => {}
            }
        }
        Ok(ops::at_least(n, n_true, n_unknown))
    }
}

fn int_of(value: Option<&Tv>) -> Int {
    match value {
        Some(None) => Int::Unknown,
        Some(Some(Value::Number(n))) => integer(n).map(|i| Int::Known(i128::from(i))).unwrap_or(Int::Other),
        _ => Int::Other,
    }
}

fn truth_of(value: &Tv) -> Option<bool> {
    ops::truth(value)
}

/// A comparison of two known values as a condition.
fn compare(op: BinaryOp, a: &Value, b: &Value) -> Result<Option<bool>> {
    if let (Value::Number(x), Value::Number(y)) = (a, b) {
        if op != BinaryOp::In {
            return Ok(Some(holds(op, value::compare(x, y))));
        }
    }
    let result = ops::compare(op, a, b).map_err(|_| Bail)?;
    Ok(truth_of(&Some(result)))
}

/// The orderings that satisfy a comparison operator, as bits (less, equal, greater).
pub(crate) fn mask(op: BinaryOp) -> u8 {
    [Ordering::Less, Ordering::Equal, Ordering::Greater]
        .iter()
        .enumerate()
        .filter(|(_, o)| holds(op, **o))
        .map(|(i, _)| 1u8 << i)
        .sum()
}

/// Whether an ordering satisfies a comparison operator (as `ops::compare` decides).
fn holds(op: BinaryOp, ordering: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::Ne => ordering != Ordering::Equal,
        BinaryOp::Ge => ordering != Ordering::Less,
        BinaryOp::Gt => ordering == Ordering::Greater,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Lt => ordering == Ordering::Less,
        _ => false,
    }
}
