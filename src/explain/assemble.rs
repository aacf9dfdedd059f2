//! Trees from recorded nodes: the one place an explanation tree is put together, whether the
//! records come straight from the evaluator or from a trace read back from JSON.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::catalog::{version_text, Catalog, NO_VERSION};
use super::{Node, NodeKind};
use crate::value::Date;

/// One recorded node, in postorder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Its node in the catalog.
    pub(crate) node: u32,
    /// Index of the first entry of its children (its own index when it has none).
    pub(crate) start: u32,
    /// The frame it was recorded in (`0`: the law of `as_of`).
    pub(crate) frame: u16,
    /// Its value, encoded as in case files.
    pub(crate) value: Json,
    /// Whether the value is unknown.
    pub(crate) unknown: bool,
    /// For a fact: it took its declared default.
    pub(crate) default: bool,
    /// A comparison's left and right sides and margin (strings; the margin may be `null`);
    /// an `at` node's date.
    pub(crate) extras: Vec<Json>,
}

/// Puts the trees of the conclusions together, in declaration order.
pub(crate) fn assemble(
    catalog: &Catalog,
    templates: &[Node],
    frames: &[Date],
    entries: Vec<Entry>,
) -> IndexMap<String, Node> {
    let mut builder = Builder {
        catalog,
        templates,
        frames,
        stack: Vec::with_capacity(entries.len()),
        placed: Vec::with_capacity(entries.len()),
        embedded: HashMap::new(),
        conclusions: vec![None; catalog.rules.len()],
    };
    for (index, entry) in entries.into_iter().enumerate() {
        let first = builder.placed.partition_point(|i| *i < entry.start as usize);
        builder.placed.truncate(first);
        // One bulk move of the children (nodes are large: moving them one by one cost more
        // than building them).
        let children: Vec<Node> = builder.stack.split_off(first);
        builder.node(index, entry, children);
    }
    catalog
        .rules
        .iter()
        .zip(builder.conclusions)
        .filter_map(|(rule, node)| Some((rule.id.clone(), node?)))
        .collect()
}

struct Builder<'b> {
    catalog: &'b Catalog,
    templates: &'b [Node],
    frames: &'b [Date],
    /// Built nodes not yet placed under a parent, with their entry's index.
    stack: Vec<Node>,
    /// The entry index of each node in `stack`.
    placed: Vec<usize>,
    /// Trees of rules computed outside the main frame, by rule and frame.
    embedded: HashMap<(u32, u16), Node>,
    /// Trees of the conclusions (main frame), by rule.
    conclusions: Vec<Option<Node>>,
}

impl Builder<'_> {
    fn push(&mut self, index: usize, node: Node) {
        self.stack.push(node);
        self.placed.push(index);
    }

    fn node(&mut self, index: usize, entry: Entry, children: Vec<Node>) {
        let catalog = self.catalog;
        let (Some(spec), Some(template)) = (
            catalog.nodes.get(entry.node as usize),
            self.templates.get(entry.node as usize),
        ) else {
            return;
        };
        let frame_date = self.frames.get(entry.frame as usize).copied().unwrap_or(Date::MIN);
        let mut node = template.clone();
        node.value = entry.value;
        node.unknown = entry.unknown;
        node.children = children;
        let rule = spec.rule.and_then(|r| catalog.rules.get(r as usize));
        match spec.kind {
            NodeKind::Rule => {
                node.value_label = catalog.value_label(rule, &node.value);
                node.decided_by = node
                    .children
                    .iter()
                    .find(|c| c.kind == NodeKind::Exception && c.holds())
                    .and_then(|c| c.id.clone());
                let key = (spec.rule.unwrap_or(u32::MAX), entry.frame);
                if entry.frame != 0 {
                    self.embedded.insert(key, node);
                } else if let Some(slot) = self.conclusions.get_mut(key.0 as usize) {
                    *slot = Some(node);
                }
                return;
            }
            NodeKind::RuleRef => {
                if entry.frame != 0 {
                    // Outside the main frame the referenced tree is not listed beside: embed it.
                    node.kind = NodeKind::Rule;
                    if let Some(inner) = self.embedded.get(&(spec.rule.unwrap_or(u32::MAX), entry.frame)) {
                        node = inner.clone();
                    }
                    self.push(index, node);
                    return;
                }
                node.value_label = catalog.value_label(rule, &node.value);
                node.citation = rule
                    .and_then(|r| Catalog::version_on(r, frame_date))
                    .and_then(|v| v.citation.as_deref())
                    .map(Into::into);
            }
            NodeKind::Fact => {
                let fact = spec.fact.and_then(|f| catalog.facts.get(f as usize));
                node.value_label = catalog.value_label(fact, &node.value);
                node.default = entry.default;
            }
            NodeKind::Param => {
                let param = spec.param.and_then(|p| catalog.params.get(p as usize));
                node.value_label = catalog.value_label(param, &node.value);
                node.unknown = false;
                if let Some(param) = param {
                    match Catalog::version_on(param, frame_date) {
                        Some(version) => {
                            node.citation = version.citation.as_deref().map(Into::into);
                            node.version = version_text(version.from.as_deref(), param.versions.len());
                            if let Some(quote) = &version.quote {
                                node.doc = std::sync::Arc::from(vec![quote.clone()]);
                            }
                        }
                        None => node.version = Some(NO_VERSION.into()),
                    }
                }
            }
            NodeKind::Comparison => {
                let mut extras = entry.extras.into_iter().map(|e| match e {
                    Json::String(s) => Some(s),
                    _ => None,
                });
                node.left = extras.next().flatten();
                node.right = extras.next().flatten();
                node.margin = extras.next().flatten();
            }
            NodeKind::Condition if node.children.is_empty() => return,
            NodeKind::At => {
                node.date = match entry.extras.into_iter().next() {
                    Some(Json::String(date)) => Some(date),
                    _ => None,
                }
            }
            NodeKind::Held => {
                node.citation = rule
                    .and_then(|r| Catalog::version_on(r, frame_date))
                    .and_then(|v| v.citation.as_deref())
                    .map(Into::into);
            }
            _ => {}
        }
        self.push(index, node);
    }
}
