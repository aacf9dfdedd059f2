//! Running case files as tests: expected conclusions, pinned reasons, expected errors.
//!
//! Used by `ruling test` and by Rust test suites that embed ruling.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::{Case, Options, Outcome, RuleSet};

/// One conclusion whose value differs from the expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The conclusion.
    pub conclusion: String,
    /// What the case expects.
    pub expected: Json,
    /// What the rules gave.
    pub actual: Json,
}

/// A citation a case pins that no longer appears in the explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingReason {
    /// The conclusion.
    pub conclusion: String,
    /// The pinned citation.
    pub citation: String,
    /// The citations the explanation does rest on.
    pub actual: Vec<String>,
}

/// The result of one case file.
#[derive(Debug)]
pub struct CaseResult {
    /// The file.
    pub path: PathBuf,
    /// The case's name (or file name).
    pub name: String,
    /// Conclusions that differ.
    pub mismatches: Vec<Mismatch>,
    /// Pinned citations that are missing.
    pub missing_reasons: Vec<MissingReason>,
    /// An error that stopped the case (unreadable, invalid facts) when none was expected.
    pub error: Option<String>,
    /// Expected error kinds that did not occur (malformed-case files).
    pub missing_errors: Vec<String>,
    /// The outcome, when evaluated.
    pub outcome: Option<Outcome>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
            && self.missing_reasons.is_empty()
            && self.error.is_none()
            && self.missing_errors.is_empty()
    }
}

/// Every case file (`.json`, `.yaml`, `.yml`, `.toml`) under the given paths, sorted.
pub fn case_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        collect(path, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else { return };
        for entry in entries.flatten() {
            collect(&entry.path(), out);
        }
    } else if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "json" | "yaml" | "yml" | "toml"))
    {
        out.push(path.to_path_buf());
    }
}

/// Runs one case file against a rule set.
pub fn run_case_file(rules: &RuleSet, path: &Path) -> CaseResult {
    let mut result = CaseResult {
        path: path.to_path_buf(),
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        mismatches: Vec::new(),
        missing_reasons: Vec::new(),
        error: None,
        missing_errors: Vec::new(),
        outcome: None,
    };
    let case = match Case::from_path(path) {
        Ok(c) => c,
        Err(e) => {
            result.error = Some(render(&e));
            return result;
        }
    };
    if let Some(name) = &case.name {
        result.name = name.clone();
    }
    let expected_errors = expected_error_kinds(case.expected_error.as_ref());
    match rules.evaluate(&case, &Options::default()) {
        Ok(outcome) => {
            if !expected_errors.is_empty() {
                result.missing_errors = expected_errors;
            }
            compare(&case, &outcome, &mut result);
            result.outcome = Some(outcome);
        }
        Err(crate::EvalError::Facts(facts)) if !expected_errors.is_empty() => {
            let kinds: Vec<String> = facts
                .problems
                .iter()
                .map(|p| format!("{}:{}", p.kind, p.path))
                .collect();
            result.missing_errors = expected_errors.into_iter().filter(|e| !kinds.contains(e)).collect();
        }
        Err(e) => result.error = Some(render(&e)),
    }
    result
}

fn expected_error_kinds(expected: Option<&Json>) -> Vec<String> {
    let Some(Json::Array(items)) = expected else {
        return Vec::new();
    };
    items
        .iter()
        .map(|i| {
            let kind = i.get("kind").and_then(Json::as_str).unwrap_or("");
            let path = i.get("path").and_then(Json::as_str).unwrap_or("");
            format!("{kind}:{path}")
        })
        .collect()
}

fn compare(case: &Case, outcome: &Outcome, result: &mut CaseResult) {
    if let Some(expected) = &case.expected {
        for (conclusion, expected_value) in expected {
            let actual = outcome.conclusions.get(conclusion.as_str()).cloned();
            match actual {
                Some(actual) if values_equal(expected_value, &actual) => {}
                Some(actual) => result.mismatches.push(Mismatch {
                    conclusion: conclusion.clone(),
                    expected: expected_value.clone(),
                    actual,
                }),
                None => result.mismatches.push(Mismatch {
                    conclusion: conclusion.clone(),
                    expected: expected_value.clone(),
                    actual: Json::String(no_such_conclusion(conclusion, outcome)),
                }),
            }
        }
    }
    if let (Some(reasons), Some(explanation)) = (&case.expected_reasons, &outcome.explanation) {
        for (conclusion, citations) in reasons {
            let actual = explanation.citations_of(conclusion);
            for citation in citations {
                if !actual.iter().any(|a| normalize(a) == normalize(citation)) {
                    result.missing_reasons.push(MissingReason {
                        conclusion: conclusion.clone(),
                        citation: citation.clone(),
                        actual: actual.clone(),
                    });
                }
            }
        }
    }
}

