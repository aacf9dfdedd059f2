//! Loading a rule set: a file or a directory of `.rule` files → checked program.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use miette::Diagnostic;
use thiserror::Error;

use crate::check;
use crate::diagnostic::Diagnostics;
use crate::eval::{Buffers, Compiled};
use crate::ir::Program;
use crate::parse::{self, ParseLimits};
use crate::source::SourceMap;

/// A checked and compiled rule set, ready to evaluate many cases. Cloning it is cheap (the
/// program and its compiled form are shared), and it is `Send + Sync`.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) program: Arc<Program>,
    pub(crate) compiled: Arc<Compiled>,
    warnings: Arc<Diagnostics>,
    /// Evaluation allocations reused by [`RuleSet::evaluate`] from one call to the next.
    pub(crate) pool: Arc<Mutex<Vec<Buffers>>>,
}

/// Why a rule set could not be loaded.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum LoadError {
    /// The path does not exist or cannot be read.
    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(
        code(ruling::load::io),
        help("give a `.rule` file or a directory containing `.rule` files")
    )]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The directory holds no `.rule` file.
    #[error("no `.rule` files in `{path}`")]
    #[diagnostic(code(ruling::load::empty), help("rule files end in `.rule`"))]
    Empty {
        /// The path.
        path: String,
    },
    /// A directory entry named like a rule file that is not one to read: a symbolic link
    /// (`ln -s /etc/passwd rd/leak.rule`), a FIFO, a socket or a device. Reported as a warning;
    /// the rule set is loaded without it.
    #[error("skipped `{path}`: {reason}")]
    #[diagnostic(
        code(ruling::load::skipped),
        severity(Warning),
        help("only regular files inside the rule directory are read: copy the file in instead of linking it")
    )]
    Skipped {
        /// The entry.
        path: String,
        /// What it is.
        reason: String,
    },
    /// The rule files have errors (all of them are listed).
    #[error("{} error(s) in the rule files", diagnostics.error_count())]
    #[diagnostic(code(ruling::load::invalid))]
    Invalid {
        /// Every error and warning found.
        diagnostics: Diagnostics,
    },
}

impl RuleSet {
    /// Loads a `.rule` file or every `.rule` file under a directory (recursively, in path order).
    pub fn load(path: impl AsRef<Path>) -> Result<RuleSet, LoadError> {
        Self::load_with_limits(path, &ParseLimits::default())
    }

    /// Like [`RuleSet::load`] with explicit parser limits.
    pub fn load_with_limits(path: impl AsRef<Path>, limits: &ParseLimits) -> Result<RuleSet, LoadError> {
        let path = path.as_ref();
        let (files, skipped) = rule_files(path)?;
        if files.is_empty() {
            return Err(LoadError::Empty {
                path: path.display().to_string(),
            });
        }
        let mut source_map = SourceMap::default();
        let mut too_large = Diagnostics::default();
        for file in &files {
            let shown = display_name(path, file);
            match read_limited(file, limits.max_file_bytes)? {
                Ok(text) => {
                    source_map.add_relative(shown, relative_name(path, file), file, text);
                }
                Err(size) => too_large.push(parse::ParseError::TooLarge {
                    src: miette::NamedSource::new(shown, crate::diagnostic::SourceText::from("")),
                    span: (0, 0).into(),
                    size,
                    limit: limits.max_file_bytes,
                }),
            }
        }
        if too_large.has_errors() {
            return Err(LoadError::Invalid { diagnostics: too_large });
        }
        let mut diagnostics = Diagnostics::default();
        for skipped in skipped {
            diagnostics.push(skipped);
        }
        Self::from_source_map_with(source_map, limits, diagnostics)
    }

    /// Builds a rule set from one rule file's text (for tests and embedding).
    pub fn from_source(name: &str, text: &str) -> Result<RuleSet, LoadError> {
        Self::from_sources([(name, text)])
    }

    /// Builds a rule set from several rule files held in memory: (name, text) pairs, the
    /// names as paths below the rule-set root (`criminal-law/art-286-1.rule`). As with a
    /// directory, they form one rule set and are read in name order.
    pub fn from_sources<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<RuleSet, LoadError> {
        let mut files: Vec<(&str, &str)> = files.into_iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let mut source_map = SourceMap::default();
        for (name, text) in files {
            source_map.add(name.to_string(), Path::new(name), text);
        }
        if source_map.iter().next().is_none() {
            return Err(LoadError::Empty {
                path: String::from("(no files given)"),
            });
        }
        Self::from_source_map(source_map, &ParseLimits::default())
    }

    /// Builds a rule set from files already in memory (an editor's unsaved buffers laid over the
    /// files on disk): parsed, checked and compiled as [`RuleSet::load`] does.
    pub fn from_source_map(source_map: SourceMap, limits: &ParseLimits) -> Result<RuleSet, LoadError> {
        Self::from_source_map_with(source_map, limits, Diagnostics::default())
    }

