//! Small text helpers: display width of Chinese text, quoting, blank lines.

/// Display width: CJK ideographs, full-width forms and CJK punctuation count 2 columns.
pub(crate) fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let u = u32::from(c);
    let wide = matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    );
    if wide {
        2
    } else {
        1
    }
}

/// A string literal as rule files write it (`"`, `\`, newline and tab escaped).
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// `n` spaces.
pub(crate) fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// Whether the source between two offsets holds an empty line.
pub(crate) fn blank_between(source: &str, from: usize, to: usize) -> bool {
    let Some(gap) = source.get(from.min(to)..to) else {
        return false;
    };
    gap.matches('\n').count() >= 2
}

/// The column after printing `fragment` starting at column `col` (fragments may span lines).
pub(crate) fn end_col(fragment: &str, col: usize) -> usize {
    match fragment.rsplit_once('\n') {
        Some((_, last)) => width(last),
        None => col + width(fragment),
    }
}

/// The indentation of the last line of `fragment`, or `first` when it is one line.
pub(crate) fn last_indent(fragment: &str, first: usize) -> usize {
    match fragment.rsplit_once('\n') {
        Some((_, last)) => last.len() - last.trim_start_matches(' ').len(),
        None => first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_two_columns() {
        assert_eq!(width("第三条"), 6);
        assert_eq!(width("a〔2019〕"), 9);
        assert_eq!(width("“多次”"), 6);
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn columns_across_lines() {
        assert_eq!(end_col("abc", 4), 7);
        assert_eq!(end_col("a\n    bc", 4), 6);
        assert_eq!(last_indent("a\n      b", 0), 6);
    }
}
