//! The web page: three files compiled into the binary (no build step, nothing fetched from
//! elsewhere, so it works offline).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // The page only talks to this server; no inline script or style is allowed.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'; img-src 'self' data:"),
            ),
        ],
        text,
    )
        .into_response()
}

/// `GET /`.
pub(crate) async fn index() -> Response {
    asset("text/html; charset=utf-8", include_str!("../../../web/index.html"))
}

/// `GET /app.js`.
pub(crate) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../../web/app.js"))
}

/// `GET /style.css`.
pub(crate) async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../../web/style.css"))
}
