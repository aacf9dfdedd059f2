//! Sites: the explanation nodes a compiled rule set can record, with everything about them
//! that does not depend on the case (the static catalog). A recorded trace names sites by
//! index; the tree is built from the trace and these templates only when asked for.

use std::sync::Arc;

use crate::explain::{Node, NodeKind};
use crate::ir::{self, FactId, ParamId, Program, RuleId, Type};
use crate::source::Span;
use crate::value::Date;

/// What a recorded node adds to its site's template.
#[derive(Debug, Clone)]
pub(crate) enum Fill {
    /// A rule's tree: its value (of the rule's type).
    Rule(RuleId),
    /// A use of a rule: its value; the citation of the version in force at the frame's date;
    /// outside the main frame, the rule's own tree in its place.
    RuleRef(RuleId),
    /// A fact: its value and whether it is the default.
    Fact(FactId),
    /// A parameter: its value, and the version in force at the frame's date.
    Param(ParamId),
    /// A three-valued truth (blocks, branches, exceptions, `N of`).
    Truth,
    /// A comparison: the truth, both sides and the margin.
    Comparison,
    /// A value of this type (conditions, aggregates).
    Typed(Type),
    /// `at`: the value (of this type) and the date.
    At(Type),
    /// `held(rule)`: the labels, and the citation of the rule's version at the frame's date.
    Held(RuleId),
}

/// One site: the node's static parts and what a record fills in.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// The node with every case-independent field set (value `null`, no children).
    pub(crate) template: Node,
    /// What the record adds.
    pub(crate) fill: Fill,
}

/// The sites of a program, built while compiling.
#[derive(Debug, Default)]
pub(crate) struct Sites {
    pub(crate) sites: Vec<Site>,
}

/// The text shown for a version: the date it took effect, and how many versions there are.
pub(crate) fn version_text(from: Option<Date>, n_versions: usize) -> Option<Arc<str>> {
    match from {
        Some(d) if n_versions > 1 => Some(Arc::from(format!("{d}起施行的版本（共{n_versions}个版本）"))),
        Some(d) => Some(Arc::from(format!("{d}起施行"))),
        None => None,
    }
}

/// The text shown when no version is in force on a date.
pub(crate) const NO_VERSION: &str = "该日期无施行中的版本";

fn arc(text: &str) -> Arc<str> {
    Arc::from(text)
}

fn cite_text(cite: Option<&ir::Cite>) -> Option<Arc<str>> {
    cite.map(|c| Arc::clone(&c.text))
}

impl Sites {
    fn push(&mut self, template: Node, fill: Fill) -> u32 {
        let index = u32::try_from(self.sites.len()).unwrap_or(u32::MAX);
        self.sites.push(Site { template, fill });
        index
    }

    /// The site with this index.
    pub(crate) fn get(&self, index: u32) -> Option<&Site> {
        self.sites.get(index as usize)
    }

    /// A rule's tree under one of its versions (`None`: no version in force).
    pub(crate) fn rule(&mut self, program: &Program, id: RuleId, version: Option<usize>) -> u32 {
        let mut node = Node::new(NodeKind::Rule, serde_json::Value::Null, false);
        if let Some(info) = program.rule(id) {
            node.id = Some(arc(&info.name));
            node.label = info.label.as_deref().map(arc);
            match version.and_then(|v| info.versions.get(v)) {
                Some(v) => {
                    node.citation = cite_text(v.cite.as_ref());
                    node.version = version_text(v.from, info.versions.len());
                }
                None => node.version = Some(arc(NO_VERSION)),
            }
            node.doc = Arc::from(info.doc.clone());
            node.location = Some(Arc::from(program.source_map.location(info.span)));
        }
        self.push(node, Fill::Rule(id))
    }

    /// The use of a rule.
    pub(crate) fn rule_ref(&mut self, program: &Program, id: RuleId) -> u32 {
        let mut node = Node::new(NodeKind::RuleRef, serde_json::Value::Null, false);
        if let Some(info) = program.rule(id) {
            node.id = Some(arc(&info.name));
            node.label = info.label.as_deref().map(arc);
        }
        self.push(node, Fill::RuleRef(id))
    }

