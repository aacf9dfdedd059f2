//! One rule file per diagnostic class in `tests/diagnostics/`, each snapshotted with its
//! source, so a reader sees input and message together.

use ruling::{LoadError, RuleSet};

#[test]
fn every_diagnostic_class_points_at_the_right_place() {
    insta::glob!("../diagnostics", "*.rule", |path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let name = format!("{stem}.rule");
        let (codes, rendered) = match RuleSet::from_source(&name, &text) {
            Ok(rules) => (rules.warnings().codes(), rules.warnings().render(false, 80)),
            Err(LoadError::Invalid { diagnostics }) => (diagnostics.codes(), diagnostics.render(false, 80)),
            Err(other) => (vec![format!("{other}")], format!("{other}")),
        };
        assert!(
            codes.iter().any(|c| c.ends_with(&format!("::{stem}"))),
            "{name}: expected a diagnostic with code ending in `{stem}`, got {codes:?}"
        );
        insta::assert_snapshot!(format!("----- SOURCE CODE\n{text}\n----- DIAGNOSTICS\n{rendered}"));
    });
}

#[test]
fn a_declaration_a_typo_was_meant_for_is_not_also_called_unused() {
    let text = "source 法 \"测试法\" in_force 2020-01-01\n\
                fact 数量: integer \"数量\"\n\
                param 标准: integer \"标准\" cite 法 第一条 = 200\n\
                rule r: bool \"规则\" cite 法 第二条 = 数量 > 标砖\n";
    let Err(LoadError::Invalid { diagnostics }) = RuleSet::from_source("typo.rule", text) else {
        panic!("a rule set with an unknown name must not load");
    };
    // The error names `标准`; warning that `标准` is never used would only repeat the typo.
    assert_eq!(diagnostics.codes(), vec!["ruling::check::unknown_name"]);
    assert!(diagnostics.render(false, 80).contains("did you mean `标准`?"));
}

#[test]
fn shipped_rules_check_clean() {
    let rules = super::support::shipped_rules();
    assert_eq!(
        rules.warnings().codes(),
        Vec::<String>::new(),
        "{}",
        rules.warnings().render(false, 100)
    );
}

// ---------------------------------------------------------------- the error catalogue

mod catalogue {
    use std::collections::BTreeMap;
    use std::path::Path;

    use miette::Diagnostic;
    use ruling::diagnostic::{render_diagnostic, Lang, SourceText, CATALOGUE_ZH};
    use ruling::{Case, CaseFormat, CaseLimits, EvalError, LoadError, Options, ParseLimits, RuleSet};

    use super::super::support::{root, ruling_bin, shipped_rules};

    /// Every code of a diagnostic in `src/`: `code(ruling::…)` attributes, and
    /// `ruling::case::<kind>` for each fact-problem kind (`ProblemKind::X => "kind"`, and
    /// `Problem::new("kind", …)` literals).
    fn codes_in_source() -> Vec<String> {
        let mut codes = Vec::new();
        for text in source_texts() {
            for (i, _) in text.match_indices("code(ruling::") {
                let rest = text.get(i + "code(".len()..).unwrap_or_default();
                let end = rest.find(')').unwrap_or(0);
                codes.push(rest.get(..end).unwrap_or_default().to_string());
            }
            // The typed kinds: `ProblemKind::TypeMismatch => "type_mismatch"` in `as_str`.
            for line in text.lines().filter(|l| l.trim_start().starts_with("ProblemKind::")) {
                if let Some((_, literal)) = line.split_once("=> \"") {
                    let kind = literal.get(..literal.find('"').unwrap_or(0)).unwrap_or_default();
                    codes.push(format!("ruling::case::{kind}"));
                }
            }
            for (i, _) in text.match_indices("Problem::new(") {
                let rest = text.get(i + "Problem::new(".len()..).unwrap_or_default().trim_start();
                if let Some(literal) = rest.strip_prefix('"') {
                    let kind = literal.get(..literal.find('"').unwrap_or(0)).unwrap_or_default();
                    codes.push(format!("ruling::case::{kind}"));
                }
            }
        }
        codes.sort();
        codes.dedup();
        codes
    }

