//! Memos (`--format md` / `html`): one snapshot of each format for every example case, a simple
//! case's memo fits on a page and reads as plain Chinese, and the scope keeps `--strict` to the
//! case.

use ruling::report::memo::{self, Memo};
use ruling::{testing, Case, Options};

use super::support::{root, ruling_bin, shipped_rules};

fn example(name: &str) -> std::path::PathBuf {
    root().join("examples/cases").join(name)
}

fn memo_of(rules: &ruling::RuleSet, file: &std::path::Path) -> Memo {
    let case = Case::from_path(file).expect("example parses");
    memo::evaluate(rules, &case, &Options::default()).expect("example evaluates")
}

/// The memo up to the appendix.
fn body(markdown: &str) -> &str {
    markdown.split("\n---\n").next().unwrap_or(markdown)
}

#[test]
fn every_example_has_a_reviewed_memo_in_markdown_and_html() {
    let rules = shipped_rules();
    let files = testing::case_files(&[root().join("examples/cases")]);
    assert!(files.len() >= 7, "examples: {}", files.len());
    for file in files {
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
        let memo = memo_of(&rules, &file);
        insta::assert_snapshot!(format!("memo_md_{name}"), memo.markdown());
        insta::assert_snapshot!(format!("memo_html_{name}"), memo.html());
    }
}

#[test]
fn a_simple_memo_fits_on_a_page_and_speaks_plain_chinese() {
    let rules = shipped_rules();
    let codes: Vec<String> = rules
        .catalog()
        .enums
        .iter()
        .flatten()
        .map(|v| v.value.clone())
        .filter(|code| {
            code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && code.chars().any(|c| c.is_ascii_alphabetic())
                && code.len() > 2
        })
        .collect();
    for name in ["mouniu-2021.json", "qunzhu-2026.json"] {
        let markdown = memo_of(&rules, &example(name)).markdown();
        let body = body(&markdown);
        let n_lines = body.lines().count();
        assert!(n_lines <= 60, "{name}: {n_lines} lines before the appendix:\n{body}");
        for code_mark in [
            "`", ">=", "<=", "==", "!=", "count(", "sum(", " and ", " or ", "->", "→",
        ] {
            assert!(
                !body.contains(code_mark),
                "{name}: `{code_mark}` in the memo body:\n{body}"
            );
        }
        let bracketed_item = body.split('[').skip(1).any(|rest| {
            rest.split(']')
                .next()
                .is_some_and(|inner| !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()))
        });
        assert!(!bracketed_item, "{name}: an item written as [n]:\n{body}");
        for code in &codes {
            let as_word = body.match_indices(code.as_str()).any(|(at, _)| {
                let before = body.get(..at).and_then(|s| s.chars().next_back());
                let after = body.get(at + code.len()..).and_then(|s| s.chars().next());
                let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                !word(before) && !word(after)
            });
            assert!(!as_word, "{name}: enum code `{code}` in the memo body:\n{body}");
        }
    }
}

#[test]
fn the_memo_of_the_group_owner_case_states_the_facts_thresholds_and_margin_in_words() {
    let markdown = memo_of(&shipped_rules(), &example("qunzhu-2026.json")).markdown();
    let body = body(&markdown);
    for expected in [
        "| 构成拒不履行信息网络安全管理义务罪 | 是 | 刑法 第二百八十六条之一第一款第一项；法释〔2019〕15号 第三条第一项 |",
        "累计违法视频文件数为250个，达到违法视频文件数量标准200个（法释〔2019〕15号 第三条第一项，2015年11月1日起施行），超出50个",
        "监管部门责令改正及改正情况为拒不改正",
        "审查范围（依案件所列问题）",
        "情节显著轻微危害不大：未提供，按默认值否",
    ] {
        assert!(body.contains(expected), "missing `{expected}` in:\n{body}");
    }
}

