//! Evaluation of a checked rule set against one case: three-valued, exact, explained.

mod code;
mod engine;
mod error;
mod group;
mod ops;
pub(crate) mod output;
mod plan;
mod trace;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;
use smallvec::SmallVec;

pub use error::EvalError;

use crate::explain::{Explanation, Node, NodeKind, SCHEMA_VERSION};
use crate::facts::{Case, FactValues};
use crate::ir::{Program, RuleId};
use crate::ruleset::RuleSet;
use crate::value::{Date, Value};
use engine::{Buffers, Engine};
use ops::Tv;
use plan::Plan;
use trace::{Tape, Trace};

/// FNV-1a for bytes, Fx-style mixing for words: for maps keyed by short, trusted keys
/// (names, spans), much faster than SipHash.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    // Whole words (span offsets, ids) are mixed in one step.
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// A hash map with [`Fnv`] hashing.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

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
    /// Upper bound on evaluation steps (guards against pathological rule sets).
    pub max_steps: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            as_of: None,
            strict: false,
            explain: ExplainMode::Full,
            max_steps: 10_000_000,
        }
    }
}

/// The result of evaluating one case.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The date whose law was applied.
    pub as_of: String,
    /// Every conclusion in declaration order (`null` = no value or unknown).
    pub conclusions: IndexMap<String, Json>,
    /// Conclusions that could not be decided because facts are missing.
    pub unknown_conclusions: Vec<String>,
    /// Unknown facts that could change an unknown conclusion.
    pub missing_facts: Vec<String>,
    /// The explanation (absent when not recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

impl Outcome {
    /// The value of one conclusion.
    pub fn conclusion(&self, name: &str) -> Option<&Json> {
        self.conclusions.get(name)
    }

    /// All conclusions.
    pub fn conclusions(&self) -> &IndexMap<String, Json> {
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
    /// Evaluates a case: validates its facts, picks the `as_of` date, evaluates every conclusion.
    pub fn evaluate(&self, case: &Case, options: &Options) -> Result<Outcome, EvalError> {
        let mut evaluator = self.evaluator(options);
        let prepared = evaluator.prepare(case)?;
        evaluator.outcome(&prepared)
    }

    /// An evaluator for many cases with these options (one per thread; see [`Evaluator`]).
    pub fn evaluator(&self, options: &Options) -> Evaluator<'_> {
        Evaluator::new(&self.program, options.clone())
    }
}

/// A case whose facts have been checked against the declarations, with the date whose law applies.
#[derive(Debug, Clone)]
pub struct PreparedCase {
    /// The full values (boxed: the fast path reads only the slots, and many prepared cases
    /// are read in a row, so the case itself stays small).
    pub(crate) facts: Box<FactValues>,
    pub(crate) as_of: Date,
    /// The facts as the compiled plan reads them: inside the case for up to
    /// [`INLINE_SLOTS`] facts, so that many prepared cases lie contiguous in memory.
    slots: SmallVec<[plan::Slot; INLINE_SLOTS]>,
    /// Whether every slot holds a known integer or boolean (the plan's tests then read
    /// them without checking for markers).
    clean: bool,
}

/// Facts whose slots a prepared case holds without a separate allocation.
const INLINE_SLOTS: usize = 24;

impl PreparedCase {
    /// A case without facts, to be filled in place.
    pub(crate) fn empty() -> Self {
        PreparedCase {
            facts: Box::new(FactValues {
                values: Vec::new(),
                defaulted: Vec::new(),
            }),
            as_of: Date::MIN,
            slots: SmallVec::new(),
            clean: false,
        }
    }

    fn new(facts: FactValues, as_of: Date) -> Self {
        let slots: SmallVec<_> = facts.values.iter().map(plan::Slot::of).collect();
        let clean = group::clean(&slots);
        PreparedCase {
            facts: Box::new(facts),
            as_of,
            slots,
            clean,
        }
    }

    /// The date whose law applies.
    pub fn as_of(&self) -> Date {
        self.as_of
    }
}

