//! The checked program → its one compiled form, built once when a rule set is loaded.
//!
//! What the law fixes is computed here, once: the periods of the law (the dates between two
//! version boundaries), the value of every parameter in every period, which version of each
//! rule is in force in each period, the interned texts and constants, and the sites (the
//! explanation nodes, with their labels, citations, texts and locations). Every rule version,
//! exception and `held` branch becomes instructions (`op.rs`), in a plain and a recording
//! sequence written by one emitter (`expr.rs`).

pub(crate) mod code;
mod expr;
pub(crate) mod formula;
mod group;
pub(crate) mod inputs;
mod linear;
pub(crate) mod sites;

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::eval::word::{self, Strings, W};
use crate::explain::{Catalog, Templates};
use crate::ir::{self, ExprKind, FactId, ParamId, Program, RuleId};
use crate::source::Span;
use crate::value::{Date, Value};

pub(crate) use code::{Code, Fault, Out, NO_SITE};
pub(crate) use sites::{Fill, Sites};

/// A rule set compiled for evaluation; shared by every evaluator of the rule set.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The rule set's catalog: its declarations and the explanation nodes the code can record.
    pub(crate) catalog: Arc<Catalog>,
    /// Per catalog node: the node with its static parts set (and the versions' texts), and
    /// how to encode its value.
    pub(crate) templates: Templates,
    pub(crate) fills: Vec<Fill>,
    /// The texts the rule files name.
    pub(crate) strings: Strings,
    /// Constants too large for a word ([`W::Ref`] below `constants.len()`).
    pub(crate) constants: Vec<Value>,
    /// Spans of the expressions named in error messages.
    pub(crate) spans: Vec<Span>,
    /// Per rule: the code of each version, its exceptions.
    pub(crate) rules: Vec<RuleCode>,
    /// Per exception: its code.
    pub(crate) exceptions: Vec<ExceptionCode>,
    /// Dates on which some version or exception takes effect, sorted.
    pub(crate) boundaries: Vec<Date>,
    /// Per period (`0` before the first boundary, `k` from `boundaries[k-1]`): parameter
    /// values and rule versions in force.
    pub(crate) periods: Vec<Period>,
    /// Rules in an order where each comes after every rule it uses.
    pub(crate) order: Vec<u32>,
    /// Per rule: what it reads.
    pub(crate) inputs: Vec<inputs::Inputs>,
    /// Per fact and per rule: the rules that read it (the other way round).
    pub(crate) fact_readers: Vec<Vec<u32>>,
    pub(crate) rule_readers: Vec<Vec<u32>>,
    /// Per fact, parameter and rule: the site of its use.
    /// The empty list (`held` of a rule with no version in force).
    pub(crate) empty_list: W,
    /// A period with nothing in force (never used: there is always a first period).
    empty_period: Period,
    /// Parameters whose definition has no exact value: the expression and the message.
    pub(crate) param_failures: Vec<(String, String)>,
    /// Every conclusion's name with no value yet, in declaration order: an outcome's map
    /// starts as a copy of it, which costs no hashing of the names.
    pub(crate) blank_conclusions: IndexMap<Arc<str>, serde_json::Value>,
}

/// The compiled rule.
#[derive(Debug)]
pub(crate) struct RuleCode {
    /// One per version, in the program's order.
    pub(crate) versions: Vec<VersionCode>,
    /// The site of the rule's tree on a date with no version in force.
    pub(crate) no_version_site: u32,
    /// Indexes into [`Compiled::exceptions`], in declaration order.
    pub(crate) exceptions: Vec<u32>,
}

/// One version of a rule.
#[derive(Debug)]
pub(crate) struct VersionCode {
    /// Values only.
    pub(crate) plain: Code,
    /// Recording an explanation.
    pub(crate) recording: Code,
    /// The site of the rule's tree under this version.
    pub(crate) site: u32,
    /// For rules `held(…)` asks about: each branch's label, (plain) code, and the list of
    /// that label alone (a constant: one branch holding is the common answer).
    pub(crate) held: Vec<(W, Code, W)>,
}

/// A compiled exception.
#[derive(Debug)]
pub(crate) struct ExceptionCode {
    /// Considered from this date on.
    pub(crate) from: Option<Date>,
    /// The condition: plain and recording.
    pub(crate) when: [Code; 2],
    /// The value given: plain and recording.
    pub(crate) value: [Code; 2],
    /// Its site.
    pub(crate) site: u32,
}

