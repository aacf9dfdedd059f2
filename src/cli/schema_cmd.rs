//! `ruling schema` and `ruling catalog`: what the JSON a rule set reads and writes means —
//! the schemas of case files and results, and the catalog that traces name.

use std::path::Path;

use super::commands::load;
use super::OK;

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
