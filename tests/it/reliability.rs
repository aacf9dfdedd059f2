//! Issue 12, reliability: no input lost, no silent wrong answer from odd input, bounded work.
//! Each test is one reproduction from the issue, run the way a user would run it.

use std::path::{Path, PathBuf};
use std::process::Output;

use miette::Diagnostic;
use ruling::{Case, CaseError, CaseFormat};
use serde_json::Value as Json;

use crate::support::{batch, root, ruling_bin};

fn bench_rules() -> PathBuf {
    root().join("benches/interp2019.rule")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// One example of each code this issue added, for the catalogue snapshots
/// (`diagnostics::catalogue`).
pub fn catalogue_examples(add: &mut dyn FnMut(&dyn Diagnostic)) {
    add(&ruling::batch::BatchError::SameFile {
        input: String::from("io.jsonl"),
        output: String::from("io.jsonl"),
    });
    add(&ruling::LoadError::Skipped {
        path: String::from("rules/leak.rule"),
        reason: String::from("a symbolic link"),
    });
    add(&ruling::batch::BatchError::DuplicateColumn {
        name: String::from("illegal_videos"),
        first: 2,
        second: 3,
    });
    add(&Case::from_json(r#"{"facts": {"illegal_videos": 1, "illegal_videos": 500}}"#).expect_err("duplicate"));
    add(&Case::parse("case.yaml", "facts:\n  illegal_videos: .inf\n", CaseFormat::Yaml).expect_err("infinite"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.json");
    std::fs::write(&path, b"{\"facts\": {\"name\": \"A\xff\"}}").unwrap();
    match Case::from_path(&path).expect_err("not UTF-8") {
        CaseError::NotUtf8 { offset, .. } => add(&CaseError::NotUtf8 {
            name: String::from("case.json"),
            offset,
        }),
        other => panic!("expected not_utf8, got {other:?}"),
    }
}

// ---------------------------------------------------------------- 1. --output is the input

const CASE_LINE: &str = "{\"id\":1,\"illegal_videos\":500}\n";

#[test]
fn output_equal_to_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["io.jsonl", "io.csv"] {
        let input = dir.path().join(name);
        let text = if name.ends_with(".csv") {
            "id,illegal_videos\n1,500\n"
        } else {
            CASE_LINE
        };
        std::fs::write(&input, text).unwrap();
        let run = batch(&bench_rules(), &input, &input, &["--as-of", "2021-01-01"]);
        assert_eq!(run.status.code(), Some(2), "{name}: {}", stderr(&run));
        assert!(stderr(&run).contains("ruling::batch::same_file"), "{}", stderr(&run));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), text, "{name} is untouched");
    }
}

#[cfg(unix)]
#[test]
fn output_linked_to_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("io.jsonl");
    std::fs::write(&input, CASE_LINE).unwrap();
    let symlink = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &symlink).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&input, &hard).unwrap();
    for output in [&symlink, &hard] {
        let run = batch(&bench_rules(), &input, output, &["--as-of", "2021-01-01"]);
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(stderr(&run).contains("is the input file"), "{}", stderr(&run));
    }
    let catalog = batch(
        &bench_rules(),
        &input,
        &dir.path().join("out.jsonl"),
        &[
            "--as-of",
            "2021-01-01",
            "--explain",
            "outcome",
            "--catalog",
            input.to_str().unwrap(),
        ],
    );
    assert_eq!(catalog.status.code(), Some(2), "{}", stderr(&catalog));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), CASE_LINE);
}

#[test]
fn a_failed_run_leaves_the_old_output_whole_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory opens on Unix but cannot be read: the batch stops with a read error after
    // the output was opened.
    let input = dir.path().join("cases");
    std::fs::create_dir(&input).unwrap();
    let output = dir.path().join("out.jsonl");
    std::fs::write(&output, "previous results\n").unwrap();
    let run = batch(&bench_rules(), &input, &output, &["--as-of", "2021-01-01"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "previous results\n");
    let listing: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listing.len(), 2, "no temporary file left: {listing:?}");
}

#[test]
fn two_runs_writing_one_output_leave_one_complete_result() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases = String::new();
    for i in 0..20_000 {
        cases.push_str(&format!("{{\"id\":{i},\"illegal_videos\":{}}}\n", i % 400));
    }
    let (first, second) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&first, &cases).unwrap();
    std::fs::write(&second, &cases).unwrap();
    let output = dir.path().join("out.jsonl");
    let spawn = |input: &Path| {
        ruling_bin()
            .arg("batch")
            .arg(bench_rules())
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(&output)
            .args(["--as-of", "2021-01-01"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ruling runs")
    };
    let (a, b) = (spawn(&first), spawn(&second));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let text = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20_000);
    for (i, line) in lines.iter().enumerate() {
        let record: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {i} is corrupt ({e}): {line}"));
        assert_eq!(record["id"], Json::from(i), "line {i} in input order");
    }
}

// ---------------------------------------------------------------- helpers for small rule sets

/// Writes `rules` to `dir/r.rule` and returns its path.
fn rule_file(dir: &Path, rules: &str) -> PathBuf {
    let path = dir.join("r.rule");
    std::fs::write(&path, rules).unwrap();
    path
}

const SMALL: &str = "source 法 \"某法\"\n\
    fact n: count \"数\" = 0\n\
    fact t: text \"文\"\n\
    fact gains: money \"违法所得\"\n\
    rule big: bool \"大\" cite 法 第一条 = n > 100\n\
    rule echo: money \"所得\" cite 法 第二条 = gains\n";

fn eval_file(rules: &Path, case: &Path) -> Output {
    ruling_bin()
        .arg("eval")
        .arg(rules)
        .arg("--facts")
        .arg(case)
        .args(["--format", "json"])
        .output()
        .expect("ruling runs")
}

/// Runs a batch over `input` (written to a file with extension `ext`) and returns the exit
/// code and the result records.
fn batch_records(rules: &Path, input: &[u8], ext: &str, extra: &[&str]) -> (Option<i32>, Vec<Json>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("in.{ext}"));
    std::fs::write(&path, input).unwrap();
    let out = dir.path().join("out.jsonl");
    let run = batch(rules, &path, &out, extra);
    let records = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (run.status.code(), records, stderr(&run))
}

// ---------------------------------------------------------------- 9. duplicate keys, ragged CSV

#[test]
fn a_key_given_twice_is_refused_in_json_yaml_and_toml() {
    let json = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"n": 1, "n": 500}}"#).expect_err("duplicate");
    assert!(
        matches!(&json, CaseError::DuplicateKey { path, key, .. } if path == "/facts/n" && key == "n"),
        "{json:?}"
    );
    assert_eq!(json.code_str(), "ruling::case::duplicate_key");
    let top = Case::from_json(r#"{"as_of": "2021-01-01", "as_of": "2022-01-01"}"#).expect_err("duplicate");
    assert_eq!(top.path(), Some("/as_of"));
    let yaml = Case::parse("c.yaml", "facts:\n  n: 1\n  n: 500\n", CaseFormat::Yaml).expect_err("duplicate");
    assert_eq!(yaml.path(), Some("/facts/n"), "{yaml:?}");
    let nested =
        Case::parse("c.yaml", "facts:\n  orders:\n    - {a: 1, a: 2}\n", CaseFormat::Yaml).expect_err("duplicate");
    assert_eq!(nested.path(), Some("/facts/orders/0/a"), "{nested:?}");
    let toml = Case::parse("c.toml", "[facts]\nn = 1\nn = 500\n", CaseFormat::Toml).expect_err("duplicate");
    assert_eq!(toml.code_str(), "ruling::case::syntax", "{toml:?}");
}

