//! Resource limits: every pathological input gives a clear diagnostic or a correct
//! result, never a stack overflow, an out-of-memory or a hang.
//!
//! Sizes are scaled so the suite stays fast (the 100,000 nested parentheses run at full size); the
//! other full sizes of the issue (a 50 MB case file, a list of 1,000,000 items) are checked by
//! `scripts/full-size-limits`, documented in docs/errors.md.

use ruling::{Case, CaseError, CaseFormat, CaseLimits, EvalError, LoadError, Options, ParseLimits, RuleSet};
use serde_json::json;

use super::support::{eval_json, shipped_rules};

const HEADER: &str = "source 法 \"测试法\" in_force 2020-01-01\nfact v: count \"v\" = 0\n";

/// The codes of the errors a rule text gives (empty when it loads).
fn load_codes(text: &str, limits: &ParseLimits) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.rule");
    std::fs::write(&path, text).expect("write");
    match RuleSet::load_with_limits(&path, limits) {
        Ok(_) => Vec::new(),
        Err(LoadError::Invalid { diagnostics }) => diagnostics
            .codes()
            .into_iter()
            .filter(|c| c != "ruling::check::unused")
            .collect(),
        Err(other) => vec![format!("{other}")],
    }
}

fn rule(body: &str) -> String {
    format!("{HEADER}rule r: bool cite 法 第一条 = {body}\n")
}

/// Runs `f` on a thread with the 2 MiB stack of a test thread, reporting a crash as a failure.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn one_hundred_thousand_nested_parentheses_are_too_deep() {
    let n = 100_000;
    let text = rule(&format!("{}v{} >= 1", "(".repeat(n), ")".repeat(n)));
    let codes = on_small_stack(move || load_codes(&text, &ParseLimits::default()));
    assert_eq!(codes, ["ruling::parse::too_deep"]);
}

#[test]
fn long_prefix_and_operator_chains_are_too_deep() {
    let n = 100_000;
    let cases = [
        rule(&format!("{}true", "not ".repeat(n))),
        rule(&format!("{}v >= 1", "- ".repeat(n))),
        rule(&format!("v{} >= 1", " + v".repeat(n))),
        rule(&format!("{}true", "if true then true else ".repeat(n))),
        format!("{HEADER}fact l: {}count{} \"l\"\n", "list<".repeat(n), ">".repeat(n)),
        format!(
            "{HEADER}rule q: count cite 法 第一条 = v\nrule r: count cite 法 第一条 = q{}\n",
            " at 2020-01-01".repeat(n)
        ),
    ];
    for text in cases {
        let head: String = text.chars().skip(HEADER.chars().count()).take(40).collect();
        let codes = on_small_stack(move || load_codes(&text, &ParseLimits::default()));
        assert_eq!(codes, ["ruling::parse::too_deep"], "{head}");
    }
}

#[test]
fn a_long_chain_of_rules_is_too_deep_to_evaluate() {
    let n = 10_000;
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&format!("rule r{i}: count cite 法 第一条 = r{}\n", i + 1));
    }
    text.push_str(&format!("rule r{n}: count cite 法 第一条 = v\n"));
    let codes = on_small_stack(move || load_codes(&text, &ParseLimits::default()));
    assert_eq!(codes, ["ruling::check::too_deep"]);
}

#[test]
fn nesting_just_within_the_limits_evaluates_on_a_small_stack() {
    let limits = ParseLimits::default();
    let parens = limits.max_nesting - 2;
    let chain = limits.max_eval_depth - 2;
    let value = on_small_stack(move || {
        let mut text = rule(&format!("{}v{} >= 1", "(".repeat(parens), ")".repeat(parens)));
        for i in 0..chain {
            text.push_str(&format!("rule c{i}: count cite 法 第一条 = c{}\n", i + 1));
        }
        text.push_str(&format!("rule c{chain}: count cite 法 第一条 = v\n"));
        let rules = RuleSet::from_source("deep.rule", &text).expect("within the limits");
        let outcome = eval_json(
            &rules,
            r#"{"as_of": "2021-01-01", "facts": {"v": 3}}"#,
            &Options::default(),
        )
        .expect("evaluates");
        let text = ruling::report::text::render(&outcome, &Default::default());
        let json = serde_json::to_string(&outcome).expect("serialises");
        assert!(!text.is_empty() && !json.is_empty());
        (outcome.conclusion("r").cloned(), outcome.conclusion("c0").cloned())
    });
    assert_eq!(value, (Some(json!(true)), Some(json!(3))));
}

