//! Case-file diagnostics: each problem names its JSON pointer path and what was expected.

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;
use thiserror::Error;

use super::{locate, CaseOrigin};
use crate::diagnostic::SourceText;

pub(crate) fn named(origin: &CaseOrigin) -> NamedSource<SourceText> {
    NamedSource::new(
        origin.name.clone(),
        SourceText::new(std::sync::Arc::clone(&origin.text)),
    )
}

/// A case document that cannot be read at all.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum CaseError {
    /// The file cannot be opened.
    #[error("cannot read case file `{path}`: {message}")]
    #[diagnostic(code(ruling::case::io))]
    Io {
        /// Path.
        path: String,
        /// OS message.
        message: String,
    },
    /// `{"facts": {` (not valid JSON/YAML/TOML)
    #[error("case file is not well-formed: {message}")]
    #[diagnostic(
        code(ruling::case::syntax),
        help("check quotes, commas and brackets near the marked place")
    )]
    Syntax {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
        /// Parser message.
        message: String,
    },
    /// A case file or batch line whose bytes are not UTF-8 (`"A\xff"`).
    #[error("`{name}` is not UTF-8 text: invalid byte at offset {offset}")]
    #[diagnostic(
        code(ruling::case::not_utf8),
        help("save the case as UTF-8 (a text that was converted from GBK or Latin-1 needs converting again)")
    )]
    NotUtf8 {
        /// Path or name (`line 3` in a batch).
        name: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// `{"facts": [1, 2]}` (facts must be an object)
    #[error("{message}")]
    #[diagnostic(code(ruling::case::shape))]
    Shape {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
        /// What is wrong.
        message: String,
    },
    /// A case document larger than `CaseLimits::max_file_bytes`.
    #[error("case file `{path}` is {size} bytes, more than the limit of {limit}")]
    #[diagnostic(
        code(ruling::case::too_large),
        help("split the case, or raise `CaseLimits::max_file_bytes` when embedding ruling")
    )]
    TooLarge {
        /// Path or name.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// A list with more items than `CaseLimits::max_list_items`.
    #[error("`{path}` has {count} items, more than the limit of {limit}")]
    #[diagnostic(
        code(ruling::case::too_many_items),
        help("give the facts in aggregate (a count or a total), or raise `CaseLimits::max_list_items`")
    )]
    TooManyItems {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("this list")]
        span: SourceSpan,
        /// JSON pointer of the list.
        path: String,
        /// Its length.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A text (value or key) longer than `CaseLimits::max_text_bytes`.
    #[error("the text at `{path}` is {size} bytes, more than the limit of {limit}")]
    #[diagnostic(
        code(ruling::case::text_too_long),
        help("case files hold facts, not documents: shorten the text, or raise `CaseLimits::max_text_bytes`")
    )]
    TextTooLong {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("this text")]
        span: SourceSpan,
        /// JSON pointer of the text.
        path: String,
        /// Its length in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Lists and objects nested deeper than `CaseLimits::max_nesting`.
    #[error("lists and objects nested deeper than {limit} levels at `{path}`")]
    #[diagnostic(
        code(ruling::case::too_deep),
        help("facts are values, lists of values or lists of records: flatten the nesting")
    )]
    TooDeep {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("too deep here")]
        span: SourceSpan,
        /// JSON pointer of the deepest place reached.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// `{"facts": {"illegal_videos": 1, "illegal_videos": 500}}` (which one was meant?)
    #[error("key `{key}` is given twice, at `{path}`")]
    #[diagnostic(
        code(ruling::case::duplicate_key),
        help("give each key once: remove one of the two, or merge them")
    )]
    DuplicateKey {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("given again here")]
        span: SourceSpan,
        /// JSON pointer of the key.
        path: String,
        /// The key.
        key: String,
    },
    /// `illegal_videos: .inf` (YAML) or `illegal_videos = nan` (TOML): no exact value.
    #[error("`{path}` is {shown}, not a finite number")]
    #[diagnostic(
        code(ruling::case::not_finite),
        help("facts are exact: write the number itself (infinity and NaN have no value to compute with)")
    )]
    NotFinite {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("not a finite number")]
        span: SourceSpan,
        /// JSON pointer of the value.
        path: String,
        /// How it reads (`inf`, `-inf`, `NaN`).
        shown: String,
    },
    /// `{"fact": {…}}` (a top-level key that is not part of the case format)
    #[error("unknown key `{key}` in case file")]
    #[diagnostic(code(ruling::case::unknown_key))]
    UnknownKey {
        /// The text.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("not a case-file key")]
        span: SourceSpan,
        /// The key.
        key: String,
        /// Suggestion.
        #[help]
        help: String,
    },
}

