//! Every case file under `tests/cases/` and `examples/cases/` runs against the shipped rules.

use ruling::report::markdown;
use ruling::testing;

use super::support::{root, shipped_rules};

#[test]
fn all_case_files_pass() {
    let rules = shipped_rules();
    let files = testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    assert!(files.len() >= 2, "case files should exist, found {}", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let result = testing::run_case_file(&rules, file);
        if !result.passed() {
            failures.push(format!(
                "{}: mismatches {:?} reasons {:?} error {:?} missing errors {:?}",
                file.display(),
                result.mismatches,
                result.missing_reasons,
                result.error,
                result.missing_errors
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn example_explanations_are_stable() {
    let rules = shipped_rules();
    for file in testing::case_files(&[root().join("examples/cases")]) {
        let result = testing::run_case_file(&rules, &file);
        let Some(outcome) = result.outcome else {
            panic!("{} did not evaluate: {:?}", file.display(), result.error);
        };
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
        // Only the conclusions the example asserts: other rule packs must not churn this snapshot.
        let case = ruling::Case::from_path(&file).expect("example parses");
        let mut rendered = String::new();
        for conclusion in case.expected.iter().flat_map(|e| e.keys()) {
            rendered.push_str(&markdown::render(&outcome, Some(&result.name), Some(conclusion)));
        }
        insta::assert_snapshot!(format!("example_{name}"), rendered);
    }
}
