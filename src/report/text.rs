//! The explanation as an indented tree of Chinese sentences with ✓ / ✗ / ? marks.

use serde_json::Value as Json;

use crate::eval::Outcome;
use crate::explain::{Explanation, Node, NodeKind};

/// What to render.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// Only this conclusion (and what it rests on).
    pub conclusion: Option<String>,
    /// Show only the elements that failed, with their margins.
    pub why_not: bool,
    /// ANSI colours.
    pub color: bool,
    /// Include the statute text quoted in doc comments.
    pub quote_statutes: bool,
    /// The rule set's catalog: with it, exceptions that take effect after `as_of` are named
    /// (not yet in force, not considered).
    pub catalog: Option<std::sync::Arc<crate::explain::Catalog>>,
}

/// Renders a whole outcome: conclusions, then their derivations.
pub fn render(outcome: &Outcome, options: &TextOptions) -> String {
    let mut out = String::new();
    out.push_str(&format!("适用日期 as_of: {}\n", outcome.as_of));
    let Some(explanation) = &outcome.explanation else {
        for (name, value) in &outcome.conclusions {
            let line = format!("{name} = {}", value_text(value, false));
            out.push_str(&format!("{}\n", crate::visible::escape_controls(&line)));
        }
        return out;
    };
    let names: Vec<&String> = match &options.conclusion {
        Some(c) => explanation.conclusions.keys().filter(|k| *k == c).collect(),
        None => explanation.conclusions.keys().collect(),
    };
    for name in names {
        let Some(node) = explanation.conclusions.get(name) else {
            continue;
        };
        out.push('\n');
        let mut renderer = Renderer {
            explanation,
            options,
            as_of: &outcome.as_of,
            out: String::new(),
            expanded: vec![name.clone()],
        };
        renderer.node(node, 0, None);
        out.push_str(&renderer.out);
    }
    // For one conclusion, only the facts it lacks: the others' would read as its own.
    let missing: Vec<&str> = match &options.conclusion {
        None => outcome.missing_facts.iter().map(String::as_str).collect(),
        Some(conclusion) => {
            let its_own = explanation.missing_facts_of(conclusion);
            let declared = outcome.missing_facts.iter().filter(|f| its_own.contains(f));
            declared.map(String::as_str).collect()
        }
    };
    if !missing.is_empty() {
        out.push_str(&format!(
            "\n缺少的事实 missing facts: {}\n",
            crate::visible::escape_controls(&missing.join(", "))
        ));
    }
    out
}

struct Renderer<'a> {
    explanation: &'a Explanation,
    options: &'a TextOptions,
    as_of: &'a str,
    out: String,
    expanded: Vec<String>,
}

