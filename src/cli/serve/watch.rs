//! `--watch`: the rule files are polled once a second; when they change and load cleanly the
//! new set is served, otherwise the old one stays and the diagnostics are reported. Polling
//! (rather than file-system events) needs no dependency and sees edits on any file system.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ruling::{LoadError, RuleSet};
use serde_json::json;

use super::state::Shared;

const PERIOD: Duration = Duration::from_secs(1);

/// What identifies one state of the rule files: each `.rule` file's path, size and mtime.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Starts the watching thread (it lives as long as the process).
pub(crate) fn start(shared: Arc<Shared>) {
    let path = shared.config.rules_path.clone();
    let mut seen = fingerprint(&path);
    std::thread::spawn(move || loop {
        std::thread::sleep(PERIOD);
        let now = fingerprint(&path);
        if now != seen {
            seen = now;
            reload(&shared, &path);
        }
    });
}

fn reload(shared: &Shared, path: &Path) {
    match RuleSet::load(path) {
        Ok(rules) => {
            let generation = shared.swap(rules);
            eprintln!("ruling serve: rules reloaded (generation {generation})");
        }
        Err(error) => {
            let diagnostics = match &error {
                LoadError::Invalid { diagnostics } => {
                    eprint!("{}", diagnostics.render(false, 100));
                    diagnostics.to_json()
                }
                other => {
                    eprintln!("{other}");
                    let code = miette::Diagnostic::code(other).map(|c| c.to_string());
                    json!([{"severity": "error", "code": code, "message": other.to_string()}])
                }
            };
            eprintln!("ruling serve: the edited rules do not load; still serving the previous set");
            shared.record(Some(diagnostics));
        }
    }
}

fn fingerprint(path: &Path) -> Fingerprint {
    let mut files = Vec::new();
    collect(path, &mut files);
    files.sort();
    files
}

fn collect(path: &Path, files: &mut Fingerprint) {
    let Ok(meta) = std::fs::metadata(path) else { return };
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else { return };
        for entry in entries.flatten() {
            collect(&entry.path(), files);
        }
    } else if path.extension().is_some_and(|e| e == "rule") {
        files.push((path.to_path_buf(), meta.len(), meta.modified().ok()));
    }
}
