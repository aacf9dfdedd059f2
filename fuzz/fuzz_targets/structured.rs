//! Well-formed rule files generated from the fuzzer's bytes (`arbitrary`), checked for
//! invariants: loading and evaluation terminate without panicking; `fmt` is idempotent
//! and its output evaluates to the same conclusions; evaluating without an explanation (the
//! values mode of the one compiled form, with its formulas) gives the same conclusions as
//! recording one; the laws of
//! three-valued logic hold (`any` with a true branch is true whatever the unknowns,
//! `not not e == e`, De Morgan, `or` commutes); and knowing more never changes a
//! decided conclusion (filling in unknown facts keeps every known value).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ruling::{Case, EvalError, ExplainMode, Options, Outcome, RuleSet};
use serde_json::{json, Map, Value};

const BOOL_FACTS: usize = 4;
const COUNT_FACTS: usize = 4;
const MAX_DEPTH: usize = 6;

#[derive(Arbitrary, Debug)]
enum BoolExpr {
    Fact(u8),
    Lit(bool),
    Rule(u8),
    Not(Box<BoolExpr>),
    And(Box<BoolExpr>, Box<BoolExpr>),
    Or(Box<BoolExpr>, Box<BoolExpr>),
    Any(Vec<BoolExpr>),
    All(Vec<BoolExpr>),
    AtLeast(u8, Vec<BoolExpr>),
    If(Box<BoolExpr>, Box<BoolExpr>, Box<BoolExpr>),
    Compare(u8, NumExpr, NumExpr),
    Money(u8, u16),
}

#[derive(Arbitrary, Debug)]
enum NumExpr {
    Fact(u8),
    Lit(u16),
    Add(Box<NumExpr>, Box<NumExpr>),
    Sub(Box<NumExpr>, Box<NumExpr>),
    Mul(Box<NumExpr>, Box<NumExpr>),
    Div(Box<NumExpr>, Box<NumExpr>),
    If(Box<BoolExpr>, Box<NumExpr>, Box<NumExpr>),
    Max(Box<NumExpr>, Box<NumExpr>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    rules: Vec<BoolExpr>,
    bools: [Option<bool>; BOOL_FACTS],
    counts: [Option<u16>; COUNT_FACTS],
    money: [Option<u32>; 2],
    fill_bools: [bool; BOOL_FACTS],
    fill_counts: [u16; COUNT_FACTS],
    fill_money: [u32; 2],
}

fn boolean(e: &BoolExpr, rule: usize, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return String::from("true");
    }
    let d = depth + 1;
    let list = |items: &[BoolExpr]| -> String {
        let branches: Vec<String> = items
            .iter()
            .take(4)
            .enumerate()
            .map(|(i, b)| format!("\"{i}\": {}", boolean(b, rule, d)))
            .collect();
        if branches.is_empty() {
            String::from("\"0\": false")
        } else {
            branches.join(", ")
        }
    };
    match e {
        BoolExpr::Fact(i) => format!("b{}", *i as usize % BOOL_FACTS),
        BoolExpr::Lit(b) => b.to_string(),
        BoolExpr::Rule(i) if rule > 0 => format!("e{}", *i as usize % rule),
        BoolExpr::Rule(_) => String::from("false"),
        BoolExpr::Not(x) => format!("not ({})", boolean(x, rule, d)),
        BoolExpr::And(a, b) => format!("({}) and ({})", boolean(a, rule, d), boolean(b, rule, d)),
        BoolExpr::Or(a, b) => format!("({}) or ({})", boolean(a, rule, d), boolean(b, rule, d)),
        BoolExpr::Any(items) => format!("any {{ {} }}", list(items)),
        BoolExpr::All(items) => format!("all {{ {} }}", list(items)),
        BoolExpr::AtLeast(n, items) => format!("{} of {{ {} }}", n % 4, list(items)),
        BoolExpr::If(c, a, b) => format!(
            "(if {} then {} else {})",
            boolean(c, rule, d),
            boolean(a, rule, d),
            boolean(b, rule, d)
        ),
        BoolExpr::Compare(op, a, b) => {
            let op = [">=", ">", "<=", "<", "==", "!="][*op as usize % 6];
            format!("({}) {op} ({})", number(a, rule, d), number(b, rule, d))
        }
        BoolExpr::Money(op, amount) => {
            let op = [">=", "<"][*op as usize % 2];
            format!("m0 + m1 {op} {amount}元")
        }
    }
}

