//! Explanations recorded as a compact trace, turned into a tree only when asked for.
//!
//! A [`Tape`] is the rule set compiled for one period of the law (like [`super::plan::Plan`])
//! into postorder steps that evaluate exactly as [`super::engine::Engine`] does when it
//! records an explanation: blocks are exhaustive, `and`/`or` short-circuit, rules run in
//! dependency order. Everything about a node that does not depend on the case — ids, labels,
//! citations, rule text, locations, the versions and values of parameters for the period —
//! is computed once, when the tape is compiled, into a table of node templates. Evaluating a
//! case then only appends small records (template index, value, where its children start)
//! to a reused buffer; [`Tape::materialise`] builds the same [`Node`] tree the engine builds,
//! from the records and the templates.
//!
//! The tape covers rules made of facts, parameters, constants, rule references, comparisons,
//! arithmetic, `not`/`and`/`or` and blocks. Anything else (exceptions, `held`, aggregates,
//! `at`, `if`, `known`, lists, `max`/`min`) leaves the program without a tape, and an
//! arithmetic or comparison error makes the tape give up: the engine then evaluates and
//! explains the case and reports exactly.

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::engine::{select_version, version_text};
use super::ops::{self, Tv};
use super::output::{enum_label, to_json, to_json_in};
use super::plan::{Bail, Slot};
use crate::ast::{BinaryOp, BlockKind};
use crate::explain::{Node, NodeKind};
use crate::facts::FactValues;
use crate::ir::{self, ExprKind, Program, RuleId, Type};
use crate::value::{Date, Rational, Value};

type Result<T> = std::result::Result<T, Bail>;

/// One step of a tape.
#[derive(Debug, Clone)]
enum Step {
    /// Pushes a constant.
    Const(Value),
    /// Pushes a constant held in a [`Small`].
    Small(Small),
    /// Pushes a fact's value; records a fact node (full mode).
    Fact {
        fact: u32,
        node: u32,
    },
    /// Pushes a parameter's value for the period; records its node (full mode).
    Param {
        value: Small,
        node: u32,
    },
    /// The same for a parameter whose value is not held in a [`Small`].
    ParamValue {
        value: Value,
        node: u32,
    },
    /// Pushes a rule's value (computed earlier); records a reference node.
    Rule {
        rule: u32,
        node: u32,
    },
    /// Remembers where the records of the next node's children start.
    Mark,
    Not,
    Neg,
    Arithmetic(BinaryOp),
    /// `fact <op> parameter or constant` in one step: the fact, parameter and comparison
    /// nodes as the separate steps would record them (full mode).
    CompareFact {
        op: BinaryOp,
        fact: u32,
        fact_node: u32,
        right: Small,
        /// The parameter's node, when the right side is a parameter.
        param_node: Option<u32>,
        node: u32,
        /// When the comparison is a whole branch, the branch's node (as `Branch` would do).
        branch: Option<u32>,
    },
    /// A branch that is a fact, in one step (as `Mark, Fact, Branch`).
    FactBranch {
        fact: u32,
        fact_node: u32,
        node: u32,
    },
    /// Compares the two values on top; records a comparison node (full mode).
    Compare {
        op: BinaryOp,
        node: u32,
    },
    /// The left side of `and` (`and: true`) or `or`: when it decides, skips to `to`.
    ShortCircuit {
        and: bool,
        to: u32,
    },
    /// Combines both sides of `and` / `or`.
    Logic {
        and: bool,
    },
    /// The truth of a branch; records a branch node.
    Branch {
        node: u32,
    },
    /// Folds the last `n` branches; records the block node.
    Block {
        kind: BlockKind,
        n: u32,
        node: u32,
    },
    /// Folds the last `count` branches of `n of { … }`; records its node.
    AtLeast {
        n: u32,
        count: u32,
        node: u32,
    },
    /// Stores a rule's value; records the rule node.
    SetRule {
        rule: u32,
        node: u32,
    },
}

