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

pub(crate) use assemble::{assemble, Entry, Templates};
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

/// One node of an explanation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    /// What it stands for.
    pub kind: NodeKind,
    /// Identifier of the rule, fact, parameter or exception.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Arc<str>>,
    /// Human label (Chinese where the rules are Chinese).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Arc<str>>,
    /// Citation down to 款/项.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<Arc<str>>,
    /// The value (`null` with `unknown: true` when it could not be decided).
    pub value: Json,
    /// For a value of an enum type: the label the rule files give that value (`应用服务`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_label: Option<String>,
    /// True when the value is unknown because facts are missing.
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
    /// The version applied (`2019-11-01起施行` style text: "in force from …").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Arc<str>>,
    /// For facts: the value is the declared default.
    #[serde(skip_serializing_if = "is_false")]
    pub default: bool,
    /// The expression as written in the rule file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Arc<str>>,
    /// For comparisons: the operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<Arc<str>>,
    /// For comparisons: the left value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
    /// For comparisons: the right value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<String>,
    /// For numeric comparisons: left − right, exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<String>,
    /// For `at` nodes and exceptions: the date concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where the rule, branch, comparison or exception is written (`rules/x.rule:12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Arc<str>>,
    /// For a rule or branch: its `says` template (how memos phrase why it holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub says: Option<Arc<str>>,
    /// Statute text: the rule's doc comment, or the `quote` of the version applied (rules and
    /// parameters).
    #[serde(skip_serializing_if = "is_empty")]
    pub doc: Arc<[String]>,
    /// For a rule decided by an exception (its condition held): that exception's id. The
    /// exception is the reason for the value; the rule's own derivation says what it would
    /// otherwise have been.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Arc<str>>,
    /// What this node rests on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_empty(lines: &Arc<[String]>) -> bool {
    lines.is_empty()
}

impl Node {
    /// A node of a kind with a value; other fields empty.
    pub fn new(kind: NodeKind, value: Json, unknown: bool) -> Node {
        Node {
            kind,
            id: None,
            label: None,
            citation: None,
            value,
            value_label: None,
            unknown,
            version: None,
            default: false,
            text: None,
            op: None,
            left: None,
            right: None,
            margin: None,
            date: None,
            location: None,
            says: None,
            doc: Arc::from(Vec::new()),
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
