//! The explanation model: a compact per-case trace naming the nodes of the rule set's
//! catalog. Written as JSON and read back (catalog and trace both through JSON), it gives the
//! very tree the evaluator builds, on every shipped case, in both recording modes.

use ruling::explain::{Catalog, Trace, TraceError};
use ruling::{testing, Case, ExplainMode, Options};

use super::support::{root, shipped_rules};

#[test]
fn every_shipped_trace_reads_back_as_the_tree_the_evaluator_builds() {
    let rules = shipped_rules();
    let catalog: Catalog = serde_json::from_str(&serde_json::to_string(rules.catalog()).unwrap()).unwrap();
    assert_eq!(&catalog, rules.catalog());
    let paths = testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    let mut checked = 0;
    for mode in [ExplainMode::Outcome, ExplainMode::Full] {
        let mut evaluator = rules.evaluator(&Options {
            explain: mode,
            ..Options::default()
        });
        for path in &paths {
            let Ok(case) = Case::from_path(path) else { continue };
            let Ok(prepared) = evaluator.prepare(&case) else {
                continue;
            };
            if evaluator.record(&prepared).is_err() {
                continue;
            }
            let tree = evaluator.recorded_explanation().unwrap();
            let trace = evaluator.recorded_trace().unwrap();
            let json = serde_json::to_string(&trace).unwrap();
            let read: Trace = serde_json::from_str(&json).unwrap();
            let rebuilt = catalog.explanation(&read).unwrap();
            assert_eq!(rebuilt, tree, "{} in {mode:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 600, "only {checked} cases checked");
}

#[test]
fn a_trace_is_refused_by_another_rule_sets_catalog_and_when_malformed() {
    let rules = shipped_rules();
    let mut evaluator = rules.evaluator(&Options::default());
    let case = Case::from_path(root().join("examples/cases/mouniu-2021.json")).unwrap();
    let prepared = evaluator.prepare(&case).unwrap();
    evaluator.record(&prepared).unwrap();
    let trace = evaluator.recorded_trace().unwrap();
    let other = ruling::RuleSet::from_source("t.rule", "fact a: bool\nrule r: bool = a\n").unwrap();
    assert!(matches!(
        other.catalog().explanation(&trace),
        Err(TraceError::OtherRuleSet { .. })
    ));
    for bad in ["x", "t/9", "t@", "t-", "t+999999999", "v", "t?"] {
        let broken = Trace {
            trace: String::from(bad),
            values: Vec::new(),
            ..trace.clone()
        };
        assert!(
            matches!(rules.catalog().explanation(&broken), Err(TraceError::Malformed { .. })),
            "{bad} was read"
        );
    }
}