impl Renderer<'_> {
    fn node(&mut self, node: &Node, depth: usize, citation: Option<&str>) {
        if self.options.why_not && !self.relevant_for_why_not(node) {
            return;
        }
        let indent = "  ".repeat(depth);
        let line = describe(node, citation);
        let mark = self.paint(mark(node), node);
        self.out.push_str(&format!("{indent}{mark} {line}\n"));
        let quoted = match node.kind {
            NodeKind::Rule | NodeKind::Param => self.options.quote_statutes,
            // An exception's doc is its statute: printed when quoting, and always when it decided.
            NodeKind::Exception => self.options.quote_statutes || node.holds(),
            _ => false,
        };
        if quoted {
            for doc in node.doc.iter() {
                let doc = crate::visible::escape_controls(doc);
                self.out.push_str(&format!("{indent}    │ {doc}\n"));
            }
        }
        let inherited = node.citation.as_deref().or(citation);
        if node.kind == NodeKind::RuleRef {
            self.expand_reference(node, depth);
            return;
        }
        if node.kind == NodeKind::Rule {
            self.rule_children(node, depth, inherited);
            return;
        }
        if self.options.why_not {
            for child in &node.children {
                self.node(child, depth + 1, inherited);
            }
            return;
        }
        for child in node.supporting_children() {
            self.node(child, depth + 1, inherited);
        }
        // Branches that did not decide the block: one line each with the comparisons
        // that show why, without repeating every fact and threshold.
        for child in node.children.iter().filter(|c| is_unsupporting_branch(node, c)) {
            self.compact(child, depth + 1, inherited);
        }
    }

    /// A rule's children: the exception that decided it first (its own derivation then says
    /// what the rule would otherwise be), then exceptions not yet in force on `as_of`.
    fn rule_children(&mut self, node: &Node, depth: usize, inherited: Option<&str>) {
        let deciding = node
            .children
            .iter()
            .find(|c| c.kind == NodeKind::Exception && c.holds());
        if let Some(exception) = deciding {
            self.node(exception, depth + 1, inherited);
        }
        let rest: Vec<&Node> = node
            .children
            .iter()
            .filter(|c| deciding.is_none_or(|d| !std::ptr::eq(d, *c)))
            .collect();
        if self.options.why_not {
            for child in rest {
                self.node(child, depth + 1, inherited);
            }
        } else {
            for child in node
                .supporting_children()
                .filter(|c| rest.iter().any(|r| std::ptr::eq(*r, *c)))
            {
                self.node(child, depth + 1, inherited);
            }
            for child in node.children.iter().filter(|c| is_unsupporting_branch(node, c)) {
                self.compact(child, depth + 1, inherited);
            }
        }
        self.pending_exceptions(node, depth + 1);
    }

    /// Exceptions to a rule that take effect after `as_of`: named, with their date.
    fn pending_exceptions(&mut self, node: &Node, depth: usize) {
        let (Some(catalog), Some(id)) = (&self.options.catalog, node.id.as_deref()) else {
            return;
        };
        let Some(rule) = catalog.rules.iter().position(|r| r.id == id) else {
            return;
        };
        let indent = "  ".repeat(depth);
        for exception in catalog.exceptions.iter().filter(|e| e.rule as usize == rule) {
            let Some(from) = exception.from.as_deref().filter(|from| *from > self.as_of) else {
                continue;
            };
            let name = exception.label.as_deref().unwrap_or(&exception.id);
            let cite = exception
                .citation
                .as_ref()
                .map(|c| format!(" —— {c}"))
                .unwrap_or_default();
            let line = format!(
                "· 例外 {name}（{}）：自 {from} 起施行，{} 尚未施行，未予考虑{cite}",
                exception.id, self.as_of
            );
            self.out
                .push_str(&format!("{indent}{}\n", crate::visible::escape_controls(&line)));
        }
    }

    fn compact(&mut self, node: &Node, depth: usize, citation: Option<&str>) {
        let indent = "  ".repeat(depth);
        let painted = self.paint(mark(node), node);
        self.out
            .push_str(&format!("{indent}{painted} {}\n", describe(node, citation)));
        let inherited = node.citation.as_deref().or(citation);
        for child in &node.children {
            match child.kind {
                NodeKind::Fact | NodeKind::Param => {}
                NodeKind::Comparison | NodeKind::RuleRef | NodeKind::Rule => {
                    let painted = self.paint(mark(child), child);
                    self.out
                        .push_str(&format!("{indent}  {painted} {}\n", describe(child, inherited)));
                }
                _ => self.compact(child, depth + 1, inherited),
            }
        }
    }

    fn expand_reference(&mut self, node: &Node, depth: usize) {
        let Some(id) = node.id.as_deref() else { return };
        if self.expanded.iter().any(|e| e == id) {
            return;
        }
        self.expanded.push(id.to_string());
        if let Some(target) = self.explanation.conclusions.get(id) {
            self.rule_children(target, depth, target.citation.as_deref());
        }
    }

    fn relevant_for_why_not(&self, node: &Node) -> bool {
        match node.kind {
            NodeKind::Fact | NodeKind::Param => true,
            // An exception that applied is why its rule did not get its own value.
            NodeKind::Exception => node.holds() || node.unknown,
            _ => node.value == Json::Bool(false) || node.unknown || !matches!(node.value, Json::Bool(_)),
        }
    }

    fn paint(&self, mark: &str, node: &Node) -> String {
        if !self.options.color {
            return mark.to_string();
        }
        let code = match (&node.value, node.unknown) {
            (_, true) => "33",
            (Json::Bool(true), _) => "32",
            (Json::Bool(false), _) => "31",
            _ => "36",
        };
        format!("\u{1b}[{code}m{mark}\u{1b}[0m")
    }
}