impl CaseError {
    /// The stable code of this error (e.g. `ruling::case::syntax`).
    pub fn code_str(&self) -> String {
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }

    /// The JSON pointer this error is about, when it is about one place.
    pub fn path(&self) -> Option<&str> {
        match self {
            CaseError::TooManyItems { path, .. }
            | CaseError::TextTooLong { path, .. }
            | CaseError::TooDeep { path, .. }
            | CaseError::DuplicateKey { path, .. }
            | CaseError::NotFinite { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// The error for what a document held that a JSON value cannot (see `strict.rs`).
pub(crate) fn oddity(origin: &CaseOrigin, oddity: super::strict::Oddity) -> CaseError {
    let segments = |path: &str| path.split('/').skip(1).map(String::from).collect::<Vec<_>>();
    match oddity {
        super::strict::Oddity::DuplicateKey { path, key } => {
            let owned = segments(&path);
            let segments: Vec<&str> = owned.iter().map(String::as_str).collect();
            CaseError::DuplicateKey {
                src: named(origin),
                span: locate::span_of_repeat(origin, &segments),
                path,
                key,
            }
        }
        super::strict::Oddity::NotFinite { path, shown } => {
            let owned = segments(&path);
            let segments: Vec<&str> = owned.iter().map(String::as_str).collect();
            CaseError::NotFinite {
                src: named(origin),
                span: locate::span_of(origin, &segments),
                path,
                shown,
            }
        }
    }
}

/// What is wrong with a fact value: matchable, and written in JSON and error codes as its
/// snake-case name (`ruling::case::type_mismatch`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A value of the wrong type (`"abc"` for a count).
    TypeMismatch,
    /// A key under `facts` that the rules do not declare.
    UnknownFact,
    /// A key in a record that its record type does not declare.
    UnknownField,
    /// A negative count or amount.
    NegativeValue,
    /// A date that is not written YYYY-MM-DD or does not exist.
    InvalidDate,
    /// A text that is not one of the enum's values.
    UnknownEnumValue,
    /// A record field without a default left out.
    MissingRequiredFact,
}

impl ProblemKind {
    /// The snake-case name used in codes and JSON (`type_mismatch`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::TypeMismatch => "type_mismatch",
            ProblemKind::UnknownFact => "unknown_fact",
            ProblemKind::UnknownField => "unknown_field",
            ProblemKind::NegativeValue => "negative_value",
            ProblemKind::InvalidDate => "invalid_date",
            ProblemKind::UnknownEnumValue => "unknown_enum_value",
            ProblemKind::MissingRequiredFact => "missing_required_fact",
        }
    }

    /// The stable diagnostic code (`ruling::case::type_mismatch`).
    pub fn code(self) -> String {
        format!("ruling::case::{}", self.as_str())
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one fact value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// JSON pointer into the case (`/facts/illegal_videos`).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// `/facts/illegal_videos: expected a count, found "abc" (help: write a whole number, e.g. 250)`:
/// where, what, and the fix.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        match &self.help {
            Some(help) => write!(f, " (help: {help})"),
            None => Ok(()),
        }
    }
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, path: &str, message: String, help: Option<String>) -> Problem {
        Problem {
            kind,
            path: path.to_string(),
            message,
            help,
        }
    }

    /// An unknown key; `suggest`: look for the name meant (a "did you mean" costs a comparison
    /// with every fact's name, so only the problems shown get one).
    pub(crate) fn unknown_fact<'a>(key: &str, names: impl Iterator<Item = &'a str>, suggest: bool) -> Problem {
        let names: Vec<&str> = if suggest { names.collect() } else { Vec::new() };
        let help = invisible_help(key, &names)
            .or_else(|| crate::suggest::help_line(key, &names))
            .or_else(|| {
                Some(String::from(
                    "`ruling schema RULES` lists the facts these rules declare",
                ))
            });
        Problem::new(
            ProblemKind::UnknownFact,
            &format!("/facts/{}", locate::escape(key)),
            format!("unknown fact `{}`", crate::visible::escape_name(key)),
            help,
        )
    }

    pub(crate) fn invalid_date(path: &str, text: &str) -> Problem {
        Problem::new(
            ProblemKind::InvalidDate,
            path,
            format!("`{text}` is not a date that exists"),
            Some(String::from("dates are written YYYY-MM-DD, e.g. \"2021-05-20\"")),
        )
    }
}