    /// [`RuleSet::from_source_map`] after the warnings found while reading the files.
    fn from_source_map_with(
        source_map: SourceMap,
        limits: &ParseLimits,
        mut diagnostics: Diagnostics,
    ) -> Result<RuleSet, LoadError> {
        let mut parsed = Vec::new();
        let mut tokens = 0;
        for (id, file) in source_map.iter() {
            match parse::parse_counted(id, file, limits, tokens) {
                Ok((ast, in_file)) => {
                    tokens += in_file;
                    parsed.push(ast);
                }
                Err(error @ parse::ParseError::TooManyTokens { .. }) => {
                    // The files after it are past the limit too: one error says it.
                    diagnostics.push(error);
                    break;
                }
                Err(error) => diagnostics.push(error),
            }
        }
        if diagnostics.has_errors() {
            return Err(LoadError::Invalid { diagnostics });
        }
        match check::check_with_limits(source_map, &parsed, limits, &mut diagnostics) {
            Some(program) => Ok(RuleSet {
                compiled: crate::eval::compile(&program),
                program: Arc::new(program),
                warnings: Arc::new(diagnostics),
                pool: Arc::default(),
            }),
            None => Err(LoadError::Invalid { diagnostics }),
        }
    }

    /// Warnings found while checking (unused facts, missing citations).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The catalog of the rule set's explanations: declarations, versions, citations and every
    /// node an explanation can contain (what a [`Trace`](crate::explain::Trace) names).
    pub fn catalog(&self) -> &crate::explain::Catalog {
        &self.compiled.catalog
    }

    /// The `missing_says` lint, off by default (`ruling check --lint-says`): the boolean rules
    /// that conclusions depend on and that have no `says` template.
    pub fn says_warnings(&self) -> Diagnostics {
        crate::check::missing_says(&self.program, self.catalog())
    }

    /// The checked program (declarations, types, versions).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// For a name that is no conclusion of the rule set: "did you mean `…`?" with the closest
    /// conclusion's name, if one is close enough.
    ///
    /// ```
    /// let rules = ruling::RuleSet::from_source("r.rule", "fact a: bool\nrule spread: bool = a\n").unwrap();
    /// assert_eq!(rules.conclusion_hint("sprad").as_deref(), Some("did you mean `spread`?"));
    /// assert_eq!(rules.conclusion_hint("elsewhere"), None);
    /// ```
    pub fn conclusion_hint(&self, name: &str) -> Option<String> {
        crate::check::suggest::help_line(name, self.program.rules.iter().map(|r| r.name.as_str()))
    }
}

/// The `.rule` files under `path`, in path order, and the entries skipped with a reason.
///
/// Only regular files inside the directory are read: symbolic links (to files or
/// directories), FIFOs, sockets and devices are skipped and reported, so a link cannot pull in
/// a file from elsewhere (`ln -s /etc/passwd leak.rule`) and a FIFO cannot block the load.
/// Names starting with `.` (editor lock files such as `.#a.rule`, hidden directories) are
/// skipped silently. A path named directly (the root) is followed when it is a link.
fn rule_files(path: &Path) -> Result<(Vec<PathBuf>, Vec<LoadError>), LoadError> {
    let io = |e: std::io::Error| LoadError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return Ok((vec![path.to_path_buf()], Vec::new()));
    }
    if !meta.is_dir() {
        return Err(LoadError::Io {
            path: path.display().to_string(),
            message: String::from("not a regular file or a directory"),
        });
    }
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let entry_path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let file_type = entry.file_type().map_err(io)?;
            let is_rule = entry_path.extension().is_some_and(|e| e == "rule");
            if file_type.is_dir() {
                pending.push(entry_path);
            } else if file_type.is_file() {
                if is_rule {
                    out.push(entry_path);
                }
            } else if is_rule || (file_type.is_symlink() && std::fs::metadata(&entry_path).is_ok_and(|m| m.is_dir())) {
                let reason = if file_type.is_symlink() {
                    "a symbolic link"
                } else {
                    "not a regular file"
                };
                skipped.push((entry_path, reason));
            }
        }
    }
    out.sort();
    skipped.sort();
    let skipped = skipped
        .into_iter()
        .map(|(entry, reason)| LoadError::Skipped {
            path: entry.display().to_string(),
            reason: String::from(reason),
        })
        .collect();
    Ok((out, skipped))
}

fn display_name(root: &Path, file: &Path) -> String {
    let base = if root.is_dir() {
        root
    } else {
        root.parent().unwrap_or(root)
    };
    let relative = file.strip_prefix(base).unwrap_or(file);
    let shown = if root.is_dir() {
        root.join(relative)
    } else {
        file.to_path_buf()
    };
    shown.display().to_string()
}

/// The file's path below the rule-set root, with `/` separators (the file name alone when the
/// rule set is one file).
fn relative_name(root: &Path, file: &Path) -> String {
    let relative = if root.is_dir() {
        file.strip_prefix(root).unwrap_or(file)
    } else {
        Path::new(file.file_name().unwrap_or(file.as_os_str()))
    };
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a rule file, but never more than `limit` bytes of it: an oversized file (a mistake, or a
/// hostile input) gives its size instead of being read whole into memory.
fn read_limited(file: &Path, limit: usize) -> Result<Result<String, usize>, LoadError> {
    use std::io::Read;
    let io = |e: std::io::Error| LoadError::Io {
        path: file.display().to_string(),
        message: e.to_string(),
    };
    let handle = std::fs::File::open(file).map_err(io)?;
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    handle.take(cap).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > limit {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(cap);
        return Ok(Err(usize::try_from(size).unwrap_or(usize::MAX)));
    }
    String::from_utf8(bytes)
        .map(Ok)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}
