//! Evaluation of a checked rule set against cases: three-valued, exact, explained.
//!
//! The pipeline inside: `compile` turns the checked program into one compiled form when the
//! rule set is loaded; `machine` runs it over a case, computing values only or also
//! recording a compact trace; `tree` builds the explanation trees from a trace when they are
//! asked for, and `missing` reads the missing facts off it.

mod compile;
mod error;
mod machine;
mod missing;
mod ops;
pub(crate) mod output;
mod record;
mod tree;
mod word;

use std::sync::Arc;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

pub(crate) use compile::Compiled;
pub use error::EvalError;

use crate::explain::{Explanation, SCHEMA_VERSION};
use crate::facts::{Case, FactValues};
use crate::ir::{self, Program, Type};
use crate::ruleset::RuleSet;
use crate::value::{Date, Value};
pub(crate) use machine::Buffers;
use machine::{Facts, Machine, Recording};
use word::{Store, W};

/// How much of the derivation to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExplainMode {
    /// Values only.
    None,
    /// Rules, blocks, branches and exceptions: which branches decided.
    Outcome,
    /// Everything, including facts, parameters with versions and comparisons.
    #[default]
    Full,
}

impl ExplainMode {
    fn recording(self) -> Recording {
        match self {
            ExplainMode::None => Recording::Off,
            ExplainMode::Outcome => Recording::Outline,
            ExplainMode::Full => Recording::Full,
        }
    }
}

/// Evaluation options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Overrides the case's `as_of`.
    pub as_of: Option<Date>,
    /// A missing fact that leaves a rule undecided is an error instead of *unknown* (a missing
    /// fact whose absence decided nothing is not).
    pub strict: bool,
    /// What to record.
    pub explain: ExplainMode,
    /// Upper bound on evaluation steps: one step is one rule computed under one date's law or
    /// one list item visited by an aggregate (guards against pathological rule sets and cases).
    pub max_steps: u64,
    /// The conclusions asked about: only these and the conclusions they depend on are
    /// evaluated and reported (all of them when empty).
    pub questions: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            as_of: None,
            strict: false,
            explain: ExplainMode::Full,
            max_steps: 10_000_000,
            questions: Vec::new(),
        }
    }
}

/// The result of evaluating one case.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The date whose law was applied.
    pub as_of: String,
    /// Every conclusion evaluated, in declaration order (`null` = no value or unknown). The
    /// names are shared with the rule set (an outcome copies no text to name them); look one
    /// up with a `&str` (`conclusions.get("cl286_1_established")`).
    pub conclusions: IndexMap<Arc<str>, Json>,
    /// Conclusions that could not be decided because facts are missing.
    pub unknown_conclusions: Vec<String>,
    /// Unknown facts that could change an unknown conclusion.
    pub missing_facts: Vec<String>,
    /// The explanation (absent when not recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// The value of one conclusion, telling *unknown* (facts are missing) from *no value*.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Conclusion<'a> {
    /// Decided, with this value in the JSON encoding of case files.
    Value(&'a Json),
    /// Decided: the conclusion has no value (an optional value that does not apply).
    NoValue,
    /// Not decided: facts are missing.
    Unknown,
}

impl Conclusion<'_> {
    /// The value when it is a decided boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Conclusion::Value(Json::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

impl Outcome {
    /// The value of one conclusion as JSON (`null` for unknown or no value); `None` when the
    /// name is not a conclusion that was evaluated.
    pub fn conclusion(&self, name: &str) -> Option<&Json> {
        self.conclusions.get(name)
    }

    /// The value of one conclusion, telling unknown from no value; an error naming the
    /// nearest conclusion when `name` is not one that was evaluated.
    pub fn get(&self, name: &str) -> Result<Conclusion<'_>, EvalError> {
        match self.conclusions.get(name) {
            None => Err(EvalError::unknown_conclusion(
                name,
                self.conclusions.keys().map(|k| &**k),
            )),
            Some(_) if self.unknown_conclusions.iter().any(|u| u == name) => Ok(Conclusion::Unknown),
            Some(Json::Null) => Ok(Conclusion::NoValue),
            Some(value) => Ok(Conclusion::Value(value)),
        }
    }

    /// All conclusions.
    pub fn conclusions(&self) -> &IndexMap<Arc<str>, Json> {
        &self.conclusions
    }

    /// Unknown facts that matter.
    pub fn missing_facts(&self) -> &[String] {
        &self.missing_facts
    }

    /// The explanation tree, when recorded.
    pub fn explanation(&self) -> Option<&Explanation> {
        self.explanation.as_ref()
    }
}

