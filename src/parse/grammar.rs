//! The pest parser derived from `grammar/ruling.pest`; nothing else lives here.

#![allow(missing_docs, reason = "pest_derive generates the Rule enum")]

use pest_derive::Parser;

/// The generated parser.
#[derive(Parser)]
#[grammar = "grammar/ruling.pest"]
pub(crate) struct RulingParser;
