//! Source excerpts of bounded size. A case file exported as one 50 MB line, or a rule file
//! without line breaks, would otherwise be printed whole under the diagnostic: miette shows
//! complete lines. Here a long line is cut to a window around the marked place, and a label
//! that covers more than a screenful is shortened to its beginning.

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Excerpts longer than this (in bytes) are cut to a window.
const MAX_EXCERPT: usize = 2_000;
/// Bytes shown before the marked place when a line is cut.
const BEFORE: usize = 60;
/// Longest label shown, in bytes; what follows is cut with the rest of the line.
const MAX_LABEL: usize = 200;
/// Bytes shown after a (possibly shortened) label when a line is cut.
const AFTER: usize = 60;

/// A source whose excerpts are cut to a window around the span asked for.
pub(crate) struct Clipped<'a> {
    inner: &'a dyn SourceCode,
}

impl<'a> Clipped<'a> {
    pub(crate) fn new(inner: &'a dyn SourceCode) -> Clipped<'a> {
        Clipped { inner }
    }

    /// The label with its span shortened to [`MAX_LABEL`] bytes, ending on a character boundary.
    pub(crate) fn label(&self, label: LabeledSpan) -> LabeledSpan {
        if label.len() <= MAX_LABEL {
            return label;
        }
        // A few bytes more than shown, so that the cut can see where the last character ends.
        let probe = SourceSpan::new(label.offset().into(), MAX_LABEL + 4);
        let Ok(contents) = self.inner.read_span(&probe, 0, 0) else {
            return label;
        };
        let data = contents.data();
        let start = label.offset().saturating_sub(contents.span().offset());
        let end = char_floor(data, (start + MAX_LABEL).min(data.len())).max(start);
        LabeledSpan::new(label.label().map(String::from), label.offset(), end - start)
    }
}

impl SourceCode for Clipped<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let full = self.inner.read_span(span, context_lines_before, context_lines_after)?;
        let data = full.data();
        if data.len() <= MAX_EXCERPT {
            return Ok(full);
        }
        let base = full.span().offset();
        let at = span.offset().saturating_sub(base).min(data.len());
        let line_start = data
            .get(..at)
            .and_then(|d| d.iter().rposition(|&b| b == b'\n'))
            .map_or(0, |i| i + 1);
        let line_end = data
            .get(at..)
            .and_then(|d| d.iter().position(|&b| b == b'\n'))
            .map_or(data.len(), |i| at + i);
        let from = char_ceil(data, at.saturating_sub(BEFORE).max(line_start));
        let shown = span.len().min(MAX_LABEL);
        let to = char_floor(data, (at + shown + AFTER).min(line_end)).max(from);
        let window = data.get(from..to).unwrap_or_default();
        let newlines_before = data
            .get(..from)
            .map_or(0, |d| d.iter().filter(|&&b| b == b'\n').count());
        let column = if line_start == 0 {
            full.column() + from
        } else {
            from - line_start
        };
        let contents = MietteSpanContents::new(
            window,
            SourceSpan::new((base + from).into(), to - from),
            full.line() + newlines_before,
            column,
            1,
        );
        Ok(Box::new(match (full.name(), full.language()) {
            (Some(name), Some(language)) => named(contents, name).with_language(language),
            (Some(name), None) => named(contents, name),
            (None, Some(language)) => contents.with_language(language),
            (None, None) => contents,
        }))
    }
}

fn named<'b>(contents: MietteSpanContents<'b>, name: &str) -> MietteSpanContents<'b> {
    MietteSpanContents::new_named(
        name.to_string(),
        contents.data(),
        *contents.span(),
        contents.line(),
        contents.column(),
        contents.line_count(),
    )
}

/// The nearest character boundary at or before `i`.
fn char_floor(data: &[u8], mut i: usize) -> usize {
    while i > 0 && data.get(i).is_some_and(|b| b & 0xC0 == 0x80) {
        i -= 1;
    }
    i
}

/// The nearest character boundary at or after `i`.
fn char_ceil(data: &[u8], mut i: usize) -> usize {
    while data.get(i).is_some_and(|b| b & 0xC0 == 0x80) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_span() {
        let text = format!("{}违法{}", "a".repeat(10_000), "b".repeat(10_000));
        let clipped = Clipped::new(&text);
        let span = SourceSpan::new(10_000.into(), 6);
        let contents = clipped.read_span(&span, 1, 1).expect("in bounds");
        let shown = std::str::from_utf8(contents.data()).expect("cut on character boundaries");
        assert!(shown.contains("违法"), "{shown}");
        assert!(shown.len() < 200, "{}", shown.len());
        assert_eq!(contents.span().offset() + shown.find("违法").unwrap_or(0), 10_000);
    }

    #[test]
    fn a_short_source_is_shown_whole() {
        let text = "fact a: count\nrule r: bool = a > 1\n";
        let clipped = Clipped::new(&text);
        let contents = clipped
            .read_span(&SourceSpan::new(14.into(), 4), 1, 1)
            .expect("in bounds");
        assert_eq!(contents.data(), text.as_bytes());
    }

    #[test]
    fn a_long_label_is_shortened_to_a_character_boundary() {
        let text = "列".repeat(1_000);
        let clipped = Clipped::new(&text);
        let label = clipped.label(LabeledSpan::new(Some("this list".into()), 3, 2_000));
        assert!(label.len() <= MAX_LABEL);
        assert_eq!(label.len() % 3, 0);
    }
}
