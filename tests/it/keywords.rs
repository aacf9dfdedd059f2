//! Chinese keywords: the aliases parse to the same AST as the English words, keep to word
//! boundaries, and `ruling fmt` writes either style faithfully and idempotently.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use ruling::format::{self, FormatOptions, KeywordStyle, KEYWORDS};

use crate::support::root;

const CHINESE: FormatOptions = FormatOptions {
    keywords: KeywordStyle::Chinese,
};
const ENGLISH: FormatOptions = FormatOptions {
    keywords: KeywordStyle::English,
};

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

/// Every rule file of the repository that parses: the shipped rules, fixtures, examples.
fn parsing_rule_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["rules", "tests", "examples"] {
        rule_files(&root().join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            format::parse_source("f.rule", &text).ok()?;
            Some((path.display().to_string(), text))
        })
        .collect()
}

/// The Chinese layout of a file parses to its AST, is idempotent, and goes back to the English
/// layout exactly. Called from the fmt property tests of `workflow.rs` too.
pub fn assert_chinese_style_is_faithful(name: &str, text: &str) {
    let english = format::format_source_with(name, text, &ENGLISH).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let chinese = format::format_source_with(name, text, &CHINESE).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let before = format::parse_source(name, text).expect("parses");
    let after = format::parse_source(name, &chinese).unwrap_or_else(|e| panic!("{name} in Chinese:\n{chinese}\n{e:?}"));
    assert_eq!(
        format::without_spans(&before),
        format::without_spans(&after),
        "{name}: the Chinese keywords changed the meaning:\n{chinese}"
    );
    let again = format::format_source_with(name, &chinese, &CHINESE).expect("Chinese layout parses");
    assert_eq!(chinese, again, "{name}: the Chinese layout is not idempotent");
    let back = format::format_source_with(name, &chinese, &ENGLISH).expect("Chinese layout parses");
    assert_eq!(
        english, back,
        "{name}: Chinese → English does not give the English layout"
    );
}

#[test]
fn every_rule_file_in_chinese_keywords_keeps_its_meaning_and_comes_back() {
    let files = parsing_rule_files();
    assert!(files.len() > 40, "{}", files.len());
    for (name, text) in files {
        assert_chinese_style_is_faithful(&name, &text);
    }
}

/// The words of a text outside strings and comments (where a name could be).
fn code_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (i, segment) in code.split('"').enumerate() {
            if i % 2 == 0 {
                words.extend(
                    segment
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .filter(|w| !w.is_empty())
                        .map(String::from),
                );
            }
        }
    }
    words
}

