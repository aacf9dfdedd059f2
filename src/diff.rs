//! The impact of an edit: which cases change their conclusions (or the citations their
//! conclusions rest on) between two versions of a rule set, and which declarations changed.
//!
//! ```
//! use ruling::{diff, RuleSet};
//!
//! let old = RuleSet::from_source("a.rule", r#"
//!     source 解释 "法释〔2019〕15号"
//!     fact videos: count "违法视频文件数" = 0
//!     param 标准: count cite 解释 第三条 第一项 = 200
//!     rule spread: bool "大量传播" cite 解释 第三条 = videos >= 标准
//! "#).expect("valid");
//! let new = RuleSet::from_source("a.rule", r#"
//!     source 解释 "法释〔2019〕15号"
//!     fact videos: count "违法视频文件数" = 0
//!     param 标准: count cite 解释 第三条 第一项 = 300
//!     rule spread: bool "大量传播" cite 解释 第三条 = videos >= 标准
//! "#).expect("valid");
//! let changes = diff::declaration_changes(old.program(), new.program());
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].name, "标准");
//! let case = ruling::Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"videos": 250}}"#).expect("case");
//! let change = diff::compare_case(&old, &new, &case).expect("a change");
//! assert_eq!(change.conclusions[0].conclusion, "spread");
//! ```

use std::path::Path;

use serde::Serialize;
use serde_json::Value as Json;

use crate::explain::{Explanation, Node, NodeKind};
use crate::ir::{Program, ValueInfo};
use crate::report::text::{self, TextOptions};
use crate::{Case, Options, Outcome, RuleSet};

/// A conclusion whose value changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// The conclusion.
    pub conclusion: String,
    /// Its value under the old rules (`null` when absent or unknown).
    pub old: Json,
    /// Its value under the new rules.
    pub new: Json,
}

/// A conclusion whose explanation rests on different citations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasisChange {
    /// The conclusion.
    pub conclusion: String,
    /// Citations only the old explanation rests on.
    pub removed: Vec<String>,
    /// Citations only the new explanation rests on.
    pub added: Vec<String>,
}

/// How one case fares under the two rule sets.
#[derive(Debug, Clone, Serialize)]
pub struct CaseChange {
    /// The case's name (or file name).
    pub name: String,
    /// The case file, when read from one.
    pub path: Option<String>,
    /// Conclusions whose value changed.
    pub conclusions: Vec<ValueChange>,
    /// Conclusions that hold under both rule sets with the same value but whose cited basis changed.
    pub basis: Vec<BasisChange>,
    /// An evaluation error under the old rules (when it differs from the new one's).
    pub old_error: Option<String>,
    /// An evaluation error under the new rules.
    pub new_error: Option<String>,
    /// The outcome under the old rules.
    #[serde(skip)]
    pub old: Option<Outcome>,
    /// The outcome under the new rules.
    #[serde(skip)]
    pub new: Option<Outcome>,
}

/// What happened to a declaration between the two rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new rules.
    Added,
    /// Only in the old rules.
    Removed,
    /// In both, with a different definition.
    Changed,
}

/// A parameter, rule, exception or fact that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclarationChange {
    /// `param`, `rule`, `exception` or `fact`.
    pub what: &'static str,
    /// Its identifier.
    pub name: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Where it is written in the new rules (or the old ones when removed).
    pub location: String,
    /// Its definition in the old rules, one line per version (whitespace normalised).
    pub old: Vec<String>,
    /// Its definition in the new rules.
    pub new: Vec<String>,
}

