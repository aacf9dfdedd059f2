//! The compiled form of a rule set for one period of the law: what the fast path runs.
//!
//! Compiling resolves, once per period (the dates between two version boundaries), which
//! version of each rule and parameter applies; folds parameters and constant
//! sub-expressions into constants; turns names into slot indices; and fuses the commonest
//! shape, `fact <op> constant`, into one operation. Conditions are evaluated as
//! `Option<bool>` (three-valued, one byte) without building values.
//!
//! The plan only computes values. It is used when no explanation is recorded, and it gives
//! up on anything unusual — an arithmetic error, a value of an unexpected shape — so that
//! [`super::engine::Engine`], the one evaluator that also records explanations, evaluates
//! the case and reports exactly. Rules the plan does not compile (exceptions, `held`,
//! aggregates, `at`, `known`, lists, `max`/`min`) are evaluated by the engine, seeded with
//! the plan's values.

use std::cmp::Ordering;

use super::engine::select_version;
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
enum Op {
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
    Arithmetic(BinaryOp, Box<Op>, Box<Op>),
    Block(BlockKind, Vec<Op>),
    AtLeast(u32, Vec<Op>),
    If(Box<Op>, Box<Op>, Box<Op>),
}

/// How one rule is computed.
#[derive(Debug, Clone)]
enum Step {
    Compiled(Op),
    Engine,
}

/// A rule set compiled for one period.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// (rule slot, how) in dependency order.
    steps: Vec<(u32, Step)>,
    /// Whether any rule needs the engine.
    pub(crate) needs_engine: bool,
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
        let mut needs_engine = false;
        for id in &program.rule_order {
            let step = compiler.rule(*id).map(Step::Compiled).unwrap_or(Step::Engine);
            needs_engine |= matches!(step, Step::Engine);
            if let Some(done) = compiler.done.get_mut(id.0 as usize) {
                *done = true;
            }
            steps.push((id.0, step));
        }
        Some(Plan { steps, needs_engine })
    }

    /// Computes every rule into `values` (declaration order); `fallback` computes the rules
    /// the plan does not compile and is told every value the plan computes.
    pub(crate) fn run(&self, facts: &[Tv], values: &mut [Tv], fallback: &mut dyn Fallback) -> Result<()> {
        for (slot, step) in &self.steps {
            let value = match step {
                Step::Compiled(op) => {
                    let value = Machine { facts, rules: values }.value(op)?;
                    if self.needs_engine {
                        fallback.seed(RuleId(*slot), &value);
                    }
                    value
                }
                Step::Engine => fallback.rule(RuleId(*slot))?,
            };
            *values.get_mut(*slot as usize).ok_or(Bail)? = value;
        }
        Ok(())
    }
}

/// Computes the rules a plan does not compile.
pub(crate) trait Fallback {
    /// A value the plan computed.
    fn seed(&mut self, id: RuleId, value: &Tv);
    /// The value of a rule the plan does not compile.
    fn rule(&mut self, id: RuleId) -> Result<Tv>;
}

/// For plans that compile every rule.
pub(crate) struct NoFallback;

impl Fallback for NoFallback {
    fn seed(&mut self, _id: RuleId, _value: &Tv) {}

    fn rule(&mut self, _id: RuleId) -> Result<Tv> {
        Err(Bail)
    }
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
            ExprKind::Const(v) => Op::Const(Some(v.clone())),
            ExprKind::Fact(id) => Op::Fact(id.0),
            ExprKind::Param(id) => Op::Const(Some(self.params.get(id.0 as usize)?.clone())),
            ExprKind::Rule(id) if *self.done.get(id.0 as usize)? => Op::Rule(id.0),
            ExprKind::Not(e) => Op::Not(Box::new(self.expr(e)?)),
            ExprKind::Neg(e) => Op::Neg(Box::new(self.expr(e)?)),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b)?,
            ExprKind::Block(kind, branches) => Op::Block(*kind, self.branches(branches)?),
            ExprKind::AtLeast(n, branches) => Op::AtLeast(*n, self.branches(branches)?),
            ExprKind::If(c, a, b) => Op::If(Box::new(self.expr(c)?), Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            _ => return None,
        };
        Some(fold(op))
    }

    fn branches(&self, branches: &[ir::Branch]) -> Option<Vec<Op>> {
        branches.iter().map(|b| self.expr(&b.expr)).collect()
    }

    fn binary(&self, op: BinaryOp, a: &ir::Expr, b: &ir::Expr) -> Option<Op> {
        let (a, b) = (self.expr(a)?, self.expr(b)?);
        Some(match op {
            BinaryOp::And => Op::And(Box::new(a), Box::new(b)),
            BinaryOp::Or => Op::Or(Box::new(a), Box::new(b)),
            _ if op.is_comparison() => match (a, b) {
                (Op::Fact(fact), Op::Const(Some(Value::Number(n)))) if op != BinaryOp::In => {
                    Op::CompareFact(op, fact, n)
                }
                (a, b) => Op::Compare(op, Box::new(a), Box::new(b)),
            },
            _ => Op::Arithmetic(op, Box::new(a), Box::new(b)),
        })
    }
}

