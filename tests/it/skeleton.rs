//! `ruling new-case`: a case skeleton that lists what the questions depend on and, once filled
//! in, is a case file.

use ruling::{Case, CaseFormat, CaseLimits, Options};

use super::support::{root, ruling_bin, shipped_rules};

fn skeleton(questions: &[&str]) -> String {
    let questions: Vec<String> = questions.iter().map(|q| q.to_string()).collect();
    ruling::skeleton::case_skeleton(&shipped_rules(), &questions).expect("skeleton")
}

/// The skeleton with some `name: null` lines given a value.
fn filled(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (key, value) in values {
        let line = format!("{key}: null\n");
        assert!(out.contains(&line), "no `{key}` in the skeleton:\n{text}");
        out = out.replacen(&line, &format!("{key}: {value}\n"), 1);
    }
    out
}

#[test]
fn the_skeleton_of_a_question_lists_its_facts_with_label_type_and_default() {
    let text = skeleton(&["cl286_1_established"]);
    for expected in [
        "questions: [cl286_1_established]",
        "  # 致使传播的违法视频文件数 · count：非负整数，如 250（不加引号和单位） · 默认 0\n  illegal_videos: null\n",
        "  # 行为主体类型 · 取值：person（自然人）、unit（单位） · 无默认值：不给出则为“未知”\n  actor_kind: null\n",
        "decision_date: null",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    // Only what the question depends on: no PIPL fact.
    assert!(!text.contains("pi_processor"), "{text}");
    // The whole rule set without a question.
    assert!(skeleton(&[]).contains("pi_processor: null"));
}

#[test]
fn the_skeleton_parses_and_once_filled_is_a_case() {
    let text = skeleton(&["cl286_1_established"]);
    let limits = CaseLimits::default();
    let empty = Case::parse_with_limits("skeleton.yaml", &text, CaseFormat::Yaml, &limits).expect("skeleton parses");
    assert_eq!(empty.questions, vec![String::from("cl286_1_established")]);
    let case = filled(
        &text,
        &[
            ("as_of", "\"2026-06-30\""),
            ("conduct_date", "\"2026-06-01\""),
            ("actor_kind", "自然人"),
            ("actor_age", "35"),
            ("network_service_type", "application_service"),
            ("correction_order_status", "拒不改正"),
            ("illegal_videos", "250"),
        ],
    );
    let case = Case::parse_with_limits("case.yaml", &case, CaseFormat::Yaml, &limits).expect("filled case parses");
    let outcome = shipped_rules().evaluate(&case, &Options::default()).expect("evaluates");
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::json!(true))
    );
}

#[test]
fn new_case_writes_a_file_and_names_an_unknown_question() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("case.yaml");
    let output = ruling_bin()
        .args(["new-case", "rules/", "--question", "cl286_1_established", "-o"])
        .arg(&path)
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let written = std::fs::read_to_string(&path).expect("written");
    assert_eq!(written, skeleton(&["cl286_1_established"]));
    let output = ruling_bin()
        .args(["new-case", "rules/", "--question", "cl286_1_establishd"])
        .current_dir(root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `cl286_1_established`?"), "{stderr}");
}
