//! A pre-scan of a rule file that bounds the parser's recursion before it starts.
//!
//! The parser recurses once per bracket, per `if` whose `else` holds another
//! expression and per `list<…>` type, and the expression tree nests once per
//! operator of a chain (`a + b + c`, `not not x`). This scan counts an upper bound of
//! that depth on the raw text (skipping strings and comments), so that `((((…))))`,
//! `if … else if …`, `list<list<…>>` or `a + a + …` thousands deep are rejected with a
//! position before the parser spends time or stack on them.

/// One open bracket (or `list<`) and the `if`s and operators met inside it since the
/// last separator.
#[derive(Debug, Clone, Copy)]
struct Level {
    angle: bool,
    ifs: usize,
}

/// Keywords that nest the expression after them (`if`) or that are operators.
const NESTING_WORDS: [&str; 6] = ["if", "and", "or", "not", "in", "at"];

/// Words that end any expression before them at the same bracket level.
const SEPARATING_WORDS: [&str; 7] = ["source", "fact", "param", "rule", "exception", "from", "cite"];

/// What the pre-scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// Within both limits: the number of tokens.
    Fine { tokens: usize },
    /// Nested deeper than the limit at this byte offset.
    TooDeep(usize),
    /// The token at this byte offset is one more than the limit.
    TooManyTokens(usize),
}

/// Scans `text` for both limits: nesting depth and number of tokens (words, numbers, dates,
/// strings, operators and punctuation; comments and spaces are not tokens).
pub(crate) fn scan(text: &str, max_nesting: usize, max_tokens: usize) -> Scanned {
    let mut scan = Scan::new(text, max_nesting);
    scan.max_tokens = max_tokens;
    match scan.run() {
        Some(offset) if scan.tokens > max_tokens => Scanned::TooManyTokens(offset),
        Some(offset) => Scanned::TooDeep(offset),
        None => Scanned::Fine { tokens: scan.tokens },
    }
}

/// Byte offset of the first place nested deeper than `limit`.
#[cfg(test)]
pub(crate) fn first_too_deep(text: &str, limit: usize) -> Option<usize> {
    Scan::new(text, limit).run()
}

