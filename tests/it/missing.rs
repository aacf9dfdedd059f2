//! Missing facts are unknown, never false; `strict` turns them into errors.

use ruling::{Case, EvalError, ExplainMode, Options};

use super::support::{eval_json, root, shipped_rules};

const WITHOUT_ORDER_STATUS: &str = r#"{"facts": {
    "conduct_date": "2021-03-15", "actor_kind": "unit",
    "network_service_type": "application_service", "illegal_videos": 300 }}"#;

#[test]
fn undecidable_conclusions_are_null_and_list_exactly_the_facts_that_matter() {
    let rules = shipped_rules();
    let outcome = eval_json(&rules, WITHOUT_ORDER_STATUS, &Options::default());
    let Ok(outcome) = outcome else {
        panic!("evaluation failed: {outcome:?}");
    };
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::Value::Null)
    );
    assert_eq!(
        outcome.conclusion("i2019_refused_to_correct"),
        Some(&serde_json::Value::Null)
    );
    assert_eq!(
        outcome.conclusion("i2019_mass_spread"),
        Some(&serde_json::Value::Bool(true))
    );
    assert!(outcome.unknown_conclusions.contains(&"cl286_1_established".to_string()));
    assert_eq!(outcome.missing_facts(), ["correction_order_status".to_string()]);
}

#[test]
fn any_with_a_true_branch_is_true_whatever_the_unknowns() {
    let rules = shipped_rules();
    let json = r#"{"facts": {"conduct_date": "2021-03-15", "actor_kind": "person",
        "network_service_type": "application_service", "correction_order_status": "refused",
        "illegal_videos": 300}}"#;
    let outcome = eval_json(&rules, json, &Options::default());
    let Ok(outcome) = outcome else {
        panic!("evaluation failed: {outcome:?}");
    };
    // Age is unknown, so the offence is undecided, but the threshold items are decided.
    assert_eq!(
        outcome.conclusion("i2019_mass_spread"),
        Some(&serde_json::Value::Bool(true))
    );
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::Value::Null)
    );
    assert_eq!(outcome.missing_facts(), ["actor_age".to_string()]);
}

#[test]
fn strict_mode_names_the_missing_fact_and_the_article() {
    let rules = shipped_rules();
    let options = Options {
        strict: true,
        ..Options::default()
    };
    match eval_json(&rules, WITHOUT_ORDER_STATUS, &options) {
        Err(EvalError::MissingFact { fact, citation, .. }) => {
            assert_eq!(fact, "correction_order_status");
            assert!(citation.is_some_and(|c| c.contains("法释〔2019〕15号")));
        }
        other => panic!("expected a missing-fact error, got {other:?}"),
    }
}

/// Strict mode errs only on a missing fact that leaves a rule undecided. The 2021 某牛 case gives
/// no art 286 facts (`sys_violates_state_regulations` …): art 286's elements are decided false by
/// the facts given, so the whole shipped rule set evaluates strictly.
#[test]
fn strict_mode_ignores_missing_facts_that_decide_nothing() {
    let rules = shipped_rules();
    let case = ruling::Case::from_path(super::support::root().join("examples/cases/mouniu-2021.json")).expect("case");
    let options = Options {
        strict: true,
        ..Options::default()
    };
    let outcome = rules.evaluate(&case, &options).expect("every conclusion is decided");
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::json!(true))
    );
    assert_eq!(
        outcome.conclusion("cl286_elements_met"),
        Some(&serde_json::json!(false))
    );
    assert!(!case.facts.contains_key("sys_violates_state_regulations"));
}

#[test]
fn a_loaded_rule_set_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ruling::RuleSet>();
    let rules = std::sync::Arc::new(shipped_rules());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let rules = std::sync::Arc::clone(&rules);
            std::thread::spawn(move || eval_json(&rules, WITHOUT_ORDER_STATUS, &Options::default()).is_ok())
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap_or(false));
    }
}

