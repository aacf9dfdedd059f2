//! Trees from recorded nodes: the one place an explanation tree is put together, whether the
//! records come straight from the evaluator or from a trace read back from JSON.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::catalog::{version_text, Catalog, Declaration, EnumValue, NodeEntry, NO_VERSION};
use super::{Node, NodeInfo, NodeKind};
use crate::value::{parse_date, Date};

/// What trees are built from besides the records, worked out once per catalog: each node's
/// template (its shared case-independent part), that part for every version of rules and
/// parameters (a node takes the one of the version in force on its frame's date), and the
/// labels of enum values.
#[derive(Debug)]
pub(crate) struct Templates {
    /// Per catalog node: the node with its case-independent part set.
    pub(crate) nodes: Vec<Node>,
    /// Per rule, per version: the part of a node referring to the rule (`rule_ref`, `held`).
    rules: Vec<Vec<Dated>>,
    /// Per parameter, per version: the part of its node.
    params: Vec<Vec<Dated>>,
    /// Per parameter: the part of its node on a date no version is in force.
    unversioned: Vec<Arc<NodeInfo>>,
    /// Per enum of the catalog: its values' codes and labels.
    enums: Vec<Vec<(String, Option<Arc<str>>)>>,
}

/// One version of a rule or parameter, as nodes show it.
#[derive(Debug)]
struct Dated {
    from: Option<Date>,
    info: Arc<NodeInfo>,
}

impl Templates {
    /// The templates of a catalog's nodes and versions.
    pub(crate) fn new(catalog: &Catalog) -> Templates {
        Templates {
            nodes: catalog.nodes.iter().map(|n| catalog.template(n)).collect(),
            rules: catalog.rules.iter().map(|r| Dated::all(r, false)).collect(),
            params: catalog.params.iter().map(|p| Dated::all(p, true)).collect(),
            unversioned: catalog
                .params
                .iter()
                .map(|p| {
                    Arc::new(NodeInfo {
                        version: Some(NO_VERSION.into()),
                        ..NodeInfo::identifying(p)
                    })
                })
                .collect(),
            enums: catalog
                .enums
                .iter()
                .map(|values| {
                    let label = |v: &EnumValue| v.label.as_deref().map(Arc::from);
                    values.iter().map(|v| (v.value.clone(), label(v))).collect()
                })
                .collect(),
        }
    }

    /// The version in force on `date` among `versions` (the last one starting on or before it).
    fn version_on(versions: &[Dated], date: Date) -> Option<&Dated> {
        let after = versions.partition_point(|v| v.from.is_none_or(|from| from <= date));
        after.checked_sub(1).and_then(|i| versions.get(i))
    }

    fn rule_version(&self, rule: Option<u32>, date: Date) -> Option<&Dated> {
        Self::version_on(self.rules.get(rule? as usize)?, date)
    }

    /// The part of a parameter's node on `date`.
    fn param_on(&self, param: u32, date: Date) -> Option<&Arc<NodeInfo>> {
        match Self::version_on(self.params.get(param as usize)?, date) {
            Some(version) => Some(&version.info),
            None => self.unversioned.get(param as usize),
        }
    }

    /// The label the rule files give an enum value of declaration `decl`'s type.
    fn value_label(&self, decl: Option<&Declaration>, value: &Json) -> Option<Arc<str>> {
        let values = self.enums.get(decl?.enum_index? as usize)?;
        let code = value.as_str()?;
        values.iter().find(|(v, _)| v == code)?.1.clone()
    }
}

impl Dated {
    /// Every version of a rule (the part of nodes referring to it: identifier, label,
    /// citation) or of a parameter (also the version's text and its statute text).
    fn all(decl: &Declaration, param: bool) -> Vec<Dated> {
        let n = decl.versions.len();
        decl.versions
            .iter()
            // A version whose date cannot be read never takes effect, nor do those after it.
            .map_while(|v| {
                let from = match v.from.as_deref() {
                    None => None,
                    Some(text) => Some(parse_date(text)?),
                };
                let mut info = NodeInfo {
                    citation: v.citation.as_deref().map(Arc::from),
                    ..NodeInfo::identifying(decl)
                };
                if param {
                    info.version = version_text(v.from.as_deref(), n);
                    if let Some(quote) = &v.quote {
                        info.doc = Arc::from(vec![quote.clone()]);
                    }
                }
                Some(Dated {
                    from,
                    info: Arc::new(info),
                })
            })
            .collect()
    }
}

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
    templates: &Templates,
    frames: &[Date],
    entries: Vec<Entry>,
) -> IndexMap<String, Node> {
    let mut builder = Builder {
        context: Context {
            catalog,
            templates,
            frames,
            embedded: HashMap::new(),
        },
        stack: Vec::with_capacity(entries.len()),
        placed: Vec::with_capacity(entries.len()),
        conclusions: vec![None; catalog.rules.len()],
    };
    for (index, entry) in entries.into_iter().enumerate() {
        let first = builder.placed.partition_point(|i| *i < entry.start as usize);
        builder.placed.truncate(first);
        // One bulk move of the children. (Not `split_off`: from index 0 it hands over the
        // whole stack's allocation and allocates another of the same capacity.)
        let children: Vec<Node> = match builder.stack.len() > first {
            true => builder.stack.drain(first..).collect(),
            false => Vec::new(),
        };
        builder.node(index, entry, children);
    }
    let mut trees = IndexMap::with_capacity(builder.conclusions.iter().flatten().count());
    for (rule, node) in catalog.rules.iter().zip(builder.conclusions) {
        if let Some(node) = node {
            trees.insert(rule.id.clone(), node);
        }
    }
    trees
}