/// Branches that did not decide a block are still shown (after the deciding ones), so the
/// reader sees why the other items did not hold.
fn is_unsupporting_branch(parent: &Node, child: &Node) -> bool {
    let supporting: Vec<&Node> = parent.supporting_children().collect();
    !supporting.iter().any(|s| std::ptr::eq(*s, child))
}

fn mark(node: &Node) -> &'static str {
    if node.unknown {
        return "?";
    }
    match (&node.value, node.kind) {
        (_, NodeKind::Fact | NodeKind::Param) => "·",
        (Json::Bool(true), _) => "✓",
        (Json::Bool(false), _) => "✗",
        _ => "•",
    }
}

/// Renders a conclusion or fact value in words.
pub fn value_text(value: &Json, unknown: bool) -> String {
    if unknown {
        return String::from("未知（缺少事实）");
    }
    match value {
        Json::Bool(true) => String::from("是"),
        Json::Bool(false) => String::from("否"),
        Json::Null => String::from("无"),
        Json::String(s) => s.clone(),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| value_text(i, false)).collect();
            format!("[{}]", parts.join(", "))
        }
        Json::Object(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", value_text(v, false)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn name_of(node: &Node) -> String {
    match (&node.label, &node.id) {
        (Some(label), Some(id)) => format!("{label}（{id}）"),
        (Some(label), None) => label.to_string(),
        (None, Some(id)) => id.to_string(),
        (None, None) => String::new(),
    }
}

fn cite_suffix(node: &Node, wording: &dyn Wording) -> String {
    match (&node.citation, &node.version) {
        (Some(c), Some(v)) => format!(" —— {c}；{}", wording.version(v)),
        (Some(c), None) => format!(" —— {c}"),
        (None, Some(v)) => format!(" —— {}", wording.version(v)),
        (None, None) => String::new(),
    }
}

/// One line describing a node. Control characters in case values (an `ESC` sequence, a line
/// break, a bidi override) are written as escapes (`\u{1b}`), so the line is shown as it is and
/// stays one line.
pub fn describe(node: &Node, citation: Option<&str>) -> String {
    describe_in(node, citation, &AsRecorded)
}

/// How a line writes the values it shows: the text report as the trace records them
/// (`210000.00`, `2 years`); a memo in words (`21万元`, `2年`).
pub(crate) trait Wording {
    /// A node's known value.
    fn value(&self, node: &Node) -> String {
        value_text(&node.value, false)
    }

    /// The date whose law an `at` node applied.
    fn date(&self, text: &str) -> String {
        text.to_string()
    }

    /// The version of a rule or parameter applied (`2015-11-01起施行`).
    fn version(&self, text: &str) -> String {
        text.to_string()
    }

    /// A side or the margin of a comparison, recorded as `text`.
    fn side(&self, text: &str) -> String {
        text.to_string()
    }
}

/// Values as the trace records them.
struct AsRecorded;

impl Wording for AsRecorded {}

