//! Rendering outcomes and explanations: text for people, JSON for programs, memos (Markdown,
//! HTML) for reports.

pub mod markdown;
mod markdown_escape;
pub mod memo;
pub mod text;
