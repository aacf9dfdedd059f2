//! The library as an application embeds it: a rule set shared between threads, evaluators
//! that own their handle on it, cases built from the application's own types, typed access
//! to conclusions, rule files from memory, and `RuleSet::evaluate` agreeing with an evaluator.

use std::sync::Arc;

use ruling::{testing, Case, Conclusion, Date, EvalError, ExplainMode, Options, ProblemKind, RuleSet};

use super::support::{root, shipped_rules};

/// Every shipped case, as JSON values of its conclusions (or the error code), in file order.
fn results(rules: &RuleSet, cases: &[Case], options: &Options) -> Vec<String> {
    let mut evaluator = rules.evaluator(options);
    cases
        .iter()
        .map(
            |case| match evaluator.prepare(case).and_then(|p| evaluator.outcome(&p)) {
                Ok(outcome) => serde_json::to_string(&(outcome.conclusions, outcome.missing_facts)).unwrap(),
                Err(e) => format!("{:?}", miette::Diagnostic::code(&e).map(|c| c.to_string())),
            },
        )
        .collect()
}

fn shipped_cases() -> Vec<Case> {
    testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")])
        .iter()
        .filter_map(|p| Case::from_path(p).ok())
        .collect()
}

#[test]
fn evaluators_owning_a_shared_rule_set_agree_across_threads_and_with_rule_set_evaluate() {
    let rules = Arc::new(shipped_rules());
    let cases = Arc::new(shipped_cases());
    let options = Options {
        explain: ExplainMode::None,
        ..Options::default()
    };
    let want = results(&rules, &cases, &options);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (rules, cases, options) = (Arc::clone(&rules), Arc::clone(&cases), options.clone());
            // The evaluator is created on one thread and moved to another: it owns what it needs.
            let evaluator = rules.evaluator(&options);
            std::thread::spawn(move || {
                let mut evaluator = evaluator;
                let mut got = Vec::new();
                for case in cases.iter() {
                    got.push(match evaluator.prepare(case).and_then(|p| evaluator.outcome(&p)) {
                        Ok(outcome) => serde_json::to_string(&(outcome.conclusions, outcome.missing_facts)).unwrap(),
                        Err(e) => format!("{:?}", miette::Diagnostic::code(&e).map(|c| c.to_string())),
                    });
                }
                got
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), want);
    }
    // `RuleSet::evaluate`, one call per case, from several threads at once.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (rules, cases, options) = (Arc::clone(&rules), Arc::clone(&cases), options.clone());
            std::thread::spawn(move || {
                cases
                    .iter()
                    .map(|case| match rules.evaluate(case, &options) {
                        Ok(outcome) => serde_json::to_string(&(outcome.conclusions, outcome.missing_facts)).unwrap(),
                        Err(e) => format!("{:?}", miette::Diagnostic::code(&e).map(|c| c.to_string())),
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), want);
    }
}

#[derive(serde::Serialize)]
struct Report {
    conduct_date: Date,
    actor_kind: &'static str,
    network_service_type: &'static str,
    correction_order_status: &'static str,
    illegal_videos: u64,
}

#[test]
fn a_case_from_a_struct_evaluates_like_the_same_case_file() {
    let rules = shipped_rules();
    let report = Report {
        conduct_date: Date::constant(2021, 5, 20),
        actor_kind: "unit",
        network_service_type: "application_service",
        correction_order_status: "refused",
        illegal_videos: 250,
    };
    let from_struct = Case::from_facts(&report, None).unwrap();
    let from_json = Case::from_json(
        r#"{"facts": {"conduct_date": "2021-05-20", "actor_kind": "unit", "network_service_type": "application_service",
            "correction_order_status": "refused", "illegal_videos": 250}}"#,
    )
    .unwrap();
    let a = rules.evaluate(&from_struct, &Options::default()).unwrap();
    let b = rules.evaluate(&from_json, &Options::default()).unwrap();
    assert_eq!(a.conclusions, b.conclusions);
    assert_eq!(
        a.get("cl286_1_established").unwrap(),
        Conclusion::Value(&serde_json::json!(true))
    );
    // A value of the wrong type is refused with its path, as in a case file.
    let bad = Case::from_facts(
        &serde_json::json!({"illegal_videos": "many"}),
        Some(Date::constant(2021, 1, 1)),
    )
    .unwrap();
    let Err(EvalError::Facts(facts)) = rules.evaluate(&bad, &Options::default()) else {
        panic!("a text for a count was accepted");
    };
    let problem = &facts.problems[0];
    assert_eq!(problem.path, "/facts/illegal_videos");
    // The kind is matchable, and the Display names the path, the problem and the fix.
    assert!(matches!(problem.kind, ProblemKind::TypeMismatch), "{problem:?}");
    assert_eq!(problem.kind.code(), "ruling::case::type_mismatch");
    let shown = problem.to_string();
    assert!(shown.starts_with("/facts/illegal_videos: "), "{shown}");
    assert!(shown.contains("(help: "), "{shown}");
}

