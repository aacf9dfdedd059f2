//! Differential testing: the main evaluator against a deliberately simple second one
//! (`oracle/eval.rs`, a tree walk over the syntax tree) on every shipped case file and
//! on 10,000 generated cases per run (seeded; set `RULING_ORACLE_SEED` to vary it and
//! `RULING_ORACLE_CASES` to run more).

mod eval;

use std::path::{Path, PathBuf};

use ruling::ir::{Program, Type};
use ruling::value::Value;
use ruling::{Case, EvalError, ExplainMode, Options, ParseLimits, RuleSet};
use serde_json::{json, Map, Value as Json};

use super::support::{root, shipped_with_a_2027_threshold};
use eval::{Oracle, R, T};

/// The shipped rules, loaded by ruling and parsed for the oracle.
fn shipped() -> (RuleSet, Oracle) {
    loaded(&root().join("rules"))
}

/// A rule file, or the rule files under a directory, loaded by ruling and parsed for the
/// oracle.
fn loaded(path: &Path) -> (RuleSet, Oracle) {
    let rules = RuleSet::load(path).expect("rules load");
    let mut files = Vec::new();
    match path.is_file() {
        true => files.push(path.to_path_buf()),
        false => collect(path, "rule", &mut files),
    }
    files.sort();
    let asts: Vec<ruling::ast::File> = files
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let text = std::fs::read_to_string(path).expect("readable");
            let id = ruling::source::FileId(i as u32);
            ruling::parse_text(id, &path.display().to_string(), &text, &ParseLimits::default()).expect("parses")
        })
        .collect();
    (rules, Oracle::new(&asts))
}

