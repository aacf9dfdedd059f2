//! `ruling test`: run case files, show diffs and explanations of failures.

use std::path::{Path, PathBuf};

use ruling::report::text;
use ruling::testing::{self, CaseResult};

use super::commands::load;
use super::{BAD_INPUT, FAILED, OK};

pub(crate) fn run(rules: &Path, cases: &[PathBuf], update: bool) -> u8 {
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
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let result = testing::run_case_file(&rules, file);
        if update && !result.mismatches.is_empty() {
            if let Some(outcome) = &result.outcome {
                match testing::update_expected(file, outcome) {
                    Ok(changed) => {
                        println!("updated {}", file.display());
                        for m in changed {
                            println!("    {}: {} → {}", m.conclusion, m.expected, m.actual);
                        }
                        passed += 1;
                        continue;
                    }
                    Err(e) => eprintln!("error: cannot update {}: {e}", file.display()),
                }
            }
        }
        if result.passed() {
            passed += 1;
            println!("ok   {} ({})", result.name, file.display());
        } else {
            failed += 1;
            print_failure(&result);
        }
    }
    println!("\n{passed} passed, {failed} failed");
    if failed == 0 {
        OK
    } else {
        FAILED
    }
}

fn print_failure(result: &CaseResult) {
    println!("FAIL {} ({})", result.name, result.path.display());
    if let Some(error) = &result.error {
        println!("{error}");
    }
    for missing in &result.missing_errors {
        println!("    expected error not reported: {missing}");
    }
    for m in &result.mismatches {
        println!(
            "    {}:\n      - expected: {}\n      + actual:   {}",
            m.conclusion, m.expected, m.actual
        );
    }
    for r in &result.missing_reasons {
        println!(
            "    {}: pinned reason `{}` no longer in the explanation\n      its basis now: {}",
            r.conclusion,
            r.citation,
            r.actual.join("; ")
        );
    }
    if let Some(outcome) = &result.outcome {
        let mut shown: Vec<String> = result.mismatches.iter().map(|m| m.conclusion.clone()).collect();
        shown.extend(result.missing_reasons.iter().map(|r| r.conclusion.clone()));
        shown.dedup();
        for conclusion in shown {
            let options = text::TextOptions {
                conclusion: Some(conclusion),
                ..text::TextOptions::default()
            };
            let rendered = text::render(outcome, &options);
            for line in rendered.lines().skip(1) {
                println!("      {line}");
            }
        }
    }
}