    /// Every code written whole as a string literal in `src/`: besides diagnostics' codes,
    /// those only ever sent as data (`Problem::coded("ruling::serve::…", …)`, the editor's
    /// `ruling::test::…`, a batch error record's).
    fn coded_literals() -> Vec<String> {
        let mut codes = Vec::new();
        for text in source_texts() {
            for (i, _) in text.match_indices("\"ruling::") {
                let rest = text.get(i + 1..).unwrap_or_default();
                let code = rest.get(..rest.find('"').unwrap_or(0)).unwrap_or_default();
                let parts: Vec<&str> = code.split("::").collect();
                let word = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if parts.len() == 3 && parts.iter().all(word) {
                    codes.push(code.to_string());
                }
            }
        }
        codes.sort();
        codes.dedup();
        codes
    }

    fn source_texts() -> Vec<String> {
        let mut files = Vec::new();
        rust_files(&root().join("src"), &mut files);
        files
            .iter()
            .map(|file| std::fs::read_to_string(file).unwrap_or_default())
            .collect()
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_code_in_the_source_has_an_entry_in_docs_errors_md() {
        let docs = std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md exists");
        let codes = codes_in_source();
        assert!(codes.len() >= 40, "found only {codes:?}");
        let literals = coded_literals();
        assert!(
            literals.iter().any(|c| c == "ruling::serve::not_found"),
            "the scan of literals misses `Problem::coded`: {literals:?}"
        );
        // An entry is a section, or a row of the tables of codes that are no diagnostic of the
        // command line (the editor's and the HTTP service's).
        let documented = |c: &&String| docs.contains(&format!("### `{c}`")) || docs.contains(&format!("\n| `{c}` |"));
        let missing: Vec<&String> = codes.iter().chain(&literals).filter(|c| !documented(c)).collect();
        assert!(
            missing.is_empty(),
            "codes without an entry in docs/errors.md: {missing:?}"
        );
        let untranslated: Vec<&String> = codes
            .iter()
            .filter(|c| !CATALOGUE_ZH.iter().any(|(code, _, _)| code == c))
            .collect();
        assert!(
            untranslated.is_empty(),
            "codes without a Chinese entry in CATALOGUE_ZH: {untranslated:?}"
        );
    }

    const HEADER: &str = "source 法 \"测试法\" in_force 2020-01-01\n";

    /// The first diagnostic with `code` that loading a rule text gives.
    fn from_rules(text: &str, code: &str, out: &mut BTreeMap<String, String>) {
        let diagnostics = match RuleSet::from_source("example.rule", text) {
            Ok(rules) => rules.warnings().iter().map(|d| render_both(d)).collect::<Vec<_>>(),
            Err(LoadError::Invalid { diagnostics }) => diagnostics.iter().map(|d| render_both(d)).collect(),
            Err(other) => vec![render_both(&other)],
        };
        let found = diagnostics.into_iter().find(|(c, _)| c == code);
        let (c, text) = found.unwrap_or_else(|| panic!("no {code} from:\n{text}"));
        out.insert(c, text);
    }

    fn render_both(d: &dyn Diagnostic) -> (String, String) {
        let code = d.code().map(|c| c.to_string()).unwrap_or_default();
        let en = render_diagnostic(d, Lang::En, false, 80);
        let zh = render_diagnostic(d, Lang::Zh, false, 80);
        (code, format!("----- EN\n{en}\n----- ZH\n{zh}"))
    }

    fn add(d: &dyn Diagnostic, out: &mut BTreeMap<String, String>) {
        let (code, text) = render_both(d);
        out.insert(code, text);
    }

    fn eval_error(rules: &RuleSet, json: &str, options: &Options) -> EvalError {
        let case = Case::from_json(json).expect("case parses");
        rules.evaluate(&case, options).expect_err("evaluation fails")
    }

    /// One example of every code, rendered in English and Chinese.
    fn examples() -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let dir = root().join("tests/diagnostics");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let stage = if matches!(stem.as_str(), "syntax" | "too_deep" | "invisible_character") {
                "parse"
            } else {
                "check"
            };
            from_rules(&text, &format!("ruling::{stage}::{stem}"), &mut out);
        }
        from_rules(
            &format!("{HEADER}param p: date \"p\" cite 法 第一条 = 2021-02-30\n"),
            "ruling::parse::invalid_literal",
            &mut out,
        );
        let mut chain = String::from(HEADER);
        for i in 0..130 {
            chain.push_str(&format!("rule r{i}: bool \"r\" cite 法 第一条 = r{}\n", i + 1));
        }
        chain.push_str("rule r130: bool \"r\" cite 法 第一条 = true\n");
        from_rules(&chain, "ruling::check::too_deep", &mut out);
        let small = ParseLimits {
            max_file_bytes: 16,
            ..ParseLimits::default()
        };
        let id = ruling::source::FileId(0);
        let too_large = ruling::parse_text(id, "big.rule", HEADER, &small).expect_err("too large");
        add(&too_large, &mut out);
        let few_tokens = ParseLimits {
            max_tokens: 12,
            ..ParseLimits::default()
        };
        let many = format!("{HEADER}rule r: bool \"r\" cite 法 第一条 = true\n");
        let too_many = ruling::parse_text(id, "big.rule", &many, &few_tokens).expect_err("too many tokens");
        add(&too_many, &mut out);
        add(
            &ruling::ParseError::Internal {
                src: miette::NamedSource::new("x.rule", SourceText::from("rule r: bool = true")),
                span: (0, 4).into(),
                message: String::from("no file rule"),
            },
            &mut out,
        );
        add(&RuleSet::load("no-such-dir").expect_err("io"), &mut out);
        add(
            &LoadError::Empty {
                path: String::from("empty-dir"),
            },
            &mut out,
        );
        add(
            &RuleSet::from_source("bad.rule", "rule x: bool = all { a b").expect_err("invalid"),
            &mut out,
        );
        case_examples(&mut out);
        eval_examples(&mut out);
        add(
            &ruling::batch::BatchError::Read(String::from("stream did not contain valid UTF-8")),
            &mut out,
        );
        add(
            &ruling::batch::BatchError::Write(String::from("No space left on device")),
            &mut out,
        );
        add(&ruling::batch::BatchError::OutputClosed, &mut out);
        super::super::reliability::catalogue_examples(&mut |d| add(d, &mut out));
        cli_examples(&mut out);
        out
    }

    /// The command line's own diagnostics, as `ruling` prints them in each language.
    fn cli_examples(out: &mut BTreeMap<String, String>) {
        let as_of = ["batch", "rules", "--input", "-", "--as-of", "2021-13-01"];
        let case = "examples/cases/qunzhu-2026.json";
        let why_not = ["explain", "rules", "--facts", case, "--format", "json", "--why-not"];
        for (code, args) in [
            ("ruling::cli::bad_as_of", &as_of[..]),
            ("ruling::cli::option_not_for_format", &why_not[..]),
        ] {
            let run = |lang: &str| {
                let output = ruling_bin()
                    .args(["--lang", lang])
                    .args(args)
                    .current_dir(root())
                    .stdin(std::process::Stdio::null())
                    .output()
                    .expect("ruling runs");
                assert_eq!(output.status.code(), Some(2), "{output:?}");
                String::from_utf8_lossy(&output.stderr).into_owned()
            };
            let text = format!("----- EN\n{}\n----- ZH\n{}", run("en"), run("zh"));
            out.insert(String::from(code), text);
        }
    }

    fn case_examples(out: &mut BTreeMap<String, String>) {
        add(&Case::from_path("no-such-case.json").expect_err("io"), out);
        for text in ["{\"facts\": {", "{\"facts\": [1, 2]}", "{\"fact\": {}}"] {
            add(&Case::from_json(text).expect_err("bad case"), out);
        }
        let json = r#"{"as_of": "2021-01-01", "facts": {"x": [["a"]], "name": "长文本"}}"#;
        for limits in [
            CaseLimits {
                max_file_bytes: 10,
                ..CaseLimits::default()
            },
            CaseLimits {
                max_list_items: 0,
                ..CaseLimits::default()
            },
            CaseLimits {
                max_text_bytes: 3,
                ..CaseLimits::default()
            },
            CaseLimits {
                max_nesting: 2,
                ..CaseLimits::default()
            },
        ] {
            add(
                &Case::parse_with_limits("case.json", json, CaseFormat::Json, &limits).expect_err("limit"),
                out,
            );
        }
        let rules = shipped_rules();
        let bad = r#"{"facts": {"conduct_date": "2021-02-30", "illegal_vidoes": 3, "illegal_other_info": -5,
            "recipient_accounts": "many", "actor_kind": "company",
            "correction_orders": [{"issued_on": "2021-01-01", "refused": true, "reason": "x"}, {"issued_on": "2021-01-02"}]}}"#;
        let EvalError::Facts(facts) = eval_error(&rules, bad, &Options::default()) else {
            panic!("expected fact problems")
        };
        add(&facts, out);
        for problem in &facts.located {
            add(problem, out);
        }
    }

    fn eval_examples(out: &mut BTreeMap<String, String>) {
        add(
            &eval_error(&shipped_rules(), r#"{"facts": {}}"#, &Options::default()),
            out,
        );
        let rules = RuleSet::from_source(
            "eval.rule",
            &format!(
                "{HEADER}fact a: decimal \"a\"\nfact b: decimal \"b\"\n\
                 rule q: decimal \"q\" cite 法 第一条 = a / b\n\
                 rule r: bool \"r\" cite 法 第二条 = a > 1\n\
                 exception e1 to r \"e1\" cite 法 第三条 when a > 2 = true\n\
                 exception e2 to r \"e2\" cite 法 第四条 when a > 3 = false\n"
            ),
        )
        .expect("rules check");
        add(
            &eval_error(
                &rules,
                r#"{"as_of": "2021-01-01", "facts": {"a": "5", "b": "0"}}"#,
                &Options::default(),
            ),
            out,
        );
        add(
            &eval_error(
                &rules,
                r#"{"as_of": "2021-01-01", "facts": {"a": "5", "b": "1"}}"#,
                &Options::default(),
            ),
            out,
        );
        let strict = Options {
            strict: true,
            ..Options::default()
        };
        add(
            &eval_error(&rules, r#"{"as_of": "2021-01-01", "facts": {}}"#, &strict),
            out,
        );
        let steps = Options {
            max_steps: 1,
            ..Options::default()
        };
        add(
            &eval_error(
                &rules,
                r#"{"as_of": "2021-01-01", "facts": {"a": "1", "b": "1"}}"#,
                &steps,
            ),
            out,
        );
        add(
            &EvalError::UnknownConclusion {
                name: String::from("i2019_mass_sprad"),
                help: Some(String::from("did you mean `i2019_mass_spread`?")),
            },
            out,
        );
        trace_examples(out);
        let unworded = RuleSet::from_source(
            "says.rule",
            &format!("{HEADER}fact a: count \"a\"\nrule r: bool \"r\" cite 法 第一条 = a > 1\n"),
        )
        .expect("rules check");
        for d in unworded.says_warnings().iter() {
            add(d, out);
        }
    }

    /// Traces read back against a catalog: another rule set's, and a malformed one.
    fn trace_examples(out: &mut BTreeMap<String, String>) {
        let rules = RuleSet::from_source("t.rule", "fact a: bool\nrule r: bool = a\n").expect("rules check");
        let other = RuleSet::from_source("u.rule", "fact b: bool\nrule s: bool = b\n").expect("rules check");
        let mut evaluator = rules.evaluator(&Options::default());
        let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": true}}"#).expect("case parses");
        let prepared = evaluator.prepare(&case).expect("case is valid");
        evaluator.record(&prepared).expect("evaluates");
        let trace = evaluator.recorded_trace().expect("recorded");
        add(&other.catalog().explanation(&trace).expect_err("another rule set"), out);
        let broken = ruling::explain::Trace {
            trace: String::from("t?"),
            ..trace
        };
        add(&rules.catalog().explanation(&broken).expect_err("malformed"), out);
    }

    #[test]
    fn every_code_is_snapshotted_in_english_and_chinese() {
        let examples = examples();
        let codes = codes_in_source();
        let missing: Vec<&String> = codes.iter().filter(|c| !examples.contains_key(*c)).collect();
        assert!(missing.is_empty(), "codes without an example: {missing:?}");
        for (code, text) in &examples {
            assert!(text.contains("----- ZH"), "{code}");
            let name = format!("code_{}", code.trim_start_matches("ruling::").replace("::", "_"));
            insta::assert_snapshot!(name, text);
        }
    }
}
