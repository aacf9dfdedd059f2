//! Any bytes as a rule file: parse and check never panic, overflow or hang; a rule set
//! that loads evaluates an empty case within a step limit; diagnostics render; `fmt` keeps
//! the tree and is idempotent on every file that parses, in both keyword styles.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruling::{Case, LoadError, Options, RuleSet};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(once) = ruling::format::format_source("fuzz.rule", &text) {
        match ruling::format::format_source("fuzz.rule", &once) {
            Ok(twice) => assert_eq!(once, twice, "fmt is not idempotent"),
            Err(e) => panic!("fmt output does not parse: {e}\n{once}"),
        }
        // The layout changes nothing but layout: the same tree (idempotence alone misses a
        // formatter that changes the meaning once and then keeps it).
        if let (Ok(before), Ok(after)) = (
            ruling::format::parse_source("fuzz.rule", &text),
            ruling::format::parse_source("fuzz.rule", &once),
        ) {
            assert!(
                ruling::format::without_spans(&before) == ruling::format::without_spans(&after),
                "fmt changed the tree\n{text}\n----\n{once}"
            );
        }
        // The Chinese keywords: the same tree, idempotent, and back to the English layout.
        let chinese = ruling::format::FormatOptions {
            keywords: ruling::format::KeywordStyle::Chinese,
        };
        let zh = match ruling::format::format_source_with("fuzz.rule", &text, &chinese) {
            Ok(zh) => zh,
            Err(e) => panic!("fmt --keywords zh fails where fmt does not: {e}"),
        };
        let (Ok(before), Ok(after)) = (
            ruling::format::parse_source("fuzz.rule", &text),
            ruling::format::parse_source("fuzz.rule", &zh),
        ) else {
            panic!("the Chinese layout does not parse\n{zh}");
        };
        assert!(
            ruling::format::without_spans(&before) == ruling::format::without_spans(&after),
            "the Chinese keywords changed the tree\n{zh}"
        );
        match ruling::format::format_source_with("fuzz.rule", &zh, &chinese) {
            Ok(again) => assert_eq!(zh, again, "fmt --keywords zh is not idempotent"),
            Err(e) => panic!("fmt --keywords zh output does not parse: {e}\n{zh}"),
        }
        assert_eq!(
            ruling::format::format_source("fuzz.rule", &zh).ok().as_deref(),
            Some(once.as_str()),
            "Chinese → English does not give the English layout"
        );
    }
    match RuleSet::from_source("fuzz.rule", &text) {
        Ok(rules) => {
            let _ = rules.warnings().render(false, 80);
            let Ok(case) = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {}}"#) else {
                return;
            };
            let options = Options {
                max_steps: 100_000,
                ..Options::default()
            };
            if let Ok(outcome) = rules.evaluate(&case, &options) {
                let _ = ruling::report::text::render(&outcome, &Default::default());
                let _ = serde_json::to_string(&outcome);
            }
        }
        Err(LoadError::Invalid { diagnostics }) => {
            let _ = diagnostics.render(false, 80);
            let _ = diagnostics.to_json();
        }
        Err(_) => {}
    }
});
