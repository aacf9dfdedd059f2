//! Integration tests: one binary, one module per feature.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod bad_cases;
mod batch;
mod cases;
mod diagnostics;
mod editing;
mod editor;
mod embedding;
mod fidelity;
mod hardening;
mod keywords;
mod language;
mod lsp;
mod memo;
mod missing;
mod oracle;
mod reliability;
mod serve;
mod skeleton;
mod support;
mod time_effect;
mod trace;
mod vocabulary;
mod workflow;
