//! Case files in the editor: run on save and from a code lens, failures as diagnostics.
//!
//! A case file is a `.json`, `.yaml`, `.yml` or `.toml` file under one of the case directories
//! (setting `cases`; default `tests/cases` and `examples/cases` of the workspace). It runs against
//! the workspace's rule set as `ruling test` runs it (`ruling::testing::run_case_file`); a
//! conclusion that differs is marked on its key under `expected`, a pinned reason on its key under
//! `expected_reasons`, an invalid fact where the case's own diagnostic points.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::notification::Notification as _;
use lsp_types::{
    CodeLens, CodeLensParams, Command, Diagnostic, DiagnosticSeverity, MessageType, NumberOrString, Range,
    ShowMessageParams,
};
use miette::Diagnostic as _;
use ruling::diagnostic::{Lang, Localized};
use ruling::testing::{self, CaseResult};
use serde_json::Value as Json;

use super::features::tr;
use super::index::DeclKind;
use super::position::LineIndex;
use super::{publish, uri, Server, RUN_CASES};

/// Which case files name each conclusion in `expected` or `expected_reasons`.
#[derive(Debug, Default)]
pub(crate) struct CaseIndex {
    by_conclusion: BTreeMap<String, Vec<PathBuf>>,
}

const CASE_EXTENSIONS: [&str; 4] = ["json", "yaml", "yml", "toml"];

/// Whether a path is a case file of the workspace.
pub(crate) fn is_case_file(server: &Server, path: &Path) -> bool {
    let extension_fits = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CASE_EXTENSIONS.contains(&e));
    extension_fits && server.settings.cases.iter().any(|dir| path.starts_with(dir))
}

fn case_index(server: &mut Server) -> &CaseIndex {
    let dirs = server.settings.cases.clone();
    server.case_index.get_or_insert_with(|| {
        let mut index = CaseIndex::default();
        for path in testing::case_files(&dirs) {
            let Ok(case) = ruling::Case::from_path(&path) else {
                continue;
            };
            let mut names: Vec<&String> = case.expected.iter().flat_map(|e| e.keys()).collect();
            names.extend(case.expected_reasons.iter().flat_map(|e| e.keys()));
            names.sort();
            names.dedup();
            for name in names {
                index.by_conclusion.entry(name.clone()).or_default().push(path.clone());
            }
        }
        index
    })
}

/// A lens over every rule that case files check (run them), and at the top of a case file.
pub(crate) fn code_lenses(server: &mut Server, params: &CodeLensParams) -> Option<Vec<CodeLens>> {
    let lang = server.settings.lang;
    let path = uri::to_path(&params.text_document.uri)?;
    if is_case_file(server, &path) {
        let start = lsp_types::Position::new(0, 0);
        return Some(vec![lens(
            Range::new(start, start),
            tr(lang, "▶ Run this case (ruling test)", "▶ 运行本案例（ruling test）").to_string(),
            &[path],
        )]);
    }
    let rules: Vec<(String, Range)> = {
        let (analysis, file) = server.analysis_of(&params.text_document.uri)?;
        let f = analysis.files.get(file)?;
        analysis
            .index
            .decls
            .iter()
            .filter(|d| d.file == file && d.kind == DeclKind::Rule)
            .map(|d| (d.name.clone(), f.range(d.name_span.0, d.name_span.1)))
            .collect()
    };
    let index = case_index(server);
    let mut lenses = Vec::new();
    for (name, range) in rules {
        let Some(paths) = index.by_conclusion.get(&name) else {
            continue;
        };
        let title = match lang {
            Lang::Zh => format!("▶ 运行 {} 个案例", paths.len()),
            Lang::En => format!("▶ Run {} case(s)", paths.len()),
        };
        lenses.push(lens(range, title, paths));
    }
    Some(lenses)
}

fn lens(range: Range, title: String, paths: &[PathBuf]) -> CodeLens {
    let arguments: Vec<Json> = paths
        .iter()
        .filter_map(|p| uri::from_path(p))
        .map(|u| Json::String(u.as_str().to_string()))
        .collect();
    CodeLens {
        range,
        command: Some(Command {
            title,
            command: String::from(RUN_CASES),
            arguments: Some(arguments),
        }),
        data: None,
    }
}

/// `ruling.runCases URI…`: runs the cases, publishes their diagnostics, shows a summary and
/// answers `{ "passed": N, "failed": N }`.
pub(crate) fn run_command(server: &mut Server, arguments: &[Json]) -> Json {
    let paths: Vec<PathBuf> = arguments
        .iter()
        .filter_map(Json::as_str)
        .filter_map(|s| s.parse::<lsp_types::Uri>().ok())
        .filter_map(|u| uri::to_path(&u))
        .collect();
    let (passed, failed) = run(server, &paths);
    let lang = server.settings.lang;
    let message = format!("ruling test: {passed} passed, {failed} failed");
    server.outbox.push(Notification::new(
        String::from(lsp_types::notification::ShowMessage::METHOD),
        ShowMessageParams {
            typ: if failed == 0 {
                MessageType::INFO
            } else {
                MessageType::WARNING
            },
            message: match lang {
                Lang::Zh => format!("{message}（通过 {passed}，失败 {failed}）"),
                Lang::En => message,
            },
        },
    ));
    serde_json::json!({ "passed": passed, "failed": failed })
}

/// Runs the cases and queues their diagnostics; returns nothing else (on save).
pub(crate) fn run_and_publish(server: &mut Server, paths: &[PathBuf]) {
    let _counts = run(server, paths);
}