/// What a record adds to its template when the tree is built.
#[derive(Debug, Clone)]
enum Dynamic {
    /// The value, encoded for its type.
    Value(Type),
    /// A three-valued truth.
    Truth,
    /// A fact's value and whether it is the default.
    Fact(Type),
    /// A comparison's result, sides and margin.
    Comparison,
    /// Nothing: the node is the same for every case of the period.
    Static,
}

/// The parts of a node fixed for the period.
#[derive(Debug, Clone)]
struct Template {
    node: Node,
    dynamic: Dynamic,
    /// For rule nodes, the rule.
    rule: Option<u32>,
}

/// A rule set compiled for one period, recording explanations as a trace.
#[derive(Debug, Clone)]
pub(crate) struct Tape {
    steps: Vec<Step>,
    templates: Vec<Template>,
    /// An upper bound on the engine's steps for one case (see [`Tape::fits`]).
    bound: u64,
}

/// A value on the tape's stack and in its records, in one 8-byte word: booleans, unknown and
/// 64-bit integers held directly (markers just above `i64::MIN`, as in [`Slot`]), other values
/// by their index in the trace's `values`. Values of several fields were built with narrow
/// stores and copied with wide loads, which stalled on store forwarding; one word does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Small(i64);

const UNKNOWN: i64 = i64::MIN;
const FALSE: i64 = i64::MIN + 1;
const TRUE: i64 = i64::MIN + 2;
/// `VALUE + k` stands for the `k`th value of the trace.
const VALUE: i64 = i64::MIN + 3;
/// The least integer held directly.
const LEAST_INT: i64 = VALUE + (1 << 32);

/// What a [`Small`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unknown,
    Bool(bool),
    Int(i64),
    Value(u32),
}

impl Small {
    pub(crate) const UNKNOWN: Small = Small(UNKNOWN);

    pub(crate) fn bool(b: bool) -> Small {
        Small(if b { TRUE } else { FALSE })
    }

    /// A three-valued truth.
    fn truth_value(t: Option<bool>) -> Small {
        t.map_or(Small::UNKNOWN, Small::bool)
    }

    /// An integer, when it is held directly.
    pub(crate) fn int(i: i64) -> Option<Small> {
        (i >= LEAST_INT).then_some(Small(i))
    }

    fn kind(self) -> Kind {
        match self.0 {
            UNKNOWN => Kind::Unknown,
            FALSE => Kind::Bool(false),
            TRUE => Kind::Bool(true),
            i if i >= LEAST_INT => Kind::Int(i),
            i => Kind::Value(u32::try_from(i.wrapping_sub(VALUE)).unwrap_or(u32::MAX)),
        }
    }

    /// The value held directly, when it can be.
    fn direct(value: &Tv) -> Option<Small> {
        match value {
            None => Some(Small::UNKNOWN),
            Some(Value::Bool(b)) => Some(Small::bool(*b)),
            Some(Value::Number(n)) if n.is_integer() => i64::try_from(*n.numer()).ok().and_then(Small::int),
            Some(_) => None,
        }
    }

    /// The truth in a condition (as `ops::truth`): only booleans are true.
    fn truth(self) -> Option<bool> {
        match self.0 {
            UNKNOWN => None,
            TRUE => Some(true),
            _ => Some(false),
        }
    }
}

/// The trace of one case, and the evaluation stacks; reused from case to case.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    /// The records as columns (each written with whole-word stores): the template's index
    /// above the index of the record where the node's children start,
    heads: Vec<u64>,
    /// for comparisons the index of their sides, for facts 1 when defaulted,
    extras: Vec<u32>,
    /// and the node's value.
    results: Vec<Small>,
    sides: Vec<(Small, Small)>,
    stack: Vec<Small>,
    /// The values not held directly in a [`Small`].
    values: Vec<Value>,
    truths: Vec<Option<bool>>,
    marks: Vec<u32>,
}

impl Trace {
    fn clear(&mut self) {
        self.heads.clear();
        self.extras.clear();
        self.results.clear();
        self.sides.clear();
        self.stack.clear();
        self.values.clear();
        self.truths.clear();
        self.marks.clear();
    }

    fn mark(&mut self) -> Result<u32> {
        self.marks.pop().ok_or(Bail)
    }