/// Evaluates many cases against one rule set: it keeps its allocations and the parameter
/// values resolved for each date from one case to the next. Create one per thread.
pub struct Evaluator<'r> {
    program: &'r Program,
    options: Options,
    buffers: Buffers,
    values: Vec<Tv>,
    /// The truth of each rule's value as the plan's groups read it.
    truths: Vec<plan::Slot>,
    /// Dates from which some version applies: the periods plans are compiled for.
    boundaries: Vec<Date>,
    /// Compiled plans by period (`None`: the period's parameters do not evaluate).
    plans: Vec<(usize, Option<Plan>)>,
    /// The date of the last case run on a plan, and that plan's index in `plans`.
    last_plan: Option<(Date, usize)>,
    /// Tapes recording explanations, by period (`None`: the engine explains that period).
    tapes: Vec<(usize, Option<Tape>)>,
    /// The trace of the last case recorded on a tape.
    trace: Trace,
    /// What the last call to [`Evaluator::record`] recorded.
    recorded: Recorded,
    /// Whether explanations may be recorded on tapes (tests compare with the engine).
    use_tapes: bool,
}

/// The explanation of the last case recorded.
enum Recorded {
    /// Nothing (explanations off, or an error).
    Nothing,
    /// On the tape at this index of `tapes`, for a case of this date.
    Tape(usize, Date),
    /// Trees the engine built, for a case of this date.
    Trees(IndexMap<String, Node>, Date),
}

/// Most periods whose plans an evaluator keeps.
const KEPT_PLANS: usize = 16;

impl<'r> Evaluator<'r> {
    fn new(program: &'r Program, options: Options) -> Self {
        Evaluator {
            program,
            options,
            buffers: Buffers::default(),
            values: Vec::with_capacity(program.rules.len()),
            truths: Vec::with_capacity(program.rules.len()),
            boundaries: plan::boundaries(program),
            plans: Vec::new(),
            last_plan: None,
            tapes: Vec::new(),
            trace: Trace::default(),
            recorded: Recorded::Nothing,
            use_tapes: true,
        }
    }

    /// The index in `self.tapes` of the tape for the period of `as_of`, compiled on first use.
    fn tape_index(&mut self, as_of: Date) -> usize {
        let period = plan::period(&self.boundaries, as_of);
        if let Some(index) = self.tapes.iter().position(|(p, _)| *p == period) {
            return index;
        }
        let tape = self
            .param_values(as_of)
            .and_then(|params| Tape::compile(self.program, as_of, &params));
        if self.tapes.len() >= KEPT_PLANS {
            self.tapes.clear();
        }
        self.tapes.push((period, tape));
        self.tapes.len() - 1
    }

    /// Records the case's explanation on the tape of its period; `None` when there is no
    /// tape for it or the tape gave up (the engine then explains the case).
    fn try_tape(&mut self, case: &PreparedCase, full: bool) -> Option<usize> {
        if self.options.strict || !self.use_tapes {
            return None;
        }
        let index = self.tape_index(case.as_of);
        let (_, tape) = self.tapes.get(index)?;
        let tape = tape.as_ref().filter(|t| t.fits(self.options.max_steps))?;
        if self.values.len() != self.program.rules.len() {
            self.values.resize(self.program.rules.len(), None);
        }
        tape.run((&case.slots, &case.facts), full, &mut self.values, &mut self.trace)
            .ok()?;
        Some(index)
    }

    /// The index in `self.plans` of the plan for the period of `as_of`, compiled on first use.
    fn plan_index(&mut self, as_of: Date) -> usize {
        if let Some((date, index)) = self.last_plan {
            if date == as_of {
                return index;
            }
        }
        let period = plan::period(&self.boundaries, as_of);
        let index = match self.plans.iter().position(|(p, _)| *p == period) {
            Some(index) => index,
            None => {
                let plan = self.compile(as_of);
                if self.plans.len() >= KEPT_PLANS {
                    self.plans.clear();
                }
                self.plans.push((period, plan));
                self.plans.len() - 1
            }
        };
        self.last_plan = Some((as_of, index));
        index
    }

