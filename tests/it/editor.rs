//! The VS Code extension's TextMate grammar agrees with the parser on every shipped rule file.
//!
//! For each file under `rules/` (as shipped, and rewritten with Chinese keywords) and the sample
//! `editors/vscode/test/boundaries.rule`, this writes a `vscode-tmgrammar-test` test case: the
//! file with, under each line, one assertion per token the parser reads there (a keyword must
//! have its keyword scope, a literal its constant scope, a name none of the keyword scopes). Then
//! it runs `vscode-tmgrammar-test` from `editors/vscode/node_modules` on them, with the
//! hand-written cases of `editors/vscode/test/*.test.rule` (comments, which the parser skips).
//! Without `npm ci` in `editors/vscode` the run is skipped, except under CI (`CI` set), where it
//! is required.

use std::path::{Path, PathBuf};

use ruling::format::{self, FormatOptions, KeywordStyle, TokenClass};

use crate::support::root;

/// The scope the grammar gives a token class (`editors/vscode/syntaxes/ruling.tmLanguage.json`).
fn scope(class: TokenClass) -> &'static str {
    match class {
        TokenClass::Keyword("source" | "fact" | "param" | "rule" | "exception") => "storage.type.declaration.ruling",
        TokenClass::Keyword("and" | "or" | "not" | "in" | "of" | "at" | "where") => "keyword.operator.word.ruling",
        TokenClass::Keyword("true" | "false" | "none") => "constant.language.ruling",
        TokenClass::Keyword("enum" | "list") => "support.type.ruling",
        TokenClass::Keyword(_) | TokenClass::PreferOrder => "keyword.control.ruling",
        TokenClass::String => "string.quoted.double.ruling",
        TokenClass::Date => "constant.numeric.date.ruling",
        TokenClass::Money => "constant.numeric.money.ruling",
        TokenClass::Duration => "constant.numeric.duration.ruling",
        TokenClass::Percent => "constant.numeric.percent.ruling",
        TokenClass::Number => "constant.numeric.ruling",
        TokenClass::CitePart => "support.constant.citation.ruling",
        TokenClass::DocComment => "comment.line.documentation.ruling",
        // A name has none of the scopes of keywords and numbers (`数量且金额`, `i2019_x`).
        TokenClass::Name => {
            "- storage.type.declaration.ruling keyword.operator.word.ruling keyword.control.ruling constant.language.ruling constant.numeric.ruling"
        }
    }
}

/// UTF-16 column of a byte offset within its line.
fn column(line: &str, byte: usize) -> usize {
    line.get(..byte).unwrap_or("").chars().map(char::len_utf16).sum()
}

/// The test case for one rule file: each line followed by the assertions of its tokens.
pub fn grammar_test_case(name: &str, text: &str) -> String {
    let tokens = format::syntax_tokens(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = format!("// SYNTAX TEST \"source.ruling\" \"{name}\"\n");
    let mut line_start = 0;
    let mut tokens = tokens.into_iter().peekable();
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        out.push_str(content);
        out.push('\n');
        while let Some(token) = tokens.next_if(|t| t.start < line_end) {
            let start = column(content, token.start - line_start);
            let end = column(content, token.end.min(line_start + content.len()) - line_start);
            let width = end.saturating_sub(start).max(1);
            // `//` takes columns 0 and 1: a token there is marked with `<~-` (skip, then mark).
            let marks = if start >= 2 {
                format!("//{}{}", " ".repeat(start - 2), "^".repeat(width))
            } else {
                format!("// <{}{}", "~".repeat(start), "-".repeat(width))
            };
            out.push_str(&format!("{marks} {}\n", scope(token.class)));
        }
        line_start = line_end;
    }
    out
}

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rule_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rule") {
            out.push(path);
        }
    }
}

#[test]
fn the_textmate_grammar_agrees_with_the_parser_on_every_shipped_rule_file() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tmgrammar");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let mut files = Vec::new();
    rule_files(&root().join("rules"), &mut files);
    files.push(root().join("editors/vscode/test/boundaries.rule"));
    files.sort();
    let chinese = FormatOptions {
        keywords: KeywordStyle::Chinese,
    };
    let mut n_cases = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let relative = file.strip_prefix(root()).unwrap_or(file).display().to_string();
        let stem = relative.replace(['/', '\\'], "__");
        let zh = format::format_source_with(&relative, &text, &chinese).expect("formats");
        for (suffix, text) in [("en", text), ("zh", zh)] {
            let case = grammar_test_case(&format!("{relative} ({suffix})"), &text);
            std::fs::write(out_dir.join(format!("{stem}.{suffix}.rule")), case).expect("write");
            n_cases += 1;
        }
    }
    assert!(n_cases >= 2 * 39, "{n_cases}");
    let vscode = root().join("editors/vscode");
    let runner = vscode.join("node_modules/.bin/vscode-tmgrammar-test");
    if !runner.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "run `npm ci` in editors/vscode before the tests (CI runs the grammar test)"
        );
        eprintln!("skipped: no {} (run `npm ci` in editors/vscode)", runner.display());
        return;
    }
    let output = std::process::Command::new(&runner)
        .current_dir(&vscode)
        .arg("--compact")
        .arg("-g")
        .arg("syntaxes/ruling.tmLanguage.json")
        .arg(format!("{}/*.rule", out_dir.display()))
        .arg("test/*.test.rule")
        .output()
        .expect("vscode-tmgrammar-test runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
}

#[test]
fn assertions_are_placed_in_utf16_columns() {
    let case = grammar_test_case("t", "fact 数量且金额: bool = 是\n");
    assert_eq!(
        case,
        "// SYNTAX TEST \"source.ruling\" \"t\"\nfact 数量且金额: bool = 是\n// <---- storage.type.declaration.ruling\n//   ^^^^^ - storage.type.declaration.ruling keyword.operator.word.ruling keyword.control.ruling constant.language.ruling constant.numeric.ruling\n//          ^^^^ - storage.type.declaration.ruling keyword.operator.word.ruling keyword.control.ruling constant.language.ruling constant.numeric.ruling\n//                 ^ constant.language.ruling\n"
    );
}
