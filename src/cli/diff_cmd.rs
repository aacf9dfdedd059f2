//! `ruling diff`: the impact of an edit of the rules on a suite of cases.

use std::path::{Path, PathBuf};
use std::process::Command;

use ruling::diff::{self, CaseChange, ChangeKind, DeclarationChange};
use ruling::RuleSet;

use super::commands::load;
use super::{BAD_INPUT, FAILED, OK};

/// What to compare and how to report it.
pub(crate) struct DiffOptions {
    /// `OLD NEW`, or with `git` only the rules directory.
    pub(crate) rules: Vec<PathBuf>,
    /// The old rules are the rules directory at this git revision.
    pub(crate) git: Option<String>,
    /// Case files or directories.
    pub(crate) cases: Vec<PathBuf>,
    /// One JSON document.
    pub(crate) json: bool,
    /// Exit 1 when a case changed.
    pub(crate) exit_code: bool,
    /// Width of each column of the side-by-side explanations.
    pub(crate) column: usize,
}

pub(crate) fn run(options: &DiffOptions) -> u8 {
    let (old, new) = match load_both(options) {
        Ok(pair) => pair,
        Err(status) => return status,
    };
    let cases = if options.cases.is_empty() {
        vec![PathBuf::from("tests/cases")]
    } else {
        options.cases.clone()
    };
    let declarations = diff::declaration_changes(old.program(), new.program());
    let (changes, total) = diff::compare_case_files(&old, &new, &cases);
    if total == 0 {
        eprintln!("error: no case files under the --cases paths");
        return BAD_INPUT;
    }
    if options.json {
        let doc = serde_json::json!({
            "declarations": declarations,
            "cases_compared": total,
            "cases_changed": changes,
        });
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print_declarations(&declarations);
        for change in &changes {
            print_change(change, options.column);
        }
        outln!("\n{} of {total} case(s) changed", changes.len());
    }
    if options.exit_code && !changes.is_empty() {
        FAILED
    } else {
        OK
    }
}

fn load_both(options: &DiffOptions) -> Result<(RuleSet, RuleSet), u8> {
    match (&options.git, options.rules.as_slice()) {
        (Some(rev), [rules]) => {
            let extracted = extract(rev, rules).map_err(|message| {
                eprintln!(
                    "error: cannot read `{}` at git revision `{rev}`: {message}",
                    rules.display()
                );
                BAD_INPUT
            })?;
            let old = load(&extracted.path);
            let _ignored = std::fs::remove_dir_all(&extracted.root);
            Ok((old?, load(rules)?))
        }
        (None, [old, new]) => Ok((load(old)?, load(new)?)),
        _ => {
            eprintln!("error: give OLD_RULES NEW_RULES, or --git REV RULES");
            Err(BAD_INPUT)
        }
    }
}

/// A rules directory as it was at a git revision, written under a temporary directory.
struct Extracted {
    /// The temporary directory (removed after loading).
    root: PathBuf,
    /// The rules directory inside it.
    path: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

fn extract(rev: &str, rules: &Path) -> Result<Extracted, String> {
    // `--git -x` would reach git as an option, not a revision (no revision starts with `-`).
    if rev.starts_with('-') || rev.is_empty() {
        return Err(String::from("not a revision (a revision never starts with `-`)"));
    }
    let absolute = std::fs::canonicalize(rules).map_err(|e| e.to_string())?;
    let dir = if absolute.is_dir() {
        absolute.clone()
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = String::from_utf8_lossy(&git(&dir, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let relative = absolute
        .strip_prefix(&top)
        .map_err(|_| String::from("the rules are not inside the git work tree"))?
        .to_path_buf();
    let listing = git(
        Path::new(&top),
        &["ls-tree", "-r", "--name-only", rev, "--", &relative.to_string_lossy()],
    )?;
    let root = std::env::temp_dir().join(format!("ruling-diff-{}-{}", std::process::id(), unique()));
    for name in String::from_utf8_lossy(&listing)
        .lines()
        .filter(|n| n.ends_with(".rule"))
    {
        let text = git(Path::new(&top), &["show", &format!("{rev}:{name}")])?;
        let target = root.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, text).map_err(|e| e.to_string())?;
    }
    let path = root.join(&relative);
    if !path.exists() {
        let _ignored = std::fs::remove_dir_all(&root);
        return Err(format!("no rule files under `{}` at that revision", relative.display()));
    }
    Ok(Extracted { root, path })
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// One line of the report with control characters escaped: case names, file names and text
/// values come from whoever wrote the cases, and an escape sequence or a bidi override must be
/// shown, not obeyed by the terminal.
macro_rules! shown {
    ($($arg:tt)*) => {
        outln!("{}", ruling::visible::escape_controls(&format!($($arg)*)))
    };
}

fn print_declarations(changes: &[DeclarationChange]) {
    if changes.is_empty() {
        shown!("规则未变 no parameter, rule, exception or fact changed");
        return;
    }
    shown!("修改的声明 declarations changed:");
    for change in changes {
        let kind = match change.change {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        };
        shown!("  {kind} {} {} ({})", change.what, change.name, change.location);
        for line in change.old.iter().filter(|l| !change.new.contains(l)) {
            shown!("    - {line}");
        }
        for line in change.new.iter().filter(|l| !change.old.contains(l)) {
            shown!("    + {line}");
        }
    }
}

fn print_change(change: &CaseChange, column: usize) {
    outln!();
    shown!("CHANGED {} ({})", change.name, change.path.as_deref().unwrap_or("?"));
    for v in &change.conclusions {
        shown!("    {}: {} → {}", v.conclusion, v.old, v.new);
    }
    for b in &change.basis {
        shown!("    {}: same value, different basis", b.conclusion);
        for c in &b.removed {
            shown!("      - {c}");
        }
        for c in &b.added {
            shown!("      + {c}");
        }
    }
    if let Some(e) = &change.old_error {
        shown!("    old rules: {e}");
    }
    if let Some(e) = &change.new_error {
        shown!("    new rules: {e}");
    }
    for conclusion in diff::conclusions_to_explain(change) {
        outln!();
        shown!("  {conclusion}:");
        for line in diff::side_by_side(change, &conclusion, column).lines() {
            shown!("  {line}");
        }
    }
}
