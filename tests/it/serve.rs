//! `ruling serve`: a real server on 127.0.0.1 (a port of the system's choosing), every endpoint,
//! the error paths, authentication, CORS, reloading, a concurrent load whose every answer must
//! equal `ruling eval --format json`, and the web page in a headless browser (serve/browser.rs).

mod browser;
pub mod client;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::support::{copy_dir, root, ruling_bin};
use client::Server;

/// Shipped cases of several laws and dates (the load test cycles through them).
const CASES: [&str; 5] = [
    "examples/cases/mouniu-2021.json",
    "examples/cases/mouniu-2020.json",
    "examples/cases/bangxin-paofen-2021.json",
    "examples/cases/pohuai-shuju-2014.json",
    "examples/cases/pipl-kids-edu-app-2025.json",
];

fn start(extra: &[&str]) -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_ruling")), &root().join("rules"), extra)
}

/// What a command prints on standard output (it must succeed).
fn command_output(args: &[&str]) -> Vec<u8> {
    let output = ruling_bin()
        .current_dir(root())
        .args(args)
        .output()
        .expect("ruling runs");
    assert!(
        output.status.success(),
        "ruling {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn eval_json(case: &str) -> Vec<u8> {
    command_output(&["eval", "rules", "--facts", case, "--format", "json"])
}

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(root().join(relative)).expect("case file")
}

fn post_json(server: &Server, path: &str, body: &Json) -> client::Response {
    server.request(
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

#[test]
fn evaluate_answers_byte_for_byte_as_ruling_eval_json() {
    let server = start(&[]);
    for case in CASES {
        let response = server.request("POST", "/v1/evaluate", &[], &read(case));
        assert_eq!(response.status, 200, "{case}: {}", response.text());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.header("ruling-generation"), Some("1"));
        assert_eq!(response.text(), String::from_utf8_lossy(&eval_json(case)), "{case}");
    }
}

#[test]
fn evaluate_takes_questions_explain_and_as_of_beside_the_case() {
    let server = start(&[]);
    let mut case: Json = serde_json::from_slice(&read(CASES[0])).unwrap();
    case["questions"] = json!(["cl286_1_established"]);
    case["explain"] = json!("none");
    let response = post_json(&server, "/v1/evaluate", &case);
    assert_eq!(response.status, 200, "{}", response.text());
    let cli = command_output(&[
        "eval",
        "rules",
        "--facts",
        CASES[0],
        "--format",
        "json",
        "--question",
        "cl286_1_established",
    ]);
    let mut expected: Json = serde_json::from_slice(&cli).unwrap();
    expected.as_object_mut().unwrap().remove("explanation");
    assert_eq!(response.json(), expected);
    assert_eq!(response.json()["conclusions"]["cl286_1_established"], json!(true));
    // Another date: the answer of `ruling eval --as-of`.
    case["as_of"] = json!("2018-01-01");
    let earlier = post_json(&server, "/v1/evaluate", &case).json();
    assert_eq!(earlier["as_of"], json!("2018-01-01"));
    let cli = command_output(&[
        "eval",
        "rules",
        "--facts",
        CASES[0],
        "--format",
        "json",
        "--question",
        "cl286_1_established",
        "--as-of",
        "2018-01-01",
    ]);
    let mut expected: Json = serde_json::from_slice(&cli).unwrap();
    expected.as_object_mut().unwrap().remove("explanation");
    assert_eq!(earlier, expected);
}

#[test]
fn memo_is_the_markdown_of_ruling_eval() {
    let server = start(&[]);
    let response = server.request("POST", "/v1/memo", &[], &read(CASES[0]));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("text/markdown; charset=utf-8"));
    let cli = command_output(&["eval", "rules", "--facts", CASES[0], "--format", "md"]);
    assert_eq!(response.text(), String::from_utf8_lossy(&cli));
    assert!(response.text().starts_with("# "), "{}", response.text());
    assert!(response.text().contains("某牛"));
    let page = server.request("POST", "/v1/memo?format=html", &[], &read(CASES[0]));
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let cli = command_output(&["eval", "rules", "--facts", CASES[0], "--format", "html"]);
    assert_eq!(page.text(), String::from_utf8_lossy(&cli));
    let one = server.request("POST", "/v1/memo?conclusion=cl286_1_established", &[], &read(CASES[0]));
    let cli = command_output(&[
        "eval",
        "rules",
        "--facts",
        CASES[0],
        "--format",
        "md",
        "cl286_1_established",
    ]);
    assert_eq!(one.text(), String::from_utf8_lossy(&cli));
    let pdf = server.request("POST", "/v1/memo?format=pdf", &[], &read(CASES[0]));
    assert_eq!(pdf.status, 422);
    assert_eq!(pdf.json()["error"]["code"], json!("ruling::serve::bad_option"));
}

