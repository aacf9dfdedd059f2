//! The evaluator: walks the checked program over one case's facts.
//!
//! One evaluator serves every explanation mode: with [`ExplainMode::None`] it records
//! nothing; with `Outcome` it records rules, blocks, branches and exceptions; with
//! `Full` it also records facts, parameters (with their versions) and comparisons.

use std::sync::Arc;

use serde_json::Value as Json;

use super::ops::{self, Tv};
use super::output::{self, to_json};
use super::FastMap;
use super::{EvalError, ExplainMode};
use crate::ast::{AggregateKind, BinaryOp, BlockKind};
use crate::explain::{Node, NodeKind};
use crate::facts::FactValues;
use crate::ir::{self, ExprKind, FactId, ParamId, Program, RuleId, Type};
use crate::source::Span;
use crate::value::{ArithmeticError, Date, Value};

type Result<T> = std::result::Result<T, EvalError>;

/// Evaluation state of one frame: the law as of one date.
struct Frame {
    as_of: Date,
    params: Vec<Option<(Value, Option<usize>)>>,
    rules: Vec<Option<Tv>>,
    nodes: Vec<Option<Node>>,
}

impl Frame {
    fn new(program: &Program, as_of: Date, mode: ExplainMode) -> Frame {
        let mut frame = Frame {
            as_of,
            params: vec![None; program.params.len()],
            rules: Vec::new(),
            nodes: Vec::new(),
        };
        frame.reset(program, mode);
        frame
    }

    /// Forgets the previous case's rule values and trees; parameter values depend on the
    /// date only (parameters cannot use facts), so they are kept.
    fn reset(&mut self, program: &Program, mode: ExplainMode) {
        self.rules.clear();
        self.rules.resize(program.rules.len(), None);
        self.nodes.clear();
        if mode != ExplainMode::None {
            self.nodes.resize(program.rules.len(), None);
        }
    }
}

/// Most dates whose parameter values are kept between cases.
const KEPT_FRAMES: usize = 16;

/// Allocations and per-date parameter values kept from one case to the next.
#[derive(Default)]
pub(crate) struct Buffers {
    frames: Vec<Frame>,
    items: Vec<Value>,
    trace: Vec<Node>,
    rule_stack: Vec<RuleId>,
    texts: Texts,
}

/// Rule-file texts and locations quoted by explanations, computed once per span.
#[derive(Default)]
struct Texts {
    texts: FastMap<Span, String>,
    locations: FastMap<Span, String>,
}

impl Buffers {
    /// Prepares the frames for a case whose law is that of `as_of`: its frame comes first.
    fn reset(&mut self, program: &Program, as_of: Date, mode: ExplainMode) {
        match self.frames.iter().position(|f| f.as_of == as_of) {
            Some(index) => self.frames.swap(0, index),
            None => {
                self.frames.push(Frame::new(program, as_of, mode));
                let last = self.frames.len() - 1;
                self.frames.swap(0, last);
            }
        }
        self.frames.truncate(KEPT_FRAMES);
        for frame in &mut self.frames {
            frame.reset(program, mode);
        }
        self.items.clear();
        self.trace.clear();
        self.rule_stack.clear();
    }
}

pub(crate) struct Engine<'a> {
    program: &'a Program,
    facts: &'a FactValues,
    mode: ExplainMode,
    suspended: u32,
    strict: bool,
    frames: Vec<Frame>,
    frame: usize,
    items: Vec<Value>,
    trace: Vec<Node>,
    rule_stack: Vec<RuleId>,
    texts: Texts,
    steps: u64,
    max_steps: u64,
    /// Strict mode: the first fact the rule being computed read while it was missing. It is an
    /// error only if the rule then stays unknown: a fact whose absence did not matter (`all`
    /// with a false branch, `any` with a true one) is not one the rule needs.
    missing: Option<EvalError>,
}

