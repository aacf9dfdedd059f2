//! The machine that runs the compiled form over one case, in either mode: computing values
//! only (plain code), or also recording the explanation trace (recording code).
//!
//! Rules are computed per *frame* — the law of one date: frame 0 is the law of `as_of`; `at`
//! opens a frame for another date, where rules are computed on first use. Three-valued
//! logic, exact arithmetic, exceptions, strictness and the step limit work the same in both
//! modes: the recording code is the plain code plus the calls that append records.

use std::sync::Arc;

use super::compile::formula::{Formula, Reader};
use super::compile::{Code, Compiled, Fault, Out, ParamValue, Period, NO_SITE};
use super::error::EvalError;
use super::ops;
use super::record::{Rec, Trace, DEFAULTED, DETACHED, OPERAND};
use super::word::{Kind, Store, W};
use crate::ast::{AggregateKind, BinaryOp};
use crate::ir::Program;
use crate::value::{ArithmeticError, Date, Value};

type Result<T> = std::result::Result<T, Fault>;

/// What to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Recording {
    /// Nothing: plain code.
    #[default]
    Off,
    /// Rules, blocks, branches, conditions, exceptions, `at`, `held`.
    Outline,
    /// Also facts, parameters, comparisons, aggregates.
    Full,
}

/// What `at` evaluates under the law of another date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A rule.
    Rule(u32),
    /// A parameter.
    Param(u32),
}

/// The law of one date: the rules computed under it.
#[derive(Debug, Clone, Default)]
struct Frame {
    date: Option<Date>,
    period: usize,
    values: Vec<W>,
    done: Vec<bool>,
}

/// The items of the aggregates being folded, innermost last.
#[derive(Debug, Clone)]
struct Item {
    items: Arc<[Value]>,
    index: usize,
}

/// What the previous case of an evaluator left, for reusing the values of rules whose
/// inputs did not change.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// Whether the rest describes a case evaluated without error.
    valid: bool,
    /// The rules that case computed (a value is reused only under the same selection).
    order: Vec<u32>,
    /// Its facts.
    facts: Vec<W>,
    /// The period of its law.
    period: usize,
    /// Its main-frame values.
    values: Vec<W>,
    /// The values behind those of its main-frame values that refer to its store (they are
    /// given to the next case's store when reused).
    referred: Vec<(u32, Value)>,
    /// Steps each rule took when last computed.
    steps: Vec<u64>,
    /// Per rule: an input changed since the previous case (scratch).
    dirty: Vec<bool>,
    /// Cases in a row in which nothing could be reused.
    misses: u32,
    /// Cases still to evaluate without trying to reuse (after many misses in a row).
    pause: u32,
    /// What that case recorded (`Off`: nothing kept): a rule reused in the same recording
    /// mode takes its records from there.
    traced: Recording,
    /// Where each rule's records lie in `recs` (rules computed at the top level).
    segments: Vec<Segment>,
    /// Its trace records.
    recs: Vec<Rec>,
    /// The case part of its store, which the records' [`W::Ref`]s index (after the constants).
    stored: Vec<Value>,
    /// Its records and store are still those of [`Buffers::trace`], to be moved here when the
    /// next evaluation starts (the trace stays readable until then, and is not copied).
    in_trace: bool,
    /// Which of its facts took their declared default (fact records say so).
    defaulted: Vec<bool>,
}

/// After this many cases in a row with nothing reused, reuse pauses: cases that share no
/// facts with the one before (a batch of unrelated cases) do not pay for comparing them.
const MISSES_BEFORE_PAUSE: u32 = 4;
/// Cases evaluated without trying to reuse during a pause.
const PAUSE: u32 = 60;

/// Allocations kept from one case to the next.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    pub(crate) previous: Previous,
    frames: Vec<Frame>,
    items: Vec<Item>,
    temps: Vec<Value>,
    pub(crate) trace: Trace,
    /// Where each rule's records lie in `trace.recs` (rules computed at the top level).
    segments: Vec<Segment>,
}

/// Where the records of a rule computed at the top level lie in a trace.
#[derive(Debug, Clone, Copy, Default)]
struct Segment {
    start: u32,
    end: u32,
    /// Some of them refer to the store (their values belong to that case).
    refers: bool,
}

impl Buffers {
    /// The values the last evaluation computed (behind the case's facts in the store).
    pub(crate) fn temps(&self) -> &[Value] {
        &self.temps
    }

    /// Takes the values the last evaluation computed, to continue it (see [`Machine::run_over`]).
    pub(crate) fn take_temps(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.temps)
    }

    /// The main-frame value of every rule in the last evaluation.
    pub(crate) fn values(&self) -> &[W] {
        self.frames.first().map(|f| f.values.as_slice()).unwrap_or(&[])
    }
}

/// A case as the machine reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'c> {
    /// One word per fact.
    pub(crate) words: &'c [W],
    /// The values behind the facts' [`W::Ref`]s.
    pub(crate) values: &'c [Value],
    /// Whether each fact took its declared default.
    pub(crate) defaulted: &'c [bool],
}

