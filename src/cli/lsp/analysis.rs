//! One rule set as the editor sees it: the `.rule` files of a directory, with the open (possibly
//! unsaved) documents laid over the files on disk; parsed, indexed and checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri};
use miette::{Diagnostic as _, LabeledSpan, Severity};
use ruling::ast;
use ruling::diagnostic::{Lang, Localized};
use ruling::source::SourceMap;
use ruling::{LoadError, ParseLimits, RuleSet};

use super::index::Index;
use super::position::LineIndex;
use super::uri;

/// One rule file of the rule set.
#[derive(Debug)]
pub(crate) struct RuleFile {
    pub(crate) path: PathBuf,
    pub(crate) uri: Option<Uri>,
    pub(crate) text: Arc<str>,
    pub(crate) lines: LineIndex,
    /// `None` when the file has a syntax error.
    pub(crate) ast: Option<ast::File>,
}

impl RuleFile {
    pub(crate) fn range(&self, start: usize, end: usize) -> lsp_types::Range {
        self.lines.range(&self.text, start, end)
    }
}

/// A rule set loaded for the editor.
pub(crate) struct Analysis {
    pub(crate) files: Vec<RuleFile>,
    pub(crate) index: Index,
    /// The checked rule set, when it has no error.
    pub(crate) rules: Option<RuleSet>,
    /// Diagnostics of each file (same order as `files`).
    pub(crate) diagnostics: Vec<Vec<Diagnostic>>,
}

impl Analysis {
    /// Loads the `.rule` files under `root` (or `root` itself when it is a file), taking the text
    /// of an open document from `open` rather than from disk.
    pub(crate) fn load(root: &Path, open: &BTreeMap<PathBuf, String>, lang: Lang) -> Analysis {
        let limits = ParseLimits::default();
        let mut paths = Vec::new();
        collect_rule_files(root, &mut paths);
        for path in open.keys() {
            if path.starts_with(root) && is_rule_file(path) && !paths.contains(path) {
                paths.push(path.clone());
            }
        }
        paths.sort();
        let mut source_map = SourceMap::default();
        let mut files = Vec::new();
        let mut index = Index::default();
        for path in paths {
            let text: Option<Arc<str>> = match open.get(&path) {
                Some(text) => Some(Arc::from(text.as_str())),
                None => read_limited(&path, limits.max_file_bytes).map(Arc::from),
            };
            let Some(text) = text else { continue };
            let name = path.display().to_string();
            let id = source_map.add(name.clone(), &path, Arc::clone(&text));
            let ast = ruling::parse_text(id, &name, &text, &limits).ok();
            let file_idx = files.len();
            if let Some(ast) = &ast {
                index.add_file(file_idx, ast);
            }
            files.push(RuleFile {
                uri: uri::from_path(&path),
                lines: LineIndex::new(&text),
                path,
                text,
                ast,
            });
        }
        let mut analysis = Analysis {
            diagnostics: vec![Vec::new(); files.len()],
            files,
            index,
            rules: None,
        };
        if analysis.files.is_empty() {
            return analysis;
        }
        match RuleSet::from_source_map(source_map, &limits) {
            Ok(rules) => {
                for d in rules.warnings().iter() {
                    analysis.add_diagnostic(d, lang);
                }
                analysis.rules = Some(rules);
            }
            Err(LoadError::Invalid { diagnostics }) => {
                for d in diagnostics.iter() {
                    analysis.add_diagnostic(d, lang);
                }
            }
            Err(_) => {}
        }
        analysis
    }

    /// The index of a file by its path.
    pub(crate) fn file_of(&self, path: &Path) -> Option<usize> {
        self.files.iter().position(|f| f.path == path)
    }

    /// The file a diagnostic's source is named after.
    fn file_named(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|f| f.path.display().to_string() == name)
    }

    /// Turns one miette diagnostic into an LSP diagnostic on the file its primary label points into.
    fn add_diagnostic(&mut self, d: &(dyn miette::Diagnostic + Send + Sync), lang: Lang) {
        let localized = Localized::new(d, lang);
        let labels: Vec<(usize, LabeledSpan)> = self.labels_of(d);
        let primary = labels
            .iter()
            .find(|(_, l)| l.primary())
            .or_else(|| labels.first())
            .cloned();
        let Some((file_idx, label)) = primary else {
            return;
        };
        let Some(file) = self.files.get(file_idx) else { return };
        let mut message = localized.to_string();
        if let Some(text) = label.label().filter(|t| !t.is_empty()) {
            message.push_str(&format!("\n{text}"));
        }
        if let Some(help) = localized.help() {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut related = Vec::new();
        for (other_file, other) in labels.iter().filter(|(f, l)| !(*f == file_idx && l == &label)) {
            if let Some(location) = self.location(*other_file, other.offset(), other.offset() + other.len()) {
                related.push(DiagnosticRelatedInformation {
                    location,
                    message: other.label().unwrap_or("").to_string(),
                });
            }
        }
        for inner in d.related().into_iter().flatten() {
            for (other_file, other) in self.labels_of(inner) {
                if let Some(location) = self.location(other_file, other.offset(), other.offset() + other.len()) {
                    related.push(DiagnosticRelatedInformation {
                        location,
                        message: Localized::new(inner, lang).to_string(),
                    });
                }
            }
        }
        let severity = match d.severity() {
            Some(Severity::Warning) => DiagnosticSeverity::WARNING,
            Some(Severity::Advice) => DiagnosticSeverity::HINT,
            _ => DiagnosticSeverity::ERROR,
        };
        let diagnostic = Diagnostic {
            range: file.range(label.offset(), label.offset() + label.len()),
            severity: Some(severity),
            code: d.code().map(|c| NumberOrString::String(c.to_string())),
            source: Some(String::from("ruling")),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        };
        if let Some(list) = self.diagnostics.get_mut(file_idx) {
            list.push(diagnostic);
        }
    }

    /// The labels of a diagnostic with the file each points into.
    fn labels_of(&self, d: &dyn miette::Diagnostic) -> Vec<(usize, LabeledSpan)> {
        let Some(source) = d.source_code() else {
            return Vec::new();
        };
        let Some(labels) = d.labels() else {
            return Vec::new();
        };
        labels
            .filter_map(|label| {
                let contents = source.read_span(label.inner(), 0, 0).ok()?;
                let file = self.file_named(contents.name()?)?;
                Some((file, label))
            })
            .collect()
    }

    pub(crate) fn location(&self, file: usize, start: usize, end: usize) -> Option<Location> {
        let f = self.files.get(file)?;
        Some(Location::new(f.uri.clone()?, f.range(start, end)))
    }
}

fn is_rule_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rule")
}

/// Every `.rule` file under a directory (or the file itself).
pub(crate) fn collect_rule_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        if is_rule_file(path) {
            out.push(path.to_path_buf());
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { return };
    for entry in entries.flatten() {
        let entry_path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_rule_files(&entry_path, out);
        } else if is_rule_file(&entry_path) {
            out.push(entry_path);
        }
    }
}

/// Reads a file of at most `limit` bytes (a larger one is left out, as unreadable ones are).
fn read_limited(path: &Path, limit: usize) -> Option<String> {
    use std::io::Read;
    let handle = std::fs::File::open(path).ok()?;
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    handle.take(cap).read_to_end(&mut bytes).ok()?;
    if bytes.len() > limit {
        return None;
    }
    String::from_utf8(bytes).ok()
}
