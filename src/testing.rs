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
            let actual = outcome.conclusions.get(conclusion).cloned();
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
                    actual: Json::String(String::from("<no such conclusion>")),
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
            map.insert(k.clone(), v.clone());
        }
    }
    for (key, value) in map.iter_mut() {
        if let Some(actual) = outcome.conclusions.get(key) {
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
        std::fs::write(path, rendered)?;
    }
    Ok(changed)
}

fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    let _ignored = handler.render_report(&mut out, diagnostic);
    out
}