#[test]
fn a_duplicate_key_points_at_its_second_occurrence() {
    let text = "{\"facts\": {\"n\": 1,\n  \"n\": 500}}";
    let error = Case::from_json(text).expect_err("duplicate");
    let CaseError::DuplicateKey { span, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(text.get(span.offset()..span.offset() + span.len()), Some("\"n\""));
    assert_eq!(span.offset(), text.rfind("\"n\"").unwrap());
}

#[test]
fn duplicate_keys_in_batch_lines_are_error_records_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let input = concat!(
        "{\"id\":1,\"n\":1,\"n\":500}\n",
        "{\"id\":2,\"facts\":{\"n\":1,\"n\":500}}\n",
        "{\"id\":3,\"n\":null,\"n\":500}\n",
        "{\"id\":4,\"id\":5,\"n\":1}\n",
        "{\"id\":6,\"n\":500}\n",
    );
    let (code, records, err) = batch_records(&rules, input.as_bytes(), "jsonl", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records.len(), 5);
    for (record, path) in records.iter().zip(["/n", "/facts/n", "/n", "/id"]) {
        assert_eq!(record["error"]["code"], "ruling::case::duplicate_key", "{record}");
        assert_eq!(record["error"]["path"], path, "{record}");
    }
    assert_eq!(records[4]["conclusions"]["big"], true);
}

#[test]
fn a_csv_header_naming_a_column_twice_stops_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let (code, records, err) = batch_records(&rules, b"id,n,n\n1,1,500\n", "csv", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ruling::batch::duplicate_column"), "{err}");
    assert!(err.contains("columns 2 and 3"), "{err}");
    assert!(records.is_empty());
}

#[test]
fn ragged_csv_rows_report_their_extra_and_missing_cells() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let input = b"id,n,t\n1,500,a\n2,500,a,extra\n3,500\n4,500,b\n";
    let (code, records, err) = batch_records(&rules, input, "csv", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["conclusions"]["big"], true);
    assert_eq!(records[1]["id"], 2);
    assert_eq!(records[1]["error"]["code"], "ruling::batch::ragged_row");
    assert_eq!(
        records[1]["error"]["message"],
        "the row has 4 cell(s), the header 3 column(s): extra cell(s) `extra`"
    );
    assert_eq!(
        records[2]["error"]["message"],
        "the row has 2 cell(s), the header 3 column(s): no cell for `t`"
    );
    assert_eq!(records[3]["conclusions"]["big"], true);
}

// ---------------------------------------------------------------- 2. .inf / nan

#[test]
fn yaml_and_toml_infinities_are_errors_not_absent_facts() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let cases = [
        ("c.yaml", "as_of: 2021-01-01\nfacts:\n  n: .inf\n", "inf"),
        ("d.yaml", "as_of: 2021-01-01\nfacts:\n  n: -.inf\n", "-inf"),
        ("e.yaml", "as_of: 2021-01-01\nfacts:\n  n: .nan\n", "NaN"),
        ("f.toml", "as_of = \"2021-01-01\"\n[facts]\nn = inf\n", "inf"),
        ("g.toml", "as_of = \"2021-01-01\"\n[facts]\nn = nan\n", "NaN"),
    ];
    for (name, text, shown) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let run = eval_file(&rules, &path);
        assert_eq!(run.status.code(), Some(2), "{name}: {}", stderr(&run));
        let message = stderr(&run);
        assert!(message.contains("ruling::case::not_finite"), "{name}: {message}");
        assert!(
            message.contains(&format!("`/facts/n` is {shown}, not a finite number")),
            "{name}: {message}"
        );
    }
}

/// `ruling eval --format json` on a case it cannot evaluate still prints JSON: the error body
/// `POST /v1/evaluate` answers (code, message, path, and every fact problem), beside the
/// diagnostic on standard error and the exit status 2.
#[test]
fn eval_in_json_says_why_a_case_has_no_result_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let cases = [
        (
            "misspelt.json",
            r#"{"as_of": "2021-01-01", "facts": {"nn": 5, "n": "many"}}"#,
            "ruling::case::unknown_fact",
            "/facts/nn",
        ),
        (
            "broken.json",
            r#"{"as_of": "2021-01-01", "facts": {"#,
            "ruling::case::syntax",
            "",
        ),
        ("undated.json", r#"{"facts": {"n": 5}}"#, "ruling::eval::no_as_of", ""),
    ];
    for (name, text, code, path) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        assert_json_error(&eval_file(&rules, &file), code, path, code);
    }
    let file = dir.path().join("misspelt.json");
    let out: Json = serde_json::from_slice(&eval_file(&rules, &file).stdout).unwrap();
    let problems = out["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{out}");
    assert_eq!(problems[0]["help"], "did you mean `n`?", "{out}");
    assert_eq!(problems[1]["path"], "/facts/n", "{out}");
}

/// `--question big, echo` (a space after the comma) names two conclusions; a stray comma is
/// refused by name instead of being read as a conclusion called `` (eval, batch, new-case).
#[test]
fn question_lists_are_trimmed_and_a_stray_comma_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let case = dir.path().join("case.json");
    std::fs::write(&case, r#"{"as_of": "2021-01-01", "facts": {"n": 5}}"#).unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"as_of\": \"2021-01-01\", \"facts\": {\"n\": 500}}\n").unwrap();
    let output = dir.path().join("out.jsonl");
    let eval = |questions: &str| {
        let mut command = ruling_bin();
        command.arg("eval").arg(&rules).arg("--facts").arg(&case);
        command.args(["--format", "json", "--question", questions]);
        command
    };
    let batch = |questions: &str| {
        let mut command = ruling_bin();
        command
            .arg("batch")
            .arg(&rules)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output);
        command.args(["--question", questions]);
        command
    };
    let new_case = |questions: &str| {
        let mut command = ruling_bin();
        command.arg("new-case").arg(&rules).args(["--question", questions]);
        command
    };
    let run = eval("big, echo").output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out: Json = serde_json::from_slice(&run.stdout).unwrap();
    let named: Vec<&String> = out["conclusions"].as_object().unwrap().keys().collect();
    assert_eq!(named, ["big", "echo"], "{out}");
    let run = batch(" big").output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let line: Json = serde_json::from_str(std::fs::read_to_string(&output).unwrap().trim()).unwrap();
    assert_eq!(line["conclusions"], serde_json::json!({"big": true}), "{line}");
    for mut command in [eval("big,"), batch(",big"), new_case("big,,echo")] {
        let run = command.output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(
            stderr(&run).contains("empty conclusion name (a stray comma?)"),
            "{}",
            stderr(&run)
        );
    }
}

/// `ruling eval --format json` refused the input (status 2) and said why twice: a diagnostic
/// naming `says` on stderr, and the error document with `code`, `path` and a message naming
/// `says` on stdout.
fn assert_json_error(run: &Output, code: &str, path: &str, says: &str) {
    assert_eq!(run.status.code(), Some(2), "{code}: {}", stderr(run));
    assert!(stderr(run).contains(says), "{code}: {}", stderr(run));
    let out: Json = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{code}: not JSON ({e})"));
    assert_eq!(out["error"]["code"], code, "{out}");
    assert_eq!(out["error"]["path"], path, "{out}");
    let message = out["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{out}");
    if says != code {
        assert!(message.contains(says), "{out}");
    }
}

