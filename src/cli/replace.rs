//! Output files written whole or not at all.
//!
//! A [`Replacement`] writes into a new temporary file beside its target and renames it over
//! the target only when the writer says it is complete: a run that fails (or is killed) leaves
//! the old file as it was, two runs writing the same file leave one run's complete output (not
//! an interleaving of both), and a file being read is never truncated before it has been read.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written in place of `target`; dropped without [`Replacement::commit`], it
/// is removed and the target is untouched.
pub(crate) struct Replacement {
    temp: PathBuf,
    target: PathBuf,
    file: Option<File>,
}

impl Replacement {
    /// Opens a new temporary file in the directory of `target` (of the file a symbolic link
    /// names, when `target` is one: the link stays a link).
    pub(crate) fn create(target: &Path) -> io::Result<Replacement> {
        let target = match std::fs::canonicalize(target) {
            Ok(resolved) => resolved,
            Err(e) if e.kind() == io::ErrorKind::NotFound && std::fs::symlink_metadata(target).is_ok() => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "it is a symbolic link to a file that does not exist",
                ))
            }
            Err(_) => target.to_path_buf(),
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let directory = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let permissions = std::fs::metadata(&target).ok().map(|m| m.permissions());
        for attempt in 0..1000u32 {
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".{}.{attempt}.tmp", std::process::id()));
            let temp = directory.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    if let Some(permissions) = permissions {
                        // The old file's mode is kept; failing to copy it is not worth failing for.
                        let _kept = file.set_permissions(permissions);
                    }
                    return Ok(Replacement {
                        temp,
                        target,
                        file: Some(file),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free temporary name"))
    }

    /// A handle on the temporary file.
    pub(crate) fn file(&self) -> io::Result<File> {
        match &self.file {
            Some(file) => file.try_clone(),
            None => Err(io::Error::other("already committed")),
        }
    }

    /// The complete file replaces the target.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.temp, &self.target)
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _removed = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `contents` in place of `target` (whole or not at all).
pub(crate) fn write(target: &Path, contents: &[u8]) -> io::Result<()> {
    let replacement = Replacement::create(target)?;
    replacement.file()?.write_all(contents)?;
    replacement.commit()
}

/// Whether two paths name the same file (through links, hard links included). A path that
/// does not exist is no file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(first), Ok(second)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        first.dev() == second.dev() && first.ino() == second.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (first, second);
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Whether `path` is a place to write a file by replacement: absent, or a regular file (a
/// device, a FIFO or a terminal is written to directly).
pub(crate) fn replaceable(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(_) => true,
    }
}