/// A consequence of an offence whose establishment is unknown is itself unknown, never a definite
/// `false` (issue #11 item 4): the unit fine and the responsible persons of 刑法第三十一条, the
/// mitigation of 刑法第十七条第四款, the guardian discipline of 第五款 and 法释〔2019〕15号第十五条.
#[test]
fn consequences_of_an_unknown_offence_are_unknown_not_false() {
    let rules = shipped_rules();
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "tests/cases/general/k20_unit_service_type_missing_consequences_unknown.json",
            &[
                "cl286_1_established",
                "criminal_unit_fined",
                "criminal_responsible_persons_punished",
            ],
            "network_service_type",
        ),
        (
            "tests/cases/general/k21_age_17_help_type_missing_mitigation_unknown.json",
            &[
                "cl287_2_established",
                "cl17_minor_mitigation_required",
                "i2019_may_not_prosecute_or_exempt",
            ],
            "help_type",
        ),
        (
            "tests/cases/general/k22_age_15_help_type_missing_guardian_unknown.json",
            &["cl287_2_elements_met", "cl17_guardian_discipline"],
            "help_type",
        ),
    ];
    for (path, unknown, fact) in cases {
        let case = ruling::Case::from_path(super::support::root().join(path)).expect("case");
        let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
        for conclusion in unknown {
            assert_eq!(
                outcome.conclusion(conclusion),
                Some(&serde_json::Value::Null),
                "{path}: {conclusion}"
            );
            assert!(
                outcome.unknown_conclusions.iter().any(|c| c == conclusion),
                "{path}: {conclusion} is not listed as unknown: {:?}",
                outcome.unknown_conclusions
            );
        }
        assert!(
            outcome.missing_facts().iter().any(|f| f == fact),
            "{path}: {fact} is not listed as missing: {:?}",
            outcome.missing_facts()
        );
    }
}

/// A compliance fact has no default (vocabulary §0.3): a case silent on the transfer mechanism of
/// 个人信息保护法第三十八条 leaves the breach unknown and names the fact (issue #11 item 5).
#[test]
fn a_silent_cross_border_mechanism_is_unknown_not_none() {
    let rules = shipped_rules();
    let path = "tests/cases/pipl/f10_art38_mechanism_missing_unknown.json";
    let case = ruling::Case::from_path(super::support::root().join(path)).expect("case");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    for conclusion in ["pipl_breached_articles", "pipl_penalty_tier"] {
        assert_eq!(outcome.conclusion(conclusion), Some(&serde_json::Value::Null));
        assert!(outcome.unknown_conclusions.iter().any(|c| c == conclusion));
    }
    assert!(outcome.missing_facts().iter().any(|f| f == "pi_cross_border_mechanism"));
}

