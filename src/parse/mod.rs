//! Text → AST. The only module that names pest or its `Rule` type.

mod error;
mod grammar;
mod literal;
mod lower;
mod operators;

pub use error::ParseError;

use pest::Parser;

use crate::ast;
use crate::source::{FileId, SourceFile, Span};
use grammar::{Rule, RulingParser};

/// Limits applied before and during parsing.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Largest accepted file, in bytes.
    pub max_file_bytes: usize,
    /// Deepest accepted bracket nesting.
    pub max_nesting: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_file_bytes: 8 * 1024 * 1024,
            max_nesting: 256,
        }
    }
}

/// Parses one rule file.
pub fn parse_file(file_id: FileId, file: &SourceFile, limits: &ParseLimits) -> Result<ast::File, ParseError> {
    let text: &str = &file.text;
    if text.len() > limits.max_file_bytes {
        return Err(ParseError::TooLarge {
            src: file.named_source(),
            span: Span::new(file_id, 0, 0).to_miette(),
            size: text.len(),
            limit: limits.max_file_bytes,
        });
    }
    if let Some(offset) = first_too_deep(text, limits.max_nesting) {
        return Err(ParseError::TooDeep {
            src: file.named_source(),
            span: Span::new(file_id, offset, offset + 1).to_miette(),
            limit: limits.max_nesting,
        });
    }
    let mut pairs = RulingParser::parse(Rule::file, text).map_err(|e| error::from_pest(file, &e))?;
    let root = pairs.next();
    lower::file(file_id, file, root)
}

/// Byte offset of the first bracket that opens deeper than `limit`, so that
/// deeply nested input is rejected before the recursive-descent parser sees it.
fn first_too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') | (false, '\n') => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some(offset);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses a duration literal such as `2 years` (used for case-file values).
pub(crate) fn duration_literal(text: &str) -> Option<crate::value::Duration> {
    literal::duration(text)
}