impl RuleSet {
    /// Evaluates a case: validates its facts, picks the `as_of` date, evaluates every
    /// conclusion (or the ones `options.questions` asks about).
    pub fn evaluate(&self, case: &Case, options: &Options) -> Result<Outcome, EvalError> {
        // Allocations (and the previous case's values, for reuse) come from the rule set's pool,
        // so one call per case costs about what an evaluator kept across cases costs.
        let buffers = self
            .pool
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        let mut evaluator = Evaluator::with_buffers(self.clone(), options.clone(), buffers);
        let outcome = evaluator
            .prepare(case)
            .and_then(|prepared| evaluator.outcome(&prepared));
        if let Ok(mut pool) = self.pool.lock() {
            if pool.len() < POOLED_BUFFERS {
                pool.push(evaluator.buffers);
            }
        }
        outcome
    }

    /// An evaluator for many cases with these options (one per thread; see [`Evaluator`]).
    pub fn evaluator(&self, options: &Options) -> Evaluator {
        Evaluator::new(self.clone(), options.clone())
    }
}

/// A case whose facts have been checked against the declarations, with the date whose law
/// applies, ready for the evaluator that prepared it (or another of the same rule set).
#[derive(Debug, Clone)]
pub struct PreparedCase {
    /// The validated values (batch input fills them in place).
    pub(crate) facts: Box<FactValues>,
    pub(crate) as_of: Date,
    /// One word per fact.
    words: Vec<W>,
    /// The values behind the words that do not hold them.
    values: Vec<Value>,
    /// Tells this case from every other one prepared in the process (a new number whenever
    /// its words are set): an evaluator reuses what it recorded only for the same case.
    serial: u64,
}

/// The serial number of the next case prepared.
static NEXT_CASE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl PreparedCase {
    /// A case without facts, to be filled in place.
    #[cfg(feature = "batch")]
    pub(crate) fn empty() -> Self {
        PreparedCase {
            facts: Box::new(FactValues {
                values: Vec::new(),
                defaulted: Vec::new(),
            }),
            as_of: Date::MIN,
            words: Vec::new(),
            values: Vec::new(),
            serial: 0,
        }
    }

    /// The date whose law applies.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Turns the validated values into words for `compiled`.
    fn encode(&mut self, compiled: &Compiled) {
        self.serial = NEXT_CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let first = compiled.constants.len();
        self.words.clear();
        self.values.clear();
        for value in &self.facts.values {
            let word = match value {
                None => W::UNKNOWN,
                Some(v) => match word::direct(v, &compiled.strings) {
                    Some(w) => w,
                    None => {
                        let index = first + self.values.len();
                        self.values.push(v.clone());
                        W::reference(u32::try_from(index).unwrap_or(u32::MAX))
                    }
                },
            };
            self.words.push(word);
        }
    }

    fn machine_facts(&self) -> Facts<'_> {
        Facts {
            words: &self.words,
            values: &self.values,
            defaulted: &self.facts.defaulted,
        }
    }
}

/// Which conclusions an evaluator computes and reports.
#[derive(Debug, Clone)]
struct Selection {
    /// Rules to compute, each after the rules it uses.
    order: Vec<u32>,
    /// Per rule: whether it is reported.
    reported: Vec<bool>,
}

/// Evaluates many cases against one rule set, keeping its allocations from one case to the
/// next. It owns a handle on the rule set (cheap to clone, `Send`): create one per thread.
pub struct Evaluator {
    rules: RuleSet,
    options: Options,
    selection: Result<Selection, String>,
    buffers: Buffers,
    /// The last case evaluated recorded its trace in `buffers`: in this mode, on this date,
    /// and which case it was (its serial number).
    recorded: Option<(Recording, Date, u64)>,
}

/// Most allocations a rule set keeps for [`RuleSet::evaluate`].
const POOLED_BUFFERS: usize = 16;

impl Evaluator {
    fn new(rules: RuleSet, options: Options) -> Self {
        Evaluator::with_buffers(rules, options, Buffers::default())
    }

    fn with_buffers(rules: RuleSet, options: Options, buffers: Buffers) -> Self {
        let selection = select(&rules, &options.questions);
        Evaluator {
            rules,
            options,
            selection,
            buffers,
            recorded: None,
        }
    }