/// `Evaluator::last_values` reads the values of the case last evaluated, and only of it: for
/// another case (even on the same date) it has none, rather than that case's words over the
/// last one's values.
#[test]
fn last_values_are_only_those_of_the_case_last_evaluated() {
    let rules = shipped_rules();
    let mut evaluator = rules.evaluator(&Options::default());
    let facts = |videos: u32| {
        Case::from_json(&format!(
            r#"{{"facts": {{"conduct_date": "2021-05-20", "actor_kind": "person", "actor_age": 30,
                "network_service_type": "application_service", "correction_order_status": "refused",
                "illegal_videos": {videos}}}}}"#
        ))
        .unwrap()
    };
    let (many, few) = (
        evaluator.prepare(&facts(250)).unwrap(),
        evaluator.prepare(&facts(3)).unwrap(),
    );
    let before = evaluator.last_values(&many).map(|v| v.len());
    assert_eq!(before, None, "values before any evaluation");
    let expected: Vec<_> = {
        let values = evaluator.values(&many).unwrap();
        (0..values.len()).map(|i| values.get(i)).collect()
    };
    let last = evaluator.last_values(&many).unwrap();
    assert_eq!((0..last.len()).map(|i| last.get(i)).collect::<Vec<_>>(), expected);
    assert!(
        evaluator.last_values(&few).is_none(),
        "another case read the last one's values"
    );
    evaluator.values(&few).unwrap();
    assert!(evaluator.last_values(&many).is_none());
    assert!(evaluator.last_values(&few).is_some());
}

#[test]
fn typed_conclusions_tell_unknown_from_no_value_and_refuse_unknown_names() {
    let rules = shipped_rules();
    // A person of unknown age: the offence is unknown; a unit's penalty for a person has no value.
    let case = Case::from_json(
        r#"{"facts": {"conduct_date": "2021-05-20", "actor_kind": "person", "network_service_type": "application_service",
            "correction_order_status": "refused", "illegal_videos": 250}}"#,
    )
    .unwrap();
    let outcome = rules.evaluate(&case, &Options::default()).unwrap();
    assert_eq!(outcome.get("cl286_1_established").unwrap(), Conclusion::Unknown);
    assert_eq!(outcome.get("criminal_unit_fined").unwrap(), Conclusion::NoValue);
    let Err(EvalError::UnknownConclusion { help, .. }) = outcome.get("cl286_1_establishd") else {
        panic!("a misspelt conclusion was accepted");
    };
    assert_eq!(help.as_deref(), Some("did you mean `cl286_1_established`?"));
}

#[test]
fn questions_limit_what_is_evaluated_and_reported() {
    let rules = shipped_rules();
    let case = Case::from_path(root().join("examples/cases/mouniu-2021.json")).unwrap();
    let options = Options {
        questions: vec![String::from("i2019_mass_spread")],
        ..Options::default()
    };
    let outcome = rules.evaluate(&case, &options).unwrap();
    assert!(outcome.conclusions.contains_key("i2019_mass_spread"));
    assert!(!outcome.conclusions.contains_key("cl286_1_established"));
    assert!(!outcome
        .conclusions
        .keys()
        .any(|k| k.starts_with("pi_") || k.starts_with("pipl_")));
    let all = rules.evaluate(&case, &Options::default()).unwrap();
    for (name, value) in &outcome.conclusions {
        assert_eq!(Some(value), all.conclusion(name), "{name}");
    }
    let tree = outcome.explanation().unwrap();
    assert!(tree.conclusions.contains_key("i2019_mass_spread"));
    let bad = Options {
        questions: vec![String::from("no_such_conclusion")],
        ..Options::default()
    };
    assert!(matches!(
        rules.evaluate(&case, &bad),
        Err(EvalError::UnknownConclusion { .. })
    ));
}

