//! Benchmarks on the shipped rule set (`rules/`) with cases generated from the shipped case
//! files (`scripts/gen-corpus-cases`, seeded), and the interp2019 baseline in the same run:
//!
//! - per case, data in memory: values only (`Evaluator::values`), the full and outcome-only
//!   trace recorded (`Evaluator::record`), the full tree built from the trace, the result
//!   JSON written, `RuleSet::evaluate` (one call per case) against an evaluator loop;
//! - the hand-written interp2019 rules against ruling on `benches/interp2019.rule`, for the
//!   per-rule comparison.
//!
//! `cargo bench --bench corpus` prints criterion's figures, then a table of medians and
//! ratios measured in the same run. See docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a benchmark harness stops on any setup failure"
)]

#[path = "common/interp2019.rs"]
mod interp2019;

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use ruling::{Case, ExplainMode, Options, PreparedCase, RuleSet};

/// Cases evaluated per iteration (`RULING_BENCH_CASES` overrides).
fn in_memory() -> usize {
    std::env::var("RULING_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generates `n` cases with the corpus generator (once; kept under target/).
pub fn corpus(n: usize) -> PathBuf {
    let path = root()
        .join("target")
        .join("corpus-bench")
        .join(format!("cases-{n}.jsonl"));
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = Command::new("python3")
            .arg(root().join("scripts/gen-corpus-cases"))
            .arg(n.to_string())
            .arg(&path)
            .args(["--seed", "2019"])
            .status()
            .expect("python3 runs scripts/gen-corpus-cases");
        assert!(status.success(), "gen-corpus-cases failed");
    }
    path
}

fn options(explain: ExplainMode) -> Options {
    Options {
        explain,
        ..Options::default()
    }
}

/// The generated cases, parsed (cases the rules refuse, e.g. without a date, are dropped).
fn cases(rules: &RuleSet, n: usize) -> (Vec<Case>, Vec<PreparedCase>) {
    let text = std::fs::read_to_string(corpus(n)).unwrap();
    let evaluator = rules.evaluator(&options(ExplainMode::None));
    let mut cases = Vec::new();
    let mut prepared = Vec::new();
    for line in text.lines() {
        let case = Case::from_json(line).unwrap();
        if let Ok(p) = evaluator.prepare(&case) {
            cases.push(case);
            prepared.push(p);
        }
    }
    (cases, prepared)
}

fn bench_corpus(c: &mut Criterion) {
    let rules = RuleSet::load(root().join("rules")).unwrap();
    let (cases, prepared) = cases(&rules, in_memory());
    let n = prepared.len();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("values", |b| {
        let mut evaluator = rules.evaluator(&options(ExplainMode::None));
        b.iter(|| {
            for case in &prepared {
                black_box(evaluator.values(black_box(case)).map(|v| v.len()).unwrap());
            }
        })
    });
    for (name, mode) in [
        ("trace_outcome", ExplainMode::Outcome),
        ("trace_full", ExplainMode::Full),
    ] {
        group.bench_function(name, |b| {
            let mut evaluator = rules.evaluator(&options(mode));
            b.iter(|| {
                for case in &prepared {
                    black_box(evaluator.record(black_box(case)).map(|v| v.len()).unwrap());
                }
            })
        });
    }
    group.bench_function("tree_full", |b| {
        let mut evaluator = rules.evaluator(&options(ExplainMode::Full));
        b.iter(|| {
            for case in &prepared {
                evaluator.record(case).unwrap();
                black_box(evaluator.recorded_explanation());
            }
        })
    });
    group.bench_function("json_full", |b| {
        let mut evaluator = rules.evaluator(&options(ExplainMode::Full));
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            for case in &prepared {
                out.clear();
                let outcome = evaluator.outcome(case).unwrap();
                serde_json::to_writer(&mut out, &outcome).unwrap();
                black_box(out.len());
            }
        })
    });
    group.bench_function("evaluator_loop", |b| {
        let mut evaluator = rules.evaluator(&options(ExplainMode::None));
        b.iter(|| {
            for case in &cases {
                let prepared = evaluator.prepare(case).unwrap();
                black_box(evaluator.outcome(&prepared).unwrap());
            }
        })
    });
    group.bench_function("ruleset_evaluate", |b| {
        let options = options(ExplainMode::None);
        b.iter(|| {
            for case in &cases {
                black_box(rules.evaluate(case, &options).unwrap());
            }
        })
    });
    group.finish();
}

