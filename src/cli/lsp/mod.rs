//! `ruling lsp`: the language server, over standard input and output (JSON-RPC, `lsp-server`).
//!
//! One thread reads requests and answers them in order. Every answer comes from an [`Analysis`]
//! of the rule set the document belongs to: its `.rule` files on disk with the open documents laid
//! over them, parsed (the index for hover, definition, references, rename, completion, symbols)
//! and checked (the diagnostics, with the same codes and messages as `ruling check`, in the
//! client's language). Analyses are rebuilt after edits, once the queue of incoming messages is
//! empty, so a burst of keystrokes costs one check. Case files are run on save and on the code
//! lens command; their failures become diagnostics on the case file.
//!
//! Everything here uses the public API of the `ruling` library only.

mod analysis;
mod cases;
mod features;
mod index;
mod position;
mod symbols;
mod uri;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeLensOptions, CompletionOptions, Diagnostic, ExecuteCommandOptions, HoverProviderCapability, InitializeParams,
    OneOf, PublishDiagnosticsParams, RenameOptions, SaveOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use ruling::diagnostic::Lang;
use ruling::format::KeywordStyle;
use ruling::value::Date;
use serde_json::Value as Json;

use analysis::Analysis;

/// The command a code lens runs: `ruling.runCases` with the URIs of case files.
pub(crate) const RUN_CASES: &str = "ruling.runCases";

/// Runs the language server on standard input and output until the client says `exit`.
pub(crate) fn run() -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let served = serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => super::OK,
        (Err(e), _) => {
            eprintln!("error: ruling lsp: {e}");
            super::FAILED
        }
        (_, Err(e)) => {
            eprintln!("error: ruling lsp: {e}");
            super::FAILED
        }
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn serve(connection: &Connection) -> Result<(), Failure> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut server = Server::new(&params);
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "ruling", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result)?;
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = server.request_guarded(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => server.notification_guarded(notification),
            Message::Response(_) => {}
        }
        for outgoing in server.outbox.drain(..) {
            connection.sender.send(Message::Notification(outgoing))?;
        }
        // Check only when the client has stopped typing (nothing else is waiting).
        if connection.receiver.is_empty() {
            for outgoing in server.publish_dirty_guarded() {
                connection.sender.send(Message::Notification(outgoing))?;
            }
        }
    }
    Ok(())
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![String::from("\"")]),
            ..CompletionOptions::default()
        }),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![String::from(RUN_CASES)],
            work_done_progress_options: Default::default(),
        }),
        ..ServerCapabilities::default()
    }
}

/// Settings from `initializationOptions` (the VS Code extension passes its `ruling.*` settings).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The rule-set directory (default: the nearest enclosing `rules` directory of a document).
    pub(crate) rules: Option<PathBuf>,
    /// Directories of case files (default: `tests/cases` and `examples/cases` of the workspace).
    pub(crate) cases: Vec<PathBuf>,
    /// Keywords written by formatting.
    pub(crate) keywords: KeywordStyle,
    /// The language of diagnostics and hovers (from the client's `locale`).
    pub(crate) lang: Lang,
    /// "Today", for the version in force shown by hover (default: the system's date, UTC).
    pub(crate) today: Date,
}

pub(crate) struct Server {
    pub(crate) root: Option<PathBuf>,
    pub(crate) settings: Settings,
    /// Open documents by path: their text as the editor has it.
    pub(crate) open: BTreeMap<PathBuf, String>,
    /// Loaded rule sets by their directory; removed when one of their files changes.
    analyses: BTreeMap<PathBuf, Analysis>,
    /// Rule sets whose diagnostics must be published again.
    dirty: BTreeSet<PathBuf>,
    /// The URIs each rule set last published diagnostics on (to clear them when fixed).
    published: BTreeMap<PathBuf, BTreeSet<String>>,
    /// Notifications to send after the current message.
    pub(crate) outbox: Vec<Notification>,
    pub(crate) case_index: Option<cases::CaseIndex>,
}