#[test]
fn eval_in_json_says_in_json_which_argument_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let case = dir.path().join("case.json");
    std::fs::write(&case, r#"{"as_of": "2021-01-01", "facts": {"n": 5}}"#).unwrap();
    let blank = dir.path().join("blank.json");
    std::fs::write(
        &blank,
        r#"{"as_of": "2021-01-01", "questions": ["big", ""], "facts": {}}"#,
    )
    .unwrap();
    let asking = dir.path().join("asking.json");
    std::fs::write(
        &asking,
        r#"{"as_of": "2021-01-01", "questions": ["big", "bgi"], "facts": {}}"#,
    )
    .unwrap();
    let runs: [(&Path, &[&str], &str, &str, &str); 6] = [
        (
            &case,
            &["--why-not"],
            "ruling::cli::option_not_for_format",
            "--why-not",
            "--why-not applies to the text output, not to --format json",
        ),
        (
            &case,
            &["--as-of", "2021-13-01"],
            "ruling::cli::bad_as_of",
            "--as-of",
            "`2021-13-01` is not a date",
        ),
        (
            &case,
            &["--question", "bgi"],
            "ruling::eval::unknown_conclusion",
            "--question",
            "did you mean `big`?",
        ),
        (
            &case,
            &["ehco"],
            "ruling::eval::unknown_conclusion",
            "CONCLUSION",
            "did you mean `echo`?",
        ),
        (
            &blank,
            &[],
            "ruling::eval::unknown_conclusion",
            "/questions/1",
            "empty conclusion name",
        ),
        (
            &asking,
            &[],
            "ruling::eval::unknown_conclusion",
            "/questions/1",
            "did you mean `big`?",
        ),
    ];
    for (file, extra, code, path, says) in runs {
        let run = ruling_bin()
            .arg("eval")
            .arg(&rules)
            .arg("--facts")
            .arg(file)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .expect("ruling runs");
        assert_json_error(&run, code, path, says);
    }
}

// ---------------------------------------------------------------- 3. huge amounts

#[test]
fn a_huge_amount_is_echoed_exactly_with_or_without_decimals() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let huge = "2000000000000000000000000000000000000";
    for written in [huge.to_string(), format!("{huge}.00"), format!("{huge}.0")] {
        let path = dir.path().join("c.json");
        std::fs::write(
            &path,
            format!(r#"{{"as_of": "2021-01-01", "facts": {{"gains": "{written}"}}}}"#),
        )
        .unwrap();
        let run = eval_file(&rules, &path);
        assert_eq!(run.status.code(), Some(0), "{written}: {}", stderr(&run));
        let out: Json = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(out["conclusions"]["echo"], format!("{huge}.00"), "{written}");
    }
}

// ---------------------------------------------------------------- 5. ids, UTF-8

#[test]
fn batch_ids_are_echoed_exactly_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let ids = [
        "12345678901234567890123",
        "12345678901234567890124",
        "1.10",
        "-0",
        "1e2",
        "\"a\\u0041\"",
        "null",
        "[1, 2.50]",
    ];
    let mut input = String::new();
    for id in ids {
        input.push_str(&format!("{{\"id\":{id},\"n\":500}}\n"));
        // The general path (a case-file line, and a line with an unknown fact) too.
        input.push_str(&format!(
            "{{\"id\":{id},\"as_of\":\"2021-01-01\",\"facts\":{{\"n\":5}}}}\n"
        ));
        input.push_str(&format!("{{\"id\":{id},\"nn\":5}}\n"));
    }
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, &input).unwrap();
    let out = dir.path().join("out.jsonl");
    let run = batch(&rules, &path, &out, &["--as-of", "2021-01-01"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), ids.len() * 3);
    for (chunk, id) in lines.chunks(3).zip(ids) {
        for line in chunk {
            assert!(line.starts_with(&format!("{{\"id\":{id},")), "{id}: {line}");
        }
    }
}

#[test]
fn csv_ids_keep_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let input = b"id,n\n12345678901234567890123,1\n007,1\n-0,1\n42,1\n";
    let (code, records, err) = batch_records(&rules, input, "csv", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(0), "{err}");
    let ids: Vec<&Json> = records.iter().map(|r| &r["id"]).collect();
    assert_eq!(
        ids,
        [
            &Json::from("12345678901234567890123"),
            &Json::from("007"),
            &Json::from("-0"),
            &Json::from(42)
        ]
    );
}

#[test]
fn invalid_utf8_in_a_batch_line_is_an_error_record() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let input = b"{\"id\":1,\"t\":\"A\xff\"}\n{\"id\":2,\"t\":\"A\xfe\"}\n{\"id\":3,\"t\":\"A\"}\n";
    let (code, records, err) = batch_records(&rules, input, "jsonl", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records.len(), 3);
    for record in records.iter().take(2) {
        assert_eq!(record["error"]["code"], "ruling::case::not_utf8", "{record}");
        assert_eq!(
            record["error"]["message"],
            "`line 1` is not UTF-8 text: invalid byte at offset 14"
                .replace("line 1", &format!("line {}", record["line"]))
        );
    }
    assert!(records[2].get("conclusions").is_some(), "{}", records[2]);
}