/// What is in force during one period of the law.
#[derive(Debug, Clone)]
pub(crate) struct Period {
    /// Per parameter: its value.
    pub(crate) params: Vec<ParamValue>,
    /// Per rule: the index of the version in force.
    pub(crate) versions: Vec<Option<u32>>,
}

/// A parameter's value in one period.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ParamValue {
    /// Its value (`none` before its first version).
    Value(W),
    /// Its definition has no exact value (overflow, division by zero): the index of the
    /// expression and message in [`Compiled::param_failures`].
    Failed(u32),
}

impl Compiled {
    /// Compiles a checked program.
    pub(crate) fn new(program: &Program) -> Compiled {
        let mut builder = Builder::new(program);
        // Rules in the order they are computed, each followed by its exceptions: the sites are
        // then numbered in the order a trace records them, which keeps traces short.
        let mut rules: Vec<Option<RuleCode>> = (0..program.rules.len()).map(|_| None).collect();
        let mut exceptions: Vec<Option<ExceptionCode>> = (0..program.exceptions.len()).map(|_| None).collect();
        for id in &program.rule_order {
            let Some(info) = program.rule(*id) else { continue };
            if let Some(slot) = rules.get_mut(id.0 as usize) {
                *slot = Some(builder.rule(program, *id, info));
            }
            for index in &info.exceptions {
                if let Some(slot) = exceptions.get_mut(*index) {
                    *slot = builder.exception(program, *index);
                }
            }
        }
        // Every rule is in the order; should one not be, it is still compiled (its index kept).
        for (index, slot) in rules.iter_mut().enumerate() {
            if let (None, Some(info)) = (&slot, program.rules.get(index)) {
                *slot = Some(builder.rule(program, RuleId(index as u32), info));
            }
        }
        for (index, slot) in exceptions.iter_mut().enumerate() {
            if slot.is_none() {
                *slot = builder.exception(program, index);
            }
        }
        let mut rules: Vec<RuleCode> = rules.into_iter().flatten().collect();
        let exceptions: Vec<ExceptionCode> = exceptions.into_iter().flatten().collect();
        let params: Vec<Vec<Code>> = program
            .params
            .iter()
            .map(|info| {
                info.versions
                    .iter()
                    .map(|v| expr::Compiler::quiet(&mut builder, program).expr(&v.body))
                    .collect()
            })
            .collect();
        builder.held_code(program, &mut rules);
        let mut compiled = builder.finish(program, rules, exceptions);
        compiled.evaluate_params(program, &params);
        compiled.classify_periods(program);
        compiled.catalog_param_values(program);
        compiled
    }

    /// Writes each parameter's value over time into the catalog (for law browsers): one entry
    /// per period in which it differs from the period before.
    fn catalog_param_values(&mut self, program: &Program) {
        let store = crate::eval::word::Store::view(&self.constants, &[], &[]);
        let mut timelines = Vec::with_capacity(program.params.len());
        for (index, info) in program.params.iter().enumerate() {
            let mut timeline: Vec<crate::explain::ValueEntry> = Vec::new();
            let starts = std::iter::once(None).chain(self.boundaries.iter().copied().map(Some));
            for (period, from) in self.periods.iter().zip(starts) {
                let value = match period.params.get(index) {
                    Some(ParamValue::Value(word)) => {
                        crate::eval::output::to_json(&store.value(*word, &self.strings), &info.ty)
                    }
                    _ => serde_json::Value::Null,
                };
                if timeline.last().is_none_or(|last| last.value != value) {
                    timeline.push(crate::explain::ValueEntry {
                        from: from.map(|d| d.to_string()),
                        value,
                    });
                }
            }
            timelines.push(timeline);
        }
        let catalog = Arc::make_mut(&mut self.catalog);
        for (declaration, timeline) in catalog.params.iter_mut().zip(timelines) {
            declaration.values = timeline;
        }
    }

