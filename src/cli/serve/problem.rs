//! Errors of the HTTP API: each becomes a status and a JSON body whose `error` object has the
//! same `code`, `message` and `path` as the error records of `ruling batch`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ruling::{CaseError, EvalError};
use serde_json::{json, Value as Json};

/// Why a request was refused. Every variant is the client's doing except `RuleConflict`, the
/// one fault of the rule files a case can reveal.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400: the body is not JSON (or not an object).
    Syntax(Problem),
    /// 422: the case or an option is well-formed JSON with wrong content.
    Invalid(Problem),
    /// 413: the body or one of its texts or lists is over a limit.
    TooLarge(Problem),
    /// 401: no or wrong bearer token.
    Unauthorized,
    /// 404: no such route.
    NotFound(String),
    /// 500: two exceptions of the rule files both apply with different values.
    RuleConflict(Problem),
    /// 500: evaluation panicked (a bug of ruling).
    Internal,
}

/// One problem: what a batch error record carries, plus every fact problem when there are several.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) path: String,
    /// Every problem of an invalid-facts error (`{code, message, path, help}`).
    pub(crate) problems: Vec<Json>,
}

impl Problem {
    pub(crate) fn coded(code: &str, message: impl Into<String>, path: impl Into<String>) -> Problem {
        Problem {
            code: code.to_string(),
            message: message.into(),
            path: path.into(),
            problems: Vec::new(),
        }
    }
}

impl ApiError {
    /// A case document that cannot be read: the status depends on why.
    pub(crate) fn from_case(error: &CaseError) -> ApiError {
        let path = match error {
            CaseError::UnknownKey { key, .. } => format!("/{key}"),
            CaseError::TooManyItems { path, .. } | CaseError::TextTooLong { path, .. } => path.clone(),
            CaseError::TooDeep { path, .. } => path.clone(),
            _ => String::new(),
        };
        let problem = Problem::coded(&error.code_str(), error.to_string(), path);
        match error {
            CaseError::Syntax { .. } => ApiError::Syntax(problem),
            CaseError::TooLarge { .. } | CaseError::TooManyItems { .. } | CaseError::TextTooLong { .. } => {
                ApiError::TooLarge(problem)
            }
            _ => ApiError::Invalid(problem),
        }
    }

    /// An evaluation refused: invalid facts name the first problem (as a batch error record
    /// does) and list them all.
    pub(crate) fn from_eval(error: &EvalError) -> ApiError {
        if let EvalError::Facts(facts) = error {
            if let Some(first) = facts.problems.first() {
                let more = facts.problems.len() - 1;
                let message = match more {
                    0 => first.message.clone(),
                    _ => format!("{} (and {more} more problem(s))", first.message),
                };
                let mut problem = Problem::coded(&format!("ruling::case::{}", first.kind), message, first.path.clone());
                problem.problems = facts
                    .problems
                    .iter()
                    .map(|p| {
                        json!({"code": format!("ruling::case::{}", p.kind), "message": p.message, "path": p.path, "help": p.help})
                    })
                    .collect();
                return ApiError::Invalid(problem);
            }
        }
        let code = miette::Diagnostic::code(error)
            .map(|c| c.to_string())
            .unwrap_or_default();
        let problem = Problem::coded(&code, error.to_string(), "");
        match error {
            EvalError::ExceptionConflict { .. } => ApiError::RuleConflict(problem),
            _ => ApiError::Invalid(problem),
        }
    }

    /// The problem an error body reports.
    pub(crate) fn problem(&self) -> Problem {
        self.parts().1
    }

    fn parts(&self) -> (StatusCode, Problem) {
        match self {
            ApiError::Syntax(p) => (StatusCode::BAD_REQUEST, p.clone()),
            ApiError::Invalid(p) => (StatusCode::UNPROCESSABLE_ENTITY, p.clone()),
            ApiError::TooLarge(p) => (StatusCode::PAYLOAD_TOO_LARGE, p.clone()),
            ApiError::RuleConflict(p) => (StatusCode::INTERNAL_SERVER_ERROR, p.clone()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                Problem::coded(
                    "ruling::serve::unauthorized",
                    "this server needs `Authorization: Bearer <token>`",
                    "",
                ),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Problem::coded("ruling::serve::internal", "evaluation failed inside ruling (a bug)", ""),
            ),
            ApiError::NotFound(path) => (
                StatusCode::NOT_FOUND,
                Problem::coded("ruling::serve::not_found", format!("no route `{path}`"), ""),
            ),
        }
    }
}

/// The body of an error response: `{"error": {"code", "message", "path"[, "problems"]}}`.
pub(crate) fn error_body(problem: &Problem) -> Json {
    let mut error = serde_json::Map::new();
    error.insert("code".into(), Json::from(problem.code.as_str()));
    error.insert("message".into(), Json::from(problem.message.as_str()));
    error.insert("path".into(), Json::from(problem.path.as_str()));
    if !problem.problems.is_empty() {
        error.insert("problems".into(), Json::Array(problem.problems.clone()));
    }
    json!({ "error": error })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, problem) = self.parts();
        let mut response = json_response(status, error_body(&problem).to_string() + "\n");
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// A response with a JSON body already written.
pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}