#[test]
fn a_byte_order_mark_is_skipped_in_json_and_jsonl_as_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let (code, records, err) = batch_records(
        &rules,
        b"\xEF\xBB\xBF{\"id\":1,\"n\":500}\n",
        "jsonl",
        &["--as-of", "2021-01-01"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(records[0]["conclusions"]["big"], true);
    let (code, records, err) = batch_records(&rules, b"\xEF\xBB\xBFid,n\n1,500\n", "csv", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(records[0]["conclusions"]["big"], true);
    let case = dir.path().join("c.json");
    std::fs::write(
        &case,
        b"\xEF\xBB\xBF{\"as_of\": \"2021-01-01\", \"facts\": {\"n\": 500}}",
    )
    .unwrap();
    let run = eval_file(&rules, &case);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

// ---------------------------------------------------------------- 7. line length in batch

#[test]
fn a_batch_line_longer_than_the_limit_is_an_error_record_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let limit = ruling::CaseLimits::default().max_file_bytes;
    let mut input = Vec::with_capacity(limit + 200);
    input.extend_from_slice(b"{\"id\":1,\"n\":500}\n{\"id\":2,\"t\":\"");
    input.resize(input.len() + limit, b'x');
    input.extend_from_slice(b"\"}\n{\"id\":3,\"n\":500}\n");
    let (code, records, err) = batch_records(&rules, &input, "jsonl", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records.len(), 3);
    assert_eq!(records[1]["line"], 2);
    assert_eq!(records[1]["error"]["code"], "ruling::case::too_large");
    assert!(records[2].get("conclusions").is_some());
}

#[test]
fn texts_in_batch_lines_have_the_case_file_limit_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), SMALL);
    let long = "x".repeat(ruling::CaseLimits::default().max_text_bytes + 1);
    let input = format!(
        "{{\"id\":1,\"t\":\"{long}\"}}\n{{\"id\":2,\"facts\":{{\"t\":\"{long}\"}},\"as_of\":\"2021-01-01\"}}\n"
    );
    let (code, records, err) = batch_records(&rules, input.as_bytes(), "jsonl", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(
            record["error"]["code"], "ruling::case::text_too_long",
            "{}",
            record["error"]
        );
    }
    let csv = format!("id,t\n1,{long}\n");
    let (code, records, err) = batch_records(&rules, csv.as_bytes(), "csv", &["--as-of", "2021-01-01"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(records[0]["error"]["code"], "ruling::case::text_too_long");
}

#[test]
fn an_endless_line_is_read_in_bounded_memory() {
    // A line of 3 × the limit with a small limit, through the library: memory stays at the
    // limit, and the error record says how long the line was.
    let rules = ruling::RuleSet::from_source("r.rule", SMALL).unwrap();
    let limits = ruling::CaseLimits {
        max_file_bytes: 1000,
        ..ruling::CaseLimits::default()
    };
    let options = ruling::batch::BatchOptions {
        limits,
        as_of: ruling::Date::new(2021, 1, 1).ok(),
        ..ruling::batch::BatchOptions::default()
    };
    let mut input = vec![b' '; 3000];
    input.extend_from_slice(b"\n{\"n\":500}");
    let mut out = Vec::new();
    let summary = ruling::batch::run(
        &rules,
        Box::new(std::io::Cursor::new(input)),
        ruling::batch::InputFormat::Jsonl,
        &mut out,
        &options,
        None,
    )
    .unwrap();
    assert_eq!(summary.errors, 1);
    assert_eq!(summary.evaluated, 1);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(r#"{"line":1,"error":{"code":"ruling::case::too_large","message":"case file `line 1` is 3001 bytes, more than the limit of 1000""#),
        "{text}"
    );
}

/// Found by the `batch_lines` fuzz target (fuzz/regressions/batch_lines/bom_alone_is_a_blank_line):
/// a byte-order mark first in the input belongs to no case, so a BOM alone is a blank line and
/// gives no record, and a BOM before the first case does not change it.
#[test]
fn a_byte_order_mark_alone_is_a_blank_line_and_before_a_case_is_skipped() {
    let rules = ruling::RuleSet::from_source("r.rule", SMALL).unwrap();
    let options = ruling::batch::BatchOptions {
        as_of: ruling::Date::new(2021, 1, 1).ok(),
        ..ruling::batch::BatchOptions::default()
    };
    let run = |input: &[u8]| {
        let mut out = Vec::new();
        let summary = ruling::batch::run(
            &rules,
            Box::new(std::io::Cursor::new(input.to_vec())),
            ruling::batch::InputFormat::Jsonl,
            &mut out,
            &options,
            None,
        )
        .unwrap();
        (summary.records, String::from_utf8(out).unwrap())
    };
    assert_eq!(run(b"\xEF\xBB\xBF"), (0, String::new()));
    let (records, with_bom) = run(b"\xEF\xBB\xBF{\"n\":500}\n");
    let (_, without) = run(b"{\"n\":500}\n");
    assert_eq!(records, 1);
    assert_eq!(with_bom, without);
}

// ---------------------------------------------------------------- 4. fmt keeps the tree

mod fmt_tree {
    use proptest::prelude::*;
    use ruling::format;

    #[test]
    fn branches_starting_with_minus_or_a_parenthesis_stay_separate() {
        for text in [
            "fact a: count\nfact b: count\nrule r: bool = any { a > 1, -b == none }\n",
            "fact a: count\nfact b: count\nrule r: bool = all { 1 < a, (b) > 0 }\n",
            "fact a: count\nfact b: count\nrule r: bool = 2 of { a > 1, [b] == [1], -b < 0 }\n",
            "fact a: count\nfact b: count\nrule r: bool = any { \"x\": a > 1, -b == none, \"y\": (b) > 0 }\n",
        ] {
            assert_same_tree(text);
            let rules = ruling::RuleSet::from_source("r.rule", text);
            let formatted = format::format_source("r.rule", text).unwrap();
            let after = ruling::RuleSet::from_source("r.rule", &formatted);
            assert_eq!(rules.is_ok(), after.is_ok(), "{formatted}");
        }
    }

    #[test]
    fn the_issue_example_keeps_its_value() {
        let text = "fact a: count\nfact b: count\nrule r: bool = any { a > 1, -b == none }\n";
        let formatted = format::format_source("r.rule", text).unwrap();
        for source in [text, formatted.as_str()] {
            let rules = ruling::RuleSet::from_source("r.rule", source).unwrap();
            let case = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": 2, "b": 1}}"#).unwrap();
            let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
            assert_eq!(outcome.conclusion("r"), Some(&serde_json::json!(true)), "{source}");
        }
    }

    fn assert_same_tree(text: &str) {
        let before = format::parse_source("g.rule", text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let formatted = format::format_source("g.rule", text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        let after = format::parse_source("g.rule", &formatted)
            .unwrap_or_else(|e| panic!("formatted text does not parse:\n{formatted}\n{e:?}"));
        assert_eq!(
            format::without_spans(&before),
            format::without_spans(&after),
            "fmt changed the tree of\n{text}\ninto\n{formatted}"
        );
        let again = format::format_source("g.rule", &formatted).unwrap();
        assert_eq!(formatted, again, "fmt is not idempotent");
    }

    /// Expressions as text, every block's branches separated by commas (so the tree has as
    /// many branches as written), with prefixes, parentheses and lists that could glue two
    /// branches into one if the commas were lost.
    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec!["a", "b", "1", "200", "none", "true", "10万元", "5%", "2021-01-01"])
            .prop_map(String::from);
        leaf.prop_recursive(4, 40, 4, |inner| {
            let op = prop::sample::select(vec!["and", "or", "==", "!=", ">", "<", "+", "-", "*", "in"]);
            let label = prop::option::of(prop::sample::select(vec!["\"甲\": ", "\"乙\" cite 法 第一条: "]));
            prop_oneof![
                inner.clone().prop_map(|e| format!("-{e}")),
                inner.clone().prop_map(|e| format!("not {e}")),
                inner.clone().prop_map(|e| format!("({e})")),
                (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
                prop::collection::vec(inner.clone(), 0..3).prop_map(|items| format!("[{}]", items.join(", "))),
                (
                    prop::sample::select(vec!["all", "any", "not", "2 of"]),
                    prop::collection::vec((label, inner.clone()), 1..4),
                    any::<bool>()
                )
                    .prop_map(|(kind, branches, trailing)| {
                        let branches: Vec<String> = branches
                            .into_iter()
                            .map(|(label, e)| format!("{}{e}", label.unwrap_or_default()))
                            .collect();
                        let comma = if trailing { "," } else { "" };
                        format!("{kind} {{ {}{comma} }}", branches.join(", "))
                    }),
                (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| format!("if {c} then {a} else {b}")),
                prop::collection::vec(inner, 1..3).prop_map(|args| format!("max({})", args.join(", "))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn fmt_never_changes_the_tree_of_a_generated_rule_file(body in expr(), other in expr()) {
            let text = format!(
                "source 法 \"某法\"\nfact a: count \"甲\"\nfact b: count \"乙\"\n\
                 rule r: bool \"规则\" cite 法 第一条 = {body}\nrule s: bool \"规则\" cite 法 第二条 = {other}\n"
            );
            // Generated text may not parse (`1 in 2 in 3` is fine, `- -` too; a few are not).
            prop_assume!(format::parse_source("g.rule", &text).is_ok());
            assert_same_tree(&text);
        }
    }
}

// ---------------------------------------------------------------- 10. rule directory hygiene

#[cfg(unix)]
mod rule_directory {
    use std::os::unix::fs::symlink;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::{ruling_bin, stderr};

    const RULES: &str = "source 法 \"某法\"\nfact a: bool \"甲\"\nrule r: bool \"规则\" cite 法 第一条 = a\n";

    fn check(dir: &Path) -> std::process::Output {
        ruling_bin().arg("check").arg(dir).output().expect("ruling runs")
    }

    /// `ruling check`, killed (and the test failed) if it has not ended after `limit`: a load
    /// that blocks (opening a FIFO waits for a writer) would otherwise hang the test suite.
    /// A liveness bound, not a speed measurement: the limit is far beyond any normal run.
    fn check_or_kill(dir: &Path, limit: Duration) -> std::process::Output {
        let mut child = ruling_bin()
            .arg("check")
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("ruling runs");
        let started = Instant::now();
        while child.try_wait().expect("waits").is_none() {
            if started.elapsed() > limit {
                child.kill().expect("kills");
                panic!("`ruling check` still running after {limit:?}: blocked on the FIFO");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("ruling ran")
    }

    #[test]
    fn links_out_of_the_directory_are_skipped_and_named() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.txt");
        std::fs::write(&secret, "root:x:0:0:SECRET-LINE\n").unwrap();
        std::fs::write(outside.path().join("other.rule"), "fact z: bool\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rule"), RULES).unwrap();
        symlink(&secret, dir.path().join("leak.rule")).unwrap();
        symlink(outside.path(), dir.path().join("more")).unwrap();
        let run = check(dir.path());
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(0), "{err}");
        assert!(!err.contains("SECRET-LINE"), "{err}");
        assert!(err.contains("ruling::load::skipped"), "{err}");
        assert!(err.contains("leak.rule`: a symbolic link"), "{err}");
        assert!(err.contains("more`: a symbolic link"), "{err}");
        let rules = ruling::RuleSet::load(dir.path()).unwrap();
        assert!(
            rules.program().fact_id("z").is_none(),
            "the linked directory was not read"
        );
        assert_eq!(
            rules.warnings().codes(),
            ["ruling::load::skipped", "ruling::load::skipped"]
        );
        let denied = ruling_bin()
            .arg("check")
            .arg(dir.path())
            .arg("--deny-warnings")
            .output()
            .unwrap();
        assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    }

    #[test]
    fn a_fifo_named_like_a_rule_file_does_not_block_the_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rule"), RULES).unwrap();
        let fifo = dir.path().join("x.rule");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let run = check_or_kill(dir.path(), Duration::from_secs(120));
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        assert!(stderr(&run).contains("x.rule`: not a regular file"), "{}", stderr(&run));
    }

    #[test]
    fn dotfiles_and_dangling_editor_locks_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rule"), RULES).unwrap();
        symlink("user@host.1234:1700000000", dir.path().join(".#a.rule")).unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/broken.rule"), "this is not a rule file").unwrap();
        std::fs::write(dir.path().join(".hidden.rule"), "neither is this").unwrap();
        let run = check(dir.path());
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        assert!(!stderr(&run).contains("skipped"), "{}", stderr(&run));
    }

    #[test]
    fn fmt_never_writes_through_a_link() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("t.rule");
        let messy = "fact   a:bool\nrule r: bool =   a\n";
        std::fs::write(&target, messy).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rule"), messy).unwrap();
        symlink(&target, dir.path().join("link.rule")).unwrap();
        let run = ruling_bin().arg("fmt").arg(dir.path()).output().unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        assert!(stderr(&run).contains("link.rule`: a symbolic link"), "{}", stderr(&run));
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            messy,
            "the linked file is untouched"
        );
        assert!(std::fs::symlink_metadata(dir.path().join("link.rule"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_ne!(std::fs::read_to_string(dir.path().join("a.rule")).unwrap(), messy);
        // Named directly, too.
        let direct = ruling_bin()
            .arg("fmt")
            .arg(dir.path().join("link.rule"))
            .output()
            .unwrap();
        assert_eq!(direct.status.code(), Some(0), "{}", stderr(&direct));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), messy);
    }

    #[test]
    fn test_update_never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        std::fs::write(rules.join("a.rule"), RULES).unwrap();
        let cases = dir.path().join("cases");
        std::fs::create_dir(&cases).unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("c.json");
        let case = r#"{"as_of": "2021-01-01", "facts": {"a": true}, "expected": {"r": false}}"#;
        std::fs::write(&target, case).unwrap();
        symlink(&target, cases.join("c.json")).unwrap();
        let run = ruling_bin()
            .arg("test")
            .arg(&rules)
            .arg(&cases)
            .arg("--update")
            .output()
            .unwrap();
        assert_ne!(run.status.code(), Some(0), "{}", stderr(&run));
        assert!(stderr(&run).contains("symbolic link"), "{}", stderr(&run));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), case);
    }
}

