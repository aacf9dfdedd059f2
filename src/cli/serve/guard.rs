//! Bearer-token authentication and opt-in CORS, as middleware.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;
use super::state::Shared;

/// Refuses a request without `Authorization: Bearer <token>` when the server has a token.
pub(crate) async fn auth(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(token) = &shared.config.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    match given {
        Some(given) if same(given, token.as_bytes()) => next.run(request).await,
        _ => ApiError::Unauthorized.into_response(),
    }
}

/// Compares in time that depends only on the token's length, not on where the first differing
/// byte is (a comparison that stops early tells an attacker how much of a guess was right).
fn same(given: &[u8], token: &[u8]) -> bool {
    let mut difference = u8::from(given.len() != token.len());
    for (i, expected) in token.iter().enumerate() {
        difference |= given.get(i).copied().unwrap_or(0) ^ expected;
    }
    difference == 0
}

/// With `--cors ORIGIN`: answers preflight requests from that origin and marks its responses
/// readable by it. Without it, browsers keep other origins out (the default).
pub(crate) async fn cors(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(allowed) = &shared.config.cors else {
        return next.run(request).await;
    };
    let origin = request.headers().get(header::ORIGIN).cloned();
    let matches = origin
        .as_ref()
        .is_some_and(|o| allowed == "*" || o.as_bytes() == allowed.as_bytes());
    if !matches {
        return next.run(request).await;
    }
    let preflight = request.method() == Method::OPTIONS;
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    } else {
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ruling-generation"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_by_every_byte_and_length() {
        assert!(same(b"s3cret", b"s3cret"));
        assert!(!same(b"s3cres", b"s3cret"));
        assert!(!same(b"s3cre", b"s3cret"));
        assert!(!same(b"s3cret\0", b"s3cret"));
        assert!(!same(b"", b"s3cret"));
    }
}
