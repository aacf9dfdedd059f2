//! Explanations: what each conclusion rests on, node by node.
//!
//! Two forms, one contract (`docs/explanation-schema.md`, versioned by [`SCHEMA_VERSION`]):
//! the [`Catalog`] of a rule set (its declarations and every node an explanation can contain,
//! written once) with a compact per-case [`Trace`] naming catalog nodes; and the
//! [`Explanation`] tree the two make, which `report` renders. `eval` records traces and
//! builds trees only when asked for.

mod assemble;
mod catalog;
mod scope;
mod trace;

use std::sync::Arc;

pub(crate) use assemble::{assemble, Entry, Recorded, Templates};
pub use catalog::{Catalog, Declaration, EnumValue, ExceptionEntry, NodeEntry, SourceEntry, ValueEntry, VersionEntry};
pub use scope::{Scope, ScopeOrigin};
pub(crate) use trace::encode;
pub use trace::{Trace, TraceError};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Version of the explanation JSON schema.
pub const SCHEMA_VERSION: u32 = 2;

/// Explanations of all conclusions of one evaluation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    /// Schema version of this JSON form.
    pub schema_version: u32,
    /// The date whose law was applied.
    pub as_of: String,
    /// One tree per conclusion, in declaration order.
    pub conclusions: IndexMap<String, Node>,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A rule (conclusion) with the version applied.
    Rule,
    /// A reference to another conclusion (its own tree is listed beside this one).
    RuleRef,
    /// A case fact.
    Fact,
    /// A parameter (threshold) with the version used.
    Param,
    /// A comparison (`illegal_videos >= 200`).
    Comparison,
    /// `all { … }`
    All,
    /// `any { … }`
    Any,
    /// `not { … }`
    Not,
    /// `N of { … }`
    AtLeast,
    /// One labelled branch of a block.
    Branch,
    /// `if … then … else …`
    Condition,
    /// An aggregate over a list.
    Aggregate,
    /// An exception that was considered.
    Exception,
    /// A rule evaluated under the law of another date.
    At,
    /// `held(rule)`
    Held,
}

/// One node of an explanation: what the case made of it (value, sides compared, children)
/// over a part that does not depend on the case ([`NodeInfo`]: identifier, label, citation,
/// statute text…), shared by every explanation of the rule set. A node dereferences to that
/// part, so `node.label` and `node.citation` read it; the JSON form lists both parts' fields
/// in one object (`docs/explanation-schema.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it stands for.
    pub kind: NodeKind,
    /// The part that does not depend on the case (for rules and parameters: of the version
    /// applied).
    pub info: Arc<NodeInfo>,
    /// The value (`null` with `unknown: true` when it could not be decided).
    pub value: Json,
    /// For a value of an enum type: the label the rule files give that value (`应用服务`).
    pub value_label: Option<Arc<str>>,
    /// True when the value is unknown because facts are missing.
    pub unknown: bool,
    /// For facts: the value is the declared default.
    pub default: bool,
    /// For comparisons: the left value.
    pub left: Option<String>,
    /// For comparisons: the right value.
    pub right: Option<String>,
    /// For numeric comparisons: left − right, exact.
    pub margin: Option<String>,
    /// For `at` nodes and exceptions: the date concerned.
    pub date: Option<String>,
    /// For a rule decided by an exception (its condition held): that exception's id. The
    /// exception is the reason for the value; the rule's own derivation says what it would
    /// otherwise have been.
    pub decided_by: Option<Arc<str>>,
    /// What this node rests on.
    pub children: Vec<Node>,
}

/// The part of a [`Node`] that does not depend on the case: worked out once per rule set
/// (and per version of a rule or parameter) and shared by every node that shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeInfo {
    /// Identifier of the rule, fact, parameter or exception.
    pub id: Option<Arc<str>>,
    /// Human label (Chinese where the rules are Chinese).
    pub label: Option<Arc<str>>,
    /// Citation down to 款/项.
    pub citation: Option<Arc<str>>,
    /// The version applied (`2019-11-01起施行` style text: "in force from …").
    pub version: Option<Arc<str>>,
    /// The expression as written in the rule file.
    pub text: Option<Arc<str>>,
    /// For comparisons: the operator.
    pub op: Option<Arc<str>>,
    /// Where the rule, branch, comparison or exception is written (`rules/x.rule:12`).
    pub location: Option<Arc<str>>,
    /// For a rule or branch: its `says` template (how memos phrase why it holds).
    pub says: Option<Arc<str>>,
    /// Statute text: the rule's doc comment, or the `quote` of the version applied (rules and
    /// parameters).
    pub doc: Arc<[String]>,
}

impl std::ops::Deref for Node {
    type Target = NodeInfo;

    fn deref(&self) -> &NodeInfo {
        &self.info
    }
}

