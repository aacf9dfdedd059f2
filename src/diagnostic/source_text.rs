//! The text a diagnostic points into, with an index of its line breaks.
//!
//! miette's own `SourceCode` for `str` finds the line and column of a span by scanning the text
//! from its first byte, once per label and once per excerpt. A rule file with 20,000 warnings
//! was then scanned some 60,000 times (73 s for `ruling check` in text, 0.5 s in JSON). Here
//! the positions of the line breaks are found once per file, on first use, and shared by every
//! diagnostic pointing into it (the clones share one index); an excerpt is then read from the
//! start of its first line, so rendering N diagnostics costs N binary searches plus the
//! excerpts themselves.
//!
//! The excerpts are exactly those miette computes (same bytes, line, column and line count,
//! `\r`, `\n` and `\r\n` each ending a line): the scan below is miette's, started at a line
//! start with the state miette would have reached there. A property test compares the two.
//!
//! One difference on purpose: a control character other than a line break or tab (an `ESC`
//! starting a terminal sequence, a C1 control, a bidi override) is shown as `?`, `¿` or `�`,
//! a character of the same UTF-8 length, so that quoting a hostile file cannot drive the
//! terminal and every byte offset stays valid.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A source text shared by diagnostics, with a line index built on first use.
#[derive(Clone)]
pub struct SourceText {
    text: Arc<str>,
    index: Arc<OnceLock<Index>>,
}

/// What reading excerpts needs, computed once per text.
struct Index {
    /// The position of the last byte of every line break (the `\n` of `\r\n`), ascending.
    breaks: Box<[usize]>,
    /// The text with its control characters masked, when it has any.
    masked: Option<Box<[u8]>>,
}

impl SourceText {
    /// Wraps a text; its index is built when a diagnostic first reads a span.
    pub fn new(text: Arc<str>) -> SourceText {
        SourceText {
            text,
            index: Arc::new(OnceLock::new()),
        }
    }

    /// The whole text.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index {
            breaks: line_breaks(self.text.as_bytes()),
            masked: match crate::visible::mask_controls(self.text.as_bytes()) {
                std::borrow::Cow::Owned(masked) => Some(masked.into_boxed_slice()),
                std::borrow::Cow::Borrowed(_) => None,
            },
        })
    }
}

impl fmt::Debug for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceText")
            .field("bytes", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl From<Arc<str>> for SourceText {
    fn from(text: Arc<str>) -> SourceText {
        SourceText::new(text)
    }
}

impl From<&str> for SourceText {
    fn from(text: &str) -> SourceText {
        SourceText::new(Arc::from(text))
    }
}

impl SourceCode for SourceText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let index = self.index();
        let contents = context_info(
            index.masked.as_deref().unwrap_or(self.text.as_bytes()),
            &index.breaks,
            span,
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(contents))
    }
}

/// Where each line break ends, as miette's scan counts them: `\r\n` is one break (at its
/// `\n`), a `\r` or `\n` alone is one.
fn line_breaks(input: &[u8]) -> Box<[usize]> {
    let mut breaks = Vec::new();
    let mut idx = 0;
    while let Some(&byte) = input.get(idx) {
        if byte == b'\r' && input.get(idx + 1) == Some(&b'\n') {
            idx += 1;
            breaks.push(idx);
        } else if matches!(byte, b'\r' | b'\n') {
            breaks.push(idx);
        }
        idx += 1;
    }
    breaks.into_boxed_slice()
}

