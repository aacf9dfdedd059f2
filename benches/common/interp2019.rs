#![allow(dead_code, reason = "shared by two benchmarks, each using a part of it")]

//! The interp2019 workload shared by the benchmarks: its generator, and the hand-written
//! Rust implementation of its rules (the baseline ruling is compared with).

use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, Throughput};
use ruling::{Case, ExplainMode, Options, PreparedCase, RuleSet};
use serde::Deserialize;

/// The date whose law is applied (the workload's cases carry none).
pub const AS_OF: &str = "2021-01-01";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generates `n` cases with the workload's generator (once; kept under target/).
pub fn workload(n: usize) -> PathBuf {
    let dir = root().join("target").join("interp2019-bench").join(n.to_string());
    if !dir.join("expected.jsonl").exists() {
        let status = Command::new("python3")
            .arg(root().join("benches/data/interp2019/gen.py"))
            .args(["--n", &n.to_string(), "--seed", "2019", "--quiet", "--out"])
            .arg(&dir)
            .status()
            .expect("python3 runs gen.py");
        assert!(status.success(), "gen.py failed");
    }
    dir
}

// ---------------------------------------------------------------- the hand-written baseline

/// One case of the workload, as the baseline reads it.
#[derive(Deserialize)]
pub struct Facts {
    pub id: u64,
    is_network_service_provider: bool,
    ordered_to_correct: bool,
    refused_to_correct: bool,
    illegal_videos: u64,
    illegal_other_info: u64,
    recipient_accounts: u64,
    group_members_total: u64,
    social_followers_total: u64,
    illegal_info_clicks: u64,
    leaked_track_comm_credit_property: u64,
    leaked_sensitive_other: u64,
    leaked_other_user_info: u64,
    leak_caused_death_or_injury: bool,
    leak_major_economic_loss: bool,
    leak_serious_social_disorder: bool,
    evidence_loss_serious: bool,
    logs_not_retained: bool,
    orders_refused_within_2y: u64,
    service_mainly_used_for_crime: bool,
    used_for_network_attack: bool,
    used_for_major_crime: bool,
    public_service_network_damaged: bool,
    trivial_circumstances: bool,
}

/// The four conclusions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conclusions {
    pub mass_spread: bool,
    pub serious_leak: bool,
    pub other_serious: bool,
    pub offence_286_1: bool,
}

/// The workload's rules, written by hand (short-circuit, exact integer arithmetic).
#[inline(never)]
pub fn classify(c: &Facts) -> Conclusions {
    let mass_spread = c.illegal_videos >= 200
        || c.illegal_other_info >= 2000
        || 10 * c.illegal_videos + c.illegal_other_info >= 2000
        || c.recipient_accounts >= 2000
        || c.group_members_total >= 3000
        || c.social_followers_total >= 30000
        || c.illegal_info_clicks >= 50000;
    let (track, sensitive, other) = (
        c.leaked_track_comm_credit_property,
        c.leaked_sensitive_other,
        c.leaked_other_user_info,
    );
    let serious_leak = track >= 500
        || sensitive >= 5000
        || other >= 50000
        || 100 * track + 10 * sensitive + other >= 50000
        || c.leak_caused_death_or_injury
        || c.leak_major_economic_loss
        || c.leak_serious_social_disorder;
    let other_serious = c.logs_not_retained
        || c.orders_refused_within_2y >= 2
        || c.service_mainly_used_for_crime
        || c.used_for_network_attack
        || c.used_for_major_crime
        || c.public_service_network_damaged;
    let offence_286_1 = c.is_network_service_provider
        && c.ordered_to_correct
        && c.refused_to_correct
        && (mass_spread || serious_leak || c.evidence_loss_serious || other_serious)
        && !c.trivial_circumstances;
    Conclusions {
        mass_spread,
        serious_leak,
        other_serious,
        offence_286_1,
    }
}

/// The baseline program: read JSONL, evaluate, write one JSON line per case.
pub fn baseline_program(input: &Path, output: &Path) -> usize {
    let reader = BufReader::with_capacity(1 << 16, std::fs::File::open(input).unwrap());
    let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(output).unwrap());
    let mut n = 0;
    for line in reader.lines() {
        let line = line.unwrap();
        let facts: Facts = serde_json::from_str(&line).unwrap();
        let c = classify(&facts);
        writeln!(
            out,
            "{{\"id\":{},\"mass_spread\":{},\"serious_leak\":{},\"other_serious\":{},\"offence_286_1\":{}}}",
            facts.id, c.mass_spread, c.serious_leak, c.other_serious, c.offence_286_1
        )
        .unwrap();
        n += 1;
    }
    out.flush().unwrap();
    n
}

/// The workload's rule file.
pub fn bench_rules() -> RuleSet {
    RuleSet::load(root().join("benches/interp2019.rule")).unwrap()
}

/// Options with the workload's date.
pub fn options(explain: ExplainMode) -> Options {
    Options {
        as_of: ruling::value::parse_date(AS_OF),
        explain,
        ..Options::default()
    }
}

/// The lines of a file.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The workload's lines as prepared cases.
pub fn prepared(rules: &RuleSet, lines: &[String]) -> Vec<PreparedCase> {
    let evaluator = rules.evaluator(&options(ExplainMode::None));
    lines
        .iter()
        .map(|line| {
            let mut json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
            let id = json.remove("id");
            let case = serde_json::json!({"id": id, "facts": json});
            let case = Case::from_json(&case.to_string()).unwrap();
            evaluator.prepare(&case).unwrap()
        })
        .collect()
}

/// The benchmarks measure nothing if ruling disagrees with the baseline.
pub fn check_agreement(rules: &RuleSet, cases: &[PreparedCase], facts: &[Facts]) {
    let mut evaluator = rules.evaluator(&options(ExplainMode::None));
    for (case, f) in cases.iter().zip(facts) {
        let values = evaluator.values(case).unwrap();
        let got: Vec<bool> = (0..values.len()).map(|i| values.truth(i) == Some(true)).collect();
        let want = classify(f);
        assert_eq!(
            got,
            [
                want.mass_spread,
                want.serious_leak,
                want.other_serious,
                want.offence_286_1
            ],
            "case {}",
            f.id
        );
    }
}

/// `interp2019/handwritten` and `interp2019/ruling_values` on `n` cases in memory.
pub fn bench_native(c: &mut Criterion, n: usize) {
    let dir = workload(n);
    let lines = lines(&dir.join("cases.jsonl"));
    let facts: Vec<Facts> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rules = bench_rules();
    let cases = prepared(&rules, &lines);
    check_agreement(&rules, &cases, &facts);
    let mut group = c.benchmark_group("interp2019");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("handwritten", |b| {
        b.iter(|| {
            for f in &facts {
                black_box(classify(black_box(f)));
            }
        })
    });
    group.bench_function("ruling_values", |b| {
        let mut evaluator = rules.evaluator(&options(ExplainMode::None));
        b.iter(|| {
            for case in &cases {
                black_box(evaluator.values(black_box(case)).map(|v| v.len()).unwrap());
            }
        })
    });
    group.finish();
}
