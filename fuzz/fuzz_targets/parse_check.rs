//! Any bytes as a rule file: parse and check never panic, overflow or hang; a rule set
//! that loads evaluates an empty case within a step limit; diagnostics render; `fmt` is
//! idempotent on every file that parses.
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
