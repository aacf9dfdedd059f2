//! Language features evaluated end to end on small rule files.

use ruling::{EvalError, ExplainMode, Options, RuleSet};
use serde_json::json;

use super::support::eval_json;

const HEADER: &str = "source 法 \"测试法\" in_force 2020-01-01\n";

fn conclusion(rules: &str, facts: &str, name: &str) -> serde_json::Value {
    let rules = RuleSet::from_source("test.rule", &format!("{HEADER}{rules}")).expect("rules check");
    let outcome = eval_json(
        &rules,
        &format!(r#"{{"as_of": "2021-01-01", "facts": {facts}}}"#),
        &Options::default(),
    )
    .expect("evaluates");
    outcome.conclusion(name).cloned().expect("conclusion exists")
}

#[test]
fn n_of_counts_branches_three_valued() {
    let rules = r#"
fact a: bool "甲"
fact b: bool "乙"
fact c: bool "丙"
rule two: bool "二项以上" cite 法 第一条 = 2 of { "a": a, "b": b, "c": c }
"#;
    assert_eq!(conclusion(rules, r#"{"a": true, "b": true}"#, "two"), json!(true));
    assert_eq!(conclusion(rules, r#"{"a": false, "b": false}"#, "two"), json!(false));
    assert_eq!(conclusion(rules, r#"{"a": true, "b": false}"#, "two"), json!(null));
}

#[test]
fn aggregates_filter_records_and_sum_money_exactly() {
    let rules = r#"
fact conduct_date: date "行为日期"
fact acts: list { on: date "日期", gains: money "违法所得", processed: bool "已处理" = false } "行为" = []
rule total: money "累计违法所得" cite 法 第十六条 = sum(acts: gains where not processed and on > conduct_date - 2 years)
rule largest: money? "最大一次" cite 法 第十六条 = max(acts: gains)
rule n: count "次数" cite 法 第十六条 = count(acts where not processed)
rule all_processed: bool "均已处理" cite 法 第十六条 = all(acts: processed)
"#;
    let facts = r#"{"conduct_date": "2021-06-01", "acts": [
        {"on": "2019-06-01", "gains": "0.10"}, {"on": "2019-06-02", "gains": "0.20"},
        {"on": "2021-01-01", "gains": "1000.05", "processed": true}]}"#;
    assert_eq!(conclusion(rules, facts, "total"), json!("0.20"));
    assert_eq!(conclusion(rules, facts, "largest"), json!("1000.05"));
    assert_eq!(conclusion(rules, facts, "n"), json!(2));
    assert_eq!(conclusion(rules, facts, "all_processed"), json!(false));
}

#[test]
fn money_literals_percentages_and_exact_ratios() {
    let rules = r#"
fact turnover: money "营业额"
param 比例: percent "比例" cite 法 第六十六条 = 5%
rule cap: money "上限" cite 法 第六十六条 = turnover * 比例
rule over: bool "超过十万元" cite 法 第六十六条 = cap > 10万元
rule third: decimal "三分之一" cite 法 第一条 = 1 / 3
"#;
    assert_eq!(
        conclusion(rules, r#"{"turnover": "2000000.20"}"#, "cap"),
        json!("100000.01")
    );
    assert_eq!(conclusion(rules, r#"{"turnover": "2000000.20"}"#, "over"), json!(true));
    assert_eq!(conclusion(rules, r#"{"turnover": "2000000.00"}"#, "over"), json!(false));
    assert_eq!(conclusion(rules, r#"{"turnover": "1"}"#, "third"), json!("1/3"));
}

#[test]
fn dates_move_by_calendar_years_and_clamp_month_ends() {
    let rules = r#"
fact d: date "日期"
rule back: date "二年前" cite 法 第一条 = d - 2 years
rule hour_ok: bool "一小时" cite 法 第一条 = 60 minutes >= 1 hour
"#;
    assert_eq!(conclusion(rules, r#"{"d": "2020-02-29"}"#, "back"), json!("2018-02-28"));
    assert_eq!(conclusion(rules, r#"{"d": "2020-02-29"}"#, "hour_ok"), json!(true));
}

#[test]
fn chinese_identifiers_and_magnitudes() {
    let rules = r#"
fact 违法所得数额: money "违法所得" = 0元
param 数额较大标准: money "数额较大" cite 法 第十条 = 1万元
rule 数额较大: bool "违法所得数额较大" cite 法 第十条 = 违法所得数额 >= 数额较大标准
"#;
    assert_eq!(
        conclusion(rules, r#"{"违法所得数额": "10000"}"#, "数额较大"),
        json!(true)
    );
    assert_eq!(
        conclusion(rules, r#"{"违法所得数额": "9999.99"}"#, "数额较大"),
        json!(false)
    );
}

#[test]
fn applicable_exceptions_with_different_values_name_both_citations() {
    let rules = format!(
        "{HEADER}{}",
        r#"
fact x: bool "甲"
fact y: bool "乙"
rule r: text "结论" cite 法 第一条 = "原则"
exception e1 to r cite 法 第二条 when x = "例外一"
exception e2 to r cite 法 第三条 when y = "例外二"
"#
    );
    let rules_text = rules.clone();
    let rules = RuleSet::from_source("test.rule", &rules).expect("rules check");
    let result = eval_json(
        &rules,
        r#"{"as_of": "2021-01-01", "facts": {"x": true, "y": true}}"#,
        &Options::default(),
    );
    match result {
        Err(EvalError::ExceptionConflict {
            first_cite,
            second_cite,
            ..
        }) => {
            assert_eq!(first_cite, "测试法 第二条");
            assert_eq!(second_cite, "测试法 第三条");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let one = eval_json(
        &rules,
        r#"{"as_of": "2021-01-01", "facts": {"x": true, "y": false}}"#,
        &Options::default(),
    )
    .expect("evaluates");
    assert_eq!(one.conclusion("r"), Some(&json!("例外一")));
    // On the command line the conflict is a rule-file error: status 1, both citations named.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("r.rule"), rules_text).expect("write rules");
    std::fs::write(
        dir.path().join("case.json"),
        r#"{"as_of": "2021-01-01", "facts": {"x": true, "y": true}}"#,
    )
    .expect("write case");
    let output = super::support::ruling_bin()
        .args(["eval"])
        .arg(dir.path().join("r.rule"))
        .arg("--facts")
        .arg(dir.path().join("case.json"))
        .output()
        .expect("ruling runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("第二条") && stderr.contains("第三条"), "{stderr}");
}

#[test]
fn a_default_may_name_another_fact() {
    let rules = r#"
fact conduct_date: date "行为日期"
fact decision_date: date "处理日期" = conduct_date
rule d: date "处理日期" cite 法 第一条 = decision_date
"#;
    assert_eq!(
        conclusion(rules, r#"{"conduct_date": "2021-05-20"}"#, "d"),
        json!("2021-05-20")
    );
    assert_eq!(
        conclusion(
            rules,
            r#"{"conduct_date": "2021-05-20", "decision_date": "2022-01-01"}"#,
            "d"
        ),
        json!("2022-01-01")
    );
    assert_eq!(conclusion(rules, r#"{}"#, "d"), json!(null));
}

#[test]
fn not_block_and_not_operator() {
    let rules = r#"
fact a: bool "甲"
rule r: bool "乙" cite 法 第一条 = not { "x" cite 第一项: a }
rule s: bool "丙" cite 法 第一条 = not a and not any { "y": a }
"#;
    assert_eq!(conclusion(rules, r#"{"a": false}"#, "r"), json!(true));
    assert_eq!(conclusion(rules, r#"{"a": true}"#, "s"), json!(false));
    assert_eq!(conclusion(rules, r#"{}"#, "r"), json!(null));
}

/// A block evaluates every branch in every mode: an arithmetic error after a decisive branch is
/// an error whether explanations are off, outcome-only or full, in `eval` and in `batch` alike.
#[test]
fn a_block_evaluates_every_branch_whatever_is_recorded() {
    let rules = RuleSet::from_source(
        "r.rule",
        "fact a: count \"a\"\nfact b: bool \"b\"\nrule r: bool \"r\" = all {\n  \"1\": b\n  \"2\": a * a > 0\n}\n",
    )
    .unwrap();
    let case = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": 18446744073709551615, "b": false}}"#)
        .unwrap();
    for explain in [ExplainMode::None, ExplainMode::Outcome, ExplainMode::Full] {
        let options = Options {
            explain,
            ..Options::default()
        };
        let result = rules.evaluate(&case, &options);
        assert!(
            matches!(result, Err(ruling::EvalError::Arithmetic { .. })),
            "{explain:?}: {result:?}"
        );
        let mut evaluator = rules.evaluator(&options);
        let prepared = evaluator.prepare(&case).unwrap();
        assert!(evaluator.values(&prepared).is_err(), "{explain:?}: values");
        assert!(evaluator.record(&prepared).is_err(), "{explain:?}: record");
    }
    // Without the overflow, the decided block is false in every mode.
    let fine = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": 3, "b": false}}"#).unwrap();
    for explain in [ExplainMode::None, ExplainMode::Full] {
        let options = Options {
            explain,
            ..Options::default()
        };
        assert_eq!(
            rules.evaluate(&fine, &options).unwrap().conclusion("r"),
            Some(&serde_json::json!(false))
        );
    }
}

/// One semantics whatever is recorded: an arithmetic error in a branch of `all` is an error even
/// when another branch is false (a block is explained branch by branch), while `and` reads left to
/// right and never evaluates its right side once the left decides.
#[test]
fn an_error_in_a_block_is_an_error_in_every_mode_and_and_short_circuits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("r.rule");
    std::fs::write(
        &rules,
        format!(
            "{HEADER}fact a: count \"a\"\nfact b: bool \"b\"\n\
             rule r: bool cite 法 第一条 = all {{ b, a * a > 0 }}\n\
             rule s: bool cite 法 第二条 = b and a * a > 0\n"
        ),
    )
    .expect("write rules");
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":1,\"a\":18446744073709551615,\"b\":false}\n").expect("write input");
    for explain in ["none", "outcome", "full"] {
        let mut command = super::support::ruling_bin();
        command.args(["batch", "--as-of", "2021-01-01", "--explain", explain]);
        if explain != "none" {
            command.arg("--catalog").arg(dir.path().join("catalog.json"));
        }
        let out = command.arg(&rules).arg("--input").arg(&input).output().expect("runs");
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(
            line.contains("\"code\":\"ruling::eval::arithmetic\""),
            "--explain {explain}: {line}"
        );
    }
    let set = RuleSet::load(&rules).expect("rules check");
    for mode in [ExplainMode::None, ExplainMode::Outcome, ExplainMode::Full] {
        let options = Options {
            explain: mode,
            ..Options::default()
        };
        let result = eval_json(
            &set,
            r#"{"as_of": "2021-01-01", "facts": {"a": 18446744073709551615, "b": false}}"#,
            &options,
        );
        assert!(
            matches!(result, Err(EvalError::Arithmetic { .. })),
            "{mode:?}: {result:?}"
        );
    }
    let only_s = RuleSet::from_source(
        "s.rule",
        &format!("{HEADER}fact a: count \"a\"\nfact b: bool \"b\"\nrule s: bool cite 法 第二条 = b and a * a > 0\n"),
    )
    .expect("checks");
    let outcome = eval_json(
        &only_s,
        r#"{"as_of": "2021-01-01", "facts": {"a": 18446744073709551615, "b": false}}"#,
        &Options::default(),
    )
    .expect("and short-circuits");
    assert_eq!(outcome.conclusion("s"), Some(&json!(false)));
}