#[test]
fn strict_keeps_to_the_scope_of_the_case() {
    for name in ["mouniu-2021.json", "qunzhu-2026.json"] {
        let output = ruling_bin()
            .args(["eval", "rules/", "--strict", "--facts"])
            .arg(example(name))
            .current_dir(root())
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Without its questions and with `--all`, every conclusion of the rule set is checked, and
    // the PIPL ones need facts this criminal case does not give.
    let text = std::fs::read_to_string(example("qunzhu-2026.json")).expect("reads");
    let mut case: serde_json::Value = serde_json::from_str(&text).expect("json");
    case.as_object_mut().expect("object").remove("questions");
    let path = std::env::temp_dir().join(format!("ruling-memo-strict-{}.json", std::process::id()));
    std::fs::write(&path, case.to_string()).expect("writes");
    let default_scope = ruling_bin()
        .args(["eval", "rules/", "--strict", "--facts"])
        .arg(&path)
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(
        default_scope.status.success(),
        "{}",
        String::from_utf8_lossy(&default_scope.stderr)
    );
    let output = ruling_bin()
        .args(["eval", "rules/", "--strict", "--all", "--facts"])
        .arg(&path)
        .current_dir(root())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ruling::eval::missing_fact"), "{stderr}");
    let _ = std::fs::remove_file(&path);
}

/// A case where 法释〔2019〕15号 第十五条 (情节显著轻微, an exception) decides 帮助信息网络犯罪活动罪.
const TRIVIAL: &str = "tests/cases/cl287-2/g31_trivial.json";

#[test]
fn why_not_shows_the_deciding_exception_first_with_its_statute() {
    let output = ruling_bin()
        .args([
            "explain",
            "rules/",
            "--facts",
            TRIVIAL,
            "cl287_2_established",
            "--why-not",
        ])
        .current_dir(root())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let mut lines = stdout
        .lines()
        .filter(|l| !l.trim_start().starts_with('│') && !l.trim().is_empty());
    let _as_of = lines.next();
    let rule = lines.next().unwrap_or_default();
    let first = lines.next().unwrap_or_default();
    assert!(rule.contains("cl287_2_established") && rule.contains("否"), "{stdout}");
    assert!(
        first.contains("例外") && first.contains("适用") && first.contains("法释〔2019〕15号 第十五条"),
        "the exception is not first:\n{stdout}"
    );
    assert!(
        stdout.contains("│ 法释〔2019〕15号 第十五条：情节显著轻微危害不大的"),
        "{stdout}"
    );
}

#[test]
fn the_deciding_exception_is_the_basis_in_the_memo_and_named_in_json() {
    let rules = shipped_rules();
    let case = Case::from_path(root().join(TRIVIAL)).expect("parses");
    let options = Options {
        questions: vec![String::from("cl287_2_established")],
        ..Options::default()
    };
    let memo = memo::evaluate(&rules, &case, &options).expect("evaluates");
    let row = memo.rows.first().expect("one row");
    assert_eq!(row.result, "否");
    assert!(
        row.basis.starts_with("法释〔2019〕15号 第十五条（例外："),
        "{}",
        row.basis
    );
    let first = memo
        .reasons
        .first()
        .and_then(|r| r.paragraphs.first())
        .expect("a paragraph");
    assert!(first.heading.starts_with("例外："), "{first:?}");
    assert!(
        first.text.contains("本结论依此例外确定") && first.text.contains("条文："),
        "{first:?}"
    );
    let outcome = rules.evaluate(&case, &options).expect("evaluates");
    let tree = serde_json::to_value(outcome.explanation().expect("recorded")).expect("json");
    assert_eq!(
        tree["conclusions"]["cl287_2_established"]["decided_by"],
        "帮助信息网络犯罪活动情节显著轻微"
    );
}

#[test]
fn docs_name_no_path_outside_the_repository_and_the_readme_excerpt_is_the_shipped_rule() {
    let mut files = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).expect("docs").flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            files.push(entry.path());
        }
    }
    for entry in std::fs::read_dir(root().join("docs/rules"))
        .expect("docs/rules")
        .flatten()
    {
        files.push(entry.path());
    }
    for file in &files {
        let text = std::fs::read_to_string(file).expect("reads");
        for outside in ["shared/", "../"] {
            assert!(!text.contains(outside), "{} names `{outside}`", file.display());
        }
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("readme");
    let rule = std::fs::read_to_string(root().join("rules/interpretation-2019-15/art-03.rule")).expect("rule");
    let excerpt = readme
        .split("```ruling\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ruling excerpt in the README");
    for line in excerpt.lines().filter(|l| !l.contains('…') && !l.trim().is_empty()) {
        assert!(
            rule.lines().any(|r| r == line),
            "README line not in art-03.rule: {line}"
        );
    }
}

/// The HTML memo opened in a real browser (Debian `chromium`, headless) and printed to a PNG.
/// With `CI` set a missing browser fails the test; elsewhere the test says it could not run.
#[test]
fn the_html_memo_renders_in_headless_chromium() {
    let browser = ["chromium", "chromium-browser"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: chromium is not installed (apt-get install -y chromium)"
        );
        eprintln!("chromium not installed: the HTML memo was not rendered");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ruling-memo-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let page = dir.join("memo.html");
    let png = dir.join("memo.png");
    std::fs::write(&page, memo_of(&shipped_rules(), &example("qunzhu-2026.json")).html()).expect("writes");
    let output = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1024,1400",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("runs chromium");
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot ({e}): {}", String::from_utf8_lossy(&output.stderr)));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank 1024×1400 page compresses to a few kilobytes; the memo's text makes it much larger.
    assert!(bytes.len() > 30_000, "screenshot of {} bytes looks empty", bytes.len());
    let _ = std::fs::remove_dir_all(&dir);
}