/// Problems of one case located in its text and rendered as diagnostics; the others are in
/// [`FactsError::problems`] only. A case of 20,000 unknown keys took minutes to report in full,
/// every excerpt quoting its line and every key compared with every fact's name; nobody reads
/// past the first screens, and the rest are the same mistake again.
pub(crate) const SHOWN_PROBLEMS: usize = 100;

/// All problems found in one case's facts; rendered as one diagnostic per problem, the first
/// 100 of them (the rest are counted in the message).
#[derive(Debug, Error, Diagnostic)]
#[error("{} problem(s) in the facts of `{name}`{}", problems.len(), not_shown(problems.len(), located.len()))]
#[diagnostic(
    code(ruling::case::invalid_facts),
    help("fix each marked value; nothing was evaluated")
)]
pub struct FactsError {
    /// Case name.
    pub name: String,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
    /// The first 100 problems as diagnostics pointing into the case text.
    #[related]
    pub located: Vec<FactProblem>,
}

/// `; the first 100 are shown`, when some are not.
fn not_shown(all: usize, shown: usize) -> String {
    if shown < all {
        format!("; the first {shown} are shown")
    } else {
        String::new()
    }
}

/// One fact problem pointing into the case text.
#[derive(Debug, Error)]
#[error("{path}: {message}")]
pub struct FactProblem {
    /// JSON pointer.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The text.
    pub src: NamedSource<SourceText>,
    /// Where.
    pub span: SourceSpan,
    /// Problem kind.
    pub kind: ProblemKind,
    /// How to fix it.
    pub help: Option<String>,
    /// Stable code (`ruling::case::<kind>`).
    pub code: String,
}

impl Diagnostic for FactProblem {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = miette::LabeledSpan::new_with_span(Some(self.kind.as_str().replace('_', " ")), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

impl FactsError {
    pub(crate) fn new(origin: &CaseOrigin, problems: Vec<Problem>) -> FactsError {
        // One source for all problems, so that its line index is built once.
        let src = named(origin);
        let located = problems
            .iter()
            .take(SHOWN_PROBLEMS)
            .map(|p| {
                let segments: Vec<&str> = p.path.split('/').skip(1).collect();
                FactProblem {
                    path: p.path.clone(),
                    message: p.message.clone(),
                    src: src.clone(),
                    span: locate::span_of(origin, &segments),
                    kind: p.kind,
                    help: p.help.clone(),
                    code: p.kind.code(),
                }
            })
            .collect();
        FactsError {
            name: origin.name.clone(),
            problems,
            located,
        }
    }
}

/// For a key holding an invisible character (a zero-width joiner pasted with it), why it names
/// nothing and, when the key without it is a name, that name. Names never hold such characters
/// (`ruling::parse::invisible_character`), so the key cannot match as it is.
pub(crate) fn invisible_help(key: &str, names: &[&str]) -> Option<String> {
    let (_, character) = crate::visible::invisible(key)?;
    let visible = crate::visible::visible_form(key);
    let character = crate::visible::describe(character);
    Some(if names.contains(&visible.as_str()) {
        format!("the key has an invisible character ({character}): did you mean `{visible}`?")
    } else {
        format!("the key has an invisible character ({character}), which no name holds: delete it")
    })
}
