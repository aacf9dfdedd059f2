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
