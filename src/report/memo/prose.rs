//! Plain Chinese sentences from explanation nodes: facts with their labels and units, thresholds
//! with their article and version, margins in words. No expression of the rule files is quoted.

use std::cell::RefCell;

use serde_json::Value as Json;

use super::words::{self, Lexicon};
use crate::explain::{Explanation, Node, NodeKind};

/// How deep references to other conclusions are followed inside one paragraph.
const MAX_DEPTH: usize = 4;

/// Writes the sentences of one memo; remembers the facts that took their default.
pub(super) struct Prose<'a> {
    pub(super) lexicon: &'a Lexicon<'a>,
    pub(super) explanation: &'a Explanation,
    defaults: RefCell<Vec<String>>,
    /// Conclusions already given reasons of their own: referred to, not explained again.
    explained: RefCell<Vec<String>>,
    /// Conclusions whose reasons a sentence already gave.
    mentioned: RefCell<Vec<String>>,
}

impl<'a> Prose<'a> {
    /// A writer over one explanation.
    pub(super) fn new(lexicon: &'a Lexicon<'a>, explanation: &'a Explanation) -> Prose<'a> {
        Prose {
            lexicon,
            explanation,
            defaults: RefCell::new(Vec::new()),
            explained: RefCell::new(Vec::new()),
            mentioned: RefCell::new(Vec::new()),
        }
    }

    /// The facts that took their declared default in the sentences written so far (label and
    /// value, once each).
    pub(super) fn defaults(&self) -> Vec<String> {
        self.defaults.borrow().clone()
    }

    /// Notes that a conclusion has reasons of its own: later uses refer to them.
    pub(super) fn explained(&self, node: &Node) {
        if let Some(id) = node.id.as_deref() {
            self.explained.borrow_mut().push(id.to_string());
        }
    }

    /// Why a node has its value, as one clause (or several joined by `；`).
    pub(super) fn because(&self, node: &Node, depth: usize) -> String {
        match node.kind {
            NodeKind::Fact => self.fact(node),
            NodeKind::Param => self.param(node),
            NodeKind::Comparison => self.comparison(node, depth),
            NodeKind::RuleRef | NodeKind::Rule => self.conclusion(node, depth),
            NodeKind::Exception => self.exception(node, depth),
            NodeKind::Held => format!(
                "{}：{}",
                label(node),
                items(&node.value).unwrap_or_else(|| String::from("无"))
            ),
            NodeKind::At => self.at(node, depth),
            NodeKind::Aggregate => self.aggregate(node),
            NodeKind::All | NodeKind::Any | NodeKind::AtLeast | NodeKind::Not => self.block(node, depth),
            NodeKind::Branch => self
                .worded(node, node)
                .unwrap_or_else(|| self.join(decisive(node), depth)),
            NodeKind::Condition => self.join(decisive(node), depth),
        }
    }

    /// The rule files' own words for why `node` holds: its `says` template (from `words`, a
    /// rule or branch) with each `{name}` replaced by that fact's, parameter's or rule's value —
    /// found below `node`, else among the conclusions. `None` when there is no template, the
    /// node does not hold, or a placeholder has no value to show.
    pub(super) fn worded(&self, words: &Node, node: &Node) -> Option<String> {
        let template = words.says.as_deref()?;
        if node.unknown || node.value != Json::Bool(true) {
            return None;
        }
        let mut out = String::new();
        let mut sources = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = rest.get(open..)?.find('}')? + open;
            out.push_str(rest.get(..open)?);
            let name = rest.get(open + 1..close)?.trim();
            let value = find_named(node, name)
                .or_else(|| self.explanation.conclusions.get(name))
                .or_else(|| self.explanation.conclusions.values().find_map(|c| find_named(c, name)))?;
            if value.unknown {
                return None;
            }
            if value.kind == NodeKind::Fact && value.default {
                // Kept apart from the findings, as every default is.
                let entry = format!("{}：{}", label(value), self.lexicon.value(value));
                let mut defaults = self.defaults.borrow_mut();
                if !defaults.contains(&entry) {
                    defaults.push(entry);
                }
            }
            out.push_str(&self.lexicon.value(value));
            // A threshold keeps its article, version and statute text, after the sentence.
            if value.kind == NodeKind::Param {
                if let Some(basis) = self.basis(value, words.citation.as_deref()) {
                    let entry = format!("{}：{basis}", label(value));
                    if !sources.contains(&entry) {
                        sources.push(entry);
                    }
                }
            }
            rest = rest.get(close + 1..)?;
        }
        out.push_str(rest);
        if !sources.is_empty() {
            out.push_str(&format!("（{}）", sources.join("；")));
        }
        Some(out)
    }

