//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use ruling::{Case, Options, Outcome, RuleSet};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped rule set.
pub fn shipped_rules() -> RuleSet {
    match RuleSet::load(root().join("rules")) {
        Ok(rules) => rules,
        Err(e) => panic_with(&format!("shipped rules do not load: {e:?}")),
    }
}

/// Evaluates a JSON case text against a rule set.
pub fn eval_json(rules: &RuleSet, json: &str, options: &Options) -> Result<Outcome, ruling::EvalError> {
    let case = match Case::from_json(json) {
        Ok(c) => c,
        Err(e) => panic_with(&format!("case does not parse: {e:?}")),
    };
    rules.evaluate(&case, options)
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            let _ = std::fs::create_dir_all(&target);
            copy_dir(&entry.path(), &target);
        } else {
            let _ = std::fs::copy(entry.path(), &target);
        }
    }
}

/// A copy of the shipped rules in `dir` with a hypothetical, lighter 2027 version of
/// 法释〔2019〕15号 第三条第一项 (300 videos instead of 200, from
/// `tests/fixtures/prefer/interpretation-2027.rule`): the shipped `prefer` clause then has
/// two versions to choose from.
pub fn shipped_with_a_2027_threshold(dir: &Path) {
    copy_dir(&root().join("rules"), dir);
    let art3 = dir.join("interpretation-2019-15/art-03.rule");
    let text = std::fs::read_to_string(&art3).expect("art-03.rule");
    let old = "    from 2015-11-01 cite 解释2019 第三条 第一项 = 200\n";
    assert!(
        text.contains(old),
        "the shipped threshold line moved: update this helper"
    );
    let patched = text.replacen(
        old,
        &format!("{old}    from 2027-01-01 cite 解释2027 第三条 第一项 = 300\n"),
        1,
    );
    std::fs::write(&art3, patched).expect("write");
    std::fs::copy(
        root().join("tests/fixtures/prefer/interpretation-2027.rule"),
        dir.join("sources/interpretation-2027.rule"),
    )
    .expect("copy source");
}

/// The CLI binary.
pub fn ruling_bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_ruling"))
}

#[track_caller]
pub fn panic_with(message: &str) -> ! {
    panic!("{message}")
}

/// `ruling batch RULES --input INPUT --output OUTPUT EXTRA…`, run to completion.
pub fn batch(rules: &Path, input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    ruling_bin()
        .arg("batch")
        .arg(rules)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra)
        .output()
        .expect("ruling runs")
}