    /// Runs the plan for the case's period; false when there is none or it gave up (the
    /// engine then evaluates the case).
    fn try_plan(&mut self, case: &PreparedCase) -> bool {
        let index = self.plan_index(case.as_of);
        let Some((_, Some(plan))) = self.plans.get(index) else {
            return false;
        };
        // Every value is overwritten: the plan computes every rule.
        let n = self.program.rules.len();
        if self.values.len() != n || self.truths.len() != n {
            self.values.resize(n, None);
            self.truths.resize(n, plan::Slot::of_truth(None));
        }
        let facts = group::Case {
            slots: &case.slots,
            facts: &case.facts,
            clean: case.clean,
        };
        let registers = code::Registers {
            values: &mut self.values,
            truths: &mut self.truths,
        };
        if !plan.needs_engine {
            return plan.run(facts, registers, None).is_ok();
        }
        let mut engine = Engine::with_buffers(
            self.program,
            &case.facts,
            case.as_of,
            ExplainMode::None,
            self.options.strict,
            self.options.max_steps,
            std::mem::take(&mut self.buffers),
        );
        let ran = plan.run(facts, registers, Some(&mut engine)).is_ok();
        self.buffers = engine.into_buffers();
        ran
    }

    fn compile(&mut self, as_of: Date) -> Option<Plan> {
        let params = self.param_values(as_of)?;
        Plan::compile(self.program, as_of, &params)
    }

    /// The value of every parameter on `as_of`, as the engine computes them.
    fn param_values(&mut self, as_of: Date) -> Option<Vec<Value>> {
        let n = self.program.facts.len();
        let empty = FactValues {
            values: vec![None; n],
            defaulted: vec![false; n],
        };
        let mut engine = Engine::with_buffers(
            self.program,
            &empty,
            as_of,
            ExplainMode::None,
            false,
            self.options.max_steps,
            std::mem::take(&mut self.buffers),
        );
        let params = engine.param_values();
        self.buffers = engine.into_buffers();
        params.ok()
    }

    /// The options this evaluator applies.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Validates a case's facts and picks its date: the options' `as_of`, else the case's,
    /// else the fact `conduct_date`.
    pub fn prepare(&self, case: &Case) -> Result<PreparedCase, EvalError> {
        let facts = case.validate(self.program, self.options.strict)?;
        let as_of = self
            .options
            .as_of
            .or(case.as_of_date()?)
            .or_else(|| conduct_date(self.program, &facts))
            .ok_or(EvalError::NoAsOf)?;
        Ok(PreparedCase::new(facts, as_of))
    }

    /// Finishes a case whose facts were filled in place (batch input): picks its date
    /// (the options' `as_of`, else `as_of`, else the fact `conduct_date`) and its slots.
    pub(crate) fn prepare_in_place(&self, case: &mut PreparedCase, as_of: Option<Date>) -> Result<(), EvalError> {
        case.as_of = self
            .options
            .as_of
            .or(as_of)
            .or_else(|| conduct_date(self.program, &case.facts))
            .ok_or(EvalError::NoAsOf)?;
        case.slots.clear();
        case.slots.extend(case.facts.values.iter().map(plan::Slot::of));
        case.clean = group::clean(&case.slots);
        Ok(())
    }

    /// The value of every conclusion in declaration order (`None` = unknown), recording no
    /// explanation whatever the options say. The fast path for many cases.
    pub fn values(&mut self, case: &PreparedCase) -> Result<&[Option<Value>], EvalError> {
        if !self.options.strict && self.try_plan(case) {
            return Ok(&self.values);
        }
        let mut engine = self.engine(case, ExplainMode::None);
        let filled = self.fill_values(&mut engine);
        self.buffers = engine.into_buffers();
        filled?;
        Ok(&self.values)
    }