/// What an expectation of a conclusion the rules do not have gets as its actual value: the
/// closest name, when one is close (a misspelt key in `expected`).
fn no_such_conclusion(name: &str, outcome: &Outcome) -> String {
    let names = outcome.conclusions.keys().map(|k| &**k);
    match crate::check::suggest::help_line(name, names) {
        Some(help) => format!("<no such conclusion; {help}>"),
        None => String::from("<no such conclusion>"),
    }
}

fn normalize(citation: &str) -> String {
    citation.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Compares an expected and an actual conclusion value; decimals compare numerically.
pub fn values_equal(expected: &Json, actual: &Json) -> bool {
    match (expected, actual) {
        (Json::String(a), Json::String(b)) => match (crate::value::parse_decimal(a), crate::value::parse_decimal(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        (Json::Number(a), Json::String(b)) | (Json::String(b), Json::Number(a)) => {
            crate::value::parse_decimal(&a.to_string()) == crate::value::parse_decimal(b)
                && crate::value::parse_decimal(b).is_some()
        }
        (Json::Array(a), Json::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(x, y)),
        _ => expected == actual,
    }
}

/// Rewrites a JSON case file's `expected` with the actual values of the conclusions it lists
/// (or of every conclusion when it lists none). Returns the changed conclusions.
pub fn update_expected(path: &Path, outcome: &Outcome) -> std::io::Result<Vec<Mismatch>> {
    // Never through a link: the file it names may be anywhere (or shared by other cases).
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a symbolic link; `--update` does not write through links",
        ));
    }
    let text = std::fs::read_to_string(path)?;
    let mut doc: Json = serde_json::from_str(&text).map_err(std::io::Error::other)?;
    let Some(object) = doc.as_object_mut() else {
        return Ok(Vec::new());
    };
    let mut changed = Vec::new();
    let expected = object
        .entry("expected")
        .or_insert_with(|| Json::Object(serde_json::Map::new()));
    let Some(map) = expected.as_object_mut() else {
        return Ok(Vec::new());
    };
    if map.is_empty() {
        for (k, v) in &outcome.conclusions {
            map.insert(k.to_string(), v.clone());
        }
    }
    for (key, value) in map.iter_mut() {
        if let Some(actual) = outcome.conclusions.get(key.as_str()) {
            if !values_equal(value, actual) {
                changed.push(Mismatch {
                    conclusion: key.clone(),
                    expected: value.clone(),
                    actual: actual.clone(),
                });
                *value = actual.clone();
            }
        }
    }
    if !changed.is_empty() {
        let mut rendered = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
        rendered.push('\n');
        replace_file(path, rendered.as_bytes())?;
    }
    Ok(changed)
}

/// Writes `contents` to a new file beside `path` and renames it over `path`: the case file is
/// whole at every moment (an interrupted update leaves the old file).
fn replace_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(name);
    let written = std::fs::File::create(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _removed = std::fs::remove_file(&temp);
    }
    renamed
}

fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    crate::diagnostic::render_diagnostic(diagnostic, crate::diagnostic::Lang::En, false, 100)
}

/// One case's explanation, rendered for a snapshot (see [`snapshot_cases`]).
#[derive(Debug, Clone)]
pub struct CaseSnapshot {
    /// A snapshot name derived from the case file's path under the directory
    /// (`i2019-art03__a01_videos_at_200`).
    pub name: String,
    /// The case file.
    pub path: PathBuf,
    /// The rendering: the case's name and date, then for each conclusion it lists in `expected`
    /// (every conclusion with a value when it lists none) the value, the branches and exceptions that decided
    /// it and the conclusions it used, each with its citation.
    pub text: String,
}