impl Serialize for Node {
    /// One JSON object, fields in the schema's order, absent ones left out.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let info = &*self.info;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", &self.kind)?;
        optional(&mut map, "id", &info.id)?;
        optional(&mut map, "label", &info.label)?;
        optional(&mut map, "citation", &info.citation)?;
        map.serialize_entry("value", &self.value)?;
        optional(&mut map, "value_label", &self.value_label)?;
        if self.unknown {
            map.serialize_entry("unknown", &true)?;
        }
        optional(&mut map, "version", &info.version)?;
        if self.default {
            map.serialize_entry("default", &true)?;
        }
        optional(&mut map, "text", &info.text)?;
        optional(&mut map, "op", &info.op)?;
        optional(&mut map, "left", &self.left)?;
        optional(&mut map, "right", &self.right)?;
        optional(&mut map, "margin", &self.margin)?;
        optional(&mut map, "date", &self.date)?;
        optional(&mut map, "location", &info.location)?;
        optional(&mut map, "says", &info.says)?;
        if !info.doc.is_empty() {
            map.serialize_entry("doc", &*info.doc)?;
        }
        optional(&mut map, "decided_by", &self.decided_by)?;
        if !self.children.is_empty() {
            map.serialize_entry("children", &self.children)?;
        }
        map.end()
    }
}

fn optional<M: serde::ser::SerializeMap, T: Serialize>(
    map: &mut M,
    key: &str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

impl Node {
    /// A node of a kind with a value; other fields empty.
    pub fn new(kind: NodeKind, value: Json, unknown: bool) -> Node {
        Node::with_info(kind, Arc::new(NodeInfo::default()), value, unknown)
    }

    /// A node of a kind over a shared case-independent part, with a value; other fields empty.
    pub fn with_info(kind: NodeKind, info: Arc<NodeInfo>, value: Json, unknown: bool) -> Node {
        Node {
            kind,
            info,
            value,
            value_label: None,
            unknown,
            default: false,
            left: None,
            right: None,
            margin: None,
            date: None,
            decided_by: None,
            children: Vec::new(),
        }
    }

    /// Whether the node's value is boolean true.
    pub fn holds(&self) -> bool {
        self.value == Json::Bool(true)
    }

    /// Every citation in this tree (depth first), including referenced rules' trees.
    pub fn citations<'a>(&'a self, all: &'a IndexMap<String, Node>, out: &mut Vec<String>, seen: &mut Vec<String>) {
        if let Some(c) = &self.citation {
            if !out.iter().any(|o| o.as_str() == c.as_ref()) {
                out.push(c.to_string());
            }
        }
        if self.kind == NodeKind::RuleRef {
            if let Some(id) = &self.id {
                if !seen.iter().any(|s| s.as_str() == id.as_ref()) {
                    seen.push(id.to_string());
                    if let Some(target) = all.get(id.as_ref()) {
                        target.citations(all, out, seen);
                    }
                }
            }
        }
        for child in self.supporting_children() {
            child.citations(all, out, seen);
        }
    }

    /// The children that decided this node's value: for a block that held
    /// through some branches, only those; otherwise every child.
    pub fn supporting_children(&self) -> impl Iterator<Item = &Node> {
        let decisive = match (self.kind, &self.value) {
            (NodeKind::Any | NodeKind::AtLeast, Json::Bool(true)) => Some(Json::Bool(true)),
            (NodeKind::All | NodeKind::AtLeast, Json::Bool(false)) => Some(Json::Bool(false)),
            (NodeKind::Any, Json::Bool(false)) => None,
            _ => None,
        };
        self.children.iter().filter(move |c| match &decisive {
            Some(v) => c.kind != NodeKind::Branch || c.value == *v,
            None => true,
        })
    }
}

impl Explanation {
    /// The facts whose absence leaves `conclusion` undecided: the unknown facts under its
    /// undecided nodes, in its tree and in the trees of the undecided conclusions it rests on.
    /// None when it was decided (a fact missing under a decided node did not matter).
    pub fn missing_facts_of(&self, conclusion: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = vec![conclusion];
        // A stack, not recursion: a tree read back from JSON may nest deeply.
        let mut stack: Vec<&Node> = self.conclusions.get(conclusion).into_iter().collect();
        while let Some(node) = stack.pop() {
            if !node.unknown {
                continue;
            }
            let id = node.id.as_deref();
            match (node.kind, id) {
                (NodeKind::Fact, Some(id)) if !out.iter().any(|o| o == id) => out.push(id.to_string()),
                (NodeKind::RuleRef, Some(id)) if !seen.contains(&id) => {
                    seen.push(id);
                    stack.extend(self.conclusions.get(id));
                }
                _ => {}
            }
            stack.extend(node.children.iter().rev());
        }
        out
    }

    /// Whether `conclusion`'s explanation rests on `other`: its tree, or the tree of a
    /// conclusion it rests on, refers to `other`.
    pub fn rests_on(&self, conclusion: &str, other: &str) -> bool {
        let mut seen = vec![conclusion];
        let mut stack: Vec<&Node> = self.conclusions.get(conclusion).into_iter().collect();
        while let Some(node) = stack.pop() {
            if let (NodeKind::RuleRef, Some(id)) = (node.kind, node.id.as_deref()) {
                if id == other {
                    return true;
                }
                if !seen.contains(&id) {
                    seen.push(id);
                    stack.extend(self.conclusions.get(id));
                }
            }
            stack.extend(node.children.iter());
        }
        false
    }

    /// All citations a conclusion's explanation rests on (its own tree and referenced rules).
    pub fn citations_of(&self, conclusion: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = vec![conclusion.to_string()];
        if let Some(node) = self.conclusions.get(conclusion) {
            node.citations(&self.conclusions, &mut out, &mut seen);
        }
        out
    }
}