// ---------------------------------------------------------------- 11. smaller items

#[test]
fn diff_git_refuses_a_revision_that_looks_like_an_option() {
    for rev in ["-x", "--output=/tmp/ruling-pwned", "-"] {
        let run = ruling_bin()
            .arg("diff")
            .arg(format!("--git={rev}"))
            .arg(root().join("rules"))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(
            stderr(&run).contains("a revision never starts with `-`"),
            "{}",
            stderr(&run)
        );
    }
    assert!(!Path::new("/tmp/ruling-pwned").exists());
}

#[test]
fn dates_outside_yyyy_mm_dd_are_refused_in_cases() {
    let rules = ruling::RuleSet::from_source("r.rule", "fact d: date \"日\"\nrule r: bool = d > 2020-01-01\n").unwrap();
    for date in ["-001-01-01", "0000-01-01", "+021-01-01"] {
        let case = Case::from_json(&format!(r#"{{"as_of": "2021-01-01", "facts": {{"d": "{date}"}}}}"#)).unwrap();
        let error = rules.evaluate(&case, &ruling::Options::default()).expect_err(date);
        assert!(format!("{error:?}").contains("invalid_date"), "{date}: {error:?}");
        let as_of = Case::from_json(&format!(r#"{{"as_of": "{date}", "facts": {{}}}}"#)).unwrap();
        assert!(rules.evaluate(&as_of, &ruling::Options::default()).is_err(), "{date}");
    }
}

#[test]
fn minus_zero_is_zero_and_big_integers_are_named_for_what_they_are() {
    let rules = ruling::RuleSet::from_source(
        "r.rule",
        "fact n: count \"数\"\nfact m: money \"钱\"\nrule r: bool = n >= 0 and m >= 0元\n",
    )
    .unwrap();
    let zero = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"n": -0, "m": -0}}"#).unwrap();
    let outcome = rules.evaluate(&zero, &ruling::Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&Json::Bool(true)));
    let big = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"n": 18446744073709551616}}"#).unwrap();
    let error = format!(
        "{:?}",
        rules.evaluate(&big, &ruling::Options::default()).expect_err("2^64")
    );
    assert!(
        error.contains("expected an integer, found an integer beyond 64 bits"),
        "{error}"
    );
    assert!(!error.contains("fraction"), "{error}");
}

// ---------------------------------------------------------------- 6. bounded check

// How long these take is measured in `cargo bench --bench limits` (docs/performance.md,
// "Limits"), not here: these tests say what loads and what is refused.