fn number(e: &NumExpr, rule: usize, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return String::from("1");
    }
    let d = depth + 1;
    let pair = |a: &NumExpr, op: &str, b: &NumExpr| format!("({}) {op} ({})", number(a, rule, d), number(b, rule, d));
    match e {
        NumExpr::Fact(i) => format!("n{}", *i as usize % COUNT_FACTS),
        NumExpr::Lit(n) => n.to_string(),
        NumExpr::Add(a, b) => pair(a, "+", b),
        NumExpr::Sub(a, b) => pair(a, "-", b),
        NumExpr::Mul(a, b) => pair(a, "*", b),
        NumExpr::Div(a, b) => pair(a, "/", b),
        NumExpr::If(c, a, b) => format!(
            "(if {} then {} else {})",
            boolean(c, rule, d),
            number(a, rule, d),
            number(b, rule, d)
        ),
        NumExpr::Max(a, b) => format!("max({}, {})", number(a, rule, d), number(b, rule, d)),
    }
}

fn rule_file(input: &Input) -> (String, usize) {
    let mut text = String::from("source 法 \"测试法\" in_force 2020-01-01\n");
    for i in 0..BOOL_FACTS {
        text.push_str(&format!("fact b{i}: bool \"b{i}\"\n"));
    }
    for i in 0..COUNT_FACTS {
        text.push_str(&format!("fact n{i}: count \"n{i}\"\n"));
    }
    text.push_str("fact m0: money \"m0\"\nfact m1: money \"m1\"\n");
    let n = input.rules.len().min(6);
    for (i, e) in input.rules.iter().take(n).enumerate() {
        text.push_str(&format!(
            "rule e{i}: bool \"e{i}\" cite 法 第一条 = {}\n",
            boolean(e, i, 0)
        ));
        let j = (i + 1) % n;
        for (name, body) in [
            ("any", format!("any {{ \"t\": true, \"x\": e{i} }}")),
            ("all", format!("all {{ \"f\": false, \"x\": e{i} }}")),
            ("nn", format!("not not e{i}")),
            ("dm1", format!("not (e{i} and e{j})")),
            ("dm2", format!("(not e{i}) or (not e{j})")),
            ("or1", format!("e{i} or e{j}")),
            ("or2", format!("e{j} or e{i}")),
        ] {
            text.push_str(&format!("rule law_{name}_{i}: bool \"law\" cite 法 第一条 = {body}\n"));
        }
    }
    (text, n)
}

fn case(bools: &[Option<bool>], counts: &[Option<u16>], money: &[Option<u32>]) -> Case {
    let mut facts = Map::new();
    for (i, b) in bools.iter().enumerate() {
        if let Some(b) = b {
            facts.insert(format!("b{i}"), json!(b));
        }
    }
    for (i, n) in counts.iter().enumerate() {
        if let Some(n) = n {
            facts.insert(format!("n{i}"), json!(n));
        }
    }
    for (i, m) in money.iter().enumerate() {
        if let Some(m) = m {
            facts.insert(format!("m{i}"), json!(format!("{}.{:02}", m / 100, m % 100)));
        }
    }
    let text = json!({"as_of": "2021-01-01", "facts": facts}).to_string();
    match Case::from_json(&text) {
        Ok(case) => case,
        Err(e) => panic!("generated case does not parse: {e}"),
    }
}

