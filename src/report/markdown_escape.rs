//! Text from cases and rule files made literal in Markdown.
//!
//! A case name, a text fact or an enum value is written by whoever sends the case; put raw into
//! a memo, a line break starts a heading and `<img src=x onerror=…>` is raw HTML in every viewer
//! that renders Markdown. These functions keep such text one line, escape what Markdown or
//! HTML would read as markup, and write control characters as escapes (`\u{1b}`).

use crate::visible::escape_controls;

/// Text on one line (a table cell too) with Markdown and HTML markup escaped: `\`, `` ` ``, `*`, `_` (where it
/// could start emphasis), `~`, `[`, `]`, `#`, `|`, and `<` and `&` where they could start a
/// tag, an autolink or an entity (`150 < 200` keeps its `<`).
pub(crate) fn inline(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let text = escape_controls(&one_line);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (idx, &c) in chars.iter().enumerate() {
        let before = idx.checked_sub(1).and_then(|i| chars.get(i)).copied();
        let after = chars.get(idx + 1).copied();
        let escaped = match c {
            '\\' | '`' | '*' | '~' | '[' | ']' | '#' | '|' => true,
            // Between two letters or digits `_` never starts or ends emphasis (`illegal_videos`).
            '_' => !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric)),
            '<' => after.is_some_and(|a| a.is_ascii_alphabetic() || matches!(a, '/' | '!' | '?')),
            '&' => after.is_some_and(|a| a.is_ascii_alphanumeric() || a == '#'),
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that quotes rule text in `` `code` `` spans (a derivation line): each pair of
/// backticks stays a code span, whose content Markdown shows literally; the text around the
/// spans is [`inline`]. A backtick without a partner, or an empty pair, is shown as a backtick.
///
/// The spans are paired left to right as CommonMark pairs single backticks; where two spans
/// touch (`` `a``b` ``) CommonMark reads them as one span, still literal.
pub(crate) fn with_code_spans(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let parts: Vec<&str> = one_line.split('`').collect();
    let n_parts = parts.len();
    let mut out = String::with_capacity(one_line.len() + 8);
    for (idx, part) in parts.iter().enumerate() {
        let inside = idx % 2 == 1;
        // An odd number of backticks leaves the last one without a partner: its text is outside.
        let unpaired = inside && idx + 1 == n_parts;
        if !inside {
            out.push_str(&inline(part));
        } else if unpaired {
            out.push_str("\\`");
            out.push_str(&inline(part));
        } else if part.is_empty() {
            out.push_str("\\`\\`");
        } else {
            out.push('`');
            out.push_str(&escape_controls(part));
            out.push('`');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_value_is_literal() {
        assert_eq!(
            inline("x\n# 标题 <img src=x onerror=alert(1)> *a* _b_ [l](u) \\<i> &lt; a|b"),
            "x \\# 标题 \\<img src=x onerror=alert(1)> \\*a\\* \\_b\\_ \\[l\\](u) \\\\\\<i> \\&lt; a\\|b"
        );
        assert_eq!(inline("illegal_videos 150 < 200 & 3"), "illegal_videos 150 < 200 & 3");
        assert_eq!(inline("a\u{1b}[2J"), "a\\\\u{1b}\\[2J");
    }

    #[test]
    fn code_spans_stay_and_the_rest_is_escaped() {
        assert_eq!(
            with_code_spans("条件 `a < b` → \"<img src=x>\""),
            "条件 `a < b` → \"\\<img src=x>\""
        );
        assert_eq!(with_code_spans("`a` x`<b>"), "`a` x\\`\\<b>");
        assert_eq!(with_code_spans("a``b"), "a\\`\\`b");
    }
}