    /// A fact.
    pub(crate) fn fact(&mut self, program: &Program, id: FactId) -> u32 {
        let mut node = Node::new(NodeKind::Fact, serde_json::Value::Null, false);
        if let Some(info) = program.fact(id) {
            node.id = Some(arc(&info.name));
            node.label = info.label.as_deref().map(arc);
        }
        self.push(node, Fill::Fact(id))
    }

    /// A parameter.
    pub(crate) fn param(&mut self, program: &Program, id: ParamId) -> u32 {
        let mut node = Node::new(NodeKind::Param, serde_json::Value::Null, false);
        if let Some(info) = program.param(id) {
            node.id = Some(arc(&info.name));
            node.label = info.label.as_deref().map(arc);
        }
        self.push(node, Fill::Param(id))
    }

    /// A comparison written at `span`.
    pub(crate) fn comparison(&mut self, program: &Program, op: crate::ast::BinaryOp, span: Span) -> u32 {
        let mut node = Node::new(NodeKind::Comparison, serde_json::Value::Null, false);
        node.text = Some(Arc::from(program.source_map.one_line(span)));
        node.location = Some(Arc::from(program.source_map.location(span)));
        node.op = Some(arc(op.symbol()));
        self.push(node, Fill::Comparison)
    }

    /// A branch of a block.
    pub(crate) fn branch(&mut self, program: &Program, branch: &ir::Branch) -> u32 {
        let mut node = Node::new(NodeKind::Branch, serde_json::Value::Null, false);
        node.label = branch.label.clone();
        node.citation = cite_text(branch.cite.as_ref());
        node.text = Some(Arc::from(program.source_map.one_line(branch.expr.span)));
        node.location = Some(Arc::from(program.source_map.location(branch.span)));
        self.push(node, Fill::Truth)
    }

    /// A block or `N of` node.
    pub(crate) fn block(&mut self, kind: NodeKind, text: Option<String>) -> u32 {
        let mut node = Node::new(kind, serde_json::Value::Null, false);
        node.text = text.map(Arc::from);
        self.push(node, Fill::Truth)
    }

    /// A node of a typed value quoting the text at `span` (conditions, aggregates).
    pub(crate) fn typed(&mut self, program: &Program, kind: NodeKind, span: Span, ty: &Type) -> u32 {
        let mut node = Node::new(kind, serde_json::Value::Null, false);
        node.text = Some(Arc::from(program.source_map.one_line(span)));
        self.push(node, Fill::Typed(ty.clone()))
    }

    /// `target at date`.
    pub(crate) fn at(&mut self, program: &Program, target: &ir::Expr) -> u32 {
        let mut node = Node::new(NodeKind::At, serde_json::Value::Null, false);
        node.text = Some(Arc::from(program.source_map.one_line(target.span)));
        self.push(node, Fill::At(target.ty.clone()))
    }

    /// An exception.
    pub(crate) fn exception(&mut self, program: &Program, exception: &ir::ExceptionInfo) -> u32 {
        let mut node = Node::new(NodeKind::Exception, serde_json::Value::Null, false);
        node.id = Some(arc(&exception.name));
        node.label = exception.label.as_deref().map(arc);
        node.citation = cite_text(exception.cite.as_ref());
        node.doc = Arc::from(exception.doc.clone());
        node.location = Some(Arc::from(program.source_map.location(exception.span)));
        self.push(node, Fill::Truth)
    }

    /// `held(rule)`.
    pub(crate) fn held(&mut self, program: &Program, id: RuleId) -> u32 {
        let mut node = Node::new(NodeKind::Held, serde_json::Value::Null, false);
        if let Some(info) = program.rule(id) {
            node.id = Some(arc(&info.name));
            node.label = info.label.as_deref().map(arc);
        }
        self.push(node, Fill::Held(id))
    }
}
