//! The catalog: everything about the explanations of one rule set that does not depend on
//! the case — its declarations with their labels, dated versions and citations, and the
//! nodes an explanation can contain (which rule, branch, comparison… each is). A [`Trace`]
//! names nodes by their index here; [`Catalog::explanation`] rebuilds the tree.
//!
//! [`Trace`]: super::Trace

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Node, NodeInfo, NodeKind, SCHEMA_VERSION};

/// The static part of every explanation of one rule set (schema version 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Schema version of this JSON form.
    pub schema_version: u32,
    /// Identifies the rule set (a hash of its files' names and texts); a trace names it.
    pub rule_set: String,
    /// Legal sources.
    pub sources: Vec<SourceEntry>,
    /// Enum types: their values with labels.
    pub enums: Vec<Vec<EnumValue>>,
    /// Facts, in declaration order.
    pub facts: Vec<Declaration>,
    /// Parameters, in declaration order.
    pub params: Vec<Declaration>,
    /// Rules (conclusions), in declaration order.
    pub rules: Vec<Declaration>,
    /// Exceptions, in declaration order.
    pub exceptions: Vec<ExceptionEntry>,
    /// The nodes an explanation can contain; a trace record names one by its index.
    pub nodes: Vec<NodeEntry>,
}

/// A legal source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceEntry {
    /// Short name used in rule files.
    pub name: String,
    /// How citations name it (`法释〔2019〕15号`).
    pub citation_name: String,
    /// Full title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// In force from (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<String>,
    /// In force until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Provisions of it the rule set does not encode (`not_encoded "…"` in the rule files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_encoded: Vec<String>,
}

/// One value of an enum type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    /// The code case files and results use (`unit`).
    pub value: String,
    /// Its label (`单位`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A fact, parameter or rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    /// Identifier.
    pub id: String,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Type as rule files write it (`count`, `money?`, `enum { … }`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// For an enum type (possibly optional): its index in [`Catalog::enums`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_index: Option<u32>,
    /// Citation (facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// For a rule: its `says` template (how memos phrase why it holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<String>,
    /// Dated versions (parameters and rules), sorted by start date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionEntry>,
    /// The `///` doc comment (usually statute text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc: Vec<String>,
    /// Where it is declared, below the rule-set root (`criminal-law/art-286-1.rule:12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// For a rule: the facts its versions and exceptions read (indexes in [`Catalog::facts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads_facts: Vec<u32>,
    /// For a rule: the rules it uses directly (indexes in [`Catalog::rules`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads_rules: Vec<u32>,
    /// For a parameter: its value over time, one entry from each date it changes (a
    /// parameter computed from others changes when they do, even without a version of its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueEntry>,
    /// For a fact or a record field: the value it takes when the case does not give it, in
    /// the JSON encoding of case files (`null`: the default is `none`; absent: no constant
    /// default).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub default: Option<serde_json::Value>,
    /// For a fact of a record type or a list of records: the record's fields, in declaration
    /// order (`id`, `label`, `type`, `enum_index`, `default`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Declaration>,
}

/// A key that is present, `null` included (an absent key is `None` by `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

impl Declaration {
    /// A declaration with an identifier, label and type, and nothing else.
    pub fn new(id: impl Into<String>, label: Option<String>, type_name: impl Into<String>) -> Declaration {
        Declaration {
            id: id.into(),
            label,
            type_name: type_name.into(),
            enum_index: None,
            citation: None,
            says: None,
            versions: Vec::new(),
            doc: Vec::new(),
            location: None,
            reads_facts: Vec::new(),
            reads_rules: Vec::new(),
            values: Vec::new(),
            default: None,
            fields: Vec::new(),
        }
    }
}

/// A parameter's value from a date on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueEntry {
    /// From (`YYYY-MM-DD`; absent: from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The value, in the JSON encoding of case files (`null`: no value, or it cannot be computed).
    pub value: serde_json::Value,
}

