//! The memo a judge or lawyer reads: 结论 first (a short table with the article that decided),
//! then 理由 as numbered paragraphs in plain Chinese, the facts taken by default kept apart,
//! 缺少的事实 with why each matters, and the full derivation in an appendix.
//!
//! [`Memo::build`] puts the content together once; [`Memo::markdown`] and [`Memo::html`]
//! only lay it out, so the two formats say the same thing.

mod appendix;
mod html;
mod markdown;
mod prose;
mod words;

use serde_json::Value as Json;

use crate::eval::Outcome;
use crate::explain::{Catalog, Explanation, Node, NodeKind, Scope};
use prose::{branch_heading, deciding_exception, decisive, label, verdict, Prose};
use words::Lexicon;

pub use appendix::Line;

/// A memo, ready to be laid out as Markdown or HTML. Every text is plain (no markup).
#[derive(Debug, Clone, PartialEq)]
pub struct Memo {
    /// The case's name.
    pub title: String,
    /// The date whose law was applied (`2021年5月26日`).
    pub as_of: String,
    /// The one-line scope statement.
    pub scope: String,
    /// The 结论 table.
    pub rows: Vec<Row>,
    /// 理由, one group per conclusion of the table.
    pub reasons: Vec<Reasons>,
    /// Facts not given that took their declared default (`label：value`).
    pub defaults: Vec<String>,
    /// Conclusions of the scope that do not hold or have no value (labels).
    pub not_held: Vec<String>,
    /// Conclusions of the scope that cannot be decided (labels).
    pub undetermined: Vec<String>,
    /// How many conclusions of the rule set lie outside the scope (not assessed).
    pub n_not_assessed: usize,
    /// Facts that are missing and could change an undecided conclusion.
    pub missing: Vec<Missing>,
    /// The full derivation of each conclusion of the table.
    pub appendix: Vec<(String, Vec<Line>)>,
}

/// One row of the 结论 table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The conclusion's label.
    pub conclusion: String,
    /// 是 / 否 / 无法确定, or the value in words.
    pub result: String,
    /// The article that decided, a deciding exception first.
    pub basis: String,
}

/// The reasons for one conclusion.
#[derive(Debug, Clone, PartialEq)]
pub struct Reasons {
    /// `构成拒不履行信息网络安全管理义务罪：是`.
    pub heading: String,
    /// Numbered paragraphs.
    pub paragraphs: Vec<Paragraph>,
}

/// One numbered paragraph of 理由.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// What it is about (an element's label, or the article of an item).
    pub heading: String,
    /// Its article, when the rule files give one.
    pub citation: Option<String>,
    /// The reasoning, in words.
    pub text: String,
}

/// A missing fact and why it matters.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// The fact's label.
    pub label: String,
    /// Its key in case files.
    pub key: String,
    /// The undecided conclusions it could decide (labels).
    pub decides: Vec<String>,
}

impl Paragraph {
    /// A paragraph; its text does not repeat its citation: the first `（citation）` is dropped
    /// and items of the cited article are named by their number alone (`第一项`).
    fn new(heading: String, citation: Option<String>, text: String) -> Paragraph {
        let text = match &citation {
            Some(c) => text
                .replacen(&format!("（{c}）"), "", 1)
                .replace(&format!("{c}第"), "第"),
            None => text,
        };
        Paragraph {
            heading,
            citation,
            text,
        }
    }
}

/// Evaluates a case for its memo, as `ruling eval --format md` does: the scope is the case's
/// `questions`, else the default scope of its facts; only the scope is evaluated.
pub fn evaluate(
    rules: &crate::RuleSet,
    case: &crate::Case,
    options: &crate::Options,
) -> Result<Memo, crate::EvalError> {
    let scope = Scope::of_case(rules.catalog(), case, &options.questions, false);
    let options = crate::Options {
        questions: scope.questions.clone(),
        ..options.clone()
    };
    let outcome = rules.evaluate(case, &options)?;
    Ok(Memo::build(&outcome, rules.catalog(), &scope, case.name.as_deref()))
}

