//! Characters that do not show what they are: terminal controls and invisible formatting.
//!
//! A case value or key is written by whoever sends the case. Printed raw to a terminal, an
//! escape sequence (`ESC [ 2 J`, an OSC 8 link, a window title) acts instead of being shown, and
//! a bidi override (U+202E) reorders the text after it; in a name, a zero-width joiner makes two
//! different names look the same. Human-readable output escapes the first kind
//! ([`escape_controls`]); names refuse the second ([`invisible`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` would act on a terminal, or reorder or hide text, rather than be seen: C0 and
/// C1 controls, DEL, and the bidi controls (embeddings, overrides, isolates, marks).
pub fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is drawn as nothing in a name: a default-ignorable code point (zero-width
/// joiners and spaces, variation selectors, soft hyphen, bidi controls, tags) or a Hangul
/// filler. Unicode's identifier classes (XID) admit several of them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The first invisible character of `name` and its byte offset.
pub fn invisible(name: &str) -> Option<(usize, char)> {
    name.char_indices().find(|(_, c)| is_invisible(*c))
}

/// `name` without its invisible characters: the name a reader sees.
pub fn visible_form(name: &str) -> String {
    name.chars().filter(|c| !is_invisible(*c)).collect()
}

/// `U+200D ZERO WIDTH JOINER`: a code point and, for the usual ones, its name.
pub fn describe(c: char) -> String {
    let name = match c {
        '\u{00AD}' => " SOFT HYPHEN",
        '\u{034F}' => " COMBINING GRAPHEME JOINER",
        '\u{200B}' => " ZERO WIDTH SPACE",
        '\u{200C}' => " ZERO WIDTH NON-JOINER",
        '\u{200D}' => " ZERO WIDTH JOINER",
        '\u{200E}' => " LEFT-TO-RIGHT MARK",
        '\u{200F}' => " RIGHT-TO-LEFT MARK",
        '\u{202E}' => " RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => " WORD JOINER",
        '\u{3164}' => " HANGUL FILLER",
        '\u{FE00}'..='\u{FE0F}' => " VARIATION SELECTOR",
        '\u{FEFF}' => " ZERO WIDTH NO-BREAK SPACE",
        _ => "",
    };
    format!("U+{:04X}{name}", u32::from(c))
}

/// `text` with every [`is_control`] character written as an escape (`\u{1b}`, `\n`), so that
/// it is shown and not obeyed; borrowed when there is none. Invisible characters are kept: in a
/// text value they may be meant (a zero-width non-joiner in Persian, emoji sequences).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_where(text, is_control)
}

/// `name` with every [`is_control`] and [`is_invisible`] character escaped: a key or name
/// shown in a message, where a hidden character is the very thing to show.
pub fn escape_name(name: &str) -> Cow<'_, str> {
    escape_where(name, |c| is_control(c) || is_invisible(c))
}

/// Like [`escape_controls`], but keeps line breaks and tabs: for multi-line text (a
/// diagnostic's message or help).
pub fn escape_controls_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_control(c) && !matches!(c, '\n' | '\t'))
}

fn escape_where(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !escaped(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _infallible = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// `text` with each [`is_control`] character replaced by a visible one of the same UTF-8 length
/// (`?`, `¿`, `�`), line breaks and tabs kept: for source excerpts, whose byte offsets the
/// labels point at.
pub fn mask_controls(text: &[u8]) -> Cow<'_, [u8]> {
    let Ok(as_text) = std::str::from_utf8(text) else {
        return Cow::Borrowed(text);
    };
    if !as_text
        .chars()
        .any(|c| is_control(c) && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in as_text.chars() {
        if is_control(c) && !matches!(c, '\n' | '\r' | '\t') {
            out.push(match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{FFFD}',
            });
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_show_what_would_act() {
        assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_controls("x\u{202e}y\u{9b}z\n"), "x\\u{202e}y\\u{9b}z\\n");
        assert_eq!(escape_controls("违法\u{200d}所得"), "违法\u{200d}所得");
        assert_eq!(escape_name("违法\u{200d}所得"), "违法\\u{200d}所得");
        assert!(matches!(escape_controls("违法所得 ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls_keeping_lines("a\n\u{1b}]8;;x\u{7}\tb"),
            "a\n\\u{1b}]8;;x\\u{7}\tb"
        );
    }

    #[test]
    fn masks_keep_byte_lengths() {
        let text = "a\u{1b}b\u{9b}c\u{202e}d\n";
        let masked = mask_controls(text.as_bytes());
        assert_eq!(masked.len(), text.len());
        assert_eq!(std::str::from_utf8(&masked).ok(), Some("a?b¿c\u{FFFD}d\n"));
    }

    #[test]
    fn invisible_characters_are_found_and_removed() {
        assert_eq!(invisible("ab\u{200d}c"), Some((2, '\u{200d}')));
        assert_eq!(visible_form("ab\u{200d}c\u{fe0f}"), "abc");
        assert_eq!(invisible("违法所得"), None);
        assert_eq!(describe('\u{200c}'), "U+200C ZERO WIDTH NON-JOINER");
    }
}
