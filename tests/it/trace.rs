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

/// A trace read back may nest its nodes as deep as 4,096 levels (a crafted one: the trees
/// ruling records have a few dozen); one level more is refused as malformed rather than built
/// into a tree too deep to drop or write. The tree is built without recursion.
#[test]
fn a_trace_nested_too_deep_is_refused_and_one_within_the_limit_reads_back() {
    use ruling::explain::NodeKind;
    let rules = shipped_rules();
    let catalog = rules.catalog();
    let position = |kind: NodeKind| catalog.nodes.iter().position(|n| n.kind == kind).unwrap();
    let (all, rule) = (position(NodeKind::All), position(NodeKind::Rule));
    // A chain of `all` nodes, each the only child of the next, under one rule node.
    let chain = |levels: usize| {
        let mut text = format!("t+{all}");
        for _ in 1..levels - 1 {
            text.push_str("t-1/1");
        }
        let delta = rule as i64 - (all as i64 + 1);
        let sign = if delta < 0 { "-" } else { "+" };
        text.push_str(&format!("t{sign}{}/1", delta.unsigned_abs()));
        Trace {
            schema_version: 2,
            rule_set: catalog.rule_set.clone(),
            as_of: String::from("2021-01-01"),
            frames: Vec::new(),
            trace: text,
            values: Vec::new(),
        }
    };
    let explanation = catalog.explanation(&chain(4096)).unwrap();
    let tree = explanation.conclusions.values().next().unwrap();
    let mut depth = 1;
    let mut node = tree;
    while let Some(child) = node.children.first() {
        assert_eq!(child.kind, NodeKind::All);
        depth += 1;
        node = child;
    }
    assert_eq!(depth, 4096);
    match catalog.explanation(&chain(4097)) {
        Err(TraceError::Malformed { problem, .. }) => assert!(problem.contains("4096"), "{problem}"),
        other => panic!(
            "a trace 4,097 levels deep was read: {:?}",
            other.map(|e| e.conclusions.len())
        ),
    }
}

/// Recording reuses, from the previous case, the records of each rule whose inputs did not
/// change: what a case gets after others must be what it gets alone. Every shipped case,
/// then the same case without each of its facts in turn (neighbours sharing most facts, so
/// most rules are reused), in both recording modes: outcome (conclusions, missing facts,
/// tree) and compact trace.
#[test]
fn a_case_recorded_after_others_gets_what_it_gets_alone() {
    let rules = shipped_rules();
    let paths = testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    let mut compared = 0;
    for mode in [ExplainMode::Outcome, ExplainMode::Full] {
        let options = Options {
            explain: mode,
            ..Options::default()
        };
        let mut running = rules.evaluator(&options);
        for path in &paths {
            let Ok(case) = Case::from_path(path) else { continue };
            let variants = std::iter::once(None).chain(case.facts.keys().map(Some));
            for left_out in variants {
                let mut variant = case.clone();
                if let Some(fact) = left_out {
                    variant.facts.shift_remove(fact);
                }
                let Ok(prepared) = running.prepare(&variant) else {
                    continue;
                };
                let after_others = running.outcome(&prepared).map(|o| serde_json::to_value(o).unwrap());
                let trace_after_others = running.recorded_trace();
                let mut alone = rules.evaluator(&options);
                let on_its_own = alone.outcome(&prepared).map(|o| serde_json::to_value(o).unwrap());
                let what = format!("{} without {left_out:?} in {mode:?}", path.display());
                assert_eq!(after_others.is_ok(), on_its_own.is_ok(), "{what}");
                if let (Ok(a), Ok(b)) = (&after_others, &on_its_own) {
                    assert_eq!(a, b, "{what}");
                    assert_eq!(trace_after_others, alone.recorded_trace(), "{what}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 4000, "only {compared} cases compared");
}

/// A rule that reads a parameter under the law of another date (`at`) records the frames of
/// this case's dates, so recording computes it again even when its inputs did not change:
/// the second case (same facts, another `as_of` in the same period, where the date read at
/// is no longer `as_of`) must trace as it does alone.
#[test]
fn a_parameter_read_at_another_date_is_traced_afresh() {
    let rules = ruling::RuleSet::from_sources([(
        "r.rule",
        "source 法 \"法\"\nfact conduct_date: date \"行为日\"\n\
         param p: count \"p\"\n    from 2020-01-01 cite 法 第一条 = 1\n    from 2027-01-01 cite 法 第二条 = 2\n\
         rule r: bool \"r\" cite 法 第一条 = p at conduct_date >= 1\n",
    )])
    .unwrap();
    let case = |as_of: &str| {
        Case::from_json(&format!(
            r#"{{"as_of": "{as_of}", "facts": {{"conduct_date": "2021-01-01"}}}}"#
        ))
        .unwrap()
    };
    for mode in [ExplainMode::Outcome, ExplainMode::Full] {
        let options = Options {
            explain: mode,
            ..Options::default()
        };
        let mut running = rules.evaluator(&options);
        let first = running.prepare(&case("2021-01-01")).unwrap();
        running.outcome(&first).unwrap();
        let second = running.prepare(&case("2021-06-01")).unwrap();
        let after = serde_json::to_value(running.outcome(&second).unwrap()).unwrap();
        let mut alone = rules.evaluator(&options);
        let on_its_own = serde_json::to_value(alone.outcome(&second).unwrap()).unwrap();
        assert_eq!(after, on_its_own, "{mode:?}");
        let trace = alone.recorded_trace().unwrap();
        assert_eq!(
            trace.frames,
            ["2021-01-01"],
            "{mode:?}: conduct_date's law beside as_of's"
        );
        assert_eq!(running.recorded_trace(), Some(trace), "{mode:?}");
    }
}
