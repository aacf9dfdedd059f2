//! `ruling schema`, `ruling catalog` and `ruling new-case`: what the JSON a rule set reads and writes means —
//! the schemas of case files and results, and the catalog that traces name.

use std::path::Path;

use super::commands::{load, print_diagnostic};
use super::{BAD_INPUT, OK};

/// Prints the case-file schema, or with `conclusions` the result schema.
pub(crate) fn run(rules: &Path, conclusions: bool) -> u8 {
    let rules = match load(rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let schema = if conclusions {
        ruling::schema::result_schema(rules.program())
    } else {
        ruling::schema::case_schema(rules.program())
    };
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    outln!("{text}");
    OK
}

/// Prints the rule set's catalog.
pub(crate) fn catalog(rules: &Path) -> u8 {
    let rules = match load(rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let text = serde_json::to_string_pretty(rules.catalog()).unwrap_or_default();
    outln!("{text}");
    OK
}

/// Writes a case-file skeleton for the questions (all conclusions without any).
pub(crate) fn new_case(rules: &Path, questions: &[String], output: Option<&Path>) -> u8 {
    let rules = match load(rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let text = match ruling::skeleton::case_skeleton(&rules, questions) {
        Ok(text) => text,
        Err(error) => {
            print_diagnostic(&error);
            return BAD_INPUT;
        }
    };
    match output {
        None => {
            outln!("{}", text.trim_end());
            OK
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => OK,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                BAD_INPUT
            }
        },
    }
}