/// One evaluation in progress.
pub(crate) struct Machine<'c> {
    compiled: &'c Compiled,
    program: &'c Program,
    facts: Facts<'c>,
    store: Store<'c>,
    recording: Recording,
    strict: bool,
    max_steps: u64,
    steps: u64,
    /// The allocations kept between cases (borrowed: moving them cost a copy per case).
    buf: &'c mut Buffers,
    n_frames: usize,
    frame: usize,
    /// The rule being computed (for messages).
    rule: Option<u32>,
    /// Strict mode: the first fact the rule being computed read while it was missing. It is
    /// an error only if the rule then stays unknown.
    missing: Option<u32>,
    /// What is in force under the law of `as_of` (frame 0), looked up once.
    main: &'c Period,
    /// This case is kept for the next one to reuse (see [`Machine::finish`]).
    remembered: bool,
    /// The last record whose value refers to the store.
    last_ref: Option<u32>,
}

impl<'c> Machine<'c> {
    /// A machine for one case, reusing `buffers` (call [`Machine::finish`] at the end).
    #[expect(clippy::too_many_arguments, reason = "the parts of one evaluation, each used")]
    pub(crate) fn new(
        compiled: &'c Compiled,
        program: &'c Program,
        facts: Facts<'c>,
        as_of: Date,
        recording: Recording,
        strict: bool,
        max_steps: u64,
        buffers: &'c mut Buffers,
    ) -> Self {
        let trace = &mut buffers.trace;
        if std::mem::take(&mut buffers.previous.in_trace) {
            std::mem::swap(&mut buffers.previous.recs, &mut trace.recs);
            std::mem::swap(&mut buffers.previous.stored, &mut trace.values);
        }
        trace.recs.clear();
        trace.values.clear();
        trace.frames.clear();
        trace.full = recording == Recording::Full;
        buffers.items.clear();
        let temps = std::mem::take(&mut buffers.temps);
        let n_rules = program.rules.len();
        if buffers.previous.steps.len() != n_rules {
            buffers.previous.steps = vec![1; n_rules];
        }
        buffers.segments.clear();
        if recording != Recording::Off {
            buffers.segments.resize(n_rules, Segment::default());
        }
        let mut machine = Machine {
            compiled,
            program,
            facts,
            store: Store::new(&compiled.constants, facts.values, temps),
            recording,
            strict,
            max_steps,
            steps: 0,
            buf: buffers,
            n_frames: 0,
            frame: 0,
            rule: None,
            missing: None,
            main: compiled.period(compiled.period_of(as_of)),
            remembered: false,
            last_ref: None,
        };
        machine.open_frame(as_of);
        machine
    }

    /// Gives the store's allocation back; the trace holds what was recorded.
    pub(crate) fn finish(mut self) {
        if self.recording != Recording::Off {
            self.buf.trace.values = self.store.case_part();
            self.buf.trace.frames = self
                .buf
                .frames
                .iter()
                .take(self.n_frames)
                .filter_map(|f| f.date)
                .collect();
        }
        if self.remembered {
            self.keep_trace();
        }
        self.buf.temps = self.store.into_temps();
    }

    /// Keeps what this case recorded, for the next case to copy the records of the rules it
    /// reuses.
    fn keep_trace(&mut self) {
        let buf = &mut *self.buf;
        let previous = &mut buf.previous;
        previous.traced = self.recording;
        if self.recording == Recording::Off {
            return;
        }
        previous.in_trace = true;
        previous.defaulted.clear();
        previous.defaulted.extend_from_slice(self.facts.defaulted);
        std::mem::swap(&mut previous.segments, &mut buf.segments);
    }

    /// Computes the given rules (and what they use) in the main frame, in `order`. When
    /// `reuse` is set, a rule none of whose inputs changed since the previous case keeps its
    /// value instead of being computed again (it is charged the steps it took then, so the
    /// step limit does not depend on which case came before).
    pub(crate) fn run(&mut self, order: &[u32], reuse: bool) -> std::result::Result<(), EvalError> {
        let previous = &mut self.buf.previous;
        let paused = reuse && previous.pause > 0;
        if paused {
            previous.pause -= 1;
            // The last case of a pause is kept, for the next one to try again.
            previous.valid = false;
        }
        let reuse = reuse && !paused && self.buf.previous.order == order && self.prepare_reuse();
        let result = if reuse {
            self.run_reusing(order)
        } else {
            order.iter().try_for_each(|rule| {
                let start = self.here();
                self.rule_value(*rule, 0)?;
                self.segment(*rule, start);
                Ok(())
            })
        };
        if !paused || self.buf.previous.pause == 0 {
            self.remember(order, result.is_ok());
        }
        result.map_err(|e| *e)
    }

