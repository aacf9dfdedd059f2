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