    /// Groups, per rule, the periods in which it behaves the same (see
    /// [`inputs::Inputs::period_class`]).
    fn classify_periods(&mut self, program: &Program) {
        let periods = &self.periods;
        let dates: Vec<Date> = std::iter::once(Date::MIN)
            .chain(self.boundaries.iter().copied())
            .collect();
        for (rule, inputs) in self.inputs.iter_mut().enumerate() {
            let mut classes: Vec<Vec<i64>> = Vec::new();
            inputs.period_class = periods
                .iter()
                .zip(&dates)
                .map(|(period, date)| {
                    let version = |r: usize| period.versions.get(r).copied().flatten().map_or(-1, i64::from);
                    let mut key = vec![version(rule)];
                    key.extend(inputs.held.iter().map(|t| version(*t as usize)));
                    key.extend(inputs.params.iter().map(|p| match period.params.get(*p as usize) {
                        Some(ParamValue::Value(w)) => w.raw(),
                        Some(ParamValue::Failed(i)) => -2 - i64::from(*i),
                        None => -1,
                    }));
                    if let Some(info) = program.rules.get(rule) {
                        key.extend(info.exceptions.iter().map(|e| {
                            let from = program.exceptions.get(*e).and_then(|x| x.from);
                            i64::from(from.is_none_or(|f| f <= *date))
                        }));
                    }
                    let class = classes.iter().position(|k| *k == key).unwrap_or_else(|| {
                        classes.push(key);
                        classes.len() - 1
                    });
                    u32::try_from(class).unwrap_or(u32::MAX)
                })
                .collect();
        }
    }

    /// What is in force in a period (the first period when out of range, which cannot happen
    /// for an index from [`Compiled::period_of`]).
    pub(crate) fn period(&self, index: usize) -> &Period {
        self.periods
            .get(index)
            .or(self.periods.first())
            .unwrap_or(&self.empty_period)
    }

    /// The period a date falls in.
    pub(crate) fn period_of(&self, date: Date) -> usize {
        self.boundaries.partition_point(|b| *b <= date)
    }

    /// Computes every parameter in every period, each after the parameters it uses.
    fn evaluate_params(&mut self, program: &Program, code: &[Vec<Code>]) {
        let representative: Vec<Date> = std::iter::once(Date::MIN)
            .chain(self.boundaries.iter().copied())
            .collect();
        for param in param_order(program) {
            let Some(info) = program.param(ParamId(param)) else {
                continue;
            };
            for (period, date) in representative.iter().enumerate() {
                let version = crate::eval::select_version(&info.versions, *date);
                let body = version.and_then(|v| code.get(param as usize)?.get(v));
                let value = match body {
                    None => ParamValue::Value(W::NULL),
                    Some(body) => self.param_value(program, body, *date),
                };
                if let Some(slot) = self
                    .periods
                    .get_mut(period)
                    .and_then(|p| p.params.get_mut(param as usize))
                {
                    *slot = value;
                }
            }
        }
    }

    /// Runs a parameter's body on a date; a value too large for a word becomes a constant.
    fn param_value(&mut self, program: &Program, body: &Code, date: Date) -> ParamValue {
        let result = crate::eval::machine::evaluate_constant(self, program, body, date);
        match result {
            Ok(Some(value)) => match word::direct(&value, &self.strings) {
                Some(w) => ParamValue::Value(w),
                None => ParamValue::Value(self.constant(value)),
            },
            Ok(None) => ParamValue::Value(W::UNKNOWN),
            Err(failure) => {
                let index = u32::try_from(self.param_failures.len()).unwrap_or(u32::MAX);
                self.param_failures.push(failure);
                ParamValue::Failed(index)
            }
        }
    }

    fn constant(&mut self, value: Value) -> W {
        let index = u32::try_from(self.constants.len()).unwrap_or(u32::MAX);
        self.constants.push(value);
        W::reference(index)
    }
}

/// Parameters in an order where each comes after the parameters its definitions use.
fn param_order(program: &Program) -> Vec<u32> {
    fn visit(program: &Program, param: u32, state: &mut [u8], out: &mut Vec<u32>) {
        match state.get(param as usize) {
            Some(0) => {}
            _ => return,
        }
        if let Some(s) = state.get_mut(param as usize) {
            *s = 1;
        }
        if let Some(info) = program.param(ParamId(param)) {
            let mut used = Vec::new();
            for version in &info.versions {
                params_used(&version.body, &mut used);
            }
            for p in used {
                visit(program, p, state, out);
            }
        }
        if let Some(s) = state.get_mut(param as usize) {
            *s = 2;
        }
        out.push(param);
    }
    let mut state = vec![0u8; program.params.len()];
    let mut out = Vec::with_capacity(program.params.len());
    for param in 0..program.params.len() {
        visit(program, param as u32, &mut state, &mut out);
    }
    out
}

