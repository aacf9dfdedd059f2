//! `ruling batch`: agreement with the interp2019 reference, bad lines, CSV, explanations; and the
//! compiled fast path against the explaining engine on every shipped case file.

use std::path::{Path, PathBuf};

use ruling::{Case, ExplainMode, Options};
use serde_json::Value as Json;

use crate::support::{batch, root, shipped_rules};

const AS_OF: &str = "2021-01-01";

fn bench_rules() -> PathBuf {
    root().join("benches/interp2019.rule")
}

/// Generates `n` cases with the vendored workload generator.
fn generate(n: usize, dir: &Path) {
    let status = std::process::Command::new("python3")
        .arg(root().join("benches/data/interp2019/gen.py"))
        .args(["--n", &n.to_string(), "--seed", "2019", "--quiet", "--out"])
        .arg(dir)
        .status()
        .expect("python3 runs benches/data/interp2019/gen.py");
    assert!(status.success(), "gen.py failed");
}

fn json_lines(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .expect("output exists")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

const CONCLUSIONS: [&str; 4] = ["mass_spread", "serious_leak", "other_serious", "offence_286_1"];

#[test]
fn agrees_exactly_with_the_reference_on_10000_generated_cases() {
    let dir = tempfile::tempdir().unwrap();
    generate(10_000, dir.path());
    let out = dir.path().join("results.jsonl");
    let run = batch(
        &bench_rules(),
        &dir.path().join("cases.jsonl"),
        &out,
        &["--as-of", AS_OF],
    );
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let results = json_lines(&out);
    let expected = json_lines(&dir.path().join("expected.jsonl"));
    assert_eq!(results.len(), 10_000);
    for (got, want) in results.iter().zip(&expected) {
        assert_eq!(got["id"], want["id"], "results are in input order");
        for name in CONCLUSIONS {
            assert_eq!(got["conclusions"][name], want[name], "case {} {name}", want["id"]);
        }
        assert_eq!(got["unknown_conclusions"], Json::Array(vec![]));
        assert_eq!(got["missing_facts"], Json::Array(vec![]));
    }
}

#[test]
fn three_malformed_lines_among_1000_give_997_results_and_3_error_records() {
    let dir = tempfile::tempdir().unwrap();
    generate(1000, dir.path());
    let mut lines: Vec<String> = std::fs::read_to_string(dir.path().join("cases.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    lines[9] = r#"{"id": 9, "illegal_videos": "#.into();
    lines[499] = r#"{"id": 499, "illegal_videos": "many"}"#.into();
    lines[998] = r#"{"id": 998, "ilegal_videos": 3}"#.into();
    let input = dir.path().join("bad.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("results.jsonl");
    let run = batch(&bench_rules(), &input, &out, &["--as-of", AS_OF]);
    assert_eq!(run.status.code(), Some(1), "a bad line makes the exit status 1");
    let results = json_lines(&out);
    assert_eq!(results.len(), 1000, "one output line per input line");
    let errors: Vec<&Json> = results.iter().filter(|r| r.get("error").is_some()).collect();
    assert_eq!(results.len() - errors.len(), 997);
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["line"], 10);
    assert_eq!(errors[0]["error"]["code"], "ruling::case::syntax");
    assert_eq!(errors[1]["line"], 500);
    assert_eq!(errors[1]["id"], 499);
    assert_eq!(errors[1]["error"]["code"], "ruling::case::type_mismatch");
    assert_eq!(errors[1]["error"]["path"], "/facts/illegal_videos");
    assert_eq!(errors[2]["line"], 999);
    assert_eq!(errors[2]["error"]["code"], "ruling::case::unknown_fact");
    assert_eq!(errors[2]["error"]["path"], "/facts/ilegal_videos");
    assert_eq!(results[10]["id"], 10, "the run goes on after a bad line");
}

#[test]
fn case_file_lines_bare_lines_and_unknown_facts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let lines = [
        r#"{"id": "a", "as_of": "2021-01-01", "facts": {"is_network_service_provider": true, "ordered_to_correct": true, "refused_to_correct": true, "illegal_videos": 200}}"#,
        r#"{"id": "b", "is_network_service_provider": true, "ordered_to_correct": true, "refused_to_correct": true, "illegal_videos": 199}"#,
        r#"{"illegal_videos": 250}"#,
        "",
        r#"{"id": "d", "facts": {"illegal_videos": 1}}"#,
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = dir.path().join("results.jsonl");
    let run = batch(&bench_rules(), &input, &out, &[]);
    let results = json_lines(&out);
    assert_eq!(results.len(), 4, "blank lines are skipped");
    assert_eq!(results[0]["id"], "a");
    assert_eq!(results[0]["conclusions"]["offence_286_1"], true);
    // No `as_of` and no `--as-of`: an error record naming the way to supply one.
    assert_eq!(results[1]["id"], "b");
    assert_eq!(results[1]["error"]["code"], "ruling::eval::no_as_of");
    assert_eq!(results[3]["line"], 5);
    assert_eq!(run.status.code(), Some(1));

    let run = batch(&bench_rules(), &input, &out, &["--as-of", AS_OF]);
    assert_eq!(run.status.code(), Some(0));
    let results = json_lines(&out);
    assert_eq!(results[1]["conclusions"]["mass_spread"], false);
    assert!(results[2].get("id").is_none(), "no id in, no id out");
    assert_eq!(results[2]["conclusions"]["mass_spread"], true);
    // The three elements of the offence are not given: unknown, and the missing facts are named.
    assert_eq!(results[2]["conclusions"]["offence_286_1"], Json::Null);
    assert_eq!(results[2]["unknown_conclusions"], serde_json::json!(["offence_286_1"]));
    assert_eq!(
        results[2]["missing_facts"],
        serde_json::json!([
            "is_network_service_provider",
            "ordered_to_correct",
            "refused_to_correct"
        ])
    );
}

#[test]
fn csv_input_converts_cells_by_fact_type() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.csv");
    std::fs::write(
        &input,
        "id,is_network_service_provider,ordered_to_correct,refused_to_correct,illegal_videos,leaked_sensitive_other\n\
         1,true,true,true,200,0\n\
         2,true,true,false,500,\n\
         3,yes,true,true,1,0\n\
         4,true,true,true,10,5000\n",
    )
    .unwrap();
    let out = dir.path().join("results.jsonl");
    let run = batch(&bench_rules(), &input, &out, &["--as-of", AS_OF]);
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    let results = json_lines(&out);
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["id"], 1);
    assert_eq!(results[0]["conclusions"]["offence_286_1"], true);
    assert_eq!(results[1]["conclusions"]["mass_spread"], true);
    assert_eq!(results[1]["conclusions"]["offence_286_1"], false);
    assert_eq!(results[2]["id"], 3);
    assert_eq!(results[2]["line"], 4);
    assert_eq!(results[2]["error"]["path"], "/facts/is_network_service_provider");
    assert_eq!(results[3]["conclusions"]["serious_leak"], true);
}

#[test]
fn explanations_on_request_and_stats_line() {
    let dir = tempfile::tempdir().unwrap();
    generate(20, dir.path());
    let out = dir.path().join("results.jsonl");
    for mode in ["outcome", "full"] {
        let run = batch(
            &bench_rules(),
            &dir.path().join("cases.jsonl"),
            &out,
            &["--as-of", AS_OF, "--explain", mode, "--stats"],
        );
        assert_eq!(run.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&run.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("BENCH load_ms=") && last.contains(" eval_ns_per_case=") && last.ends_with(" cases=20"),
            "{stderr}"
        );
        // Each line carries a compact trace; the catalog it names is written once beside.
        let results = json_lines(&out);
        let catalog_text = std::fs::read_to_string(dir.path().join("results.jsonl.catalog.json")).unwrap();
        let catalog: ruling::explain::Catalog = serde_json::from_str(&catalog_text).unwrap();
        let trace: ruling::explain::Trace = serde_json::from_value(results[0]["explanation"].clone()).unwrap();
        let explanation = catalog.explanation(&trace).unwrap();
        let tree = serde_json::to_value(&explanation.conclusions["offence_286_1"]).unwrap();
        assert_eq!(tree["kind"], "rule");
        assert_eq!(tree["citation"], "刑法 第二百八十六条之一第一款");
        // Or the tree itself on every line.
        let run = batch(
            &bench_rules(),
            &dir.path().join("cases.jsonl"),
            &out,
            &["--as-of", AS_OF, "--explain", mode, "--explain-format", "tree"],
        );
        assert_eq!(run.status.code(), Some(0));
        let results = json_lines(&out);
        assert_eq!(
            results[0]["explanation"]["conclusions"]["offence_286_1"]["citation"],
            "刑法 第二百八十六条之一第一款"
        );
    }
}

/// Evaluates a case on the fast path and with the engine and asserts the same outcome; false when
/// the case does not evaluate (it is then not compared).
fn agree(fast: &mut ruling::Evaluator, traced: &mut ruling::Evaluator, case: &Case, what: &str) -> bool {
    let Ok(prepared) = fast.prepare(case) else { return false };
    let (Ok(a), Ok(b)) = (fast.outcome(&prepared), traced.outcome(&prepared)) else {
        return false;
    };
    assert_eq!(a.conclusions, b.conclusions, "{what}");
    assert_eq!(a.unknown_conclusions, b.unknown_conclusions, "{what}");
    assert_eq!(a.missing_facts, b.missing_facts, "{what}");
    true
}

/// The compiled fast path (no explanation) and the explaining engine give the same value for
/// every conclusion of every shipped case file.
#[test]
fn fast_path_agrees_with_the_engine_on_every_shipped_case() {
    let rules = shipped_rules();
    let mut fast = rules.evaluator(&Options {
        explain: ExplainMode::None,
        ..Options::default()
    });
    let mut traced = rules.evaluator(&Options::default());
    let mut compared = 0;
    for path in case_files(&root().join("tests/cases")) {
        let Ok(case) = Case::from_path(&path) else { continue };
        compared += usize::from(agree(&mut fast, &mut traced, &case, &path.display().to_string()));
    }
    assert!(compared > 100, "only {compared} case files compared");
}

/// The same with facts left out, one at a time: unknown facts take the three-valued paths.
#[test]
fn fast_path_agrees_with_the_engine_when_facts_are_missing() {
    let rules = shipped_rules();
    let mut fast = rules.evaluator(&Options {
        explain: ExplainMode::None,
        ..Options::default()
    });
    let mut traced = rules.evaluator(&Options::default());
    let mut compared = 0;
    for path in case_files(&root().join("tests/cases")).iter().step_by(4) {
        let Ok(case) = Case::from_path(path) else { continue };
        let keys: Vec<String> = case.facts.keys().cloned().collect();
        for key in keys {
            let mut partial = case.clone();
            partial.facts.remove(&key);
            let what = format!("{} without {key}", path.display());
            compared += usize::from(agree(&mut fast, &mut traced, &partial, &what));
        }
    }
    assert!(compared > 100, "only {compared} cases compared");
}

fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(case_files(&path));
        } else if path
            .extension()
            .is_some_and(|e| e == "json" || e == "yaml" || e == "toml")
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `batch::Records` (what the Python package evaluates with) writes, line by line and in parallel,
/// exactly the output of `batch::run` on the same lines: every shipped case file, good and bad.
#[test]
fn records_are_the_lines_batch_run_writes() {
    let rules = shipped_rules();
    let mut lines: Vec<String> = Vec::new();
    for dir in ["tests/cases", "examples/cases"] {
        for path in case_files(&root().join(dir)) {
            if path.extension().is_some_and(|e| e == "json") {
                let json: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                lines.push(json.to_string());
            }
        }
    }
    lines.push(r#"{"illegal_videos": "abc", "conduct_date": "2021-05-26"}"#.into());
    lines.push("not json".into());
    assert!(lines.len() > 300);
    for explain in [ExplainMode::None, ExplainMode::Full] {
        let options = ruling::batch::BatchOptions {
            explain,
            ..Default::default()
        };
        let mut expected = Vec::new();
        let input = std::io::Cursor::new(lines.join("\n").into_bytes());
        ruling::batch::run(
            &rules,
            Box::new(input),
            ruling::batch::InputFormat::Jsonl,
            &mut expected,
            &options,
            None,
        )
        .unwrap();
        let records = ruling::batch::Records::new(&rules, &options);
        assert_eq!(records.lines(&lines, 1).concat(), expected);
        let mut worker = records.worker();
        let mut one_by_one = Vec::new();
        let mut errors = 0;
        for (n, line) in (1..).zip(&lines) {
            errors += usize::from(records.line(&mut worker, line.as_bytes(), n, &mut one_by_one));
        }
        assert_eq!(one_by_one, expected);
        assert!(errors >= 2);
    }
}

/// A batch line's conclusions, unknown conclusions and missing facts are those of
/// `RuleSet::evaluate` with the full explanation recorded (where missing facts are read off the
/// whole trace), for every shipped case file and for the same files with a fact left out, with
/// explanations off and outcome-only: the batch records only the unknown conclusions again.
#[test]
fn batch_lines_name_the_missing_facts_the_full_explanation_names() {
    let rules = shipped_rules();
    let mut cases: Vec<Json> = Vec::new();
    for path in case_files(&root().join("tests/cases")) {
        let Ok(case) = Case::from_path(&path) else { continue };
        let document = serde_json::json!({"as_of": case.as_of, "facts": case.facts});
        for key in case.facts.keys().step_by(3) {
            let mut partial = document.clone();
            if let Some(facts) = partial["facts"].as_object_mut() {
                facts.remove(key);
            }
            cases.push(partial);
        }
        cases.push(document);
    }
    let lines: Vec<String> = cases.iter().map(Json::to_string).collect();
    let full = Options {
        explain: ExplainMode::Full,
        ..Options::default()
    };
    let mut with_missing = 0;
    for explain in [ExplainMode::None, ExplainMode::Outcome] {
        let options = ruling::batch::BatchOptions {
            explain,
            ..Default::default()
        };
        let records = ruling::batch::Records::new(&rules, &options);
        let mut worker = records.worker();
        for (n, line) in (1..).zip(&lines) {
            let mut out = Vec::new();
            if records.line(&mut worker, line.as_bytes(), n, &mut out) {
                continue;
            }
            let got: Json = serde_json::from_slice(&out).expect("a JSON result line");
            let Ok(case) = Case::from_json(line) else { continue };
            let Ok(expected) = rules.evaluate(&case, &full) else {
                continue;
            };
            let what = format!("line {n} ({explain:?}): {line}");
            assert_eq!(
                got["conclusions"],
                serde_json::to_value(&expected.conclusions).unwrap(),
                "{what}"
            );
            assert_eq!(
                got["unknown_conclusions"],
                serde_json::json!(expected.unknown_conclusions),
                "{what}"
            );
            assert_eq!(
                got["missing_facts"],
                serde_json::json!(expected.missing_facts),
                "{what}"
            );
            with_missing += usize::from(!expected.missing_facts.is_empty());
        }
    }
    assert!(lines.len() > 300, "only {} cases", lines.len());
    assert!(with_missing > 100, "only {with_missing} results with missing facts");
}

#[test]
fn explanation_options_without_explanations_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    std::fs::write(
        &input,
        "{\"id\": 1, \"conduct_date\": \"2021-05-20\", \"illegal_videos\": 250}\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let catalog = dir.path().join("catalog.json");
    let catalog = catalog.to_str().unwrap_or_default();
    for (extra, says) in [
        (
            vec!["--explain-format", "tree"],
            "--explain-format says how explanations are written",
        ),
        (
            vec!["--explain", "none", "--explain-format", "trace"],
            "add --explain outcome or --explain full",
        ),
        (vec!["--catalog", catalog], "--catalog is written for explanations"),
        (
            vec!["--explain", "full", "--explain-format", "tree", "--catalog", catalog],
            "trees (--explain-format tree) carry their own texts",
        ),
    ] {
        let run = batch(&bench_rules(), &input, &out, &extra);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert!(!out.exists(), "{extra:?}: nothing is written");
        assert!(!std::path::Path::new(catalog).exists(), "{extra:?}: no catalog");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_batch_quietly_as_eval_ends() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.jsonl");
    let lines: String = (0..20_000)
        .map(|n| format!("{{\"id\": {n}, \"conduct_date\": \"2021-05-20\", \"illegal_videos\": {n}}}\n"))
        .collect();
    std::fs::write(&input, lines).unwrap();
    let mut child = crate::support::ruling_bin()
        .arg("batch")
        .arg(bench_rules())
        .arg("--input")
        .arg(&input)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ruling runs");
    // `| head -1`: one line read, then the pipe closed.
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().expect("ruling ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(first.contains("\"id\":0"), "{first}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_program_is_told_that_the_reader_went_away() {
    struct Closed;
    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let rules = ruling::RuleSet::load(bench_rules()).unwrap();
    let input = "{\"id\": 1, \"conduct_date\": \"2021-05-20\", \"illegal_videos\": 250}\n";
    let result = ruling::batch::run(
        &rules,
        Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
        ruling::batch::InputFormat::Jsonl,
        &mut Closed,
        &ruling::batch::BatchOptions::default(),
        None,
    );
    assert!(
        matches!(result, Err(ruling::batch::BatchError::OutputClosed)),
        "{result:?}"
    );
}