impl<'a> Engine<'a> {
    /// An engine for one case, reusing the allocations and parameter values of earlier cases.
    pub(crate) fn with_buffers(
        program: &'a Program,
        facts: &'a FactValues,
        as_of: Date,
        mode: ExplainMode,
        strict: bool,
        max_steps: u64,
        mut buffers: Buffers,
    ) -> Self {
        buffers.reset(program, as_of, mode);
        Engine {
            program,
            facts,
            mode,
            suspended: 0,
            strict,
            frames: buffers.frames,
            frame: 0,
            items: buffers.items,
            trace: buffers.trace,
            rule_stack: buffers.rule_stack,
            texts: buffers.texts,
            steps: 0,
            max_steps,
            missing: None,
        }
    }

    /// The value of every parameter on the main frame's date (for compiling a plan).
    pub(crate) fn param_values(&mut self) -> Result<Vec<Value>> {
        (0..self.program.params.len())
            .map(|i| self.param_value(ParamId(i as u32)).map(|(value, _)| value))
            .collect()
    }

    /// Gives the allocations back for the next case.
    pub(crate) fn into_buffers(self) -> Buffers {
        Buffers {
            frames: self.frames,
            items: self.items,
            trace: self.trace,
            rule_stack: self.rule_stack,
            texts: self.texts,
        }
    }

    /// Evaluates one conclusion in the main frame.
    pub(crate) fn conclusion(&mut self, id: RuleId) -> Result<Tv> {
        self.frame = 0;
        self.rule_value(id)
    }

    /// The recorded tree of a conclusion (main frame).
    pub(crate) fn take_node(&mut self, id: RuleId) -> Option<Node> {
        self.frames
            .first_mut()
            .and_then(|f| f.nodes.get_mut(id.0 as usize))
            .and_then(Option::take)
    }

    fn outline(&self) -> bool {
        self.mode != ExplainMode::None && self.suspended == 0
    }

    fn full(&self) -> bool {
        self.mode == ExplainMode::Full && self.suspended == 0
    }

