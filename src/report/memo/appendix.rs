//! The appendix: the full derivation of a conclusion, one line per node, as the text report
//! writes it (a deciding exception first), with amounts, percentages, dates and durations in
//! words as the memo's reasons write them.

use super::prose::{deciding_exception, is_side, named, version_words};
use super::words::{date_words, Lexicon};
use crate::explain::{Declaration, Explanation, Node, NodeKind};
use crate::report::text::{describe_in, value_text, Wording};

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
pub(super) fn lines(lexicon: &Lexicon<'_>, explanation: &Explanation, node: &Node) -> Vec<Line> {
    let mut walker = Walker {
        lexicon,
        explanation,
        out: Vec::new(),
        expanded: vec![node.id.as_deref().unwrap_or_default().to_string()],
    };
    let typed_as = lexicon.declaration(node);
    for child in ordered(node) {
        walker.node(child, 0, node.citation.as_deref(), (node, typed_as));
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

struct Walker<'a, 'c> {
    lexicon: &'a Lexicon<'c>,
    explanation: &'a Explanation,
    out: Vec<Line>,
    expanded: Vec<String>,
}

impl<'c> Walker<'_, 'c> {
    /// Writes the line of `node` and those under it; `parent` is the node above it with the
    /// declaration whose type that node's value has.
    fn node(&mut self, node: &Node, depth: usize, citation: Option<&str>, parent: (&Node, Option<&'c Declaration>)) {
        let typed_as = self.typed_as(node, parent);
        let wording = InWords {
            lexicon: self.lexicon,
            typed_as,
        };
        self.out.push(Line {
            depth,
            mark: mark(node),
            text: describe_in(node, citation, &wording).replace('\n', " "),
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
                    self.node(child, depth + 1, target.citation.as_deref(), (target, typed_as));
                }
            }
            return;
        }
        for child in ordered(node) {
            self.node(child, depth + 1, inherited, (node, typed_as));
        }
    }

    /// The declaration whose type a node's values have: its own (facts, parameters,
    /// conclusions, a conclusion under another date's law), that of a comparison's side, or
    /// for an `if` that gives its value to the node above, that node's.
    fn typed_as(&self, node: &Node, (parent, parents): (&Node, Option<&'c Declaration>)) -> Option<&'c Declaration> {
        match node.kind {
            NodeKind::Fact | NodeKind::Param | NodeKind::Rule | NodeKind::RuleRef => self.lexicon.declaration(node),
            NodeKind::At => self.lexicon.declaration(named(node)),
            NodeKind::Comparison => {
                let sides = [node.left.as_deref(), node.right.as_deref()];
                let side = node
                    .children
                    .iter()
                    .find(|c| sides.into_iter().any(|s| is_side(c, s)))?;
                self.lexicon.declaration(named(side))
            }
            NodeKind::Condition if parent.value == node.value => parents,
            _ => None,
        }
    }
}

/// Values in words where the declaration they are typed by is measured in a unit the
/// statutes write in words; otherwise as recorded.
struct InWords<'a, 'c> {
    lexicon: &'a Lexicon<'c>,
    typed_as: Option<&'c Declaration>,
}

impl Wording for InWords<'_, '_> {
    fn value(&self, node: &Node) -> String {
        let words = node
            .value
            .as_str()
            .and_then(|text| self.lexicon.measured(self.typed_as, text));
        words.unwrap_or_else(|| value_text(&node.value, false))
    }

    fn date(&self, text: &str) -> String {
        date_words(text)
    }

    fn version(&self, text: &str) -> String {
        version_words(text)
    }

    fn side(&self, text: &str) -> String {
        self.lexicon
            .measured(self.typed_as, text)
            .unwrap_or_else(|| text.to_string())
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
