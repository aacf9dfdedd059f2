//! Text → AST. The only module that names pest or its `Rule` type.

mod error;
mod grammar;
pub(crate) mod keywords;
mod literal;
mod lower;
mod nesting;
mod operators;

pub use error::ParseError;

use pest::Parser;

use crate::ast;
use crate::source::{FileId, SourceFile, Span};
use grammar::{Rule, RulingParser};

/// Limits on rule files, applied while loading (parsing and checking).
///
/// Every limit gives a diagnostic naming the place where it was passed; none of them
/// can be reached by a stack overflow or an out-of-memory first. See `docs/errors.md`
/// (`ruling::parse::too_large`, `ruling::parse::too_many_tokens`, `ruling::parse::too_deep`,
/// `ruling::check::too_deep`). Within the defaults, a rule set checks in about a second or
/// less whatever its content (docs/performance.md, "Limits"; `cargo bench --bench limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest accepted rule file, in bytes (default 8 MiB).
    pub max_file_bytes: usize,
    /// Most tokens — words, numbers, dates, strings, operators, punctuation; not comments —
    /// in a rule set, all its files together (default 200,000: the shipped rules have about
    /// 9,000). Checking time grows with the tokens, not the bytes, of a rule set.
    pub max_tokens: usize,
    /// Deepest accepted nesting (default 256): brackets `(` `[` `{`, `if … then … else`
    /// chains and `list<…>` types (counted before parsing), and expressions, where a
    /// chain of operators (`a + b + c`, `not not x`) counts one level per operator.
    pub max_nesting: usize,
    /// Longest accepted evaluation path (default 128): expression levels plus the levels
    /// of every rule or parameter reached through a name, followed to the end. Keeps
    /// evaluation and explanation trees bounded (`rule r1 = r2`, `rule r2 = r3`, …).
    /// The default fits a 2 MiB thread stack in a debug build; the shipped rules need 40.
    pub max_eval_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_file_bytes: 8 * 1024 * 1024,
            max_tokens: 200_000,
            max_nesting: 256,
            max_eval_depth: 128,
        }
    }
}

/// Stack the parser may need: pest recurses once per nesting level (within
/// `max_nesting`), and its own guard turns an exhausted stack into an error. With less
/// left than this, the parser runs on a fresh segment of [`PARSER_STACK_BYTES`].
const PARSER_RED_ZONE: usize = 4 * 1024 * 1024;
/// Size of that segment.
const PARSER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Parses one rule file.
pub fn parse_file(file_id: FileId, file: &SourceFile, limits: &ParseLimits) -> Result<ast::File, ParseError> {
    parse_counted(file_id, file, limits, 0).map(|(ast, _)| ast)
}

/// Parses one rule file of a rule set whose earlier files hold `before` tokens: the syntax
/// tree and the file's own tokens.
pub(crate) fn parse_counted(
    file_id: FileId,
    file: &SourceFile,
    limits: &ParseLimits,
    before: usize,
) -> Result<(ast::File, usize), ParseError> {
    let text: &str = &file.text;
    if text.len() > limits.max_file_bytes {
        return Err(ParseError::TooLarge {
            src: file.named_source(),
            span: Span::new(file_id, 0, 0).to_miette(),
            size: text.len(),
            limit: limits.max_file_bytes,
        });
    }
    let budget = limits.max_tokens.saturating_sub(before);
    let tokens = match nesting::scan(text, limits.max_nesting, budget) {
        nesting::Scanned::Fine { tokens } => tokens,
        nesting::Scanned::TooDeep(offset) => return Err(too_deep(file, offset, limits.max_nesting)),
        nesting::Scanned::TooManyTokens(offset) => {
            return Err(ParseError::TooManyTokens {
                src: file.named_source(),
                span: Span::new(file_id, offset, offset).to_miette(),
                limit: limits.max_tokens,
                before,
            })
        }
    };
    let parsed = stacker::maybe_grow(PARSER_RED_ZONE, PARSER_STACK_BYTES, || {
        RulingParser::parse(Rule::file, text)
    });
    let mut pairs = parsed.map_err(|e| match stack_exhausted(&e) {
        Some(offset) => too_deep(file, offset, limits.max_nesting),
        None => error::from_pest(file, &e),
    })?;
    let root = pairs.next();
    lower::file(file_id, file, root, limits).map(|ast| (ast, tokens))
}

/// Parses the text of one rule file (for tools and tests that work on the syntax tree).
pub fn parse_text(file_id: FileId, name: &str, text: &str, limits: &ParseLimits) -> Result<ast::File, ParseError> {
    let file = SourceFile::in_memory(name, text);
    parse_file(file_id, &file, limits)
}

pub(crate) fn too_deep(file: &SourceFile, offset: usize, limit: usize) -> ParseError {
    let width = file
        .text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map(char::len_utf8)
        .unwrap_or(0);
    ParseError::TooDeep {
        src: file.named_source(),
        span: miette::SourceSpan::new(offset.into(), width),
        limit,
    }
}

/// Where pest gave up because its stack guard or call budget ran out.
fn stack_exhausted(error: &pest::error::Error<Rule>) -> Option<usize> {
    let pest::error::ErrorVariant::CustomError { message } = &error.variant else {
        return None;
    };
    if !message.ends_with("limit reached") {
        return None;
    }
    Some(match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    })
}

/// Parses a duration literal such as `2 years` (used for case-file values).
pub(crate) fn duration_literal(text: &str) -> Option<crate::value::Duration> {
    literal::duration(text)
}
