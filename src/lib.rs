//! # ruling
//!
//! A declarative rules language for statutes: rule files declare legal sources,
//! facts, time-versioned parameters (thresholds), rules and exceptions; the
//! interpreter checks them, evaluates them against a case with three-valued
//! logic, and explains every conclusion article by article.
//!
//! ```
//! use ruling::{RuleSet, Case, Options};
//!
//! let rules = RuleSet::from_source("demo.rule", r#"
//!     source 解释2019 "法释〔2019〕15号" in_force 2019-11-01
//!     fact illegal_videos: count "致使传播的违法视频文件数" = 0
//!     param 违法视频文件标准: count cite 解释2019 第三条 第一项 = 200
//!     rule mass_spread: bool "致使违法信息大量传播" cite 解释2019 第三条 = any {
//!         "1" cite 第一项: illegal_videos >= 违法视频文件标准
//!     }
//! "#).expect("valid rules");
//! let case = Case::from_json(r#"{"as_of": "2021-05-20", "facts": {"illegal_videos": 250}}"#).expect("valid case");
//! let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
//! assert_eq!(outcome.conclusion("mass_spread"), Some(&serde_json::json!(true)));
//! ```
//!
//! Pipeline (one module per stage): `parse` (text → `ast`) → `check` (names,
//! types, cycles, versions → `ir::Program`) → `eval` (three-valued evaluation,
//! optionally recording an explanation) → `explain` (the explanation tree) →
//! `report` (text, JSON, Markdown).

pub mod ast;
#[cfg(feature = "batch")]
pub mod batch;
mod check;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
mod eval;
pub mod explain;
mod facts;
pub mod format;
pub mod ir;
mod parse;
pub mod report;
mod ruleset;
pub mod schema;
pub mod skeleton;
pub mod source;
pub mod testing;
pub mod value;
pub mod visible;

pub use check::suggest;
pub use check::CheckError;
pub use diagnostic::Diagnostics;
pub use eval::{Conclusion, EvalError, Evaluator, ExplainMode, Options, Outcome, PreparedCase, Values};
pub use facts::{Case, CaseError, CaseFormat, CaseLimits, CaseOrigin, FactProblem, FactsError, Problem, ProblemKind};
pub use parse::{parse_text, ParseError, ParseLimits};
pub use ruleset::{LoadError, RuleSet};
/// The calendar date type of `Options::as_of`, `Case::from_facts` and values (jiff's civil date).
pub use value::Date;

/// Parses a duration written as in rule files (`"2 years"`, `"60 minutes"`).
fn parse_duration_text(text: &str) -> Option<value::Duration> {
    parse::duration_literal(text.trim())
}