    fn pop(&mut self) -> Result<Small> {
        self.stack.pop().ok_or(Bail)
    }

    /// A value as a [`Small`] (kept in `values` when it is not held directly).
    fn small(&mut self, value: Tv) -> Small {
        if let Some(small) = Small::direct(&value) {
            return small;
        }
        match (value, u32::try_from(self.values.len())) {
            (Some(v), Ok(index)) => {
                self.values.push(v);
                Small(VALUE.wrapping_add(i64::from(index)))
            }
            _ => Small::UNKNOWN,
        }
    }

    /// A [`Small`] as a value.
    fn value(&self, small: Small) -> Tv {
        match small.kind() {
            Kind::Unknown => None,
            Kind::Bool(b) => Some(Value::Bool(b)),
            Kind::Int(i) => Some(Value::Number(Rational::from_integer(i128::from(i)))),
            Kind::Value(index) => self.values.get(index as usize).cloned(),
        }
    }

    /// A fact's value: from its 8-byte slot when that says enough (the full values are six
    /// times larger to read).
    #[inline(always)]
    fn fact(&mut self, slots: &[Slot], facts: &FactValues, fact: u32) -> Small {
        match slots.get(fact as usize).and_then(|s| s.small()) {
            Some(small) => small,
            None => match facts.values.get(fact as usize) {
                Some(v) => Small::direct(v).unwrap_or_else(|| self.small(v.clone())),
                None => Small::UNKNOWN,
            },
        }
    }

    /// A comparison, as `Engine::binary` computes it.
    #[inline(always)]
    fn compare(&mut self, op: BinaryOp, left: Small, right: Small) -> Result<Small> {
        Ok(match (left.kind(), right.kind()) {
            (Kind::Unknown, _) | (_, Kind::Unknown) => Small::UNKNOWN,
            (Kind::Int(l), Kind::Int(r)) if op != BinaryOp::In => Small::bool(holds(op, l.cmp(&r))),
            _ => {
                let (Some(l), Some(r)) = (self.value(left), self.value(right)) else {
                    return Err(Bail);
                };
                let v = ops::compare(op, &l, &r).map_err(|_| Bail)?;
                self.small(Some(v))
            }
        })
    }

    fn record(&mut self, template: u32, start: u32, extra: u32, value: Small) {
        self.heads.push(u64::from(template) << 32 | u64::from(start));
        self.extras.push(extra);
        self.results.push(value);
    }

    fn len(&self) -> u32 {
        u32::try_from(self.heads.len()).unwrap_or(u32::MAX)
    }
}

impl Tape {
    /// Compiles the program for the law of `as_of`, given the parameter values of that date;
    /// `None` when some rule uses what the tape does not cover.
    pub(crate) fn compile(program: &Program, as_of: Date, params: &[Value]) -> Option<Tape> {
        if program.rule_order.len() != program.rules.len() {
            return None;
        }
        let mut compiler = Compiler {
            program,
            as_of,
            params,
            done: vec![false; program.rules.len()],
            steps: Vec::new(),
            templates: Vec::new(),
            exprs: 0,
        };
        for id in &program.rule_order {
            compiler.rule(*id)?;
            *compiler.done.get_mut(id.0 as usize)? = true;
        }
        // Parameters are evaluated at most once per date, each expression of a body once.
        let param_exprs: u64 = program
            .params
            .iter()
            .flat_map(|p| &p.versions)
            .map(|v| count_exprs(&v.body))
            .sum();
        Some(Tape {
            steps: compiler.steps,
            templates: compiler.templates,
            bound: compiler.exprs.saturating_add(param_exprs),
        })
    }

    /// Whether the engine could not reach a step limit of `max_steps` on any case: every
    /// expression is evaluated at most once per case, so then the tape, which has no step
    /// limit, behaves as the engine does.
    pub(crate) fn fits(&self, max_steps: u64) -> bool {
        self.bound <= max_steps
    }