    fn current(&mut self) -> &mut Frame {
        let index = self.frame.min(self.frames.len().saturating_sub(1));
        #[expect(
            clippy::indexing_slicing,
            reason = "index is clamped to the frames, and frame 0 always exists"
        )]
        &mut self.frames[index]
    }

    /// The rule-file text of an expression on one line (cached).
    fn text(&mut self, span: Span) -> String {
        let program = self.program;
        self.texts
            .texts
            .entry(span)
            .or_insert_with(|| program.source_map.one_line(span))
            .clone()
    }

    /// `file:line` of a declaration or expression (cached).
    fn location(&mut self, span: Span) -> String {
        let program = self.program;
        self.texts
            .locations
            .entry(span)
            .or_insert_with(|| program.source_map.location(span))
            .clone()
    }

    fn rule_name(&self) -> String {
        self.rule_stack
            .last()
            .and_then(|id| self.program.rule(*id))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn arithmetic_error(&self, expr: &ir::Expr, error: ArithmeticError) -> EvalError {
        EvalError::Arithmetic {
            rule: self.rule_name(),
            expression: self.program.source_map.one_line(expr.span),
            message: error.to_string(),
        }
    }

    fn rule_value(&mut self, id: RuleId) -> Result<Tv> {
        if let Some(Some(done)) = self.current().rules.get(id.0 as usize) {
            return Ok(done.clone());
        }
        let saved_suspension = std::mem::take(&mut self.suspended);
        let outer_missing = self.missing.take();
        let mark = self.trace.len();
        self.rule_stack.push(id);
        let result = self.compute_rule(id);
        self.rule_stack.pop();
        self.suspended = saved_suspension;
        let missing = std::mem::replace(&mut self.missing, outer_missing);
        let (value, version) = result?;
        if let (None, Some(error)) = (&value, missing) {
            return Err(error);
        }
        if self.mode != ExplainMode::None {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let node = self.rule_node(id, &value, version, children);
            if let Some(slot) = self.current().nodes.get_mut(id.0 as usize) {
                *slot = Some(node);
            }
        }
        if let Some(slot) = self.current().rules.get_mut(id.0 as usize) {
            *slot = Some(value.clone());
        }
        Ok(value)
    }

    fn rule_node(&mut self, id: RuleId, value: &Tv, version: Option<usize>, children: Vec<Node>) -> Node {
        let info = self.program.rule(id);
        let ty = info.map(|i| i.ty.clone()).unwrap_or(Type::Error);
        let mut node = Node::new(NodeKind::Rule, to_json(value, &ty), value.is_none());
        node.value_label = output::enum_label(self.program, value, &ty);
        node.id = info.map(|i| i.name.clone());
        node.label = info.and_then(|i| i.label.clone());
        if let Some(v) = version.and_then(|v| info.and_then(|i| i.versions.get(v))) {
            node.citation = v.cite.as_ref().map(|c| c.text.to_string());
            node.version = version_text(v.from, info.map(|i| i.versions.len()).unwrap_or(1));
        } else {
            node.version = Some(String::from("该日期无施行中的版本"));
        }
        node.doc = info.map(|i| i.doc.clone()).unwrap_or_default();
        node.location = info.map(|i| self.location(i.span));
        node.children = children;
        node
    }

    fn compute_rule(&mut self, id: RuleId) -> Result<(Tv, Option<usize>)> {
        let program = self.program;
        let Some(info) = program.rule(id) else {
            return Ok((None, None));
        };
        let as_of = self.current().as_of;
        let Some(index) = select_version(&info.versions, as_of) else {
            return Ok((Some(Value::Null), None));
        };
        let Some(version) = info.versions.get(index) else {
            return Ok((None, None));
        };
        let base = self.eval(&version.body)?;
        let value = self.apply_exceptions(info, base)?;
        Ok((value, Some(index)))
    }

    fn apply_exceptions(&mut self, info: &ir::ValueInfo, base: Tv) -> Result<Tv> {
        if info.exceptions.is_empty() {
            return Ok(base);
        }
        let as_of = self.current().as_of;
        let mut applied: Option<(Value, &ir::ExceptionInfo)> = None;
        let mut undecided_values: Vec<Tv> = Vec::new();
        for index in &info.exceptions {
            let Some(exception) = self.program.exceptions.get(*index) else {
                continue;
            };
            if exception.from.is_some_and(|from| from > as_of) {
                continue;
            }
            let mark = self.trace.len();
            let when = ops::truth(&self.eval(&exception.when)?);
            let value = if when == Some(false) {
                None
            } else {
                self.eval(&exception.value)?
            };
            if self.outline() {
                let children = self.trace.split_off(mark.min(self.trace.len()));
                let mut node = Node::new(
                    NodeKind::Exception,
                    when.map(Json::Bool).unwrap_or(Json::Null),
                    when.is_none(),
                );
                node.id = Some(exception.name.clone());
                node.label = exception.label.clone();
                node.citation = exception.cite.as_ref().map(|c| c.text.to_string());
                node.doc = exception.doc.clone();
                node.location = Some(self.location(exception.span));
                node.children = children;
                self.trace.push(node);
            }
            match (when, value) {
                (Some(true), Some(v)) => {
                    if let Some((previous, first)) = &applied {
                        if *previous != v {
                            return Err(EvalError::ExceptionConflict {
                                rule: info.name.clone(),
                                first: first.name.clone(),
                                first_cite: cite_text(first.cite.as_ref()),
                                second: exception.name.clone(),
                                second_cite: cite_text(exception.cite.as_ref()),
                            });
                        }
                    }
                    applied = Some((v, exception));
                }
                (Some(true), None) => undecided_values.push(None),
                (None, v) => undecided_values.push(v),
                (Some(false), _) => {}
            }
        }
        if let Some((v, _)) = applied {
            return Ok(Some(v));
        }
        // An exception that may apply leaves the rule unknown unless it would give the same value.
        if undecided_values.iter().all(|v| v.is_some() && *v == base) {
            Ok(base)
        } else {
            Ok(None)
        }
    }

    /// The parameter's value on the frame's date, with the index of the version used.
    /// Before its first version a parameter has no value (`none`): the law set no
    /// threshold then, so comparisons with it do not hold.
    fn param_value(&mut self, id: ParamId) -> Result<(Value, Option<usize>)> {
        if let Some(Some(done)) = self.current().params.get(id.0 as usize) {
            return Ok(done.clone());
        }
        let program = self.program;
        let as_of = self.current().as_of;
        let Some(info) = program.param(id) else {
            return Ok((Value::Null, None));
        };
        let index = select_version(&info.versions, as_of);
        let value = match index.and_then(|i| info.versions.get(i)) {
            Some(version) => {
                self.suspended += 1;
                let value = self.eval(&version.body);
                self.suspended -= 1;
                value?.unwrap_or(Value::Null)
            }
            None => Value::Null,
        };
        if let Some(slot) = self.current().params.get_mut(id.0 as usize) {
            *slot = Some((value.clone(), index));
        }
        Ok((value, index))
    }

    fn step(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(EvalError::StepLimit { limit: self.max_steps });
        }
        Ok(())
    }

    pub(crate) fn eval(&mut self, expr: &ir::Expr) -> Result<Tv> {
        self.step()?;
        match &expr.kind {
            ExprKind::Const(v) => Ok(Some(v.clone())),
            ExprKind::Fact(id) => self.fact(*id),
            ExprKind::Param(id) => self.param(*id),
            ExprKind::Rule(id) => self.rule_reference(*id),
            ExprKind::Field { depth, field } => Ok(self.field(*depth, *field)),
            ExprKind::Not(inner) => {
                let v = ops::truth(&self.eval(inner)?);
                Ok(v.map(|b| Value::Bool(!b)))
            }
            ExprKind::Neg(inner) => Ok(self.eval(inner)?.map(|v| ops::negate(&v))),
            ExprKind::Binary(op, a, b) => self.binary(expr, *op, a, b),
            ExprKind::At(target, date) => self.at(target, date),
            ExprKind::Block(kind, branches) => self.block(*kind, branches),
            ExprKind::AtLeast(n, branches) => self.at_least(*n, branches),
            ExprKind::If(c, a, b) => self.condition(expr, c, a, b),
            ExprKind::Aggregate {
                kind,
                list,
                value,
                filter,
            } => self.aggregate(expr, *kind, list, value.as_deref(), filter.as_deref()),
            ExprKind::Held(id) => self.held(*id),
            ExprKind::Known(inner) => {
                // Asking whether a fact is known is not needing it, even in strict mode.
                self.suspended += 1;
                let strict = std::mem::replace(&mut self.strict, false);
                let value = self.eval(inner);
                self.strict = strict;
                self.suspended -= 1;
                Ok(Some(Value::Bool(value?.is_some())))
            }
            ExprKind::Extreme { max, args } => {
                let mut best: Option<Value> = None;
                for arg in args {
                    let Some(v) = self.eval(arg)? else { return Ok(None) };
                    best = Some(match best {
                        None => v,
                        Some(b) => ops::extreme(*max, b, v).map_err(|e| self.arithmetic_error(expr, e))?,
                    });
                }
                Ok(best)
            }
            ExprKind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let Some(v) = self.eval(item)? else { return Ok(None) };
                    values.push(v);
                }
                Ok(Some(Value::List(values.into())))
            }
        }
    }

    fn fact(&mut self, id: FactId) -> Result<Tv> {
        let value = self.facts.values.get(id.0 as usize).cloned().flatten();
        let info = self.program.fact(id);
        if value.is_none() && self.strict && self.missing.is_none() {
            let rule = self.rule_stack.last().and_then(|r| self.program.rule(*r));
            let citation = rule
                .and_then(|r| select_version(&r.versions, self.current().as_of).and_then(|i| r.versions.get(i)))
                .and_then(|v| v.cite.as_ref())
                .map(|c| c.text.to_string());
            self.missing = Some(EvalError::MissingFact {
                fact: info.map(|f| f.name.clone()).unwrap_or_default(),
                label: info.and_then(|f| f.label.clone()).unwrap_or_default(),
                rule: rule.map(|r| r.name.clone()).unwrap_or_default(),
                citation,
            });
        }
        if self.full() {
            if let Some(info) = info {
                let encoded = output::to_json_in(self.program, &value, &info.ty);
                let mut node = Node::new(NodeKind::Fact, encoded, value.is_none());
                node.value_label = output::enum_label(self.program, &value, &info.ty);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                node.default = self.facts.defaulted.get(id.0 as usize).copied().unwrap_or(false);
                self.trace.push(node);
            }
        }
        Ok(value)
    }

    fn param(&mut self, id: ParamId) -> Result<Tv> {
        let (value, version) = self.param_value(id)?;
        if self.full() {
            if let Some(info) = self.program.param(id) {
                let some = Some(value.clone());
                let mut node = Node::new(NodeKind::Param, to_json(&some, &info.ty), false);
                node.value_label = output::enum_label(self.program, &some, &info.ty);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                match version.and_then(|i| info.versions.get(i)) {
                    Some(v) => {
                        node.citation = v.cite.as_ref().map(|c| c.text.to_string());
                        node.version = version_text(v.from, info.versions.len());
                    }
                    None => node.version = Some(String::from("该日期无施行中的版本")),
                }
                self.trace.push(node);
            }
        }
        Ok(Some(value))
    }

    fn rule_reference(&mut self, id: RuleId) -> Result<Tv> {
        let value = self.rule_value(id)?;
        if self.outline() {
            if let Some(info) = self.program.rule(id) {
                let mut node = Node::new(NodeKind::RuleRef, to_json(&value, &info.ty), value.is_none());
                node.value_label = output::enum_label(self.program, &value, &info.ty);
                node.id = Some(info.name.clone());
                node.label = info.label.clone();
                let as_of = self.current().as_of;
                node.citation = select_version(&info.versions, as_of)
                    .and_then(|i| info.versions.get(i))
                    .and_then(|v| v.cite.as_ref())
                    .map(|c| c.text.to_string());
                if self.frame != 0 {
                    // Outside the main frame the referenced tree is not listed beside: embed it.
                    node.kind = NodeKind::Rule;
                    if let Some(Some(inner)) = self.current().nodes.get(id.0 as usize) {
                        node = inner.clone();
                    }
                }
                self.trace.push(node);
            }
        }
        Ok(value)
    }

    fn field(&self, depth: u32, field: u32) -> Tv {
        let index = self.items.len().checked_sub(1 + depth as usize)?;
        match self.items.get(index)? {
            Value::Record(fields) => fields.get(field as usize).cloned(),
            other => Some(other.clone()),
        }
    }

    fn binary(&mut self, expr: &ir::Expr, op: BinaryOp, a: &ir::Expr, b: &ir::Expr) -> Result<Tv> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let left = ops::truth(&self.eval(a)?);
                let decided = if op == BinaryOp::And {
                    left == Some(false)
                } else {
                    left == Some(true)
                };
                if decided {
                    return Ok(left.map(Value::Bool));
                }
                let right = ops::truth(&self.eval(b)?);
                let result = if op == BinaryOp::And {
                    ops::and(left, right)
                } else {
                    ops::or(left, right)
                };
                Ok(result.map(Value::Bool))
            }
            _ if op.is_comparison() => {
                let mark = self.trace.len();
                let left = self.eval(a)?;
                let right = self.eval(b)?;
                let result = match (&left, &right) {
                    (Some(l), Some(r)) => Some(ops::compare(op, l, r).map_err(|e| self.arithmetic_error(expr, e))?),
                    _ => None,
                };
                if self.full() {
                    let children = self.trace.split_off(mark.min(self.trace.len()));
                    let node = self.comparison_node(expr, op, &left, &right, &result, children);
                    self.trace.push(node);
                }
                Ok(result)
            }
            _ => {
                let (Some(left), Some(right)) = (self.eval(a)?, self.eval(b)?) else {
                    return Ok(None);
                };
                ops::arithmetic(op, &left, &right)
                    .map(Some)
                    .map_err(|e| self.arithmetic_error(expr, e))
            }
        }
    }

    fn comparison_node(
        &mut self,
        expr: &ir::Expr,
        op: BinaryOp,
        left: &Tv,
        right: &Tv,
        result: &Tv,
        children: Vec<Node>,
    ) -> Node {
        let mut node = Node::new(NodeKind::Comparison, to_json(result, &Type::Bool), result.is_none());
        node.text = Some(self.text(expr.span));
        node.location = Some(self.location(expr.span));
        node.op = Some(op.symbol().to_string());
        let show = |v: &Tv| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| String::from("?"));
        node.left = Some(show(left));
        node.right = Some(show(right));
        if let (Some(l), Some(r)) = (left, right) {
            node.margin = ops::margin(l, r);
        }
        node.children = children;
        node
    }

    fn at(&mut self, target: &ir::Expr, date: &ir::Expr) -> Result<Tv> {
        let mark = self.trace.len();
        let Some(Value::Date(when)) = self.eval(date)? else {
            return Ok(None);
        };
        let index = match self.frames.iter().position(|f| f.as_of == when) {
            Some(i) => i,
            None => {
                self.frames.push(Frame::new(self.program, when, self.mode));
                self.frames.len() - 1
            }
        };
        let saved = std::mem::replace(&mut self.frame, index);
        let result = self.eval(target);
        self.frame = saved;
        let value = result?;
        if self.outline() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let mut node = Node::new(NodeKind::At, to_json(&value, &target.ty), value.is_none());
            node.date = Some(when.to_string());
            node.text = Some(self.text(target.span));
            node.children = children;
            self.trace.push(node);
        }
        Ok(value)
    }

    fn branch(&mut self, branch: &ir::Branch) -> Result<Option<bool>> {
        let mark = self.trace.len();
        let value = ops::truth(&self.eval(&branch.expr)?);
        if self.outline() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let mut node = Node::new(
                NodeKind::Branch,
                value.map(Json::Bool).unwrap_or(Json::Null),
                value.is_none(),
            );
            node.label = branch.label.as_deref().map(String::from);
            node.citation = branch.cite.as_ref().map(|c| c.text.to_string());
            node.text = Some(self.text(branch.expr.span));
            node.location = Some(self.location(branch.span));
            node.children = children;
            self.trace.push(node);
        }
        Ok(value)
    }

    fn block(&mut self, kind: BlockKind, branches: &[ir::Branch]) -> Result<Tv> {
        let mark = self.trace.len();
        let exhaustive = self.outline();
        let mut result = match kind {
            BlockKind::All => Some(true),
            BlockKind::Any => Some(false),
            BlockKind::Not => Some(true),
        };
        for branch in branches {
            let v = self.branch(branch)?;
            result = match kind {
                BlockKind::All => ops::and(result, v),
                BlockKind::Any => ops::or(result, v),
                BlockKind::Not => v.map(|b| !b),
            };
            let decided = matches!(
                (kind, result),
                (BlockKind::All, Some(false)) | (BlockKind::Any, Some(true))
            );
            if decided && !exhaustive {
                break;
            }
        }
        if self.outline() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let node_kind = match kind {
                BlockKind::All => NodeKind::All,
                BlockKind::Any => NodeKind::Any,
                BlockKind::Not => NodeKind::Not,
            };
            let mut node = Node::new(
                node_kind,
                result.map(Json::Bool).unwrap_or(Json::Null),
                result.is_none(),
            );
            node.children = children;
            self.trace.push(node);
        }
        Ok(result.map(Value::Bool))
    }

    fn at_least(&mut self, n: u32, branches: &[ir::Branch]) -> Result<Tv> {
        let mark = self.trace.len();
        let (mut n_true, mut n_unknown) = (0u32, 0u32);
        for branch in branches {
            match self.branch(branch)? {
                Some(true) => n_true += 1,
                None => n_unknown += 1,
                Some(false) => {}
            }
        }
        let result = ops::at_least(n, n_true, n_unknown);
        if self.outline() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let mut node = Node::new(
                NodeKind::AtLeast,
                result.map(Json::Bool).unwrap_or(Json::Null),
                result.is_none(),
            );
            node.text = Some(format!("{n}"));
            node.children = children;
            self.trace.push(node);
        }
        Ok(result.map(Value::Bool))
    }

    fn condition(&mut self, expr: &ir::Expr, c: &ir::Expr, a: &ir::Expr, b: &ir::Expr) -> Result<Tv> {
        let mark = self.trace.len();
        let cond = ops::truth(&self.eval(c)?);
        let value = match cond {
            Some(true) => self.eval(a)?,
            Some(false) => self.eval(b)?,
            None => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                if x.is_some() && x == y {
                    x
                } else {
                    None
                }
            }
        };
        if self.outline() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            if !children.is_empty() {
                let mut node = Node::new(NodeKind::Condition, to_json(&value, &expr.ty), value.is_none());
                node.text = Some(self.text(c.span));
                node.children = children;
                self.trace.push(node);
            }
        }
        Ok(value)
    }

    fn aggregate(
        &mut self,
        expr: &ir::Expr,
        kind: AggregateKind,
        list: &ir::Expr,
        value: Option<&ir::Expr>,
        filter: Option<&ir::Expr>,
    ) -> Result<Tv> {
        let mark = self.trace.len();
        let list_value = self.eval(list)?;
        let Some(Value::List(items)) = list_value else {
            return Ok(None);
        };
        self.suspended += 1;
        let result = self.fold_items(expr, kind, &items, value, filter);
        self.suspended -= 1;
        let result = result?;
        if self.full() {
            let children = self.trace.split_off(mark.min(self.trace.len()));
            let mut node = Node::new(NodeKind::Aggregate, to_json(&result, &expr.ty), result.is_none());
            node.text = Some(self.text(expr.span));
            node.children = children;
            self.trace.push(node);
        }
        Ok(result)
    }

    fn fold_items(
        &mut self,
        expr: &ir::Expr,
        kind: AggregateKind,
        items: &Arc<[Value]>,
        value: Option<&ir::Expr>,
        filter: Option<&ir::Expr>,
    ) -> Result<Tv> {
        let mut count: i128 = 0;
        let mut acc: Option<Value> = None;
        let mut truth = Some(kind == AggregateKind::All);
        for item in items.iter() {
            self.items.push(item.clone());
            let outcome = self.fold_one(kind, value, filter);
            self.items.pop();
            let Some((selected, v)) = outcome? else { return Ok(None) };
            if !selected {
                continue;
            }
            count += 1;
            match kind {
                AggregateKind::Any | AggregateKind::All => {
                    let b = ops::truth(&v);
                    truth = if kind == AggregateKind::Any {
                        ops::or(truth, b)
                    } else {
                        ops::and(truth, b)
                    };
                }
                AggregateKind::Sum | AggregateKind::Max | AggregateKind::Min => {
                    let Some(v) = v else { return Ok(None) };
                    acc = Some(match (acc, kind) {
                        (None, _) => v,
                        (Some(a), AggregateKind::Sum) => {
                            ops::arithmetic(BinaryOp::Add, &a, &v).map_err(|e| self.arithmetic_error(expr, e))?
                        }
                        (Some(a), _) => ops::extreme(kind == AggregateKind::Max, a, v)
                            .map_err(|e| self.arithmetic_error(expr, e))?,
                    });
                }
                AggregateKind::Count => {}
            }
        }
        Ok(match kind {
            AggregateKind::Count => Some(Value::Number(crate::value::Rational::from_integer(count))),
            AggregateKind::Any | AggregateKind::All => truth.map(Value::Bool),
            AggregateKind::Sum => Some(acc.unwrap_or(Value::Number(crate::value::Rational::from_integer(0)))),
            AggregateKind::Max | AggregateKind::Min => Some(acc.unwrap_or(Value::Null)),
        })
    }

    /// For one item: whether it passes the filter and its value; `None` if undecidable.
    fn fold_one(
        &mut self,
        kind: AggregateKind,
        value: Option<&ir::Expr>,
        filter: Option<&ir::Expr>,
    ) -> Result<Option<(bool, Tv)>> {
        let (predicate, filter) = match kind {
            AggregateKind::Any | AggregateKind::All => (value.or(filter), if value.is_some() { filter } else { None }),
            _ => (value, filter),
        };
        if let Some(f) = filter {
            match ops::truth(&self.eval(f)?) {
                None => return Ok(None),
                Some(false) => return Ok(Some((false, None))),
                Some(true) => {}
            }
        }
        let v = match predicate {
            Some(p) => self.eval(p)?,
            None => Some(Value::Bool(true)),
        };
        Ok(Some((true, v)))
    }

    fn held(&mut self, id: RuleId) -> Result<Tv> {
        let program = self.program;
        let Some(info) = program.rule(id) else { return Ok(None) };
        let as_of = self.current().as_of;
        let Some(version) = select_version(&info.versions, as_of).and_then(|i| info.versions.get(i)) else {
            return Ok(Some(Value::List(Arc::from(Vec::new()))));
        };
        let (ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches)) = &version.body.kind else {
            return Ok(None);
        };
        // The rule itself is evaluated first so that its exceptions and tree are recorded.
        let rule_value = self.rule_value(id)?;
        self.suspended += 1;
        let mut labels = Vec::new();
        let mut unknown = false;
        for branch in branches {
            match ops::truth(&self.eval(&branch.expr)?) {
                Some(true) => labels.push(Value::Text(branch.label.clone().unwrap_or_else(|| Arc::from("")))),
                None => unknown = true,
                Some(false) => {}
            }
        }
        self.suspended -= 1;
        // When an exception defeats the rule, no item is taken to hold.
        if rule_value == Some(Value::Bool(false)) {
            labels.clear();
            unknown = false;
        }
        let result = if unknown {
            None
        } else {
            Some(Value::List(labels.into()))
        };
        if self.outline() {
            let mut node = Node::new(
                NodeKind::Held,
                to_json(&result, &Type::List(Box::new(Type::Text))),
                result.is_none(),
            );
            node.id = Some(info.name.clone());
            node.label = info.label.clone();
            node.citation = version.cite.as_ref().map(|c| c.text.to_string());
            self.trace.push(node);
        }
        Ok(result)
    }
}