    /// The compact trace of the case last given to [`Evaluator::record`] (`None` when
    /// explanations are off or that evaluation failed); read it back with
    /// [`Catalog::explanation`](crate::explain::Catalog::explanation).
    pub fn recorded_trace(&self) -> Option<crate::explain::Trace> {
        let (recording, _, _) = self.recorded?;
        if recording == Recording::Off {
            return None;
        }
        Some(tree::compact(
            &self.rules.compiled,
            self.rules.program(),
            &self.buffers.trace,
        ))
    }

    /// The options this evaluator applies.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The rule set it evaluates.
    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    /// Validates a case's facts and picks its date: the options' `as_of`, else the case's,
    /// else the fact `conduct_date`.
    pub fn prepare(&self, case: &Case) -> Result<PreparedCase, EvalError> {
        let program = self.rules.program();
        let facts = case.validate(program, self.options.strict)?;
        let as_of = self
            .options
            .as_of
            .or(case.as_of_date()?)
            .or_else(|| conduct_date(program, &facts))
            .ok_or(EvalError::NoAsOf)?;
        let mut prepared = PreparedCase {
            facts: Box::new(facts),
            as_of,
            words: Vec::new(),
            values: Vec::new(),
            serial: 0,
        };
        prepared.encode(&self.rules.compiled);
        Ok(prepared)
    }

    /// Finishes a case whose facts were filled in place (batch input): picks its date
    /// (the options' `as_of`, else `as_of`, else the fact `conduct_date`) and its words.
    #[cfg(feature = "batch")]
    pub(crate) fn prepare_in_place(&self, case: &mut PreparedCase, as_of: Option<Date>) -> Result<(), EvalError> {
        case.as_of = self
            .options
            .as_of
            .or(as_of)
            .or_else(|| conduct_date(self.rules.program(), &case.facts))
            .ok_or(EvalError::NoAsOf)?;
        case.encode(&self.rules.compiled);
        Ok(())
    }

    /// Evaluates a case recording nothing, whatever the options say: the fast path for many
    /// cases. The values are read through the returned view.
    pub fn values<'e>(&'e mut self, case: &'e PreparedCase) -> Result<Values<'e>, EvalError> {
        self.run(case, Recording::Off)?;
        Ok(self.view(case))
    }

    /// The values of `case` from this evaluator's last evaluation, without evaluating again;
    /// `None` when the last evaluation was of another case (or failed).
    pub fn last_values<'e>(&'e self, case: &'e PreparedCase) -> Option<Values<'e>> {
        let last = self.recorded.map(|(_, _, serial)| serial);
        (last == Some(case.serial)).then(|| self.view(case))
    }

    /// Evaluates a case recording the explanation the options ask for (as a compact trace;
    /// the tree is built only by [`Evaluator::recorded_explanation`]).
    pub fn record<'e>(&'e mut self, case: &'e PreparedCase) -> Result<Values<'e>, EvalError> {
        self.run(case, self.options.explain.recording())?;
        Ok(self.view(case))
    }

    /// The explanation of the case last given to [`Evaluator::record`], built from its trace
    /// (`None` when explanations are off or that evaluation failed). Each call builds it again.
    pub fn recorded_explanation(&self) -> Option<Explanation> {
        let (recording, as_of, _) = self.recorded?;
        if recording == Recording::Off {
            return None;
        }
        let compiled = &self.rules.compiled;
        // Only the rules asked about (and what they depend on) were computed: their trees.
        let conclusions = tree::build(compiled, self.rules.program(), &self.buffers.trace);
        Some(Explanation {
            schema_version: SCHEMA_VERSION,
            as_of: as_of.to_string(),
            conclusions,
        })
    }

    /// The full outcome of a case, with the explanation the options ask for.
    pub fn outcome(&mut self, case: &PreparedCase) -> Result<Outcome, EvalError> {
        let mode = self.options.explain;
        self.run(case, mode.recording())?;
        let explanation = match mode {
            ExplainMode::None => None,
            _ => self.recorded_explanation(),
        };
        let (mut outcome, unknown) = self.outcome_of(case, explanation);
        outcome.missing_facts = self.missing_facts_of(case, &unknown)?;
        Ok(outcome)
    }

    /// The missing facts of the `unknown` conclusions (rule ids) of `case`: only those
    /// conclusions are recorded again, over the values of the case (computed again only when
    /// the last evaluation was of another case), unless the last evaluation recorded the whole
    /// trace of this one.
    pub(crate) fn missing_facts_of(&mut self, case: &PreparedCase, unknown: &[u32]) -> Result<Vec<String>, EvalError> {
        if unknown.is_empty() {
            return Ok(Vec::new());
        }
        if !self.recorded_in_full(case) {
            if self.recorded.map(|(_, _, serial)| serial) != Some(case.serial) {
                self.run(case, Recording::Off)?;
            }
            self.record_unknown(case, unknown)?;
        }
        Ok(self.read_missing(unknown))
    }