fn params_used(e: &ir::Expr, out: &mut Vec<u32>) {
    if let ExprKind::Param(id) = e.kind {
        out.push(id.0);
    }
    e.for_each_child(|c| params_used(c, out));
}

/// Collects instructions, sites, texts and constants while compiling.
pub(crate) struct Builder {
    pub(crate) sites: Sites,
    pub(crate) strings: Strings,
    constants: Vec<Value>,
    spans: Vec<Span>,
    span_index: HashMap<Span, u32>,
    held_wanted: Vec<u32>,
}

impl Builder {
    fn new(program: &Program) -> Builder {
        let mut builder = Builder {
            sites: Sites::default(),
            strings: Strings::default(),
            constants: Vec::new(),
            spans: Vec::new(),
            span_index: HashMap::new(),
            held_wanted: Vec::new(),
        };
        // Every enum value is interned, so a case's enum values are words.
        for info in &program.enums {
            for (value, _) in &info.values {
                builder.strings.intern(value);
            }
        }
        builder
    }

    /// Compiles the branches of the rules `held(…)` asks about.
    fn held_code(&mut self, program: &Program, rules: &mut [RuleCode]) {
        let mut wanted = std::mem::take(&mut self.held_wanted);
        wanted.sort_unstable();
        wanted.dedup();
        for rule in wanted {
            let (Some(info), Some(code)) = (program.rule(RuleId(rule)), rules.get_mut(rule as usize)) else {
                continue;
            };
            for (version, version_code) in info.versions.iter().zip(&mut code.versions) {
                let (ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches)) = &version.body.kind else {
                    continue;
                };
                version_code.held = branches
                    .iter()
                    .map(|b| {
                        let text = b.label.as_deref().unwrap_or("");
                        let label = W::text(self.strings.intern(text));
                        let alone = self.constant(&Value::List(Arc::from(vec![Value::Text(Arc::from(text))])));
                        (label, expr::Compiler::held(self, program).expr(&b.expr), alone)
                    })
                    .collect();
            }
        }
    }

    fn finish(self, program: &Program, rules: Vec<RuleCode>, exceptions: Vec<ExceptionCode>) -> Compiled {
        let inputs = inputs::inputs(program);
        let mut catalog = sites::declarations(program, &inputs);
        catalog.nodes = self.sites.nodes;
        let boundaries = boundaries(program);
        let representative: Vec<Date> = std::iter::once(Date::MIN).chain(boundaries.iter().copied()).collect();
        let periods = representative
            .iter()
            .map(|date| Period {
                params: vec![ParamValue::Value(W::NULL); program.params.len()],
                versions: program
                    .rules
                    .iter()
                    .map(|r| crate::eval::select_version(&r.versions, *date).map(|v| v as u32))
                    .collect(),
            })
            .collect();
        let mut constants = self.constants;
        let empty_list = W::reference(u32::try_from(constants.len()).unwrap_or(u32::MAX));
        constants.push(Value::List(Vec::new().into()));
        Compiled {
            templates: Templates::new(&catalog),
            fills: self.sites.fills,
            catalog: Arc::new(catalog),
            strings: self.strings,
            constants,
            spans: self.spans,
            rules,
            exceptions,
            boundaries,
            periods,
            order: program.rule_order.iter().map(|r| r.0).collect(),
            fact_readers: inputs::readers(program.facts.len(), &inputs, |i| &i.facts),
            rule_readers: inputs::readers(program.rules.len(), &inputs, |i| &i.rules),
            inputs,
            empty_list,
            param_failures: Vec::new(),
            blank_conclusions: program
                .rules
                .iter()
                .map(|r| (Arc::from(r.name.as_str()), serde_json::Value::Null))
                .collect(),
            empty_period: Period {
                params: Vec::new(),
                versions: Vec::new(),
            },
        }
    }

    fn rule(&mut self, program: &Program, id: RuleId, info: &ir::ValueInfo) -> RuleCode {
        let versions = info
            .versions
            .iter()
            .enumerate()
            .map(|(index, version)| VersionCode {
                plain: expr::Compiler::new(self, program, false).expr(&version.body),
                recording: expr::Compiler::new(self, program, true).expr(&version.body),
                site: self.sites.rule(id, Some(index)),
                held: Vec::new(),
            })
            .collect();
        RuleCode {
            versions,
            no_version_site: self.sites.rule(id, None),
            exceptions: info.exceptions.iter().map(|e| *e as u32).collect(),
        }
    }

    fn exception(&mut self, program: &Program, index: usize) -> Option<ExceptionCode> {
        let exception = program.exceptions.get(index)?;
        Some(ExceptionCode {
            from: exception.from,
            when: [
                expr::Compiler::new(self, program, false).expr(&exception.when),
                expr::Compiler::new(self, program, true).expr(&exception.when),
            ],
            value: [
                expr::Compiler::new(self, program, false).expr(&exception.value),
                expr::Compiler::new(self, program, true).expr(&exception.value),
            ],
            site: self.sites.exception(index),
        })
    }

    /// The word of a constant: held directly when it fits, else kept in the constants.
    pub(crate) fn constant(&mut self, value: &Value) -> W {
        intern_texts(value, &mut self.strings);
        if let Some(w) = word::direct(value, &self.strings) {
            return w;
        }
        let index = u32::try_from(self.constants.len()).unwrap_or(u32::MAX);
        self.constants.push(value.clone());
        W::reference(index)
    }

    /// The index of an expression's span (for error messages).
    pub(crate) fn expression(&mut self, span: Span) -> u32 {
        if let Some(index) = self.span_index.get(&span) {
            return *index;
        }
        let index = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
        self.spans.push(span);
        self.span_index.insert(span, index);
        index
    }

    /// A new site for a use of a fact (one per use, so a trace names nodes in order).
    pub(crate) fn fact_site(&mut self, fact: u32) -> u32 {
        self.sites.fact(FactId(fact))
    }

    /// A new site for a use of a parameter.
    pub(crate) fn param_site(&mut self, param: u32) -> u32 {
        self.sites.param(ParamId(param))
    }

    /// A new site for a use of a rule.
    pub(crate) fn rule_ref_site(&mut self, rule: u32) -> u32 {
        self.sites.rule_ref(RuleId(rule))
    }

    /// Notes that `held(rule)` is used, so its branches are compiled.
    pub(crate) fn want_held(&mut self, rule: u32) {
        self.held_wanted.push(rule);
    }
}

