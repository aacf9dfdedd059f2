//! How long `ruling check` takes on the largest rule sets the default limits accept
//! (`ParseLimits`: 200,000 tokens in a rule set, 8 MiB per file), one generated shape at a
//! time, against checking the shipped rules in the same run (`cargo bench --bench limits`).
//!
//! Each shape fills the token limit (or, for text that is not tokens — comments, long
//! labels — the file-size limit) with one kind of declaration or expression, the kinds that
//! cost the most per byte, and two of errors that each compare a name with every declaration
//! ("did you mean"). The check is the command a legal editor runs (text output, every
//! warning rendered), timed from outside as wall time; the median of `RULING_BENCH_RUNS`
//! (default 3) runs is printed.

#![allow(
    clippy::expect_used,
    reason = "a benchmark: a failed setup step is reported by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Tokens a generated shape may use (the default limit, less the header and a margin).
const TOKENS: usize = 199_900;
/// Bytes a generated shape of comments or labels may use (the default file limit, less a margin).
const BYTES: usize = 8 * 1024 * 1024 - 1024;

const HEADER: &str = "source 法 \"某法\"\nfact a: count \"a\"\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lines of a shape: `(line, tokens in it)` until the budget runs out.
fn fill(mut line: impl FnMut(usize) -> (String, usize), tokens: usize, bytes: usize) -> String {
    let mut text = String::from(HEADER);
    let mut used = 9;
    for i in 0.. {
        let (next, cost) = line(i);
        if used + cost > tokens || text.len() + next.len() > bytes {
            break;
        }
        used += cost;
        text.push_str(&next);
    }
    text
}

/// The generated rule files, by name.
fn shapes() -> Vec<(&'static str, String)> {
    let any = {
        let mut text = String::from(HEADER);
        text.push_str("rule r: bool \"r\" cite 法 第一条 = any {\n");
        let body = fill(|i| (format!("  a > {i},\n"), 4), TOKENS - 20, BYTES);
        text.push_str(body.trim_start_matches(HEADER));
        text.push_str("  false }\n");
        text
    };
    let enumeration = {
        let values: Vec<String> = (0..TOKENS / 2 - 20).map(|i| format!("v{i}")).collect();
        format!(
            "{HEADER}fact e: enum {{ {} }} \"e\"\nrule r: bool \"r\" cite 法 第一条 = e == \"v5\"\n",
            values.join(", ")
        )
    };
    let exceptions = {
        let mut text = format!("{HEADER}rule r: count \"r\" cite 法 第一条 = a\n");
        let body = fill(
            |i| {
                (
                    format!("exception x{i} to r \"x\" cite 法 第二条 when a == {i} = {}\n", i + 1),
                    16,
                )
            },
            TOKENS - 20,
            BYTES,
        );
        text.push_str(body.trim_start_matches(HEADER));
        text
    };
    let unknown_names = {
        let mut text = String::from(HEADER);
        for i in 0..7_000 {
            text.push_str(&format!("fact f{i}: count \"事实{i}\"\n"));
        }
        let body = fill(
            |i| (format!("rule r{i}: bool \"r\" cite 法 第一条 = g{i} > a\n"), 13),
            TOKENS - 42_100,
            BYTES,
        );
        text.push_str(body.trim_start_matches(HEADER));
        text
    };
    let unknown_values = {
        let values: Vec<String> = (0..50_000).map(|i| format!("v{i}")).collect();
        let mut text = format!("{HEADER}fact e: enum {{ {} }} \"e\"\n", values.join(", "));
        let body = fill(
            |i| (format!("rule r{i}: bool \"r\" cite 法 第一条 = e == \"zz{i}\"\n"), 13),
            TOKENS - 100_100,
            BYTES,
        );
        text.push_str(body.trim_start_matches(HEADER));
        text
    };
    let label = "很长的标签".repeat(20_000);
    vec![
        (
            "unused facts (one warning each)",
            fill(|i| (format!("fact f{i}: count \"事实{i}\"\n"), 6), TOKENS, BYTES),
        ),
        (
            "rules",
            fill(
                |i| (format!("rule r{i}: bool \"规则{i}\" cite 法 第一条 = a > {i}\n"), 13),
                TOKENS,
                BYTES,
            ),
        ),
        ("a chain of rules", fill(|i| (chain_rule(i), 15), TOKENS, BYTES)),
        ("one `any` of many branches", any),
        ("one enum of many values", enumeration),
        ("exceptions to one rule", exceptions),
        ("errors: unknown names among 7,000 facts", unknown_names),
        ("errors: unknown values of an enum of 50,000", unknown_values),
        (
            "comments (8 MiB)",
            fill(|_| (format!("// {}\n", "注释".repeat(40)), 0), TOKENS, BYTES),
        ),
        (
            "long labels (8 MiB)",
            fill(|i| (format!("fact f{i}: count \"{label}\"\n"), 6), TOKENS, BYTES),
        ),
    ]
}

fn chain_rule(i: usize) -> String {
    if i == 0 {
        String::from("rule c0: count \"c\" cite 法 第一条 = a + 1\n")
    } else {
        // Each rule uses the one before, in chains of 40 rules, so that the evaluation path
        // stays within `max_eval_depth` (128 levels, two per rule here).
        let previous = if i % 40 == 0 {
            String::from("a")
        } else {
            format!("c{}", i - 1)
        };
        format!("rule c{i}: count \"c\" cite 法 第一条 = {previous} + 1\n")
    }
}

/// Median wall time of `ruling check PATH`, and its exit code.
fn check(binary: &Path, path: &Path, runs: usize) -> (Duration, Option<i32>) {
    let mut times = Vec::new();
    let mut code = None;
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new(binary)
            .arg("check")
            .arg(path)
            .output()
            .expect("ruling runs");
        times.push(started.elapsed());
        code = output.status.code();
    }
    times.sort();
    (times.get(times.len() / 2).copied().unwrap_or_default(), code)
}

fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_ruling"));
    let runs = std::env::var("RULING_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = std::env::temp_dir().join(format!("ruling-limits-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let (shipped, _) = check(&binary, &root().join("rules"), runs);
    println!("ruling check at the default limits (200,000 tokens a rule set, 8 MiB a file), median of {runs}");
    println!("| rule set | bytes | check (wall) | × the shipped rules | exit |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| the shipped rules (baseline) | {} | {:.2} s | 1.0 | 0 |",
        shipped_bytes(&root().join("rules")),
        shipped.as_secs_f64()
    );
    for (name, text) in shapes() {
        let path = dir.join("big.rule");
        std::fs::write(&path, &text).expect("written");
        let (took, code) = check(&binary, &path, runs);
        println!(
            "| {name} | {} | {:.2} s | {:.1} | {} |",
            text.len(),
            took.as_secs_f64(),
            took.as_secs_f64() / shipped.as_secs_f64().max(1e-9),
            code.map_or_else(|| String::from("signal"), |c| c.to_string())
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn shipped_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += shipped_bytes(&path);
        } else if path.extension().is_some_and(|e| e == "rule") {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}