#[test]
fn catalog_and_schemas_are_the_commands_output() {
    let server = start(&[]);
    for (path, args) in [
        ("/v1/catalog", vec!["catalog", "rules"]),
        ("/v1/schema", vec!["schema", "rules"]),
        ("/v1/schema?conclusions=true", vec!["schema", "rules", "--conclusions"]),
    ] {
        let response = server.request("GET", path, &[], b"");
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.text(),
            String::from_utf8_lossy(&command_output(&args)),
            "{path}"
        );
    }
}

/// Batch input: shipped cases as JSONL, a bare facts line, a bad line and one that is not JSON.
fn batch_input() -> String {
    let mut lines: Vec<String> = CASES
        .iter()
        .map(|c| serde_json::from_slice::<Json>(&read(c)).unwrap().to_string())
        .collect();
    lines.push(r#"{"id": "bare", "conduct_date": "2021-05-20", "illegal_videos": 250}"#.into());
    lines.push(r#"{"id": 7, "facts": {"illegal_vidoes": 3}}"#.into());
    lines.push("{not json".into());
    lines.join("\n") + "\n"
}

#[test]
fn batch_streams_the_lines_of_ruling_batch() {
    let server = start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, batch_input()).unwrap();
    for query in ["", "?explain=full&explain_format=tree&as_of=2021-06-01"] {
        let response = server.request(
            "POST",
            &format!("/v1/batch{query}"),
            &[("Content-Type", "application/x-ndjson")],
            batch_input().as_bytes(),
        );
        assert_eq!(response.status, 200);
        assert_eq!(response.header("transfer-encoding"), Some("chunked"), "streamed");
        let mut args = vec![
            "batch".to_string(),
            "rules".into(),
            "--input".into(),
            input.display().to_string(),
        ];
        if !query.is_empty() {
            args.extend(["--explain", "full", "--explain-format", "tree", "--as-of", "2021-06-01"].map(String::from));
        }
        let cli = ruling_bin().current_dir(root()).args(&args).output().unwrap();
        assert_eq!(cli.status.code(), Some(1), "the bad lines make the command fail");
        assert_eq!(response.text(), String::from_utf8_lossy(&cli.stdout), "{query}");
        assert_eq!(response.text().lines().count(), CASES.len() + 3);
    }
}

#[test]
fn batch_reads_csv_and_refuses_bad_options_before_streaming() {
    let server = start(&[]);
    let csv = "id,conduct_date,illegal_videos\n1,2021-05-20,250\n2,2021-05-20,10\n";
    let response = server.request(
        "POST",
        "/v1/batch?question=i2019_mass_spread",
        &[("Content-Type", "text/csv")],
        csv.as_bytes(),
    );
    let lines: Vec<Json> = response
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], json!(1));
    assert_eq!(lines[0]["conclusions"]["i2019_mass_spread"], json!(true));
    assert_eq!(lines[1]["conclusions"]["i2019_mass_spread"], json!(false));
    for (query, code) in [
        ("?explain=some", "ruling::serve::bad_option"),
        ("?as_of=2021-02-30", "ruling::serve::bad_option"),
        ("?question=no_such_rule", "ruling::eval::unknown_conclusion"),
        ("?explain_format=tree", "ruling::serve::bad_option"),
    ] {
        let refused = server.request("POST", &format!("/v1/batch{query}"), &[], b"{}\n");
        assert_eq!(refused.status, 422, "{query}");
        assert_eq!(refused.json()["error"]["code"], json!(code), "{query}");
    }
    // A misspelt question is answered as `ruling batch --question` answers it: with the
    // closest conclusion.
    let misspelt = server.request("POST", "/v1/batch?question=i2019_mass_sprea", &[], b"{}\n");
    assert_eq!(misspelt.status, 422);
    let message = misspelt.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("did you mean `i2019_mass_spread`?"), "{message}");
}