/// Evaluates a case under both rule sets; `None` when nothing differs.
pub fn compare_case(old: &RuleSet, new: &RuleSet, case: &Case) -> Option<CaseChange> {
    let options = Options::default();
    let before = old.evaluate(case, &options);
    let after = new.evaluate(case, &options);
    let mut change = CaseChange {
        name: case.name.clone().unwrap_or_default(),
        path: None,
        conclusions: Vec::new(),
        basis: Vec::new(),
        old_error: None,
        new_error: None,
        old: None,
        new: None,
    };
    match (before, after) {
        (Ok(a), Ok(b)) => {
            change.conclusions = value_changes(&a, &b);
            change.basis = basis_changes(&a, &b, &change.conclusions);
            change.old = Some(a);
            change.new = Some(b);
        }
        (Err(a), Err(b)) => {
            let (a, b) = (a.to_string(), b.to_string());
            if a != b {
                change.old_error = Some(a);
                change.new_error = Some(b);
            }
        }
        (Ok(a), Err(b)) => {
            change.new_error = Some(b.to_string());
            change.old = Some(a);
        }
        (Err(a), Ok(b)) => {
            change.old_error = Some(a.to_string());
            change.new = Some(b);
        }
    }
    let unchanged = change.conclusions.is_empty()
        && change.basis.is_empty()
        && change.old_error.is_none()
        && change.new_error.is_none();
    (!unchanged).then_some(change)
}

