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

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .configure_from_args();
    bench_corpus(&mut c);
    interp2019::bench_native(&mut c, in_memory());
    c.final_summary();
}
