//! Everything `ruling check` can report about a rule set.
#![allow(missing_docs, reason = "variant fields are self-describing: src, span, name, help")]

use crate::diagnostic::SourceText;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

type Src = NamedSource<SourceText>;

/// A problem in the rule files found by checking (errors and warnings).
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum CheckError {
    /// `rule r: bool = vidoes > 1` when the fact is `videos`
    #[error("unknown name `{name}`")]
    #[diagnostic(code(ruling::check::unknown_name))]
    UnknownName {
        #[source_code]
        src: Src,
        #[label("not a fact, parameter or rule of this rule set")]
        span: SourceSpan,
        name: String,
        #[help]
        help: Option<String>,
    },
    /// `rule r: bool says "共{vidoes}个" = …` when the fact is `videos`
    #[error("unknown name `{name}` in a `says` template")]
    #[diagnostic(code(ruling::check::unknown_placeholder))]
    UnknownPlaceholder {
        #[source_code]
        src: Src,
        #[label("not a fact, parameter or rule of this rule set")]
        span: SourceSpan,
        name: String,
        #[help]
        help: Option<String>,
    },
    /// `fact f: amount` (no such type)
    #[error("unknown type `{name}`")]
    #[diagnostic(code(ruling::check::unknown_type))]
    UnknownType {
        #[source_code]
        src: Src,
        #[label("not a type")]
        span: SourceSpan,
        name: String,
        #[help]
        help: Option<String>,
    },
    /// `cite 解释2018 第三条` when no source `解释2018` is declared
    #[error("unknown source `{name}`")]
    #[diagnostic(code(ruling::check::unknown_source))]
    UnknownSource {
        #[source_code]
        src: Src,
        #[label("no `source` declaration has this name")]
        span: SourceSpan,
        name: String,
        #[help]
        help: Option<String>,
    },
    /// `cite 第一项` on a rule that has no citation to continue
    #[error("relative citation without an enclosing citation")]
    #[diagnostic(
        code(ruling::check::relative_citation),
        help("name the source, e.g. `cite 解释2019 第三条 第一项`")
    )]
    RelativeCitation {
        #[source_code]
        src: Src,
        #[label("this citation names no source")]
        span: SourceSpan,
    },
    /// `fact a: count` twice, or a rule with the name of a fact
    #[error("`{name}` is defined more than once")]
    #[diagnostic(code(ruling::check::duplicate_definition))]
    DuplicateDefinition {
        #[source_code]
        src: Src,
        #[label("defined again here")]
        span: SourceSpan,
        #[label("first defined here")]
        first: Option<SourceSpan>,
        name: String,
        #[help]
        help: String,
    },
    /// `rule r: bool = illegal_videos + 1`
    #[error("type mismatch: expected {expected}, found {found}")]
    #[diagnostic(code(ruling::check::type_mismatch))]
    TypeMismatch {
        #[source_code]
        src: Src,
        #[label("this is {found}")]
        span: SourceSpan,
        expected: String,
        found: String,
        #[help]
        help: Option<String>,
    },
    /// `gains >= 10000` where `gains` is money and `10000` a plain number
    #[error("unit mismatch: cannot {action} {left} and {right}")]
    #[diagnostic(code(ruling::check::unit_mismatch))]
    UnitMismatch {
        #[source_code]
        src: Src,
        #[label("{left} {op} {right}")]
        span: SourceSpan,
        action: &'static str,
        op: &'static str,
        left: String,
        right: String,
        #[help]
        help: Option<String>,
    },
    /// `actor_kind == "units"` when the enum has `unit`
    #[error("`{value}` is not a value of this enum")]
    #[diagnostic(code(ruling::check::unknown_enum_value))]
    UnknownEnumValue {
        #[source_code]
        src: Src,
        #[label("not one of: {allowed}")]
        span: SourceSpan,
        value: String,
        allowed: String,
        #[help]
        help: Option<String>,
    },
    /// `rule a: bool = b` and `rule b: bool = a`
    #[error("rules depend on each other in a cycle: {cycle}")]
    #[diagnostic(
        code(ruling::check::cycle),
        help("a rule may not depend on itself, directly or through others; break the cycle")
    )]
    Cycle {
        #[source_code]
        src: Src,
        #[label("this rule is part of the cycle")]
        span: SourceSpan,
        cycle: String,
    },
    /// `fact x: count = y` and `fact y: count = x` (defaults naming each other: both unknown)
    #[error("fact defaults name each other in a cycle: {cycle}")]
    #[diagnostic(
        code(ruling::check::default_cycle),
        help("a default may name another fact, but not one whose default leads back here; give one of them a value")
    )]
    DefaultCycle {
        #[source_code]
        src: Src,
        #[label("this default is part of the cycle")]
        span: SourceSpan,
        cycle: String,
    },
    /// Two versions of `p` both `from 2019-11-01`, or an undated version beside dated ones
    #[error("versions of `{name}` overlap")]
    #[diagnostic(code(ruling::check::overlapping_versions))]
    OverlappingVersions {
        #[source_code]
        src: Src,
        #[label("this version overlaps another")]
        span: SourceSpan,
        #[label("the other version")]
        other: SourceSpan,
        name: String,
        #[help]
        help: String,
    },
    /// Two exceptions to one rule with the same condition and different values
    #[error("exceptions `{first}` and `{second}` conflict: same condition, different values")]
    #[diagnostic(code(ruling::check::exception_conflict))]
    ExceptionConflict {
        #[source_code]
        src: Src,
        #[label("{second_cite}")]
        span: SourceSpan,
        #[label("{first_cite}")]
        other: Option<SourceSpan>,
        first: String,
        second: String,
        first_cite: String,
        second_cite: String,
        #[help]
        help: String,
    },
    /// `exception e to illegal_videos when …` (a fact, not a rule)
    #[error("`{name}` is not a rule")]
    #[diagnostic(code(ruling::check::not_a_rule), help("exceptions and `held(…)` apply to rules"))]
    NotARule {
        #[source_code]
        src: Src,
        #[label("this is a {kind}")]
        span: SourceSpan,
        name: String,
        kind: &'static str,
    },
    /// `held(r)` where `r` is not defined by a labelled block
    #[error("`held({name})` needs a rule defined by an `all`/`any` block with labelled branches")]
    #[diagnostic(code(ruling::check::invalid_held))]
    InvalidHeld {
        #[source_code]
        src: Src,
        #[label("this rule's definition is not a labelled block")]
        span: SourceSpan,
        name: String,
    },
    /// `param p: count = illegal_videos` (parameters are constants of the law)
    #[error("a {what} must not depend on case facts")]
    #[diagnostic(
        code(ruling::check::not_constant),
        help("parameters and defaults are values of the law; compute case-dependent values in a rule")
    )]
    NotConstant {
        #[source_code]
        src: Src,
        #[label("this depends on `{name}`")]
        span: SourceSpan,
        what: &'static str,
        name: String,
    },
    /// `max()` or `held(a, b)`
    #[error("`{function}` takes {expected}")]
    #[diagnostic(code(ruling::check::wrong_arguments))]
    WrongArguments {
        #[source_code]
        src: Src,
        #[label("called here")]
        span: SourceSpan,
        function: String,
        expected: &'static str,
        #[help]
        help: Option<String>,
    },
    /// `x at 2020-01-01` where `x` is a fact
    #[error("`at` applies to a rule or parameter")]
    #[diagnostic(
        code(ruling::check::invalid_at),
        help("facts do not change with the law; write `rule_name at date`")
    )]
    InvalidAt {
        #[source_code]
        src: Src,
        #[label("not a rule or parameter")]
        span: SourceSpan,
    },
    /// `param p: text … prefer higher at decision_date over conduct_date` (text has no order), or
    /// `prefer higher at decision_date + 1 day over conduct_date` (a date must be a fact or a literal)
    #[error("{problem}")]
    #[diagnostic(code(ruling::check::invalid_prefer), help("{help}"))]
    InvalidPrefer {
        #[source_code]
        src: Src,
        #[label("{label}")]
        span: SourceSpan,
        problem: String,
        label: String,
        help: String,
    },
    /// `rule r1: bool = r2`, `rule r2: bool = r3`, … thousands long
    #[error("evaluating `{name}` goes {depth} levels deep, more than the limit of {limit}")]
    #[diagnostic(
        code(ruling::check::too_deep),
        help("the path runs {path}; shorten the chain of rules or split nested expressions, or raise `ParseLimits::max_eval_depth`")
    )]
    TooDeep {
        #[source_code]
        src: Src,
        #[label("evaluation starts here")]
        span: SourceSpan,
        name: String,
        depth: usize,
        limit: usize,
        path: String,
    },
    /// `fact f: count = 0` declared but never used by any rule
    #[error("{kind} `{name}` is never used")]
    #[diagnostic(
        code(ruling::check::unused),
        severity(Warning),
        help("remove it, or use it in a rule")
    )]
    Unused {
        #[source_code]
        src: Src,
        #[label("declared here")]
        span: SourceSpan,
        kind: &'static str,
        name: String,
    },
    /// `rule r: bool = true` without any `cite`
    #[error("{kind} `{name}` has no citation")]
    #[diagnostic(
        code(ruling::check::missing_citation),
        severity(Warning),
        help("add `cite SOURCE 第…条` so explanations can name the article")
    )]
    MissingCitation {
        #[source_code]
        src: Src,
        #[label("no `cite` on this {kind}")]
        span: SourceSpan,
        kind: &'static str,
        name: String,
    },
    /// `ruling check --lint-says`: a condition used by a conclusion with no `says` template
    #[error("rule `{name}` has no `says` template")]
    #[diagnostic(
        code(ruling::check::missing_says),
        severity(Warning),
        help("add `says \"…{{fact}}…\"` to the rule or to each of its labelled branches, so memos use the editor's words")
    )]
    MissingSays {
        #[source_code]
        src: Src,
        #[label("memos phrase this rule from its expression")]
        span: SourceSpan,
        name: String,
    },
}