fn load(text: &str) -> Result<ruling::RuleSet, ruling::LoadError> {
    ruling::RuleSet::from_source("big.rule", text)
}

fn codes(error: &ruling::LoadError) -> Vec<String> {
    match error {
        ruling::LoadError::Invalid { diagnostics } => diagnostics
            .iter()
            .filter_map(|d| d.code().map(|c| c.to_string()))
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

fn enum_rules(values: usize) -> String {
    let values: Vec<String> = (0..values).map(|i| format!("v{i}")).collect();
    format!(
        "source 法 \"某法\"\nfact e: enum {{ {} }} \"e\"\nrule r: bool \"r\" cite 法 第一条 = e == \"v5\"\n",
        values.join(", ")
    )
}

#[test]
fn an_enum_of_90000_values_loads_and_one_of_200000_is_past_the_token_limit() {
    let rules = load(&enum_rules(90_000)).unwrap();
    let case = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"e": "v5"}}"#).unwrap();
    let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&serde_json::json!(true)));
    let refused = load(&enum_rules(200_000)).expect_err("past the limit");
    assert_eq!(codes(&refused), ["ruling::parse::too_many_tokens"]);
}

#[test]
fn ten_thousand_exceptions_to_one_rule_load() {
    let mut text = String::from("source 法 \"某法\"\nfact a: count \"a\"\nrule r: count \"r\" cite 法 第一条 = a\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "exception x{i} to r \"x\" cite 法 第二条 when a == {i} = {}\n",
            i + 1
        ));
    }
    let rules = load(&text).unwrap();
    let case = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": 9999}}"#).unwrap();
    let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&serde_json::json!(10_000)));
}

/// The limit counts the whole rule set: three files under it each (80,000 tokens), over it
/// together. One
/// error, in the file where the limit is passed, says how many tokens came before.
#[test]
fn a_rule_set_past_the_token_limit_is_refused_where_it_passes_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rule"), "source 法 \"某法\"\nfact a: count \"a\"\n").unwrap();
    for part in ["b", "c", "d"] {
        // 20 tokens per line (`a > 0,` is four), 4,000 lines: 80,000 tokens a file.
        let mut text = format!("rule {part}: bool \"{part}\" cite 法 第一条 = any {{\n");
        for line in 0..4_000 {
            let branches: Vec<String> = (0..5).map(|k| format!("a > {}", line * 5 + k)).collect();
            text.push_str(&format!("  {},\n", branches.join(", ")));
        }
        text.push_str("  false }\n");
        std::fs::write(dir.path().join(format!("{part}.rule")), text).unwrap();
    }
    let run = ruling_bin()
        .arg("check")
        .arg(dir.path())
        .args(["--lang", "en"])
        .output()
        .unwrap();
    let said = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert_eq!(said.matches("ruling::parse::too_many_tokens").count(), 1, "{said}");
    assert!(said.contains("d.rule:"), "{said}");
    assert!(said.contains("more than 200000 tokens"), "{said}");
    assert!(said.contains("in the files before this one"), "{said}");
    // Without the last file it loads.
    std::fs::remove_file(dir.path().join("d.rule")).unwrap();
    let run = ruling_bin().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