/// Evaluates every case file under `dir` and renders each explanation compactly for a snapshot
/// test, one snapshot per case, in path order. A case that cannot be evaluated is rendered as
/// its error, so that a broken case also shows up in review.
///
/// Feed them to [insta](https://insta.rs) with [`assert_case_snapshots!`](crate::assert_case_snapshots)
/// (which expands to `insta::assert_snapshot!` in your crate, so that `cargo insta review` works),
/// or with your own loop:
///
/// ```
/// # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let rules = ruling::RuleSet::load(dir.join("rules")).expect("rules load");
/// for snapshot in ruling::testing::snapshot_cases(&rules, dir.join("examples/cases")) {
///     assert!(snapshot.text.starts_with("# "));
///     // insta::assert_snapshot!(snapshot.name, snapshot.text);
/// }
/// ```
pub fn snapshot_cases(rules: &RuleSet, dir: impl AsRef<Path>) -> Vec<CaseSnapshot> {
    let dir = dir.as_ref();
    case_files(&[dir.to_path_buf()])
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("__")
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let text = render_snapshot(rules, &path);
            CaseSnapshot { name, path, text }
        })
        .collect()
}

/// Asserts one [insta](https://insta.rs) snapshot per case file under a directory, named after
/// the file (see [`testing::snapshot_cases`](crate::testing::snapshot_cases)). Your crate needs
/// `insta` as a dev-dependency; review changes with `cargo insta review`.
///
/// ```text
/// #[test]
/// fn explanations_are_stable() {
///     let rules = ruling::RuleSet::load("rules").expect("rules load");
///     ruling::assert_case_snapshots!(rules, "tests/cases");
/// }
/// ```
#[macro_export]
macro_rules! assert_case_snapshots {
    ($rules:expr, $dir:expr) => {
        for snapshot in $crate::testing::snapshot_cases(&$rules, $dir) {
            ::insta::assert_snapshot!(snapshot.name, snapshot.text);
        }
    };
}

fn render_snapshot(rules: &RuleSet, path: &Path) -> String {
    let case = match Case::from_path(path) {
        Ok(c) => c,
        Err(e) => return format!("case file error: {e}\n"),
    };
    let options = Options {
        explain: crate::ExplainMode::Outcome,
        ..Options::default()
    };
    let outcome = match rules.evaluate(&case, &options) {
        Ok(o) => o,
        Err(e) => return format!("# {}\nevaluation error: {e}\n", case.name.as_deref().unwrap_or("")),
    };
    let mut out = format!("# {}\nas_of {}\n", case.name.as_deref().unwrap_or(""), outcome.as_of);
    let Some(explanation) = outcome.explanation() else {
        return out;
    };
    let listed: Vec<String> = match &case.expected {
        Some(expected) if !expected.is_empty() => expected.keys().cloned().collect(),
        _ => outcome
            .conclusions
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.to_string())
            .collect(),
    };
    for name in listed {
        let Some(node) = explanation.conclusions.get(&name) else {
            out.push_str(&format!("\n{name}: no such conclusion\n"));
            continue;
        };
        out.push_str(&format!("\n{name} = {}", snapshot_value(node)));
        if let Some(c) = &node.citation {
            out.push_str(&format!(" —— {c}"));
        }
        out.push('\n');
        outline(node, 1, &mut out);
    }
    out
}

fn snapshot_value(node: &crate::explain::Node) -> String {
    if node.unknown {
        String::from("unknown")
    } else {
        node.value.to_string()
    }
}

/// The deciding branches, exceptions and used conclusions of a tree (no facts, parameters or
/// comparisons; used conclusions are named, not expanded).
fn outline(node: &crate::explain::Node, depth: usize, out: &mut String) {
    use crate::explain::NodeKind;
    for child in node.supporting_children() {
        let indent = "  ".repeat(depth);
        match child.kind {
            NodeKind::Branch => {
                let label = child.label.as_deref().unwrap_or("");
                let cite = child.citation.as_deref().unwrap_or("");
                out.push_str(&format!("{indent}{} \"{label}\" {cite}\n", mark(child)));
                outline(child, depth + 1, out);
            }
            NodeKind::Exception if child.value != Json::Bool(false) => {
                let id = child.id.as_deref().unwrap_or("");
                let cite = child.citation.as_deref().unwrap_or("");
                out.push_str(&format!("{indent}{} exception {id} {cite}\n", mark(child)));
            }
            NodeKind::RuleRef | NodeKind::Rule => {
                let id = child.id.as_deref().unwrap_or("");
                out.push_str(&format!("{indent}→ {id} = {}\n", snapshot_value(child)));
            }
            NodeKind::Fact | NodeKind::Param | NodeKind::Comparison | NodeKind::Exception => {}
            _ => outline(child, depth, out),
        }
    }
}

fn mark(node: &crate::explain::Node) -> &'static str {
    match (&node.value, node.unknown) {
        (_, true) => "?",
        (Json::Bool(true), _) => "✓",
        (Json::Bool(false), _) => "✗",
        _ => "•",
    }
}
