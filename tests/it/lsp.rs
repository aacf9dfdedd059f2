//! `ruling lsp` as an editor sees it: the binary started as a process, real JSON-RPC over its
//! standard input and output (initialize, didOpen with an error, hover, definition, references,
//! completion, symbols, formatting, rename, code lens and case runs), answers snapshotted.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value as Json};

use crate::support::root;

/// How long any answer may take (a debug build checking the shipped rules takes well under it).
const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Json>,
    /// Notifications received while waiting for answers.
    pub notifications: Vec<Json>,
    next_id: i64,
    /// The workspace root's URI, replaced by `file:///ROOT` in snapshots.
    root_uri: String,
    /// The answer to `initialize`.
    pub initialized: Json,
}

/// The `file://` URI of a path, percent-encoded as the server writes it.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_str().expect("UTF-8 path").bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Client {
    /// Starts `ruling lsp` and initializes it for a workspace.
    pub fn start(workspace: &Path, locale: &str, options: Json) -> Client {
        // `--stdio` as vscode-languageclient passes it.
        let mut child = Command::new(env!("CARGO_BIN_EXE_ruling"))
            .args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ruling lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Json = serde_json::from_slice(&body).expect("JSON message");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let root_uri = file_uri(workspace);
        let mut client = Client {
            child,
            stdin,
            incoming,
            notifications: Vec::new(),
            next_id: 0,
            root_uri: root_uri.clone(),
            initialized: Json::Null,
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "locale": locale,
                "capabilities": {},
                "initializationOptions": options,
                "workspaceFolders": [{ "uri": root_uri, "name": "ws" }],
            }),
        );
        assert!(result.get("capabilities").is_some(), "{result}");
        client.initialized = result;
        client.notify("initialized", json!({}));
        client
    }

    pub fn send(&mut self, message: &Json) {
        let body = serde_json::to_string(message).expect("serialises");
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to ruling lsp");
        self.stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Json) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn receive(&mut self) -> Json {
        self.incoming
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|e| panic!("no message from ruling lsp: {e}"))
    }

    /// Sends a request and waits for its answer (the `result`, or the whole message on error).
    pub fn request(&mut self, method: &str, params: Json) -> Json {
        let response = self.request_raw(method, params);
        match response.get("result") {
            Some(result) => result.clone(),
            None => response,
        }
    }

    pub fn request_raw(&mut self, method: &str, params: Json) -> Json {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// Waits for the next `publishDiagnostics` on a URI (or takes one already received).
    pub fn diagnostics_for(&mut self, uri: &str) -> Json {
        let is_it = |m: &Json| {
            m.get("method") == Some(&json!("textDocument/publishDiagnostics")) && m["params"]["uri"] == json!(uri)
        };
        if let Some(idx) = self.notifications.iter().position(is_it) {
            return self.notifications.remove(idx)["params"]["diagnostics"].clone();
        }
        loop {
            let message = self.receive();
            if is_it(&message) {
                return message["params"]["diagnostics"].clone();
            }
            self.notifications.push(message);
        }
    }

    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "ruling", "version": 1, "text": text } }),
        );
        uri
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// The value with the workspace's URI and path replaced, for snapshots.
    pub fn redact(&self, value: &Json) -> String {
        let text = serde_json::to_string_pretty(value).expect("serialises");
        let root_path = self.root_uri.trim_start_matches("file://").to_string();
        text.replace(&self.root_uri, "file:///ROOT")
            .replace(&root_path, "/ROOT")
    }

    /// Shuts the server down as a client does; it must exit with status 0.
    pub fn shutdown(mut self) {
        let answer = self.request_raw("shutdown", Json::Null);
        assert!(answer.get("error").is_none(), "{answer}");
        self.notify("exit", Json::Null);
        let status = self.child.wait().expect("ruling lsp exits");
        assert!(status.success(), "ruling lsp exited with {status}");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn position(line: u32, character: u32) -> Json {
    json!({ "line": line, "character": character })
}

/// Line and UTF-16 column of the first occurrence of `needle` in `text` (plus `skip` characters).
pub fn find(text: &str, needle: &str, skip: usize) -> Json {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let before = text.get(..offset).expect("char boundary");
    let line = before.matches('\n').count();
    let column: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .chain(needle.chars().take(skip))
        .map(char::len_utf16)
        .sum();
    position(
        u32::try_from(line).expect("small"),
        u32::try_from(column).expect("small"),
    )
}

fn at(uri: &str, position: Json) -> Json {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

// ---------------------------------------------------------------- the workspace

const SOURCES: &str = "/// 法释〔2019〕15号，自2019年11月1日起施行。
source 解释2019 \"法释〔2019〕15号\" title \"关于办理非法利用信息网络、帮助信息网络犯罪活动等刑事案件适用法律若干问题的解释\" in_force 2019-11-01
";

const ARTICLE: &str = "fact 违法视频数: count \"致使传播的违法视频文件数\" = 0
fact actor_kind: enum { person \"自然人\", unit \"单位\" } \"行为主体类型\"

/// 第三条 ……（一）致使传播违法视频文件二百个以上的；
param 视频标准: count \"违法视频文件数量标准\"
    from 2015-11-01 cite 解释2019 第三条 第一项 = 200
    from 2027-01-01 cite 解释2019 第三条 第一项 = 300

rule 大量传播: bool \"致使违法信息大量传播\"
    cite 解释2019 第三条
    = any {
        \"1\" cite 第一项: 违法视频数 >= 视频标准
    }
";

const CRIME: &str = "rule 构成犯罪: bool \"构成本罪\" cite 解释2019 第三条 = 大量传播 and actor_kind == \"unit\"
";

const CASE: &str = "{
  \"name\": \"单位传播250个视频\",
  \"as_of\": \"2021-01-01\",
  \"facts\": { \"违法视频数\": 250, \"actor_kind\": \"unit\" },
  \"expected\": { \"大量传播\": true, \"构成犯罪\": false }
}
";

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |relative: &str, text: &str| {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write("rules/法源.rule", SOURCES);
        write("rules/解释/第三条.rule", ARTICLE);
        write("rules/刑法.rule", CRIME);
        write("tests/cases/单位.json", CASE);
        Workspace { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn client(&self, locale: &str) -> Client {
        Client::start(self.dir.path(), locale, json!({ "today": "2026-06-01" }))
    }
}

// ---------------------------------------------------------------- tests

#[test]
fn initialize_answers_the_capabilities() {
    let workspace = Workspace::new();
    let client = workspace.client("en");
    insta::assert_snapshot!("lsp_initialize", client.redact(&client.initialized));
    client.shutdown();
}

#[test]
fn did_open_with_an_error_publishes_the_checker_diagnostic_at_the_utf16_position() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let edited = CRIME.replace("actor_kind ==", "行为主体 ==");
    let uri = client.open(&workspace.path("rules/刑法.rule"), &edited);
    let diagnostics = client.diagnostics_for(&uri);
    let first = &diagnostics[0];
    assert_eq!(first["code"], json!("ruling::check::unknown_name"), "{diagnostics}");
    // `行为主体` starts after 45 UTF-16 units of Chinese and ASCII text (not after its UTF-8 bytes).
    assert_eq!(first["range"]["start"], find(&edited, "行为主体", 0));
    assert_eq!(first["range"]["end"], find(&edited, "行为主体 ", 4));
    insta::assert_snapshot!("lsp_did_open_error_en", client.redact(&diagnostics));
    // The other files of the rule set are published too: the unsaved buffer no longer uses
    // `actor_kind`, so its declaration (on disk) is now unused.
    let other = client.diagnostics_for(&file_uri(&workspace.path("rules/解释/第三条.rule")));
    assert_eq!(other[0]["code"], json!("ruling::check::unused"), "{other}");
    // Fixing the buffer (unsaved) clears the error.
    client.change(&uri, 2, CRIME);
    assert_eq!(client.diagnostics_for(&uri), json!([]));
    client.shutdown();
}

#[test]
fn diagnostics_follow_the_clients_locale() {
    let workspace = Workspace::new();
    let mut client = workspace.client("zh-cn");
    let edited = CRIME.replace("actor_kind ==", "行为主体 ==");
    let uri = client.open(&workspace.path("rules/刑法.rule"), &edited);
    let diagnostics = client.diagnostics_for(&uri);
    insta::assert_snapshot!("lsp_did_open_error_zh", client.redact(&diagnostics));
    client.shutdown();
}

#[test]
fn hover_shows_label_type_versions_in_force_statute_and_uses() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let path = workspace.path("rules/解释/第三条.rule");
    let uri = client.open(&path, ARTICLE);
    let on_use = client.request("textDocument/hover", at(&uri, find(ARTICLE, "视频标准\n", 1)));
    insta::assert_snapshot!("lsp_hover_param", client.redact(&on_use));
    let on_source = client.request("textDocument/hover", at(&uri, find(ARTICLE, "解释2019", 2)));
    insta::assert_snapshot!("lsp_hover_source", client.redact(&on_source));
    let on_keyword = client.request("textDocument/hover", at(&uri, find(ARTICLE, "any {", 1)));
    insta::assert_snapshot!("lsp_hover_keyword", client.redact(&on_keyword));
    client.shutdown();
    let mut client = workspace.client("zh");
    let uri = client.open(&path, ARTICLE);
    let on_enum_fact = client.request("textDocument/hover", at(&uri, find(ARTICLE, "actor_kind", 3)));
    insta::assert_snapshot!("lsp_hover_fact_zh", client.redact(&on_enum_fact));
    client.shutdown();
}

#[test]
fn definition_and_references_cross_files() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let uri = client.open(&workspace.path("rules/刑法.rule"), CRIME);
    let definition = client.request("textDocument/definition", at(&uri, find(CRIME, "大量传播 and", 2)));
    insta::assert_snapshot!("lsp_definition", client.redact(&definition));
    let mut params = at(&uri, find(CRIME, "解释2019", 0));
    params["context"] = json!({ "includeDeclaration": true });
    let references = client.request("textDocument/references", params);
    insta::assert_snapshot!("lsp_references_source", client.redact(&references));
    client.shutdown();
}

