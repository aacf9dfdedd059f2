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
        // 第三条第一项 is phrased by its `says` template, the threshold's version after it.
        "法释〔2019〕15号 第三条第一项：致使传播违法视频文件250个，达到200个以上（违法视频文件数量标准：2015年11月1日起适用）",
        "监管部门责令改正及改正情况为拒不改正",
        "审查范围（依案件所列问题）",
        "情节显著轻微危害不大：未提供，按默认值否",
    ] {
        assert!(body.contains(expected), "missing `{expected}` in:\n{body}");
    }
}

#[test]
fn computed_amounts_dates_and_durations_are_compared_in_words_not_left_as_a_bare_verdict() {
    let rules = shipped_rules();
    let cases = [
        // An amount (`210000.00`) is the side `210000` of its comparison; amounts read in 万
        // where they are whole 万, as the statute writes 二十万元.
        (
            example("bangxin-paofen-2021.json"),
            "累计支付结算金额为21万元，达到支付结算金额标准20万元（法释〔2019〕15号 第十二条第一款第二项，2015年11月1日起适用），超出1万元",
        ),
        // A threshold times a multiple: the product, and what it was computed from.
        (
            example("pohuai-shuju-2014.json"),
            "经济损失（含恢复数据、功能的必要费用）为6万元，达到5万元（依经济损失数额标准1万元（第三项，1997年10月1日起适用）、后果特别严重的数量、数额标准倍数5倍",
        ),
        // A birth date plus an age.
        (
            example("bangxin-paofen-2021.json"),
            "行为日期（持续行为为终了之日）为2021年4月18日，晚于2012年7月2日（依出生日期（自然人）1996年7月2日、负刑事责任的年龄16周岁（刑法 第十七条第一款）计算）",
        ),
        // Minutes made a duration, against a duration threshold.
        (
            root().join("tests/cases/cl286/h08_outage_100_systems_60_minutes.json"),
            "该系统不能正常运行的累计时间（分钟）60分钟（计算为1小时），恰好达到不能正常运行的累计时间标准1小时",
        ),
        // `rule at date` is named by the rule and the date.
        (
            example("mouniu-2020.json"),
            "施行中的网络安全法文本（依2020年8月5日施行的规定）为2016，而非2025",
        ),
        // A difference of ages is years (`低6岁`), not an age (`低6周岁`).
        (
            example("pipl-kids-edu-app-2025.json"),
            "被处理个人信息的个人中最小者的周岁数为8周岁，低于不满十四周岁（未成年人个人信息）的年龄标准14周岁（个人信息保护法 第二十八条第一款，2021年11月1日起施行），低6岁",
        ),
        // An enum value coded `none` keeps its label.
        (example("bangxin-paofen-2021.json"), "帮助方式为支付结算，而非未提供帮助"),
    ];
    for (file, expected) in cases {
        let markdown = memo_of(&rules, &file).markdown();
        let body = body(&markdown);
        assert!(body.contains(expected), "missing `{expected}` in:\n{body}");
        assert!(!body.contains("按规定计算，条件"), "a bare verdict in:\n{body}");
        assert!(
            !body.contains(" hours") && !body.contains(" minutes"),
            "English units in:\n{body}"
        );
    }
}

#[test]
fn concurrence_memos_name_the_offences_count_them_and_say_each_thing_once() {
    let rules = shipped_rules();
    let case = |name: &str| root().join("tests/cases/concurrence").join(name);
    let governed = memo_of(&rules, &case("c11_286_and_287_1_governed_by_286.json")).markdown();
    let governed = body(&governed);
    // The heaviest offence by its name (the rule files' branch labels), and a list of that one
    // offence is not said again as "containing" it.
    assert!(
        governed
            .contains("法定刑最重的罪名有1个；法定刑最重的罪名（刑法 第二百八十六条之一第三款）为破坏计算机信息系统罪"),
        "{governed}"
    );
    assert!(!governed.contains("（含“"), "{governed}");
    // The branch says what follows (the heaviest offence governs), its clause the count: the
    // label no longer restates the clause (was `法定刑最重的罪名只有一个：法定刑最重的罪名有1个`).
    assert!(
        governed.contains("依法定刑最重的罪名定罪处罚：法定刑最重的罪名有1个；"),
        "{governed}"
    );
    assert!(!governed.contains("只有一个"), "{governed}");
    let equal = memo_of(&rules, &case("c02_287_1_and_287_2_equal_penalties_unknown.json")).markdown();
    let equal = body(&equal);
    assert!(equal.contains("法定刑最重的罪名有2个，而非1个"), "{equal}");
    // `X无法判断` beside `本案说明较重的罪名：X无法判断` is said once.
    let unknown = "依本案具体情节处罚较重的罪名未提供，无法判断";
    assert_eq!(equal.matches(unknown).count(), 1, "{equal}");
    for memo in [governed, equal] {
        for code in ["为cl286", "“cl287", "为1；", "：为"] {
            assert!(!memo.contains(code), "`{code}` in:\n{memo}");
        }
    }
}