    /// Evaluates one case: every rule's value into `values` (declaration order), the records
    /// into `trace` (facts, parameters and comparisons only when `full`).
    pub(crate) fn run(
        &self,
        (slots, facts): (&[Slot], &FactValues),
        full: bool,
        values: &mut [Tv],
        trace: &mut Trace,
    ) -> Result<()> {
        trace.clear();
        let mut pc = 0usize;
        while let Some(step) = self.steps.get(pc) {
            pc += 1;
            match step {
                Step::Const(v) => {
                    let small = trace.small(Some(v.clone()));
                    trace.stack.push(small);
                }
                Step::Small(small) => trace.stack.push(*small),
                Step::Fact { fact, node } => {
                    let value = trace.fact(slots, facts, *fact);
                    if full {
                        let defaulted = facts.defaulted.get(*fact as usize).copied().unwrap_or(false);
                        let start = trace.len();
                        trace.record(*node, start, u32::from(defaulted), value);
                    }
                    trace.stack.push(value);
                }
                Step::CompareFact {
                    op,
                    fact,
                    fact_node,
                    right,
                    param_node,
                    node,
                    branch,
                } => {
                    let start = trace.len();
                    let left = trace.fact(slots, facts, *fact);
                    let result = trace.compare(*op, left, *right)?;
                    if full {
                        let defaulted = facts.defaulted.get(*fact as usize).copied().unwrap_or(false);
                        trace.record(*fact_node, start, u32::from(defaulted), left);
                        if let Some(param_node) = param_node {
                            trace.record(*param_node, start + 1, 0, Small::UNKNOWN);
                        }
                        let side = u32::try_from(trace.sides.len()).map_err(|_| Bail)?;
                        trace.sides.push((left, *right));
                        trace.record(*node, start, side, result);
                    }
                    match branch {
                        Some(branch) => {
                            let truth = result.truth();
                            trace.record(*branch, start, 0, Small::truth_value(truth));
                            trace.truths.push(truth);
                        }
                        None => trace.stack.push(result),
                    }
                }
                Step::FactBranch { fact, fact_node, node } => {
                    let start = trace.len();
                    let value = trace.fact(slots, facts, *fact);
                    if full {
                        let defaulted = facts.defaulted.get(*fact as usize).copied().unwrap_or(false);
                        trace.record(*fact_node, start, u32::from(defaulted), value);
                    }
                    let truth = value.truth();
                    trace.record(*node, start, 0, Small::truth_value(truth));
                    trace.truths.push(truth);
                }
                Step::Param { value, node } => {
                    if full {
                        let start = trace.len();
                        trace.record(*node, start, 0, Small::UNKNOWN);
                    }
                    trace.stack.push(*value);
                }
                Step::ParamValue { value, node } => {
                    if full {
                        let start = trace.len();
                        trace.record(*node, start, 0, Small::UNKNOWN);
                    }
                    let small = trace.small(Some(value.clone()));
                    trace.stack.push(small);
                }
                Step::Rule { rule, node } => {
                    let value = values.get(*rule as usize).ok_or(Bail)?;
                    let value = Small::direct(value).unwrap_or_else(|| trace.small(value.clone()));
                    let start = trace.len();
                    trace.record(*node, start, 0, value);
                    trace.stack.push(value);
                }
                Step::Mark => {
                    let start = trace.len();
                    trace.marks.push(start);
                }
                Step::Not => {
                    let v = trace.pop()?.truth();
                    trace.stack.push(Small::truth_value(v.map(|b| !b)));
                }
                Step::Neg => {
                    let v = trace.pop()?;
                    let result = match v.kind() {
                        Kind::Int(i) if Small::int(-i).is_some() => Small(-i),
                        _ => {
                            let negated = trace.value(v).map(|v| ops::negate(&v));
                            trace.small(negated)
                        }
                    };
                    trace.stack.push(result);
                }
                Step::Arithmetic(op) => {
                    let (right, left) = (trace.pop()?, trace.pop()?);
                    let integer = match (left.kind(), right.kind(), op) {
                        // Integers stay integers under these (exact, as `ops::arithmetic` computes).
                        (Kind::Int(l), Kind::Int(r), BinaryOp::Add) => l.checked_add(r).and_then(Small::int),
                        (Kind::Int(l), Kind::Int(r), BinaryOp::Sub) => l.checked_sub(r).and_then(Small::int),
                        (Kind::Int(l), Kind::Int(r), BinaryOp::Mul) => l.checked_mul(r).and_then(Small::int),
                        _ => None,
                    };
                    let result = match integer {
                        _ if left == Small::UNKNOWN || right == Small::UNKNOWN => Small::UNKNOWN,
                        Some(small) => small,
                        None => {
                            let (Some(l), Some(r)) = (trace.value(left), trace.value(right)) else {
                                return Err(Bail);
                            };
                            let v = ops::arithmetic(*op, &l, &r).map_err(|_| Bail)?;
                            trace.small(Some(v))
                        }
                    };
                    trace.stack.push(result);
                }
                Step::Compare { op, node } => {
                    let start = trace.mark()?;
                    let (right, left) = (trace.pop()?, trace.pop()?);
                    let result = trace.compare(*op, left, right)?;
                    if full {
                        let side = u32::try_from(trace.sides.len()).map_err(|_| Bail)?;
                        trace.sides.push((left, right));
                        trace.record(*node, start, side, result);
                    }
                    trace.stack.push(result);
                }
                Step::ShortCircuit { and, to } => {
                    let left = trace.pop()?.truth();
                    trace.stack.push(left.map_or(Small::UNKNOWN, Small::bool));
                    if left == Some(!*and) {
                        pc = *to as usize;
                    }
                }
                Step::Logic { and } => {
                    let right = trace.pop()?.truth();
                    let left = trace.pop()?.truth();
                    let result = if *and {
                        ops::and(left, right)
                    } else {
                        ops::or(left, right)
                    };
                    trace.stack.push(result.map_or(Small::UNKNOWN, Small::bool));
                }
                Step::Branch { node } => {
                    let start = trace.mark()?;
                    let value = trace.pop()?.truth();
                    trace.record(*node, start, 0, value.map_or(Small::UNKNOWN, Small::bool));
                    trace.truths.push(value);
                }
                Step::Block { kind, n, node } => {
                    let start = trace.mark()?;
                    let from = trace.truths.len().checked_sub(*n as usize).ok_or(Bail)?;
                    let mut result = match kind {
                        BlockKind::All | BlockKind::Not => Some(true),
                        BlockKind::Any => Some(false),
                    };
                    for v in trace.truths.drain(from..) {
                        result = match kind {
                            BlockKind::All => ops::and(result, v),
                            BlockKind::Any => ops::or(result, v),
                            BlockKind::Not => v.map(|b| !b),
                        };
                    }
                    let value = result.map_or(Small::UNKNOWN, Small::bool);
                    trace.record(*node, start, 0, value);
                    trace.stack.push(value);
                }
                Step::AtLeast { n, count, node } => {
                    let start = trace.mark()?;
                    let from = trace.truths.len().checked_sub(*count as usize).ok_or(Bail)?;
                    let (mut n_true, mut n_unknown) = (0u32, 0u32);
                    for v in trace.truths.drain(from..) {
                        match v {
                            Some(true) => n_true += 1,
                            None => n_unknown += 1,
                            Some(false) => {}
                        }
                    }
                    let value = ops::at_least(*n, n_true, n_unknown).map_or(Small::UNKNOWN, Small::bool);
                    trace.record(*node, start, 0, value);
                    trace.stack.push(value);
                }
                Step::SetRule { rule, node } => {
                    let start = trace.mark()?;
                    let value = trace.pop()?;
                    trace.record(*node, start, 0, value);
                    *values.get_mut(*rule as usize).ok_or(Bail)? = trace.value(value);
                }
            }
        }
        Ok(())
    }