    /// Computes `rules` in the main frame over the values an earlier run of the same case left
    /// (`values`, main frame, with the store part `temps` they refer to): a rule known then is
    /// not computed again. The previous case kept for reuse is left as it was.
    pub(crate) fn run_over(
        &mut self,
        rules: &[u32],
        values: &[W],
        temps: Vec<Value>,
    ) -> std::result::Result<(), EvalError> {
        self.store.restore(temps);
        for (rule, word) in values.iter().enumerate() {
            if *word != W::UNKNOWN {
                self.set_value(u32::try_from(rule).unwrap_or(u32::MAX), 0, *word);
            }
        }
        // The steps each rule took stay those of the evaluation being continued: computed here
        // on demand, a rule would also count the undecided rules it uses, and the next case,
        // reusing it, would be charged them twice.
        let steps = std::mem::take(&mut self.buf.previous.steps);
        let result = rules.iter().try_for_each(|rule| self.rule_value(*rule, 0).map(|_| ()));
        self.buf.previous.steps = steps;
        result.map_err(|e| *e)
    }

    /// Marks the rules that read a fact changed since the previous case; false when nothing
    /// can be reused.
    fn prepare_reuse(&mut self) -> bool {
        let compiled = self.compiled;
        let previous = &mut self.buf.previous;
        let n_rules = self.program.rules.len();
        if !previous.valid || previous.values.len() != n_rules || previous.facts.len() != self.facts.words.len() {
            return false;
        }
        // Recording, a rule reused takes its records from the previous case's trace: there
        // must be one, of the same mode, and a fact's default counts as a change (fact records
        // say whether the value was given or defaulted).
        let recording = self.recording != Recording::Off;
        if recording
            && (previous.traced != self.recording
                || previous.segments.len() != n_rules
                || previous.defaulted.len() != self.facts.defaulted.len())
        {
            return false;
        }
        previous.dirty.clear();
        previous.dirty.resize(n_rules, false);
        for (fact, (now, then)) in self.facts.words.iter().zip(&previous.facts).enumerate() {
            let default_changed = recording && self.facts.defaulted.get(fact) != previous.defaulted.get(fact);
            if now != then || now.is_ref() || default_changed {
                for reader in compiled.fact_readers.get(fact).map(Vec::as_slice).unwrap_or(&[]) {
                    if let Some(dirty) = previous.dirty.get_mut(*reader as usize) {
                        *dirty = true;
                    }
                }
            }
        }
        true
    }

    /// Computes the rules in `order`, keeping the previous case's value of each rule that no
    /// changed fact or rule reaches, whose law is the same and that reads no other date's law.
    fn run_reusing(&mut self, order: &[u32]) -> Result<()> {
        let compiled = self.compiled;
        let (then, now) = (self.buf.previous.period, self.period(0));
        let recording = self.recording != Recording::Off;
        let mut reused = 0usize;
        for &rule in order {
            let index = rule as usize;
            let dirty = self.buf.previous.dirty.get(index).copied().unwrap_or(true);
            let reusable = !dirty
                && compiled.inputs.get(index).is_some_and(|inputs| {
                    // Recording, a rule reading another date's law is computed again: its
                    // records name the frames of this case's dates.
                    let computed_again = inputs.volatile || (recording && inputs.reads_other_dates);
                    !computed_again && (then == now || inputs.period_class.get(then) == inputs.period_class.get(now))
                });
            let start = self.here();
            if reusable {
                self.reuse(rule)?;
                reused += 1;
            } else {
                self.recompute(rule)?;
            }
            self.segment(rule, start);
        }
        let previous = &mut self.buf.previous;
        if reused == 0 {
            previous.misses += 1;
            if previous.misses >= MISSES_BEFORE_PAUSE {
                previous.misses = 0;
                previous.pause = PAUSE;
            }
        } else {
            previous.misses = 0;
        }
        Ok(())
    }

    /// Keeps the previous case's value of a rule, charging the steps it took then.
    #[inline]
    fn reuse(&mut self, rule: u32) -> Result<()> {
        let index = rule as usize;
        let previous = &self.buf.previous;
        self.steps += previous.steps.get(index).copied().unwrap_or(1);
        if self.steps > self.max_steps {
            return Err(Box::new(EvalError::StepLimit { limit: self.max_steps }));
        }
        let before = previous.values.get(index).copied().unwrap_or(W::UNKNOWN);
        if self.recording != Recording::Off {
            self.copy_records(rule);
        }
        let previous = &self.buf.previous;
        let value = if before.is_ref() {
            // A value held in the previous case's store moves to this one's.
            match previous.referred.iter().find(|(r, _)| *r == rule) {
                Some((_, held)) => self.store.push(held.clone()),
                None => before,
            }
        } else {
            before
        };
        self.set_value(rule, 0, value);
        Ok(())
    }

    /// Appends the records the previous case made computing `rule` (they are the same: its
    /// inputs, law and recording mode are), moved to their new place; a record referring to
    /// the previous case's store refers to a copy of that value in this one's.
    fn copy_records(&mut self, rule: u32) {
        let here = self.here();
        let constants = self.compiled.constants.len();
        let buf = &mut *self.buf;
        let segment = buf.previous.segments.get(rule as usize).copied().unwrap_or_default();
        let Some(recs) = buf.previous.recs.get(segment.start as usize..segment.end as usize) else {
            return;
        };
        // Records name their children relatively: they move as they are.
        buf.trace.recs.extend_from_slice(recs);
        if !segment.refers {
            return;
        }
        for rec in buf.trace.recs.get_mut(here as usize..).unwrap_or_default() {
            let Some(index) = rec.value().store_index() else {
                continue;
            };
            let local = (index as usize).checked_sub(constants);
            if let Some(value) = local.and_then(|i| buf.previous.stored.get(i)) {
                *rec = rec.with_value(self.store.push(value.clone()));
            }
        }
        self.last_ref = Some(self.here().saturating_sub(1));
    }