/// Texts inside a constant are interned (a text constant compares as a word).
fn intern_texts(value: &Value, strings: &mut Strings) {
    match value {
        Value::Text(t) => {
            strings.intern(t);
        }
        Value::List(items) | Value::Record(items) => items.iter().for_each(|i| intern_texts(i, strings)),
        _ => {}
    }
}

/// Dates from which some version or exception applies, sorted and without repeats.
fn boundaries(program: &Program) -> Vec<Date> {
    let mut dates: Vec<Date> = program
        .params
        .iter()
        .chain(&program.rules)
        .flat_map(|v| v.versions.iter().filter_map(|version| version.from))
        .chain(program.exceptions.iter().filter_map(|e| e.from))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_split_the_law_into_periods() {
        let rules = crate::RuleSet::from_source(
            "t.rule",
            "param k: count from 2015-11-01 = 1\n from 2020-01-01 = 2\nrule r: bool = k > 1\n",
        )
        .expect("rules load");
        let compiled = Compiled::new(rules.program());
        assert_eq!(compiled.boundaries.len(), 2);
        let date = |s| crate::value::parse_date(s).expect("a date");
        assert_eq!(compiled.period_of(date("2015-10-31")), 0);
        assert_eq!(compiled.period_of(date("2015-11-01")), 1);
        assert_eq!(compiled.period_of(date("2021-01-01")), 2);
        let values: Vec<_> = compiled.periods.iter().map(|p| p.params.first().copied()).collect();
        assert!(matches!(values.first(), Some(Some(ParamValue::Value(W::NULL)))));
        assert!(matches!(values.get(1), Some(Some(ParamValue::Value(w))) if *w == W::int(1).unwrap_or(W::NULL)));
        assert!(matches!(values.get(2), Some(Some(ParamValue::Value(w))) if *w == W::int(2).unwrap_or(W::NULL)));
    }
}
