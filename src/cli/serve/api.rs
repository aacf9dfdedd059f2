//! The JSON API handlers. Evaluation runs on the blocking pool, except a small case without
//! an explanation (see [`INLINE_BODY_BYTES`]); each request uses the rule set current when it
//! arrived.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ruling::batch::{BatchOptions, InputFormat};
use ruling::ExplainMode;
use serde::Deserialize;

use super::problem::{error_body, json_response, ApiError, Problem};
use super::state::{Loaded, Shared};
use super::{request, stream};

type SharedState = State<Arc<Shared>>;

/// `POST /v1/evaluate`: one case → the result JSON of `ruling eval --format json`.
pub(crate) async fn evaluate(State(shared): SharedState, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return rejected(&rejection, shared.config.max_body),
    };
    let loaded = shared.current();
    let generation = loaded.generation;
    let answer = if body.len() <= INLINE_BODY_BYTES {
        match request::parse(&body, &loaded, &shared.config) {
            Ok(request) if request.options.explain == ExplainMode::None => answer(&loaded, &request),
            Ok(request) => blocking(&Arc::clone(&shared), move || answer(&loaded, &request)).await,
            Err(e) => Err(e),
        }
    } else {
        blocking(&Arc::clone(&shared), move || {
            answer(&loaded, &request::parse(&body, &loaded, &shared.config)?)
        })
        .await
    };
    with_generation(answer.map(|text| json_response(StatusCode::OK, text)), generation)
}

/// Bodies up to this size are read on the connection's own thread, and evaluated there when
/// no explanation is asked for: such a case takes tens of microseconds, less than handing it
/// to the blocking pool and back costs (two thread wake-ups); the step limit bounds the rest.
/// Larger bodies, and explanations (a tree per conclusion), go to the blocking pool.
const INLINE_BODY_BYTES: usize = 16 * 1024;

/// The result document of one request, as `ruling eval --format json` prints it.
fn answer(loaded: &Loaded, request: &request::Request) -> Result<String, ApiError> {
    let outcome = loaded
        .rules
        .evaluate(&request.case, &request.options)
        .map_err(|e| ApiError::from_eval(&e))?;
    Ok(serde_json::to_string_pretty(&outcome).unwrap_or_default() + "\n")
}

/// `?format=md|html` (Markdown by default) and `?conclusion=NAME` (a memo about it alone).
#[derive(Deserialize)]
pub(crate) struct MemoQuery {
    format: Option<String>,
    conclusion: Option<String>,
}

/// `POST /v1/memo`: one case → the memo of `ruling eval --format md` (or `html`).
pub(crate) async fn memo(
    State(shared): SharedState,
    Query(query): Query<MemoQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return rejected(&rejection, shared.config.max_body),
    };
    let html = match query.format.as_deref() {
        None | Some("md") => false,
        Some("html") => true,
        Some(other) => {
            return ApiError::Invalid(Problem::coded(
                "ruling::serve::bad_option",
                format!("memo format `{other}` is not available; this server writes `md` and `html`"),
                "",
            ))
            .into_response()
        }
    };
    let loaded = shared.current();
    let generation = loaded.generation;
    let answer = blocking(&Arc::clone(&shared), move || {
        let mut request = request::parse(&body, &loaded, &shared.config)?;
        if let Some(name) = &query.conclusion {
            check_conclusion(&loaded, name)?;
        }
        let memo = memo_of(&loaded, &mut request, query.conclusion.as_deref())?;
        Ok(if html { memo.html() } else { memo.markdown() })
    })
    .await;
    let content_type = if html {
        "text/html; charset=utf-8"
    } else {
        "text/markdown; charset=utf-8"
    };
    let response =
        answer.map(|text| ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], text).into_response());
    with_generation(response, generation)
}

