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

// ---------------------------------------------------------------- values as people type them

/// The help of the first problem at `path` that a case of the shipped rules gives.
fn help_at(json: &str, path: &str) -> String {
    let rules = shipped_rules();
    let case = Case::from_json(json).expect("well-formed JSON");
    let Err(EvalError::Facts(facts)) = rules.evaluate(&case, &Options::default()) else {
        panic!("expected fact errors for {json}")
    };
    let problem = facts
        .problems
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem at {path}: {:?}", facts.problems));
    problem.help.clone().unwrap_or_default()
}

#[test]
fn an_enum_value_may_be_written_as_its_label() {
    let rules = shipped_rules();
    let by_code = Case::from_json(
        r#"{"as_of": "2026-06-30", "facts": {"actor_kind": "person", "correction_order_status": "refused"}}"#,
    )
    .expect("json");
    let by_label = Case::from_json(
        r#"{"as_of": "2026-06-30", "facts": {"actor_kind": "自然人", "correction_order_status": "拒不改正"}}"#,
    )
    .expect("json");
    let a = rules.evaluate(&by_code, &Options::default()).expect("codes evaluate");
    let b = rules.evaluate(&by_label, &Options::default()).expect("labels evaluate");
    assert_eq!(
        serde_json::to_value(a.conclusions()).expect("json"),
        serde_json::to_value(b.conclusions()).expect("json")
    );
    // An unknown word lists the codes with their labels.
    let help = help_at(r#"{"facts": {"actor_kind": "公司"}}"#, "/facts/actor_kind");
    assert!(
        help.contains("person (自然人)") && help.contains("unit (单位)"),
        "{help}"
    );
    let help = help_at(r#"{"facts": {"actor_kind": "自然"}}"#, "/facts/actor_kind");
    assert!(help.contains("did you mean `自然人`?"), "{help}");
}

#[test]
fn numbers_with_units_and_full_width_characters_say_what_to_write() {
    let cases = [
        (r#"{"facts": {"actor_age": "35岁"}}"#, "/facts/actor_age", "write 35"),
        (
            r#"{"facts": {"illegal_videos": "250个"}}"#,
            "/facts/illegal_videos",
            "write 250",
        ),
        (
            r#"{"facts": {"illegal_videos": "２５０"}}"#,
            "/facts/illegal_videos",
            "full-width digits (a Chinese input method): write 250",
        ),
        (
            r#"{"facts": {"conduct_date": "２０２６－０６－０１"}}"#,
            "/facts/conduct_date",
            "write \"2026-06-01\"",
        ),
        (
            r#"{"facts": {"illegal_videos": "250"}}"#,
            "/facts/illegal_videos",
            "write the number without quotes: 250",
        ),
    ];
    for (json, path, expected) in cases {
        let help = help_at(json, path);
        assert!(help.contains(expected), "{json}: {help}");
    }
}

#[test]
fn batch_lines_take_enum_labels_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("cases.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"code\", \"as_of\": \"2026-06-30\", \"facts\": {\"actor_kind\": \"person\"}}\n\
         {\"id\": \"label\", \"as_of\": \"2026-06-30\", \"facts\": {\"actor_kind\": \"自然人\"}}\n",
    )
    .expect("writes");
    let output = ruling_bin()
        .args(["batch", "rules/", "--input"])
        .arg(&input)
        .current_dir(root())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(lines.len(), 2, "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(lines[1].get("error").is_none(), "{stdout}");
    assert_eq!(lines[0]["conclusions"], lines[1]["conclusions"], "{stdout}");
    // CSV cells too.
    let csv = dir.path().join("cases.csv");
    std::fs::write(
        &csv,
        "id,as_of,actor_kind\ncode,2026-06-30,person\nlabel,2026-06-30,自然人\n",
    )
    .expect("writes");
    let output = ruling_bin()
        .args(["batch", "rules/", "--input"])
        .arg(&csv)
        .current_dir(root())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[1].get("error").is_none(), "{stdout}");
    assert_eq!(rows[0]["conclusions"], rows[1]["conclusions"], "{stdout}");
    assert_eq!(rows[1]["conclusions"], lines[1]["conclusions"], "{stdout}");
}

#[test]
fn in_chinese_the_help_and_labels_of_case_problems_are_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let case = dir.path().join("case.json");
    std::fs::write(
        &case,
        r#"{"as_of": "2026-06-30", "facts": {"actor_age": "35岁", "actor_kind": "公司", "illegal_videos": "２５０"}}"#,
    )
    .expect("writes");
    let output = ruling_bin()
        .args(["eval", "rules/", "--lang", "zh", "--facts"])
        .arg(&case)
        .current_dir(root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "写作 35：只写数字，不加引号，不写单位（`岁`）",
        "写取值代码或其标签：person (自然人), unit (单位)",
        "`２５０` 含全角数字（中文输入法）：写作 250，不加引号",
        "╰── 类型不对",
    ] {
        assert!(stderr.contains(expected), "missing `{expected}` in:\n{stderr}");
    }
    for english in ["write 35", "write a code", "type mismatch\n"] {
        assert!(!stderr.contains(english), "`{english}` in:\n{stderr}");
    }
}

#[test]
fn help_is_chinese_with_lang_zh() {
    let run = |args: &[&str]| {
        let output = ruling_bin()
            .args(args)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let zh = run(&["--lang", "zh", "--help"]);
    for expected in [
        "用法：ruling",
        "命令:",
        "new-case  输出案件骨架",
        "-h, --help         显示帮助",
    ] {
        assert!(zh.contains(expected), "missing `{expected}` in:\n{zh}");
    }
    let sub = run(&["new-case", "--help", "--lang=zh"]);
    assert!(sub.contains("参数:") && sub.contains("选项:"), "{sub}");
    // Each option is described in Chinese too, its values and default included.
    for expected in ["只列出这些结论所依赖的事实", "把骨架写入该文件"] {
        assert!(sub.contains(expected), "missing `{expected}` in:\n{sub}");
    }
    assert!(
        !sub.contains("Print help") && !sub.contains("[possible values"),
        "{sub}"
    );
    let en = run(&["--help"]);
    assert!(en.contains("Usage: ruling") && !en.contains("用法"), "{en}");
}