#[test]
fn completion_offers_names_with_labels_sources_and_enum_values() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let text = "rule 新规则: bool \"新\" cite 解释2019 第三条 = 违法 and actor_kind == \"un\"\n";
    let uri = client.open(&workspace.path("rules/新.rule"), text);
    let names = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": find(text, "违法 and", 2) }),
    );
    let labels: Vec<&str> = names
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"违法视频数") && labels.contains(&"视频标准") && labels.contains(&"构成犯罪"),
        "{labels:?}"
    );
    assert!(labels.contains(&"and") && labels.contains(&"rule"), "{labels:?}");
    let fact = names
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["label"] == json!("违法视频数"))
        .expect("fact");
    insta::assert_snapshot!("lsp_completion_fact", client.redact(fact));
    let sources = client.request("textDocument/completion", at(&uri, find(text, "解释2019 第三条", 0)));
    insta::assert_snapshot!("lsp_completion_sources", client.redact(&sources));
    let values = client.request("textDocument/completion", at(&uri, find(text, "un\"", 2)));
    insta::assert_snapshot!("lsp_completion_enum_values", client.redact(&values));
    client.shutdown();
}

#[test]
fn document_symbols_group_declarations_by_source_and_article() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let uri = client.open(&workspace.path("rules/解释/第三条.rule"), ARTICLE);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    insta::assert_snapshot!("lsp_document_symbols", client.redact(&symbols));
    client.shutdown();
}