#[test]
fn no_name_of_the_shipped_rules_is_a_chinese_keyword() {
    let mut files = Vec::new();
    rule_files(&root().join("rules"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for word in code_words(&text) {
            assert!(
                !KEYWORDS.iter().any(|k| k.chinese == word) && word != "起",
                "{}: the name `{word}` is a Chinese keyword",
                file.display()
            );
        }
    }
}

fn ast_of(text: &str) -> Result<ruling::ast::File, String> {
    format::parse_source("t.rule", text)
        .map(|f| format::without_spans(&f))
        .map_err(|e| e.to_string())
}

fn same_ast(english: &str, chinese: &str) {
    assert_eq!(ast_of(english), ast_of(chinese), "{english}\n{chinese}");
    assert!(ast_of(english).is_ok(), "{english}: {:?}", ast_of(english));
}

#[test]
fn every_alias_parses_like_its_english_word() {
    same_ast(
        "source 法 \"某法\" title \"全称\" in_force 2020-01-01 until 2030-01-01",
        "法源 法 \"某法\" 标题 \"全称\" 施行 2020-01-01 失效 2030-01-01",
    );
    same_ast(
        "fact a: bool \"甲\" = false cite 法 第一条",
        "事实 a: bool \"甲\" = 否 依据 法 第一条",
    );
    same_ast(
        "param p: count from 2020-01-01 cite 法 第一条 = 200 from 2021-01-01 = 300 prefer higher at d over c cite 法 第三条",
        "参数 p: count 自 2020-01-01 起 依据 法 第一条 = 200 自 2021-01-01 起 = 300 优先 较高 于 d 而非 c 依据 法 第三条",
    );
    same_ast(
        "rule r: bool = all { \"1\" cite 第一项: a and not b or c, any { x in [\"y\"] }, 2 of { a, b } }",
        "规则 r: bool = 全部 { \"1\" 依据 第一项: a 且 非 b 或 c, 任一 { x 属于 [\"y\"] }, 2 项 { a, b } }",
    );
    same_ast(
        "rule r: count? = if p at 2020-01-01 == none then count(l where f) else none",
        "规则 r: count? = 若 p 于 2020-01-01 == 无 则 count(l 其中 f) 否则 无",
    );
    same_ast(
        "rule r: bool = any(l: f) and all(l where true) prefer lower at d over c",
        "规则 r: bool = 任一(l: f) 且 全部(l 其中 是) 优先 较低 于 d 而非 c",
    );
    same_ast(
        "exception e to r \"例外\" from 2020-01-01 cite 法 第二条 when a = false",
        "例外 e 针对 r \"例外\" 自 2020-01-01 起 依据 法 第二条 当 a = 否",
    );
    same_ast(
        "rule r: bool = a prefer true at d over c",
        "规则 r: bool = a 优先 是 于 d 而非 c",
    );
    same_ast(
        "rule r: bool = a prefer false at d over c",
        "规则 r: bool = a 优先 否 于 d 而非 c",
    );
    // The two styles mix freely in one file.
    same_ast("rule r: bool = a and b or c", "rule r: bool = a 且 b or c");
}

/// The expression of `rule r: bool = …`, without spans, or the syntax error.
fn body(expression: &str) -> Result<String, String> {
    let file = ast_of(&format!("rule r: bool = {expression}"))?;
    match file.items.first() {
        Some(ruling::ast::Item::Rule(rule)) => Ok(format!("{:?}", rule.definitions.first().map(|d| &d.body.kind))),
        other => Err(format!("{other:?}")),
    }
}

#[test]
fn a_keyword_glued_to_a_name_is_part_of_the_name() {
    let name = |n: &str| body(n).map(|b| b.contains(&format!("text: \"{n}\"")));
    // One name, as with `数量and金额`: the checker then reports an unknown name.
    assert_eq!(name("数量且金额"), Ok(true));
    assert_eq!(name("若a则b否则c"), Ok(true));
    assert_eq!(name("非法获利"), Ok(true));
    assert_eq!(name("是否拒不改正"), Ok(true));
    assert_eq!(name("无效"), Ok(true));
    assert_eq!(name("起算日"), Ok(true));
    assert_eq!(name("其中之一"), Ok(true));
    assert_eq!(name("规则数"), Ok(true));
    // Separated by spaces or punctuation, the keyword is a keyword.
    assert_eq!(body("数量 且 金额"), body("数量 and 金额"));
    assert_eq!(body("(数量)且(金额)"), body("(数量) and (金额)"));
    assert_eq!(body("非 数量"), body("not 数量"));
    assert_eq!(body("若 a 则 b 否则 c"), body("if a then b else c"));
    assert_eq!(body("是"), body("true"));
    // A keyword with a name glued to one side only is a syntax error, never a silent reading.
    assert!(body("数量且 金额").is_err());
    assert!(body("数量 且金额").is_err());
    assert!(body("200且 a").is_err());
    // A reserved word cannot be a name.
    for keyword in KEYWORDS.iter().filter(|k| k.reserved) {
        let text = format!("fact {}: bool", keyword.chinese);
        assert!(ast_of(&text).is_err(), "{text} parses");
    }
    assert!(ast_of("fact 起: bool").is_err());
    // `over`, `higher`, `lower` and their aliases are names outside a `prefer` clause.
    assert!(ast_of("fact 而非: bool\nfact 较高: bool").is_ok());
}

#[test]
fn since_needs_its_closing_word_and_from_does_not_take_it() {
    assert!(ast_of("param p: count 自 2020-01-01 = 1").is_err());
    assert!(ast_of("param p: count from 2020-01-01 起 = 1").is_err());
    assert!(ast_of("param p: count 自 2020-01-01起 = 1").is_ok());
    assert!(ast_of("param p: count 自2020-01-01 起 = 1").is_err());
}

#[test]
fn fmt_writes_chinese_keywords_with_the_setting() {
    let text = "rule r: bool \"标签\" from 2020-01-01 cite 法 第一条 = any { \"1\" cite 第一项: a and not b }\n";
    let chinese = format::format_source_with("r.rule", text, &CHINESE).expect("formats");
    assert_eq!(
        chinese,
        "规则 r: bool \"标签\"\n    自 2020-01-01 起 依据 法 第一条\n    = 任一 {\n        \"1\" 依据 第一项: a 且 非 b\n    }\n"
    );
    assert_eq!(
        format::format_source("r.rule", &chinese).expect("formats"),
        "rule r: bool \"标签\"\n    from 2020-01-01 cite 法 第一条\n    = any {\n        \"1\" cite 第一项: a and not b\n    }\n"
    );
}

#[test]
fn fmt_command_takes_the_keyword_setting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("k.rule");
    std::fs::write(
        &file,
        "fact a: bool = false\nrule r: bool cite 法 第一条 = a and true\n",
    )
    .expect("write");
    let ruling = || std::process::Command::new(env!("CARGO_BIN_EXE_ruling"));
    let status = |cmd: &mut std::process::Command| cmd.output().expect("runs").status.code();
    assert_eq!(status(ruling().args(["fmt", "--keywords", "zh"]).arg(&file)), Some(0));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "事实 a: bool = 否\n规则 r: bool\n    依据 法 第一条\n    = a 且 是\n"
    );
    assert_eq!(
        status(ruling().args(["fmt", "--check", "--keywords", "zh"]).arg(&file)),
        Some(0)
    );
    assert_eq!(status(ruling().args(["fmt", "--check"]).arg(&file)), Some(1));
}

