//! `ruling test`: run case files, show diffs and explanations of failures, report coverage.

use ruling::visible::escape_controls;
use std::path::{Path, PathBuf};

use ruling::coverage::Coverage;
use ruling::report::text;
use ruling::testing::{self, CaseResult};
use serde_json::Value as Json;

use super::commands::load;
use super::{BAD_INPUT, FAILED, OK};

/// What `ruling test` does besides running the cases.
pub(crate) struct TestOptions {
    /// Write the actual values into the case files' `expected`.
    pub(crate) update: bool,
    /// Report coverage by article.
    pub(crate) coverage: bool,
    /// One JSON document instead of text.
    pub(crate) json: bool,
}

pub(crate) fn run(rules: &Path, cases: &[PathBuf], options: &TestOptions) -> u8 {
    let rules = match load(rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let paths = if cases.is_empty() {
        vec![PathBuf::from("tests/cases")]
    } else {
        cases.to_vec()
    };
    let files = testing::case_files(&paths);
    if files.is_empty() {
        eprintln!(
            "error: no case files (.json, .yaml, .toml) under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return BAD_INPUT;
    }
    let mut coverage = options.coverage.then(|| Coverage::new(rules.program()));
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut records = Vec::new();
    for file in &files {
        let result = testing::run_case_file(&rules, file);
        if let (Some(coverage), Some(explanation)) =
            (coverage.as_mut(), result.outcome.as_ref().and_then(|o| o.explanation()))
        {
            coverage.record(explanation);
        }
        let ok = if options.update && !result.mismatches.is_empty() {
            update(&result, options.json)
        } else {
            result.passed()
        };
        if ok {
            passed += 1;
            if !options.json {
                outln!("ok   {} ({})", escape_controls(&result.name), file.display());
            }
        } else {
            failed += 1;
            if !options.json {
                print_failure(&result);
            }
        }
        if options.json {
            records.push(result_json(&result, ok));
        }
    }
    if options.json {
        let mut doc = serde_json::json!({"passed": passed, "failed": failed, "cases": records});
        if let (Some(c), Some(map)) = (&coverage, doc.as_object_mut()) {
            map.insert(String::from("coverage"), c.to_json());
        }
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        eprintln!("{passed} passed, {failed} failed");
    } else {
        if let Some(c) = &coverage {
            out!("\n{}", c.render_text());
        }
        outln!("\n{passed} passed, {failed} failed");
    }
    if failed == 0 {
        OK
    } else {
        FAILED
    }
}

/// Rewrites the case's `expected`; true when it was rewritten and nothing else failed.
fn update(result: &CaseResult, quiet: bool) -> bool {
    let Some(outcome) = &result.outcome else {
        return false;
    };
    match testing::update_expected(&result.path, outcome) {
        Ok(changed) => {
            if !quiet {
                outln!("updated {}", result.path.display());
                for m in changed {
                    outln!("    {}: {} → {}", m.conclusion, m.expected, m.actual);
                }
            }
            result.missing_reasons.is_empty() && result.error.is_none() && result.missing_errors.is_empty()
        }
        Err(e) => {
            eprintln!("error: cannot update {}: {e}", result.path.display());
            false
        }
    }
}

fn result_json(result: &CaseResult, ok: bool) -> Json {
    let mismatches: Vec<Json> = result
        .mismatches
        .iter()
        .map(|m| serde_json::json!({"conclusion": m.conclusion, "expected": m.expected, "actual": m.actual}))
        .collect();
    let reasons: Vec<Json> = result
        .missing_reasons
        .iter()
        .map(|r| serde_json::json!({"conclusion": r.conclusion, "citation": r.citation, "actual": r.actual}))
        .collect();
    serde_json::json!({
        "name": result.name,
        "path": result.path.display().to_string(),
        "passed": ok,
        "mismatches": mismatches,
        "missing_reasons": reasons,
        "error": result.error,
        "missing_errors": result.missing_errors,
    })
}

/// The failed conclusions whose derivations are shown: those resting on no other failed one.
/// Each of the others is named with the failed conclusions it rests on, whose trees say why.
fn root_causes(outcome: &ruling::Outcome, failed: &[String]) -> Vec<String> {
    let Some(explanation) = &outcome.explanation else {
        return failed.to_vec();
    };
    let mut roots = Vec::new();
    for conclusion in failed {
        let under: Vec<&str> = failed
            .iter()
            .filter(|other| *other != conclusion && explanation.rests_on(conclusion, other))
            .map(String::as_str)
            .collect();
        if under.is_empty() {
            roots.push(conclusion.clone());
        } else {
            outln!("    {conclusion} rests on {} (derivation below)", under.join(", "));
        }
    }
    roots
}

fn print_failure(result: &CaseResult) {
    // The case name, expected and actual values come from case files: shown, not obeyed.
    outln!("FAIL {} ({})", escape_controls(&result.name), result.path.display());
    if let Some(error) = &result.error {
        outln!("{error}");
    }
    for missing in &result.missing_errors {
        outln!("    expected error not reported: {missing}");
    }
    for m in &result.mismatches {
        outln!(
            "    {}:\n      - expected: {}\n      + actual:   {}",
            m.conclusion,
            escape_controls(&m.expected.to_string()),
            escape_controls(&m.actual.to_string())
        );
    }
    for r in &result.missing_reasons {
        outln!(
            "    {}: pinned reason `{}` no longer in the explanation\n      its basis now: {}",
            r.conclusion,
            r.citation,
            r.actual.join("; ")
        );
    }
    if let Some(outcome) = &result.outcome {
        let mut failed: Vec<String> = result.mismatches.iter().map(|m| m.conclusion.clone()).collect();
        failed.extend(result.missing_reasons.iter().map(|r| r.conclusion.clone()));
        failed.dedup();
        for conclusion in root_causes(outcome, &failed) {
            let options = text::TextOptions {
                conclusion: Some(conclusion),
                ..text::TextOptions::default()
            };
            let rendered = text::render(outcome, &options);
            for line in rendered.lines().skip(1) {
                outln!("      {line}");
            }
        }
    }
}
