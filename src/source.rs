//! Rule-file sources and byte spans: what every diagnostic points into.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::SourceText;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range inside one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    /// The miette form of this span (file-relative bytes).
    pub fn to_miette(self) -> miette::SourceSpan {
        miette::SourceSpan::new(self.start.into(), self.end.saturating_sub(self.start))
    }
}

/// One rule file, its path as shown to users and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown in diagnostics (the rule-set root as given, then the path below it).
    pub name: String,
    /// Path below the rule-set root, with `/` separators (`criminal-law/art-286-1.rule`): how
    /// explanations and the catalog locate declarations, whatever the root was called.
    pub relative: String,
    /// Absolute or given path on disk.
    pub path: PathBuf,
    /// The whole text.
    pub text: Arc<str>,
    /// Byte offsets where lines start, computed on first use (so that locating N spans in a
    /// large file is N binary searches, not N scans of the text).
    line_starts: std::sync::OnceLock<Arc<[usize]>>,
    /// The text again, with the line index miette's excerpts use, shared by every diagnostic
    /// pointing into this file.
    source_text: SourceText,
}

impl SourceFile {
    /// A file known by its name only (text held in memory, not read from disk).
    pub fn in_memory(name: &str, text: &str) -> SourceFile {
        let shared: Arc<str> = Arc::from(text);
        SourceFile {
            name: name.to_string(),
            relative: name.replace('\\', "/"),
            path: PathBuf::from(name),
            text: Arc::clone(&shared),
            line_starts: std::sync::OnceLock::new(),
            source_text: SourceText::new(shared),
        }
    }

    /// A miette source for rendering diagnostics that point into this file.
    pub fn named_source(&self) -> miette::NamedSource<SourceText> {
        miette::NamedSource::new(self.name.clone(), self.source_text.clone()).with_language("ruling")
    }

    /// The text under `span`, or an empty string if the span is off a char boundary.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            let newlines = self.text.bytes().enumerate().filter(|(_, b)| *b == b'\n');
            std::iter::once(0).chain(newlines.map(|(i, _)| i + 1)).collect()
        });
        // Lines starting at or before the offset (a newline at the offset is on its line).
        starts.partition_point(|start| *start <= offset.min(self.text.len()))
    }
}

/// All files of one rule set, in a stable (sorted path) order.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file (its path below the root is its name) and returns its id.
    pub fn add(&mut self, name: String, path: &Path, text: impl Into<Arc<str>>) -> FileId {
        let relative = name.replace('\\', "/");
        self.add_relative(name, relative, path, text)
    }

    /// Adds a file with its path below the rule-set root, and returns its id.
    pub fn add_relative(&mut self, name: String, relative: String, path: &Path, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let text: Arc<str> = text.into();
        self.files.push(SourceFile {
            name,
            relative,
            path: path.to_path_buf(),
            text: Arc::clone(&text),
            line_starts: std::sync::OnceLock::new(),
            source_text: SourceText::new(text),
        });
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(idx, file)| (FileId(u32::try_from(idx).unwrap_or(u32::MAX)), file))
    }

    /// The source text under a span.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map(|f| f.slice(span)).unwrap_or("")
    }

    /// The text of a span on one line (runs of white space made one space), as explanations,
    /// coverage listings and diffs quote rule-file expressions.
    pub fn one_line(&self, span: Span) -> String {
        self.slice(span).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// `file:line` of a span, the file named below the rule-set root
    /// (`criminal-law/art-286-1.rule:12`), for explanations and listings.
    pub fn location(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(file) => format!("{}:{}", file.relative, file.line_of(span.start)),
            None => String::from("?"),
        }
    }
}