    /// The explanation trees of the traced case, by conclusion in declaration order: the
    /// same trees the engine records.
    pub(crate) fn materialise(&self, program: &Program, trace: &Trace) -> IndexMap<String, Node> {
        // Finished subtrees not yet attached to a parent, with the index of their record.
        let mut open: Vec<(u32, Node)> = Vec::new();
        let mut roots: Vec<Option<Node>> = vec![None; program.rules.len()];
        let records = trace.heads.iter().zip(&trace.extras).zip(&trace.results);
        for (index, ((head, extra), result)) in records.enumerate() {
            let (template, start) = ((head >> 32) as usize, (head & u64::from(u32::MAX)) as u32);
            let Some(template) = self.templates.get(template) else {
                continue;
            };
            let split = open.partition_point(|(i, _)| *i < start);
            let children: Vec<Node> = open.drain(split..).map(|(_, node)| node).collect();
            let mut node = template.node.clone();
            let value = &trace.value(*result);
            match &template.dynamic {
                Dynamic::Value(ty) => {
                    node.value = to_json(value, ty);
                    node.value_label = enum_label(program, value, ty);
                    node.unknown = value.is_none();
                }
                Dynamic::Truth => {
                    let truth = ops::truth(value);
                    node.value = truth.map(Json::Bool).unwrap_or(Json::Null);
                    node.unknown = truth.is_none();
                }
                Dynamic::Fact(ty) => {
                    node.value = to_json_in(program, value, ty);
                    node.value_label = enum_label(program, value, ty);
                    node.unknown = value.is_none();
                    node.default = *extra != 0;
                }
                Dynamic::Comparison => {
                    node.value = to_json(value, &Type::Bool);
                    node.unknown = value.is_none();
                    if let Some((left, right)) = trace.sides.get(*extra as usize) {
                        let (left, right) = (&trace.value(*left), &trace.value(*right));
                        let show = |v: &Tv| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| String::from("?"));
                        node.left = Some(show(left));
                        node.right = Some(show(right));
                        if let (Some(l), Some(r)) = (left, right) {
                            node.margin = ops::margin(l, r);
                        }
                    }
                }
                Dynamic::Static => {}
            }
            node.children = children;
            match template.rule.and_then(|rule| roots.get_mut(rule as usize)) {
                Some(root) => *root = Some(node),
                None => open.push((u32::try_from(index).unwrap_or(u32::MAX), node)),
            }
        }
        program
            .rules
            .iter()
            .zip(roots)
            .filter_map(|(rule, node)| Some((rule.name.clone(), node?)))
            .collect()
    }
}

