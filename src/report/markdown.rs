//! The explanation as a Markdown memo a lawyer can paste into a report.

use crate::eval::Outcome;
use crate::explain::{Explanation, Node, NodeKind};

use super::text::{describe, value_text};

/// Renders an outcome as a memo: a table of conclusions, then each derivation.
pub fn render(outcome: &Outcome, title: Option<&str>, conclusion: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", title.unwrap_or("评估报告")));
    out.push_str(&format!("适用日期（as_of）：{}\n\n", outcome.as_of));
    let Some(explanation) = &outcome.explanation else {
        return out;
    };
    out.push_str("## 结论\n\n| 结论 | 标识 | 结果 | 依据 |\n|---|---|---|---|\n");
    let selected: Vec<&Node> = explanation
        .conclusions
        .iter()
        .filter(|(k, _)| conclusion.is_none_or(|c| c == *k))
        .map(|(_, n)| n)
        .collect();
    for node in &selected {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            escape(node.label.as_deref().unwrap_or("")),
            node.id.as_deref().unwrap_or(""),
            escape(&value_text(&node.value, node.unknown)),
            escape(node.citation.as_deref().unwrap_or("")),
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
    for node in selected {
        out.push_str(&format!(
            "\n### {}（`{}`）：{}\n\n",
            node.label.as_deref().unwrap_or(""),
            node.id.as_deref().unwrap_or(""),
            value_text(&node.value, node.unknown)
        ));
        if let Some(c) = &node.citation {
            out.push_str(&format!("**依据：** {c}"));
            if let Some(v) = &node.version {
                out.push_str(&format!("（{v}）"));
            }
            out.push_str("\n\n");
        }
        for doc in &node.doc {
            out.push_str(&format!("> {doc}\n"));
        }
        if !node.doc.is_empty() {
            out.push('\n');
        }
        let mut expanded = vec![node.id.clone().unwrap_or_default()];
        for child in &node.children {
            bullet(&mut out, explanation, child, 0, node.citation.as_deref(), &mut expanded);
        }
    }
    out
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
        escape_inline(&describe(node, citation))
    ));
    let inherited = node.citation.as_deref().or(citation);
    if node.kind == NodeKind::RuleRef {
        if let Some(id) = &node.id {
            if !expanded.contains(id) {
                expanded.push(id.clone());
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
    text.replace('|', "\\|").replace('\n', " ")
}

fn escape_inline(text: &str) -> String {
    text.replace('\n', " ")
}