#[test]
fn twenty_thousand_warnings_render_as_text_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("source 法 \"某法\"\n");
    for i in 0..20_000 {
        text.push_str(&format!("fact f{i}: count \"事实{i}\"\n"));
    }
    text.push_str("rule r: bool \"r\" cite 法 第一条 = true\n");
    let rules = rule_file(dir.path(), &text);
    // Before the line index this took 73 s; `cargo bench --bench limits` measures it now.
    let run = ruling_bin()
        .arg("check")
        .arg(&rules)
        .args(["--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let shown = format!("{}{}", String::from_utf8_lossy(&run.stdout), stderr(&run));
    assert_eq!(shown.matches("is never used").count(), 20_000);
    // The last warning still quotes its own line, numbered as in the file.
    let tail: Vec<&str> = shown.lines().rev().take(12).collect();
    assert!(shown.contains("20001 │ fact f19999: count \"事实19999\""), "{tail:?}");
}

#[test]
fn exceptions_with_one_condition_and_different_values_still_conflict() {
    let text = "source 法 \"某法\"\nfact a: count \"a\"\nrule r: count \"r\" cite 法 第一条 = a\n\
                exception x to r \"x\" cite 法 第二条 when a > 1 = 1\n\
                exception y to r \"y\" cite 法 第三条 when a > 1 = 1\n\
                exception z to r \"z\" cite 法 第四条 when a  >  1 = 2\n";
    let Err(ruling::LoadError::Invalid { diagnostics }) = ruling::RuleSet::from_source("c.rule", text) else {
        panic!("conflicting exceptions load")
    };
    assert_eq!(diagnostics.codes(), ["ruling::check::exception_conflict"]);
    let rendered = diagnostics.render(false, 100);
    assert!(rendered.contains("exceptions `x` and `z` conflict"), "{rendered}");
}

#[test]
fn case_keys_in_nfd_name_the_same_fact_as_in_nfc() {
    let rules = ruling::RuleSet::from_source("r.rule", "fact café: count \"数\"\nrule r: bool = café > 1\n").unwrap();
    let nfd = "cafe\u{301}";
    let case = Case::from_json(&format!(r#"{{"as_of": "2021-01-01", "facts": {{"{nfd}": 5}}}}"#)).unwrap();
    let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&Json::Bool(true)));
}

#[test]
fn enum_values_labels_and_record_fields_in_nfd_are_the_declared_ones() {
    let rules = ruling::RuleSet::from_source(
        "r.rule",
        "fact kind: enum { café \"咖啡馆\", bar \"酒吧\" } \"类\"\n\
         fact orders: list { café: bool \"是\" } \"单\" = []\n\
         rule r: bool = kind == \"café\"\n\
         rule n: count = count(orders where café)\n",
    )
    .unwrap();
    let nfd = "cafe\u{301}";
    for kind in [nfd.to_string(), "café".to_string()] {
        let case = Case::from_json(&format!(
            r#"{{"as_of": "2021-01-01", "facts": {{"kind": "{kind}", "orders": [{{"{nfd}": true}}]}}}}"#
        ))
        .unwrap();
        let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
        assert_eq!(outcome.conclusion("r"), Some(&Json::Bool(true)), "{kind:?}");
        assert_eq!(outcome.conclusion("n"), Some(&Json::from(1)), "{kind:?}");
    }
    // A label typed in NFD stands for its code too.
    let rules = ruling::RuleSet::from_source(
        "r.rule",
        "fact kind: enum { a \"café\", b \"bar\" } \"类\"\nrule r: bool = kind == \"a\"\n",
    )
    .unwrap();
    let case = Case::from_json(&format!(r#"{{"as_of": "2021-01-01", "facts": {{"kind": "{nfd}"}}}}"#)).unwrap();
    let outcome = rules.evaluate(&case, &ruling::Options::default()).unwrap();
    assert_eq!(outcome.conclusion("r"), Some(&Json::Bool(true)));
}

// ---------------------------------------------------------------- 11. invisible characters in names

/// The codes and rendering of loading `text` (which must fail).
fn load_errors(text: &str) -> (Vec<String>, String) {
    match ruling::RuleSet::from_source("r.rule", text) {
        Err(ruling::LoadError::Invalid { diagnostics }) => (diagnostics.codes(), diagnostics.render(false, 100)),
        other => panic!("{text:?} loaded: {:?}", other.map(|_| ())),
    }
}

#[test]
fn names_with_invisible_characters_are_refused() {
    for (text, character) in [
        ("fact a\u{200d}b: count \"a\"\n", "U+200D ZERO WIDTH JOINER"),
        ("fact a\u{200c}b: count \"a\"\n", "U+200C ZERO WIDTH NON-JOINER"),
        ("fact k: enum { x\u{fe0f} } \"k\"\n", "U+FE0F VARIATION SELECTOR"),
        (
            "fact a: count\nrule r\u{200d}: bool = a > 1\n",
            "U+200D ZERO WIDTH JOINER",
        ),
        (
            "fact o: list { f\u{200c}: bool \"f\" } \"o\"\n",
            "U+200C ZERO WIDTH NON-JOINER",
        ),
    ] {
        let (codes, rendered) = load_errors(text);
        assert_eq!(codes, ["ruling::parse::invisible_character"], "{text:?}");
        assert!(rendered.contains(character), "{rendered}");
        assert!(rendered.contains("delete it: the name then reads"), "{rendered}");
        // The message shows the name escaped (the quoted source keeps the file's bytes).
        let message = rendered.lines().find(|l| l.contains("the name `")).unwrap_or_default();
        assert!(message.contains("\\u{"), "{message}");
        assert!(!message.contains(['\u{200d}', '\u{200c}', '\u{fe0f}']), "{message}");
    }
    let (_, rendered) = load_errors("fact 违法\u{200d}所得: money \"违法所得\"\n");
    assert!(rendered.contains("the name `违法\\u{200d}所得`"), "{rendered}");
    assert!(rendered.contains("the name then reads `违法所得`"), "{rendered}");
    // Texts may hold them (an emoji sequence in a label).
    assert!(ruling::RuleSet::from_source("r.rule", "fact a: count \"👨\u{200d}👩\"\nrule r: bool = a > 1\n").is_ok());
}

#[test]
fn a_case_key_with_an_invisible_character_names_no_fact_and_says_why() {
    let rules = ruling::RuleSet::from_source("r.rule", SMALL).unwrap();
    // The key as JSON writes it escaped: `"n\u200d"`.
    let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"n\u200d": 500}}"#).unwrap();
    let error = rules
        .evaluate(&case, &ruling::Options::default())
        .expect_err("unknown fact");
    let ruling::EvalError::Facts(facts) = &error else {
        panic!("{error:?}")
    };
    let problem = &facts.located[0];
    assert_eq!(problem.code, "ruling::case::unknown_fact");
    assert_eq!(problem.message, "unknown fact `n\\u{200d}`");
    assert_eq!(
        problem.help.as_deref(),
        Some("the key has an invisible character (U+200D ZERO WIDTH JOINER): did you mean `n`?")
    );
}

// ---------------------------------------------------------------- 11. terminal escapes in values

/// Bytes that would act on a terminal rather than be shown.
fn acting_bytes(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\n')) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn escape_sequences_in_case_values_are_shown_escaped_in_text_output_and_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(
        dir.path(),
        "source 法 \"某法\"\nfact t: text \"文\"\nfact k: enum { a, b } \"类\"\n\
         rule r: text \"r\" cite 法 第一条 = t\nrule s: bool \"s\" cite 法 第二条 = k == \"a\"\n",
    );
    // An OSC 8 link, a clear-screen CSI, a bidi override and a C1 CSI, as JSON escapes.
    let hostile = r"\u001b]8;;http://x\u0007link\u001b]8;;\u0007\u001b[2J\u202eevil\u009b31m";
    let case = dir.path().join("case.json");
    std::fs::write(
        &case,
        format!(r#"{{"as_of": "2021-01-01", "facts": {{"t": "{hostile}\nnext", "k": "a"}}}}"#),
    )
    .unwrap();
    for command in ["eval", "explain"] {
        let run = ruling_bin()
            .arg(command)
            .arg(&rules)
            .arg("--facts")
            .arg(&case)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let shown = String::from_utf8_lossy(&run.stdout);
        assert_eq!(acting_bytes(&shown), Vec::<char>::new(), "{command}: {shown}");
        assert!(
            shown.contains(r"\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}\u{1b}[2J\u{202e}evil\u{9b}31m\nnext"),
            "{command}: {shown}"
        );
    }
    // The same in diagnostics: an enum value and a key, quoted in the message, help and source.
    std::fs::write(
        &case,
        format!(r#"{{"as_of": "2021-01-01", "facts": {{"k": "{hostile}", "x{hostile}": 1}}}}"#),
    )
    .unwrap();
    let run = ruling_bin()
        .args(["eval", "--lang", "en"])
        .arg(&rules)
        .arg("--facts")
        .arg(&case)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let message = stderr(&run);
    assert_eq!(acting_bytes(&message), Vec::<char>::new(), "{message}");
    assert!(message.contains(r"`\u{1b}]8;;http://x\u{7}link"), "{message}");
    assert!(message.contains(r"fact `x\u{1b}]8;;"), "{message}");
    // YAML may hold a raw bidi override: the quoted source line shows it masked.
    let yaml = dir.path().join("case.yaml");
    std::fs::write(&yaml, "as_of: 2021-01-01\nfacts:\n  k: \"\u{202e}evil\"\n").unwrap();
    let run = ruling_bin()
        .args(["eval", "--lang", "en"])
        .arg(&rules)
        .arg("--facts")
        .arg(&yaml)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let message = stderr(&run);
    assert_eq!(acting_bytes(&message), Vec::<char>::new(), "{message}");
    assert!(message.contains("k: \"\u{FFFD}evil\""), "{message}");
}

// ---------------------------------------------------------------- 11. markup in Markdown memos

#[test]
fn a_hostile_case_name_or_text_value_is_literal_text_in_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(
        dir.path(),
        "source 法 \"某法\"\nfact t: text \"文\"\nrule r: text \"r\" cite 法 第一条 = t\n",
    );
    let hostile = "x\n# 标题\n<img src=x onerror=alert(1)> *b* [l](javascript:alert(1)) `c` \\<i>";
    let case = dir.path().join("case.json");
    let json = serde_json::json!({"name": hostile, "as_of": "2021-01-01", "facts": {"t": hostile}});
    std::fs::write(&case, json.to_string()).unwrap();
    let run = |format: &str| {
        let run = ruling_bin()
            .arg("eval")
            .arg(&rules)
            .arg("--facts")
            .arg(&case)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        String::from_utf8_lossy(&run.stdout).into_owned()
    };
    // The memo, and the older memo of `ruling::report::markdown`.
    let outcome = ruling::RuleSet::load(&rules)
        .unwrap()
        .evaluate(&Case::from_path(&case).unwrap(), &ruling::Options::default())
        .unwrap();
    let older = ruling::report::markdown::render(&outcome, Some(hostile), None);
    for markdown in [run("md"), older] {
        // The line breaks are gone and `#` is escaped wherever the value puts it.
        assert!(
            !markdown
                .lines()
                .any(|l| l.starts_with("# 标题") || l.starts_with("<img")),
            "{markdown}"
        );
        assert!(
            !markdown.contains(" # 标题") && markdown.contains("x \\# 标题"),
            "{markdown}"
        );
        for (at, _) in markdown.match_indices("<img") {
            assert_eq!(markdown.get(at - 1..at), Some("\\"), "raw HTML: {markdown}");
        }
        for (at, _) in markdown.match_indices("<i>") {
            // `\<i>` in the value is written `\\\<i>`: an escaped backslash, then an escaped `<`.
            assert_eq!(markdown.get(at - 3..at), Some("\\\\\\"), "raw HTML: {markdown}");
        }
        assert!(markdown.contains("\\*b\\* \\[l\\](javascript:alert(1))"), "{markdown}");
    }
    let html = run("html");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
}

/// `ruling diff` names each changed case by the name and file it was given: an escape sequence
/// or a bidi override there is printed escaped, never sent to the terminal.
#[test]
fn ruling_diff_shows_hostile_case_names_and_file_names_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new, cases) = (dir.path().join("old"), dir.path().join("new"), dir.path().join("cases"));
    for d in [&old, &new, &cases] {
        std::fs::create_dir_all(d).unwrap();
    }
    crate::support::copy_dir(&root().join("rules"), &old);
    crate::support::copy_dir(&root().join("rules"), &new);
    let article = new.join("interpretation-2019-15/art-03.rule");
    let text = std::fs::read_to_string(&article).unwrap();
    let raised = text.replacen("第三条 第一项 = 200", "第三条 第一项 = 250", 1);
    assert_ne!(
        raised, text,
        "the threshold of 第三条 第一项 is where this test expects it"
    );
    std::fs::write(&article, raised).unwrap();
    let case = serde_json::json!({
        "name": "evil\u{1b}[31mRED\u{1b}]0;title\u{7}\u{202e}abc",
        "as_of": "2021-05-01",
        "facts": {"conduct_date": "2021-03-15", "actor_kind": "unit",
                  "network_service_type": "application_service", "illegal_videos": 220,
                  "correction_order_status": "refused"}
    });
    std::fs::write(cases.join("evil\u{1b}[2J.json"), case.to_string()).unwrap();
    let run = ruling_bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--cases")
        .arg(&cases)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        out.contains("CHANGED evil\\u{1b}[31mRED\\u{1b}]0;title\\u{7}\\u{202e}abc"),
        "{out}"
    );
    assert!(out.contains("evil\\u{1b}[2J.json"), "{out}");
    assert!(out.contains("i2019_mass_spread: true → false"), "{out}");
    assert!(!out.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{out}");
}