impl Server {
    fn new(params: &InitializeParams) -> Server {
        #[expect(deprecated, reason = "root_uri is what clients without workspace folders send")]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .map(|f| f.uri.clone())
            .or_else(|| params.root_uri.clone())
            .and_then(|u| uri::to_path(&u));
        let options = params.initialization_options.clone().unwrap_or(Json::Null);
        let resolve = |text: &str| {
            let path = PathBuf::from(text);
            match (&root, path.is_absolute()) {
                (Some(root), false) => root.join(path),
                _ => path,
            }
        };
        let rules = options
            .get("rules")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(resolve);
        let mut case_dirs: Vec<PathBuf> = options
            .get("cases")
            .and_then(Json::as_array)
            .map(|list| list.iter().filter_map(Json::as_str).map(resolve).collect())
            .unwrap_or_default();
        if case_dirs.is_empty() {
            if let Some(root) = &root {
                case_dirs = ["tests/cases", "examples/cases"]
                    .iter()
                    .map(|d| root.join(d))
                    .filter(|d| d.is_dir())
                    .collect();
            }
        }
        let keywords = match options.get("keywords").and_then(Json::as_str) {
            Some("zh") => KeywordStyle::Chinese,
            _ => KeywordStyle::English,
        };
        let lang = params.locale.as_deref().map(Lang::from_locale).unwrap_or_default();
        let today = options
            .get("today")
            .and_then(Json::as_str)
            .and_then(|d| d.parse::<Date>().ok())
            .unwrap_or_else(|| jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date());
        Server {
            root,
            settings: Settings {
                rules,
                cases: case_dirs,
                keywords,
                lang,
                today,
            },
            open: BTreeMap::new(),
            analyses: BTreeMap::new(),
            dirty: BTreeSet::new(),
            published: BTreeMap::new(),
            outbox: Vec::new(),
            case_index: None,
        }
    }

    /// The rule-set directory a document belongs to: the configured one when it contains the
    /// document, else the nearest enclosing directory called `rules`, else the document's directory.
    pub(crate) fn rules_root(&self, path: &Path) -> PathBuf {
        if let Some(rules) = &self.settings.rules {
            if path.starts_with(rules) || !is_rule_path(path) {
                return rules.clone();
            }
        }
        if is_rule_path(path) {
            if let Some(dir) = path
                .ancestors()
                .skip(1)
                .find(|d| d.file_name().is_some_and(|n| n == "rules"))
            {
                return dir.to_path_buf();
            }
            return path.parent().map(Path::to_path_buf).unwrap_or_default();
        }
        // A case file: the workspace's rules.
        self.root.as_ref().map(|r| r.join("rules")).unwrap_or_default()
    }

    /// The analysis of a rule-set directory, loaded when needed.
    pub(crate) fn analysis(&mut self, root: &Path) -> &Analysis {
        let lang = self.settings.lang;
        let open = &self.open;
        self.analyses
            .entry(root.to_path_buf())
            .or_insert_with(|| Analysis::load(root, open, lang))
    }

    /// The analysis of a document's rule set and the document's index in it.
    pub(crate) fn analysis_of(&mut self, uri: &Uri) -> Option<(&Analysis, usize)> {
        let path = uri::to_path(uri)?;
        let root = self.rules_root(&path);
        let analysis = self.analysis(&root);
        let file = analysis.file_of(&path)?;
        Some((analysis, file))
    }

    fn changed(&mut self, path: &Path) {
        if is_rule_path(path) {
            let root = self.rules_root(path);
            self.analyses.remove(&root);
            self.dirty.insert(root);
        }
    }

