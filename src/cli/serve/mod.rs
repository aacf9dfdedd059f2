//! `ruling serve`: the HTTP API (`/v1/…`) and the web page (`/`).
//!
//! Stateless: a request carries its case; the rule set is loaded once and shared (`Arc`), and
//! with `--watch` swapped whole when the files change and load cleanly. Answers are produced by
//! the same library calls as the command line, so `/v1/evaluate` answers byte for byte what
//! `ruling eval --format json` prints. The API is described in docs/http-api.md and
//! docs/openapi.json.

mod api;
mod guard;
pub(crate) mod problem;
mod request;
mod state;
mod stream;
mod watch;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;

use super::commands::load;
use super::{BAD_INPUT, OK};
use state::{Config, Shared};

/// Arguments of `ruling serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Rule file or directory.
    rules: PathBuf,
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Reload the rules when their files change (a failing edit keeps the previous set).
    #[arg(long)]
    watch: bool,
    /// Require `Authorization: Bearer <token>` on `/v1/…`, the token being this file's
    /// content (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Let pages from this origin (e.g. `https://example.org`, or `*`) call the API.
    #[arg(long, value_name = "ORIGIN")]
    cors: Option<String>,
    /// Largest request body of `/v1/evaluate` and `/v1/memo`, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
    /// Largest `/v1/batch` body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    max_batch_body: u64,
    /// Step limit of each evaluation (a request may ask for fewer, never more).
    #[arg(long, value_name = "N", default_value_t = ruling::Options::default().max_steps)]
    max_steps: u64,
}

/// Runs the server until interrupted.
pub(crate) fn run(args: &ServeArgs) -> u8 {
    let rules = match load(&args.rules) {
        Ok(rules) => rules,
        Err(status) => return status,
    };
    let token = match read_token(args.token_file.as_deref()) {
        Ok(token) => token,
        Err(message) => {
            eprintln!("error: {message}");
            return BAD_INPUT;
        }
    };
    let shared = Arc::new(Shared::new(
        rules,
        Config {
            rules_path: args.rules.clone(),
            max_body: args.max_body,
            max_batch_body: args.max_batch_body,
            max_steps: args.max_steps,
            token,
            cors: args.cors.clone(),
        },
    ));
    if args.watch {
        watch::start(Arc::clone(&shared));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_io().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return BAD_INPUT;
        }
    };
    match runtime.block_on(serve(args.addr, shared)) {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            BAD_INPUT
        }
    }
}

async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr()?;
    // Tests and scripts read the address (with the port chosen for `:0`) from this line.
    eprintln!("ruling serve: listening on http://{local}");
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(async {
            let _interrupted = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Every route. docs/openapi.json lists the `/v1/…` ones and `/healthz` (a test compares).
fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/v1/evaluate", post(api::evaluate))
        .route("/v1/memo", post(api::memo))
        .route("/v1/batch", post(api::batch))
        .route("/v1/catalog", get(api::catalog))
        .route("/v1/schema", get(api::schema))
        .route("/v1/openapi.json", get(api::openapi))
        .route_layer(from_fn_with_state(Arc::clone(&shared), guard::auth));
    Router::new()
        .route("/", get(web::index))
        .route("/app.js", get(web::script))
        .route("/style.css", get(web::style))
        .route("/healthz", get(api::health))
        .merge(api)
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(shared.config.max_body))
        .layer(from_fn_with_state(Arc::clone(&shared), guard::cors))
        .with_state(shared)
}

fn read_token(path: Option<&std::path::Path>) -> Result<Option<String>, String> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("the token file `{}` is empty", path.display()));
    }
    Ok(Some(token.to_string()))
}