/// A case of 20,000 unknown keys: every one is a problem the library returns, the first 100 are
/// shown with their place (the first ones with a "did you mean"), and the message counts the rest.
/// Quoting each one in the single-line JSON text took over two minutes.
#[test]
fn thousands_of_problems_in_one_case_are_all_returned_and_the_first_hundred_shown() {
    let mut facts = serde_json::Map::new();
    facts.insert(String::from("illegal_vidoes"), Json::from(1));
    for i in 0..20_000 {
        facts.insert(format!("unknown_fact_{i}"), Json::from(i));
    }
    let text = serde_json::json!({"as_of": "2021-01-01", "facts": facts}).to_string();
    let case = Case::from_json(&text).unwrap();
    let rules = crate::support::shipped_rules();
    let Err(ruling::EvalError::Facts(error)) = rules.evaluate(&case, &ruling::Options::default()) else {
        panic!("the facts are refused");
    };
    assert_eq!(error.problems.len(), 20_001);
    assert_eq!(error.located.len(), 100);
    assert!(error
        .problems
        .iter()
        .all(|p| p.kind == ruling::ProblemKind::UnknownFact));
    assert_eq!(
        error.problems[0].help.as_deref(),
        Some("did you mean `illegal_videos`?")
    );
    assert_eq!(
        error.to_string(),
        "20001 problem(s) in the facts of `case.json`; the first 100 are shown"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.json");
    std::fs::write(&path, &text).unwrap();
    let run = ruling_bin()
        .args(["eval", "rules", "--facts"])
        .arg(&path)
        .current_dir(root())
        .output()
        .unwrap();
    let said = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{said}");
    assert_eq!(said.matches("ruling::case::unknown_fact").count(), 100);
    assert!(said.contains("20001 problem(s)"), "{said}");
}

fn check_codes_and_helps(text: &str) -> (Vec<String>, Vec<String>) {
    let Err(ruling::LoadError::Invalid { diagnostics }) = ruling::RuleSet::from_source("big.rule", text) else {
        panic!("the rule set has errors");
    };
    let codes = diagnostics
        .iter()
        .filter_map(|d| d.code().map(|c| c.to_string()))
        .collect();
    let helps = diagnostics
        .iter()
        .filter_map(|d| d.help().map(|h| h.to_string()))
        .collect();
    (codes, helps)
}

/// Thousands of unknown names in a large rule set: every one is an error; the first get a "did
/// you mean" until the comparisons allowed for suggestions are spent (each compares the name
/// with all 16,000 declared names: 8,000 of them took 44 s), the rest say why they have none.
#[test]
fn thousands_of_unknown_names_are_all_reported_and_suggestions_stay_bounded() {
    let mut text = String::from("source 法 \"某法\"\n");
    for i in 0..8_000 {
        text.push_str(&format!("fact f{i}: count \"事实{i}\"\n"));
    }
    for i in 0..8_000 {
        text.push_str(&format!("rule r{i}: bool \"r\" cite 法 第一条 = g{i} > f{i}\n"));
    }
    let (codes, helps) = check_codes_and_helps(&text);
    assert_eq!(
        codes.iter().filter(|c| *c == "ruling::check::unknown_name").count(),
        8_000
    );
    let suggested = helps.iter().filter(|h| h.starts_with("did you mean")).count();
    let unsuggested = helps
        .iter()
        .filter(|h| h.starts_with("no suggestion: this rule set has too many"))
        .count();
    assert!((50..=100).contains(&suggested), "{suggested} suggestions");
    assert_eq!(suggested + unsuggested, 8_000);
    assert_eq!(helps.first().map(String::as_str), Some("did you mean `f0`?"));
}

/// An unknown value of an enum of 50,000 values: the message lists the first 20 and counts the
/// rest (it listed all 50,000, in each of 7,000 errors).
#[test]
fn an_unknown_value_of_a_huge_enum_lists_the_first_twenty_values() {
    let values: Vec<String> = (0..50_000).map(|i| format!("v{i}")).collect();
    let mut text = format!("source 法 \"某法\"\nfact e: enum {{ {} }} \"e\"\n", values.join(", "));
    for i in 0..2_000 {
        text.push_str(&format!("rule r{i}: bool \"r\" cite 法 第一条 = e == \"zz{i}\"\n"));
    }
    text.push_str("rule ok: bool \"ok\" cite 法 第一条 = e == \"v49999\"\n");
    let Err(ruling::LoadError::Invalid { diagnostics }) = ruling::RuleSet::from_source("big.rule", &text) else {
        panic!("the rule set has errors");
    };
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| {
            d.code()
                .is_some_and(|c| c.to_string() == "ruling::check::unknown_enum_value")
        })
        .flat_map(|d| {
            d.labels()
                .into_iter()
                .flatten()
                .filter_map(|l| l.label().map(String::from))
        })
        .collect();
    assert_eq!(errors.len(), 2_000);
    let expected = format!("not one of: {} … (49980 more)", values[..20].join(", "));
    assert!(errors.iter().all(|l| *l == expected), "{:?}", errors.first());
}