/// Replaces an operation on constants by its value (when it has one without error).
fn fold(op: Op) -> Op {
    let constant = match &op {
        Op::Not(a) | Op::Neg(a) => is_const(a),
        Op::And(a, b) | Op::Or(a, b) | Op::Compare(_, a, b) | Op::Arithmetic(_, a, b) => is_const(a) && is_const(b),
        _ => false,
    };
    if !constant {
        return op;
    }
    match (Machine { facts: &[], rules: &[] }).value(&op) {
        Ok(value) => Op::Const(value),
        Err(Bail) => op,
    }
}

fn is_const(op: &Op) -> bool {
    matches!(op, Op::Const(_))
}

/// Runs operations over one case's facts and the rule values computed so far.
struct Machine<'c> {
    facts: &'c [Tv],
    rules: &'c [Tv],
}

impl Machine<'_> {
    /// The value of an operation (`None` = unknown).
    fn value(&self, op: &Op) -> Result<Tv> {
        Ok(match op {
            Op::Const(v) => v.clone(),
            Op::Fact(slot) => self.facts.get(*slot as usize).ok_or(Bail)?.clone(),
            Op::Rule(slot) => self.rules.get(*slot as usize).ok_or(Bail)?.clone(),
            Op::Neg(a) => self.value(a)?.map(|v| ops::negate(&v)),
            Op::Compare(op, a, b) => match (self.value(a)?, self.value(b)?) {
                (Some(x), Some(y)) => Some(ops::compare(*op, &x, &y).map_err(|_| Bail)?),
                _ => None,
            },
            Op::CompareFact(op, slot, constant) => match self.facts.get(*slot as usize).ok_or(Bail)? {
                None => None,
                Some(Value::Number(x)) => Some(Value::Bool(holds(*op, value::compare(x, constant)))),
                Some(other) => Some(ops::compare(*op, other, &Value::Number(*constant)).map_err(|_| Bail)?),
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
    fn truth(&self, op: &Op) -> Result<Option<bool>> {
        Ok(match op {
            Op::Fact(slot) => truth_of(self.facts.get(*slot as usize).ok_or(Bail)?),
            Op::Rule(slot) => truth_of(self.rules.get(*slot as usize).ok_or(Bail)?),
            Op::CompareFact(op, slot, constant) => match self.facts.get(*slot as usize).ok_or(Bail)? {
                None => None,
                Some(Value::Number(x)) => Some(holds(*op, value::compare(x, constant))),
                Some(other) => compare(*op, other, &Value::Number(*constant))?,
            },
            Op::Compare(op, a, b) => match (self.value(a)?, self.value(b)?) {
                (Some(x), Some(y)) => compare(*op, &x, &y)?,
                _ => None,
            },
            Op::Not(a) => self.truth(a)?.map(|b| !b),
            Op::And(a, b) => match self.truth(a)? {
                Some(false) => Some(false),
                left => ops::and(left, self.truth(b)?),
            },
            Op::Or(a, b) => match self.truth(a)? {
                Some(true) => Some(true),
                left => ops::or(left, self.truth(b)?),
            },
            Op::Block(kind, branches) => self.block(*kind, branches)?,
            Op::AtLeast(n, branches) => self.at_least(*n, branches)?,
            _ => truth_of(&self.value(op)?),
        })
    }

    fn block(&self, kind: BlockKind, branches: &[Op]) -> Result<Option<bool>> {
        let mut result = Some(kind != BlockKind::Any);
        for branch in branches {
            let v = self.truth(branch)?;
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
            match self.truth(branch)? {
                Some(true) => n_true += 1,
                None => n_unknown += 1,
                Some(false) => {}
            }
        }
        Ok(ops::at_least(n, n_true, n_unknown))
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
