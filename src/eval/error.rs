//! Errors that stop an evaluation (bad facts, no applicable date, conflicts).

use miette::Diagnostic;
use thiserror::Error;

use crate::facts::FactsError;

/// Why a case could not be evaluated.
///
/// Matchable by kind; new kinds may be added in a minor release, so a `match` needs a
/// wildcard arm (the `Diagnostic` code and `Display` cover every kind).
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum EvalError {
    /// The case's facts do not fit the declarations.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Facts(#[from] FactsError),
    /// No `as_of`, no `--as-of` and no `conduct_date` fact.
    #[error("no date to apply the law of")]
    #[diagnostic(
        code(ruling::eval::no_as_of),
        help("give `as_of` in the case file, `--as-of YYYY-MM-DD` on the command line, or the fact `conduct_date`")
    )]
    NoAsOf,
    /// `--strict` and a missing fact leaves a rule undecided.
    #[error("missing fact `{fact}` needed by `{rule}`{}", cite_suffix(citation))]
    #[diagnostic(code(ruling::eval::missing_fact), help("add `{fact}` to the case's facts ({label})"))]
    MissingFact {
        /// The fact.
        fact: String,
        /// Its label.
        label: String,
        /// The rule that needed it.
        rule: String,
        /// The rule's citation.
        citation: Option<String>,
    },
    /// Two exceptions to one rule apply with different values.
    #[error("conflicting exceptions to `{rule}`: `{first}` ({first_cite}) and `{second}` ({second_cite}) both apply with different values")]
    #[diagnostic(
        code(ruling::eval::exception_conflict),
        help("make the exceptions' conditions exclusive in the rule files")
    )]
    ExceptionConflict {
        /// The rule.
        rule: String,
        /// First exception.
        first: String,
        /// Its citation.
        first_cite: String,
        /// Second exception.
        second: String,
        /// Its citation.
        second_cite: String,
    },
    /// Arithmetic without an exact result (overflow, division by zero).
    #[error("cannot compute `{expression}` in `{rule}`: {message}")]
    #[diagnostic(code(ruling::eval::arithmetic))]
    Arithmetic {
        /// The rule.
        rule: String,
        /// The expression text.
        expression: String,
        /// What went wrong.
        message: String,
    },
    /// Evaluation took more steps than allowed.
    #[error("evaluation stopped after {limit} steps")]
    #[diagnostic(
        code(ruling::eval::step_limit),
        help("raise the step limit (`--max-steps N` on the command line, `Options::max_steps` in the library), or simplify the rules")
    )]
    StepLimit {
        /// The limit.
        limit: u64,
    },
    /// An unknown conclusion name was asked for.
    #[error("unknown conclusion `{name}`")]
    #[diagnostic(code(ruling::eval::unknown_conclusion))]
    UnknownConclusion {
        /// The name.
        name: String,
        /// Suggestion.
        #[help]
        help: Option<String>,
    },
}

impl EvalError {
    /// `name` is not a conclusion: the error names the nearest of `candidates`.
    pub(crate) fn unknown_conclusion<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> EvalError {
        EvalError::UnknownConclusion {
            name: name.to_string(),
            help: crate::check::suggest::help_line(name, candidates),
        }
    }
}

fn cite_suffix(citation: &Option<String>) -> String {
    citation.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}
