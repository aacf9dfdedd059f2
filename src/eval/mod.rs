//! Evaluation of a checked rule set against one case: three-valued, exact, explained.

mod engine;
mod error;
mod ops;
mod output;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

pub use error::EvalError;

use crate::explain::{Explanation, Node, NodeKind, SCHEMA_VERSION};
use crate::facts::Case;
use crate::ir::Program;
use crate::ruleset::RuleSet;
use crate::value::Date;
use engine::Engine;

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
    /// A missing fact that a rule needs is an error instead of *unknown*.
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
        let program: &Program = &self.program;
        let facts = case.validate(program, options.strict)?;
        let as_of = options
            .as_of
            .or(case.as_of_date()?)
            .or_else(|| conduct_date(program, &facts))
            .ok_or(EvalError::NoAsOf)?;
        let mut outcome = run(program, &facts, as_of, options)?;
        if !outcome.unknown_conclusions.is_empty() {
            outcome.missing_facts = if options.explain == ExplainMode::Full {
                missing_facts(program, outcome.explanation.as_ref(), &outcome.unknown_conclusions)
            } else {
                let full = Options {
                    explain: ExplainMode::Full,
                    ..options.clone()
                };
                let traced = run(program, &facts, as_of, &full)?;
                missing_facts(program, traced.explanation.as_ref(), &outcome.unknown_conclusions)
            };
        }
        Ok(outcome)
    }
}

fn conduct_date(program: &Program, facts: &crate::facts::FactValues) -> Option<Date> {
    let id = program.fact_id("conduct_date")?;
    match facts.values.get(id.0 as usize)? {
        Some(crate::value::Value::Date(d)) => Some(*d),
        _ => None,
    }
}

fn run(
    program: &Program,
    facts: &crate::facts::FactValues,
    as_of: Date,
    options: &Options,
) -> Result<Outcome, EvalError> {
    let mut engine = Engine::new(
        program,
        facts,
        as_of,
        options.explain,
        options.strict,
        options.max_steps,
    );
    let mut conclusions = IndexMap::with_capacity(program.rules.len());
    let mut unknown = Vec::new();
    let mut values = Vec::with_capacity(program.rules.len());
    for (index, _) in program.rules.iter().enumerate() {
        let id = crate::ir::RuleId(index as u32);
        values.push(engine.conclusion(id)?);
    }
    let mut trees = IndexMap::new();
    for (index, (rule, value)) in program.rules.iter().zip(values).enumerate() {
        if value.is_none() {
            unknown.push(rule.name.clone());
        }
        conclusions.insert(rule.name.clone(), output::to_json(&value, &rule.ty));
        if options.explain != ExplainMode::None {
            if let Some(node) = engine.take_node(crate::ir::RuleId(index as u32)) {
                trees.insert(rule.name.clone(), node);
            }
        }
    }
    let explanation = (options.explain != ExplainMode::None).then(|| Explanation {
        schema_version: SCHEMA_VERSION,
        as_of: as_of.to_string(),
        conclusions: trees,
    });
    Ok(Outcome {
        as_of: as_of.to_string(),
        conclusions,
        unknown_conclusions: unknown,
        missing_facts: Vec::new(),
        explanation,
    })
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
