//! Any bytes as a case file (JSON, YAML or TOML by the first byte) against the shipped
//! rules: reading, validating, evaluating and rendering (text, Markdown, the memo in Markdown
//! and HTML) never panic or hang.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ruling::{Case, CaseFormat, Options, RuleSet};

fn rules() -> Option<&'static RuleSet> {
    static RULES: OnceLock<Option<RuleSet>> = OnceLock::new();
    RULES
        .get_or_init(|| RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")).ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Some(rules) = rules() else { return };
    let format = match selector % 3 {
        0 => CaseFormat::Json,
        1 => CaseFormat::Yaml,
        _ => CaseFormat::Toml,
    };
    let text = String::from_utf8_lossy(rest);
    let case = match Case::parse("fuzz.case", &text, format) {
        Ok(case) => case,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let options = Options {
        max_steps: 1_000_000,
        ..Options::default()
    };
    match rules.evaluate(&case, &options) {
        Ok(outcome) => {
            let _ = ruling::report::text::render(&outcome, &Default::default());
            let _ = ruling::report::markdown::render(&outcome, None, None);
            let _ = serde_json::to_string(&outcome);
            // The memo, as `ruling eval --format md|html` writes it (its own scope and wording).
            if let Ok(memo) = ruling::report::memo::evaluate(rules, &case, &options) {
                let _ = memo.markdown();
                let _ = memo.html();
            }
        }
        Err(error) => {
            let mut diagnostics = ruling::Diagnostics::default();
            diagnostics.push(error);
            let _ = diagnostics.render(false, 80);
        }
    }
});