impl Memo {
    /// Builds the memo of an outcome about the conclusions of `scope`.
    pub fn build(outcome: &Outcome, catalog: &Catalog, scope: &Scope, title: Option<&str>) -> Memo {
        let lexicon = Lexicon::new(catalog);
        let empty = Explanation {
            schema_version: crate::explain::SCHEMA_VERSION,
            as_of: outcome.as_of.clone(),
            conclusions: Default::default(),
        };
        let explanation = outcome.explanation.as_ref().unwrap_or(&empty);
        let prose = Prose::new(&lexicon, explanation);
        let asked = scope.origin == crate::explain::ScopeOrigin::Asked;
        let (mut shown, quiet): (Vec<&Node>, Vec<&Node>) = scope
            .questions
            .iter()
            .filter_map(|q| explanation.conclusions.get(q))
            .partition(|n| asked || speaks(n));
        if !asked {
            let hubs = hubs(catalog, &scope.questions);
            let mut first: Vec<&Node> = hubs
                .iter()
                .filter_map(|h| explanation.conclusions.get(h))
                .filter(|n| speaks(n))
                .collect();
            first.append(&mut shown);
            shown = first;
        }
        let covered = scope.covered(catalog);
        let row_ids: Vec<String> = shown.iter().filter_map(|n| n.id.as_deref().map(String::from)).collect();
        let rows = shown.iter().map(|n| row(&lexicon, explanation, n, &row_ids)).collect();
        let reasons = shown
            .iter()
            .map(|n| {
                let group = reasons(&prose, catalog, n, &outcome.as_of);
                prose.explained(n);
                group
            })
            .collect();
        Memo {
            title: title.unwrap_or("评估报告").to_string(),
            as_of: words::date_words(&outcome.as_of),
            scope: scope.statement(catalog),
            rows,
            reasons,
            defaults: prose.defaults(),
            not_held: quiet.iter().map(|n| cited_label(n)).collect(),
            undetermined: undetermined(explanation, catalog, &covered),
            n_not_assessed: covered.iter().filter(|c| !**c).count(),
            missing: missing(&lexicon, explanation, outcome, &shown),
            appendix: shown
                .iter()
                .map(|n| (label(n), appendix::lines(&lexicon, explanation, n)))
                .collect(),
        }
    }

    /// The memo in Markdown.
    pub fn markdown(&self) -> String {
        markdown::render(self)
    }

    /// The memo as one self-contained, printable HTML page.
    pub fn html(&self) -> String {
        html::render(self)
    }
}

/// Whether a conclusion says something in a memo of the default scope: it holds, has a value,
/// or is undecided.
fn speaks(node: &Node) -> bool {
    node.unknown
        || match &node.value {
            Json::Bool(held) => *held,
            Json::Null => false,
            Json::Array(items) => !items.is_empty(),
            Json::Number(n) => !crate::report::text::is_zero(&n.to_string()),
            Json::String(s) => s != "none" && !crate::report::text::is_zero(s),
            _ => true,
        }
}

/// The conclusions that two or more of the roots rest on (and no other such one does), of type
/// `bool`, in declaration order: a memo reports them on rows of their own, first, so the roots'
/// reasons can refer to them.
fn hubs(catalog: &Catalog, roots: &[String]) -> Vec<String> {
    let mut n_roots = vec![0usize; catalog.rules.len()];
    for root in roots {
        for (count, reached) in n_roots.iter_mut().zip(catalog.closure(&[root.as_str()])) {
            *count += usize::from(reached);
        }
    }
    let candidates: Vec<usize> = n_roots
        .iter()
        .enumerate()
        .filter(|(i, n)| **n >= 2 && catalog.rules.get(*i).is_some_and(|r| r.type_name == "bool"))
        .map(|(i, _)| i)
        .collect();
    let maximal = |i: &usize| {
        !candidates.iter().any(|other| {
            other != i
                && catalog
                    .rules
                    .get(*other)
                    .is_some_and(|o| catalog.closure(&[o.id.as_str()]).get(*i).copied().unwrap_or(false))
        })
    };
    candidates
        .iter()
        .filter(|i| maximal(i))
        .filter_map(|i| catalog.rules.get(*i).map(|r| r.id.clone()))
        .collect()
}

/// A label with the conclusion's article, to tell apart conclusions that share a label.
fn cited_label(node: &Node) -> String {
    match &node.citation {
        Some(c) => format!("{}（{c}）", label(node)),
        None => label(node),
    }
}

/// A conclusion's result in words: 是 / 否 / 无法确定, items as 第二项, values with units.
fn result_words(lexicon: &Lexicon<'_>, node: &Node) -> String {
    let held = node.children.iter().find(|c| c.kind == NodeKind::Held);
    match (&node.value, node.unknown, held) {
        (_, true, _) => String::from("无法确定"),
        (_, _, Some(held)) => prose::items(&held.value).unwrap_or_else(|| String::from("无")),
        _ => lexicon.value(node),
    }
}

fn row(lexicon: &Lexicon<'_>, explanation: &Explanation, node: &Node, rows: &[String]) -> Row {
    Row {
        conclusion: label(node),
        result: result_words(lexicon, node),
        basis: basis(explanation, node, rows),
    }
}