/// How many expressions the engine may evaluate for one.
fn count_exprs(expr: &ir::Expr) -> u64 {
    let mut n = 1u64;
    let mut add = |e: &ir::Expr| n = n.saturating_add(count_exprs(e));
    match &expr.kind {
        ExprKind::Not(a) | ExprKind::Neg(a) | ExprKind::Known(a) => add(a),
        ExprKind::Binary(_, a, b) | ExprKind::At(a, b) => {
            add(a);
            add(b);
        }
        ExprKind::If(c, a, b) => {
            add(c);
            add(a);
            add(b);
        }
        ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => branches.iter().for_each(|b| add(&b.expr)),
        ExprKind::Extreme { args, .. } | ExprKind::List(args) => args.iter().for_each(add),
        // Aggregates evaluate their bodies once per item: no static bound.
        ExprKind::Aggregate { .. } => n = u64::MAX,
        _ => {}
    }
    n
}

struct Compiler<'p> {
    program: &'p Program,
    as_of: Date,
    params: &'p [Value],
    /// Rules compiled before the one being compiled.
    done: Vec<bool>,
    steps: Vec<Step>,
    templates: Vec<Template>,
    /// Expressions compiled (each is one engine step).
    exprs: u64,
}

impl Compiler<'_> {
    fn template(&mut self, node: Node, dynamic: Dynamic, rule: Option<u32>) -> Option<u32> {
        self.templates.push(Template { node, dynamic, rule });
        u32::try_from(self.templates.len() - 1).ok()
    }

    fn location(&self, span: crate::source::Span) -> String {
        self.program.source_map.location(span)
    }

    fn text(&self, span: crate::source::Span) -> String {
        self.program.source_map.one_line(span)
    }

    /// A rule: its body, then its node (as `Engine::rule_node` builds it).
    fn rule(&mut self, id: RuleId) -> Option<()> {
        let program = self.program;
        let info = program.rule(id)?;
        if !info.exceptions.is_empty() {
            return None;
        }
        let version = select_version(&info.versions, self.as_of);
        self.steps.push(Step::Mark);
        match version {
            Some(index) => self.expr(&info.versions.get(index)?.body)?,
            None => self.steps.push(Step::Const(Value::Null)),
        }
        let mut node = Node::new(NodeKind::Rule, Json::Null, false);
        node.id = Some(info.name.clone());
        node.label = info.label.clone();
        match version.and_then(|v| info.versions.get(v)) {
            Some(v) => {
                node.citation = v.cite.as_ref().map(|c| c.text.to_string());
                node.version = version_text(v.from, info.versions.len());
            }
            None => node.version = Some(String::from("该日期无施行中的版本")),
        }
        node.doc = info.doc.clone();
        node.location = Some(self.location(info.span));
        let template = self.template(node, Dynamic::Value(info.ty.clone()), Some(id.0))?;
        self.steps.push(Step::SetRule {
            rule: id.0,
            node: template,
        });
        Some(())
    }

    fn expr(&mut self, expr: &ir::Expr) -> Option<()> {
        self.exprs += 1;
        let program = self.program;
        match &expr.kind {
            ExprKind::Const(v) => self.steps.push(match Small::direct(&Some(v.clone())) {
                Some(small) => Step::Small(small),
                None => Step::Const(v.clone()),
            }),
            ExprKind::Fact(id) => {
                let info = program.fact(*id)?;
                let mut node = Node::new(NodeKind::Fact, Json::Null, false);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                let template = self.template(node, Dynamic::Fact(info.ty.clone()), None)?;
                self.steps.push(Step::Fact {
                    fact: id.0,
                    node: template,
                });
            }
            ExprKind::Param(id) => {
                let info = program.param(*id)?;
                let value = self.params.get(id.0 as usize)?.clone();
                let mut node = Node::new(NodeKind::Param, to_json(&Some(value.clone()), &info.ty), false);
                node.value_label = enum_label(program, &Some(value.clone()), &info.ty);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                let version = select_version(&info.versions, self.as_of);
                match version.and_then(|i| info.versions.get(i)) {
                    Some(v) => {
                        node.citation = v.cite.as_ref().map(|c| c.text.to_string());
                        node.version = version_text(v.from, info.versions.len());
                    }
                    None => node.version = Some(String::from("该日期无施行中的版本")),
                }
                let template = self.template(node, Dynamic::Static, None)?;
                self.steps.push(match Small::direct(&Some(value.clone())) {
                    Some(small) => Step::Param {
                        value: small,
                        node: template,
                    },
                    None => Step::ParamValue { value, node: template },
                });
            }
            ExprKind::Rule(id) => {
                if !*self.done.get(id.0 as usize)? {
                    return None;
                }
                let info = program.rule(*id)?;
                let mut node = Node::new(NodeKind::RuleRef, Json::Null, false);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                node.citation = select_version(&info.versions, self.as_of)
                    .and_then(|i| info.versions.get(i))
                    .and_then(|v| v.cite.as_ref())
                    .map(|c| c.text.to_string());
                let template = self.template(node, Dynamic::Value(info.ty.clone()), None)?;
                self.steps.push(Step::Rule {
                    rule: id.0,
                    node: template,
                });
            }
            ExprKind::Not(inner) => {
                self.expr(inner)?;
                self.steps.push(Step::Not);
            }
            ExprKind::Neg(inner) => {
                self.expr(inner)?;
                self.steps.push(Step::Neg);
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                let and = *op == BinaryOp::And;
                self.expr(a)?;
                let jump = self.steps.len();
                self.steps.push(Step::ShortCircuit { and, to: 0 });
                self.expr(b)?;
                self.steps.push(Step::Logic { and });
                let end = u32::try_from(self.steps.len()).ok()?;
                if let Some(Step::ShortCircuit { to, .. }) = self.steps.get_mut(jump) {
                    *to = end;
                }
            }
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                self.steps.push(Step::Mark);
                self.expr(a)?;
                self.expr(b)?;
                let mut node = Node::new(NodeKind::Comparison, Json::Null, false);
                node.text = Some(self.text(expr.span));
                node.location = Some(self.location(expr.span));
                node.op = Some(op.symbol().to_string());
                let template = self.template(node, Dynamic::Comparison, None)?;
                self.steps.push(Step::Compare {
                    op: *op,
                    node: template,
                });
                self.fuse_compare();
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.steps.push(Step::Arithmetic(*op));
            }
            ExprKind::Block(kind, branches) => {
                self.steps.push(Step::Mark);
                self.branches(branches)?;
                let node_kind = match kind {
                    BlockKind::All => NodeKind::All,
                    BlockKind::Any => NodeKind::Any,
                    BlockKind::Not => NodeKind::Not,
                };
                let template = self.template(Node::new(node_kind, Json::Null, false), Dynamic::Truth, None)?;
                self.steps.push(Step::Block {
                    kind: *kind,
                    n: u32::try_from(branches.len()).ok()?,
                    node: template,
                });
            }
            ExprKind::AtLeast(n, branches) => {
                self.steps.push(Step::Mark);
                self.branches(branches)?;
                let mut node = Node::new(NodeKind::AtLeast, Json::Null, false);
                node.text = Some(format!("{n}"));
                let template = self.template(node, Dynamic::Truth, None)?;
                self.steps.push(Step::AtLeast {
                    n: *n,
                    count: u32::try_from(branches.len()).ok()?,
                    node: template,
                });
            }
            _ => return None,
        }
        Some(())
    }

    /// Replaces the steps `Mark, Fact, Param or constant, Compare` just emitted by one step.
    fn fuse_compare(&mut self) {
        let n = self.steps.len();
        let Some(tail) = n.checked_sub(4).and_then(|from| self.steps.get(from..)) else {
            return;
        };
        let fused = match tail {
            [Step::Mark, Step::Fact { fact, node: fact_node }, right, Step::Compare { op, node }] => {
                let (right, param_node) = match right {
                    Step::Small(small) => (*small, None),
                    Step::Param { value, node } => (*value, Some(*node)),
                    _ => return,
                };
                Step::CompareFact {
                    op: *op,
                    fact: *fact,
                    fact_node: *fact_node,
                    right,
                    param_node,
                    node: *node,
                    branch: None,
                }
            }
            _ => return,
        };
        self.steps.truncate(n - 4);
        self.steps.push(fused);
    }

    /// Replaces `Mark, Fact, Branch` or `Mark, CompareFact, Branch` just emitted by one step.
    fn fuse_branch(&mut self) {
        let n = self.steps.len();
        let Some(tail) = n.checked_sub(3).and_then(|from| self.steps.get(from..)) else {
            return;
        };
        let fused = match tail {
            [Step::Mark, Step::Fact { fact, node: fact_node }, Step::Branch { node }] => Step::FactBranch {
                fact: *fact,
                fact_node: *fact_node,
                node: *node,
            },
            [Step::Mark, compare @ Step::CompareFact { branch: None, .. }, Step::Branch { node }] => {
                let mut compare = compare.clone();
                if let Step::CompareFact { branch, .. } = &mut compare {
                    *branch = Some(*node);
                }
                compare
            }
            _ => return,
        };
        self.steps.truncate(n - 3);
        self.steps.push(fused);
    }

    fn branches(&mut self, branches: &[ir::Branch]) -> Option<()> {
        for branch in branches {
            self.steps.push(Step::Mark);
            self.expr(&branch.expr)?;
            let mut node = Node::new(NodeKind::Branch, Json::Null, false);
            node.label = branch.label.as_deref().map(String::from);
            node.citation = branch.cite.as_ref().map(|c| c.text.to_string());
            node.text = Some(self.text(branch.expr.span));
            node.location = Some(self.location(branch.span));
            let template = self.template(node, Dynamic::Truth, None)?;
            self.steps.push(Step::Branch { node: template });
            self.fuse_branch();
        }
        Some(())
    }
}

/// Whether an ordering satisfies a comparison operator (as `ops::compare` decides).
fn holds(op: BinaryOp, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering;
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
