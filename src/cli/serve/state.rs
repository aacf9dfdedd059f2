//! What every request shares: the loaded rule set (swapped whole on reload), the state of the
//! last reload, and the server's limits.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use ruling::RuleSet;
use serde_json::{json, Value as Json};

/// A rule set with the documents that depend only on it, rendered once at load.
pub(crate) struct Loaded {
    pub(crate) rules: RuleSet,
    /// Counts from 1; each successful reload adds one (sent as `ruling-generation`).
    pub(crate) generation: u64,
    /// `ruling catalog`, byte for byte.
    pub(crate) catalog: String,
    /// `ruling schema`, byte for byte.
    pub(crate) case_schema: String,
    /// `ruling schema --conclusions`, byte for byte.
    pub(crate) result_schema: String,
}

impl Loaded {
    pub(crate) fn new(rules: RuleSet, generation: u64) -> Loaded {
        let pretty = |value: &Json| serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
        let catalog = serde_json::to_string_pretty(rules.catalog()).unwrap_or_default() + "\n";
        let case_schema = pretty(&ruling::schema::case_schema(rules.program()));
        let result_schema = pretty(&ruling::schema::result_schema(rules.program()));
        Loaded {
            rules,
            generation,
            catalog,
            case_schema,
            result_schema,
        }
    }
}

/// How the last reload went (`None` before any reload was tried).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReloadStatus {
    pub(crate) attempts: u64,
    /// The diagnostics of the last reload when it failed (the old rule set is still served).
    pub(crate) failure: Option<Json>,
}

/// The server's settings, fixed at start.
pub(crate) struct Config {
    pub(crate) rules_path: PathBuf,
    /// Largest request body of the single-case endpoints, in bytes.
    pub(crate) max_body: usize,
    /// Largest `/v1/batch` body, in bytes.
    pub(crate) max_batch_body: u64,
    /// The step limit of each evaluation (a request may lower it, never raise it).
    pub(crate) max_steps: u64,
    pub(crate) token: Option<String>,
    pub(crate) cors: Option<String>,
}

/// Shared by all handlers.
pub(crate) struct Shared {
    current: RwLock<Arc<Loaded>>,
    status: RwLock<ReloadStatus>,
    pub(crate) config: Config,
    /// Evaluations running at once: more than the cores only adds threads and memory, so
    /// requests beyond it wait their turn (on the async side, holding no thread).
    pub(crate) evaluations: tokio::sync::Semaphore,
}

impl Shared {
    pub(crate) fn new(rules: RuleSet, config: Config) -> Shared {
        Shared {
            current: RwLock::new(Arc::new(Loaded::new(rules, 1))),
            status: RwLock::new(ReloadStatus::default()),
            config,
            evaluations: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
        }
    }

    /// The rule set a request uses from start to end, even if a reload swaps it meanwhile.
    pub(crate) fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            // A writer never panics while holding the lock (it only assigns), so the value is whole.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Serves `rules` from now on.
    pub(crate) fn swap(&self, rules: RuleSet) -> u64 {
        let generation = self.current().generation + 1;
        let loaded = Arc::new(Loaded::new(rules, generation));
        match self.current.write() {
            Ok(mut guard) => *guard = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        self.record(None);
        generation
    }

    /// Records the outcome of a reload attempt (`failure`: its diagnostics).
    pub(crate) fn record(&self, failure: Option<Json>) {
        let mut status = match self.status.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        status.attempts += 1;
        status.failure = failure;
    }

    /// The `/healthz` document.
    pub(crate) fn health(&self) -> Json {
        let loaded = self.current();
        let status = match self.status.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let program = loaded.rules.program();
        json!({
            "status": if status.failure.is_some() { "stale" } else { "ok" },
            "generation": loaded.generation,
            "rules": {
                "path": self.config.rules_path.display().to_string(),
                "sources": program.sources.len(),
                "facts": program.facts.len(),
                "params": program.params.len(),
                "rules": program.rules.len(),
                "exceptions": program.exceptions.len(),
            },
            "reload": {
                "attempts": status.attempts,
                "ok": status.failure.is_none(),
                "diagnostics": status.failure.clone().unwrap_or_else(|| json!([])),
            },
        })
    }
}
