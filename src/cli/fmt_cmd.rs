//! `ruling fmt`: rewrite rule files in the canonical layout, or `--check` that they are.

use std::path::{Path, PathBuf};

use super::commands::print_diagnostic;
use super::{BAD_INPUT, FAILED, OK};

/// Formats (or checks) every `.rule` file under the paths.
pub(crate) fn run(paths: &[PathBuf], check: bool, options: &ruling::format::FormatOptions) -> u8 {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for path in &paths {
        // A file named on the command line is formatted whatever its extension (but never
        // through a link: the link would be replaced, or the file it names written).
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            eprintln!(
                "skipped `{}`: a symbolic link (fmt does not write through links)",
                path.display()
            );
            continue;
        }
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if let Err(e) = collect(path, &mut files) {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return BAD_INPUT;
        }
    }
    files.sort();
    let (mut unformatted, mut broken) = (0usize, 0usize);
    for file in &files {
        match format_one(file, check, options) {
            Ok(true) => {}
            Ok(false) => unformatted += 1,
            Err(()) => broken += 1,
        }
    }
    if broken > 0 {
        return BAD_INPUT;
    }
    if check {
        if unformatted > 0 {
            eprintln!(
                "{unformatted} of {} rule file(s) are not formatted; run `ruling fmt` on them",
                files.len()
            );
            return FAILED;
        }
        outln!("{} rule file(s) formatted", files.len());
    } else {
        outln!("{} rule file(s), {unformatted} reformatted", files.len());
    }
    OK
}

/// `Ok(true)` when the file was already formatted.
fn format_one(file: &Path, check: bool, options: &ruling::format::FormatOptions) -> Result<bool, ()> {
    let text = std::fs::read_to_string(file).map_err(|e| eprintln!("error: cannot read `{}`: {e}", file.display()))?;
    let formatted = ruling::format::format_source_with(&file.display().to_string(), &text, options)
        .map_err(|e| print_diagnostic(&e))?;
    if formatted == text {
        return Ok(true);
    }
    if check {
        outln!("{}", first_difference(file, &text, &formatted));
    } else {
        super::replace::write(file, formatted.as_bytes())
            .map_err(|e| eprintln!("error: cannot write `{}`: {e}", file.display()))?;
        outln!("formatted {}", file.display());
    }
    Ok(false)
}

/// Where the file first differs from its canonical layout, with a few lines of each.
fn first_difference(file: &Path, text: &str, formatted: &str) -> String {
    let old: Vec<&str> = text.lines().collect();
    let new: Vec<&str> = formatted.lines().collect();
    let line = old.iter().zip(new.iter()).take_while(|(a, b)| a == b).count();
    let mut out = format!("{}:{}: not in the canonical layout", file.display(), line + 1);
    for l in old.iter().skip(line).take(3) {
        out.push_str(&format!("\n  - {l}"));
    }
    for l in new.iter().skip(line).take(3) {
        out.push_str(&format!("\n  + {l}"));
    }
    out
}

/// The `.rule` files under a directory: regular files only (links, FIFOs and devices are
/// skipped and named), names starting with `.` (editor lock files) skipped silently.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let entry_path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type()?;
        let is_rule = entry_path.extension().is_some_and(|e| e == "rule");
        if file_type.is_dir() {
            collect(&entry_path, out)?;
        } else if file_type.is_file() && is_rule {
            out.push(entry_path);
        } else if is_rule || file_type.is_symlink() {
            let what = if file_type.is_symlink() {
                "a symbolic link (fmt does not write through links)"
            } else {
                "not a regular file"
            };
            eprintln!("skipped `{}`: {what}", entry_path.display());
        }
    }
    Ok(())
}
