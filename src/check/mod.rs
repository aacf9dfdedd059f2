//! AST → checked [`Program`] plus every diagnostic that can be found without facts.
//!
//! Passes, in order: declare names (`names`), resolve types (`types`), resolve and
//! type expressions (`resolve`), rewrite the uses of values with a `prefer` clause (`prefer`),
//! dependency cycles and order (`graph`), versions, exception conflicts and lints (`lints`).
//! Checking never stops at the first problem.

mod depth;
mod errors;
mod graph;
mod lints;
mod names;
mod prefer;
mod resolve;
pub mod suggest;
mod types;

use std::collections::{HashMap, HashSet};

pub use errors::CheckError;
pub use lints::missing_says;

use crate::ast;
use crate::diagnostic::Diagnostics;
use crate::ir::{self, Program};
use crate::parse::ParseLimits;
use crate::source::{SourceMap, Span};
use names::Symbol;

/// Checks parsed files within the limits of [`ParseLimits`] (`max_eval_depth`);
/// returns the program when no error was found.
pub fn check_with_limits(
    source_map: SourceMap,
    files: &[ast::File],
    limits: &ParseLimits,
    diagnostics: &mut Diagnostics,
) -> Option<Program> {
    let mut checker = Checker::new(source_map, diagnostics);
    checker.max_eval_depth = limits.max_eval_depth;
    checker.declare_all(files);
    checker.resolve_fact_types(files);
    checker.resolve_value_types(files);
    checker.resolve_bodies(files);
    checker.apply_prefer_clauses(files);
    checker.check_graph();
    checker.check_versions();
    checker.check_exception_conflicts(files);
    checker.lint_unused_and_uncited();
    checker.finish()
}

/// Which declaration's body is being resolved (for dependencies and constness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    Param(ir::ParamId),
    Rule(ir::RuleId),
    /// A fact default or record-field default: must be a constant.
    Default,
}

pub(crate) struct Checker<'d> {
    pub(crate) source_map: SourceMap,
    pub(crate) diagnostics: &'d mut Diagnostics,
    pub(crate) symbols: indexmap::IndexMap<String, (Symbol, Span)>,
    pub(crate) sources: indexmap::IndexMap<String, (ir::SourceInfo, Span)>,
    pub(crate) program_facts: Vec<ir::FactInfo>,
    pub(crate) program_params: Vec<ir::ValueInfo>,
    pub(crate) program_rules: Vec<ir::ValueInfo>,
    pub(crate) program_exceptions: Vec<ir::ExceptionInfo>,
    /// Exceptions declared so far (their numbers, counted rather than recounted per exception).
    pub(crate) exceptions_declared: usize,
    /// Comparisons spent on "did you mean" so far (`resolve::SUGGESTION_COMPARISONS`).
    pub(crate) suggestion_comparisons: usize,
    /// Per enum with many values: its values, to look a written value up (built on first use).
    pub(crate) enum_lookup: HashMap<u32, HashSet<String>>,
    pub(crate) enums: Vec<ir::EnumInfo>,
    pub(crate) records: Vec<ir::RecordInfo>,
    /// Direct dependencies of params and rules on params and rules.
    pub(crate) dependencies: indexmap::IndexMap<Owner, Vec<(Owner, Span)>>,
    pub(crate) used_facts: HashSet<ir::FactId>,
    pub(crate) used_params: HashSet<ir::ParamId>,
    pub(crate) rule_order: Vec<ir::RuleId>,
    pub(crate) n_errors_at_start: usize,
    /// Longest accepted evaluation path ([`ParseLimits::max_eval_depth`]).
    pub(crate) max_eval_depth: usize,
}

impl<'d> Checker<'d> {
    fn new(source_map: SourceMap, diagnostics: &'d mut Diagnostics) -> Self {
        let n_errors_at_start = diagnostics.error_count();
        Checker {
            source_map,
            diagnostics,
            symbols: indexmap::IndexMap::new(),
            sources: indexmap::IndexMap::new(),
            program_facts: Vec::new(),
            program_params: Vec::new(),
            program_rules: Vec::new(),
            program_exceptions: Vec::new(),
            exceptions_declared: 0,
            suggestion_comparisons: 0,
            enum_lookup: HashMap::new(),
            enums: Vec::new(),
            records: Vec::new(),
            dependencies: indexmap::IndexMap::new(),
            used_facts: HashSet::new(),
            used_params: HashSet::new(),
            rule_order: Vec::new(),
            n_errors_at_start,
            max_eval_depth: ParseLimits::default().max_eval_depth,
        }
    }

    /// The miette source of the file a span lies in.
    pub(crate) fn src(&self, span: Span) -> miette::NamedSource<crate::diagnostic::SourceText> {
        match self.source_map.get(span.file) {
            Some(file) => file.named_source(),
            None => miette::NamedSource::new("?", crate::diagnostic::SourceText::from("")),
        }
    }

    pub(crate) fn report(&mut self, error: CheckError) {
        self.diagnostics.push(error);
    }

    fn finish(self) -> Option<Program> {
        if self.diagnostics.error_count() > self.n_errors_at_start {
            return None;
        }
        let names = crate::ir::Names::new(&self.program_facts, &self.program_rules);
        Some(Program {
            names,
            sources: self.sources.into_values().map(|(s, _)| s).collect(),
            facts: self.program_facts,
            params: self.program_params,
            rules: self.program_rules,
            exceptions: self.program_exceptions,
            enums: self.enums,
            records: self.records,
            rule_order: self.rule_order,
            source_map: self.source_map,
        })
    }
}