/// With explanations off, the missing facts are found by recording only the undecided
/// conclusions again over the values just computed; with the full explanation they are read
/// off the whole trace. Both must name the same facts, on every shipped case and on each
/// without each of its facts, one evaluator per mode running them all in a row (so values
/// kept from the previous case are part of what is checked).
#[test]
fn missing_facts_are_the_same_whether_or_not_the_explanation_is_recorded() {
    let rules = shipped_rules();
    let off = Options {
        explain: ExplainMode::None,
        ..Options::default()
    };
    let mut fast = rules.evaluator(&off);
    let mut full = rules.evaluator(&Options::default());
    let files = ruling::testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    let (mut compared, mut with_missing, mut failures) = (0, 0, Vec::new());
    for file in &files {
        let Ok(case) = Case::from_path(file) else { continue };
        let mut variants = vec![(String::from("all facts"), case.clone())];
        for left_out in case.facts.keys() {
            let mut fewer = case.clone();
            fewer.facts.shift_remove(left_out);
            variants.push((format!("without `{left_out}`"), fewer));
        }
        for (what, variant) in variants {
            let (Ok(a), Ok(b)) = (fast.prepare(&variant), full.prepare(&variant)) else {
                continue;
            };
            let (Ok(a), Ok(b)) = (fast.outcome(&a), full.outcome(&b)) else {
                continue;
            };
            compared += 1;
            with_missing += usize::from(!b.missing_facts().is_empty());
            if a.missing_facts() != b.missing_facts() || a.conclusions != b.conclusions {
                failures.push(format!(
                    "{} {what}: off {:?}, full {:?}",
                    file.display(),
                    a.missing_facts(),
                    b.missing_facts()
                ));
            }
        }
    }
    assert!(compared >= 1000, "only {compared} cases compared");
    assert!(with_missing >= 500, "only {with_missing} cases with missing facts");
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Finding the missing facts records the undecided conclusions again; that must not change the
/// steps a rule is charged when the next case reuses its value, so that a step-limit error never
/// depends on the case before. The same case twice, at exactly the steps it needs alone.
#[test]
fn finding_missing_facts_does_not_change_the_steps_charged_to_the_next_case() {
    let rules = shipped_rules();
    let case = Case::from_json(WITHOUT_ORDER_STATUS).unwrap();
    let at = |max_steps: u64| Options {
        explain: ExplainMode::None,
        max_steps,
        ..Options::default()
    };
    let passes = |max_steps: u64| {
        let mut evaluator = rules.evaluator(&at(max_steps));
        let prepared = evaluator.prepare(&case).unwrap();
        evaluator.outcome(&prepared).is_ok()
    };
    let (mut low, mut high) = (1u64, 1_000_000u64);
    assert!(passes(high));
    while low < high {
        let mid = (low + high) / 2;
        if passes(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    let mut evaluator = rules.evaluator(&at(low));
    let prepared = evaluator.prepare(&case).unwrap();
    let first = evaluator.outcome(&prepared).unwrap();
    assert!(!first.missing_facts().is_empty());
    let second = evaluator.outcome(&prepared);
    assert!(second.is_ok(), "{low} steps: {second:?}");
}

/// `Evaluator::missing_facts` answers for the case it is given, even right after the full
/// explanation of another case on the same date was recorded (that trace is not this case's).
#[test]
fn missing_facts_are_those_of_the_case_given_not_of_the_last_one_recorded() {
    let rules = shipped_rules();
    let mut evaluator = rules.evaluator(&Options::default());
    let case = |facts: &str| {
        let case = Case::from_json(&format!(r#"{{"as_of": "2021-06-01", "facts": {facts}}}"#)).expect("case");
        evaluator.prepare(&case).expect("prepares")
    };
    let a = case(r#"{"conduct_date": "2021-05-26", "actor_kind": "unit"}"#);
    let b = case(
        r#"{"conduct_date": "2021-05-26", "network_service_type": "application_service", "correction_order_status": "refused"}"#,
    );
    let expected = {
        let outcome = evaluator.outcome(&b).expect("evaluates");
        (outcome.unknown_conclusions.clone(), outcome.missing_facts.clone())
    };
    assert!(!expected.1.is_empty(), "case b lacks facts");
    // After the full explanation of another case on the same date.
    let _ = evaluator.outcome(&a).expect("evaluates");
    assert_eq!(evaluator.missing_facts(&b, &expected.0).expect("evaluates"), expected.1);
    // After the values of another case, and of this one.
    let _ = evaluator.values(&a).expect("evaluates");
    assert_eq!(evaluator.missing_facts(&b, &expected.0).expect("evaluates"), expected.1);
    let _ = evaluator.values(&b).expect("evaluates");
    assert_eq!(evaluator.missing_facts(&b, &expected.0).expect("evaluates"), expected.1);
    // Twice in a row, and for a copy of the case.
    assert_eq!(evaluator.missing_facts(&b, &expected.0).expect("evaluates"), expected.1);
    assert_eq!(
        evaluator.missing_facts(&b.clone(), &expected.0).expect("evaluates"),
        expected.1
    );
}

#[test]
fn one_conclusion_explained_lists_only_the_facts_it_lacks() {
    let rules = shipped_rules();
    // A 287-2 case: decided, as is 286-1 (no 情节), while two of 286-1's elements lack facts.
    let case = Case::from_path(root().join("tests/cases/cl287-2/g01_payment_at_200000.json")).expect("case parses");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    let explanation = outcome.explanation.as_ref().expect("explained");
    assert!(outcome.missing_facts.contains(&"network_service_type".to_string()));
    assert_eq!(
        explanation.missing_facts_of("cl287_2_established"),
        Vec::<String>::new()
    );
    assert_eq!(
        explanation.missing_facts_of("cl286_1_established"),
        Vec::<String>::new()
    );
    assert_eq!(
        explanation.missing_facts_of("i2019_refused_to_correct"),
        ["correction_order_status"]
    );
    let text = |conclusion: &str| {
        let options = ruling::report::text::TextOptions {
            conclusion: Some(conclusion.to_string()),
            ..Default::default()
        };
        ruling::report::text::render(&outcome, &options)
    };
    assert!(
        !text("cl287_2_established").contains("缺少的事实"),
        "a decided conclusion lacks nothing"
    );
    assert!(
        !text("cl286_1_established").contains("缺少的事实"),
        "decided without those facts"
    );
    let undecided = text("i2019_refused_to_correct");
    assert!(
        undecided.contains("缺少的事实 missing facts: correction_order_status\n"),
        "{undecided}"
    );
}

#[test]
fn the_facts_a_conclusion_lacks_are_found_through_the_conclusions_it_rests_on() {
    let rules = shipped_rules();
    let outcome = eval_json(&rules, WITHOUT_ORDER_STATUS, &Options::default()).expect("evaluates");
    let explanation = outcome.explanation.as_ref().expect("explained");
    // cl286_1_established → i2019_refused_to_correct → i2019_ordered_by_regulator → the fact.
    assert_eq!(
        explanation.missing_facts_of("cl286_1_established"),
        ["correction_order_status"]
    );
    assert_eq!(explanation.missing_facts_of("no_such_conclusion"), Vec::<String>::new());
}