/// The article that decided a conclusion: the exception that applied, else the rule's article
/// narrowed to the items that decided (a citation another one refines is left out). Items are
/// followed into the conclusions an item consists of, and into those of the same article, but
/// not into `rows` (conclusions reported on rows of their own).
pub fn basis(explanation: &Explanation, node: &Node, rows: &[String]) -> String {
    if let Some(exception) = deciding_exception(node) {
        let cite = exception.citation.as_deref().unwrap_or_default();
        return format!("{cite}（例外：{}）", label(exception));
    }
    let mut citations: Vec<String> = node.citation.iter().map(|c| c.to_string()).collect();
    let mut seen: Vec<String> = rows.to_vec();
    deciding_items(explanation, node, &mut citations, &mut seen);
    let kept: Vec<&String> = citations
        .iter()
        .filter(|c| !citations.iter().any(|o| o != *c && o.starts_with(c.as_str())))
        .collect();
    kept.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("；")
}

/// Citations of the items that decided: branches of `any` and `N of` blocks that decided them,
/// through the conclusions used (each once).
fn deciding_items(explanation: &Explanation, node: &Node, out: &mut Vec<String>, seen: &mut Vec<String>) {
    deciding_items_in(explanation, node, node.citation.as_deref(), false, out, seen);
}

fn deciding_items_in(
    explanation: &Explanation,
    node: &Node,
    article: Option<&str>,
    in_item: bool,
    out: &mut Vec<String>,
    seen: &mut Vec<String>,
) {
    if node.kind == NodeKind::RuleRef {
        let Some(id) = node.id.as_deref() else { return };
        if seen.iter().any(|s| s == id) {
            return;
        }
        seen.push(id.to_string());
        if let Some(target) = explanation.conclusions.get(id) {
            let same_article = article.is_some() && target.citation.as_deref() == article;
            if deciding_exception(target).is_none() && (in_item || same_article) {
                deciding_items_in(explanation, target, target.citation.as_deref(), false, out, seen);
            }
        }
        return;
    }
    for child in decisive(node) {
        let item = child.kind == NodeKind::Branch && matches!(node.kind, NodeKind::Any | NodeKind::AtLeast);
        if item {
            if let Some(c) = &child.citation {
                if !out.iter().any(|o| o == c.as_ref()) {
                    out.push(c.to_string());
                }
            }
        }
        deciding_items_in(explanation, child, article, in_item || item, out, seen);
    }
}

fn reasons(prose: &Prose<'_>, catalog: &Catalog, node: &Node, as_of: &str) -> Reasons {
    let result = result_words(prose.lexicon, node);
    let mut paragraphs = Vec::new();
    let deciding = deciding_exception(node);
    if let Some(exception) = deciding {
        paragraphs.push(exception_paragraph(prose, exception, true));
    }
    paragraphs.extend(elements(prose, node));
    for exception in node.children.iter().filter(|c| c.kind == NodeKind::Exception) {
        if deciding.is_none_or(|d| !std::ptr::eq(d, exception)) {
            paragraphs.push(exception_paragraph(prose, exception, false));
        }
    }
    paragraphs.extend(pending_exceptions(catalog, node, as_of));
    Reasons {
        heading: format!("{}：{result}", label(node)),
        paragraphs,
    }
}

/// An exception considered: whether it applied and why, with its doc comment (the statute).
fn exception_paragraph(prose: &Prose<'_>, exception: &Node, deciding: bool) -> Paragraph {
    let mut text = prose.exception_reason(exception);
    if deciding {
        text.push_str("，本结论依此例外确定");
    }
    if !exception.doc.is_empty() {
        text.push_str(&format!("。条文：{}", exception.doc.join("").trim_end_matches('。')));
    }
    Paragraph {
        heading: format!("例外：{}", label(exception)),
        citation: exception.citation.as_deref().map(String::from),
        text,
    }
}

/// Exceptions to the rule that take effect after `as_of`: not considered, and said so.
fn pending_exceptions(catalog: &Catalog, node: &Node, as_of: &str) -> Vec<Paragraph> {
    let Some(rule_index) = node
        .id
        .as_deref()
        .and_then(|id| catalog.rules.iter().position(|r| r.id == id))
    else {
        return Vec::new();
    };
    catalog
        .exceptions
        .iter()
        .filter(|e| e.rule as usize == rule_index)
        .filter_map(|e| {
            let from = e.from.as_deref()?;
            (from > as_of).then(|| Paragraph {
                heading: format!("例外：{}", e.label.as_deref().unwrap_or(&e.id)),
                citation: e.citation.clone(),
                text: format!(
                    "该例外自{}起施行，适用日期{}尚未施行，未予考虑",
                    words::date_words(from),
                    words::date_words(as_of)
                ),
            })
        })
        .collect()
}