    /// Records the full trace of the unknown conclusions of the case just evaluated, and only
    /// theirs: the walk for missing facts stops at known values, so the rules known in that
    /// evaluation keep their values instead of being recorded again.
    fn record_unknown(&mut self, case: &PreparedCase, ids: &[u32]) -> Result<(), EvalError> {
        let program = self.rules.program();
        let values = self.buffers.values().to_vec();
        let temps = self.buffers.take_temps();
        self.recorded = None;
        let mut machine = Machine::new(
            &self.rules.compiled,
            program,
            case.machine_facts(),
            case.as_of,
            Recording::Full,
            self.options.strict,
            self.options.max_steps,
            &mut self.buffers,
        );
        let result = machine.run_over(ids, &values, temps);
        machine.finish();
        result
    }

    /// The missing facts of the `unknown` conclusions (rule ids), read off the trace in the
    /// buffers.
    fn read_missing(&self, unknown: &[u32]) -> Vec<String> {
        missing::missing_facts(&self.rules.compiled, self.rules.program(), &self.buffers.trace, unknown)
    }

    /// Whether the last evaluation recorded the full trace of `case`.
    fn recorded_in_full(&self, case: &PreparedCase) -> bool {
        self.recorded == Some((Recording::Full, case.as_of, case.serial))
    }

    /// Unknown facts that could change one of the `unknown` conclusions of `case` (names that
    /// are not conclusions are ignored): read off the trace of those conclusions, recorded
    /// again unless the last evaluation recorded the whole trace of this case.
    pub fn missing_facts(&mut self, case: &PreparedCase, unknown: &[String]) -> Result<Vec<String>, EvalError> {
        let program = self.rules.program();
        let ids: Vec<u32> = unknown.iter().filter_map(|n| program.rule_id(n)).map(|r| r.0).collect();
        self.missing_facts_of(case, &ids)
    }

    /// The index of a conclusion in [`Values`] (`None`: no conclusion has that name).
    pub fn conclusion_index(&self, name: &str) -> Option<usize> {
        self.rules.program().rule_id(name).map(|id| id.0 as usize)
    }

    /// Names of the conclusions, in declaration order (as [`Values`] indexes them).
    pub fn conclusion_names(&self) -> impl Iterator<Item = &str> {
        self.rules.program().rules.iter().map(|r| r.name.as_str())
    }

    fn run(&mut self, case: &PreparedCase, recording: Recording) -> Result<(), EvalError> {
        self.recorded = None;
        let selection = self.selection.as_ref().map_err(|name| {
            EvalError::unknown_conclusion(name, self.rules.program().rules.iter().map(|r| r.name.as_str()))
        })?;
        let compiled: &Compiled = &self.rules.compiled;
        let program = self.rules.program();
        let mut machine = Machine::new(
            compiled,
            program,
            case.machine_facts(),
            case.as_of,
            recording,
            self.options.strict,
            self.options.max_steps,
            &mut self.buffers,
        );
        // Not strict: a rule whose inputs are those of the previous case keeps its value, and
        // its records when recording (the results are the same; `strict` must see every
        // missing fact read).
        let reuse = !self.options.strict;
        let result = machine.run(&selection.order, reuse);
        machine.finish();
        result?;
        self.recorded = Some((recording, case.as_of, case.serial));
        Ok(())
    }

    /// The values of `case` (the case just evaluated: the caller knows).
    pub(crate) fn view<'e>(&'e self, case: &'e PreparedCase) -> Values<'e> {
        Values {
            evaluator: self,
            store: Store::view(&self.rules.compiled.constants, &case.values, self.buffers.temps()),
        }
    }

