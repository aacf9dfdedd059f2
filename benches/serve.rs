//! Throughput of `ruling serve`: requests per second and latency percentiles of `POST
//! /v1/evaluate` on the shipped rules, with explanations off and full, against the per-case cost
//! of `ruling batch` on the same cases, in the same run.
//!
//! The server is the release binary on 127.0.0.1; the clients are threads of this process
//! with keep-alive connections, so on a 2-core machine clients and server share the cores (the
//! figures are a floor for a server with cores of its own). `cargo bench --bench serve`;
//! `RULING_BENCH_SECONDS` (default 5) and `RULING_BENCH_CLIENTS` (default 8) change the run.
//! See docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a benchmark harness stops on any setup failure"
)]

#[path = "../tests/it/serve/client.rs"]
#[allow(dead_code, reason = "the tests' client: the bench uses part of it")]
mod client;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use client::Server;
use serde_json::{json, Value as Json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Every shipped case file (examples/cases, tests/cases) the server evaluates without error,
/// as request bodies with the given `explain`.
fn workload(server: &Server, explain: &str) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    collect(&root().join("examples/cases"), &mut files);
    collect(&root().join("tests/cases"), &mut files);
    files.sort();
    let mut bodies = Vec::new();
    for file in files {
        let Ok(mut case) = serde_json::from_slice::<Json>(&std::fs::read(&file).unwrap()) else {
            continue;
        };
        case["explain"] = json!(explain);
        let body = case.to_string().into_bytes();
        if server.request("POST", "/v1/evaluate", &[], &body).status == 200 {
            bodies.push(body);
        }
    }
    bodies
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
}

/// What one load run measured.
struct Run {
    requests: usize,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }
}

/// `clients` connections send the bodies in turn for `seconds`.
fn load(server: &Server, bodies: &Arc<Vec<Vec<u8>>>, clients: usize, seconds: u64) -> Run {
    let until = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let bodies = Arc::clone(bodies);
            let mut connection = server.connect();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut i = c;
                while Instant::now() < until {
                    let sent = Instant::now();
                    let response = connection
                        .send("POST", "/v1/evaluate", &[], &bodies[i % bodies.len()])
                        .unwrap();
                    latencies.push(sent.elapsed());
                    assert_eq!(response.status, 200);
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let seconds = start.elapsed().as_secs_f64();
    latencies.sort();
    Run {
        requests: latencies.len(),
        seconds,
        latencies,
    }
}

/// `ruling batch --stats` on `repeat` copies of the bodies: (evaluation ns per case, wall µs
/// per case including reading, parsing and writing).
fn batch_cost(binary: &Path, bodies: &[Vec<u8>], repeat: usize) -> (f64, f64) {
    let dir = std::env::temp_dir().join(format!("ruling-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("cases.jsonl");
    let mut text = Vec::new();
    for _ in 0..repeat {
        for body in bodies {
            let mut case: Json = serde_json::from_slice(body).unwrap();
            case.as_object_mut().unwrap().remove("explain");
            text.extend_from_slice(case.to_string().as_bytes());
            text.push(b'\n');
        }
    }
    std::fs::write(&input, text).unwrap();
    let started = Instant::now();
    let output = Command::new(binary)
        .current_dir(root())
        .args(["batch", "rules", "--stats", "--output"])
        .arg(dir.join("out.jsonl"))
        .arg("--input")
        .arg(&input)
        .output()
        .unwrap();
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let stats = String::from_utf8_lossy(&output.stderr);
    let ns = stats
        .split_whitespace()
        .find_map(|w| w.strip_prefix("eval_ns_per_case="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no BENCH line: {stats}"));
    let cases = (repeat * bodies.len()) as f64;
    (ns, wall.as_secs_f64() * 1e6 / cases)
}

/// The library's share of a request, on one thread, in µs per case: the body parsed and the
/// case built, `RuleSet::evaluate`, the JSON written — what `/v1/evaluate` does besides HTTP.
fn library_cost(bodies: &[Vec<u8>], rounds: usize) -> [f64; 3] {
    let rules = ruling::RuleSet::load(root().join("rules")).unwrap();
    let options = ruling::Options {
        explain: ruling::ExplainMode::None,
        ..ruling::Options::default()
    };
    let mut spent = [Duration::ZERO; 3];
    for _ in 0..rounds {
        for body in bodies {
            let started = Instant::now();
            let mut json: Json = serde_json::from_slice(body).unwrap();
            json.as_object_mut().unwrap().remove("explain");
            let origin = Arc::new(ruling::CaseOrigin {
                name: "request".into(),
                text: Arc::from(String::from_utf8_lossy(body)),
                format: ruling::CaseFormat::Json,
            });
            let case = ruling::Case::from_value(json, origin).unwrap();
            let parsed = Instant::now();
            let outcome = rules.evaluate(&case, &options).unwrap();
            let evaluated = Instant::now();
            std::hint::black_box(serde_json::to_string_pretty(&outcome).unwrap());
            spent[0] += parsed - started;
            spent[1] += evaluated - parsed;
            spent[2] += evaluated.elapsed();
        }
    }
    spent.map(|d| d.as_secs_f64() * 1e6 / (rounds * bodies.len()) as f64)
}

fn main() {
    // `cargo test --benches` runs benches with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_ruling"));
    let seconds = setting("RULING_BENCH_SECONDS", 5);
    let clients = setting("RULING_BENCH_CLIENTS", 8) as usize;
    let server = Server::start(&binary, &root().join("rules"), &[]);
    println!(
        "ruling serve, POST /v1/evaluate on rules/, {clients} keep-alive clients, {seconds} s per run, {} core(s)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!("| explain | cases | requests/s | p50 | p99 | p99.9 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut none_bodies = Vec::new();
    for explain in ["none", "full"] {
        let bodies = Arc::new(workload(&server, explain));
        let _warm = load(&server, &bodies, clients, 1);
        let run = load(&server, &bodies, clients, seconds);
        println!(
            "| {explain} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms |",
            bodies.len(),
            run.per_second(),
            run.percentile(0.50).as_secs_f64() * 1e3,
            run.percentile(0.99).as_secs_f64() * 1e3,
            run.percentile(0.999).as_secs_f64() * 1e3,
        );
        if explain == "none" {
            none_bodies = bodies.to_vec();
        }
    }
    drop(server);
    let library_us = library_cost(&none_bodies, 20);
    let (ns, wall_us) = batch_cost(&binary, &none_bodies, 200);
    println!();
    println!(
        "ruling batch on the same cases ×200 (explain none): {ns:.0} ns evaluation per case, {wall_us:.1} µs per case end to end ({:.0} cases/s)",
        1e6 / wall_us
    );
    let [parse, evaluate, write] = library_us;
    let total = parse + evaluate + write;
    println!(
        "the library's share of one /v1/evaluate (explain none), one thread: {total:.1} µs per case ({:.0} per second per core): \
         body → case {parse:.1} µs, RuleSet::evaluate {evaluate:.1} µs, result JSON {write:.1} µs",
        1e6 / total
    );
}
