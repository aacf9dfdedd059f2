//! The exceptions: `RulingError` and its kinds, with the code, path and help of the problem.

use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ruling::batch::BatchOptions;
use ruling::{Case, CaseError, CaseFormat, CaseOrigin, EvalError as Eval, LoadError, Options, RuleSet};
use serde_json::{Map, Value};

create_exception!(
    ruling,
    RulingError,
    PyException,
    "Any error of ruling: `code` (`ruling::<stage>::<problem>`), `message`, `path`, `help`."
);
create_exception!(
    ruling,
    RuleError,
    RulingError,
    "The rule files cannot be used (unreadable, or errors found by checking; `diagnostics`), or two exceptions apply with different values."
);
create_exception!(
    ruling,
    FactsError,
    RulingError,
    "The case does not fit the declarations: `kind` (`type_mismatch`, `unknown_fact`, …), `path` (a JSON pointer), `help`, and every problem in `problems`."
);
create_exception!(
    ruling,
    EvalError,
    RulingError,
    "The case cannot be evaluated (no date to apply the law of, the step limit)."
);

/// Builds an exception of type `T` with the given attributes.
fn exception<T: pyo3::PyTypeInfo>(py: Python<'_>, message: &str, attrs: &[(&str, Bound<'_, PyAny>)]) -> PyErr {
    let err = PyErr::new::<T, _>(message.to_string());
    let value = err.value(py);
    for (name, attr) in attrs {
        let _ignored = value.setattr(*name, attr);
    }
    err
}

fn text<'py>(py: Python<'py>, s: Option<&str>) -> Bound<'py, PyAny> {
    match s {
        Some(s) => pyo3::types::PyString::new(py, s).into_any(),
        None => py.None().into_bound(py),
    }
}

/// A rule set that cannot be loaded.
pub(crate) fn load_error(py: Python<'_>, error: &LoadError) -> PyErr {
    let code = miette::Diagnostic::code(error)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let help = miette::Diagnostic::help(error).map(|h| h.to_string());
    let (message, diagnostics) = match error {
        LoadError::Invalid { diagnostics } => (
            format!(
                "{} error(s) in the rule files\n{}",
                diagnostics.error_count(),
                diagnostics.render(false, 100)
            ),
            diagnostics.to_json(),
        ),
        other => (other.to_string(), Value::Array(Vec::new())),
    };
    let diagnostics = crate::convert::json_to_py(py, &diagnostics, &mut crate::convert::Keys::default())
        .unwrap_or_else(|_| PyList::empty(py).into_any());
    exception::<RuleError>(
        py,
        &message,
        &[
            ("code", text(py, Some(&code))),
            ("message", text(py, Some(&message))),
            ("path", text(py, None)),
            ("help", text(py, help.as_deref())),
            ("diagnostics", diagnostics),
        ],
    )
}

/// The exception for a case whose record is an error record (`error`: its `code`, `message`
/// and `path`). The kind follows the code; the help lines and the full list of fact problems
/// come from validating the same line again through the case-file API.
pub(crate) fn record_error(
    py: Python<'_>,
    rules: &RuleSet,
    line: &[u8],
    options: &BatchOptions,
    error: &Value,
) -> PyErr {
    let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let (code, message, path) = (field("code"), field("message"), field("path"));
    let details = details(rules, line, options);
    let problems = PyList::empty(py);
    for problem in &details.problems {
        let dict = PyDict::new(py);
        let _ = dict.set_item("kind", &problem.kind);
        let _ = dict.set_item("path", &problem.path);
        let _ = dict.set_item("message", &problem.message);
        let _ = dict.set_item("help", text(py, problem.help.as_deref()));
        let _ = problems.append(dict);
    }
    let help = details.problems.first().and_then(|p| p.help.clone()).or(details.help);
    let kind = code.strip_prefix("ruling::case::").map(str::to_string);
    let mut attrs = vec![
        ("code", text(py, Some(&code))),
        ("message", text(py, Some(&message))),
        ("path", text(py, Some(&path))),
        ("help", text(py, help.as_deref())),
    ];
    if let Some(kind) = kind {
        attrs.push(("kind", text(py, Some(&kind))));
        attrs.push(("problems", problems.into_any()));
        exception::<FactsError>(py, &message, &attrs)
    } else if code == "ruling::eval::exception_conflict" {
        exception::<RuleError>(py, &message, &attrs)
    } else {
        exception::<EvalError>(py, &message, &attrs)
    }
}

/// One fact problem, as the exception lists it.
struct ProblemInfo {
    kind: String,
    path: String,
    message: String,
    help: Option<String>,
}

#[derive(Default)]
struct Details {
    problems: Vec<ProblemInfo>,
    help: Option<String>,
}

/// Validates and evaluates the line again with the case-file API, for the help and the problems.
fn details(rules: &RuleSet, line: &[u8], options: &BatchOptions) -> Details {
    let text = String::from_utf8_lossy(line).into_owned();
    let origin = Arc::new(CaseOrigin {
        name: "case".into(),
        text: Arc::from(text.as_str()),
        format: CaseFormat::Json,
    });
    let Ok(json) = serde_json::from_str::<Value>(&text) else {
        return Details::default();
    };
    let case = match Case::from_value_with_limits(bare_to_case(json), origin, &options.limits) {
        Ok(case) => case,
        Err(error) => return case_details(&error),
    };
    let eval_options = Options {
        as_of: options.as_of,
        questions: options.questions.clone(),
        ..Options::default()
    };
    match rules.evaluate(&case, &eval_options) {
        Ok(_) => Details::default(),
        Err(Eval::Facts(facts)) => Details {
            problems: facts
                .problems
                .iter()
                .map(|p| ProblemInfo {
                    kind: p.kind.as_str().to_string(),
                    path: p.path.clone(),
                    message: p.message.clone(),
                    help: p.help.clone(),
                })
                .collect(),
            help: None,
        },
        Err(other) => Details {
            problems: Vec::new(),
            help: miette::Diagnostic::help(&other).map(|h| h.to_string()),
        },
    }
}

fn case_details(error: &CaseError) -> Details {
    Details {
        problems: Vec::new(),
        help: miette::Diagnostic::help(error).map(|h| h.to_string()),
    }
}

/// A bare facts object (no `facts` key) becomes `{"id": …, "facts": {…}}`, as `ruling batch`
/// reads a line.
fn bare_to_case(json: Value) -> Value {
    match json {
        Value::Object(mut map) if !map.contains_key("facts") => {
            let mut case = Map::new();
            if let Some(id) = map.shift_remove("id") {
                case.insert("id".into(), id);
            }
            case.insert("facts".into(), Value::Object(map));
            Value::Object(case)
        }
        other => other,
    }
}
