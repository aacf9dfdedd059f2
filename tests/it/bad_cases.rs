//! Bad case files exit 2 with a diagnostic naming the key; nothing panics.

use ruling::{Case, EvalError, Options};

use super::support::{root, ruling_bin, shipped_rules};

fn problems(json: &str) -> Vec<(String, String)> {
    let rules = shipped_rules();
    let case = Case::from_json(json).expect("well-formed JSON");
    match rules.evaluate(&case, &Options::default()) {
        Err(EvalError::Facts(facts)) => facts
            .problems
            .iter()
            .map(|p| (p.kind.to_string(), p.path.clone()))
            .collect(),
        other => panic!("expected fact errors, got {other:?}"),
    }
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let found = problems(
        r#"{"facts": {"conduct_date": "2021-02-30", "illegal_vidoes": 3, "illegal_other_info": -5,
            "recipient_accounts": "many", "actor_kind": "company",
            "correction_orders": [{"issued_on": "2021-01-01", "refused": true, "reason": "x"}]}}"#,
    );
    let expected = [
        ("invalid_date", "/facts/conduct_date"),
        ("unknown_fact", "/facts/illegal_vidoes"),
        ("negative_value", "/facts/illegal_other_info"),
        ("type_mismatch", "/facts/recipient_accounts"),
        ("unknown_enum_value", "/facts/actor_kind"),
        ("unknown_field", "/facts/correction_orders/0/reason"),
    ];
    for (kind, path) in expected {
        assert!(
            found.contains(&(kind.to_string(), path.to_string())),
            "missing {kind} at {path} in {found:?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
}

#[test]
fn unknown_fact_suggests_the_declared_name() {
    let rules = shipped_rules();
    let case = Case::from_json(r#"{"facts": {"illegal_vidoes": 3}}"#).expect("json");
    let Err(EvalError::Facts(facts)) = rules.evaluate(&case, &Options::default()) else {
        panic!("expected error")
    };
    assert_eq!(
        facts.problems[0].help.as_deref(),
        Some("did you mean `illegal_videos`?")
    );
}

#[test]
fn cli_exits_2_and_names_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "unknown_key.json",
            r#"{"facts": {"conduct_date": "2021-01-01", "illegal_vidoes": 1}}"#,
            "illegal_vidoes",
        ),
        (
            "wrong_type.json",
            r#"{"facts": {"conduct_date": "2021-01-01", "illegal_videos": "many"}}"#,
            "illegal_videos",
        ),
        (
            "negative.json",
            r#"{"facts": {"conduct_date": "2021-01-01", "illegal_videos": -1}}"#,
            "illegal_videos",
        ),
        (
            "bad_date.json",
            r#"{"facts": {"conduct_date": "2021-02-30"}}"#,
            "conduct_date",
        ),
        (
            "not_json.json",
            r#"{"facts": {"conduct_date": "#,
            "case file is not well-formed",
        ),
        ("bad.yaml", "facts:\n  conduct_date: 2021-13-01\n", "conduct_date"),
        ("bad.toml", "[facts]\nillegal_videos = -3\n", "illegal_videos"),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write case");
        let output = ruling_bin()
            .arg("eval")
            .arg(root().join("rules"))
            .arg("--facts")
            .arg(&path)
            .output()
            .expect("run ruling");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{name}: stderr does not name `{needle}`:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}
