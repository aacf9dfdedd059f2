//! `check`, `eval` and `explain`.

use std::io::IsTerminal;
use std::path::Path;

use ruling::explain::Scope;
use ruling::report::memo::Memo;
use ruling::report::text;
use ruling::{Case, LoadError, Options, RuleSet};

use super::serve::problem::{error_body, ApiError, Problem};
use super::{EvalArgs, Format, BAD_INPUT, FAILED, OK};

/// Prints a diagnostic to standard error with miette's graphical handler.
pub(crate) fn print_diagnostic(diagnostic: &dyn miette::Diagnostic) {
    let color = std::io::stderr().is_terminal();
    let lang = ruling::diagnostic::Lang::current();
    eprintln!(
        "{}",
        ruling::diagnostic::render_diagnostic(diagnostic, lang, color, 100)
    );
}

/// Loads a rule set, printing diagnostics; `Err(status)` when it cannot be used.
pub(crate) fn load(rules: &Path) -> Result<RuleSet, u8> {
    match RuleSet::load(rules) {
        Ok(set) => Ok(set),
        Err(LoadError::Invalid { diagnostics }) => {
            eprint!("{}", diagnostics.render(std::io::stderr().is_terminal(), 100));
            eprintln!("error: {} error(s) in the rule files", diagnostics.error_count());
            Err(FAILED)
        }
        Err(other) => {
            print_diagnostic(&other);
            Err(BAD_INPUT)
        }
    }
}

pub(crate) fn check(rules: &Path, json: bool, deny_warnings: bool, lint_says: bool) -> u8 {
    match RuleSet::load(rules) {
        Ok(set) => {
            let warnings = set.warnings();
            let says = if lint_says {
                set.says_warnings()
            } else {
                ruling::diagnostic::Diagnostics::default()
            };
            let n_warnings = warnings.warning_count() + says.warning_count();
            if json {
                let mut diagnostics = warnings.to_json();
                if let (Some(all), serde_json::Value::Array(more)) = (diagnostics.as_array_mut(), says.to_json()) {
                    all.extend(more);
                }
                outln!("{}", serde_json::json!({"ok": true, "diagnostics": diagnostics}));
            } else {
                eprint!("{}", warnings.render(std::io::stderr().is_terminal(), 100));
                eprint!("{}", says.render(std::io::stderr().is_terminal(), 100));
                let program = set.program();
                outln!(
                    "ok: {} source(s), {} fact(s), {} parameter(s), {} rule(s), {} exception(s); {} warning(s)",
                    program.sources.len(),
                    program.facts.len(),
                    program.params.len(),
                    program.rules.len(),
                    program.exceptions.len(),
                    n_warnings
                );
            }
            if deny_warnings && n_warnings > 0 {
                FAILED
            } else {
                OK
            }
        }
        Err(LoadError::Invalid { diagnostics }) => {
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"ok": false, "diagnostics": diagnostics.to_json()})
                );
            } else {
                eprint!("{}", diagnostics.render(std::io::stderr().is_terminal(), 100));
                eprintln!(
                    "error: {} error(s), {} warning(s)",
                    diagnostics.error_count(),
                    diagnostics.warning_count()
                );
            }
            FAILED
        }
        Err(other) => {
            print_diagnostic(&other);
            BAD_INPUT
        }
    }
}