fn collect(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// The explained path (`RuleSet::evaluate`) against the oracle's values of every rule.
fn explained_disagreement(rules: &RuleSet, oracle: &Oracle, case_json: &Json, expected: &R<Vec<T>>) -> Option<String> {
    let case = Case::from_json(&case_json.to_string()).ok()?;
    match (rules.evaluate(&case, &Options::default()), expected) {
        (Err(EvalError::Facts(_) | EvalError::NoAsOf), _) => None,
        (Ok(outcome), Ok(values)) => {
            let mut differences = Vec::new();
            for (name, value) in &oracle.to_json(values) {
                let actual = outcome.conclusion(name).cloned().unwrap_or(Json::Null);
                if !ruling::testing::values_equal(value, &actual) {
                    differences.push(format!("{name}: main {actual}, oracle {value}"));
                }
            }
            (!differences.is_empty()).then(|| differences.join("\n  "))
        }
        (Ok(_), Err(e)) => Some(format!("main evaluated, oracle stopped: {e}")),
        (Err(EvalError::Arithmetic { .. } | EvalError::ExceptionConflict { .. }), Err(_)) => None,
        (Err(e), _) => Some(format!("main stopped ({e}), oracle did not")),
    }
}

/// The fast path (`Evaluator::values`) against the oracle on the conclusions at
/// `indexes` (all of them when the main evaluator stops with an error).
fn fast_disagreement(
    evaluator: &mut ruling::Evaluator,
    oracle: &Oracle,
    case_json: &Json,
    indexes: &[usize],
) -> Option<String> {
    let case = Case::from_json(&case_json.to_string()).ok()?;
    let prepared = evaluator.prepare(&case).ok()?;
    let names = oracle.rule_names();
    let main = evaluator.values(&prepared).map(|v| v.to_vec());
    match main {
        Ok(values) => {
            let chosen: Vec<String> = indexes.iter().filter_map(|i| names.get(*i).cloned()).collect();
            let expected = match oracle.evaluate(case_json, &chosen) {
                None => return Some(String::from("the oracle found no date to apply")),
                Some(Err(e)) => return Some(format!("main evaluated, oracle stopped: {e}")),
                Some(Ok(expected)) => expected,
            };
            let mut differences = Vec::new();
            for ((index, name), oracle_value) in indexes.iter().zip(&chosen).zip(expected) {
                let actual = values.get(*index).cloned().flatten().map(|v| eval::from_main(&v));
                let oracle_value = oracle_value.map(|v| eval::anonymous(&v));
                if actual != oracle_value {
                    differences.push(format!("{name}: main {actual:?}, oracle {oracle_value:?}"));
                }
            }
            (!differences.is_empty()).then(|| differences.join("\n  "))
        }
        Err(EvalError::Arithmetic { .. } | EvalError::ExceptionConflict { .. }) => {
            match oracle.evaluate(case_json, names) {
                Some(Err(_)) => None,
                other => Some(format!("main stopped, oracle gave {other:?}")),
            }
        }
        Err(e) => Some(format!("main stopped: {e}")),
    }
}

/// Every shipped case file: the fast path on every conclusion, and the explained path
/// (with its explanation recorded) on every third file, which keeps the test fast.
#[test]
fn oracle_agrees_on_every_shipped_case() {
    let (rules, oracle) = shipped();
    let mut evaluator = rules.evaluator(&Options::default());
    let all: Vec<usize> = (0..oracle.rule_names().len()).collect();
    let mut files = ruling::testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    files.sort();
    let mut compared = 0;
    let mut failures = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Ok(case) = Case::from_path(file) else { continue };
        let document = json!({"as_of": case.as_of, "facts": case.facts});
        compared += 1;
        if let Some(d) = fast_disagreement(&mut evaluator, &oracle, &document, &all) {
            failures.push(format!("{} (fast path):\n  {d}", file.display()));
        }
        if i % 3 == 0 {
            let Some(expected) = oracle.evaluate(&document, oracle.rule_names()) else {
                continue;
            };
            if let Some(d) = explained_disagreement(&rules, &oracle, &document, &expected) {
                failures.push(format!("{} (explained):\n  {d}", file.display()));
            }
        }
    }
    assert!(compared >= 50, "only {compared} case files compared");
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every shipped case file once more without each of its facts in turn (a fact left out is
/// unknown or takes its default): every conclusion, fast path against the oracle. One
/// evaluator runs them all in a row, so values reused from the previous case are checked too.
#[test]
fn oracle_agrees_on_every_shipped_case_without_each_fact() {
    let (rules, oracle) = shipped();
    let mut evaluator = rules.evaluator(&Options::default());
    let all: Vec<usize> = (0..oracle.rule_names().len()).collect();
    let files = ruling::testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    let (mut compared, mut failures) = (0, Vec::new());
    for file in &files {
        let Ok(case) = Case::from_path(file) else { continue };
        for left_out in case.facts.keys() {
            let mut facts = case.facts.clone();
            facts.shift_remove(left_out);
            let document = json!({"as_of": case.as_of, "facts": facts});
            compared += 1;
            if let Some(d) = fast_disagreement(&mut evaluator, &oracle, &document, &all) {
                failures.push(format!("{} without `{left_out}`:\n  {d}", file.display()));
            }
        }
    }
    assert!(compared >= 1000, "only {compared} cases compared");
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// 10,000 generated cases (seeded): each compares one conclusion, in turn, so that every
/// conclusion is compared on about 10,000 / (number of rules) cases; every 100th case
/// compares all of them.
#[test]
fn oracle_agrees_on_generated_cases() {
    let (rules, oracle) = shipped();
    let seed = std::env::var("RULING_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2019_u64);
    let count: usize = std::env::var("RULING_ORACLE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    // Two halves on two threads, each with its own evaluator and generator.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let halves: Vec<_> = (0..2u64)
            .map(|half| {
                let (rules, oracle) = (&rules, &oracle);
                scope.spawn(move || {
                    generated_half(
                        rules,
                        oracle,
                        seed.wrapping_add(half),
                        count / 2 + (count % 2) * half as usize,
                    )
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    assert!(
        failures.is_empty(),
        "disagreements (seed {seed}):\n{}",
        failures.join("\n")
    );
}

fn generated_half(rules: &RuleSet, oracle: &Oracle, seed: u64, count: usize) -> Vec<String> {
    let mut evaluator = rules.evaluator(&Options::default());
    let n_rules = oracle.rule_names().len();
    let all: Vec<usize> = (0..n_rules).collect();
    let mut generator = Generator::new(rules.program(), seed);
    let mut failures = Vec::new();
    for i in 0..count {
        let case = generator.case();
        let one = [i % n_rules.max(1)];
        let indexes: &[usize] = if i % 100 == 0 { &all } else { &one };
        if let Some(d) = fast_disagreement(&mut evaluator, oracle, &case, indexes) {
            failures.push(format!("{case}\n  {d}"));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    failures
}

/// The shapes formulas, groups and linear comparisons take (every operator, thresholds on
/// either side and by date, fractions, money, nested `or`/`and`, overflowing sums, integers
/// near the ends of 64 bits), and the interp2019 benchmark's rules: the fast path and the
/// explained path against the oracle on generated cases.
#[test]
fn oracle_agrees_on_formula_shapes() {
    for path in [
        root().join("tests/fixtures/formulas/rules.rule"),
        root().join("benches/interp2019.rule"),
    ] {
        let rules = RuleSet::load(&path).expect("fixture loads");
        let text = std::fs::read_to_string(&path).expect("readable");
        let file = ruling::parse_text(
            ruling::source::FileId(0),
            &path.display().to_string(),
            &text,
            &ParseLimits::default(),
        )
        .expect("parses");
        let oracle = Oracle::new(&[file]);
        let mut evaluator = rules.evaluator(&Options::default());
        let all: Vec<usize> = (0..oracle.rule_names().len()).collect();
        let mut generator = Generator::new(rules.program(), 0x6f72_6163_6c65);
        generator.extremes = true;
        let mut failures = Vec::new();
        for i in 0..20_000 {
            let mut case = generator.case();
            if case.get("as_of").is_none() {
                case["as_of"] = json!(generator.date());
            }
            if let Some(d) = fast_disagreement(&mut evaluator, &oracle, &case, &all) {
                failures.push(format!("{case}\n  {d}"));
            }
            if i % 50 == 0 {
                if let Some(d) = explained_disagreement(&rules, &oracle, &case, &oracle_values(&oracle, &case)) {
                    failures.push(format!("{case}\n  explained: {d}"));
                }
            }
            if let Some(d) = missing_disagreement(&rules, &case) {
                failures.push(format!("{case}\n  missing facts: {d}"));
            }
            if failures.len() >= 5 {
                break;
            }
        }
        assert!(
            failures.is_empty(),
            "{}: disagreements:\n{}",
            path.display(),
            failures.join("\n")
        );
    }
}

/// `prefer` clauses (`tests/fixtures/prefer/`: thresholds, a fine cap and a whole rule with a
/// second, hypothetical version in 2027; `higher`, `lower` and `false`): the fixture's cases and
/// generated cases with dates on both sides of the change, fast and explained paths, against
/// the oracle, which applies each clause where a value is used as the language reference
/// states it, not by the check's rewriting.
#[test]
fn oracle_agrees_on_prefer_clauses() {
    let dir = root().join("tests/fixtures/prefer");
    let (rules, oracle) = loaded(&dir.join("rules.rule"));
    let mut evaluator = rules.evaluator(&Options::default());
    let all: Vec<usize> = (0..oracle.rule_names().len()).collect();
    let mut documents = Vec::new();
    for file in ruling::testing::case_files(&[dir.join("cases")]) {
        let case = Case::from_path(&file).expect("fixture case reads");
        documents.push(json!({"as_of": case.as_of, "facts": case.facts}));
    }
    assert!(documents.len() >= 4, "the fixture's cases");
    let mut generator = Generator::new(rules.program(), 0x7072_6566_6572);
    generator.years = (2025, 4);
    documents.extend((0..5_000).map(|_| generator.case()));
    let mut failures = Vec::new();
    let mut across = 0;
    for (i, case) in documents.iter().enumerate() {
        let fact = |name: &str| case["facts"][name].as_str().unwrap_or("").to_string();
        let new_version = "2027-01-01".to_string();
        across += usize::from(fact("conduct_date") < new_version && fact("decision_date") >= new_version);
        if let Some(d) = fast_disagreement(&mut evaluator, &oracle, case, &all) {
            failures.push(format!("{case}\n  {d}"));
        }
        if i % 25 == 0 {
            if let Some(d) = explained_disagreement(&rules, &oracle, case, &oracle_values(&oracle, case)) {
                failures.push(format!("{case}\n  explained: {d}"));
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    assert!(failures.is_empty(), "disagreements:\n{}", failures.join("\n"));
    // Conduct before the new version and decision after it: where the clauses choose.
    assert!(across >= 500, "only {across} cases straddle the change");
}

/// The shipped rules with a second version of a threshold that carries a `prefer` clause
/// (a hypothetical, lighter 2027 version of 法释〔2019〕15号 第三条第一项): every shipped case
/// again with its decision moved after the change, and with the conduct there too, against
/// the oracle.
#[test]
fn oracle_agrees_on_the_shipped_cases_under_a_2027_threshold() {
    let dir = tempfile::tempdir().expect("temp dir");
    shipped_with_a_2027_threshold(dir.path());
    let (rules, oracle) = loaded(dir.path());
    let mut evaluator = rules.evaluator(&Options::default());
    let all: Vec<usize> = (0..oracle.rule_names().len()).collect();
    let mut files = ruling::testing::case_files(&[root().join("tests/cases"), root().join("examples/cases")]);
    files.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for file in &files {
        let Ok(case) = Case::from_path(file) else { continue };
        for (conduct, decision) in [(None, "2027-03-01"), (Some("2027-02-01"), "2027-03-01")] {
            let mut facts = case.facts.clone();
            facts.insert("decision_date".into(), json!(decision));
            if let Some(conduct) = conduct {
                facts.insert("conduct_date".into(), json!(conduct));
            }
            let document = json!({"as_of": case.as_of, "facts": facts});
            compared += 1;
            if let Some(d) = fast_disagreement(&mut evaluator, &oracle, &document, &all) {
                failures.push(format!("{} ({conduct:?}, {decision}):\n  {d}", file.display()));
            }
        }
    }
    assert!(compared >= 100, "only {compared} cases compared");
    assert!(failures.is_empty(), "disagreements:\n{}", failures.join("\n"));
}

/// The missing facts of a case as the outcome without explanation finds them (recording
/// only what the search needs) against those read off the full explanation.
fn missing_disagreement(rules: &RuleSet, case: &Json) -> Option<String> {
    let case = Case::from_json(&case.to_string()).ok()?;
    let mode = |explain| Options {
        explain,
        ..Options::default()
    };
    let a = rules.evaluate(&case, &mode(ExplainMode::None)).ok()?;
    let b = rules.evaluate(&case, &mode(ExplainMode::Full)).ok()?;
    (a.missing_facts() != b.missing_facts()).then(|| format!("{:?} against {:?}", a.missing_facts(), b.missing_facts()))
}

/// The oracle's values of every rule of a case.
fn oracle_values(oracle: &Oracle, case: &Json) -> R<Vec<T>> {
    oracle
        .evaluate(case, oracle.rule_names())
        .unwrap_or_else(|| Err(String::from("no date")))
}

#[test]
fn oracle_date_rule_matches_the_documented_one() {
    // 29 February minus whole years lands on 28 February; month ends clamp.
    let date = |y, m, d| jiff::civil::date(y, m, d);
    assert_eq!(eval::shift(date(2020, 2, 29), -24, 0), Some(date(2018, 2, 28)));
    assert_eq!(eval::shift(date(2020, 2, 29), 48, 0), Some(date(2024, 2, 29)));
    assert_eq!(eval::shift(date(2021, 1, 31), 1, 0), Some(date(2021, 2, 28)));
    assert_eq!(eval::shift(date(2021, 3, 31), -1, 1440), Some(date(2021, 3, 1)));
    assert_eq!(eval::day_number(date(1970, 1, 1)), 0);
    assert_eq!(
        eval::day_number(date(2000, 3, 1)) - eval::day_number(date(2000, 2, 28)),
        2
    );
}

/// Seeded generator of cases for a program's facts (SplitMix64).
struct Generator<'a> {
    program: &'a Program,
    state: u64,
    /// Numbers written in the rules (thresholds), with their neighbours.
    interesting: Vec<i64>,
    /// Integers also take values near the ends of 64 bits (and of what a word holds).
    extremes: bool,
    /// Dates fall in this many years from January 1st of the first.
    years: (i16, i64),
}

/// Integers where 64-bit sums and products overflow, and around the least integer the
/// evaluator's words hold as themselves (`i64::MIN + 2^34`).
const EXTREMES: [i64; 10] = [
    i64::MAX,
    i64::MAX - 1,
    i64::MIN,
    i64::MIN + 1,
    i64::MIN + (1 << 34) - 1,
    i64::MIN + (1 << 34),
    i64::MIN + (1 << 34) + 1,
    4_611_686_018_427_387_904,
    -4_611_686_018_427_387_904,
    3_037_000_500,
];

impl<'a> Generator<'a> {
    fn new(program: &'a Program, seed: u64) -> Self {
        let mut interesting = vec![0, 1, 2, 3];
        for info in program.params.iter().chain(program.rules.iter()) {
            for version in &info.versions {
                numbers(&version.body, &mut interesting);
            }
        }
        interesting.sort_unstable();
        interesting.dedup();
        Generator {
            program,
            state: seed,
            interesting,
            extremes: false,
            years: (2013, 14),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn case(&mut self) -> Json {
        let mut facts = Map::new();
        let program = self.program;
        for fact in &program.facts {
            if self.chance(30) {
                continue;
            }
            facts.insert(fact.name.clone(), self.value(&fact.ty, 0));
        }
        let mut case = json!({"facts": facts});
        if self.chance(70) {
            case["as_of"] = json!(self.date());
        }
        case
    }

    fn count(&mut self) -> i64 {
        if self.chance(60) {
            let i = self.below(self.interesting.len());
            let base = self.interesting.get(i).copied().unwrap_or(0);
            (base + [-1, 0, 0, 1][self.below(4)]).max(0)
        } else {
            (self.next() % 100_000) as i64
        }
    }

    fn date(&mut self) -> String {
        let (first, years) = self.years;
        let days = self.below(366 * years as usize) as i64;
        let date = jiff::civil::date(first, 1, 1)
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(jiff::civil::date(2020, 2, 29));
        if self.chance(5) {
            return String::from(["2016-02-29", "2020-02-29", "2019-02-28", "2021-03-01"][self.below(4)]);
        }
        date.to_string()
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Json {
        match ty {
            Type::Optional(inner) => {
                if self.chance(20) {
                    Json::Null
                } else {
                    self.value(inner, depth)
                }
            }
            Type::Bool => json!(self.chance(50)),
            Type::Count => json!(self.count()),
            Type::Integer if self.extremes && self.chance(25) => {
                let i = self.below(EXTREMES.len());
                json!(EXTREMES.get(i).copied().unwrap_or(0))
            }
            Type::Integer => json!(self.count() - 50),
            Type::Decimal | Type::Percent => json!(format!("{}.{}", self.count(), self.below(100))),
            Type::Money => json!(format!(
                "{}.{:02}",
                self.count().saturating_mul([1, 100, 10_000][self.below(3)]),
                self.below(100)
            )),
            Type::Date => json!(self.date()),
            Type::Duration => json!(format!(
                "{} {}",
                self.below(5),
                ["years", "months", "days"][self.below(3)]
            )),
            Type::Text => json!(format!("t{}", self.below(5))),
            Type::Enum(id) => {
                let values = self
                    .program
                    .enums
                    .get(id.0 as usize)
                    .map(|e| e.values.clone())
                    .unwrap_or_default();
                let i = self.below(values.len());
                json!(values.get(i).map(|(v, _)| v.clone()).unwrap_or_default())
            }
            Type::List(inner) if depth < 2 => {
                let n = self.below(6);
                Json::Array((0..n).map(|_| self.value(inner, depth + 1)).collect())
            }
            Type::Record(id) => {
                let fields = self
                    .program
                    .records
                    .get(id.0 as usize)
                    .map(|r| r.fields.clone())
                    .unwrap_or_default();
                let mut object = Map::new();
                for field in fields {
                    if field.default.is_some() && self.chance(30) {
                        continue;
                    }
                    object.insert(field.name.clone(), self.value(&field.ty, depth + 1));
                }
                Json::Object(object)
            }
            _ => Json::Array(Vec::new()),
        }
    }
}

/// Integer constants of an expression, with their neighbours.
fn numbers(expr: &ruling::ir::Expr, out: &mut Vec<i64>) {
    if let ruling::ir::ExprKind::Const(Value::Number(n)) = &expr.kind {
        if let Ok(i) = i64::try_from(n.to_integer()) {
            out.extend([i - 1, i, i + 1].into_iter().filter(|x| *x >= 0));
        }
    }
    expr.for_each_child(|child| numbers(child, out));
}