    /// The full outcome of a case, with the explanation the options ask for.
    pub fn outcome(&mut self, case: &PreparedCase) -> Result<Outcome, EvalError> {
        let mode = self.options.explain;
        let mut outcome = self.run(case, mode)?;
        if !outcome.unknown_conclusions.is_empty() {
            outcome.missing_facts = if mode == ExplainMode::Full {
                missing_facts(self.program, outcome.explanation.as_ref(), &outcome.unknown_conclusions)
            } else {
                self.missing_facts(case, &outcome.unknown_conclusions)?
            };
        }
        Ok(outcome)
    }

    /// Unknown facts that could change one of the `unknown` conclusions (evaluates the case
    /// again recording the full explanation).
    pub fn missing_facts(&mut self, case: &PreparedCase, unknown: &[String]) -> Result<Vec<String>, EvalError> {
        let traced = self.run(case, ExplainMode::Full)?;
        Ok(missing_facts(self.program, traced.explanation.as_ref(), unknown))
    }

    /// Names of the conclusions, in declaration order (as [`Evaluator::values`] lists them).
    pub fn conclusion_names(&self) -> impl Iterator<Item = &'r str> {
        self.program.rules.iter().map(|r| r.name.as_str())
    }

    fn engine<'e>(&mut self, case: &'e PreparedCase, mode: ExplainMode) -> Engine<'e>
    where
        'r: 'e,
    {
        Engine::with_buffers(
            self.program,
            &case.facts,
            case.as_of,
            mode,
            self.options.strict,
            self.options.max_steps,
            std::mem::take(&mut self.buffers),
        )
    }

    fn run(&mut self, case: &PreparedCase, mode: ExplainMode) -> Result<Outcome, EvalError> {
        let program = self.program;
        let trees = if mode == ExplainMode::None {
            self.values(case)?;
            IndexMap::new()
        } else {
            self.record_mode(case, mode)?;
            self.take_trees()
        };
        let mut conclusions = IndexMap::with_capacity(program.rules.len());
        let mut unknown = Vec::new();
        for (rule, value) in program.rules.iter().zip(&self.values) {
            if value.is_none() {
                unknown.push(rule.name.clone());
            }
            conclusions.insert(rule.name.clone(), output::to_json(value, &rule.ty));
        }
        let as_of = case.as_of.to_string();
        let explanation = (mode != ExplainMode::None).then(|| Explanation {
            schema_version: SCHEMA_VERSION,
            as_of: as_of.clone(),
            conclusions: trees,
        });
        Ok(Outcome {
            as_of,
            conclusions,
            unknown_conclusions: unknown,
            missing_facts: Vec::new(),
            explanation,
        })
    }

    /// Evaluates a case recording the explanation the options ask for, and gives the value of
    /// every conclusion (as [`Evaluator::values`] does). Where the rule set allows, the
    /// explanation is recorded as a compact trace, and the tree is built from it only when
    /// [`Evaluator::recorded_explanation`] asks for it; [`Evaluator::outcome`] does both.
    pub fn record(&mut self, case: &PreparedCase) -> Result<&[Option<Value>], EvalError> {
        self.record_mode(case, self.options.explain)?;
        Ok(&self.values)
    }

    /// The explanation of the case last given to [`Evaluator::record`], built from its trace
    /// (`None` when explanations are off or that evaluation failed). Each call builds it again.
    pub fn recorded_explanation(&mut self) -> Option<Explanation> {
        let as_of = match &self.recorded {
            Recorded::Nothing => return None,
            Recorded::Tape(_, date) | Recorded::Trees(_, date) => *date,
        };
        let conclusions = match &self.recorded {
            Recorded::Trees(trees, _) => trees.clone(),
            _ => self.take_trees(),
        };
        Some(Explanation {
            schema_version: SCHEMA_VERSION,
            as_of: as_of.to_string(),
            conclusions,
        })
    }

    /// Evaluates recording in `mode`, on the tape if possible, else with the engine.
    fn record_mode(&mut self, case: &PreparedCase, mode: ExplainMode) -> Result<(), EvalError> {
        self.recorded = Recorded::Nothing;
        if mode == ExplainMode::None {
            self.values(case)?;
            return Ok(());
        }
        if let Some(index) = self.try_tape(case, mode == ExplainMode::Full) {
            self.recorded = Recorded::Tape(index, case.as_of);
            return Ok(());
        }
        let trees = self.traced(case, mode)?;
        self.recorded = Recorded::Trees(trees, case.as_of);
        Ok(())
    }

    /// The trees of the last case recorded (taken when the engine built them).
    fn take_trees(&mut self) -> IndexMap<String, Node> {
        match std::mem::replace(&mut self.recorded, Recorded::Nothing) {
            Recorded::Nothing => IndexMap::new(),
            Recorded::Trees(trees, _) => trees,
            Recorded::Tape(index, date) => {
                self.recorded = Recorded::Tape(index, date);
                match self.tapes.get(index) {
                    Some((_, Some(tape))) => tape.materialise(self.program, &self.trace),
                    _ => IndexMap::new(),
                }
            }
        }
    }

    /// Evaluates with the engine recording explanations; the trees by conclusion.
    fn traced(&mut self, case: &PreparedCase, mode: ExplainMode) -> Result<IndexMap<String, Node>, EvalError> {
        let mut engine = self.engine(case, mode);
        let mut trees = IndexMap::new();
        let filled = self.fill_values(&mut engine);
        if filled.is_ok() {
            for (index, rule) in self.program.rules.iter().enumerate() {
                if let Some(node) = engine.take_node(RuleId(index as u32)) {
                    trees.insert(rule.name.clone(), node);
                }
            }
        }
        self.buffers = engine.into_buffers();
        filled.map(|()| trees)
    }

    fn fill_values(&mut self, engine: &mut Engine<'_>) -> Result<(), EvalError> {
        self.values.clear();
        for index in 0..self.program.rules.len() {
            let value = engine.conclusion(RuleId(index as u32))?;
            self.values.push(value);
        }
        Ok(())
    }
}