/// One dated version of a parameter or rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// In force from (`YYYY-MM-DD`; absent: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Its citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The statute text of this version (`quote "…"`), quoted when it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// An exception.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    /// Identifier.
    pub id: String,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Index of the rule it applies to in [`Catalog::rules`].
    pub rule: u32,
    /// Considered from (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Its citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The `///` doc comment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doc: Vec<String>,
    /// Where it is declared, below the rule-set root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// One node an explanation can contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeEntry {
    /// What it stands for.
    pub kind: NodeKind,
    /// The rule (index in [`Catalog::rules`]) of a `rule`, `rule_ref` or `held` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<u32>,
    /// For a `rule` node: the version (index in the rule's `versions`); absent when no
    /// version is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The fact of a `fact` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<u32>,
    /// The parameter of a `param` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<u32>,
    /// The exception of an `exception` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<u32>,
    /// A branch's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A branch's citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// A branch's `says` template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub says: Option<String>,
    /// The expression as written, on one line (`comparison`, `branch`, `condition`,
    /// `aggregate`, `at`), or N of `at_least`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A comparison's operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// Where it is written, below the rule-set root (`branch`, `comparison`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl NodeEntry {
    /// A node of a kind with nothing else set.
    pub fn of(kind: NodeKind) -> NodeEntry {
        NodeEntry {
            kind,
            rule: None,
            version: None,
            fact: None,
            param: None,
            exception: None,
            label: None,
            citation: None,
            says: None,
            text: None,
            op: None,
            location: None,
        }
    }
}

/// The text shown for a version: the date from which it applies, and how many versions there
/// are. A version that applies from before its source took effect (a judicial
/// interpretation's threshold applied to earlier conduct, 《关于适用刑事司法解释时间效力问题的规定》
/// 第二条) reads `起适用`: `起施行` would misstate when the source took effect.
pub(crate) fn version_text(from: Option<&str>, n_versions: usize, in_force: Option<&str>) -> Option<Arc<str>> {
    // Dates are `YYYY-MM-DD`: their order is that of the texts.
    let verb = match (from, in_force) {
        (Some(from), Some(in_force)) if from < in_force => "适用",
        _ => "施行",
    };
    match from {
        Some(d) if n_versions > 1 => Some(Arc::from(format!("{d}起{verb}的版本（共{n_versions}个版本）"))),
        Some(d) => Some(Arc::from(format!("{d}起{verb}"))),
        None => None,
    }
}

impl NodeInfo {
    /// The part of a declaration's nodes that names it: identifier and label.
    pub(crate) fn identifying(decl: &Declaration) -> NodeInfo {
        NodeInfo {
            id: Some(Arc::from(decl.id.as_str())),
            label: decl.label.as_deref().map(Arc::from),
            ..NodeInfo::default()
        }
    }
}

/// The text shown when no version is in force on a date.
pub(crate) const NO_VERSION: &str = "该日期无施行中的版本";

impl Catalog {
    /// An empty catalog of the current schema version (filled by the compiler).
    pub(crate) fn new(rule_set: String) -> Catalog {
        Catalog {
            schema_version: SCHEMA_VERSION,
            rule_set,
            sources: Vec::new(),
            enums: Vec::new(),
            facts: Vec::new(),
            params: Vec::new(),
            rules: Vec::new(),
            exceptions: Vec::new(),
            nodes: Vec::new(),
        }
    }

    /// The node with every case-independent field set (value `null`, no children): what a
    /// record at this node fills in.
    pub fn template(&self, node: &NodeEntry) -> Node {
        Node::with_info(node.kind, Arc::new(self.info(node)), serde_json::Value::Null, false)
    }