#[test]
fn the_appendix_writes_amounts_dates_durations_and_versions_in_words_as_the_reasons_do() {
    let rules = shipped_rules();
    let memo = memo_of(&rules, &example("bangxin-paofen-2021.json")).markdown();
    let appendix = memo.split("## 附录").nth(1).unwrap_or_default();
    for words in [
        "：21万元 >= 20万元（法释〔2019〕15号 第十二条第一款第二项）",
        "：21万元 < 100万元，差 79万元（",
        "累计支付结算金额（cum_help_payment_settlement_yuan） = 21万元 —— 法释〔2019〕15号 第十六条",
        // An `if` giving its value to the amount above it reads as that amount.
        "累计计算次数标准` → 21万元",
        "事实 以投放广告等方式提供资金（help_ad_funding_yuan） = 0元（默认值）",
        // A sum over records has the type of the field it sums.
        "or (act_date > conduct_date - 累计计算二年期间 and act_date <= conduct_date)))` = 15万元",
        // 法释〔2019〕15号 took effect on 2019-11-01; its thresholds apply to conduct since 2015-11-01.
        "；2015年11月1日起适用",
        "：2021年4月18日 >= 2015年11月1日（刑法 第十二条第一款）",
        // Values of an enum by their labels (the quoted expression gives the codes).
        "`help_type != \"none\"`：支付结算 != 未提供帮助（",
    ] {
        assert!(appendix.contains(words), "`{words}` not in:\n{appendix}");
    }
    // A list of records: each record's fields that differ from their defaults, once a section.
    let records = "（prior_acts） = 2项记录：（一）行为日期：2020年6月9日，行为性质：帮助信息网络犯罪活动，\
                   是否已经处理（已受行政处罚或者刑事追究）：否，支付结算金额：8万元；（二）行为日期：2020年11月23日，";
    assert!(appendix.contains(records), "{appendix}");
    let sections = appendix.matches("\n### ").count();
    assert!(appendix.matches(records).count() <= sections, "{appendix}");
    assert!(appendix.contains("（prior_acts） = 2项记录（见上）"), "{appendix}");
    for raw in [
        "210000",
        "200000.00",
        "2015-11-01起",
        "= 2021-04-18",
        "{act_date",
        "offence: helping",
    ] {
        assert!(!appendix.contains(raw), "`{raw}` in:\n{appendix}");
    }
    let durations = memo_of(&rules, &example("feifa-liyong-erweima-2020.json")).markdown();
    assert!(durations.contains("（非法利用二年期间） = 2年 —— "), "{durations}");
    assert!(!durations.contains(" years"), "{durations}");
    // `ruling explain` keeps the values as recorded.
    let text = ruling_bin()
        .args(["explain", "rules/", "--facts"])
        .arg(example("bangxin-paofen-2021.json"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(text.contains("= 210000.00"), "{text}");
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

// ---------------------------------------------------------------- the words of the rule files

const WORDED: &str = "source 法 \"测试法\" in_force 2020-01-01
fact v: count \"违法视频文件数\" = 0
fact kind: enum { person \"自然人\", unit \"单位\" } \"行为主体\"
param 标准: count \"违法视频文件数标准\" cite 法 第三条 第一项 = 200
rule r: bool \"大量传播\" cite 法 第三条
    = any {
        \"1\" cite 第一项 says \"{kind}传播违法视频文件{v}，达到{标准}以上\": v >= 标准
        \"2\" cite 第二项: kind == \"unit\" and v >= 1000
    }
rule s: bool \"整条规则的表述\" says \"{kind}所传播的{v}已认定为大量传播\" cite 法 第四条 = r
";

fn memo_of_text(rules: &str, case: &str) -> String {
    let rules = ruling::RuleSet::from_source("worded.rule", rules).expect("rules check");
    let case = Case::from_json(case).expect("case parses");
    memo::evaluate(&rules, &case, &Options::default())
        .expect("evaluates")
        .markdown()
}

#[test]
fn a_says_template_words_the_memo_where_the_rule_or_branch_holds() {
    let held = memo_of_text(
        WORDED,
        r#"{"as_of": "2021-01-01", "questions": ["r", "s"], "facts": {"v": 250, "kind": "unit"}}"#,
    );
    let body = body(&held);
    assert!(
        body.contains("第三条第一项）：单位传播违法视频文件250个，达到200个以上。"),
        "{body}"
    );
    assert!(body.contains("单位所传播的250个已认定为大量传播"), "{body}");
    // Where the branch does not hold, the memo keeps its own words (the margin).
    let missed = memo_of_text(
        WORDED,
        r#"{"as_of": "2021-01-01", "questions": ["r"], "facts": {"v": 150, "kind": "unit"}}"#,
    );
    let missed = super::memo::body(&missed);
    assert!(!missed.contains("达到200个以上"), "{missed}");
    assert!(missed.contains("差50个"), "{missed}");
}

#[test]
fn an_unknown_placeholder_is_an_error_with_did_you_mean() {
    let bad = WORDED.replace("{v}，达到", "{vv}，达到");
    let Err(ruling::LoadError::Invalid { diagnostics }) = ruling::RuleSet::from_source("worded.rule", &bad) else {
        panic!("an unknown placeholder must not check")
    };
    assert_eq!(diagnostics.codes(), vec!["ruling::check::unknown_placeholder"]);
    let rendered = diagnostics.render(false, 100);
    assert!(rendered.contains("did you mean `v`?"), "{rendered}");
    assert!(rendered.contains("{vv}"), "{rendered}");
}

#[test]
fn the_says_lint_is_off_by_default_and_names_unworded_rules() {
    let rules = ruling::RuleSet::from_source("worded.rule", WORDED).expect("rules check");
    assert!(rules.warnings().codes().is_empty());
    // `r` has a template on one of its two labelled branches only; `s` has its own.
    let lint = rules.says_warnings();
    assert_eq!(lint.codes(), vec!["ruling::check::missing_says"]);
    assert!(lint.render(false, 100).contains("rule `r` has no `says` template"));
    let output = ruling_bin()
        .args(["check", "rules/"])
        .current_dir(root())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = ruling_bin()
        .args(["check", "rules/", "--lint-says", "--deny-warnings"])
        .current_dir(root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ruling::check::missing_says"));
}

#[test]
fn says_and_quote_format_and_come_back_in_both_keyword_styles() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/versioned-text/rules.rule")).expect("reads");
    let formatted = ruling::format::format_source("v.rule", &text).expect("formats");
    assert_eq!(formatted, text, "the fixture is in the canonical layout");
    let worded = ruling::format::format_source("w.rule", WORDED).expect("formats");
    assert!(
        worded.contains("\"1\" cite 第一项 says \"{kind}传播违法视频文件{v}，达到{标准}以上\": v >= 标准"),
        "{worded}"
    );
    let options = ruling::format::FormatOptions {
        keywords: ruling::format::KeywordStyle::Chinese,
    };
    let chinese = ruling::format::format_source_with("w.rule", &worded, &options).expect("formats");
    assert!(chinese.contains("表述 \"{kind}所传播"), "{chinese}");
    let versioned = ruling::format::format_source_with("v.rule", &text, &options).expect("formats");
    assert!(
        versioned.contains("原文 \"致使传播违法视频文件三百个以上的\""),
        "{versioned}"
    );
    for (name, source) in [("w.rule", &worded), ("c.rule", &chinese), ("v.rule", &versioned)] {
        assert_eq!(
            ruling::format::parse_source(name, source).expect("parses").items.len(),
            ruling::format::parse_source("x.rule", if name == "v.rule" { &text } else { WORDED })
                .expect("parses")
                .items
                .len()
        );
    }
}

/// A threshold raised from 200 to 300 on 2027-01-01 (tests/fixtures/versioned-text): the
/// explanation and the memo quote the value and the statute text of the version applied.
#[test]
fn the_quoted_statute_text_is_the_one_of_the_version_applied() {
    let rules = ruling::RuleSet::load(root().join("tests/fixtures/versioned-text/rules.rule")).expect("fixture loads");
    let cases = root().join("tests/fixtures/versioned-text/cases");
    for (file, value, text, other) in [
        ("v01_before_2027_quotes_200.json", "200个", "二百个以上", "三百个"),
        ("v02_after_2027_quotes_300.json", "300个", "三百个以上", "二百个"),
    ] {
        let markdown = memo_of(&rules, &cases.join(file)).markdown();
        let body = body(&markdown);
        assert!(
            body.contains(&format!("违法视频文件数量标准{value}（")),
            "{file}:\n{body}"
        );
        assert!(
            body.contains(&format!("条文：“致使传播违法视频文件{text}的”")),
            "{file}:\n{body}"
        );
        assert!(!body.contains(other), "{file}: another version's text:\n{body}");
        let output = ruling_bin()
            .args([
                "explain",
                "tests/fixtures/versioned-text/rules.rule",
                "--quote",
                "--facts",
            ])
            .arg(cases.join(file))
            .current_dir(root())
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(
            stdout.contains(&format!("│ 致使传播违法视频文件{text}的")),
            "{file}:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("（一）致使传播违法视频文件{text}的")),
            "{file}:\n{stdout}"
        );
        assert!(!stdout.contains(other), "{file}: another version's text:\n{stdout}");
        let catalog = serde_json::to_value(rules.catalog()).expect("serializes");
        assert_eq!(
            catalog["params"][0]["versions"][1]["quote"],
            serde_json::json!("致使传播违法视频文件三百个以上的")
        );
    }
}

/// A memo states what the rule set leaves out (`not_encoded` on a source), so that silence about a
/// concurring offence (传播淫秽物品, 刑法 363/364) is not read as a finding.
#[test]
fn the_scope_line_states_what_the_rule_set_does_not_encode() {
    let rules = shipped_rules();
    let markdown = memo_of(&rules, &example("qunzhu-2026.json")).markdown();
    let scope = markdown
        .lines()
        .find(|l| l.starts_with("审查范围"))
        .expect("a scope line");
    assert!(
        scope.contains("规则集未编码 刑法第二百八十五条（")
            && scope.contains("刑法第三百六十三条、第三百六十四条（制作、复制、出版、贩卖、传播淫秽物品）"),
        "{scope}"
    );
    let criminal_law = rules.catalog().sources.iter().find(|s| s.name == "刑法").expect("刑法");
    assert_eq!(criminal_law.not_encoded.len(), 3, "{:?}", criminal_law.not_encoded);
}

/// `not_encoded` has a Chinese keyword like every other, keeps its order through `fmt`, and is an
/// ordinary name elsewhere.
#[test]
fn not_encoded_is_written_in_either_language_and_survives_fmt() {
    let text = "法源 刑法 \"刑法\" 未编码 \"第三百六十三条\" not_encoded \"第三百六十四条\"\n\
                fact not_encoded: bool \"未编码的事实\"\n\
                rule r: bool = not_encoded\n";
    let rules = ruling::RuleSet::from_source("t.rule", text).expect("loads");
    let source = rules.catalog().sources.first().expect("a source");
    assert_eq!(source.not_encoded, ["第三百六十三条", "第三百六十四条"]);
    let formatted = ruling::format::format_source("t.rule", text).expect("formats");
    assert!(
        formatted.contains("not_encoded \"第三百六十三条\"\n    not_encoded \"第三百六十四条\"")
            || formatted.contains("not_encoded \"第三百六十三条\" not_encoded \"第三百六十四条\""),
        "{formatted}"
    );
    let again = ruling::RuleSet::from_source("t.rule", &formatted).expect("formatted text loads");
    assert_eq!(
        again.catalog().sources.first().map(|s| s.not_encoded.clone()),
        Some(source.not_encoded.clone())
    );
}

#[test]
fn a_sum_equal_to_one_of_its_terms_is_not_read_as_that_term_against_a_computed_side() {
    // `a + b >= 5` with b = 0: the left side equals `a`, but is not `a`; the memo must not say
    // that `a` reached 5 "computed from b".
    let rules = "source 法 \"测试法\" in_force 2020-01-01\n\
                 fact a: count \"甲数\"\n\
                 fact b: count \"乙数\"\n\
                 rule r: bool \"合计达到五\" cite 法 第一条 = a + b >= 5\n";
    let memo = memo_of_text(rules, r#"{"as_of": "2021-01-01", "facts": {"a": 7, "b": 0}}"#);
    let body = body(&memo);
    assert!(body.contains("按规定计算得7，达到5，超出2"), "{body}");
    assert!(!body.contains("计算）"), "{body}");
}