fn conduct_date(program: &Program, facts: &FactValues) -> Option<Date> {
    let id = program.fact_id("conduct_date")?;
    match facts.values.get(id.0 as usize)? {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// Unknown facts reachable from unknown conclusions through unknown nodes, in declaration order.
fn missing_facts(program: &Program, explanation: Option<&Explanation>, unknown: &[String]) -> Vec<String> {
    let Some(explanation) = explanation else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut visited = Vec::new();
    for name in unknown {
        if let Some(node) = explanation.conclusions.get(name) {
            collect_missing(node, explanation, &mut found, &mut visited);
        }
    }
    let mut ordered: Vec<String> = program
        .facts
        .iter()
        .map(|f| f.name.clone())
        .filter(|n| found.contains(n))
        .collect();
    ordered.dedup();
    ordered
}

fn collect_missing(node: &Node, explanation: &Explanation, found: &mut Vec<String>, visited: &mut Vec<String>) {
    if !node.unknown {
        return;
    }
    match node.kind {
        NodeKind::Fact => {
            if let Some(id) = &node.id {
                found.push(id.clone());
            }
        }
        NodeKind::RuleRef => {
            if let Some(id) = &node.id {
                if !visited.contains(id) {
                    visited.push(id.clone());
                    if let Some(target) = explanation.conclusions.get(id) {
                        collect_missing(target, explanation, found, visited);
                    }
                }
            }
        }
        _ => {}
    }
    for child in &node.children {
        collect_missing(child, explanation, found, visited);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(path: &str) -> RuleSet {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        RuleSet::load(root.join(path)).expect("rules load")
    }

    /// Explanations recorded on a tape are exactly those the engine records, in both modes,
    /// including unknown facts, defaults, short-circuits and margins; and the tape really runs
    /// on the benchmark rules.
    #[test]
    fn tapes_explain_as_the_engine_does() {
        let logic = RuleSet::from_source(
            "t.rule",
            "fact a: count = 0\nfact b: count\nfact p: bool\nfact q: bool = false\n\
             param k: count = 10\nparam r: decimal = k / 4\n\
             rule x: bool \"x\" = any {\n  \"1\": a * r + b >= k\n  \"2\": p and q or not p\n  \"3\": -a < b - 3\n}\n\
             rule y: bool = all {\n  \"1\": x\n  \"2\": 2 of { \"i\": p\n \"ii\": q\n \"iii\": b == 3 }\n  \"3\": not { \"n\": a > 1 }\n}\n\
             rule z: count = a + b * k\n",
        )
        .expect("rules load");
        let bench = load("benches/interp2019.rule");
        let cases = [
            r#"{"as_of": "2021-01-01", "facts": {}}"#,
            r#"{"as_of": "2021-01-01", "facts": {"a": 3, "b": 3, "p": true}}"#,
            r#"{"as_of": "2021-01-01", "facts": {"a": 1, "p": false, "q": true}}"#,
            r#"{"as_of": "2021-01-01", "facts": {"b": 0, "p": true, "q": true}}"#,
        ];
        let bench_cases = [
            r#"{"as_of": "2021-01-01", "facts": {}}"#,
            r#"{"as_of": "2021-01-01", "facts": {"illegal_videos": 150, "illegal_other_info": 500, "is_network_service_provider": true, "ordered_to_correct": true, "refused_to_correct": true}}"#,
            r#"{"as_of": "2021-01-01", "facts": {"leaked_sensitive_other": 5000, "is_network_service_provider": true, "ordered_to_correct": false}}"#,
        ];
        for (rules, cases) in [(&logic, &cases[..]), (&bench, &bench_cases[..])] {
            for mode in [ExplainMode::Outcome, ExplainMode::Full] {
                let options = Options {
                    explain: mode,
                    ..Options::default()
                };
                let mut taped = rules.evaluator(&options);
                let mut engine = rules.evaluator(&options);
                engine.use_tapes = false;
                for json in cases {
                    let case = Case::from_json(json).expect("case parses");
                    let prepared = taped.prepare(&case).expect("case is valid");
                    let want = serde_json::to_value(engine.outcome(&prepared).expect("engine evaluates"));
                    let got = serde_json::to_value(taped.outcome(&prepared).expect("tape evaluates"));
                    assert_eq!(got.ok(), want.ok(), "{json} in {mode:?}");
                    assert!(taped.try_tape(&prepared, true).is_some(), "{json}: no tape");
                }
            }
        }
    }

    /// Conditions written every which way over boolean facts, counts compared with constants,
    /// linear sums and products, each fact known or unknown: the plan (its formulas, their
    /// exact path, its jump code) computes exactly what the engine computes, and does not give up.
    mod plan_against_engine {
        use super::*;
        use proptest::prelude::*;

        const HEADER: &str = "fact p0: bool\nfact p1: bool\nfact p2: bool\n\
                              fact n0: count\nfact n1: count\nfact n2: integer\n";

        fn condition() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                (0..3u8).prop_map(|i| format!("p{i}")),
                (0..3u8, 0..6usize, -1..4i64).prop_map(|(i, op, c)| {
                    let op = ["==", "!=", "<", "<=", ">", ">="][op];
                    format!("n{i} {op} {c}")
                }),
                (1..4i64, 0..4i64).prop_map(|(k, c)| format!("n0 * {k} + n1 - n2 >= {c}")),
                // Not linear: left to the plan's jump code and its general operations.
                (0..6i64).prop_map(|c| format!("n0 * n1 >= {c}")),
            ];
            leaf.prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    inner.clone().prop_map(|a| format!("not ({a})")),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                    (prop::bool::ANY, prop::collection::vec(inner, 1..4)).prop_map(|(any, items)| {
                        let branches: Vec<String> = items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| format!("\"{i}\": {item}"))
                            .collect();
                        format!("{} {{\n{}\n}}", if any { "any" } else { "all" }, branches.join("\n"))
                    }),
                ]
            })
        }

        /// A fact's JSON value, or absent.
        fn facts() -> impl Strategy<Value = Vec<Option<String>>> {
            (
                prop::collection::vec(prop::option::of(prop::bool::ANY.prop_map(|b| b.to_string())), 3),
                prop::collection::vec(prop::option::of((0..5i64).prop_map(|n| n.to_string())), 2),
                prop::option::of((-2..5i64).prop_map(|n| n.to_string())),
            )
                .prop_map(|(bools, counts, integer)| bools.into_iter().chain(counts).chain([integer]).collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn the_plan_computes_what_the_engine_computes(
                first in condition(),
                second in condition(),
                values in prop::collection::vec(facts(), 4),
            ) {
                let source = format!(
                    "{HEADER}rule r0: bool = {first}\nrule r1: bool = (r0) or ({second})\n\
                     rule r2: bool = all {{\n\"a\": r1\n\"b\": not (r0)\n}}\n"
                );
                let rules = RuleSet::from_source("p.rule", &source).expect("generated rules check");
                let mut evaluator = rules.evaluator(&Options::default());
                let names = ["p0", "p1", "p2", "n0", "n1", "n2"];
                for case_values in &values {
                    let facts: Vec<String> = names
                        .iter()
                        .zip(case_values)
                        .filter_map(|(name, value)| value.as_ref().map(|v| format!("\"{name}\": {v}")))
                        .collect();
                    let json = format!(r#"{{"as_of": "2021-01-01", "facts": {{{}}}}}"#, facts.join(", "));
                    let case = Case::from_json(&json).expect("case parses");
                    let prepared = evaluator.prepare(&case).expect("case is valid");
                    let mut engine = evaluator.engine(&prepared, ExplainMode::None);
                    evaluator.fill_values(&mut engine).expect("engine evaluates");
                    evaluator.buffers = engine.into_buffers();
                    let want = evaluator.values.clone();
                    prop_assert!(evaluator.try_plan(&prepared), "the plan gave up on {}", json);
                    prop_assert_eq!(&evaluator.values, &want, "{}\n{}", source, json);
                }
            }
        }
    }

    /// The compiled plan really runs (it does not give up) on the benchmark rules and on the
    /// shipped rules, so the tests comparing it with the engine compare something.
    #[test]
    fn plans_run_without_giving_up() {
        let cases = [
            (
                "benches/interp2019.rule",
                r#"{"as_of": "2021-01-01", "facts": {"illegal_videos": 150, "illegal_other_info": 500, "is_network_service_provider": true}}"#,
            ),
            (
                "rules",
                r#"{"as_of": "2021-05-26", "facts": {"conduct_date": "2021-05-20", "actor_kind": "unit", "illegal_other_info": 9000}}"#,
            ),
        ];
        for (path, json) in cases {
            let rules = load(path);
            let mut evaluator = rules.evaluator(&Options::default());
            let case = Case::from_json(json).expect("case parses");
            let prepared = evaluator.prepare(&case).expect("case is valid");
            assert!(evaluator.try_plan(&prepared), "{path}: the plan gave up");
        }
    }

    /// The benchmark's rules are all formulas (their speed depends on it); the shipped rules
    /// are not (exceptions, `held`, dates), and run as jump code with the engine's help.
    #[test]
    fn the_benchmark_rules_compile_to_formulas() {
        for (path, as_of, formulas) in [
            ("benches/interp2019.rule", "2021-01-01", true),
            ("rules", "2021-05-26", false),
        ] {
            let rules = load(path);
            let mut evaluator = rules.evaluator(&Options::default());
            let date = crate::value::parse_date(as_of).expect("a date");
            let index = evaluator.plan_index(date);
            let plan = evaluator.plans.get(index).and_then(|(_, plan)| plan.as_ref());
            assert_eq!(plan.map(Plan::is_formulas), Some(formulas), "{path}");
        }
    }
}
