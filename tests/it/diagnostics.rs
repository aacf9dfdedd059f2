//! One rule file per diagnostic class in `tests/diagnostics/`, each snapshotted with its
//! source, so a reader sees input and message together.

use ruling::{LoadError, RuleSet};

#[test]
fn every_diagnostic_class_points_at_the_right_place() {
    insta::glob!("../diagnostics", "*.rule", |path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let name = format!("{stem}.rule");
        let (codes, rendered) = match RuleSet::from_source(&name, &text) {
            Ok(rules) => (rules.warnings().codes(), rules.warnings().render(false, 80)),
            Err(LoadError::Invalid { diagnostics }) => (diagnostics.codes(), diagnostics.render(false, 80)),
            Err(other) => (vec![format!("{other}")], format!("{other}")),
        };
        assert!(
            codes.iter().any(|c| c.ends_with(&format!("::{stem}"))),
            "{name}: expected a diagnostic with code ending in `{stem}`, got {codes:?}"
        );
        insta::assert_snapshot!(format!("----- SOURCE CODE\n{text}\n----- DIAGNOSTICS\n{rendered}"));
    });
}

#[test]
fn shipped_rules_check_clean() {
    let rules = super::support::shipped_rules();
    assert_eq!(
        rules.warnings().codes(),
        Vec::<String>::new(),
        "{}",
        rules.warnings().render(false, 100)
    );
}