    fn join<'n>(&self, nodes: impl Iterator<Item = &'n Node>, depth: usize) -> String {
        let parts: Vec<String> = nodes
            .map(|n| self.because(n, depth))
            .filter(|s| !s.is_empty())
            .collect();
        // `日期为2019年10月15日` says nothing `日期为2019年10月15日，晚于…` beside it does not,
        // nor `X无法判断` beside `本案说明较重的罪名：X无法判断`.
        let said_elsewhere = |i: usize, part: &String| {
            parts.iter().enumerate().any(|(j, other)| {
                (j < i && other == part)
                    || other
                        .strip_prefix(part.as_str())
                        .is_some_and(|rest| rest.starts_with('，'))
                    || other
                        .strip_suffix(part.as_str())
                        .is_some_and(|head| head.ends_with('：'))
            })
        };
        let kept: Vec<&str> = parts
            .iter()
            .enumerate()
            .filter(|(i, part)| !said_elsewhere(*i, part))
            .map(|(_, part)| part.as_str())
            .collect();
        kept.join("；")
    }

    fn block(&self, node: &Node, depth: usize) -> String {
        let parts: Vec<String> = decisive(node)
            .map(|branch| {
                let reason = self.because(branch, depth);
                match branch_heading(branch) {
                    Some(heading) if !reason.starts_with(&heading) => format!("{heading}：{reason}"),
                    _ => reason,
                }
            })
            .collect();
        let joined = parts.join("；");
        match (node.kind, verdict(node)) {
            (NodeKind::Not, Some(true)) => format!("以下情形不成立——{joined}"),
            (NodeKind::Not, Some(false)) => format!("以下情形成立——{joined}"),
            (NodeKind::Any, Some(false)) => format!("所列情形均不具备——{joined}"),
            _ => joined,
        }
    }

    /// A fact: `label为value`, or that it was not given.
    pub(super) fn fact(&self, node: &Node) -> String {
        let name = label(node);
        if node.unknown {
            return format!("{name}未提供");
        }
        let value = self.lexicon.value(node);
        if node.default {
            let entry = format!("{name}：{value}");
            let mut defaults = self.defaults.borrow_mut();
            if !defaults.contains(&entry) {
                defaults.push(entry);
            }
            return format!("{name}：未提供，按默认值{value}");
        }
        if matches!(node.value, Json::Bool(_)) {
            return format!("{name}：{value}");
        }
        format!("{name}为{value}")
    }

    fn param(&self, node: &Node) -> String {
        format!("{}{}", label(node), self.threshold(node))
    }

    /// A parameter's value with its article and version: `2000个（法释〔2019〕15号 第三条第二项）`.
    fn threshold(&self, node: &Node) -> String {
        let value = self.lexicon.value(node);
        match self.basis(node, None) {
            Some(basis) => format!("{value}（{basis}）"),
            None => value,
        }
    }

    /// Where a parameter's value comes from: its article (unless it is `cited`, already named),
    /// the version applied and that version's statute text.
    fn basis(&self, node: &Node, cited: Option<&str>) -> Option<String> {
        let mut basis = Vec::new();
        if let Some(c) = node.citation.as_deref().filter(|c| Some(*c) != cited) {
            basis.push(c.to_string());
        }
        if let Some(v) = &node.version {
            basis.push(version_words(v));
        }
        // The statute text of the version applied (`quote "…"`), never another version's.
        if !node.doc.is_empty() {
            basis.push(format!("条文：“{}”", node.doc.join("")));
        }
        (!basis.is_empty()).then(|| basis.join("，"))
    }

    /// A conclusion used here: its verdict, and why, while not too deep.
    fn conclusion(&self, node: &Node, depth: usize) -> String {
        let head = self.verdict_phrase(node);
        let id = node.id.as_deref().unwrap_or_default();
        if self.explained.borrow().iter().any(|e| e == id) {
            return format!("{head}（理由见上）");
        }
        if depth >= MAX_DEPTH {
            return head;
        }
        let target = match node.kind {
            NodeKind::RuleRef => node.id.as_deref().and_then(|id| self.explanation.conclusions.get(id)),
            _ => Some(node),
        };
        let Some(target) = target else { return head };
        // A conclusion is explained where it is first mentioned; later mentions give its verdict.
        if self.mentioned.borrow().iter().any(|e| e == id) {
            return head;
        }
        self.mentioned.borrow_mut().push(id.to_string());
        let reason = self.rule_reason(target, depth + 1);
        if reason.is_empty() {
            head
        } else {
            format!("{head}（{reason}）")
        }
    }

    /// Why a rule has its value: the exception that decided, else its own definition.
    pub(super) fn rule_reason(&self, rule: &Node, depth: usize) -> String {
        if let Some(exception) = deciding_exception(rule) {
            return self.exception(exception, depth);
        }
        if let Some(words) = self.worded(rule, rule) {
            return words;
        }
        self.join(rule.children.iter().filter(|c| c.kind != NodeKind::Exception), depth)
    }

    /// `label：是`, `label：否`, `label为value` for a conclusion, with its citation.
    pub(super) fn verdict_phrase(&self, node: &Node) -> String {
        let name = label(node);
        let cite = node.citation.as_ref().map(|c| format!("（{c}）")).unwrap_or_default();
        match (&node.value, node.unknown) {
            (_, true) => format!("{name}{cite}无法确定"),
            (Json::Bool(true), _) => format!("{name}{cite}成立"),
            (Json::Bool(false), _) => format!("{name}{cite}不成立"),
            _ => format!("{name}{cite}为{}", self.lexicon.value(node)),
        }
    }

    fn exception(&self, node: &Node, depth: usize) -> String {
        let name = label(node);
        let cite = node.citation.as_ref().map(|c| format!("（{c}）")).unwrap_or_default();
        let verdict = match (&node.value, node.unknown) {
            (_, true) => "是否适用无法确定",
            (Json::Bool(true), _) => "适用",
            _ => "不适用",
        };
        let reason = if depth < MAX_DEPTH {
            self.join(decisive(node), depth + 1)
        } else {
            String::new()
        };
        if reason.is_empty() {
            format!("例外“{name}”{cite}{verdict}")
        } else {
            format!("例外“{name}”{cite}{verdict}：{reason}")
        }
    }

    /// Whether an exception applied and why, without its name (the paragraph names it).
    pub(super) fn exception_reason(&self, node: &Node) -> String {
        let verdict = match (&node.value, node.unknown) {
            (_, true) => "是否适用无法确定",
            (Json::Bool(true), _) => "适用",
            _ => "不适用",
        };
        let reason = self.join(decisive(node), 1);
        if reason.is_empty() {
            verdict.to_string()
        } else {
            format!("{verdict}——{reason}")
        }
    }

    fn at(&self, node: &Node, depth: usize) -> String {
        let date = node.date.as_deref().map(words::date_words).unwrap_or_default();
        let inner = self.join(node.children.iter(), depth);
        format!("依{date}施行的规定，{inner}")
    }

    fn aggregate(&self, node: &Node) -> String {
        let lists: Vec<String> = node
            .children
            .iter()
            .filter(|c| c.kind == NodeKind::Fact)
            .map(|c| self.fact(c))
            .collect();
        let value = self.lexicon.value(node);
        if lists.is_empty() {
            format!("计算结果为{value}")
        } else {
            format!("{}，计算结果为{value}", lists.join("；"))
        }
    }

    /// A comparison in words: who has what, and how it stands against the other side.
    pub(super) fn comparison(&self, node: &Node, depth: usize) -> String {
        if let Some(text) = self.membership(node, depth) {
            return text;
        }
        let (left, right) = operands(node);
        let Some(left) = left else {
            if let Some((left, inputs)) = computed_right(node) {
                return self.against_computed(node, left, inputs, depth);
            }
            if let Some((inputs, right)) = computed_left(node) {
                return self.computed_against(node, inputs, right, depth);
            }
            return self.computed(node);
        };
        let subject = self.subject(left);
        if node.unknown {
            return format!("{subject}，无法判断");
        }
        let op = node.op.as_deref().unwrap_or("");
        let holds = node.value == Json::Bool(true);
        match op {
            "==" | "!=" if left.kind == NodeKind::RuleRef && matches!(left.value, Json::Bool(_)) => {
                self.conclusion(left, depth)
            }
            // `(a > b) == true`: the inner comparison says it all.
            "==" | "!=" if left.kind == NodeKind::Comparison => self.comparison(left, depth),
            "==" | "!=" => self.equality(node, left, right, op == "=="),
            "in" if holds => format!("{subject}，属于所列情形"),
            "in" => format!("{subject}，不属于所列情形"),
            _ if self.lexicon.is_date(named(left)) => {
                format!(
                    "{subject}，{}{}",
                    date_relation(op, holds),
                    self.object(node, left, right)
                )
            }
            _ => self.order(node, left, self.object(node, left, right), &subject),
        }
    }

    /// A value or date compared with one computed from other values (a threshold times a
    /// multiple, a birth date plus an age): the computed side with what it was computed from —
    /// `达到50000元（依经济损失数额标准10000元、…倍数5倍计算）`.
    fn against_computed(&self, node: &Node, left: &Node, inputs: &[Node], depth: usize) -> String {
        let subject = self.subject(left);
        if node.unknown {
            return format!("{subject}，无法判断");
        }
        let from = self.inputs(inputs, depth);
        let value = self.literal(left, node.right.as_deref().unwrap_or(""));
        let object = format!("{value}（依{}计算）", from.join("、"));
        if self.lexicon.is_date(named(left)) {
            let op = node.op.as_deref().unwrap_or("");
            let holds = node.value == Json::Bool(true);
            return format!("{subject}，{}{object}", date_relation(op, holds));
        }
        self.order(node, left, object, &subject)
    }

    /// `"第六十八条第一款" in held(应予处罚情形)`: a constant looked for in a list the case
    /// made — the list, and whether it has the constant.
    fn membership(&self, node: &Node, depth: usize) -> Option<String> {
        let [list] = node.children.as_slice() else { return None };
        let wanted = node.left.as_deref()?;
        if node.op.as_deref() != Some("in") || node.unknown || !list.value.is_array() {
            return None;
        }
        let holds = node.value == Json::Bool(true);
        let list_text = self.because(list, depth);
        // A list of that one item already says so.
        if holds && list.value.as_array().is_some_and(|items| items.len() == 1) {
            return Some(list_text);
        }
        let has = if holds { "含" } else { "不含" };
        Some(format!("{list_text}（{has}“{wanted}”）"))
    }

    /// A value computed from others compared with one node (`minutes * 1 minute >= 标准`):
    /// what it was computed from, the result in the other side's terms, and how it stands.
    fn computed_against(&self, node: &Node, inputs: &[Node], right: &Node, depth: usize) -> String {
        let from = self.inputs(inputs, depth);
        let value = self.literal(right, node.left.as_deref().unwrap_or(""));
        let subject = format!("{}（计算为{value}）", from.join("、"));
        if node.unknown {
            return format!("{subject}，无法判断");
        }
        let object = format!("{}{}", label(right), self.threshold_or_value(right));
        if self.lexicon.is_date(named(right)) {
            let op = node.op.as_deref().unwrap_or("");
            let holds = node.value == Json::Bool(true);
            return format!("{subject}，{}{object}", date_relation(op, holds));
        }
        self.order(node, right, object, &subject)
    }

    /// The nodes a computed side was computed from, each with its value.
    fn inputs(&self, inputs: &[Node], depth: usize) -> Vec<String> {
        inputs
            .iter()
            .map(|input| match input.kind {
                NodeKind::Fact if !input.unknown && !input.default => {
                    format!("{}{}", label(input), self.lexicon.value(input))
                }
                _ => self.because(input, depth),
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A parameter's value with its basis, or any other node's value.
    fn threshold_or_value(&self, node: &Node) -> String {
        if node.kind == NodeKind::Param {
            self.threshold(node)
        } else {
            self.lexicon.value(node)
        }
    }

    /// `a >= b` and the like on numbers and amounts: 恰好达到 / 超出 / 差.
    fn order(&self, node: &Node, left: &Node, object: String, subject: &str) -> String {
        let unit = self.lexicon.unit(named(left));
        let holds = node.value == Json::Bool(true);
        let margin = node.margin.as_deref();
        let size = margin.map(|m| match unit {
            "元" => words::amount_words(words::magnitude(m)),
            // A difference of ages is years, not an age: `超出14岁`, not `超出14周岁`.
            "周岁" => format!("{}岁", words::magnitude(m)),
            _ => format!("{}{unit}", words::magnitude(m)),
        });
        // Durations and dates have no margin: sides written alike are equal.
        let exact = match margin {
            Some(m) => crate::report::text::is_zero(m),
            None => node.left.is_some() && node.left == node.right,
        };
        let by = |word: &str| size.as_ref().map(|s| format!("，{word}{s}")).unwrap_or_default();
        let op = node.op.as_deref().unwrap_or("");
        let relation = match (op, holds, exact) {
            (">=", true, true) => format!("恰好达到{object}"),
            (">=", true, false) => format!("达到{object}{}", by("超出")),
            (">=", false, _) => format!("未达到{object}{}", by("差")),
            (">", true, _) => format!("超过{object}{}", by("超出")),
            (">", false, true) => format!("恰好等于{object}，未超过"),
            (">", false, false) => format!("未超过{object}{}", by("差")),
            ("<=", true, true) => format!("恰好等于{object}，未超过"),
            ("<=", true, false) => format!("未超过{object}{}", by("低")),
            ("<=", false, _) => format!("超过{object}{}", by("超出")),
            ("<", true, _) => format!("低于{object}{}", by("低")),
            ("<", false, true) => format!("恰好等于{object}，未低于"),
            ("<", false, false) => format!("高于{object}{}", by("超出")),
            _ => format!("与{object}相比{}", if holds { "成立" } else { "不成立" }),
        };
        format!("{subject}，{relation}")
    }

    fn equality(&self, node: &Node, left: &Node, right: Option<&Node>, equal: bool) -> String {
        let holds = node.value == Json::Bool(true);
        let subject = self.subject(left);
        // Against `none` the value itself is the answer: a date, or that there is none.
        // (`none` of an enum is one of its values, with a label to show.)
        let enum_typed = self.lexicon.declaration(left).is_some_and(|d| d.enum_index.is_some());
        let against_none = right.is_none() && node.right.as_deref() == Some("none") && !enum_typed;
        if holds == equal || matches!(left.value, Json::Bool(_)) || against_none {
            return subject;
        }
        let other = match right {
            Some(r) => self.lexicon.value(r),
            None if counted(left).is_some() => format!("{}个", node.right.as_deref().unwrap_or("")),
            None => self.literal(left, node.right.as_deref().unwrap_or("")),
        };
        format!("{subject}，而非{other}")
    }

    /// The left side: `label为value`, `label：是` (a fact marks its default).
    fn subject(&self, node: &Node) -> String {
        match node.kind {
            NodeKind::Fact => self.fact(node),
            NodeKind::Param => self.param(node),
            NodeKind::At => {
                let rule = named(node);
                let date = node.date.as_deref().map(words::date_words).unwrap_or_default();
                let value = self.lexicon.value(rule);
                let is = if matches!(rule.value, Json::Bool(_)) {
                    "："
                } else {
                    "为"
                };
                format!("{}（依{date}施行的规定）{is}{value}", label(rule))
            }
            _ if node.unknown => format!("{}无法确定", label(node)),
            // `count(法定刑最重的罪名) == 1`: the list's label with how many it has.
            NodeKind::Aggregate if counted(node).is_some() => {
                let list = counted(node).map(label).unwrap_or_default();
                format!("{list}有{}个", self.lexicon.value(node))
            }
            _ if matches!(node.value, Json::Bool(_)) => format!("{}：{}", label(node), self.lexicon.value(node)),
            _ => format!("{}为{}", label(node), self.lexicon.value(node)),
        }
    }

    /// The right side: a threshold with its article, a conclusion, or a constant in words.
    fn object(&self, node: &Node, left: &Node, right: Option<&Node>) -> String {
        match right {
            Some(r) if r.kind == NodeKind::Param => format!("{}{}", label(r), self.threshold(r)),
            Some(r) => format!("{}{}", label(r), self.lexicon.value(r)),
            None => self.literal(left, node.right.as_deref().unwrap_or("")),
        }
    }

    /// A constant written in the rule, in the words of the other side's type.
    fn literal(&self, other: &Node, text: &str) -> String {
        let decl = self.lexicon.declaration(named(other));
        let value = match text {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            _ => match (text.parse::<u64>(), decl.map(|d| d.type_name.trim_end_matches('?'))) {
                (Ok(n), Some("count" | "integer")) => Json::from(n),
                _ => Json::String(text.to_string()),
            },
        };
        self.lexicon.typed(decl, &value)
    }

    /// A comparison whose sides are computed: what it used, then the result.
    fn computed(&self, node: &Node) -> String {
        let used = self.join(node.children.iter(), MAX_DEPTH);
        let ordering = matches!(node.op.as_deref(), Some(">=" | ">" | "<=" | "<"));
        if let (Some(left), Some(right), true, false) = (&node.left, &node.right, ordering, node.unknown) {
            // Both sides computed (`videos / 标准 + other / 标准 >= 1`): the numbers compared.
            let subject = if used.is_empty() {
                format!("按规定计算得{left}")
            } else {
                format!("{used}；按规定计算得{left}")
            };
            return self.order(node, node, right.clone(), &subject);
        }
        let holds = match (&node.value, node.unknown) {
            (_, true) => "无法判断",
            (Json::Bool(true), _) => "按规定计算，条件成立",
            _ => "按规定计算，条件不成立",
        };
        if used.is_empty() {
            holds.to_string()
        } else {
            format!("{used}；{holds}")
        }
    }
}

/// The children that decided a node: the branches that decided a block; for a branch or a
/// condition joined with `and`/`or`, the operands with the node's own truth.
pub(super) fn decisive(node: &Node) -> Box<dyn Iterator<Item = &Node> + '_> {
    match node.kind {
        NodeKind::All | NodeKind::Any | NodeKind::AtLeast | NodeKind::Not => Box::new(node.supporting_children()),
        _ => {
            let same: Vec<&Node> = node
                .children
                .iter()
                .filter(|c| truth(c).is_some() && truth(c) == truth(node))
                .collect();
            if same.is_empty() || truth(node).is_none() {
                Box::new(node.children.iter())
            } else {
                Box::new(same.into_iter())
            }
        }
    }
}

/// A node's truth: `Some(true)`, `Some(false)`, or `None` (unknown or not a truth value).
fn truth(node: &Node) -> Option<bool> {
    if node.unknown {
        return None;
    }
    node.value.as_bool()
}

/// A rule's verdict: `Some(true/false)` for a decided truth value.
pub(super) fn verdict(node: &Node) -> Option<bool> {
    truth(node)
}

/// The exception that decided a rule: one whose condition held.
pub(super) fn deciding_exception(rule: &Node) -> Option<&Node> {
    rule.children
        .iter()
        .find(|c| c.kind == NodeKind::Exception && c.value == Json::Bool(true))
}

/// The two sides of a comparison when each is one recorded node (a fact, parameter or
/// conclusion whose value is the side's value); the right side is `None` for a constant.
fn operands(node: &Node) -> (Option<&Node>, Option<&Node>) {
    let leaves: Vec<&Node> = node.children.iter().collect();
    match leaves.as_slice() {
        [left] if is_side(left, node.left.as_deref()) => (Some(left), None),
        [left, right] if is_side(left, node.left.as_deref()) && is_side(right, node.right.as_deref()) => {
            (Some(left), Some(right))
        }
        _ => (None, None),
    }
}

/// What a node shows the value of: for `rule at date`, the rule (its label, type and value
/// labels); otherwise the node itself.
pub(super) fn named(node: &Node) -> &Node {
    if node.kind != NodeKind::At {
        return node;
    }
    // The date may come from a rule too: the rule applied is the one the node's text names.
    let rule = node.children.iter().find(|c| {
        matches!(c.kind, NodeKind::Rule | NodeKind::RuleRef)
            && c.id.is_some()
            && c.id.as_deref() == node.text.as_deref()
    });
    rule.unwrap_or(node)
}

/// The list an aggregate counts, when it counts every item of one list (`count(x)`, not
/// `count(x where …)`).
fn counted(node: &Node) -> Option<&Node> {
    let [list] = node.children.as_slice() else { return None };
    let id = list.id.as_deref()?;
    let text = node.text.as_deref()?;
    let counts_all = text.strip_prefix("count(")?.strip_suffix(')')? == id;
    (node.kind == NodeKind::Aggregate && counts_all && !label(list).is_empty()).then_some(list)
}

/// A comparison whose left side is one node and whose right side was computed from the
/// others (`loss >= 标准 * 倍数`): that node and the others.
fn computed_right(node: &Node) -> Option<(&Node, &[Node])> {
    let (left, inputs) = node.children.split_first()?;
    let shown = node.right.is_some() && !inputs.is_empty();
    // The left side is that node itself, as written, not a sum that happens to equal it.
    let written = written_sides(node).is_some_and(|(text, _)| left.id.as_deref() == Some(text));
    (shown && written && is_side(left, node.left.as_deref())).then_some((left, inputs))
}

/// The two sides of a comparison as written (`loss >= 标准 * 倍数` → `loss`, `标准 * 倍数`).
fn written_sides(node: &Node) -> Option<(&str, &str)> {
    let op = node.op.as_deref()?;
    let (left, right) = node.text.as_deref()?.split_once(&format!(" {op} "))?;
    Some((left.trim(), right.trim()))
}

/// A comparison whose right side is one node and whose left side was computed from the
/// others (`minutes * 1 minute >= 标准`): the others and that node.
fn computed_left(node: &Node) -> Option<(&[Node], &Node)> {
    let (right, inputs) = node.children.split_last()?;
    let shown = node.left.is_some() && !inputs.is_empty();
    let written = written_sides(node).is_some_and(|(_, text)| right.id.as_deref() == Some(text));
    (shown && written && is_side(right, node.right.as_deref())).then_some((inputs, right))
}

/// Whether `node` is the side of a comparison written `text`: the same value (an amount
/// `210000.00` is the side `210000`), or unknown.
pub(super) fn is_side(node: &Node, text: Option<&str>) -> bool {
    text.is_some_and(|t| node.unknown || same_value_text(&plain(node), t))
}

/// Two texts of one value: equal, or the same decimal number written with more or fewer
/// zeros after the point.
fn same_value_text(a: &str, b: &str) -> bool {
    fn trimmed(text: &str) -> &str {
        let is_number = !text.is_empty()
            && text
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.');
        if is_number && text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.')
        } else {
            text
        }
    }
    a == b || trimmed(a) == trimmed(b)
}

