//! Comments the AST does not keep (`// …` and `/* … */`): found in the source text and handed
//! out to the printer by position, so that every one is printed exactly once.

/// A comment in the source.
#[derive(Debug, Clone)]
pub(crate) struct Comment {
    /// First byte (`/`).
    pub(crate) start: usize,
    /// One past the last byte (the end of the line for `//`).
    pub(crate) end: usize,
    /// The comment as written (without the line break).
    pub(crate) text: String,
}

impl Comment {
    /// Whether it may stand at the end of a code line.
    pub(crate) fn single_line(&self) -> bool {
        !self.text.contains('\n')
    }
}

/// The comments of one file and which of them have been printed.
#[derive(Debug)]
pub(crate) struct Comments {
    list: Vec<Comment>,
    taken: Vec<bool>,
}

impl Comments {
    /// Finds every comment in a rule file's text (not inside strings; `///` doc lines excluded).
    pub(crate) fn scan(source: &str) -> Comments {
        let list = scan(source);
        let taken = vec![false; list.len()];
        Comments { list, taken }
    }

    /// Hands out the comments not yet printed that start in `from..to`, in order.
    pub(crate) fn take(&mut self, from: usize, to: usize) -> Vec<Comment> {
        let mut out = Vec::new();
        for (comment, taken) in self.list.iter().zip(self.taken.iter_mut()) {
            if !*taken && comment.start >= from && comment.start < to {
                *taken = true;
                out.push(comment.clone());
            }
        }
        out
    }

    /// The first comment not yet printed that starts at or after `from`.
    pub(crate) fn next_after(&self, from: usize) -> Option<&Comment> {
        self.list
            .iter()
            .zip(self.taken.iter())
            .find(|(c, taken)| !**taken && c.start >= from)
            .map(|(c, _)| c)
    }

    /// Whether any comment not yet printed starts in `from..to`.
    pub(crate) fn any_in(&self, from: usize, to: usize) -> bool {
        self.list
            .iter()
            .zip(self.taken.iter())
            .any(|(c, taken)| !*taken && c.start >= from && c.start < to)
    }

    /// The start of the comment (printed or not) whose text ends at `end`.
    pub(crate) fn ending_at(&self, end: usize) -> Option<usize> {
        self.list
            .iter()
            .find(|c| c.start + c.text.len() == end)
            .map(|c| c.start)
    }

    /// Number of comments not yet printed.
    pub(crate) fn remaining(&self) -> usize {
        self.taken.iter().filter(|t| !**t).count()
    }
}

fn scan(source: &str) -> Vec<Comment> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => i = skip_string(bytes, i + 1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = line_end(bytes, i);
                if bytes.get(i + 2) != Some(&b'/') {
                    let text = source.get(i..end).unwrap_or("").trim_end().to_string();
                    out.push(Comment { start: i, end, text });
                }
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_end(bytes, i + 2);
                let text = source.get(i..end).unwrap_or("").to_string();
                out.push(Comment { start: i, end, text });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

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

fn line_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b == b'\n' || b == b'\r' {
            break;
        }
        i += 1;
    }
    i
}

fn block_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b == b'*' && bytes.get(i + 1) == Some(&b'/') {
            return i + 2;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_and_block_comments_but_not_docs_or_strings() {
        let text = "// a\n/// doc\nfact x: count \"// not\" = 0 // b\n/* c\n d */ rule";
        let found: Vec<String> = scan(text).into_iter().map(|c| c.text).collect();
        assert_eq!(found, vec!["// a", "// b", "/* c\n d */"]);
    }

    #[test]
    fn hands_out_each_comment_once() {
        let mut comments = Comments::scan("// a\n// b\n");
        assert_eq!(comments.take(0, 3).len(), 1);
        assert_eq!(comments.take(0, 100).len(), 1);
        assert_eq!(comments.remaining(), 0);
    }
}