/// The shipped files with some English keywords replaced by their Chinese aliases (outside
/// strings and comments), as a person might type them.
fn mixed(text: &str, choices: &[bool]) -> String {
    let mut out = String::new();
    let mut n = 0usize;
    for line in text.split_inclusive('\n') {
        // Enum values may be any word (`none "不予处罚"`): such lines are kept as written.
        if line.trim_start().starts_with("//") || line.contains("enum {") || line.trim_start().starts_with("none ") {
            out.push_str(line);
            continue;
        }
        let (code, comment) = match line.find("//") {
            Some(i) => (line.get(..i).unwrap_or(""), line.get(i..).unwrap_or("")),
            None => (line, ""),
        };
        for (i, segment) in code.split('"').enumerate() {
            if i > 0 {
                out.push('"');
            }
            if i % 2 == 1 {
                out.push_str(segment);
                continue;
            }
            let mut words = Vec::new();
            for word in segment.split(' ') {
                let alias = KEYWORDS.iter().find(|k| k.english == word && k.english != "from");
                let swap = choices.get(n % choices.len().max(1)).copied().unwrap_or(false);
                n += 1;
                words.push(match alias {
                    Some(k) if swap => k.chinese,
                    _ => word,
                });
            }
            out.push_str(&words.join(" "));
        }
        out.push_str(comment);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn mixed_keywords_format_like_the_english_file(
        file_idx in 0usize..1000,
        choices in prop::collection::vec(any::<bool>(), 1..16),
    ) {
        let mut files = Vec::new();
        rule_files(&root().join("rules"), &mut files);
        files.sort();
        let file = &files[file_idx % files.len()];
        let text = std::fs::read_to_string(file).expect("read");
        let typed = mixed(&text, &choices);
        prop_assert!(ast_of(&text) == ast_of(&typed), "the mixed text means something else:\n{}", typed);
        prop_assert_eq!(format::format_source_with("f.rule", &typed, &ENGLISH).expect("formats"), text.clone());
        prop_assert_eq!(
            format::format_source_with("f.rule", &typed, &CHINESE).expect("formats"),
            format::format_source_with("f.rule", &text, &CHINESE).expect("formats")
        );
    }
}

#[test]
fn the_checker_points_out_a_keyword_glued_between_two_names() {
    let text = "source 法 \"某法\"\nfact 数量: count = 0\nfact 金额: count = 0\nrule r: bool cite 法 第一条 = 数量且金额 or 数量 >= 1\n";
    let Err(ruling::LoadError::Invalid { diagnostics }) = ruling::RuleSet::from_source("g.rule", text) else {
        panic!("loads");
    };
    let json = diagnostics.to_json();
    assert_eq!(json[0]["code"], "ruling::check::unknown_name", "{json}");
    assert!(
        json[0]["help"]
            .as_str()
            .is_some_and(|h| h.ends_with("write `数量 且 金额`")),
        "{json}"
    );
}