fn run(server: &mut Server, paths: &[PathBuf]) -> (usize, usize) {
    let lang = server.settings.lang;
    let (mut passed, mut failed) = (0, 0);
    for path in paths {
        let root = server.rules_root(path);
        let rules = server.analysis(&root).rules.clone();
        let Some(uri) = uri::from_path(path) else { continue };
        let text = server
            .open
            .get(path)
            .cloned()
            .or_else(|| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let lines = LineIndex::new(&text);
        let diagnostics = match &rules {
            None => vec![Diagnostic {
                range: Range::default(),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(String::from("ruling test")),
                message: tr(
                    lang,
                    "the rule set has errors: fix them (see the rule files) before running cases",
                    "规则集有错误：先改正规则文件中的错误，再运行案例",
                )
                .to_string(),
                ..Diagnostic::default()
            }],
            Some(rules) => {
                let result = testing::run_case_file(rules, path);
                case_diagnostics(rules, &result, &text, &lines, lang)
            }
        };
        if diagnostics.is_empty() {
            passed += 1;
        } else {
            failed += 1;
        }
        server.outbox.push(publish(uri, diagnostics));
    }
    (passed, failed)
}

fn case_diagnostics(
    rules: &ruling::RuleSet,
    result: &CaseResult,
    text: &str,
    lines: &LineIndex,
    lang: Lang,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let failure = |range: Range, code: &str, message: String| Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some(String::from("ruling test")),
        message,
        ..Diagnostic::default()
    };
    for mismatch in &result.mismatches {
        let range = key_range(text, lines, "expected", &mismatch.conclusion);
        out.push(failure(
            range,
            "ruling::test::mismatch",
            format!(
                "`{}`: {} {}, {} {}",
                mismatch.conclusion,
                tr(lang, "expected", "期望"),
                mismatch.expected,
                tr(lang, "actual", "实际"),
                mismatch.actual
            ),
        ));
    }
    for missing in &result.missing_reasons {
        let range = key_range(text, lines, "expected_reasons", &missing.conclusion);
        out.push(failure(
            range,
            "ruling::test::missing_reason",
            format!(
                "`{}`: {} `{}` {}; {}: {}",
                missing.conclusion,
                tr(lang, "pinned reason", "固定的依据"),
                missing.citation,
                tr(lang, "is no longer in the explanation", "已不在解释中"),
                tr(lang, "it rests on", "现在的依据"),
                missing.actual.join("、")
            ),
        ));
    }
    for kind in &result.missing_errors {
        out.push(failure(
            key_range(text, lines, "expected_error", ""),
            "ruling::test::missing_error",
            format!(
                "{}: {kind}",
                tr(lang, "expected error did not occur", "期望的错误没有出现")
            ),
        ));
    }
    if let Some(error) = &result.error {
        // Run the case again for its structured diagnostic (which points into the case text).
        let located = match ruling::Case::from_path(&result.path) {
            Err(e) => diagnostics_in_text(&e, text, lines, lang),
            Ok(case) => match rules.evaluate(&case, &ruling::Options::default()) {
                Err(e) => diagnostics_in_text(&e, text, lines, lang),
                Ok(_) => Vec::new(),
            },
        };
        if located.is_empty() {
            out.push(failure(Range::default(), "ruling::test::error", error.clone()));
        } else {
            out.extend(located);
        }
    }
    out
}

/// A diagnostic whose labels point into `text` (a case file), and its related ones.
fn diagnostics_in_text(d: &dyn miette::Diagnostic, text: &str, lines: &LineIndex, lang: Lang) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let localized = Localized::new(d, lang);
    let label = d.labels().and_then(|mut l| l.next());
    let range = label
        .as_ref()
        .map(|l| lines.range(text, l.offset(), l.offset() + l.len()))
        .unwrap_or_default();
    let mut message = localized.to_string();
    if let Some(help) = localized.help() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<Diagnostic> = d
        .related()
        .into_iter()
        .flatten()
        .flat_map(|inner| diagnostics_in_text(inner, text, lines, lang))
        .collect();
    if label.is_some() || related.is_empty() {
        out.push(Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            code: d.code().map(|c| NumberOrString::String(c.to_string())),
            source: Some(String::from("ruling test")),
            message,
            ..Diagnostic::default()
        });
    }
    out.extend(related);
    out
}

/// The range of `"key"` inside the object `"section"` of a JSON, YAML or TOML case file (found as
/// text: the first occurrence after the section's name), or of the section, or the first line.
fn key_range(text: &str, lines: &LineIndex, section: &str, key: &str) -> Range {
    let Some(section_at) = [format!("\"{section}\""), format!("{section}:"), format!("[{section}]")]
        .iter()
        .filter_map(|s| text.find(s.as_str()))
        .min()
    else {
        return Range::default();
    };
    let rest = text.get(section_at..).unwrap_or("");
    let found = [format!("\"{key}\""), format!("{key}:"), format!("{key} =")]
        .iter()
        .filter(|_| !key.is_empty())
        .filter_map(|k| rest.find(k.as_str()).map(|i| (i, k.len())))
        .min();
    match found {
        Some((i, len)) => lines.range(text, section_at + i, section_at + i + len),
        None => lines.range(text, section_at, section_at + section.len() + 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn finds_a_key_under_its_section_in_json_and_yaml() {
        let json = "{\n  \"facts\": {\"r\": 1},\n  \"expected\": {\n    \"r\": true\n  }\n}\n";
        let lines = LineIndex::new(json);
        assert_eq!(
            key_range(json, &lines, "expected", "r"),
            Range::new(Position::new(3, 4), Position::new(3, 7))
        );
        let yaml = "facts:\n  r: 1\nexpected:\n  r: true\n";
        let lines = LineIndex::new(yaml);
        assert_eq!(
            key_range(yaml, &lines, "expected", "r"),
            Range::new(Position::new(3, 2), Position::new(3, 4))
        );
    }
}