#[test]
fn a_batch_over_its_limit_ends_with_an_error_line() {
    let server = start(&["--max-batch-body", "2000"]);
    let line = r#"{"id": 1, "conduct_date": "2021-05-20", "illegal_videos": 250}"#;
    let body = format!("{line}\n").repeat(100);
    let response = server.request("POST", "/v1/batch", &[], body.as_bytes());
    assert_eq!(response.status, 200, "the status went out before the limit was reached");
    let text = response.text();
    let last: Json = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["error"]["code"], json!("ruling::batch::read"), "{text}");
    assert!(last["error"]["message"].as_str().unwrap().contains("2000 bytes"));
    assert!(text.lines().count() < 100, "not every case was read");
}

#[test]
fn bad_input_gets_the_codes_and_paths_of_batch_error_records() {
    let server = start(&[]);
    let cases = [
        ("{not json", 400, "ruling::case::syntax", ""),
        ("[1, 2]", 400, "ruling::case::shape", ""),
        (
            r#"{"facts": {"illegal_vidoes": 3}, "as_of": "2021-01-01"}"#,
            422,
            "ruling::case::unknown_fact",
            "/facts/illegal_vidoes",
        ),
        (
            r#"{"facts": {"illegal_videos": "many"}, "as_of": "2021-01-01"}"#,
            422,
            "ruling::case::type_mismatch",
            "/facts/illegal_videos",
        ),
        (
            r#"{"facts": {"correction_orders": [{"issued_on": "2021-02-30", "refused": true}]}, "as_of": "2021-01-01"}"#,
            422,
            "ruling::case::invalid_date",
            "/facts/correction_orders/0/issued_on",
        ),
        (
            r#"{"facts": {}, "fact": {}}"#,
            422,
            "ruling::case::unknown_key",
            "/fact",
        ),
        (r#"{"facts": {}}"#, 422, "ruling::eval::no_as_of", ""),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (body, status, code, path) in cases {
        let response = server.request("POST", "/v1/evaluate", &[], body.as_bytes());
        assert_eq!(response.status, status, "{body}: {}", response.text());
        let error = &response.json()["error"];
        assert_eq!(error["code"], json!(code), "{body}");
        assert_eq!(error["path"], json!(path), "{body}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        // The same line through `ruling batch` gives the same code and path.
        let input = dir.path().join("one.jsonl");
        std::fs::write(&input, format!("{body}\n")).unwrap();
        let out = ruling_bin()
            .current_dir(root())
            .args(["batch", "rules", "--input"])
            .arg(&input)
            .output()
            .unwrap();
        let record: Json = serde_json::from_slice(&out.stdout).unwrap_or(Json::Null);
        if record["error"].is_object() {
            assert_eq!(record["error"]["code"], json!(code), "batch: {body}");
            assert_eq!(record["error"]["path"], json!(path), "batch: {body}");
        } else {
            // `[1, 2]` is not a case for batch either, but a bare line that is not an object
            // fails there with the same code and no path.
            panic!("batch accepted {body}: {}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

#[test]
fn bad_options_name_their_key() {
    let server = start(&["--max-steps", "1000"]);
    let base: Json = serde_json::from_slice(&read(CASES[0])).unwrap();
    for (key, value, code, path) in [
        (
            "questions",
            json!(["cl286_1_establish"]),
            "ruling::eval::unknown_conclusion",
            "/questions/0",
        ),
        ("questions", json!([1]), "ruling::serve::bad_option", "/questions/0"),
        ("explain", json!("everything"), "ruling::serve::bad_option", "/explain"),
        ("max_steps", json!(5000), "ruling::serve::bad_option", "/max_steps"),
        ("strict", json!("yes"), "ruling::serve::bad_option", "/strict"),
        ("max_steps", json!(3), "ruling::eval::step_limit", ""),
    ] {
        let mut body = base.clone();
        body[key] = value;
        let response = post_json(&server, "/v1/evaluate", &body);
        assert_eq!(response.status, 422, "{key}: {}", response.text());
        assert_eq!(response.json()["error"]["code"], json!(code), "{key}");
        assert_eq!(response.json()["error"]["path"], json!(path), "{key}");
    }
    let suggestion = {
        let mut body = base.clone();
        body["questions"] = json!(["cl286_1_establish"]);
        post_json(&server, "/v1/evaluate", &body).json()["error"]["message"].clone()
    };
    assert!(
        suggestion.as_str().unwrap().contains("cl286_1_established"),
        "{suggestion}"
    );
}

#[test]
fn several_fact_problems_are_all_listed() {
    let server = start(&[]);
    let body = json!({"as_of": "2021-01-01", "facts": {"illegal_videos": -1, "actor_kind": "robot"}});
    let response = post_json(&server, "/v1/evaluate", &body);
    assert_eq!(response.status, 422);
    let problems = response.json()["error"]["problems"].as_array().unwrap().clone();
    let paths: BTreeSet<&str> = problems.iter().filter_map(|p| p["path"].as_str()).collect();
    assert_eq!(paths, BTreeSet::from(["/facts/actor_kind", "/facts/illegal_videos"]));
}

#[test]
fn no_bad_input_gets_a_500() {
    let server = start(&["--max-body", "65536"]);
    let deep = "[".repeat(5000) + &"]".repeat(5000);
    let long_list = format!(
        r#"{{"as_of": "2021-01-01", "facts": {{"correction_orders": [{}]}}}}"#,
        vec!["{}"; 3000].join(",")
    );
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xff\xfe\x00garbage".to_vec(),
        b"null".to_vec(),
        b"\"facts\"".to_vec(),
        deep.into_bytes(),
        format!(r#"{{"facts": {}}}"#, "{".repeat(200)).into_bytes(),
        br#"{"facts": {"illegal_videos": 1e400}, "as_of": "2021-01-01"}"#.to_vec(),
        br#"{"facts": {"illegal_videos": 18446744073709551616}, "as_of": "2021-01-01"}"#.to_vec(),
        br#"{"facts": {"illegal_income": "99999999999999999999999999999999999"}, "as_of": "2021-01-01"}"#.to_vec(),
        br#"{"facts": null, "as_of": "2021-13-45"}"#.to_vec(),
        br#"{"facts": {}, "as_of": 20210101}"#.to_vec(),
        br#"{"facts": {"conduct_date": "0000-00-00"}}"#.to_vec(),
        long_list.into_bytes(),
        vec![b' '; 70_000],
    ];
    for body in &bodies {
        for path in ["/v1/evaluate", "/v1/memo"] {
            let response = server.request("POST", path, &[], body);
            let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            assert!(
                (400..500).contains(&response.status),
                "{path} {shown}: {} {}",
                response.status,
                response.text()
            );
            assert!(
                response.json()["error"]["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("ruling::")),
                "{shown}: {}",
                response.text()
            );
        }
    }
}

#[test]
fn an_oversized_body_is_413() {
    let server = start(&["--max-body", "4096"]);
    let body = format!(r#"{{"name": "{}", "facts": {{}}}}"#, "x".repeat(5000));
    let response = server.request("POST", "/v1/evaluate", &[], body.as_bytes());
    assert_eq!(response.status, 413, "{}", response.text());
    assert_eq!(response.json()["error"]["code"], json!("ruling::case::too_large"));
}

#[test]
fn a_token_guards_the_api_but_not_the_health_check() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let server = start(&["--token-file", token_file.to_str().unwrap()]);
    let case = read(CASES[0]);
    for headers in [
        vec![],
        vec![("Authorization", "Bearer wrong")],
        vec![("Authorization", "s3cret-token")],
    ] {
        let response = server.request("POST", "/v1/evaluate", &headers, &case);
        assert_eq!(response.status, 401, "{headers:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        assert_eq!(response.json()["error"]["code"], json!("ruling::serve::unauthorized"));
    }
    let allowed = server.request(
        "POST",
        "/v1/evaluate",
        &[("Authorization", "Bearer s3cret-token")],
        &case,
    );
    assert_eq!(allowed.status, 200);
    assert_eq!(server.request("GET", "/v1/catalog", &[], b"").status, 401);
    assert_eq!(server.request("GET", "/healthz", &[], b"").status, 200);
    assert_eq!(
        server.request("GET", "/", &[], b"").status,
        200,
        "the page itself holds no data"
    );
}

#[test]
fn cors_is_off_unless_an_origin_is_given() {
    let origin = [("Origin", "https://example.org")];
    let closed = start(&[]);
    let response = closed.request("GET", "/v1/catalog", &origin, b"");
    assert_eq!(response.header("access-control-allow-origin"), None);
    assert_eq!(closed.request("OPTIONS", "/v1/evaluate", &origin, b"").status, 405);

    let open = start(&["--cors", "https://example.org"]);
    let preflight = open.request(
        "OPTIONS",
        "/v1/evaluate",
        &[
            ("Origin", "https://example.org"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://example.org")
    );
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    let response = open.request("GET", "/v1/catalog", &origin, b"");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://example.org")
    );
    let other = open.request("GET", "/v1/catalog", &[("Origin", "https://evil.example")], b"");
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn health_reports_the_rule_set_served() {
    let server = start(&[]);
    let health = server.request("GET", "/healthz", &[], b"").json();
    assert_eq!(health["status"], json!("ok"));
    assert_eq!(health["generation"], json!(1));
    let catalog = server.request("GET", "/v1/catalog", &[], b"").json();
    assert_eq!(
        health["rules"]["rules"],
        json!(catalog["rules"].as_array().unwrap().len())
    );
    assert_eq!(health["reload"]["ok"], json!(true));
}

/// Polls `/healthz` until `done` holds (the watcher looks once a second).
fn wait_for(server: &Server, done: impl Fn(&Json) -> bool) -> Json {
    for _ in 0..100 {
        let health = server.request("GET", "/healthz", &[], b"").json();
        if done(&health) {
            return health;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out; stderr:\n{}", server.stderr.lock().unwrap());
}

/// Waits until the server's standard error holds `text` (read by another thread).
fn wait_for_stderr(server: &Server, text: &str) {
    for _ in 0..100 {
        if server.stderr.lock().unwrap().contains(text) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("`{text}` never came; stderr:\n{}", server.stderr.lock().unwrap());
}

#[test]
fn watch_swaps_in_clean_edits_and_keeps_the_old_set_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("rules"), dir.path());
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_ruling")), dir.path(), &["--watch"]);
    let probe = dir.path().join("serve-probe.rule");
    std::fs::write(&probe, "rule serve_probe: bool \"探针\" = nonsense ===\n").unwrap();
    let stale = wait_for(&server, |h| h["status"] == json!("stale"));
    assert_eq!(stale["generation"], json!(1));
    assert!(
        !stale["reload"]["diagnostics"].as_array().unwrap().is_empty(),
        "{stale}"
    );
    // `/healthz` may say stale before the watcher's message has passed through the pipe.
    wait_for_stderr(&server, "still serving the previous set");
    let answer = server.request("POST", "/v1/evaluate", &[], &read(CASES[0]));
    assert_eq!(answer.status, 200, "the old set still answers");
    assert_eq!(answer.header("ruling-generation"), Some("1"));

    std::fs::write(&probe, "rule serve_probe: bool \"探针\" = true\n").unwrap();
    let fresh = wait_for(&server, |h| h["status"] == json!("ok") && h["generation"] == json!(2));
    assert_eq!(fresh["reload"]["attempts"], json!(2));
    let answer = server.request("POST", "/v1/evaluate", &[], &read(CASES[0]));
    assert_eq!(answer.header("ruling-generation"), Some("2"));
    assert_eq!(answer.json()["conclusions"]["serve_probe"], json!(true));
}

#[test]
fn unknown_routes_are_json_404s() {
    let server = start(&[]);
    let response = server.request("GET", "/v2/evaluate", &[], b"");
    assert_eq!(response.status, 404);
    assert_eq!(response.json()["error"]["code"], json!("ruling::serve::not_found"));
}

/// The routes the router declares (`.route("PATH", …)` in src/cli/serve/mod.rs).
fn declared_routes() -> BTreeSet<String> {
    let source = std::fs::read_to_string(root().join("src/cli/serve/mod.rs")).unwrap();
    source
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(String::from)
        .collect()
}

#[test]
fn the_openapi_document_lists_every_route_and_each_answers() {
    let server = start(&[]);
    let document = server.request("GET", "/v1/openapi.json", &[], b"").json();
    assert_eq!(document["openapi"], json!("3.1.0"));
    let listed: BTreeSet<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
    let page: BTreeSet<String> = ["/", "/app.js", "/style.css"].map(String::from).into();
    let api: BTreeSet<String> = declared_routes().difference(&page).cloned().collect();
    assert_eq!(listed, api);
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let body = if method == "post" { read(CASES[0]) } else { Vec::new() };
            let response = server.request(&method.to_uppercase(), path, &[], &body);
            assert_eq!(response.status, 200, "{method} {path}");
            let documented = &item[method]["responses"]["200"]["content"];
            let content_type = response.header("content-type").unwrap().split(';').next().unwrap();
            assert!(
                documented.get(content_type).is_some(),
                "{method} {path}: {content_type} not documented"
            );
        }
    }
}

#[test]
fn the_page_and_its_assets_are_served_offline() {
    let server = start(&[]);
    let page = server.request("GET", "/", &[], b"");
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains(r#"<script src="/app.js" defer></script>"#));
    for (path, kind) in [("/app.js", "text/javascript"), ("/style.css", "text/css")] {
        let asset = server.request("GET", path, &[], b"");
        assert_eq!(asset.status, 200);
        assert!(asset.header("content-type").unwrap().starts_with(kind));
    }
    // Nothing fetched from elsewhere: no absolute URL in the page's files.
    for file in ["web/index.html", "web/app.js", "web/style.css"] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{file}"
        );
        assert!(
            !text.contains("innerHTML") && !text.contains("insertAdjacentHTML") && !text.contains("document.write"),
            "{file}: text goes in with textContent"
        );
    }
}

/// A question per case of `CASES`, for the load test: the answers stay tens of kilobytes (a full
/// explanation of every conclusion is several hundred; the byte-for-byte test above covers those).
const QUESTIONS: [&str; 5] = [
    "cl286_1_established",
    "cl286_1_established",
    "cl287_2_established",
    "cl286_established",
    "pipl_penalty_tier",
];

#[test]
fn fifty_clients_two_hundred_requests_each_all_equal_ruling_eval() {
    let server = start(&[]);
    let expected: Vec<(Vec<u8>, Vec<u8>)> = CASES
        .iter()
        .zip(QUESTIONS)
        .map(|(case, question)| {
            let mut body: Json = serde_json::from_slice(&read(case)).unwrap();
            body["questions"] = json!([question]);
            let cli = command_output(&[
                "eval",
                "rules",
                "--facts",
                case,
                "--format",
                "json",
                "--question",
                question,
            ]);
            (body.to_string().into_bytes(), cli)
        })
        .collect();
    let expected = std::sync::Arc::new(expected);
    let clients: Vec<_> = (0..50)
        .map(|client| {
            let expected = std::sync::Arc::clone(&expected);
            let mut connection = server.connect();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let (body, answer) = &expected[(client + i) % expected.len()];
                    let response = connection.send("POST", "/v1/evaluate", &[], body).expect("answered");
                    assert_eq!(response.status, 200);
                    assert!(
                        &response.body == answer,
                        "client {client} request {i}: not the answer of `ruling eval`"
                    );
                }
                200
            })
        })
        .collect();
    let answered: usize = clients.into_iter().map(|c| c.join().expect("client thread")).sum();
    assert_eq!(answered, 50 * 200);
}

/// The rules directory (for the browser test).
pub fn rules_dir() -> PathBuf {
    root().join("rules")
}