/// Compares every case file under `paths` (see [`crate::testing::case_files`]); returns the
/// changed cases and the number of cases read.
pub fn compare_case_files(old: &RuleSet, new: &RuleSet, paths: &[std::path::PathBuf]) -> (Vec<CaseChange>, usize) {
    let files = crate::testing::case_files(paths);
    let mut changes = Vec::new();
    for file in &files {
        let Some(mut change) = compare_file(old, new, file) else {
            continue;
        };
        change.path = Some(file.display().to_string());
        if change.name.is_empty() {
            change.name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        changes.push(change);
    }
    (changes, files.len())
}

fn compare_file(old: &RuleSet, new: &RuleSet, file: &Path) -> Option<CaseChange> {
    match Case::from_path(file) {
        Ok(case) => compare_case(old, new, &case),
        Err(_) => None,
    }
}

/// Conclusions of both rule sets whose values differ (a conclusion only one set declares is
/// listed among the declaration changes, not in every case).
fn value_changes(old: &Outcome, new: &Outcome) -> Vec<ValueChange> {
    let mut out = Vec::new();
    for (name, new_value) in &new.conclusions {
        let Some(old_value) = old.conclusions.get(name) else {
            continue;
        };
        if !crate::testing::values_equal(old_value, new_value) {
            out.push(ValueChange {
                conclusion: name.to_string(),
                old: old_value.clone(),
                new: new_value.clone(),
            });
        }
    }
    out
}

fn basis_changes(old: &Outcome, new: &Outcome, values: &[ValueChange]) -> Vec<BasisChange> {
    let (Some(a), Some(b)) = (old.explanation(), new.explanation()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in &new.conclusions {
        let in_both = old.conclusions.contains_key(name);
        if !in_both || values.iter().any(|v| *v.conclusion == **name) || !holds(value) {
            continue;
        }
        let before = normalized(a.citations_of(name));
        let after = normalized(b.citations_of(name));
        if before != after {
            out.push(BasisChange {
                conclusion: name.to_string(),
                removed: before.iter().filter(|c| !after.contains(c)).cloned().collect(),
                added: after.iter().filter(|c| !before.contains(c)).cloned().collect(),
            });
        }
    }
    out
}

/// A conclusion that holds: true, or a value other than `false` and `null`. Only these have a
/// legal basis worth comparing (the reasons a conclusion fails shift with every other edit).
fn holds(value: &Json) -> bool {
    !matches!(value, Json::Bool(false) | Json::Null) && value.as_array().is_none_or(|a| !a.is_empty())
}

fn normalized(mut citations: Vec<String>) -> Vec<String> {
    citations.sort();
    citations.dedup();
    citations
}

/// Parameters, rules, exceptions and facts that were added, removed or changed (in type,
/// label, citation, dates of versions or the text of a definition; layout and doc comments aside).
pub fn declaration_changes(old: &Program, new: &Program) -> Vec<DeclarationChange> {
    let mut out = Vec::new();
    let params = |p: &Program| -> Vec<(String, Vec<String>, String)> {
        p.params
            .iter()
            .map(|v| (v.name.clone(), value_lines(p, v), location(p, v.span)))
            .collect()
    };
    let rules = |p: &Program| -> Vec<(String, Vec<String>, String)> {
        p.rules
            .iter()
            .map(|v| (v.name.clone(), value_lines(p, v), location(p, v.span)))
            .collect()
    };
    let exceptions = |p: &Program| -> Vec<(String, Vec<String>, String)> {
        p.exceptions
            .iter()
            .map(|e| (e.name.clone(), exception_lines(p, e), location(p, e.span)))
            .collect()
    };
    let facts = |p: &Program| -> Vec<(String, Vec<String>, String)> {
        p.facts
            .iter()
            .map(|f| (f.name.clone(), fact_lines(p, f), location(p, f.span)))
            .collect()
    };
    compare_lists("param", &params(old), &params(new), &mut out);
    compare_lists("rule", &rules(old), &rules(new), &mut out);
    compare_lists("exception", &exceptions(old), &exceptions(new), &mut out);
    compare_lists("fact", &facts(old), &facts(new), &mut out);
    out
}

fn compare_lists(
    what: &'static str,
    old: &[(String, Vec<String>, String)],
    new: &[(String, Vec<String>, String)],
    out: &mut Vec<DeclarationChange>,
) {
    for (name, lines, location) in new {
        match old.iter().find(|(n, _, _)| n == name) {
            None => out.push(DeclarationChange {
                what,
                name: name.clone(),
                change: ChangeKind::Added,
                location: location.clone(),
                old: Vec::new(),
                new: lines.clone(),
            }),
            Some((_, before, _)) if before != lines => out.push(DeclarationChange {
                what,
                name: name.clone(),
                change: ChangeKind::Changed,
                location: location.clone(),
                old: before.clone(),
                new: lines.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, lines, location) in old {
        if !new.iter().any(|(n, _, _)| n == name) {
            out.push(DeclarationChange {
                what,
                name: name.clone(),
                change: ChangeKind::Removed,
                location: location.clone(),
                old: lines.clone(),
                new: Vec::new(),
            });
        }
    }
}

fn location(program: &Program, span: crate::source::Span) -> String {
    program.source_map.location(span)
}

fn value_lines(program: &Program, info: &ValueInfo) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {}",
        program.type_name(&info.ty),
        info.label.as_deref().unwrap_or("")
    )];
    for version in &info.versions {
        let from = version.from.map(|d| format!("from {d} ")).unwrap_or_default();
        let cite = version
            .cite
            .as_ref()
            .map(|c| format!("cite {} ", c.text))
            .unwrap_or_default();
        lines.push(format!(
            "{from}{cite}= {}",
            program.source_map.one_line(version.body.span)
        ));
    }
    lines
}

fn exception_lines(program: &Program, e: &crate::ir::ExceptionInfo) -> Vec<String> {
    let target = program.rule(e.target).map(|r| r.name.clone()).unwrap_or_default();
    let from = e.from.map(|d| format!(" from {d}")).unwrap_or_default();
    let cite = e.cite.as_ref().map(|c| format!(" cite {}", c.text)).unwrap_or_default();
    vec![
        format!("to {target}{from}{cite}"),
        format!("when {}", program.source_map.one_line(e.when.span)),
        format!("= {}", program.source_map.one_line(e.value.span)),
    ]
}

fn fact_lines(program: &Program, f: &crate::ir::FactInfo) -> Vec<String> {
    let default = match (&f.default, f.default_fact.and_then(|id| program.fact(id))) {
        (Some(v), _) => format!(" = {v}"),
        (None, Some(source)) => format!(" = {}", source.name),
        (None, None) => String::new(),
    };
    vec![format!(
        "{} {}{default}",
        program.type_name(&f.ty),
        f.label.as_deref().unwrap_or("")
    )]
}

/// The changed conclusions whose explanations to show: where the change starts, i.e. those
/// whose explanation uses no other changed conclusion (the others change because of them).
pub fn conclusions_to_explain(change: &CaseChange) -> Vec<String> {
    let changed: Vec<&str> = change
        .conclusions
        .iter()
        .map(|c| c.conclusion.as_str())
        .chain(change.basis.iter().map(|b| b.conclusion.as_str()))
        .collect();
    changed
        .iter()
        .filter(|name| {
            !changed.iter().any(|other| {
                other != *name
                    && [&change.old, &change.new].iter().any(|o| {
                        o.as_ref()
                            .and_then(|o| o.explanation())
                            .is_some_and(|e| references(e, name).iter().any(|r| r == *other))
                    })
            })
        })
        .map(|s| s.to_string())
        .collect()
}

/// Every conclusion a conclusion's explanation refers to, transitively.
fn references(explanation: &Explanation, conclusion: &str) -> Vec<String> {
    let mut seen = vec![conclusion.to_string()];
    let mut pending = vec![conclusion.to_string()];
    while let Some(name) = pending.pop() {
        if let Some(node) = explanation.conclusions.get(&name) {
            collect_refs(node, &mut seen, &mut pending);
        }
    }
    seen.retain(|s| s != conclusion);
    seen
}

fn collect_refs(node: &Node, seen: &mut Vec<String>, pending: &mut Vec<String>) {
    if node.kind == NodeKind::RuleRef {
        if let Some(id) = node.id.as_deref() {
            if !seen.iter().any(|s| s == id) {
                seen.push(id.to_string());
                pending.push(id.to_string());
            }
        }
    }
    for child in &node.children {
        collect_refs(child, seen, pending);
    }
}

/// The text explanations of one conclusion under the old and the new rules, side by side,
/// each column `column` display columns wide (longer lines wrap inside their column).
pub fn side_by_side(change: &CaseChange, conclusion: &str, column: usize) -> String {
    let render = |outcome: &Option<Outcome>| -> Vec<String> {
        match outcome {
            Some(o) => {
                let options = TextOptions {
                    conclusion: Some(conclusion.to_string()),
                    ..TextOptions::default()
                };
                text::render(o, &options)
                    .lines()
                    .skip(1)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            }
            None => vec![String::from("（无法评估 not evaluated）")],
        }
    };
    let left: Vec<String> = render(&change.old).iter().flat_map(|l| wrap(l, column)).collect();
    let right: Vec<String> = render(&change.new).iter().flat_map(|l| wrap(l, column)).collect();
    let mut out = format!("{} │ {}\n", pad("old 修改前", column), "new 修改后");
    out.push_str(&format!("{}─┼─{}\n", "─".repeat(column), "─".repeat(column)));
    for i in 0..left.len().max(right.len()) {
        let l = left.get(i).map(String::as_str).unwrap_or("");
        let r = right.get(i).map(String::as_str).unwrap_or("");
        let marker = if l == r { "│" } else { "┃" };
        out.push_str(format!("{} {marker} {}", pad(l, column), r).trim_end());
        out.push('\n');
    }
    out
}

fn display_width(text: &str) -> usize {
    crate::format::display_width(text)
}

fn pad(text: &str, column: usize) -> String {
    let w = display_width(text);
    format!("{text}{}", " ".repeat(column.saturating_sub(w)))
}

/// Splits a line into pieces of at most `column` display columns, continuation pieces
/// indented like the line.
fn wrap(line: &str, column: usize) -> Vec<String> {
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for c in line.chars() {
        let next = format!("{current}{c}");
        if display_width(&next) > column && !current.trim().is_empty() {
            out.push(std::mem::take(&mut current));
            current = format!("{indent}    {c}");
        } else {
            current = next;
        }
    }
    out.push(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character() {
        let line = "  ✓ 致使违法信息大量传播（i2019_mass_spread） = 是";
        let pieces = wrap(line, 20);
        assert!(pieces.len() > 1);
        let joined: String = pieces.iter().map(|p| p.trim_start()).collect();
        assert_eq!(joined, line.trim_start());
    }
}