#[test]
fn rule_files_from_memory_form_one_rule_set() {
    let rules = RuleSet::from_sources([
        ("b/rule.rule", "rule r: bool \"r\" = a and s\n"),
        ("a/facts.rule", "fact a: bool \"a\"\nrule s: bool \"s\" = not a\n"),
    ])
    .unwrap();
    let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": true}}"#).unwrap();
    let outcome = rules.evaluate(&case, &Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&serde_json::json!(false)));
    assert_eq!(
        rules.catalog().rules[0].location.as_deref(),
        Some("a/facts.rule:2"),
        "files are read in name order and located by name"
    );
    assert!(matches!(
        RuleSet::from_sources(std::iter::empty()),
        Err(ruling::LoadError::Empty { .. })
    ));
}

#[test]
fn the_catalog_says_what_a_question_depends_on_and_what_a_fact_touches() {
    let rules = shipped_rules();
    let catalog = rules.catalog();
    let index = |name: &str| catalog.rules.iter().position(|r| r.id == name).unwrap();
    let closure = catalog.closure(&["cl286_1_established"]);
    assert!(closure[index("cl286_1_established")] && closure[index("i2019_mass_spread")]);
    assert!(!closure[index("cl287_2_established")]);
    let touched = catalog.touched_by(&["illegal_videos"]);
    assert!(touched[index("i2019_mass_spread")] && touched[index("cl286_1_established")]);
    assert!(catalog
        .rules
        .iter()
        .zip(&touched)
        .all(|(rule, touched)| !*touched || !rule.id.starts_with("pipl_")));
}

#[test]
fn the_catalog_gives_facts_defaults_and_the_fields_of_records() {
    let rules = shipped_rules();
    let fact = |name: &str| rules.catalog().facts.iter().find(|f| f.id == name).unwrap();
    assert_eq!(fact("illegal_videos").default, Some(serde_json::json!(0)));
    assert_eq!(fact("conduct_date").default, None);
    let prior = fact("prior_acts");
    assert_eq!(prior.default, Some(serde_json::json!([])));
    let field = |name: &str| prior.fields.iter().find(|f| f.id == name).unwrap();
    assert_eq!(prior.fields.first().map(|f| f.id.as_str()), Some("act_date"));
    assert_eq!(field("act_date").label.as_deref(), Some("行为日期"));
    assert_eq!(field("act_date").type_name, "date");
    assert_eq!(field("act_date").default, None);
    assert_eq!(
        field("help_payment_settlement_yuan").default,
        Some(serde_json::json!("0.00"))
    );
    let offence = field("offence");
    let values = &rules.catalog().enums[offence.enum_index.unwrap() as usize];
    assert!(values.iter().any(|v| v.value == "helping_287_2"));
    assert!(fact("illegal_videos").fields.is_empty());
}

#[test]
fn an_infinite_or_nan_field_is_refused_not_dropped() {
    #[derive(serde::Serialize)]
    struct Facts {
        illegal_videos: u64,
        gains: f64,
    }
    for (gains, shown) in [(f64::INFINITY, "inf"), (f64::NEG_INFINITY, "-inf"), (f64::NAN, "NaN")] {
        let error = Case::from_facts(
            &Facts {
                illegal_videos: 250,
                gains,
            },
            Date::new(2021, 5, 20).ok(),
        )
        .expect_err("not finite");
        assert_eq!(error.code_str(), "ruling::case::not_finite", "{error:?}");
        assert_eq!(error.path(), Some("/facts/gains"));
        assert_eq!(
            error.to_string(),
            format!("`/facts/gains` is {shown}, not a finite number")
        );
        // The diagnostic marks the `null` serde_json writes in its place.
        let rendered = ruling::diagnostic::render_diagnostic(&error, ruling::diagnostic::Lang::En, false, 100);
        assert!(rendered.contains("not a finite number"), "{rendered}");
        assert!(rendered.contains("\"gains\":null"), "{rendered}");
    }
    let nested = serde_json::json!({"orders": [{"amount": 1.0}]});
    assert!(Case::from_facts(&nested, None).is_ok());
    let finite = Case::from_facts(
        &Facts {
            illegal_videos: 250,
            gains: 1.5,
        },
        None,
    )
    .expect("finite");
    assert_eq!(finite.facts["gains"], 1.5);
}
