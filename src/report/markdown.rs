//! The explanation as a Markdown memo a lawyer can paste into a report.

use crate::eval::Outcome;
use crate::explain::{Explanation, Node, NodeKind};

use super::markdown_escape::{inline, with_code_spans};
use super::text::{describe, value_text};

/// Renders an outcome as a memo: a table of conclusions, then each derivation.
///
/// With `conclusion` given, the memo is about that conclusion alone. Without it, the memo is about
/// what the case establishes: the table lists the conclusions that hold, have a value or are
/// unknown; those that do not hold are named in one line (a rule set for several laws has many);
/// and derivations are written for the conclusions no other listed conclusion already explains
/// (a sentencing range explains the offence, which explains its elements).
pub fn render(outcome: &Outcome, title: Option<&str>, conclusion: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", inline(title.unwrap_or("评估报告"))));
    out.push_str(&format!("适用日期（as_of）：{}\n\n", outcome.as_of));
    let Some(explanation) = &outcome.explanation else {
        return out;
    };
    out.push_str("## 结论\n\n| 结论 | 标识 | 结果 | 依据 |\n|---|---|---|---|\n");
    let (selected, not_held): (Vec<&Node>, Vec<&Node>) = match conclusion {
        Some(name) => (explanation.conclusions.get(name).into_iter().collect(), Vec::new()),
        None => explanation.conclusions.values().partition(|n| speaks(n)),
    };
    for node in &selected {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            escape(node.label.as_deref().unwrap_or("")),
            node.id.as_deref().unwrap_or(""),
            escape(&shown_value(node)),
            escape(node.citation.as_deref().unwrap_or("")),
        ));
    }
    if !not_held.is_empty() {
        out.push_str(&format!(
            "\n**不成立或无结果的结论（{} 项）：** {}\n",
            not_held.len(),
            not_held
                .iter()
                .map(|n| format!("`{}`", n.id.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    if !outcome.missing_facts.is_empty() {
        out.push_str(&format!(
            "\n**缺少的事实：** {}\n",
            outcome
                .missing_facts
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    out.push_str("\n## 推理\n");
    let roots = if conclusion.is_some() {
        selected
    } else {
        roots(explanation, &selected)
    };
    // A rule already derived above is not derived again: the memo reads top to bottom.
    let mut expanded = Vec::new();
    for node in roots {
        derivation(&mut out, explanation, node, &mut expanded);
    }
    out
}

/// A conclusion's value as the memo shows it: with the label of an enum value.
fn shown_value(node: &Node) -> String {
    let value = value_text(&node.value, node.unknown);
    match &node.value_label {
        Some(label) => format!("{value}（{label}）"),
        None => value,
    }
}

/// Whether a conclusion belongs in the memo of a whole case: it holds, has a value, or is unknown.
fn speaks(node: &Node) -> bool {
    node.unknown
        || match &node.value {
            serde_json::Value::Bool(held) => *held,
            serde_json::Value::Null => false,
            serde_json::Value::Array(items) => !items.is_empty(),
            // Zero amounts and the enum value `none` (no penalty, no sanction) say nothing.
            serde_json::Value::Number(n) => !super::text::is_zero(&n.to_string()),
            serde_json::Value::String(s) => s != "none" && !super::text::is_zero(s),
            _ => true,
        }
}

/// The selected conclusions that no other selected conclusion refers to (directly or through
/// the rules it refers to): their derivations show the others inline.
fn roots<'a>(explanation: &Explanation, selected: &[&'a Node]) -> Vec<&'a Node> {
    let mut referred = std::collections::HashSet::new();
    for node in selected {
        let mut seen = Vec::new();
        references(explanation, node, &mut seen);
        referred.extend(seen.into_iter().filter(|id| Some(id.as_str()) != node.id.as_deref()));
    }
    selected
        .iter()
        .filter(|n| n.id.as_deref().is_none_or(|id| !referred.contains(id)))
        .copied()
        .collect()
}

/// Collects, once each, the ids of the rules a node's derivation refers to, transitively.
fn references(explanation: &Explanation, node: &Node, seen: &mut Vec<String>) {
    for child in &node.children {
        if child.kind == NodeKind::RuleRef {
            if let Some(id) = child.id.as_deref() {
                if !seen.iter().any(|s| s == id) {
                    seen.push(id.to_string());
                    if let Some(target) = explanation.conclusions.get(id) {
                        references(explanation, target, seen);
                    }
                }
            }
        }
        references(explanation, child, seen);
    }
}

fn derivation(out: &mut String, explanation: &Explanation, node: &Node, expanded: &mut Vec<String>) {
    out.push_str(&format!(
        "\n### {}（`{}`）：{}\n\n",
        inline(node.label.as_deref().unwrap_or("")),
        node.id.as_deref().unwrap_or(""),
        inline(&shown_value(node))
    ));
    if let Some(c) = &node.citation {
        out.push_str(&format!("**依据：** {}", inline(c)));
        if let Some(v) = &node.version {
            out.push_str(&format!("（{}）", inline(v)));
        }
        out.push_str("\n\n");
    }
    for doc in node.doc.iter() {
        out.push_str(&format!("> {}\n", with_code_spans(doc)));
    }
    if !node.doc.is_empty() {
        out.push('\n');
    }
    expanded.push(node.id.as_deref().unwrap_or_default().to_string());
    for child in &node.children {
        bullet(out, explanation, child, 0, node.citation.as_deref(), expanded);
    }
}

fn bullet(
    out: &mut String,
    explanation: &Explanation,
    node: &Node,
    depth: usize,
    citation: Option<&str>,
    expanded: &mut Vec<String>,
) {
    let mark = if node.unknown {
        "？"
    } else {
        match (&node.value, node.kind) {
            (_, NodeKind::Fact | NodeKind::Param) => "",
            (serde_json::Value::Bool(true), _) => "✓ ",
            (serde_json::Value::Bool(false), _) => "✗ ",
            _ => "",
        }
    };
    out.push_str(&format!(
        "{}- {mark}{}\n",
        "  ".repeat(depth),
        with_code_spans(&describe(node, citation))
    ));
    let inherited = node.citation.as_deref().or(citation);
    if node.kind == NodeKind::RuleRef {
        if let Some(id) = node.id.as_deref() {
            if !expanded.iter().any(|e| e == id) {
                expanded.push(id.to_string());
                if let Some(target) = explanation.conclusions.get(id) {
                    for child in &target.children {
                        bullet(out, explanation, child, depth + 1, target.citation.as_deref(), expanded);
                    }
                }
            }
        }
        return;
    }
    for child in &node.children {
        bullet(out, explanation, child, depth + 1, inherited, expanded);
    }
}

fn escape(text: &str) -> String {
    inline(text)
}