struct Scan<'a> {
    text: &'a str,
    limit: usize,
    /// Open brackets, innermost last; the `if`s outside every bracket are `root_ifs`.
    levels: Vec<Level>,
    root_ifs: usize,
    /// Total of all `ifs` (kept so the depth is O(1) to read).
    ifs: usize,
    /// The last word was `list`: a following `<` opens a type level.
    after_list: bool,
    /// Tokens seen so far, and how many are allowed.
    tokens: usize,
    max_tokens: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str, limit: usize) -> Self {
        Scan {
            text,
            limit,
            levels: Vec::new(),
            root_ifs: 0,
            ifs: 0,
            after_list: false,
            tokens: 0,
            max_tokens: usize::MAX,
        }
    }

    fn depth(&self) -> usize {
        self.levels.len() + self.ifs
    }

    fn run(&mut self) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut i = 0usize;
        while let Some(&b) = bytes.get(i) {
            let next = bytes.get(i + 1).copied();
            let spacing = matches!(b, b' ' | b'\t' | b'\r' | b'\n');
            let comment = b == b'/' && matches!(next, Some(b'/' | b'*'));
            if !spacing && !comment {
                self.tokens += 1;
                if self.tokens > self.max_tokens {
                    return Some(i);
                }
            }
            match b {
                b'"' => {
                    i = skip_string(bytes, i + 1);
                    self.after_list = false;
                    continue;
                }
                b'/' if next == Some(b'/') => {
                    i = skip_line(bytes, i);
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    i = skip_block_comment(bytes, i + 2);
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if let Some(len) = two_byte_operator(b, next) {
                self.after_list = false;
                if self.nest() {
                    return Some(i);
                }
                i += len;
                continue;
            }
            if is_word_byte(b) {
                let end = word_end(bytes, i);
                let word = self.text.get(i..end).unwrap_or("");
                if self.word(word) {
                    return Some(i);
                }
                i = end.max(i + 1);
                continue;
            }
            let after_list = std::mem::take(&mut self.after_list);
            if self.punctuation(b, after_list) {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Handles a word; true when it passes the limit.
    fn word(&mut self, word: &str) -> bool {
        self.after_list = word == "list";
        if NESTING_WORDS.contains(&word) {
            return self.nest();
        }
        if SEPARATING_WORDS.contains(&word) {
            self.separate();
        }
        false
    }

    /// One more level at the current bracket level (`if` or an operator); true when
    /// it passes the limit.
    fn nest(&mut self) -> bool {
        match self.levels.last_mut() {
            Some(level) => level.ifs += 1,
            None => self.root_ifs += 1,
        }
        self.ifs += 1;
        self.depth() > self.limit
    }

    /// Handles one punctuation byte; true when it passes the limit.
    fn punctuation(&mut self, b: u8, after_list: bool) -> bool {
        match b {
            b'(' | b'[' | b'{' => self.open(false),
            b'<' if after_list => self.open(true),
            b'>' if self.levels.last().is_some_and(|l| l.angle) => {
                self.close();
                false
            }
            b')' | b']' | b'}' => {
                self.close();
                false
            }
            b',' | b':' | b'=' => {
                self.separate();
                false
            }
            b'+' | b'-' | b'*' | b'/' | b'<' | b'>' => self.nest(),
            _ => false,
        }
    }

    fn open(&mut self, angle: bool) -> bool {
        self.levels.push(Level { angle, ifs: 0 });
        self.depth() > self.limit
    }

    fn close(&mut self) {
        if let Some(level) = self.levels.pop() {
            self.ifs = self.ifs.saturating_sub(level.ifs);
        }
    }

    /// A separator ends every `if` opened at the current level.
    fn separate(&mut self) {
        let slot = match self.levels.last_mut() {
            Some(level) => &mut level.ifs,
            None => &mut self.root_ifs,
        };
        self.ifs = self.ifs.saturating_sub(*slot);
        *slot = 0;
    }
}

/// `==`, `!=`, `>=`, `<=`: their length.
fn two_byte_operator(b: u8, next: Option<u8>) -> Option<usize> {
    (matches!(b, b'=' | b'!' | b'<' | b'>') && next == Some(b'=')).then_some(2)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// End of a word; a word starting with a digit continues through `-digit`, so that a
/// date `2019-11-01` is one word and not two subtractions.
fn word_end(bytes: &[u8], start: usize) -> usize {
    let numeric = bytes.get(start).is_some_and(u8::is_ascii_digit);
    let mut end = start;
    loop {
        match bytes.get(end) {
            Some(b) if is_word_byte(*b) => end += 1,
            Some(b'-') if numeric && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => end += 1,
            _ => return end,
        }
    }
}

/// Index after the closing quote (or the line end: strings do not span lines).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    i
}

fn skip_line(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| *b != b'\n') {
        i += 1;
    }
    i
}

fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        if b == b'*' && bytes.get(i + 1) == Some(&b'/') {
            return i + 2;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{first_too_deep, scan, Scanned};

    #[test]
    fn tokens_are_words_strings_operators_and_punctuation_not_comments() {
        let text = "rule r: bool \"规则 r\" = a >= 2019-11-01 // a comment\n/* more */ and b";
        // rule r : bool "…" = a >= 2019-11-01 and b
        assert_eq!(scan(text, 256, usize::MAX), Scanned::Fine { tokens: 11 });
        assert_eq!(scan(text, 256, 11), Scanned::Fine { tokens: 11 });
        assert_eq!(scan(text, 256, 10), Scanned::TooManyTokens(text.len() - 1));
        assert_eq!(scan("((x))", 1, 100), Scanned::TooDeep(1));
    }

    #[test]
    fn brackets_ifs_and_list_types_count() {
        assert_eq!(first_too_deep("((x))", 2), None);
        assert_eq!(first_too_deep("(((x)))", 2), Some(2));
        assert_eq!(first_too_deep("if a then b else if c then d else e", 1), Some(17));
        assert_eq!(first_too_deep("fact l: list<list<count>>", 1), Some(17));
        assert_eq!(first_too_deep("fact l: list<count> fact m: list<count>", 1), None);
    }

    #[test]
    fn separators_end_ifs_and_strings_are_skipped() {
        let text = "any { \"1\": if a then b else c, \"2\": if d then e else f }";
        assert_eq!(first_too_deep(text, 2), None);
        assert_eq!(first_too_deep("\"((((\" // ((((\n x", 1), None);
        assert_eq!(first_too_deep("a >= b and c == d", 3), None);
        assert_eq!(first_too_deep("a >= b and c == d", 2), Some(13));
        assert_eq!(first_too_deep("x at 2019-11-01", 1), None);
        assert_eq!(first_too_deep("a + a + a", 1), Some(6));
    }
}
