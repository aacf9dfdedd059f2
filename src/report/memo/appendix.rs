//! The appendix: the full derivation of a conclusion, one line per node, as the text report
//! writes it (a deciding exception first), with amounts, percentages, dates and durations in
//! words as the memo's reasons write them.

use serde_json::Value as Json;

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
        records: Vec::new(),
    };
    let typed_as = lexicon.declaration(node);
    for child in ordered(node) {
        walker.node(child, 0, node.citation.as_deref(), typed_as);
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
    /// The facts whose lists of records were written out.
    records: Vec<String>,
}

impl<'c> Walker<'_, 'c> {
    /// Writes the line of `node` and those under it; `above` is the declaration whose type
    /// the values of the node above have.
    fn node(&mut self, node: &Node, depth: usize, citation: Option<&str>, above: Option<&'c Declaration>) {
        let typed_as = self.typed_as(node, above);
        let wording = InWords {
            lexicon: self.lexicon,
            typed_as,
            records_shown: self.records_shown(node),
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
                    self.node(child, depth + 1, target.citation.as_deref(), typed_as);
                }
            }
            return;
        }
        for child in ordered(node) {
            self.node(child, depth + 1, inherited, typed_as);
        }
    }

    /// The field `sum`, `min` or `max` takes over a list of records (`sum(prior_acts:
    /// help_payment_settlement_yuan where …)`), whose type the aggregate's value has.
    fn field_summed(&self, node: &Node) -> Option<&'c Declaration> {
        let text = node.text.as_deref()?;
        let (function, rest) = text.split_once('(')?;
        if !matches!(function, "sum" | "min" | "max") {
            return None;
        }
        let (list, rest) = rest.split_once(':')?;
        let field = rest.trim_start().split([' ', ')']).next()?;
        let list = self.lexicon.fact(list.trim())?;
        list.fields.iter().find(|f| f.id == field)
    }

    /// Whether `node` is a fact holding a list of records already written out (each list is
    /// written once: the same records under every rule that reads them would fill pages).
    fn records_shown(&mut self, node: &Node) -> bool {
        let (NodeKind::Fact, Some(id), Json::Array(items)) = (node.kind, node.id.as_deref(), &node.value) else {
            return false;
        };
        if items.is_empty() || node.unknown {
            return false;
        }
        if self.records.iter().any(|r| r == id) {
            return true;
        }
        self.records.push(id.to_string());
        false
    }

    /// The declaration whose type a node's values have: its own (facts, parameters,
    /// conclusions, a conclusion under another date's law), that of a comparison's side, for
    /// an `if` that of the node above, for a sum, minimum or maximum over records the field's.
    fn typed_as(&self, node: &Node, above: Option<&'c Declaration>) -> Option<&'c Declaration> {
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
            // An `if` gives its value to what it is written in: a rule, a fact's default, a
            // side of a comparison, an outer `if`.
            NodeKind::Condition => above,
            NodeKind::Aggregate => self.field_summed(node),
            _ => None,
        }
    }
}

/// Values in words where the declaration they are typed by is measured in a unit the
/// statutes write in words; otherwise as recorded.
struct InWords<'a, 'c> {
    lexicon: &'a Lexicon<'c>,
    typed_as: Option<&'c Declaration>,
    /// The list of records a fact holds was written out on an earlier line.
    records_shown: bool,
}

impl Wording for InWords<'_, '_> {
    fn value(&self, node: &Node) -> String {
        let words = match &node.value {
            Json::String(text) => self.lexicon.measured(self.typed_as, text),
            Json::Array(items) if self.records_shown => Some(format!("{}项记录（见上）", items.len())),
            Json::Array(items) => self.lexicon.records(self.typed_as, items),
            _ => None,
        };
        words.unwrap_or_else(|| value_text(&node.value, false))
    }

    fn date(&self, text: &str) -> String {
        date_words(text)
    }

    fn version(&self, text: &str) -> String {
        version_words(text)
    }

    /// A side in words; a value of an enum by its label (`不予处罚 == 不予处罚`, where the
    /// expression quoted before it gives the code), and so each item of a list of them.
    fn side(&self, text: &str) -> String {
        if let Some(items) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let written: Vec<&str> = items.split(", ").collect();
            let worded: Vec<String> = written.iter().map(|item| self.side(item)).collect();
            if worded.iter().zip(&written).all(|(w, i)| w == i) {
                return text.to_string();
            }
            // Labels hold commas and 、: the items are set apart by ；.
            return format!("[{}]", worded.join("；"));
        }
        let measured = self.lexicon.measured(self.typed_as, text);
        measured
            .or_else(|| self.lexicon.enum_label(self.typed_as, text))
            .unwrap_or_else(|| text.to_string())
    }
}

fn mark(node: &Node) -> &'static str {
    if node.unknown {
        return "？";
    }
    match (&node.value, node.kind) {
        (_, NodeKind::Fact | NodeKind::Param) => "",
        (Json::Bool(true), _) => "✓",
        (Json::Bool(false), _) => "✗",
        _ => "",
    }
}