    /// Answers a request; a panic in a handler (a bug) becomes an error answer, not a dead server.
    fn request_guarded(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let method = request.method.clone();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request(request)));
        match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => {
                // The state may be half-updated: start again from the documents.
                self.analyses.clear();
                Response::new_err(id, ErrorCode::InternalError as i32, format!("{method} failed"))
            }
        }
    }

    /// Handles a notification; a panic (a bug) drops the loaded analyses instead of the server.
    fn notification_guarded(&mut self, notification: Notification) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notification(notification)));
        if outcome.is_err() {
            self.analyses.clear();
        }
    }

    /// [`Server::publish_dirty`], guarded as requests are.
    fn publish_dirty_guarded(&mut self) -> Vec<Notification> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.publish_dirty())) {
            Ok(notifications) => notifications,
            Err(_) => {
                self.analyses.clear();
                Vec::new()
            }
        }
    }

    fn request(&mut self, request: Request) -> Result<Json, (ErrorCode, String)> {
        use lsp_types::request as r;
        let params = request.params;
        let bad = |e: serde_json::Error| (ErrorCode::InvalidParams, e.to_string());
        let json = |v: Result<Json, serde_json::Error>| v.map_err(|e| (ErrorCode::InternalError, e.to_string()));
        match request.method.as_str() {
            r::HoverRequest::METHOD => json(serde_json::to_value(features::hover(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::GotoDefinition::METHOD => json(serde_json::to_value(features::definition(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::References::METHOD => json(serde_json::to_value(features::references(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::Completion::METHOD => json(serde_json::to_value(features::completion(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::DocumentSymbolRequest::METHOD => json(serde_json::to_value(symbols::document_symbols(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::Formatting::METHOD => json(serde_json::to_value(features::formatting(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::PrepareRenameRequest::METHOD => json(serde_json::to_value(features::prepare_rename(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::Rename::METHOD => {
                let edit = features::rename(self, &serde_json::from_value(params).map_err(bad)?)?;
                json(serde_json::to_value(edit))
            }
            r::CodeLensRequest::METHOD => json(serde_json::to_value(cases::code_lenses(
                self,
                &serde_json::from_value(params).map_err(bad)?,
            ))),
            r::ExecuteCommand::METHOD => {
                let params: lsp_types::ExecuteCommandParams = serde_json::from_value(params).map_err(bad)?;
                if params.command != RUN_CASES {
                    return Err((
                        ErrorCode::InvalidParams,
                        format!("unknown command `{}`", params.command),
                    ));
                }
                Ok(cases::run_command(self, &params.arguments))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("ruling lsp does not handle `{}`", request.method),
            )),
        }
    }

    fn notification(&mut self, notification: Notification) {
        use lsp_types::notification as n;
        let params = notification.params;
        match notification.method.as_str() {
            n::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params) else {
                    return;
                };
                if let Some(path) = uri::to_path(&p.text_document.uri) {
                    self.open.insert(path.clone(), p.text_document.text);
                    self.changed(&path);
                }
            }
            n::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params) else {
                    return;
                };
                let Some(path) = uri::to_path(&p.text_document.uri) else {
                    return;
                };
                // Full synchronisation: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    self.open.insert(path.clone(), change.text);
                    self.changed(&path);
                }
            }
            n::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params) else {
                    return;
                };
                if let Some(path) = uri::to_path(&p.text_document.uri) {
                    self.open.remove(&path);
                    self.changed(&path);
                }
            }
            n::DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(params) else {
                    return;
                };
                if let Some(path) = uri::to_path(&p.text_document.uri) {
                    if cases::is_case_file(self, &path) {
                        self.case_index = None;
                        cases::run_and_publish(self, &[path]);
                    } else {
                        self.changed(&path);
                    }
                }
            }
            n::DidChangeWatchedFiles::METHOD => {
                // Files changed on disk (a checkout, another program): load everything again.
                let roots: Vec<PathBuf> = self.analyses.keys().cloned().collect();
                self.analyses.clear();
                self.dirty.extend(roots);
                self.case_index = None;
            }
            _ => {}
        }
    }

    /// Diagnostics of the rule sets edited since the last call.
    fn publish_dirty(&mut self) -> Vec<Notification> {
        let mut out = Vec::new();
        for root in std::mem::take(&mut self.dirty) {
            let analysis = self.analysis(&root);
            let mut now = BTreeSet::new();
            let mut notes = Vec::new();
            for (file, diagnostics) in analysis.files.iter().zip(&analysis.diagnostics) {
                let Some(uri) = file.uri.clone() else { continue };
                now.insert(uri.as_str().to_string());
                notes.push(publish(uri, diagnostics.clone()));
            }
            let before = self.published.insert(root, now.clone()).unwrap_or_default();
            for gone in before.difference(&now) {
                if let Ok(uri) = gone.parse::<Uri>() {
                    notes.push(publish(uri, Vec::new()));
                }
            }
            out.extend(notes);
        }
        out
    }
}

fn is_rule_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rule")
}

pub(crate) fn publish(uri: Uri, diagnostics: Vec<Diagnostic>) -> Notification {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    Notification::new(
        String::from(lsp_types::notification::PublishDiagnostics::METHOD),
        params,
    )
}