#[test]
fn raised_nesting_limits_still_never_overflow_while_parsing() {
    // Parsing and checking grow their stack on the heap; the syntax tree is still
    // dropped recursively, so a raised limit stays within what a thread's stack holds.
    let limits = ParseLimits {
        max_nesting: 1_000_000,
        ..ParseLimits::default()
    };
    let n = 2_000;
    let text = rule(&format!("{}v{} >= 1", "(".repeat(n), ")".repeat(n)));
    // Either accepted (parentheses leave no trace in the program) or a clear limit.
    let codes = on_small_stack(move || load_codes(&text, &limits));
    assert!(codes.is_empty() || codes == ["ruling::parse::too_deep"], "{codes:?}");
}

#[test]
fn rule_files_over_the_size_limit_are_refused() {
    let limits = ParseLimits {
        max_file_bytes: 1000,
        ..ParseLimits::default()
    };
    let text = format!("{HEADER}{}", "// padding\n".repeat(200));
    assert_eq!(load_codes(&text, &limits), ["ruling::parse::too_large"]);
}

#[test]
fn case_files_over_the_size_limit_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.json");
    let padding = " ".repeat(500_000);
    std::fs::write(&path, format!(r#"{{"as_of": "2021-01-01",{padding} "facts": {{}}}}"#)).expect("write");
    let limits = CaseLimits {
        max_file_bytes: 400_000,
        ..CaseLimits::default()
    };
    let error = Case::from_path_with_limits(&path, &limits).expect_err("too large");
    assert_eq!(error.code_str(), "ruling::case::too_large");
    assert!(Case::from_path(&path).is_ok(), "within the default limit");
}

/// A case with `n` refused correction orders inside the two years before the conduct date.
fn orders_case(n: usize) -> String {
    let orders = vec![json!({"issued_on": "2020-06-01", "refused": true}); n];
    json!({"as_of": "2021-01-01", "facts": {"conduct_date": "2021-01-01", "correction_orders": orders}}).to_string()
}

#[test]
fn lists_over_the_item_limit_are_refused_and_within_it_counted_exactly() {
    let n = 10_000;
    let text = orders_case(n);
    let limits = CaseLimits {
        max_list_items: n - 1,
        ..CaseLimits::default()
    };
    let error = Case::parse_with_limits("orders.json", &text, CaseFormat::Json, &limits).expect_err("too many");
    assert_eq!(error.code_str(), "ruling::case::too_many_items");
    assert!(error.to_string().contains("/facts/correction_orders"), "{error}");
    let outcome = eval_json(&shipped_rules(), &text, &Options::default()).expect("evaluates");
    assert_eq!(outcome.conclusion("i2019_orders_refused_within_2y"), Some(&json!(n)));
}

#[test]
fn texts_over_the_length_limit_are_refused() {
    let long = "长".repeat(400_000);
    let text = json!({"as_of": "2021-01-01", "facts": {"actor_kind": long}}).to_string();
    let error = Case::from_json(&text).expect_err("too long");
    assert_eq!(error.code_str(), "ruling::case::text_too_long");
    assert!(error.to_string().contains("/facts/actor_kind"), "{error}");
}

#[test]
fn deeply_nested_case_documents_are_refused() {
    // 100,000 levels would overflow the stack of a recursive reader: the document is refused
    // as too deep before any recursion.
    let n = 100_000;
    let deep = |open: &str, close: &str| format!("facts:\n  x: {}1{}\n", open.repeat(n), close.repeat(n));
    for text in [deep("[", "]"), deep("{a: ", "}")] {
        let error = Case::parse("deep.yaml", &text, CaseFormat::Yaml).expect_err("too deep");
        assert_eq!(error.code_str(), "ruling::case::too_deep");
    }
    let json = format!(r#"{{"facts": {{"x": {}1{}}}}}"#, "[".repeat(n), "]".repeat(n));
    let toml = format!("[facts]\nx = {}1{}\n", "[".repeat(n), "]".repeat(n));
    for (text, format) in [(json, CaseFormat::Json), (toml, CaseFormat::Toml)] {
        let error = Case::parse("deep", &text, format).expect_err("too deep");
        assert!(
            matches!(error, CaseError::Syntax { .. } | CaseError::TooDeep { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn yaml_alias_expansion_is_bounded() {
    let mut lines = vec![String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]",
    )];
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 8].join(",");
        lines.push(format!("a{i}: &a{i} [{refs}]"));
    }
    lines.push(String::from("facts:\n  x: *a11"));
    let error = Case::parse("bomb.yaml", &lines.join("\n"), CaseFormat::Yaml).expect_err("refused");
    assert_eq!(error.code_str(), "ruling::case::syntax");
}

#[test]
fn evaluation_steps_are_bounded() {
    let options = Options {
        max_steps: 50,
        ..Options::default()
    };
    let result = eval_json(&shipped_rules(), &orders_case(100), &options);
    assert!(matches!(result, Err(EvalError::StepLimit { limit: 50 })), "{result:?}");
}

// ---------------------------------------------------------------- fuzz regressions

/// What the `parse_check` fuzz target does with one input.
fn replay_rule_file(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    match RuleSet::from_source("fuzz.rule", &text) {
        Ok(rules) => {
            let _ = rules.warnings().render(false, 80);
            let options = Options {
                max_steps: 100_000,
                ..Options::default()
            };
            if let Ok(outcome) = eval_json(&rules, r#"{"as_of": "2021-01-01", "facts": {}}"#, &options) {
                let _ = ruling::report::text::render(&outcome, &Default::default());
                let _ = serde_json::to_string(&outcome);
            }
        }
        Err(LoadError::Invalid { diagnostics }) => {
            let _ = diagnostics.render(false, 80);
        }
        Err(_) => {}
    }
}

/// What the `case_eval` fuzz target does with one input (the first byte picks the format).
fn replay_case_file(bytes: &[u8], rules: &RuleSet) {
    let Some((&selector, rest)) = bytes.split_first() else {
        return;
    };
    let format = [CaseFormat::Json, CaseFormat::Yaml, CaseFormat::Toml][usize::from(selector % 3)];
    let Ok(case) = Case::parse("fuzz.case", &String::from_utf8_lossy(rest), format) else {
        return;
    };
    let options = Options {
        max_steps: 1_000_000,
        ..Options::default()
    };
    if let Ok(outcome) = rules.evaluate(&case, &options) {
        let _ = ruling::report::text::render(&outcome, &Default::default());
        let _ = ruling::report::markdown::render(&outcome, None, None);
    }
}

/// Every input in `fuzz/regressions/` (crashers found by fuzzing, minimised, and the
/// pathological inputs the limits were built for) replays without a crash on the stack
/// of a test thread, each within seconds.
#[test]
fn fuzz_regressions_replay_without_crashing() {
    let root = super::support::root().join("fuzz/regressions");
    let mut replayed = 0;
    for target in ["parse_check", "case_eval"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(target))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("readable");
            on_small_stack(move || match target {
                "parse_check" => replay_rule_file(&bytes),
                _ => replay_case_file(&bytes, &shipped_rules()),
            });
            replayed += 1;
        }
    }
    assert!(replayed >= 10, "only {replayed} regression inputs");
}

// ---------------------------------------------------------------- exact arithmetic (proptest)

mod exact {
    use num_bigint::BigInt;
    use proptest::prelude::*;
    use ruling::value::{self, Duration, Rational};
    use ruling::{Options, RuleSet};
    use serde_json::json;

    use super::super::support::eval_json;

    /// The sign of `a/b − c/d` computed with big integers (b, d > 0).
    fn big_cmp(a: i64, b: i64, c: i64, d: i64) -> std::cmp::Ordering {
        (BigInt::from(a) * BigInt::from(d)).cmp(&(BigInt::from(c) * BigInt::from(b)))
    }

    fn ratio(n: i64, d: i64) -> Rational {
        Rational::new(i128::from(n), i128::from(d))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Ratios of amounts in 分 compare exactly as big rationals do.
        #[test]
        fn ratio_comparisons_are_exact(a in -10_i64.pow(15)..10_i64.pow(15), b in 1_i64..10_i64.pow(9),
                                       c in -10_i64.pow(15)..10_i64.pow(15), d in 1_i64..10_i64.pow(9)) {
            prop_assert_eq!(value::compare(&ratio(a, b), &ratio(c, d)), big_cmp(a, b, c, d));
        }

        /// `x/p + y/q >= 1` (proportional conversion) decided as big integers decide it.
        #[test]
        fn proportional_sums_are_exact(x in 0_i64..10_i64.pow(12), p in 1_i64..10_i64.pow(6),
                                       y in 0_i64..10_i64.pow(12), q in 1_i64..10_i64.pow(6)) {
            let sum = value::add(&ratio(x, p), &ratio(y, q)).expect("no overflow in range");
            let big = BigInt::from(x) * BigInt::from(q) + BigInt::from(y) * BigInt::from(p);
            let expected = big.cmp(&(BigInt::from(p) * BigInt::from(q)));
            prop_assert_eq!(value::compare(&sum, &Rational::from_integer(1)), expected);
        }

        /// Sums and products of money stay exact or report an overflow, never wrap.
        #[test]
        fn money_arithmetic_matches_big_integers(a in any::<i64>(), b in any::<i64>()) {
            let (x, y) = (Rational::from_integer(i128::from(a)), Rational::from_integer(i128::from(b)));
            let sum = value::add(&x, &y).expect("i64 sums fit in i128");
            prop_assert_eq!(BigInt::from(*sum.numer()), BigInt::from(a) + BigInt::from(b));
            let product = value::mul(&x, &y).expect("i64 products fit in i128");
            prop_assert_eq!(BigInt::from(*product.numer()), BigInt::from(a) * BigInt::from(b));
            let huge = Rational::from_integer(i128::MAX);
            prop_assert!(value::mul(&huge, &Rational::from_integer(i128::from(a.max(2)))).is_err());
        }

        /// Moving a date by whole months keeps the day, clamped to the last day of the
        /// target month (2020-02-29 − 1 year = 2019-02-28; 01-31 + 1 month = 02-28/29).
        #[test]
        fn month_arithmetic_clamps_to_month_end(year in 1900_i16..2100, month in 1_i8..=12, day in 1_i8..=31,
                                                 months in -600_i64..600) {
            let start = jiff::civil::date(year, month, 1);
            let day = day.min(start.days_in_month());
            let date = jiff::civil::date(year, month, day);
            let shifted = value::shift_date(date, Duration { months, minutes: 0 }).expect("in range");
            let total = i64::from(year) * 12 + i64::from(month) - 1 + months;
            let (y, m) = (total.div_euclid(12) as i16, (total.rem_euclid(12) + 1) as i8);
            let last = jiff::civil::date(y, m, 1).days_in_month();
            prop_assert_eq!(shifted, jiff::civil::date(y, m, day.min(last)));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// The same comparisons written in a rule file, evaluated end to end.
        #[test]
        fn money_thresholds_in_rules_are_exact(gains in 0_i64..10_i64.pow(10), rate in 0_i64..10_000,
                                               threshold in 0_i64..10_i64.pow(10)) {
            let rules = RuleSet::from_source("money.rule", r#"
                source 法 "测试法" in_force 2020-01-01
                fact gains: money "违法所得"
                fact rate: percent "比例"
                fact threshold: money "标准"
                rule over: bool "达到标准" cite 法 第一条 = gains * rate >= threshold
            "#).expect("checks");
            let case = json!({"as_of": "2021-01-01", "facts": {
                "gains": format!("{}.{:02}", gains / 100, gains % 100),
                "rate": format!("{}.{:02}", rate / 100, rate % 100),
                "threshold": format!("{}.{:02}", threshold / 100, threshold % 100),
            }}).to_string();
            let outcome = eval_json(&rules, &case, &Options::default()).expect("evaluates");
            // gains/100 × rate/100 >= threshold/100  ⇔  gains × rate >= threshold × 100
            let expected = BigInt::from(gains) * BigInt::from(rate) >= BigInt::from(threshold) * BigInt::from(100);
            prop_assert_eq!(outcome.conclusion("over"), Some(&json!(expected)));
        }
    }

    #[test]
    fn two_years_before_29_february_is_28_february() {
        let rules = RuleSet::from_source(
            "dates.rule",
            r#"
            source 法 "测试法" in_force 2020-01-01
            fact conduct_date: date "行为日期"
            rule start: date "二年前" cite 法 第一条 = conduct_date - 2 years
            rule month_later: date "一个月后" cite 法 第一条 = conduct_date + 1 month
        "#,
        )
        .expect("checks");
        for (conduct, start, later) in [
            ("2020-02-29", "2018-02-28", "2020-03-29"),
            ("2024-01-31", "2022-01-31", "2024-02-29"),
            ("2021-03-31", "2019-03-31", "2021-04-30"),
            ("2022-02-28", "2020-02-28", "2022-03-28"),
        ] {
            let case = json!({"facts": {"conduct_date": conduct}}).to_string();
            let outcome = eval_json(&rules, &case, &Options::default()).expect("evaluates");
            assert_eq!(outcome.conclusion("start"), Some(&json!(start)), "{conduct}");
            assert_eq!(outcome.conclusion("month_later"), Some(&json!(later)), "{conduct}");
        }
    }
}

/// `ruling eval … | head -1`: the reader goes away after the first line; ruling must end
/// quietly (no panic on the broken pipe).
#[test]
fn a_closed_output_pipe_is_not_a_panic() {
    use std::io::Read;
    let mut child = super::support::ruling_bin()
        .current_dir(super::support::root())
        .args(["eval", "rules/", "--facts", "examples/cases/mouniu-2021.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ruling starts");
    let mut first = [0u8; 16];
    let mut stdout = child.stdout.take().expect("piped");
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("ruling ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{:?} {stderr}", output.status);
}
