//! Best-effort spans for JSON-pointer paths inside a case text.

use miette::SourceSpan;

use super::convert::SyntaxMessage;
use super::{CaseFormat, CaseOrigin};

/// Escapes a key for a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The span of the last key of `segments` (searched in order through the text).
pub(crate) fn span_of(origin: &CaseOrigin, segments: &[&str]) -> SourceSpan {
    let text: &str = &origin.text;
    let mut position = 0usize;
    let mut found = (0usize, 0usize);
    for segment in segments {
        let key = unescape(segment);
        if key.chars().all(|c| c.is_ascii_digit()) {
            if let (CaseFormat::Json, Ok(index)) = (origin.format, key.parse::<usize>()) {
                if let Some(start) = json_element(text, position, index) {
                    found = (start, 1);
                    position = start;
                }
            }
            continue;
        }
        let needles = match origin.format {
            CaseFormat::Json => vec![format!("\"{key}\"")],
            CaseFormat::Yaml => vec![format!("{key}:"), format!("\"{key}\"")],
            CaseFormat::Toml => vec![
                format!("{key} ="),
                format!("{key}="),
                format!("\"{key}\""),
                format!("[{key}"),
            ],
        };
        let hit = needles
            .iter()
            .filter_map(|n| {
                text.get(position..)
                    .and_then(|rest| rest.find(n.as_str()))
                    .map(|i| (position + i, n.len()))
            })
            .min_by_key(|(i, _)| *i);
        if let Some((start, len)) = hit {
            found = (start, len);
            position = start + len;
        }
    }
    SourceSpan::new(found.0.into(), found.1)
}

/// The span of the second occurrence of the last key of `segments` (a key given twice), or of
/// the first when no second is found.
pub(crate) fn span_of_repeat(origin: &CaseOrigin, segments: &[&str]) -> SourceSpan {
    let first = span_of(origin, segments);
    let (start, length) = (first.offset(), first.len());
    let after = start + length;
    let again = origin
        .text
        .get(start..after)
        .filter(|needle| !needle.is_empty())
        .and_then(|needle| origin.text.get(after..).and_then(|rest| rest.find(needle)));
    match again {
        Some(offset) => SourceSpan::new((after + offset).into(), length),
        None => first,
    }
}

/// Offset of element `index` of the first JSON array that opens at or after `from`.
fn json_element(text: &str, from: usize, index: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let open = from + text.get(from..)?.find('[')?;
    let (mut depth, mut count, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    let mut element_start = None;
    for (offset, &b) in bytes.iter().enumerate().skip(open + 1) {
        if in_string {
            match (escaped, b) {
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        if element_start.is_none() && !b.is_ascii_whitespace() && depth == 0 {
            if b == b']' {
                return None;
            }
            if count == index {
                return Some(offset);
            }
            element_start = Some(offset);
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth == 0 => return None,
            b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                count += 1;
                element_start = None;
            }
            _ => {}
        }
    }
    None
}

/// The span of a syntax error, from the parser's line and column.
pub(crate) fn syntax_span(text: &str, message: &SyntaxMessage) -> SourceSpan {
    let Some((line, column)) = message.line_column else {
        return SourceSpan::new(0.into(), 0);
    };
    let mut offset = 0usize;
    for (index, l) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let col_bytes: usize = l.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
            offset += col_bytes;
            break;
        }
        offset += l.len();
    }
    let width = text
        .get(offset..)
        .and_then(|r| r.chars().next())
        .map(char::len_utf8)
        .unwrap_or(0);
    SourceSpan::new(offset.min(text.len()).into(), width)
}
