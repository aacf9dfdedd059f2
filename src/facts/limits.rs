//! Limits on case documents: size, list items, text length and nesting.
//!
//! Checked when a case is read, before any fact is converted, so that a huge or
//! hostile case file gives one clear error instead of exhausting memory or time.

use serde_json::Value as Json;

use super::error::{self, CaseError};
use super::{locate, CaseFormat, CaseOrigin};

/// Limits applied to every case document (file, text or batch line).
///
/// Each one is reported with its own code (`ruling::case::too_large`,
/// `ruling::case::too_many_items`, `ruling::case::text_too_long`,
/// `ruling::case::too_deep`); see `docs/errors.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseLimits {
    /// Largest accepted case document, in bytes (default 64 MiB).
    pub max_file_bytes: usize,
    /// Most items in one list (default 1,000,000).
    pub max_list_items: usize,
    /// Longest accepted text (string value or key), in bytes (default 1 MiB).
    pub max_text_bytes: usize,
    /// Deepest nesting of lists and objects (default 64).
    pub max_nesting: usize,
}

impl Default for CaseLimits {
    fn default() -> Self {
        CaseLimits {
            max_file_bytes: 64 * 1024 * 1024,
            max_list_items: 1_000_000,
            max_text_bytes: 1024 * 1024,
            max_nesting: 64,
        }
    }
}

/// Rejects a document text larger than the limit, or (YAML) nested deeper than it
/// before the YAML parser, whose flow collections are slow to scan when very deep.
pub(crate) fn check_text(origin: &CaseOrigin, limits: &CaseLimits) -> Result<(), CaseError> {
    if origin.text.len() > limits.max_file_bytes {
        return Err(CaseError::TooLarge {
            path: origin.name.clone(),
            size: origin.text.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    if origin.format == CaseFormat::Yaml {
        if let Some(offset) = first_deep_bracket(&origin.text, limits.max_nesting) {
            return Err(CaseError::TooDeep {
                src: error::named(origin),
                span: (offset, 1).into(),
                path: String::from("/"),
                limit: limits.max_nesting,
            });
        }
    }
    Ok(())
}

/// Offset of the first `[` or `{` nested deeper than `limit` (brackets inside
/// strings are counted too: this is a conservative guard, not a parser).
fn first_deep_bracket(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(offset);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// One step of a JSON pointer: an object key or a list index.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// JSON pointers of the places visited, each as its parent and last segment, so that a
/// path is only spelled out when it is reported.
struct Paths<'a> {
    nodes: Vec<(usize, Segment<'a>)>,
}

impl<'a> Paths<'a> {
    const ROOT: usize = usize::MAX;

    fn push(&mut self, parent: usize, segment: Segment<'a>) -> usize {
        self.nodes.push((parent, segment));
        self.nodes.len() - 1
    }

    fn text(&self, mut node: usize) -> String {
        let mut segments = Vec::new();
        while let Some((parent, segment)) = self.nodes.get(node) {
            segments.push(match segment {
                Segment::Key(key) => locate::escape(key),
                Segment::Index(index) => index.to_string(),
            });
            node = *parent;
        }
        segments.iter().rev().map(|s| format!("/{s}")).collect()
    }
}

/// Walks a parsed document (without recursion) and rejects the first list, text or
/// nesting beyond the limits, naming its JSON pointer.
pub(crate) fn check_value(json: &Json, origin: &CaseOrigin, limits: &CaseLimits) -> Result<(), CaseError> {
    let mut paths = Paths { nodes: Vec::new() };
    let mut pending: Vec<(&Json, usize, usize)> = vec![(json, Paths::ROOT, 0)];
    while let Some((value, node, depth)) = pending.pop() {
        if depth > limits.max_nesting {
            let path = paths.text(node);
            return Err(CaseError::TooDeep {
                src: error::named(origin),
                span: span(origin, &path),
                path,
                limit: limits.max_nesting,
            });
        }
        match value {
            Json::String(text) if text.len() > limits.max_text_bytes => {
                return Err(text_too_long(origin, paths.text(node), text.len(), limits));
            }
            Json::Array(items) => {
                if items.len() > limits.max_list_items {
                    let path = paths.text(node);
                    return Err(CaseError::TooManyItems {
                        src: error::named(origin),
                        span: span(origin, &path),
                        path: shown(&path),
                        count: items.len(),
                        limit: limits.max_list_items,
                    });
                }
                for (index, item) in items.iter().enumerate() {
                    match item {
                        Json::String(text) if text.len() > limits.max_text_bytes => {
                            let child = paths.push(node, Segment::Index(index));
                            return Err(text_too_long(origin, paths.text(child), text.len(), limits));
                        }
                        Json::Array(_) | Json::Object(_) => {
                            let child = paths.push(node, Segment::Index(index));
                            pending.push((item, child, depth + 1));
                        }
                        _ => {}
                    }
                }
            }
            Json::Object(map) => {
                for (key, item) in map {
                    let child = paths.push(node, Segment::Key(key));
                    if key.len() > limits.max_text_bytes {
                        return Err(text_too_long(origin, paths.text(child), key.len(), limits));
                    }
                    pending.push((item, child, depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn text_too_long(origin: &CaseOrigin, path: String, size: usize, limits: &CaseLimits) -> CaseError {
    CaseError::TextTooLong {
        src: error::named(origin),
        span: span(origin, &path),
        path: shown(&path),
        size,
        limit: limits.max_text_bytes,
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        String::from("/")
    } else {
        path.to_string()
    }
}

fn span(origin: &CaseOrigin, path: &str) -> miette::SourceSpan {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    locate::span_of(origin, &segments)
}
