//! The appendix: the full derivation of a conclusion, one line per node, as the text report
//! writes it (a deciding exception first).

use super::prose::deciding_exception;
use super::words::Lexicon;
use crate::explain::{Explanation, Node, NodeKind};
use crate::report::text::describe;

/// One line of a derivation.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Nesting depth (0 = directly under the conclusion).
    pub depth: usize,
    /// `✓`, `✗`, `？` or empty (facts, parameters, values).
    pub mark: &'static str,
    /// The line's text.
    pub text: String,
}

/// The derivation of a conclusion: its statute text is in the memo's reasons; here every node,
/// with the conclusions it uses expanded once.
pub(super) fn lines(_lexicon: &Lexicon<'_>, explanation: &Explanation, node: &Node) -> Vec<Line> {
    let mut walker = Walker {
        explanation,
        out: Vec::new(),
        expanded: vec![node.id.as_deref().unwrap_or_default().to_string()],
    };
    for child in ordered(node) {
        walker.node(child, 0, node.citation.as_deref());
    }
    walker.out
}

/// A rule's children with the exception that decided it first.
fn ordered(node: &Node) -> Vec<&Node> {
    let mut children: Vec<&Node> = node.children.iter().collect();
    if let Some(deciding) = deciding_exception(node) {
        children.retain(|c| !std::ptr::eq(*c, deciding));
        children.insert(0, deciding);
    }
    children
}

struct Walker<'a> {
    explanation: &'a Explanation,
    out: Vec<Line>,
    expanded: Vec<String>,
}

impl Walker<'_> {
    fn node(&mut self, node: &Node, depth: usize, citation: Option<&str>) {
        self.out.push(Line {
            depth,
            mark: mark(node),
            text: describe(node, citation).replace('\n', " "),
        });
        let inherited = node.citation.as_deref().or(citation);
        if node.kind == NodeKind::RuleRef {
            let Some(id) = node.id.as_deref() else { return };
            if self.expanded.iter().any(|e| e == id) {
                return;
            }
            self.expanded.push(id.to_string());
            if let Some(target) = self.explanation.conclusions.get(id) {
                for child in ordered(target) {
                    self.node(child, depth + 1, target.citation.as_deref());
                }
            }
            return;
        }
        for child in ordered(node) {
            self.node(child, depth + 1, inherited);
        }
    }
}

fn mark(node: &Node) -> &'static str {
    if node.unknown {
        return "？";
    }
    match (&node.value, node.kind) {
        (_, NodeKind::Fact | NodeKind::Param) => "",
        (serde_json::Value::Bool(true), _) => "✓",
        (serde_json::Value::Bool(false), _) => "✗",
        _ => "",
    }
}
