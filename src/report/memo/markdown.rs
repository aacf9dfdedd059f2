//! The memo laid out in Markdown.

use std::fmt::Write as _;

use super::Memo;
use crate::report::markdown_escape::{inline, with_code_spans};

/// Markdown of a memo: the body (结论, 理由, 缺少的事实) then the appendix.
pub(super) fn render(memo: &Memo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&memo.title));
    let _ = writeln!(out, "适用日期：{}\n", memo.as_of);
    let _ = writeln!(out, "{}\n", inline(&memo.scope));
    conclusions(&mut out, memo);
    reasons(&mut out, memo);
    missing(&mut out, memo);
    appendix(&mut out, memo);
    out
}

fn conclusions(out: &mut String, memo: &Memo) {
    out.push_str("## 结论\n\n| 结论 | 结果 | 依据 |\n|---|---|---|\n");
    for row in &memo.rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            inline(&row.conclusion),
            inline(&row.result),
            inline(&row.basis)
        );
    }
    if !memo.not_held.is_empty() {
        let _ = writeln!(
            out,
            "\n**不成立或无结果（否）：** {}",
            inline(&memo.not_held.join("、"))
        );
    }
    if !memo.undetermined.is_empty() {
        let _ = writeln!(
            out,
            "\n**无法确定（缺少事实）：** {}",
            inline(&memo.undetermined.join("、"))
        );
    }
    if memo.n_not_assessed > 0 {
        let _ = writeln!(out, "\n**未评估：** 审查范围以外的 {} 项结论。", memo.n_not_assessed);
    }
    out.push('\n');
}

fn reasons(out: &mut String, memo: &Memo) {
    out.push_str("## 理由\n");
    for group in &memo.reasons {
        let _ = writeln!(out, "\n### {}\n", inline(&group.heading));
        for (index, paragraph) in group.paragraphs.iter().enumerate() {
            let cite = paragraph
                .citation
                .as_ref()
                .map(|c| format!("（{}）", inline(c)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}. **{}**{cite}：{}。",
                index + 1,
                inline(&paragraph.heading),
                inline(&paragraph.text)
            );
        }
    }
    if !memo.defaults.is_empty() {
        out.push_str("\n**未提供、按默认值认定的事实**（未经查明，如与案情不符请在案件中写明）：\n\n");
        for fact in &memo.defaults {
            let _ = writeln!(out, "- {}", inline(fact));
        }
    }
    out.push('\n');
}

fn missing(out: &mut String, memo: &Memo) {
    if memo.missing.is_empty() {
        return;
    }
    out.push_str("## 缺少的事实\n\n");
    for fact in &memo.missing {
        let why = if fact.decides.is_empty() {
            String::new()
        } else {
            format!("：决定“{}”", fact.decides.join("”“"))
        };
        let _ = writeln!(
            out,
            "- {}（案件字段 {}）{}",
            inline(&fact.label),
            inline(&fact.key),
            inline(&why)
        );
    }
    out.push('\n');
}

fn appendix(out: &mut String, memo: &Memo) {
    out.push_str("---\n\n## 附录：推导过程\n");
    for (conclusion, lines) in &memo.appendix {
        let _ = writeln!(out, "\n### {}\n", inline(conclusion));
        for line in lines {
            let mark = if line.mark.is_empty() {
                String::new()
            } else {
                format!("{} ", line.mark)
            };
            // Derivation lines keep their `code` spans: the appendix is where rule text is quoted.
            let _ = writeln!(
                out,
                "{}- {mark}{}",
                "  ".repeat(line.depth),
                with_code_spans(&line.text)
            );
        }
    }
}
