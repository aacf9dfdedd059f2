//! Legal fidelity of the shipped rules (issue #11): the articles an explanation rests on are
//! those that applied on the dates of the case, and none that did not.

use ruling::Options;

use super::support::{root, shipped_rules};

/// The citations the explanation of `conclusion` rests on, for a shipped case file.
fn citations(path: &str, conclusion: &str) -> Vec<String> {
    let rules = shipped_rules();
    let case = ruling::Case::from_path(root().join(path)).expect("case");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    outcome
        .explanation()
        .expect("full explanation")
        .citations_of(conclusion)
}

fn assert_cites(path: &str, conclusion: &str, present: &[&str], absent: &[&str]) {
    let cited = citations(path, conclusion);
    for c in present {
        assert!(
            cited.iter().any(|x| x == c),
            "{path}: {conclusion} does not cite {c}: {cited:?}"
        );
    }
    for c in absent {
        assert!(
            !cited.iter().any(|x| x == c),
            "{path}: {conclusion} cites {c}: {cited:?}"
        );
    }
}

/// 多次 is one convention used under 第五条第三项, 第六条第二项 and 第十六条: under each article
/// the explanation names that article, not the first one that uses the word.
#[test]
fn the_multiple_times_parameter_is_cited_at_the_article_of_use() {
    assert_cites(
        "tests/cases/i2019-art06/d01_orders_refused_3_within_2y.json",
        "i2019_other_serious_circumstances",
        &["法释〔2019〕15号 第六条第二项"],
        &["法释〔2019〕15号 第五条第三项"],
    );
    assert_cites(
        "tests/cases/i2019-art16/j01_three_helping_acts_within_2y.json",
        "i2019_art16_aggregated",
        &["法释〔2019〕15号 第十六条"],
        &["法释〔2019〕15号 第五条第三项", "法释〔2019〕15号 第六条第二项"],
    );
}

/// “二年内” under 第十二条第一款第五项 cites that item, not 第十条第六项 or 第六条第二项.
#[test]
fn the_two_year_window_is_cited_at_the_article_of_use() {
    assert_cites(
        "tests/cases/cl287-2/g09_admin_penalty_within_2y.json",
        "i2019_helping_serious",
        &["法释〔2019〕15号 第十二条第一款第五项"],
        &["法释〔2019〕15号 第十条第六项", "法释〔2019〕15号 第六条第二项"],
    );
}

/// Publishing information is conduct under 刑法第二百八十七条之一第一款第二项 and 第三项.
#[test]
fn publishing_cites_both_items_of_article_287_1() {
    assert_cites(
        "tests/cases/cl287-1/f01_posts_at_100.json",
        "cl287_1_elements_met",
        &[
            "刑法 第二百八十七条之一第一款第二项",
            "刑法 第二百八十七条之一第一款第三项",
        ],
        &[],
    );
}

/// A decision taken before 2021-07-15 rests on the 行政处罚法 then in force, not on the 2021 revision.
/// (The exception of the 2021 text is still listed, as not applicable, under `csl_penalty_tier`.)
#[test]
fn decisions_before_the_2021_revision_cite_the_earlier_text() {
    let path = "tests/cases/csl/g10_admin_art27_no_penalty_decided_2019.json";
    assert_cites(
        path,
        "csl_penalty_tier",
        &["行政处罚法（2021年修订前） 第二十七条第二款"],
        &[],
    );
    assert_cites(
        path,
        "admin_no_penalty",
        &["行政处罚法（2021年修订前） 第二十七条第二款"],
        &["行政处罚法 第三十三条第一款"],
    );
    assert_cites(
        path,
        "csl_order_to_correct",
        &["行政处罚法（2021年修订前） 第二十三条"],
        &["行政处罚法 第二十八条第一款"],
    );
}

/// 竞合 with equal statutory penalties: which offence governs depends on the facts of the case; a
/// case silent on them leaves the conclusion unknown and names the fact (issue #11 item 7).
#[test]
fn equal_penalties_leave_the_governing_offence_to_the_facts() {
    let rules = shipped_rules();
    let path = "tests/cases/concurrence/c02_287_1_and_287_2_equal_penalties_unknown.json";
    let case = ruling::Case::from_path(root().join(path)).expect("case");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    assert_eq!(
        outcome.conclusion("cl_concurrence_applies"),
        Some(&serde_json::json!(true))
    );
    assert_eq!(
        outcome.conclusion("cl_governing_offence"),
        Some(&serde_json::Value::Null)
    );
    assert!(outcome.unknown_conclusions.iter().any(|c| c == "cl_governing_offence"));
    assert!(outcome
        .missing_facts()
        .iter()
        .any(|f| f == "concurrence_heavier_offence"));
}

/// 追诉时效: past the end of the period the date the prosecution started decides; a case silent on
/// it leaves `cl_time_barred` unknown and names the fact (issue #11 item 8).
#[test]
fn a_missing_prosecution_date_leaves_the_limitation_unknown() {
    let rules = shipped_rules();
    let path = "tests/cases/limitation/t03_prosecution_date_missing_unknown.json";
    let case = ruling::Case::from_path(root().join(path)).expect("case");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    assert_eq!(outcome.conclusion("cl_time_barred"), Some(&serde_json::Value::Null));
    assert!(outcome.unknown_conclusions.iter().any(|c| c == "cl_time_barred"));
    assert!(outcome.missing_facts().iter().any(|f| f == "prosecution_start_date"));
}