struct Builder<'b> {
    context: Context<'b>,
    /// Built nodes not yet placed under a parent, with their entry's index.
    stack: Vec<Node>,
    /// The entry index of each node in `stack`.
    placed: Vec<usize>,
    /// Trees of the conclusions (main frame), by rule.
    conclusions: Vec<Option<Node>>,
}

/// What filling a node reads.
struct Context<'b> {
    catalog: &'b Catalog,
    templates: &'b Templates,
    frames: &'b [Date],
    /// Trees of rules computed outside the main frame, by rule and frame.
    embedded: HashMap<(u32, u16), Node>,
}

impl Builder<'_> {
    fn push(&mut self, index: usize, node: Node) {
        self.stack.push(node);
        self.placed.push(index);
    }

    fn node(&mut self, index: usize, entry: Entry, children: Vec<Node>) {
        let (Some(spec), Some(template)) = (
            self.context.catalog.nodes.get(entry.node as usize),
            self.context.templates.nodes.get(entry.node as usize),
        ) else {
            return;
        };
        // Built where it stays (a node is large, and moving it cost more than filling it),
        // afresh rather than cloned from the template: only its shared part is copied.
        self.push(
            index,
            Node::with_info(template.kind, Arc::clone(&template.info), Json::Null, false),
        );
        let frame = entry.frame;
        let place = match self.stack.last_mut() {
            Some(node) => {
                node.children = children;
                self.context.fill(node, spec, entry)
            }
            None => Place::Dropped,
        };
        match place {
            Place::Stays => {}
            Place::Dropped => self.pop(),
            Place::Conclusion => {
                let Some(node) = self.stack.pop() else { return };
                self.placed.pop();
                let key = (spec.rule.unwrap_or(u32::MAX), frame);
                if frame != 0 {
                    self.context.embedded.insert(key, node);
                } else if let Some(slot) = self.conclusions.get_mut(key.0 as usize) {
                    *slot = Some(node);
                }
            }
        }
    }

    fn pop(&mut self) {
        self.stack.pop();
        self.placed.pop();
    }
}

impl Context<'_> {
    /// Sets the parts of `node` that depend on the case; says where the node goes.
    fn fill(&self, node: &mut Node, spec: &NodeEntry, entry: Entry) -> Place {
        let catalog = self.catalog;
        let frame_date = self.frames.get(entry.frame as usize).copied().unwrap_or(Date::MIN);
        node.value = entry.value;
        node.unknown = entry.unknown;
        let rule = spec.rule.and_then(|r| catalog.rules.get(r as usize));
        match spec.kind {
            NodeKind::Rule => {
                node.value_label = self.templates.value_label(rule, &node.value);
                node.decided_by = node
                    .children
                    .iter()
                    .find(|c| c.kind == NodeKind::Exception && c.holds())
                    .and_then(|c| c.info.id.clone());
                return Place::Conclusion;
            }
            NodeKind::RuleRef => {
                if entry.frame != 0 {
                    // Outside the main frame the referenced tree is not listed beside: embed it.
                    node.kind = NodeKind::Rule;
                    if let Some(inner) = self.embedded.get(&(spec.rule.unwrap_or(u32::MAX), entry.frame)) {
                        node.clone_from(inner);
                    }
                    return Place::Stays;
                }
                node.value_label = self.templates.value_label(rule, &node.value);
                if let Some(version) = self.templates.rule_version(spec.rule, frame_date) {
                    node.info = Arc::clone(&version.info);
                }
            }
            NodeKind::Fact => {
                let fact = spec.fact.and_then(|f| catalog.facts.get(f as usize));
                node.value_label = self.templates.value_label(fact, &node.value);
                node.default = entry.default;
            }
            NodeKind::Param => {
                let param = spec.param.and_then(|p| catalog.params.get(p as usize));
                node.value_label = self.templates.value_label(param, &node.value);
                node.unknown = false;
                if let Some(info) = spec.param.and_then(|p| self.templates.param_on(p, frame_date)) {
                    node.info = Arc::clone(info);
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
            NodeKind::Condition if node.children.is_empty() => return Place::Dropped,
            NodeKind::At => {
                node.date = match entry.extras.into_iter().next() {
                    Some(Json::String(date)) => Some(date),
                    _ => None,
                }
            }
            NodeKind::Held => {
                if let Some(version) = self.templates.rule_version(spec.rule, frame_date) {
                    node.info = Arc::clone(&version.info);
                }
            }
            _ => {}
        }
        Place::Stays
    }
}

/// Where a node built from an entry goes.
enum Place {
    /// On the stack, until its parent takes it.
    Stays,
    /// Among the conclusions (or the trees of other dates).
    Conclusion,
    /// Nowhere (an `if` with nothing recorded under it).
    Dropped,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dated(from: Option<&str>) -> Dated {
        Dated {
            from: from.and_then(parse_date),
            info: Arc::new(NodeInfo {
                citation: from.map(Arc::from),
                ..NodeInfo::default()
            }),
        }
    }

    #[test]
    fn the_version_in_force_is_the_last_one_begun() {
        let versions = [dated(Some("2016-11-07")), dated(Some("2026-01-01"))];
        let on = |d: &str| {
            let date = parse_date(d).unwrap_or(Date::MIN);
            Templates::version_on(&versions, date).and_then(|v| v.info.citation.as_deref().map(String::from))
        };
        assert_eq!(on("2016-11-06"), None);
        assert_eq!(on("2016-11-07").as_deref(), Some("2016-11-07"));
        assert_eq!(on("2025-12-31").as_deref(), Some("2016-11-07"));
        assert_eq!(on("2026-01-01").as_deref(), Some("2026-01-01"));
        let always = [dated(None), dated(Some("2026-01-01"))];
        let first = Templates::version_on(&always, Date::MIN);
        assert!(first.is_some_and(|v| v.info.citation.is_none()));
    }
}