    /// The outcome of the case just evaluated (without its missing facts), and the ids of
    /// its unknown conclusions.
    fn outcome_of(&self, case: &PreparedCase, explanation: Option<Explanation>) -> (Outcome, Vec<u32>) {
        let program = self.rules.program();
        let reported = self.selection.as_ref().map(|s| s.reported.as_slice()).unwrap_or(&[]);
        let values = self.view(case);
        let mut unknown = Vec::new();
        let mut ids = Vec::new();
        let mut note_unknown = |index: usize, name: &str| {
            if values.word(index) == W::UNKNOWN {
                unknown.push(name.to_string());
                ids.push(u32::try_from(index).unwrap_or(u32::MAX));
            }
        };
        let conclusions = if reported.iter().all(|r| *r) && reported.len() == program.rules.len() {
            let mut conclusions = self.rules.compiled.blank_conclusions.clone();
            for (index, (name, slot)) in conclusions.iter_mut().enumerate() {
                note_unknown(index, name);
                *slot = values.json(index);
            }
            conclusions
        } else {
            let mut conclusions = IndexMap::with_capacity(program.rules.len());
            for (index, rule) in program.rules.iter().enumerate() {
                if !reported.get(index).copied().unwrap_or(false) {
                    continue;
                }
                note_unknown(index, &rule.name);
                conclusions.insert(Arc::from(rule.name.as_str()), values.json(index));
            }
            conclusions
        };
        let outcome = Outcome {
            as_of: case.as_of.to_string(),
            conclusions,
            unknown_conclusions: unknown,
            missing_facts: Vec::new(),
            explanation,
        };
        (outcome, ids)
    }
}

/// The values of the last case an [`Evaluator`] evaluated, by conclusion index (declaration
/// order, as [`Evaluator::conclusion_names`] lists them).
pub struct Values<'e> {
    evaluator: &'e Evaluator,
    store: Store<'e>,
}

impl Values<'_> {
    /// Number of conclusions.
    pub fn len(&self) -> usize {
        self.evaluator.buffers.values().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.evaluator.buffers.values().is_empty()
    }

    fn word(&self, index: usize) -> W {
        self.evaluator
            .buffers
            .values()
            .get(index)
            .copied()
            .unwrap_or(W::UNKNOWN)
    }

    /// The value of conclusion `index` (`None` = unknown).
    pub fn get(&self, index: usize) -> Option<Value> {
        self.store
            .value(self.word(index), &self.evaluator.rules.compiled.strings)
    }

    /// Whether conclusion `index` is one the evaluator reports (asked about, or one those
    /// depend on; all of them when no question was asked).
    pub fn is_reported(&self, index: usize) -> bool {
        match &self.evaluator.selection {
            Ok(selection) => selection.reported.get(index).copied().unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Whether conclusion `index` is unknown.
    pub fn is_unknown(&self, index: usize) -> bool {
        self.word(index) == W::UNKNOWN
    }

    /// The truth of a boolean conclusion (`None` when unknown or not a boolean).
    pub fn truth(&self, index: usize) -> Option<bool> {
        match self.word(index).kind() {
            word::Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value of conclusion `index` in the JSON encoding of case files.
    pub fn json(&self, index: usize) -> Json {
        let ty = self
            .evaluator
            .rules
            .program()
            .rules
            .get(index)
            .map(|r| &r.ty)
            .unwrap_or(&Type::Error);
        match (self.word(index).kind(), ty.strip_optional()) {
            (word::Kind::Unknown | word::Kind::Null, _) => Json::Null,
            (word::Kind::Bool(b), _) => Json::Bool(b),
            (word::Kind::Int(i), Type::Count | Type::Integer) => Json::from(i),
            _ => output::to_json(&self.get(index), ty),
        }
    }

    /// Every value, in declaration order.
    pub fn to_vec(&self) -> Vec<Option<Value>> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

/// Resolves the questions to the rules to compute and report.
fn select(rules: &RuleSet, questions: &[String]) -> Result<Selection, String> {
    let program = rules.program();
    let compiled = &rules.compiled;
    let n = program.rules.len();
    if questions.is_empty() {
        return Ok(Selection {
            order: compiled.order.clone(),
            reported: vec![true; n],
        });
    }
    let mut reported = vec![false; n];
    let mut pending = Vec::new();
    for name in questions {
        let id = program.rule_id(name).ok_or_else(|| name.clone())?;
        pending.push(id.0);
    }
    while let Some(rule) = pending.pop() {
        match reported.get_mut(rule as usize) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        pending.extend(
            compiled
                .inputs
                .get(rule as usize)
                .map(|i| i.rules.as_slice())
                .unwrap_or(&[]),
        );
    }
    let order = compiled
        .order
        .iter()
        .copied()
        .filter(|r| reported.get(*r as usize).copied().unwrap_or(false))
        .collect();
    Ok(Selection { order, reported })
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

fn conduct_date(program: &Program, facts: &FactValues) -> Option<Date> {
    let id = program.fact_id("conduct_date")?;
    match facts.values.get(id.0 as usize)? {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// A compiled rule set, shared.
pub(crate) fn compile(program: &Program) -> Arc<Compiled> {
    Arc::new(Compiled::new(program))
}