pub(crate) fn eval(args: &EvalArgs, explain: bool) -> u8 {
    let format = match args.format {
        Format::Text => None,
        Format::Json => Some("json"),
        Format::Md => Some("md"),
        Format::Html => Some("html"),
    };
    if let Some(Err(e)) = format.map(|f| super::error::options_for_format(args.why_not, args.quote, f)) {
        print_diagnostic(&e);
        let option = if args.why_not { "--why-not" } else { "--quote" };
        let problem = Problem::coded("ruling::cli::option_not_for_format", e.to_string(), option);
        print_json_error(args.format, &ApiError::Invalid(problem));
        return BAD_INPUT;
    }
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let case = match Case::from_path(&args.facts) {
        Ok(c) => c,
        Err(e) => {
            print_diagnostic(&e);
            print_json_error(args.format, &ApiError::from_case(&e));
            return BAD_INPUT;
        }
    };
    let as_of = match super::error::as_of(args.as_of.as_deref()) {
        Ok(date) => date,
        Err(e) => {
            print_diagnostic(&e);
            let problem = Problem::coded("ruling::cli::bad_as_of", e.to_string(), "--as-of");
            print_json_error(args.format, &ApiError::Invalid(problem));
            return BAD_INPUT;
        }
    };
    let asked: Vec<String> = if args.questions.is_empty() {
        case.questions.clone()
    } else {
        args.questions.clone()
    };
    if let Some((name, place)) = unknown_conclusion(&rules, args, &asked) {
        let help = rules.conclusion_hint(name).unwrap_or_default();
        let name = ruling::visible::escape_name(name);
        let message = if name.is_empty() {
            "empty conclusion name".to_string()
        } else {
            format!("unknown conclusion `{name}` {help}").trim_end().to_string()
        };
        eprintln!("error: {message}");
        let problem = Problem::coded("ruling::eval::unknown_conclusion", message, place);
        print_json_error(args.format, &ApiError::Invalid(problem));
        return BAD_INPUT;
    }
    let scope = Scope::of_case(rules.catalog(), &case, &asked, args.all);
    let memo = matches!(args.format, Format::Md | Format::Html) && args.conclusion.is_none();
    // Memos and `--strict` keep to the scope; other output, without questions, to everything.
    let questions = if !asked.is_empty() || ((memo || args.strict) && !args.all) {
        scope.questions.clone()
    } else {
        Vec::new()
    };
    let options = Options {
        as_of,
        strict: args.strict,
        max_steps: args.max_steps,
        questions,
        ..Options::default()
    };
    let outcome = match rules.evaluate(&case, &options) {
        Ok(o) => o,
        Err(e) => {
            print_diagnostic(&e);
            print_json_error(args.format, &ApiError::from_eval(&e));
            // Two exceptions that both apply with different values are a fault of the rule files
            // (status 1, as for `check`), whatever case revealed it; the rest is about the input.
            return if matches!(e, ruling::EvalError::ExceptionConflict { .. }) {
                FAILED
            } else {
                BAD_INPUT
            };
        }
    };
    let conclusion = args.conclusion.as_deref();
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&outcome).unwrap_or_default();
            if let (Some(name), Some(tree)) = (
                conclusion,
                value.get_mut("explanation").and_then(|e| e.get_mut("conclusions")),
            ) {
                if let Some(map) = tree.as_object_mut() {
                    map.retain(|k, _| explain_keep(name, k, &outcome));
                }
            }
            outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
        }
        Format::Md | Format::Html if memo => {
            let memo = Memo::build(&outcome, rules.catalog(), &scope, case.name.as_deref());
            if args.format == Format::Md {
                out!("{}", memo.markdown());
            } else {
                out!("{}", memo.html());
            }
        }
        Format::Md | Format::Html => {
            let scope =
                ruling::explain::Scope::asked(rules.catalog(), &args.conclusion.iter().cloned().collect::<Vec<_>>());
            let memo = Memo::build(&outcome, rules.catalog(), &scope, case.name.as_deref());
            if args.format == Format::Md {
                out!("{}", memo.markdown());
            } else {
                out!("{}", memo.html());
            }
        }
        Format::Text => {
            let options = text::TextOptions {
                conclusion: conclusion
                    .map(String::from)
                    .or_else(|| (!explain).then_some(None).flatten()),
                why_not: args.why_not,
                color: std::io::stdout().is_terminal(),
                quote_statutes: args.quote || explain,
                catalog: Some(std::sync::Arc::new(rules.catalog().clone())),
            };
            out!("{}", text::render(&outcome, &options));
        }
    }
    OK
}

/// The first conclusion asked for that the rules do not have, and where it was asked: the
/// `CONCLUSION` argument, `--question`, or the case file's `questions` (a JSON pointer).
fn unknown_conclusion<'a>(rules: &RuleSet, args: &'a EvalArgs, asked: &'a [String]) -> Option<(&'a str, String)> {
    let known = |name: &str| rules.program().rule_id(name).is_some();
    if let Some(name) = args.conclusion.as_deref().filter(|n| !known(n)) {
        return Some((name, "CONCLUSION".to_string()));
    }
    let (i, name) = asked.iter().enumerate().find(|(_, n)| !known(n))?;
    let place = if args.questions.is_empty() {
        format!("/questions/{i}")
    } else {
        "--question".to_string()
    };
    Some((name, place))
}

/// With `--format json`, a case that cannot be evaluated also gets a JSON document on standard
/// output — the body `POST /v1/evaluate` answers for it — so that a program reading the output
/// learns why there is no result (the diagnostic stays on standard error).
fn print_json_error(format: Format, error: &ApiError) {
    if format == Format::Json {
        let body = error_body(&error.problem());
        outln!("{}", serde_json::to_string_pretty(&body).unwrap_or_default());
    }
}

/// Keeps the asked conclusion and the conclusions its explanation refers to.
fn explain_keep(asked: &str, key: &str, outcome: &ruling::Outcome) -> bool {
    if key == asked {
        return true;
    }
    let Some(explanation) = &outcome.explanation else {
        return false;
    };
    let Some(root) = explanation.conclusions.get(asked) else {
        return false;
    };
    references(root, explanation, &mut Vec::new()).iter().any(|r| r == key)
}

fn references(
    node: &ruling::explain::Node,
    explanation: &ruling::explain::Explanation,
    seen: &mut Vec<String>,
) -> Vec<String> {
    if node.kind == ruling::explain::NodeKind::RuleRef {
        if let Some(id) = node.id.as_deref() {
            if !seen.iter().any(|s| s == id) {
                seen.push(id.to_string());
                if let Some(target) = explanation.conclusions.get(id) {
                    references(target, explanation, seen);
                }
            }
        }
    }
    for child in &node.children {
        references(child, explanation, seen);
    }
    seen.clone()
}
