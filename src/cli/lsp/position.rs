//! Byte offsets (what spans hold) ↔ LSP positions (line, UTF-16 code unit).
//!
//! A Chinese character is three bytes in UTF-8 and one UTF-16 unit; a character outside the Basic
//! Multilingual Plane (`𠀀`) is four bytes and two units. Offsets and positions from a client may
//! point anywhere (past the end of a line, inside a surrogate pair): they are clamped, never trusted.

use lsp_types::{Position, Range};

/// Line starts of one text, for converting in both directions.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    /// Byte offset where each line starts (the first is 0).
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    /// The position of a byte offset (clamped to the text, and back to a character boundary).
    pub(crate) fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len);
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let character: usize = text.get(start..offset).unwrap_or("").chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a position: past the end of its line means the end of the line (before
    /// the line break), past the last line the end of the text; inside a character, its start.
    pub(crate) fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(start) = self.line_starts.get(line).copied() else {
            return self.len;
        };
        let end = self.line_starts.get(line + 1).map(|next| next - 1).unwrap_or(self.len);
        let mut units = 0usize;
        for (idx, c) in text.get(start..end).unwrap_or("").char_indices() {
            if units + c.len_utf16() > position.character as usize {
                return start + idx;
            }
            units += c.len_utf16();
        }
        end
    }

    pub(crate) fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end.max(start)))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_are_one_utf16_unit_and_three_bytes() {
        let text = "fact 违法视频: count\nrule 规则a: bool = 违法视频 >= 1";
        let index = LineIndex::new(text);
        let offset = text.find("视频:").unwrap_or(0);
        assert_eq!(index.position(text, offset), Position::new(0, 7));
        assert_eq!(index.offset(text, Position::new(0, 7)), offset);
        let second = text.rfind("违法视频").unwrap_or(0);
        assert_eq!(index.position(text, second), Position::new(1, 17));
        assert_eq!(index.offset(text, Position::new(1, 17)), second);
    }

    #[test]
    fn characters_outside_the_bmp_are_two_units() {
        let text = "a𠀀b\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 5), Position::new(0, 3));
        assert_eq!(index.offset(text, Position::new(0, 3)), 5);
        // Inside the surrogate pair: the start of the character.
        assert_eq!(index.offset(text, Position::new(0, 2)), 1);
        // Inside a UTF-8 sequence: back to the character's start.
        assert_eq!(index.position(text, 2), Position::new(0, 1));
    }

    #[test]
    fn positions_out_of_range_are_clamped() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(index.position(text, 999), Position::new(2, 0));
        assert_eq!(index.offset(text, Position::new(2, 0)), text.len());
    }
}
