//! A single-case request body: a case document (as a case file) plus the options of
//! `ruling eval` as keys beside it — `questions`, `explain`, `max_steps`, `strict`.

use std::sync::Arc;

use ruling::{Case, CaseFormat, CaseLimits, CaseOrigin, ExplainMode, Options};
use serde_json::{Map, Value as Json};

use super::problem::{ApiError, Problem};
use super::state::{Config, Loaded};

/// The keys of a request that are options, not part of the case document.
const OPTION_KEYS: [&str; 4] = ["questions", "explain", "max_steps", "strict"];

/// A case and how to evaluate it.
pub(crate) struct Request {
    pub(crate) case: Case,
    pub(crate) options: Options,
}

/// Reads a request body: JSON syntax first (400), then the options and the case (422).
pub(crate) fn parse(body: &[u8], loaded: &Loaded, config: &Config) -> Result<Request, ApiError> {
    let json: Json = serde_json::from_slice(body).map_err(|e| {
        // The same record as a batch line that is not JSON.
        ApiError::Syntax(Problem::coded(
            "ruling::case::syntax",
            format!("not a JSON object: {e}"),
            "",
        ))
    })?;
    let Json::Object(mut top) = json else {
        return Err(ApiError::Syntax(Problem::coded(
            "ruling::case::shape",
            "a case is a JSON object",
            "",
        )));
    };
    let options = options(&mut top, loaded, config)?;
    let origin = Arc::new(CaseOrigin {
        name: String::from("request"),
        text: Arc::from(String::from_utf8_lossy(body)),
        format: CaseFormat::Json,
    });
    let limits = CaseLimits {
        max_file_bytes: config.max_body,
        ..CaseLimits::default()
    };
    let case = Case::from_value_with_limits(Json::Object(top), origin, &limits).map_err(|e| ApiError::from_case(&e))?;
    Ok(Request { case, options })
}

/// Takes the option keys out of the request object.
fn options(top: &mut Map<String, Json>, loaded: &Loaded, config: &Config) -> Result<Options, ApiError> {
    let mut options = Options {
        max_steps: config.max_steps,
        ..Options::default()
    };
    for key in OPTION_KEYS {
        let Some(value) = top.shift_remove(key) else { continue };
        match key {
            "questions" => options.questions = questions(value, loaded)?,
            "explain" => options.explain = explain(&value)?,
            "max_steps" => options.max_steps = max_steps(&value, config.max_steps)?,
            _ => options.strict = boolean(&value, "/strict")?,
        }
    }
    Ok(options)
}

fn bad_option(path: &str, message: String) -> ApiError {
    ApiError::Invalid(Problem::coded("ruling::serve::bad_option", message, path))
}

/// `["a", "b"]` or `"a,b"`; every name must be a conclusion (as `ruling eval --question`).
fn questions(value: Json, loaded: &Loaded) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = match value {
        Json::String(text) => text
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Json::String(s) => Ok(s),
                _ => Err(bad_option(
                    &format!("/questions/{i}"),
                    "a question is a conclusion name".into(),
                )),
            })
            .collect::<Result<_, _>>()?,
        Json::Null => Vec::new(),
        _ => {
            return Err(bad_option(
                "/questions",
                "`questions` is a list of conclusion names".into(),
            ))
        }
    };
    let program = loaded.rules.program();
    for (i, name) in names.iter().enumerate() {
        if program.rule_id(name).is_none() {
            let help = loaded.rules.conclusion_hint(name).unwrap_or_default();
            return Err(ApiError::Invalid(Problem::coded(
                "ruling::eval::unknown_conclusion",
                format!("unknown conclusion `{name}` {help}").trim_end().to_string(),
                format!("/questions/{i}"),
            )));
        }
    }
    Ok(names)
}

/// `true`/`false` or `"none"`, `"outcome"`, `"full"` (default `"full"`, as `ruling eval`).
fn explain(value: &Json) -> Result<ExplainMode, ApiError> {
    match value {
        Json::Bool(true) => Ok(ExplainMode::Full),
        Json::Bool(false) => Ok(ExplainMode::None),
        Json::String(s) if s == "full" => Ok(ExplainMode::Full),
        Json::String(s) if s == "outcome" => Ok(ExplainMode::Outcome),
        Json::String(s) if s == "none" => Ok(ExplainMode::None),
        _ => Err(bad_option(
            "/explain",
            "`explain` is true, false, \"none\", \"outcome\" or \"full\"".into(),
        )),
    }
}

/// A positive step limit, at most the server's.
fn max_steps(value: &Json, cap: u64) -> Result<u64, ApiError> {
    match value.as_u64() {
        Some(n) if n > 0 && n <= cap => Ok(n),
        _ => Err(bad_option(
            "/max_steps",
            format!("`max_steps` is a whole number from 1 to this server's limit {cap}"),
        )),
    }
}

fn boolean(value: &Json, path: &str) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| bad_option(path, format!("`{}` is true or false", path.trim_start_matches('/'))))
}