/// The elements of a conclusion's own definition, one paragraph each: the branches of its
/// block (those that decided it), a branch that only refers to a conclusion defined by a
/// block being replaced by that block's branches.
fn elements(prose: &Prose<'_>, node: &Node) -> Vec<Paragraph> {
    let own: Vec<&Node> = node.children.iter().filter(|c| c.kind != NodeKind::Exception).collect();
    if deciding_exception(node).is_none() {
        if let Some(words) = prose.worded(node, node) {
            return vec![Paragraph::new(
                String::from("认定"),
                node.citation.as_deref().map(String::from),
                words,
            )];
        }
    }
    match own.as_slice() {
        [block] if is_block(block) => branches(prose, block, 0),
        _ => vec![Paragraph::new(
            String::from("认定"),
            node.citation.as_deref().map(String::from),
            prose.rule_reason(&without_exceptions(node), 1),
        )],
    }
}

fn without_exceptions(node: &Node) -> Node {
    let mut copy = node.clone();
    copy.children.retain(|c| c.kind != NodeKind::Exception);
    copy
}

fn is_block(node: &Node) -> bool {
    matches!(node.kind, NodeKind::All | NodeKind::Any | NodeKind::AtLeast)
}

fn branches(prose: &Prose<'_>, block: &Node, depth: usize) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let shown: Vec<&Node> = decisive(block).collect();
    for branch in &shown {
        if let Some(inner) = flattened(prose, branch, depth) {
            out.extend(inner);
            continue;
        }
        out.push(Paragraph::new(
            branch_heading(branch).unwrap_or_else(|| String::from("要件")),
            branch.citation.as_deref().map(String::from),
            prose.because(branch, 1),
        ));
    }
    let rest: Vec<String> = block
        .children
        .iter()
        .filter(|c| !shown.iter().any(|s| std::ptr::eq(*s, *c)))
        .filter_map(branch_heading)
        .collect();
    if !rest.is_empty() && block.kind == NodeKind::All {
        out.push(Paragraph {
            heading: String::from("其余要件"),
            citation: None,
            text: format!("{}均已满足", rest.join("、")),
        });
    }
    out
}

/// A branch that is only a use of a conclusion defined by an `all` block with the same
/// outcome: that block's branches, as paragraphs of their own.
fn flattened(prose: &Prose<'_>, branch: &Node, depth: usize) -> Option<Vec<Paragraph>> {
    if depth > 0 || branch.kind != NodeKind::Branch {
        return None;
    }
    let [only] = branch.children.as_slice() else {
        return None;
    };
    if only.kind != NodeKind::RuleRef {
        return None;
    }
    let target = prose.explanation.conclusions.get(only.id.as_deref()?)?;
    if deciding_exception(target).is_some() || verdict(target) != verdict(branch) {
        return None;
    }
    let own: Vec<&Node> = target
        .children
        .iter()
        .filter(|c| c.kind != NodeKind::Exception)
        .collect();
    match own.as_slice() {
        [block] if block.kind == NodeKind::All => Some(branches(prose, block, depth + 1)),
        _ => None,
    }
}

/// Conclusions of the scope that cannot be decided, by label.
fn undetermined(explanation: &Explanation, catalog: &Catalog, covered: &[bool]) -> Vec<String> {
    catalog
        .rules
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .filter_map(|(r, _)| explanation.conclusions.get(&r.id))
        .filter(|n| n.unknown)
        .map(label)
        .collect()
}

fn missing(lexicon: &Lexicon<'_>, explanation: &Explanation, outcome: &Outcome, shown: &[&Node]) -> Vec<Missing> {
    outcome
        .missing_facts
        .iter()
        .map(|key| {
            let label = lexicon
                .fact(key)
                .and_then(|d| d.label.clone())
                .unwrap_or_else(|| key.clone());
            let decides = shown
                .iter()
                .filter(|n| n.unknown && reaches(explanation, n, key, &mut Vec::new()))
                .map(|n| label_of(n))
                .collect();
            Missing {
                label,
                key: key.clone(),
                decides,
            }
        })
        .collect()
}

fn label_of(node: &Node) -> String {
    label(node)
}

/// Whether an unknown fact `key` is reachable from a node through unknown nodes.
fn reaches(explanation: &Explanation, node: &Node, key: &str, seen: &mut Vec<String>) -> bool {
    if node.kind == NodeKind::Fact {
        return node.unknown && node.id.as_deref() == Some(key);
    }
    if node.kind == NodeKind::RuleRef {
        let Some(id) = node.id.as_deref() else { return false };
        if seen.iter().any(|s| s == id) {
            return false;
        }
        seen.push(id.to_string());
        return explanation
            .conclusions
            .get(id)
            .is_some_and(|target| reaches(explanation, target, key, seen));
    }
    node.children
        .iter()
        .filter(|c| c.unknown)
        .any(|c| reaches(explanation, c, key, seen))
}
