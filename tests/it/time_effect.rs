//! Time effect of judicial interpretations (issue #11 item 9): the `prefer` clause on a dated
//! parameter or rule, tested with fixture rules that hold a hypothetical lighter 2027 version.

use ruling::{format, testing, Options, RuleSet};

use super::support::{root, shipped_with_a_2027_threshold};

fn fixture() -> RuleSet {
    RuleSet::load(root().join("tests/fixtures/prefer/rules.rule")).expect("fixture rules load")
}

#[test]
fn fixture_cases_choose_the_lighter_version() {
    let rules = fixture();
    let files = testing::case_files(&[root().join("tests/fixtures/prefer/cases")]);
    assert!(files.len() >= 8, "fixture cases: {files:?}");
    for file in &files {
        let result = testing::run_case_file(&rules, file);
        assert!(
            result.passed(),
            "{}: {:?} {:?}",
            file.display(),
            result.mismatches,
            result.error
        );
    }
}

/// The explanation names both versions, the comparison and the article that chose.
#[test]
fn the_explanation_shows_both_versions_and_the_reason() {
    let rules = fixture();
    let case = ruling::Case::from_path(
        root().join("tests/fixtures/prefer/cases/p01_lighter_threshold_at_decision_applies.json"),
    )
    .expect("case");
    let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
    let options = ruling::report::text::TextOptions {
        conclusion: Some(String::from("大量传播")),
        ..Default::default()
    };
    let text = ruling::report::text::render(&outcome, &options);
    for needle in [
        "依 2027-03-01 时施行的规定：`视频标准` = 300",
        "依 2026-06-01 时施行的规定：`视频标准` = 200",
        "`prefer higher at decision_date over conduct_date`：300 > 200",
        "《关于适用刑事司法解释时间效力问题的规定》 第三条",
        "`illegal_videos >= 视频标准`：250 < 300",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

#[test]
fn the_fixture_is_in_canonical_layout_and_round_trips() {
    let path = root().join("tests/fixtures/prefer/rules.rule");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let formatted = format::format_source("rules.rule", &text).expect("formats");
    assert_eq!(formatted, text, "run `ruling fmt tests/fixtures/prefer/`");
    // A clause laid out differently prints canonically and means the same.
    let messy =
        "source 法 \"法\"\nsource 规定 \"规定\"\nfact conduct_date: date\nfact decision_date: date = conduct_date\n\
                 param p: count \"p\"\n  from 2020-01-01 cite 法 第一条 = 1\n  from 2027-01-01 cite 法 第一条 = 2\n\
                 prefer   lower  at (decision_date)\n over conduct_date \"较轻\"   cite 规定 第三条\n\
                 rule r: bool \"r\" cite 法 第一条 = p >= 1\n";
    let once = format::format_source("m.rule", messy).expect("formats");
    assert!(
        once.contains("    prefer lower at (decision_date) over conduct_date \"较轻\" cite 规定 第三条\n"),
        "{once}"
    );
    let twice = format::format_source("m.rule", &once).expect("formats again");
    assert_eq!(once, twice, "formatting is not idempotent");
    let before = format::parse_source("m.rule", messy).expect("parses");
    let after = format::parse_source("m.rule", &once).expect("parses formatted");
    assert_eq!(format::without_spans(&before), format::without_spans(&after));
}

/// The shipped 2019 pack carries the clause on its thresholds: adding a lighter (hypothetical)
/// 2027 version of 第三条第一项 makes it apply to earlier conduct decided after 2027-01-01, and
/// only then.
#[test]
fn a_lighter_2027_version_of_the_2019_pack_applies_to_pending_earlier_conduct() {
    let dir = tempfile::tempdir().expect("temp dir");
    shipped_with_a_2027_threshold(dir.path());
    let rules = RuleSet::load(dir.path()).expect("patched rules load");
    let evaluate = |decision: &str, videos: u32| {
        let json = format!(
            r#"{{"facts": {{"conduct_date": "2026-06-01", "decision_date": "{decision}", "actor_kind": "unit",
                "network_service_type": "application_service", "correction_order_status": "refused",
                "illegal_videos": {videos}}}}}"#
        );
        let case = ruling::Case::from_json(&json).expect("case");
        let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
        (
            outcome.conclusion("i2019_mass_spread").cloned(),
            outcome.conclusion("cl286_1_established").cloned(),
        )
    };
    let yes = Some(serde_json::json!(true));
    let no = Some(serde_json::json!(false));
    // Decided before the 2027 version: 250 ≥ 200.
    assert_eq!(evaluate("2026-12-01", 250), (yes.clone(), yes.clone()));
    // Decided under the 2027 version, which is lighter: 250 < 300.
    assert_eq!(evaluate("2027-03-01", 250), (no.clone(), no));
    // Above both standards either way.
    assert_eq!(evaluate("2027-03-01", 300), (yes.clone(), yes));
}

/// A clause that cannot be honoured is an error: no order for text, a date that is not a fact.
#[test]
fn a_clause_the_type_cannot_order_is_rejected() {
    let text = "source 法 \"法\"\nsource 规定 \"规定\"\nfact conduct_date: date\n\
                param p: text \"p\"\n    from 2020-01-01 cite 法 第一条 = \"a\"\n    from 2027-01-01 cite 法 第一条 = \"b\"\n\
                    prefer higher at conduct_date over conduct_date cite 规定 第三条\n\
                rule r: bool \"r\" cite 法 第一条 = p == \"a\"\n";
    let Err(ruling::LoadError::Invalid { diagnostics }) = RuleSet::from_source("t.rule", text) else {
        panic!("accepted");
    };
    assert!(diagnostics.codes().iter().any(|c| c == "ruling::check::invalid_prefer"));
}