/// A value as comparisons write their sides.
fn plain(node: &Node) -> String {
    match &node.value {
        Json::String(s) => s.clone(),
        Json::Null => String::from("none"),
        other => other.to_string(),
    }
}

/// A node's label, else its id.
pub(super) fn label(node: &Node) -> String {
    node.label
        .as_deref()
        .or(node.id.as_deref())
        .unwrap_or_default()
        .to_string()
}

/// How a branch is named in prose: its label, or the article of an item (`第三条第二项`).
pub(super) fn branch_heading(branch: &Node) -> Option<String> {
    let label = branch.label.as_deref()?;
    if words::is_item_number(label) {
        return Some(
            branch
                .citation
                .as_deref()
                .map(String::from)
                .unwrap_or_else(|| words::item_label(label)),
        );
    }
    Some(label.to_string())
}

/// `held` values (`["2"]`) as items (`第二项`).
pub(super) fn items(value: &Json) -> Option<String> {
    let list = value.as_array()?;
    if list.is_empty() {
        return None;
    }
    Some(
        list.iter()
            .filter_map(Json::as_str)
            .map(words::item_label)
            .collect::<Vec<_>>()
            .join("、"),
    )
}

/// Dates: 不早于 / 早于 / 晚于 / 不晚于.
fn date_relation(op: &str, holds: bool) -> &'static str {
    match (op, holds) {
        (">=", true) | ("<", false) => "不早于",
        (">=", false) | ("<", true) => "早于",
        (">", true) | ("<=", false) => "晚于",
        (">", false) | ("<=", true) => "不晚于",
        _ => "对照",
    }
}

/// A version's display text with its date in words (`2015-11-01起施行` → `2015年11月1日起施行`).
pub(super) fn version_words(text: &str) -> String {
    match (text.get(..10), text.get(10..)) {
        (Some(date), Some(rest)) if crate::value::parse_date(date).is_some() => {
            format!("{}{rest}", words::date_words(date))
        }
        _ => text.to_string(),
    }
}

/// The first fact, parameter or conclusion named `name` at or below `node`.
fn find_named<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    let named = matches!(
        node.kind,
        NodeKind::Fact | NodeKind::Param | NodeKind::Rule | NodeKind::RuleRef
    );
    if named && node.id.as_deref() == Some(name) {
        return Some(node);
    }
    node.children.iter().find_map(|c| find_named(c, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_is_the_side_written_without_its_cents() {
        assert!(same_value_text("210000.00", "210000"));
        assert!(same_value_text("0.50", "0.5"));
        assert!(same_value_text("-12.000", "-12"));
        assert!(same_value_text("2021-05-20", "2021-05-20"));
        assert!(!same_value_text("210000.01", "210000"));
        assert!(!same_value_text("100", "10"));
        assert!(!same_value_text("none", "no"));
    }
}
