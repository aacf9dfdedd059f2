//! Rendering outcomes and explanations: text for people, JSON for programs, Markdown for reports.

pub mod markdown;
pub mod text;