/// Median time of one benchmark in this run (ns per iteration), from criterion's estimates.
/// The median: on a shared machine another tenant's burst inflates some samples.
fn median_ns(id: &str) -> Option<f64> {
    let base = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("criterion")))
        .unwrap_or_else(|| root().join("target").join("criterion"));
    let text = std::fs::read_to_string(base.join(id).join("new").join("estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("median")?.get("point_estimate")?.as_f64()
}

/// Average size of the compact trace per case (JSON bytes), and of the catalog.
fn trace_sizes(rules: &RuleSet, prepared: &[PreparedCase]) -> (f64, f64, usize) {
    let mut sizes = [0usize; 2];
    for (slot, mode) in [ExplainMode::Outcome, ExplainMode::Full].into_iter().enumerate() {
        let mut evaluator = rules.evaluator(&options(mode));
        for case in prepared {
            evaluator.record(case).unwrap();
            sizes[slot] += serde_json::to_vec(&evaluator.recorded_trace()).unwrap().len();
        }
    }
    let n = prepared.len().max(1) as f64;
    let catalog = serde_json::to_vec(rules.catalog()).unwrap().len();
    (sizes[0] as f64 / n, sizes[1] as f64 / n, catalog)
}

fn print_table(rules: &RuleSet, cases: usize, sizes: (f64, f64, usize)) {
    let n_rules = rules.program().rules.len() as f64;
    let per_case = |id: &str, n: usize| median_ns(id).map(|ns| ns / n as f64);
    let native = per_case("interp2019/handwritten", in_memory());
    println!(
        "\nshipped rules ({} rules), {cases} generated cases in memory, same run (medians):",
        n_rules as usize
    );
    println!("| measurement | per case | target |");
    println!("|---|---:|---:|");
    let rows = [
        ("explanations off (`Evaluator::values`)", "corpus/values", "≤ 3 µs"),
        ("outcome-only trace recorded (`record`)", "corpus/trace_outcome", ""),
        ("full trace recorded (`record`)", "corpus/trace_full", "≤ 10 µs"),
        ("full trace recorded + tree built", "corpus/tree_full", ""),
        ("`Outcome` with the tree, written as JSON", "corpus/json_full", ""),
        (
            "evaluator loop: `prepare` + `outcome` (explanations off)",
            "corpus/evaluator_loop",
            "",
        ),
        (
            "`RuleSet::evaluate` per case (explanations off)",
            "corpus/ruleset_evaluate",
            "≤ 2 × loop",
        ),
    ];
    for (label, id, target) in rows {
        if let Some(ns) = per_case(id, cases) {
            println!("| {label} | {:.2} µs | {target} |", ns / 1e3);
        }
    }
    if let (Some(tree), Some(trace)) = (
        per_case("corpus/tree_full", cases),
        per_case("corpus/trace_full", cases),
    ) {
        println!(
            "| tree built from the trace (difference) | {:.2} µs | ≤ 50 µs |",
            (tree - trace) / 1e3
        );
    }
    if let (Some(api), Some(lp)) = (
        per_case("corpus/ruleset_evaluate", cases),
        per_case("corpus/evaluator_loop", cases),
    ) {
        println!("| `RuleSet::evaluate` ÷ evaluator loop | {:.2} × | ≤ 2 |", api / lp);
    }
    println!(
        "| trace per case, outcome / full | {:.0} B / {:.0} B | ≤ 3 KB / ≤ 15 KB |",
        sizes.0, sizes.1
    );
    println!("| catalog (written once) | {} B | |", sizes.2);
    if let (Some(native), Some(values)) = (native, per_case("corpus/values", cases)) {
        let ruling_interp = per_case("interp2019/ruling_values", in_memory());
        println!("\nper rule, same run (medians):");
        println!("| measurement | per rule | × hand-written per rule | target |");
        println!("|---|---:|---:|---:|");
        println!("| hand-written interp2019 (4 rules) | {:.1} ns | 1.0 | |", native / 4.0);
        if let Some(r) = ruling_interp {
            println!(
                "| ruling on interp2019 (4 rules) | {:.1} ns | {:.1} | ≤ 3 |",
                r / 4.0,
                r / native
            );
        }
        println!(
            "| ruling on the shipped rules ({} rules) | {:.1} ns | {:.1} | ≤ 3 |",
            n_rules as usize,
            values / n_rules,
            (values / n_rules) / (native / 4.0)
        );
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .configure_from_args();
    let rules = RuleSet::load(root().join("rules")).unwrap();
    let (_, prepared) = cases(&rules, in_memory());
    let sizes = trace_sizes(&rules, &prepared);
    bench_corpus(&mut c);
    interp2019::bench_native(&mut c, in_memory());
    c.final_summary();
    print_table(&rules, prepared.len(), sizes);
}