    /// Notes where the records of a rule computed at the top level lie.
    fn segment(&mut self, rule: u32, start: u32) {
        let end = self.here();
        let refers = self.last_ref.is_some_and(|at| at >= start);
        if let Some(slot) = self.buf.segments.get_mut(rule as usize) {
            *slot = Segment { start, end, refers };
        }
    }

    /// Computes a rule again; when its value changed, the rules that read it are dirty.
    fn recompute(&mut self, rule: u32) -> Result<()> {
        let index = rule as usize;
        let before = self.buf.previous.values.get(index).copied().unwrap_or(W::UNKNOWN);
        let value = self.rule_value(rule, 0)?;
        let changed = match value.store_index() {
            Some(now) => {
                let then = self
                    .buf
                    .previous
                    .referred
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .map(|(_, v)| v);
                !before.is_ref() || then != self.store.get(now)
            }
            None => value != before,
        };
        if changed {
            let previous = &mut self.buf.previous;
            for reader in self.compiled.rule_readers.get(index).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(dirty) = previous.dirty.get_mut(*reader as usize) {
                    *dirty = true;
                }
            }
        }
        Ok(())
    }

    /// Keeps this case's facts and values for the next one.
    fn remember(&mut self, order: &[u32], ok: bool) {
        let period = self.period(0);
        self.remembered = ok;
        let previous = &mut self.buf.previous;
        previous.valid = ok;
        if !ok {
            return;
        }
        if previous.order != order {
            previous.order.clear();
            previous.order.extend_from_slice(order);
        }
        previous.facts.clear();
        previous.facts.extend_from_slice(self.facts.words);
        previous.period = period;
        previous.values.clear();
        previous.referred.clear();
        if let Some(frame) = self.buf.frames.first() {
            previous.values.extend_from_slice(&frame.values);
            for (rule, word) in frame.values.iter().enumerate() {
                if let Some(value) = word.store_index().and_then(|index| self.store.get(index)) {
                    previous
                        .referred
                        .push((u32::try_from(rule).unwrap_or(u32::MAX), value.clone()));
                }
            }
        }
    }

    // ------------------------------------------------------------ recording

    /// Whether facts, parameters, comparisons and aggregates are recorded.
    pub(crate) fn full(&self) -> bool {
        self.recording == Recording::Full
    }

    /// The index the next record will have (where a node's children start).
    #[inline]
    pub(crate) fn here(&self) -> u32 {
        u32::try_from(self.buf.trace.recs.len()).unwrap_or(u32::MAX)
    }

    /// Records a node whose children start at `start`.
    pub(crate) fn record(&mut self, site: u32, start: u32, flags: u8, value: W) {
        let frame = u16::try_from(self.frame).unwrap_or(u16::MAX);
        let here = self.here();
        if value.is_ref() {
            self.last_ref = Some(here);
        }
        self.buf
            .trace
            .recs
            .push(Rec::new(here, site, start, frame, flags, value));
    }

    /// Records a node without children.
    fn record_leaf(&mut self, site: u32, flags: u8, value: W) {
        let here = self.here();
        self.record(site, here, flags, value);
    }

    /// Records a comparison: its sides, then its result (full mode).
    pub(crate) fn record_comparison(&mut self, site: u32, start: u32, left: W, right: W, result: W) {
        if self.full() {
            self.record_leaf(OPERAND, 0, left);
            self.record_leaf(OPERAND, 0, right);
            self.record(site, start, 0, result);
        }
    }

    /// Runs a branch of a block in the recording form: its truth, recorded at its site.
    pub(crate) fn branch(&mut self, code: &Code, site: u32) -> Result<Option<bool>> {
        let mark = self.here();
        let truth = code.run(self)?.truth();
        self.record(site, mark, 0, W::of_truth(truth));
        Ok(truth)
    }

    // ------------------------------------------------------------ leaves

    /// A condition's value by its formula, or by its general code where the formula bails.
    /// Formulas read the main frame and do not track missing facts: strict evaluation and
    /// other dates' law take the general code.
    #[inline]
    pub(crate) fn formula(&mut self, formula: &Formula) -> Out {
        if !self.strict && self.frame == 0 {
            if let Some(word) = self.formula_here(formula) {
                return Ok(word);
            }
        }
        formula.general.run(self)
    }

    /// A formula's word over the main frame (`None`: it bails).
    #[inline]
    fn formula_here(&self, formula: &Formula) -> Option<W> {
        let main = self.buf.frames.first()?;
        let reader = Reader {
            facts: self.facts.words,
            values: &main.values,
            done: &main.done,
            params: &self.main.params,
            store: &self.store,
            periods: &self.compiled.periods,
            boundaries: &self.compiled.boundaries,
        };
        formula.eval(&reader).ok()
    }

    /// A parameter's value under the current frame's law, recorded at `site` (full mode).
    #[inline]
    pub(crate) fn param_use(&mut self, param: u32, site: u32) -> Out {
        let value = self.param(param, self.frame)?;
        if site != NO_SITE && self.full() {
            self.record_leaf(site, 0, value);
        }
        Ok(value)
    }

    /// A rule's value in the current frame, recorded at `site`.
    #[inline]
    pub(crate) fn rule_use(&mut self, rule: u32, site: u32) -> Out {
        // In the main frame every rule used was computed before (dependency order).
        let value = match self.buf.frames.first() {
            Some(main) if self.frame == 0 && main.done.get(rule as usize) == Some(&true) => {
                main.values.get(rule as usize).copied().unwrap_or(W::UNKNOWN)
            }
            _ => self.rule_value(rule, self.frame)?,
        };
        if site != NO_SITE {
            self.record_leaf(site, 0, value);
        }
        Ok(value)
    }

    /// A fact's value, recorded at `site` (full mode).
    #[inline]
    pub(crate) fn fact(&mut self, fact: u32, site: u32, strict: bool) -> W {
        let value = self.facts.words.get(fact as usize).copied().unwrap_or(W::UNKNOWN);
        if value == W::UNKNOWN && strict && self.strict && self.missing.is_none() {
            self.missing = Some(fact);
        }
        if site != NO_SITE && self.full() {
            let defaulted = self.facts.defaulted.get(fact as usize).copied().unwrap_or(false);
            self.record_leaf(site, if defaulted { DEFAULTED } else { 0 }, value);
        }
        value
    }

    /// What is in force under the law of a frame.
    #[inline]
    fn law(&self, frame: usize) -> &'c Period {
        if frame == 0 {
            self.main
        } else {
            self.compiled.period(self.period(frame))
        }
    }

    /// A parameter's value under the law of a frame.
    #[inline]
    fn param(&self, param: u32, frame: usize) -> Out {
        let value = self.law(frame).params.get(param as usize).copied();
        match value {
            Some(ParamValue::Value(w)) => Ok(w),
            Some(ParamValue::Failed(index)) => {
                let (expression, message) = self
                    .compiled
                    .param_failures
                    .get(index as usize)
                    .cloned()
                    .unwrap_or_default();
                Err(Box::new(EvalError::Arithmetic {
                    rule: self.rule_name(self.rule),
                    expression,
                    message,
                }))
            }
            None => Ok(W::UNKNOWN),
        }
    }

    /// A field of the current item of an enclosing aggregate (`depth` 0 = innermost).
    pub(crate) fn field(&mut self, depth: u32, field: u32) -> W {
        let value = (|| {
            let index = self.buf.items.len().checked_sub(1 + depth as usize)?;
            let item = self.buf.items.get(index)?;
            match item.items.get(item.index)? {
                Value::Record(fields) => fields.get(field as usize).cloned(),
                other => Some(other.clone()),
            }
        })();
        self.store.word_of(value, &self.compiled.strings)
    }

    // ------------------------------------------------------------ frames and rules

    /// The frame of a date: an existing one, or a new one.
    fn open_frame(&mut self, date: Date) -> usize {
        let live = self.buf.frames.get(..self.n_frames).unwrap_or(&[]);
        if let Some(index) = live.iter().position(|f| f.date == Some(date)) {
            return index;
        }
        let n_rules = self.program.rules.len();
        let period = self.compiled.period_of(date);
        if self.buf.frames.len() <= self.n_frames {
            self.buf.frames.push(Frame::default());
        }
        let index = self.n_frames;
        if let Some(frame) = self.buf.frames.get_mut(index) {
            frame.date = Some(date);
            frame.period = period;
            if frame.values.len() == n_rules && frame.done.len() == n_rules {
                frame.values.fill(W::UNKNOWN);
                frame.done.fill(false);
            } else {
                frame.values = vec![W::UNKNOWN; n_rules];
                frame.done = vec![false; n_rules];
            }
        }
        self.n_frames += 1;
        index
    }

    fn frame_date(&self, frame: usize) -> Date {
        self.buf.frames.get(frame).and_then(|f| f.date).unwrap_or(Date::MIN)
    }

    fn period(&self, frame: usize) -> usize {
        self.buf.frames.get(frame).map_or(0, |f| f.period)
    }

    /// Whether a decided block may skip its remaining (infallible) branches: only where no
    /// rule it reads can still need computing (the main frame) and no missing fact can
    /// become an error (not strict).
    #[inline]
    pub(crate) fn may_skip(&self) -> bool {
        self.frame == 0 && !self.strict
    }

    fn step(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(Box::new(EvalError::StepLimit { limit: self.max_steps }));
        }
        Ok(())
    }

    /// A rule's value in a frame, computing it there on first use.
    fn rule_value(&mut self, rule: u32, frame: usize) -> Out {
        if let Some(f) = self.buf.frames.get(frame) {
            if f.done.get(rule as usize).copied().unwrap_or(false) {
                return Ok(f.values.get(rule as usize).copied().unwrap_or(W::UNKNOWN));
            }
        }
        if frame == 0 {
            if let Some(value) = self.direct(rule) {
                return value;
            }
        }
        let steps_before = self.steps;
        self.step()?;
        let saved = (self.frame, self.rule, self.missing.take());
        self.frame = frame;
        self.rule = Some(rule);
        let start = self.here();
        let result = self.compute_rule(rule);
        let missing = std::mem::replace(&mut self.missing, saved.2);
        let computed = result.map(|(value, site)| {
            if self.recording != Recording::Off {
                let flags = if frame == 0 { 0 } else { DETACHED };
                self.record(site, start, flags, value);
            }
            value
        });
        self.frame = saved.0;
        self.rule = saved.1;
        let value = computed?;
        if let (W::UNKNOWN, Some(fact)) = (value, missing) {
            return Err(self.missing_fact(fact, rule, frame));
        }
        if frame == 0 {
            if let Some(slot) = self.buf.previous.steps.get_mut(rule as usize) {
                *slot = self.steps - steps_before;
            }
        }
        self.set_value(rule, frame, value);
        Ok(value)
    }

    /// A main-frame rule whose body is one formula and that has no exceptions, computed by
    /// its formula alone (none of the bookkeeping of a general rule: a formula takes no
    /// step but the rule's own, reads no missing fact strictly, records nothing); `None`
    /// when the rule is not such a rule or its formula bails.
    #[inline]
    fn direct(&mut self, rule: u32) -> Option<Out> {
        if self.recording != Recording::Off || self.strict || self.frame != 0 {
            return None;
        }
        let code = self.compiled.rules.get(rule as usize)?;
        if !code.exceptions.is_empty() {
            return None;
        }
        let version = self.main.versions.get(rule as usize).copied().flatten()?;
        let Code::Formula(formula) = &code.versions.get(version as usize)?.plain else {
            return None;
        };
        let value = self.formula_here(formula)?;
        if let Err(e) = self.step() {
            return Some(Err(e));
        }
        if let Some(slot) = self.buf.previous.steps.get_mut(rule as usize) {
            *slot = 1;
        }
        self.set_value(rule, 0, value);
        Some(Ok(value))
    }

    fn set_value(&mut self, rule: u32, frame: usize, value: W) {
        if let Some(f) = self.buf.frames.get_mut(frame) {
            if let Some(slot) = f.values.get_mut(rule as usize) {
                *slot = value;
            }
            if let Some(done) = f.done.get_mut(rule as usize) {
                *done = true;
            }
        }
    }

    /// A rule's value and the site of its tree, in the current frame.
    fn compute_rule(&mut self, rule: u32) -> Result<(W, u32)> {
        let compiled = self.compiled;
        let Some(code) = compiled.rules.get(rule as usize) else {
            return Ok((W::UNKNOWN, NO_SITE));
        };
        let version = self.law(self.frame).versions.get(rule as usize).copied().flatten();
        let Some(version) = version.and_then(|v| code.versions.get(v as usize)) else {
            return Ok((W::NULL, code.no_version_site));
        };
        let body = if self.recording == Recording::Off {
            &version.plain
        } else {
            &version.recording
        };
        let base = body.run(self)?;
        if code.exceptions.is_empty() {
            return Ok((base, version.site));
        }
        let value = self.apply_exceptions(&code.exceptions, base)?;
        Ok((value, version.site))
    }

    fn apply_exceptions(&mut self, exceptions: &[u32], base: W) -> Out {
        let compiled = self.compiled;
        let date = self.frame_date(self.frame);
        let form = usize::from(self.recording != Recording::Off);
        let mut applied: Option<(W, u32)> = None;
        let mut undecided_differ = false;
        for index in exceptions {
            let Some(exception) = compiled.exceptions.get(*index as usize) else {
                continue;
            };
            if exception.from.is_some_and(|from| from > date) {
                continue;
            }
            let start = self.here();
            let when = match exception.when.get(form) {
                Some(code) => code.run(self)?.truth(),
                None => None,
            };
            let value = match (when, exception.value.get(form)) {
                (Some(false), _) | (_, None) => W::UNKNOWN,
                (_, Some(code)) => code.run(self)?,
            };
            if self.recording != Recording::Off {
                self.record(exception.site, start, 0, W::of_truth(when));
            }
            match (when, value) {
                (Some(true), W::UNKNOWN) => undecided_differ = true,
                (Some(true), v) => {
                    if let Some((previous, first)) = applied {
                        if !self.same(previous, v) {
                            return Err(self.exception_conflict(first, *index));
                        }
                    }
                    applied = Some((v, *index));
                }
                (None, v) => {
                    if !(v.is_known() && base.is_known() && self.same(v, base)) {
                        undecided_differ = true;
                    }
                }
                (Some(false), _) => {}
            }
        }
        // An exception that may apply leaves the rule unknown unless it gives the same value.
        Ok(match applied {
            Some((v, _)) => v,
            None if undecided_differ => W::UNKNOWN,
            None => base,
        })
    }

    // ------------------------------------------------------------ operations

    /// Whether two known words hold the same value.
    pub(crate) fn same(&self, a: W, b: W) -> bool {
        ops::same_words(a, b, &self.store, &self.compiled.strings)
    }

    /// A comparison (unknown when either side is).
    #[inline]
    pub(crate) fn compare(&mut self, op: BinaryOp, a: W, b: W, expr: u32) -> Out {
        if !a.is_known() || !b.is_known() {
            return Ok(W::UNKNOWN);
        }
        if let Some(result) = ops::compare_fast(op, a, b) {
            return Ok(result);
        }
        ops::compare_words(op, a, b, &mut self.store, &self.compiled.strings)
            .map_err(|e| self.arithmetic_error(expr, e))
    }

    /// Arithmetic (unknown when either side is).
    pub(crate) fn arithmetic(&mut self, op: BinaryOp, a: W, b: W, expr: u32) -> Out {
        if !a.is_known() || !b.is_known() {
            return Ok(W::UNKNOWN);
        }
        ops::arithmetic_words(op, a, b, &mut self.store, &self.compiled.strings)
            .map_err(|e| self.arithmetic_error(expr, e))
    }

    /// Arithmetic negation (unknown stays unknown).
    pub(crate) fn negate(&mut self, a: W) -> W {
        if a.is_known() {
            ops::negate_word(a, &mut self.store, &self.compiled.strings)
        } else {
            W::UNKNOWN
        }
    }

    /// The larger (`max`) or smaller of two known words.
    pub(crate) fn extreme(&mut self, max: bool, a: W, b: W, expr: u32) -> Out {
        ops::extreme_words(max, a, b, &mut self.store, &self.compiled.strings)
            .map_err(|e| self.arithmetic_error(expr, e))
    }

    /// A list of known words.
    pub(crate) fn list(&mut self, words: &[W]) -> W {
        let values: Vec<Value> = words
            .iter()
            .map(|w| self.store.value(*w, &self.compiled.strings).unwrap_or(Value::Null))
            .collect();
        self.store.push(Value::List(values.into()))
    }

    /// Folds an aggregate over the list `items`: `None` when it is not a list (the aggregate
    /// is then unknown and records nothing), else its value.
    pub(crate) fn aggregate(
        &mut self,
        kind: AggregateKind,
        items: W,
        filter: Option<&Code>,
        value: Option<&Code>,
        expr: u32,
    ) -> Result<Option<W>> {
        let list = match items.kind() {
            Kind::Ref(index) => match self.store.get(index) {
                Some(Value::List(items)) => Some(Arc::clone(items)),
                _ => None,
            },
            _ => None,
        };
        let Some(list) = list else { return Ok(None) };
        let n = list.len();
        self.buf.items.push(Item { items: list, index: 0 });
        let result = self.fold_items(kind, n, filter, value, expr);
        self.buf.items.pop();
        Ok(Some(result?))
    }

    fn fold_items(
        &mut self,
        kind: AggregateKind,
        n: usize,
        filter: Option<&Code>,
        value: Option<&Code>,
        expr: u32,
    ) -> Out {
        let mut count: i64 = 0;
        let mut acc: Option<W> = None;
        let mut truth = Some(kind == AggregateKind::All);
        for index in 0..n {
            self.step()?;
            if let Some(item) = self.buf.items.last_mut() {
                item.index = index;
            }
            if let Some(f) = filter {
                match f.run(self)?.truth() {
                    None => return Ok(W::UNKNOWN),
                    Some(false) => continue,
                    Some(true) => {}
                }
            }
            let v = match value {
                Some(code) => code.run(self)?,
                None => W::TRUE,
            };
            count += 1;
            match kind {
                AggregateKind::Any => truth = ops::or(truth, v.truth()),
                AggregateKind::All => truth = ops::and(truth, v.truth()),
                AggregateKind::Count => {}
                AggregateKind::Sum | AggregateKind::Max | AggregateKind::Min => {
                    if !v.is_known() {
                        return Ok(W::UNKNOWN);
                    }
                    acc = Some(match acc {
                        None => v,
                        Some(a) if kind == AggregateKind::Sum => self.arithmetic(BinaryOp::Add, a, v, expr)?,
                        Some(a) => self.extreme(kind == AggregateKind::Max, a, v, expr)?,
                    });
                }
            }
        }
        Ok(match kind {
            AggregateKind::Count => W::int(count).unwrap_or(W::UNKNOWN),
            AggregateKind::Any | AggregateKind::All => W::of_truth(truth),
            AggregateKind::Sum => acc.unwrap_or(W::ZERO),
            AggregateKind::Max | AggregateKind::Min => acc.unwrap_or(W::NULL),
        })
    }

    /// `held(rule)`: the labels of the branches of the rule's version in force that hold.
    pub(crate) fn held(&mut self, rule: u32, site: u32) -> Out {
        let compiled = self.compiled;
        let frame = self.frame;
        let version = self
            .law(frame)
            .versions
            .get(rule as usize)
            .copied()
            .flatten()
            .and_then(|v| compiled.rules.get(rule as usize)?.versions.get(v as usize));
        let Some(version) = version else {
            return Ok(compiled.empty_list);
        };
        // The rule itself first, so that its exceptions and tree are recorded.
        let rule_value = self.rule_value(rule, frame)?;
        // The first branch that holds, and all of them once a second one does (a list of
        // one label is a constant: no allocation in the common case).
        let mut first = None;
        let mut labels = Vec::new();
        let mut unknown = false;
        for (label, code, alone) in &version.held {
            match code.run(self)?.truth() {
                Some(true) => match first {
                    None => first = Some((*label, *alone)),
                    Some((one, _)) => {
                        if labels.is_empty() {
                            labels.push(one);
                        }
                        labels.push(*label);
                    }
                },
                None => unknown = true,
                Some(false) => {}
            }
        }
        let result = if rule_value == W::FALSE {
            // When an exception defeats the rule, no item is taken to hold.
            compiled.empty_list
        } else if unknown {
            W::UNKNOWN
        } else if !labels.is_empty() {
            self.list(&labels)
        } else {
            first.map_or(compiled.empty_list, |(_, alone)| alone)
        };
        if site != NO_SITE {
            self.record_leaf(site, 0, result);
        }
        Ok(result)
    }

    /// `target at date`: the target's value under the law of `date` (unknown when `date` is
    /// not a date); records the use inside the `at` node started at `mark`.
    pub(crate) fn at(&mut self, target: Target, date: W, [inner, site]: [u32; 2], mark: u32) -> Out {
        let Kind::Date(when) = date.kind() else {
            return Ok(W::UNKNOWN);
        };
        let frame = self.open_frame(when);
        let saved = std::mem::replace(&mut self.frame, frame);
        let result = self.at_target(target, frame, inner);
        self.frame = saved;
        let value = result?;
        if site != NO_SITE {
            self.record_leaf(OPERAND, 0, date);
            self.record(site, mark, 0, value);
        }
        Ok(value)
    }

    /// The value of an `at` target in `frame` (the current frame), recorded at `site`.
    fn at_target(&mut self, target: Target, frame: usize, site: u32) -> Out {
        match target {
            Target::Rule(rule) => {
                let value = self.rule_value(rule, frame)?;
                if site != NO_SITE {
                    self.record_leaf(site, 0, value);
                }
                Ok(value)
            }
            Target::Param(param) => {
                let value = self.param(param, frame)?;
                if site != NO_SITE && self.full() {
                    self.record_leaf(site, 0, value);
                }
                Ok(value)
            }
        }
    }

    // ------------------------------------------------------------ errors

    fn rule_name(&self, rule: Option<u32>) -> String {
        rule.and_then(|r| self.program.rules.get(r as usize))
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn arithmetic_error(&self, expr: u32, error: ArithmeticError) -> Fault {
        let span = self.compiled.spans.get(expr as usize).copied().unwrap_or_default();
        Box::new(EvalError::Arithmetic {
            rule: self.rule_name(self.rule),
            expression: self.program.source_map.one_line(span),
            message: error.to_string(),
        })
    }

    fn missing_fact(&self, fact: u32, rule: u32, frame: usize) -> Fault {
        let info = self.program.facts.get(fact as usize);
        let citation = self
            .program
            .rules
            .get(rule as usize)
            .and_then(|r| {
                let v = super::select_version(&r.versions, self.frame_date(frame))?;
                r.versions.get(v)
            })
            .and_then(|v| v.cite.as_ref())
            .map(|c| c.text.to_string());
        Box::new(EvalError::MissingFact {
            fact: info.map(|f| f.name.clone()).unwrap_or_default(),
            label: info.and_then(|f| f.label.clone()).unwrap_or_default(),
            rule: self.rule_name(Some(rule)),
            citation,
        })
    }

    fn exception_conflict(&self, first: u32, second: u32) -> Fault {
        let exceptions = &self.program.exceptions;
        let name = |i: u32| exceptions.get(i as usize).map(|e| e.name.clone()).unwrap_or_default();
        let cite = |i: u32| {
            exceptions
                .get(i as usize)
                .and_then(|e| e.cite.as_ref())
                .map(|c| c.text.to_string())
                .unwrap_or_else(|| String::from("no citation"))
        };
        Box::new(EvalError::ExceptionConflict {
            rule: self.rule_name(self.rule),
            first: name(first),
            first_cite: cite(first),
            second: name(second),
            second_cite: cite(second),
        })
    }
}

/// Evaluates a parameter's body (which uses no facts or rules) under the law of `date`,
/// while compiling: its value (`None`: unknown), or the expression and message of an
/// arithmetic error.
pub(crate) fn evaluate_constant(
    compiled: &Compiled,
    program: &Program,
    body: &Code,
    date: Date,
) -> std::result::Result<Option<Value>, (String, String)> {
    let facts = Facts {
        words: &[],
        values: &[],
        defaulted: &[],
    };
    let mut buffers = Buffers::default();
    let mut machine = Machine::new(
        compiled,
        program,
        facts,
        date,
        Recording::Off,
        false,
        u64::MAX,
        &mut buffers,
    );
    match body.run(&mut machine) {
        Ok(w) => Ok(machine.store.value(w, &compiled.strings)),
        Err(error) => match *error {
            EvalError::Arithmetic {
                expression, message, ..
            } => Err((expression, message)),
            _ => Ok(None),
        },
    }
}