/// The memo `ruling eval --format md` writes: kept to the case's scope (its questions, else the
/// conclusions its facts touch), or about one conclusion.
fn memo_of(
    loaded: &Loaded,
    request: &mut request::Request,
    conclusion: Option<&str>,
) -> Result<ruling::report::memo::Memo, ApiError> {
    let catalog = loaded.rules.catalog();
    let asked: Vec<String> = if request.options.questions.is_empty() {
        request.case.questions.clone()
    } else {
        request.options.questions.clone()
    };
    // As `ruling eval`: the case's scope decides what is evaluated, the conclusion what is shown.
    let case_scope = ruling::explain::Scope::of_case(catalog, &request.case, &asked, false);
    request.options.questions = if conclusion.is_none() || !asked.is_empty() {
        case_scope.questions.clone()
    } else {
        Vec::new()
    };
    let scope = match conclusion {
        Some(name) => ruling::explain::Scope::asked(catalog, &[name.to_string()]),
        None => case_scope,
    };
    // A memo is the derivation: it always needs the full explanation.
    request.options.explain = ExplainMode::Full;
    let outcome = loaded
        .rules
        .evaluate(&request.case, &request.options)
        .map_err(|e| ApiError::from_eval(&e))?;
    Ok(ruling::report::memo::Memo::build(
        &outcome,
        catalog,
        &scope,
        request.case.name.as_deref(),
    ))
}

fn check_conclusion(loaded: &Loaded, name: &str) -> Result<(), ApiError> {
    if loaded.rules.program().rule_id(name).is_some() {
        return Ok(());
    }
    Err(ApiError::Invalid(Problem::coded(
        "ruling::eval::unknown_conclusion",
        format!("unknown conclusion `{name}`"),
        "",
    )))
}

/// `GET /v1/catalog`: `ruling catalog`.
pub(crate) async fn catalog(State(shared): SharedState) -> Response {
    let loaded = shared.current();
    with_generation(
        Ok(json_response(StatusCode::OK, loaded.catalog.clone())),
        loaded.generation,
    )
}

/// `?conclusions=true`: the schema of results instead of case files.
#[derive(Deserialize)]
pub(crate) struct SchemaQuery {
    #[serde(default)]
    conclusions: bool,
}

/// `GET /v1/schema`: `ruling schema` (or `--conclusions`).
pub(crate) async fn schema(State(shared): SharedState, Query(query): Query<SchemaQuery>) -> Response {
    let loaded = shared.current();
    let text = if query.conclusions {
        loaded.result_schema.clone()
    } else {
        loaded.case_schema.clone()
    };
    with_generation(Ok(json_response(StatusCode::OK, text)), loaded.generation)
}

/// `GET /healthz`: the rule set served and how the last reload went.
pub(crate) async fn health(State(shared): SharedState) -> Response {
    json_response(StatusCode::OK, shared.health().to_string() + "\n")
}

/// `GET /v1/openapi.json`.
pub(crate) async fn openapi() -> Response {
    json_response(StatusCode::OK, String::from(include_str!("../../../docs/openapi.json")))
}

/// Anything else: a JSON 404.
pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::NotFound(uri.path().to_string()).into_response()
}

/// The options of `ruling batch`, as query parameters.
#[derive(Deserialize)]
pub(crate) struct BatchQuery {
    explain: Option<String>,
    explain_format: Option<String>,
    as_of: Option<String>,
    question: Option<String>,
}

