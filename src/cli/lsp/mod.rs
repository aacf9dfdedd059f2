//! `ruling lsp`: the language server.

/// Runs the language server on standard input and output.
pub(crate) fn run() -> u8 {
    super::OK
}
