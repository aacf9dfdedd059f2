//! Resource limits: every pathological input gives a clear diagnostic or a correct
//! result, never a stack overflow, an out-of-memory or a hang.
//!
//! Sizes are scaled so the suite stays fast; the `#[ignore]`d tests at the end run the
//! full sizes of the issue (100,000 nested parentheses, a 50 MB case file, a list of
//! 1,000,000 items). Run them with:
//!
//! ```text
//! cargo test --release --test it hardening -- --ignored --nocapture
//! ```

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
    assert!(
        codes.is_empty() || codes == ["ruling::parse::too_deep"],
        "{codes:?}"
    );
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
fn deeply_nested_case_documents_are_refused_quickly() {
    let n = 100_000;
    let deep = |open: &str, close: &str| format!("facts:\n  x: {}1{}\n", open.repeat(n), close.repeat(n));
    for text in [deep("[", "]"), deep("{a: ", "}")] {
        let started = std::time::Instant::now();
        let error = Case::parse("deep.yaml", &text, CaseFormat::Yaml).expect_err("too deep");
        assert_eq!(error.code_str(), "ruling::case::too_deep");
        assert!(started.elapsed().as_secs() < 5);
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
    let mut lines = vec![String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]")];
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

// ---------------------------------------------------------------- full sizes (manual)

#[test]
#[ignore = "full size: run with --release --ignored (see the module documentation)"]
fn full_size_one_million_item_list() {
    let n = 1_000_000;
    let text = orders_case(n);
    let rules = shipped_rules();
    let default = eval_json(&rules, &text, &Options::default());
    println!("1,000,000 items, default options: {:?}", default.as_ref().map(|_| "ok").map_err(|e| e.to_string()));
    assert!(matches!(default, Ok(_) | Err(EvalError::StepLimit { .. })), "{default:?}");
    let raised = Options {
        max_steps: 100_000_000,
        ..Options::default()
    };
    let outcome = eval_json(&rules, &text, &raised).expect("evaluates with a raised step limit");
    assert_eq!(outcome.conclusion("i2019_orders_refused_within_2y"), Some(&json!(n)));
    let over = orders_case(n + 1);
    let error = Case::from_json(&over).expect_err("over the default limit");
    assert_eq!(error.code_str(), "ruling::case::too_many_items");
}

#[test]
#[ignore = "full size: run with --release --ignored (see the module documentation)"]
fn full_size_fifty_megabyte_case_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fifty.json");
    let orders: Vec<serde_json::Value> = (0..900_000)
        .map(|i| json!({"issued_on": "2020-06-01", "refused": i % 2 == 0}))
        .collect();
    let case = json!({"as_of": "2021-01-01", "facts": {"conduct_date": "2021-01-01", "correction_orders": orders}});
    let text = serde_json::to_string_pretty(&case).expect("json");
    let padded = format!("{text}{}", " ".repeat((50 * 1000 * 1000usize).saturating_sub(text.len())));
    std::fs::write(&path, &padded).expect("write");
    println!("case file of {} bytes", padded.len());
    let case = Case::from_path(&path).expect("within the default 64 MiB");
    let raised = Options {
        max_steps: 100_000_000,
        ..Options::default()
    };
    let outcome = shipped_rules().evaluate(&case, &raised).expect("evaluates");
    assert_eq!(outcome.conclusion("i2019_orders_refused_within_2y"), Some(&json!(450_000)));
    let small = CaseLimits {
        max_file_bytes: 16 * 1024 * 1024,
        ..CaseLimits::default()
    };
    let error = Case::from_path_with_limits(&path, &small).expect_err("over a 16 MiB limit");
    assert_eq!(error.code_str(), "ruling::case::too_large");
}

#[test]
#[ignore = "full size: run with --release --ignored (see the module documentation)"]
fn full_size_one_hundred_thousand_rule_chain() {
    let n = 100_000;
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&format!("rule r{i}: count cite 法 第一条 = r{}\n", i + 1));
    }
    text.push_str(&format!("rule r{n}: count cite 法 第一条 = v\n"));
    let codes = on_small_stack(move || load_codes(&text, &ParseLimits::default()));
    assert_eq!(codes, ["ruling::check::too_deep"]);
}