    /// The date the source a citation names took effect (`法释〔2019〕15号 第三条` → its source's
    /// `in_force`).
    pub(crate) fn in_force_of(&self, citation: Option<&str>) -> Option<&str> {
        let citation = citation?;
        let names = |s: &&SourceEntry| {
            citation
                .strip_prefix(s.citation_name.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        };
        self.sources.iter().find(names)?.in_force.as_deref()
    }

    /// The case-independent part of a node (for a rule node, of its version).
    fn info(&self, node: &NodeEntry) -> NodeInfo {
        let arc = |s: &Option<String>| s.as_deref().map(Arc::from);
        let mut out = NodeInfo::default();
        match node.kind {
            NodeKind::Rule => {
                if let Some(rule) = node.rule.and_then(|r| self.rules.get(r as usize)) {
                    out = NodeInfo::identifying(rule);
                    out.says = arc(&rule.says);
                    out.doc = Arc::from(rule.doc.clone());
                    match node.version.and_then(|v| rule.versions.get(v as usize)) {
                        Some(version) => {
                            out.citation = arc(&version.citation);
                            let in_force = self.in_force_of(version.citation.as_deref());
                            out.version = version_text(version.from.as_deref(), rule.versions.len(), in_force);
                            // The version's own statute text replaces the rule's doc comment.
                            if let Some(quote) = &version.quote {
                                out.doc = Arc::from(vec![quote.clone()]);
                            }
                        }
                        None => out.version = Some(Arc::from(NO_VERSION)),
                    }
                    out.location = arc(&rule.location);
                }
            }
            NodeKind::RuleRef | NodeKind::Held => {
                if let Some(rule) = node.rule.and_then(|r| self.rules.get(r as usize)) {
                    out = NodeInfo::identifying(rule);
                }
            }
            NodeKind::Fact => {
                if let Some(fact) = node.fact.and_then(|f| self.facts.get(f as usize)) {
                    out = NodeInfo::identifying(fact);
                }
            }
            NodeKind::Param => {
                if let Some(param) = node.param.and_then(|p| self.params.get(p as usize)) {
                    out = NodeInfo::identifying(param);
                }
            }
            NodeKind::Exception => {
                if let Some(exception) = node.exception.and_then(|e| self.exceptions.get(e as usize)) {
                    out.id = Some(Arc::from(exception.id.as_str()));
                    out.label = arc(&exception.label);
                    out.citation = arc(&exception.citation);
                    out.doc = Arc::from(exception.doc.clone());
                    out.location = arc(&exception.location);
                }
            }
            _ => {
                out.label = arc(&node.label);
                out.citation = arc(&node.citation);
                out.says = arc(&node.says);
                out.text = arc(&node.text);
                out.op = arc(&node.op);
                out.location = arc(&node.location);
            }
        }
        out
    }

    /// The rules that `questions` (rule ids) depend on, themselves included: what evaluating
    /// only those conclusions computes. Unknown ids are ignored.
    pub fn closure(&self, questions: &[&str]) -> Vec<bool> {
        let mut reached = vec![false; self.rules.len()];
        let mut pending: Vec<usize> = questions
            .iter()
            .filter_map(|q| self.rules.iter().position(|r| r.id == *q))
            .collect();
        while let Some(rule) = pending.pop() {
            match reached.get_mut(rule) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            if let Some(decl) = self.rules.get(rule) {
                pending.extend(decl.reads_rules.iter().map(|r| *r as usize));
            }
        }
        reached
    }

    /// The rules whose value can depend on one of `facts` (fact ids), directly or through the
    /// rules they use: the conclusions a case giving those facts is about.
    pub fn touched_by(&self, facts: &[&str]) -> Vec<bool> {
        let given: Vec<u32> = facts
            .iter()
            .filter_map(|f| self.facts.iter().position(|d| d.id == *f))
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        let mut touched: Vec<bool> = self
            .rules
            .iter()
            .map(|r| r.reads_facts.iter().any(|f| given.contains(f)))
            .collect();
        // Rules come in declaration order, not dependency order: repeat until nothing changes.
        loop {
            let mut changed = false;
            for (index, rule) in self.rules.iter().enumerate() {
                let now = rule.reads_rules.iter().any(|r| touched.get(*r as usize) == Some(&true));
                if let Some(slot) = touched.get_mut(index) {
                    if now && !*slot {
                        *slot = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                return touched;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(citation_name: &str, in_force: &str) -> SourceEntry {
        SourceEntry {
            name: citation_name.to_string(),
            citation_name: citation_name.to_string(),
            title: None,
            in_force: Some(in_force.to_string()),
            until: None,
            not_encoded: Vec::new(),
        }
    }

    #[test]
    fn a_version_applied_before_its_source_took_effect_reads_qi_shiyong() {
        let mut catalog = Catalog::new(String::from("x"));
        catalog.sources = vec![source("刑法", "1997-10-01"), source("法释〔2019〕15号", "2019-11-01")];
        let text = |from: &str, n: usize, citation: &str| {
            version_text(Some(from), n, catalog.in_force_of(Some(citation))).map(|t| t.to_string())
        };
        assert_eq!(
            text("2015-11-01", 1, "法释〔2019〕15号 第三条第一项").as_deref(),
            Some("2015-11-01起适用")
        );
        assert_eq!(
            text("2019-11-01", 1, "法释〔2019〕15号 第三条").as_deref(),
            Some("2019-11-01起施行")
        );
        assert_eq!(
            text("2015-11-01", 2, "法释〔2019〕15号").as_deref(),
            Some("2015-11-01起适用的版本（共2个版本）")
        );
        // `刑法修正案（九）` is not `刑法`: a source is named by the whole of its citation name.
        assert_eq!(catalog.in_force_of(Some("刑法修正案（九） 第一条")), None);
        assert_eq!(catalog.in_force_of(Some("刑法 第十二条")), Some("1997-10-01"));
        assert_eq!(
            text("2015-11-01", 1, "不存在的出处 第一条").as_deref(),
            Some("2015-11-01起施行")
        );
        assert_eq!(version_text(None, 1, None), None);
    }
}