/// The version in force on `as_of`: the latest `from` not after it (an undated version always applies).
pub(crate) fn select_version(versions: &[ir::Version], as_of: Date) -> Option<usize> {
    let mut chosen = None;
    for (index, version) in versions.iter().enumerate() {
        match version.from {
            None => chosen = Some(index),
            Some(from) if from <= as_of => chosen = Some(index),
            Some(_) => break,
        }
    }
    chosen
}

pub(crate) fn version_text(from: Option<Date>, n_versions: usize) -> Option<String> {
    match from {
        Some(d) if n_versions > 1 => Some(format!("{d}起施行的版本（共{n_versions}个版本）")),
        Some(d) => Some(format!("{d}起施行")),
        None => None,
    }
}

fn cite_text(cite: Option<&ir::Cite>) -> String {
    cite.map(|c| c.text.to_string())
        .unwrap_or_else(|| String::from("no citation"))
}

impl super::plan::Fallback for Engine<'_> {
    fn seed(&mut self, id: RuleId, value: &Tv) {
        if let Some(slot) = self.frames.first_mut().and_then(|f| f.rules.get_mut(id.0 as usize)) {
            *slot = Some(value.clone());
        }
    }

    fn rule(&mut self, id: RuleId) -> std::result::Result<Tv, super::plan::Bail> {
        self.conclusion(id).map_err(|_| super::plan::Bail)
    }
}
