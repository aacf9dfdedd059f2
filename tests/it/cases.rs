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

/// The Markdown memo committed beside each example (`examples/cases/<name>.md`) is what
/// `ruling eval rules/ --facts examples/cases/<name>.json --format md` prints today, so the
/// reviewed memo cannot drift from the rules. Regenerate it with that command after a rule change.
#[test]
fn committed_example_memos_match_the_rendering() {
    let rules = shipped_rules();
    let mut compared = 0;
    for file in testing::case_files(&[root().join("examples/cases")]) {
        let case = ruling::Case::from_path(&file).expect("example parses");
        let memo = ruling::report::memo::evaluate(&rules, &case, &ruling::Options::default())
            .expect("example evaluates")
            .markdown();
        let path = file.with_extension("md");
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == memo,
            "{} is stale: run `cargo run -- eval rules/ --facts {} --format md > {}`",
            path.display(),
            file.display(),
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 7, "only {compared} example memos");
}