/// `POST /v1/batch`: JSONL (or CSV with `Content-Type: text/csv`) in, one JSONL line per
/// case out, streamed both ways.
pub(crate) async fn batch(
    State(shared): SharedState,
    Query(query): Query<BatchQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let loaded = shared.current();
    let options = match batch_options(&query, &loaded) {
        Ok(options) => options,
        Err(error) => return error.into_response(),
    };
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let format = if csv { InputFormat::Csv } else { InputFormat::Jsonl };
    let input = stream::reader(body, shared.config.max_batch_body);
    let (mut output, response_body) = stream::writer();
    let generation = loaded.generation;
    tokio::task::spawn_blocking(move || {
        let result = ruling::batch::run(&loaded.rules, Box::new(input), format, &mut output, &options, None);
        if let Err(error) = result {
            // The status is sent already: the failure is the last line.
            let code = miette::Diagnostic::code(&error)
                .map(|c| c.to_string())
                .unwrap_or_default();
            let line = error_body(&Problem::coded(&code, error.to_string(), "")).to_string() + "\n";
            let _client_gone = std::io::Write::write_all(&mut output, line.as_bytes());
        }
        let _client_gone = std::io::Write::flush(&mut output);
    });
    let response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))],
        response_body,
    )
        .into_response();
    with_generation(Ok(response), generation)
}

fn batch_options(query: &BatchQuery, loaded: &Loaded) -> Result<BatchOptions, ApiError> {
    let bad =
        |path: &str, message: String| ApiError::Invalid(Problem::coded("ruling::serve::bad_option", message, path));
    let explain = match query.explain.as_deref() {
        None | Some("none") => ExplainMode::None,
        Some("outcome") => ExplainMode::Outcome,
        Some("full") => ExplainMode::Full,
        Some(other) => return Err(bad("explain", format!("`explain={other}`: none, outcome or full"))),
    };
    let trees = match query.explain_format.as_deref() {
        None | Some("trace") => false,
        Some("tree") => true,
        Some(other) => {
            return Err(bad(
                "explain_format",
                format!("`explain_format={other}`: trace or tree"),
            ))
        }
    };
    if trees && explain == ExplainMode::None {
        let message =
            "`explain_format=tree` says how explanations are written: add `explain=outcome` or `explain=full`";
        return Err(bad("explain_format", message.to_string()));
    }
    let as_of = match query.as_of.as_deref() {
        None => None,
        Some(text) => Some(
            ruling::value::parse_date(text)
                .ok_or_else(|| bad("as_of", format!("`as_of={text}` is not a date YYYY-MM-DD")))?,
        ),
    };
    let questions: Vec<String> = query
        .question
        .iter()
        .flat_map(|q| q.split(','))
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    let program = loaded.rules.program();
    if let Some(name) = questions.iter().find(|q| program.rule_id(q).is_none()) {
        let help = loaded.rules.conclusion_hint(name).unwrap_or_default();
        return Err(ApiError::Invalid(Problem::coded(
            "ruling::eval::unknown_conclusion",
            format!("`question={name}` is not a conclusion of the rule set {help}")
                .trim_end()
                .to_string(),
            "question",
        )));
    }
    Ok(BatchOptions {
        explain,
        as_of,
        questions,
        trees,
        // Smaller chunks than the command line's: the first lines arrive sooner.
        chunk_size: 256,
        ..BatchOptions::default()
    })
}

/// A body the extractor refused: too large (413) or unreadable (400).
fn rejected(rejection: &BytesRejection, limit: usize) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge(Problem::coded(
            "ruling::case::too_large",
            format!("the request body is larger than this server's limit of {limit} bytes"),
            "",
        ))
        .into_response();
    }
    ApiError::Syntax(Problem::coded("ruling::case::syntax", rejection.body_text(), "")).into_response()
}

/// Runs `work` on the blocking pool, once one of the evaluation permits is free.
async fn blocking<T: Send + 'static>(
    shared: &Shared,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    // The semaphore is never closed, so acquiring only waits.
    let _permit = shared.evaluations.acquire().await.map_err(|_| ApiError::Internal)?;
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        // A panic in evaluation is a bug of ruling, never the client's input.
        Err(_) => Err(ApiError::Internal),
    }
}

/// Adds `ruling-generation` (which rule set answered) to a response.
fn with_generation(response: Result<Response, ApiError>, generation: u64) -> Response {
    let mut response = response.unwrap_or_else(IntoResponse::into_response);
    response
        .headers_mut()
        .insert("ruling-generation", HeaderValue::from(generation));
    response
}