#[test]
fn formatting_is_ruling_fmt_in_the_chosen_keywords() {
    let workspace = Workspace::new();
    let messy = "rule  构成犯罪 : bool \"构成本罪\"   cite 解释2019 第三条=大量传播 and actor_kind==\"unit\"";
    let options = json!({ "tabSize": 4, "insertSpaces": true });
    let mut client = workspace.client("en");
    let uri = client.open(&workspace.path("rules/刑法.rule"), messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": options }),
    );
    insta::assert_snapshot!("lsp_formatting_en", client.redact(&edits));
    assert_eq!(
        edits[0]["newText"].as_str(),
        Some(
            ruling::format::format_source("f.rule", messy)
                .expect("formats")
                .as_str()
        )
    );
    client.shutdown();
    let mut client = Client::start(workspace.dir.path(), "zh", json!({ "keywords": "zh" }));
    let uri = client.open(&workspace.path("rules/刑法.rule"), messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": options }),
    );
    insta::assert_snapshot!("lsp_formatting_zh", client.redact(&edits));
    client.shutdown();
}

#[test]
fn rename_changes_every_file_and_refuses_keywords() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let uri = client.open(&workspace.path("rules/解释/第三条.rule"), ARTICLE);
    let prepared = client.request("textDocument/prepareRename", at(&uri, find(ARTICLE, "大量传播:", 1)));
    assert_eq!(prepared["placeholder"], json!("大量传播"), "{prepared}");
    let mut params = at(&uri, find(ARTICLE, "大量传播:", 1));
    params["newName"] = json!("违法信息大量传播");
    let edit = client.request("textDocument/rename", params.clone());
    let mut changes: Vec<(String, Json)> = edit["changes"]
        .as_object()
        .expect("changes")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    insta::assert_snapshot!("lsp_rename", client.redact(&json!(changes)));
    params["newName"] = json!("规则");
    let refused = client.request("textDocument/rename", params);
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a name")),
        "{refused}"
    );
    client.shutdown();
}