/// [`describe`], with values written by `wording`.
pub(crate) fn describe_in(node: &Node, citation: Option<&str>, wording: &dyn Wording) -> String {
    let line = describe_raw(node, citation, wording);
    match crate::visible::escape_controls(&line) {
        std::borrow::Cow::Borrowed(_) => line,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

fn describe_raw(node: &Node, citation: Option<&str>, wording: &dyn Wording) -> String {
    let mut value = match node.unknown {
        true => value_text(&node.value, true),
        false => wording.value(node),
    };
    if let Some(label) = &node.value_label {
        value = format!("{value}（{label}）");
    }
    match node.kind {
        NodeKind::Rule => format!("{} = {}{}", name_of(node), value, cite_suffix(node, wording)),
        NodeKind::RuleRef => format!("{} = {}{}", name_of(node), value, cite_suffix(node, wording)),
        NodeKind::Fact => {
            let default = if node.default { "（默认值）" } else { "" };
            let shown = if node.unknown { String::from("未提供") } else { value };
            format!("事实 {} = {shown}{default}", name_of(node))
        }
        NodeKind::Param => format!("参数 {} = {}{}", name_of(node), value, cite_suffix(node, wording)),
        NodeKind::Comparison => comparison(node, citation, wording),
        NodeKind::All => String::from("以下条件全部满足"),
        NodeKind::Any => String::from("以下情形之一"),
        NodeKind::Not => String::from("以下情形不成立"),
        NodeKind::AtLeast => format!("以下情形至少{}项", node.text.as_deref().unwrap_or("?")),
        NodeKind::Branch => {
            let label = node.label.as_ref().map(|l| format!("（{l}）")).unwrap_or_default();
            let verdict = match (&node.value, node.unknown) {
                (_, true) => "无法确定",
                (Json::Bool(true), _) => "成立",
                _ => "不成立",
            };
            let cite = node.citation.as_ref().map(|c| format!(" —— {c}")).unwrap_or_default();
            format!("{label}{verdict}{cite}")
        }
        NodeKind::Condition => format!("条件 `{}` → {}", node.text.as_deref().unwrap_or(""), value),
        NodeKind::Aggregate => format!("`{}` = {}", node.text.as_deref().unwrap_or(""), value),
        NodeKind::Exception => {
            let verdict = match (&node.value, node.unknown) {
                (_, true) => "是否适用无法确定",
                (Json::Bool(true), _) => "适用",
                _ => "不适用",
            };
            format!("例外 {}：{verdict}{}", name_of(node), cite_suffix(node, wording))
        }
        NodeKind::At => format!(
            "依 {} 时施行的规定：`{}` = {}",
            node.date
                .as_deref()
                .map_or_else(|| String::from("?"), |date| wording.date(date)),
            node.text.as_deref().unwrap_or(""),
            value
        ),
        NodeKind::Held => format!("{} 满足的项：{}", name_of(node), value),
    }
}

fn comparison(node: &Node, citation: Option<&str>, wording: &dyn Wording) -> String {
    let text = node.text.as_deref().unwrap_or("");
    let side = |side: &Option<String>| match side {
        Some(side) => wording.side(side),
        None => String::from("?"),
    };
    let (left, right) = (side(&node.left), side(&node.right));
    let op = node.op.as_deref().unwrap_or("?");
    let cite = citation.map(|c| format!("（{c}）")).unwrap_or_default();
    if node.unknown {
        return format!("`{text}`：{left} {op} {right}，无法判断{cite}");
    }
    let holds = node.value == Json::Bool(true);
    let shown_op = if holds { op.to_string() } else { negate(op) };
    let margin = match (&node.margin, holds, op) {
        // Equal sides under `>` or `<`: the sides say it; "差 0" would not.
        (Some(m), false, _) if is_zero(m) => String::new(),
        (Some(m), false, ">=" | ">") => format!("，差 {}", wording.side(m.trim_start_matches('-'))),
        (Some(m), false, "<=" | "<") => format!("，超出 {}", wording.side(m)),
        _ => String::new(),
    };
    format!("`{text}`：{left} {shown_op} {right}{margin}{cite}")
}

/// Whether a number, as written, is exactly zero (`0`, `0.00`, `-0`); exact, no floating point.
pub(crate) fn is_zero(margin: &str) -> bool {
    crate::value::parse_decimal(margin.trim()).is_some_and(|v| v == crate::value::Rational::from_integer(0))
}

fn negate(op: &str) -> String {
    match op {
        ">=" => "<",
        ">" => "<=",
        "<=" => ">",
        "<" => ">=",
        "==" => "!=",
        "!=" => "==",
        "in" => "not in",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_read_exactly_whatever_its_decimals() {
        assert!(is_zero("0") && is_zero("0.00") && is_zero("-0") && is_zero(" 0 "));
        assert!(!is_zero("-200") && !is_zero("0.01") && !is_zero("none") && !is_zero(""));
    }
}
