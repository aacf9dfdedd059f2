//! Legal editors change rule files, not Rust: thresholds and dated versions.

use ruling::{Options, RuleSet};

use super::support::{copy_dir, eval_json, root};

const CASE_250_VIDEOS: &str = r#"{"facts": {"conduct_date": "2021-03-15", "actor_kind": "unit",
    "network_service_type": "application_service", "correction_order_status": "refused",
    "illegal_videos": 250}}"#;

#[test]
fn editing_a_threshold_changes_the_outcome_without_a_rebuild() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&root().join("rules"), dir.path());
    let before = RuleSet::load(dir.path()).expect("copied rules load");
    let outcome = eval_json(&before, CASE_250_VIDEOS, &Options::default()).expect("evaluates");
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::json!(true))
    );

    let file = dir.path().join("interpretation-2019-15/art-03.rule");
    let text = std::fs::read_to_string(&file).expect("read rule file");
    let edited = text.replace("第三条 第一项 = 200", "第三条 第一项 = 300");
    assert_ne!(text, edited, "the threshold line should be found");
    std::fs::write(&file, edited).expect("write rule file");

    let after = RuleSet::load(dir.path()).expect("edited rules load");
    let outcome = eval_json(&after, CASE_250_VIDEOS, &Options::default()).expect("evaluates");
    assert_eq!(
        outcome.conclusion("cl286_1_established"),
        Some(&serde_json::json!(false))
    );
    assert_eq!(outcome.conclusion("i2019_art3_items_met"), Some(&serde_json::json!([])));
}

const VERSIONED: &str = r#"
source 解释 "法释〔2019〕15号" in_force 2019-11-01
fact illegal_videos: count "致使传播的违法视频文件数" = 0
param 违法视频文件数标准: count "违法视频文件数量标准"
    from 2019-11-01 cite 解释 第三条 第一项 = 200
    from 2024-01-01 cite 解释 第三条 第一项 = 300
rule mass_spread: bool "致使违法信息大量传播" cite 解释 第三条 = illegal_videos >= 违法视频文件数标准
"#;

#[test]
fn a_dated_parameter_picks_the_version_in_force_and_says_which() {
    let rules = RuleSet::from_source("versions.rule", VERSIONED).expect("rules");
    for (as_of, expected, version) in [
        ("2023-12-31", true, "2019-11-01起施行的版本（共2个版本）"),
        ("2024-01-01", false, "2024-01-01起施行的版本（共2个版本）"),
    ] {
        let json = format!(r#"{{"as_of": "{as_of}", "facts": {{"illegal_videos": 250}}}}"#);
        let outcome = eval_json(&rules, &json, &Options::default()).expect("evaluates");
        assert_eq!(
            outcome.conclusion("mass_spread"),
            Some(&serde_json::json!(expected)),
            "as of {as_of}"
        );
        let explanation = serde_json::to_string(&outcome.explanation).expect("serialises");
        assert!(explanation.contains(version), "as of {as_of}: {explanation}");
    }
}

const LIGHTER_LAW: &str = r#"
source 旧法 "网络安全法（2016）" in_force 2017-06-01
source 新法 "网络安全法（2025修正）" in_force 2026-01-01
fact conduct_date: date "行为日期"
fact decision_date: date "处罚决定日期"
param 罚款上限: money "罚款上限"
    from 2017-06-01 cite 旧法 第六十八条 第一款 = 50万元
    from 2026-01-01 cite 新法 第六十九条 第一款 = 200万元
rule 适用日期: date "适用的法律时点" cite 旧法 第六十八条
    = if 罚款上限 at decision_date < 罚款上限 at conduct_date then decision_date else conduct_date
rule 适用罚款上限: money "罚款上限（从旧兼从轻）" cite 旧法 第六十八条 = 罚款上限 at 适用日期
"#;

#[test]
fn the_lighter_law_rule_is_written_in_a_rule_file() {
    let rules = RuleSet::from_source("lighter.rule", LIGHTER_LAW).expect("rules");
    let json = r#"{"facts": {"conduct_date": "2025-10-01", "decision_date": "2026-03-01"}}"#;
    let outcome = eval_json(&rules, json, &Options::default()).expect("evaluates");
    assert_eq!(outcome.conclusion("适用日期"), Some(&serde_json::json!("2025-10-01")));
    assert_eq!(
        outcome.conclusion("适用罚款上限"),
        Some(&serde_json::json!("500000.00"))
    );
}