/// miette 7's `context_info` (`source_impls.rs`), started at the line holding the earlier of
/// the span's start and the place where miette's scan first sees the span's end: every break
/// before that line is one miette handled as "before the span", so its state there is known.
fn context_info<'a>(
    input: &'a [u8],
    breaks: &[usize],
    span: &SourceSpan,
    context_lines_before: usize,
    context_lines_after: usize,
) -> Result<MietteSpanContents<'a>, MietteError> {
    let end_of_span = (span.offset() + span.len()).saturating_sub(1);
    let first_line_of = span.offset().min(end_of_span);
    // Breaks strictly before `first_line_of`: all are before the span's start and before any
    // byte at which miette would note the span's end.
    let n_before = breaks.partition_point(|&at| at < first_line_of);
    let line_start = |break_idx: usize| match break_idx.checked_sub(1) {
        Some(previous) => breaks.get(previous).map_or(0, |at| at + 1),
        None => 0,
    };
    let mut offset = line_start(n_before);
    let mut line_count = n_before;
    let kept = n_before.min(context_lines_before);
    let mut start_line = n_before - kept;
    let mut before_lines_starts: VecDeque<usize> = (n_before - kept..n_before).map(line_start).collect();
    let mut start_column = 0usize;
    let mut current_line_start = offset;
    let mut end_lines = 0usize;
    let mut post_span = false;
    let mut post_span_got_newline = false;
    // From here on, miette's loop (its two nested `if`s after the span made one).
    let mut iter = input.get(offset..).unwrap_or_default().iter().copied().peekable();
    while let Some(char) = iter.next() {
        if matches!(char, b'\r' | b'\n') {
            line_count += 1;
            if char == b'\r' && iter.next_if_eq(&b'\n').is_some() {
                offset += 1;
            }
            if offset < span.offset() {
                start_column = 0;
                before_lines_starts.push_back(current_line_start);
                if before_lines_starts.len() > context_lines_before {
                    start_line += 1;
                    before_lines_starts.pop_front();
                }
            } else if offset >= span.offset() + span.len().saturating_sub(1) && post_span {
                start_column = 0;
                if post_span_got_newline {
                    end_lines += 1;
                } else {
                    post_span_got_newline = true;
                }
                if end_lines >= context_lines_after {
                    offset += 1;
                    break;
                }
            }
            current_line_start = offset + 1;
        } else if offset < span.offset() {
            start_column += 1;
        }

        if offset >= end_of_span {
            post_span = true;
            if end_lines >= context_lines_after {
                offset += 1;
                break;
            }
        }

        offset += 1;
    }

    if offset < end_of_span {
        return Err(MietteError::OutOfBounds);
    }
    let starting_offset = before_lines_starts.front().copied().unwrap_or({
        if context_lines_before == 0 {
            span.offset()
        } else {
            0
        }
    });
    let data = input.get(starting_offset..offset).ok_or(MietteError::OutOfBounds)?;
    Ok(MietteSpanContents::new(
        data,
        (starting_offset, offset - starting_offset).into(),
        start_line,
        if context_lines_before == 0 { start_column } else { 0 },
        line_count,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Read = Option<(Vec<u8>, usize, usize, usize, usize, usize)>;

    /// What is read for the span, as comparable values (`None`: out of bounds).
    fn read(source: &dyn SourceCode, span: SourceSpan, before: usize, after: usize) -> Read {
        let contents = source.read_span(&span, before, after).ok()?;
        Some((
            contents.data().to_vec(),
            contents.span().offset(),
            contents.span().len(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        ))
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["a", "b", "\n", "\r", "\r\n", "中"], 0..40)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        #[test]
        fn excerpts_are_those_miette_reads(text in text(), start in 0usize..60, len in 0usize..20, before in 0usize..3, after in 0usize..3) {
            let indexed = SourceText::from(text.as_str());
            let span = SourceSpan::new(start.into(), len);
            let ours = read(&indexed, span, before, after);
            // miette slices out of range (and panics) for an empty span just past the end;
            // there the index answers out of bounds.
            match std::panic::catch_unwind(|| read(&text, span, before, after)) {
                Ok(theirs) => prop_assert_eq!(ours, theirs),
                Err(_) => prop_assert_eq!(ours, None),
            }
        }
    }

    #[test]
    fn control_characters_are_quoted_masked_at_the_same_offsets() {
        let text = "a\u{1b}]0;title\u{7}\nb\u{202e}c\n";
        let indexed = SourceText::from(text);
        let contents = indexed
            .read_span(&SourceSpan::new(12.into(), 1), 0, 0)
            .expect("in bounds");
        assert_eq!(contents.data(), "b".as_bytes());
        let whole = indexed
            .read_span(&SourceSpan::new(0.into(), text.len()), 0, 0)
            .expect("in bounds");
        assert_eq!(
            std::str::from_utf8(whole.data()).ok(),
            Some("a?]0;title?\nb\u{FFFD}c\n")
        );
    }

    #[test]
    fn a_span_past_the_end_is_out_of_bounds() {
        let indexed = SourceText::from("ab\ncd");
        assert!(indexed.read_span(&SourceSpan::new(9.into(), 1), 1, 1).is_err());
    }
}