#[test]
fn code_lenses_run_the_cases_and_failures_become_diagnostics_on_the_case_file() {
    let workspace = Workspace::new();
    let mut client = workspace.client("en");
    let uri = client.open(&workspace.path("rules/刑法.rule"), CRIME);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    insta::assert_snapshot!("lsp_code_lens_rule", client.redact(&lenses));
    let command = &lenses[0]["command"];
    let answer = client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    assert_eq!(answer, json!({ "passed": 0, "failed": 1 }));
    let case_uri = file_uri(&workspace.path("tests/cases/单位.json"));
    let diagnostics = client.diagnostics_for(&case_uri);
    assert_eq!(diagnostics[0]["range"]["start"], find(CASE, "\"构成犯罪\": false", 0));
    insta::assert_snapshot!("lsp_case_diagnostics", client.redact(&diagnostics));
    // Saving the fixed case file runs it again: no diagnostic left.
    std::fs::write(
        workspace.path("tests/cases/单位.json"),
        CASE.replace("\"构成犯罪\": false", "\"构成犯罪\": true"),
    )
    .expect("write");
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": case_uri } }));
    assert_eq!(client.diagnostics_for(&case_uri), json!([]));
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": case_uri } }));
    assert_eq!(lenses[0]["command"]["command"], json!("ruling.runCases"), "{lenses}");
    client.shutdown();
}

#[test]
fn the_shipped_rules_load_and_definitions_cross_the_rule_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::support::copy_dir(&root().join("rules"), &dir.path().join("rules"));
    let mut client = Client::start(dir.path(), "en", json!({ "today": "2026-06-01" }));
    let path = dir.path().join("rules/criminal-law/art-286-1.rule");
    let text = std::fs::read_to_string(&path).expect("read");
    let uri = client.open(&path, &text);
    assert_eq!(client.diagnostics_for(&uri), json!([]));
    let definition = client.request("textDocument/definition", at(&uri, find(&text, "i2019_mass_spread", 3)));
    assert!(
        definition["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("interpretation-2019-15/art-03.rule")),
        "{definition}"
    );
    client.shutdown();
}

/// A small deterministic generator (the test must not depend on a seed from outside).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % bound.max(1)
    }
}

#[test]
fn random_edits_and_requests_never_kill_the_server() {
    let workspace = Workspace::new();
    let mut client = workspace.client("zh");
    let uri = client.open(&workspace.path("rules/解释/第三条.rule"), ARTICLE);
    let mut rng = Lcg(14);
    let mut text: Vec<char> = ARTICLE.chars().collect();
    let pieces = [
        "且",
        "或",
        "\"",
        "{",
        "}",
        "(",
        "第三条",
        "自 ",
        " 起",
        "𠀀",
        "\n",
        "= ",
        "cite ",
        "规则 x: bool = ",
        "%",
        "/*",
    ];
    for version in 2..160 {
        // Delete a few characters, insert a piece, or both.
        let at_char = rng.next(text.len() + 1);
        let n_delete = rng.next(4).min(text.len().saturating_sub(at_char));
        text.drain(at_char..at_char + n_delete);
        let piece = pieces[rng.next(pieces.len())];
        for (i, c) in piece.chars().enumerate() {
            text.insert(at_char + i, c);
        }
        let current: String = text.iter().collect();
        client.change(&uri, version, &current);
        let line = u32::try_from(rng.next(20)).expect("small");
        let character = u32::try_from(rng.next(60)).expect("small");
        let method = [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/definition",
            "textDocument/documentSymbol",
            "textDocument/formatting",
            "textDocument/prepareRename",
            "textDocument/codeLens",
        ][rng.next(7)];
        let mut params = at(&uri, position(line, character));
        params["options"] = json!({ "tabSize": 4, "insertSpaces": true });
        let answer = client.request_raw(method, params);
        assert!(answer.get("error").is_none(), "{method} on\n{current}\n{answer}");
    }
    // Still alive and right after all that.
    client.change(&uri, 999, ARTICLE);
    let hover = client.request("textDocument/hover", at(&uri, find(ARTICLE, "视频标准\n", 1)));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("视频标准")),
        "{hover}"
    );
    client.shutdown();
}