fn evaluate(rules: &RuleSet, case: &Case) -> Option<Outcome> {
    let options = Options {
        max_steps: 1_000_000,
        ..Options::default()
    };
    let outcome = match rules.evaluate(case, &options) {
        Ok(outcome) => outcome,
        Err(EvalError::Arithmetic { .. }) => return None,
        Err(e) => panic!("evaluation failed: {e}"),
    };
    // The values mode (formulas, reuse) and the recording mode: the same conclusions.
    let quick = Options {
        explain: ExplainMode::None,
        ..options
    };
    match rules.evaluate(case, &quick) {
        Ok(values) => assert_eq!(values.conclusions, outcome.conclusions, "values mode and recording mode disagree"),
        Err(e) => panic!("evaluation without explanation failed where with one it did not: {e}"),
    }
    Some(outcome)
}

fn laws(outcome: &Outcome, n: usize, text: &str) {
    let get = |name: String| outcome.conclusion(&name).cloned().unwrap_or(Value::String(name));
    for i in 0..n {
        assert_eq!(
            get(format!("law_any_{i}")),
            json!(true),
            "any with a true branch\n{text}"
        );
        assert_eq!(
            get(format!("law_all_{i}")),
            json!(false),
            "all with a false branch\n{text}"
        );
        assert_eq!(
            get(format!("law_nn_{i}")),
            get(format!("e{i}")),
            "not not e == e\n{text}"
        );
        assert_eq!(
            get(format!("law_dm1_{i}")),
            get(format!("law_dm2_{i}")),
            "De Morgan\n{text}"
        );
        assert_eq!(
            get(format!("law_or1_{i}")),
            get(format!("law_or2_{i}")),
            "or commutes\n{text}"
        );
    }
}

fuzz_target!(|input: Input| {
    let (text, n) = rule_file(&input);
    if n == 0 {
        return;
    }
    let rules = match RuleSet::from_source("generated.rule", &text) {
        Ok(rules) => rules,
        Err(e) => panic!("a generated rule file does not load: {e:?}\n{text}"),
    };
    let partial = case(&input.bools, &input.counts, &input.money);
    let Some(first) = evaluate(&rules, &partial) else {
        return;
    };
    laws(&first, n, &text);
    let formatted = match ruling::format::format_source("generated.rule", &text) {
        Ok(f) => f,
        Err(e) => panic!("fmt cannot parse a generated file: {e}\n{text}"),
    };
    assert_eq!(
        ruling::format::format_source("generated.rule", &formatted)
            .ok()
            .as_deref(),
        Some(formatted.as_str()),
        "fmt is not idempotent\n{text}"
    );
    let reformatted = match RuleSet::from_source("formatted.rule", &formatted) {
        Ok(rules) => rules,
        Err(e) => panic!("fmt output does not load: {e:?}\n{formatted}"),
    };
    if let Some(again) = evaluate(&reformatted, &partial) {
        assert_eq!(
            again.conclusions(),
            first.conclusions(),
            "fmt changed a conclusion\n{text}\n{formatted}"
        );
    }
    let bools: Vec<Option<bool>> = input
        .bools
        .iter()
        .zip(input.fill_bools)
        .map(|(b, f)| Some(b.unwrap_or(f)))
        .collect();
    let counts: Vec<Option<u16>> = input
        .counts
        .iter()
        .zip(input.fill_counts)
        .map(|(c, f)| Some(c.unwrap_or(f)))
        .collect();
    let money: Vec<Option<u32>> = input
        .money
        .iter()
        .zip(input.fill_money)
        .map(|(m, f)| Some(m.unwrap_or(f)))
        .collect();
    let Some(full) = evaluate(&rules, &case(&bools, &counts, &money)) else {
        return;
    };
    laws(&full, n, &text);
    assert!(full.unknown_conclusions.is_empty(), "every fact is known\n{text}");
    for (name, value) in first.conclusions() {
        if !value.is_null() {
            assert_eq!(
                full.conclusion(name),
                Some(value),
                "`{name}` changed when unknown facts became known\n{text}"
            );
        }
    }
});
