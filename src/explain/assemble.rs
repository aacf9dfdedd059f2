//! Trees from recorded nodes: the one place an explanation tree is put together, whether the
//! records come straight from the evaluator or from a trace read back from JSON.

use std::sync::Arc;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use indexmap::map::raw_entry_v1::RawEntryMut;
use indexmap::map::RawEntryApiV1;
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
    /// Per catalog node: what building one of its nodes reads.
    sites: Vec<Site>,
    /// Per rule, per version: the part of a node referring to the rule (`rule_ref`, `held`).
    rules: Vec<Vec<Dated>>,
    /// Per parameter, per version: the part of its node.
    params: Vec<Vec<Dated>>,
    /// Per parameter: the part of its node on a date no version is in force.
    unversioned: Vec<Arc<NodeInfo>>,
    /// Per enum of the catalog: its values' codes and labels.
    enums: Vec<Vec<(String, Option<Arc<str>>)>>,
    /// The hasher of every map of trees built from this catalog, and each rule's identifier
    /// hashed with it: hashing the 135 identifiers of the shipped rules for every tree was a
    /// twentieth of building one.
    hasher: RandomState,
    /// Per rule: its identifier's hash under `hasher`.
    rule_hashes: Vec<u64>,
}

/// What building a node of one catalog node reads, packed: a tree reads one per node, and the
/// catalog's entries (and declarations) are large and far apart.
#[derive(Debug)]
struct Site {
    kind: NodeKind,
    /// The shared case-independent part.
    info: Arc<NodeInfo>,
    /// The rule of a `rule`, `rule_ref` or `held` node.
    rule: Option<u32>,
    /// The parameter of a `param` node.
    param: Option<u32>,
    /// The enum of the value of a rule, rule reference, fact or parameter (index in
    /// [`Catalog::enums`]).
    enum_index: Option<u32>,
}

impl Site {
    fn new(catalog: &Catalog, node: &NodeEntry) -> Site {
        let template = catalog.template(node);
        let declaration = match node.kind {
            NodeKind::Rule | NodeKind::RuleRef => node.rule.and_then(|r| catalog.rules.get(r as usize)),
            NodeKind::Fact => node.fact.and_then(|f| catalog.facts.get(f as usize)),
            NodeKind::Param => node.param.and_then(|p| catalog.params.get(p as usize)),
            _ => None,
        };
        Site {
            kind: template.kind,
            info: template.info,
            rule: node.rule,
            param: node.param,
            enum_index: declaration.and_then(|d| d.enum_index),
        }
    }
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
        let hasher = RandomState::new();
        Templates {
            rule_hashes: catalog.rules.iter().map(|r| hasher.hash_one(r.id.as_str())).collect(),
            hasher,
            sites: catalog.nodes.iter().map(|n| Site::new(catalog, n)).collect(),
            rules: catalog.rules.iter().map(|r| Dated::all(catalog, r, false)).collect(),
            params: catalog.params.iter().map(|p| Dated::all(catalog, p, true)).collect(),
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

    /// The label the rule files give a value of the enum `enum_index`.
    fn value_label(&self, enum_index: Option<u32>, value: &Json) -> Option<Arc<str>> {
        let values = self.enums.get(enum_index? as usize)?;
        let code = value.as_str()?;
        values.iter().find(|(v, _)| v == code)?.1.clone()
    }
}

impl Dated {
    /// Every version of a rule (the part of nodes referring to it: identifier, label,
    /// citation) or of a parameter (also the version's text and its statute text).
    fn all(catalog: &Catalog, decl: &Declaration, param: bool) -> Vec<Dated> {
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
                    info.version = version_text(v.from.as_deref(), n, catalog.in_force_of(v.citation.as_deref()));
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

/// The recorded nodes trees are built from, in postorder: a node's record comes after those
/// of its children, which start at [`Recorded::start`]. Records of rules (their trees are
/// listed beside, or embedded where another date's law used them) and records that are no
/// node lie among them and are not children.
pub(crate) trait Recorded {
    /// How many records there are.
    fn len(&self) -> usize;
    /// The catalog node of a record (`None` for a record that is no node).
    fn node(&self, index: usize) -> Option<u32>;
    /// The index of the first record of its children (its own index when it has none).
    fn start(&self, index: usize) -> usize;
    /// The frame it was recorded in (`0`: the law of `as_of`).
    fn frame(&self, index: usize) -> u16;
    /// Sets what the record says of the case on its node of kind `kind`: the value, whether it
    /// is unknown, a fact's default, a comparison's sides and margin, an `at` node's date.
    fn fill(&self, index: usize, kind: NodeKind, node: &mut Node);
}

impl Recorded for [Entry] {
    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn node(&self, index: usize) -> Option<u32> {
        self.get(index).map(|e| e.node)
    }

    fn start(&self, index: usize) -> usize {
        self.get(index).map_or(index, |e| e.start as usize)
    }

    fn frame(&self, index: usize) -> u16 {
        self.get(index).map_or(0, |e| e.frame)
    }

    fn fill(&self, index: usize, kind: NodeKind, node: &mut Node) {
        let Some(entry) = self.get(index) else { return };
        node.value = entry.value.clone();
        node.unknown = entry.unknown;
        node.default = kind == NodeKind::Fact && entry.default;
        let text = |at: usize| match entry.extras.get(at) {
            Some(Json::String(s)) => Some(s.clone()),
            _ => None,
        };
        match kind {
            NodeKind::Comparison => {
                node.left = text(0);
                node.right = text(1);
                node.margin = text(2);
            }
            NodeKind::At => node.date = text(0),
            _ => {}
        }
    }
}

/// Puts the trees of the conclusions together, in declaration order. Each tree is built from
/// its root down, each node written once into its parent's children.
pub(crate) fn assemble<R: Recorded + ?Sized>(
    catalog: &Catalog,
    templates: &Templates,
    frames: &[Date],
    recorded: &R,
) -> IndexMap<String, Node> {
    let mut main = vec![None; catalog.rules.len()];
    let mut detached = Vec::new();
    for index in 0..recorded.len() {
        let spec = recorded.node(index).and_then(|n| templates.sites.get(n as usize));
        let Some((NodeKind::Rule, Some(rule))) = spec.map(|s| (s.kind, s.rule)) else {
            continue;
        };
        match recorded.frame(index) {
            // The last record of a rule wins.
            0 => {
                if let Some(slot) = main.get_mut(rule as usize) {
                    *slot = Some(index);
                }
            }
            frame => detached.push(((rule, frame), index)),
        }
    }
    let mut builder = Builder {
        context: Context { templates, frames },
        recorded,
        detached,
        pending: Vec::new(),
        open: Vec::new(),
    };
    let mut trees = IndexMap::with_capacity_and_hasher(main.iter().flatten().count(), templates.hasher.clone());
    let mut built = Vec::with_capacity(1);
    for ((rule, index), hash) in catalog.rules.iter().zip(main).zip(&templates.rule_hashes) {
        if let Some(index) = index {
            builder.build(index, &mut built);
        }
        if let Some(node) = built.pop() {
            match trees
                .raw_entry_mut_v1()
                .from_key_hashed_nocheck(*hash, rule.id.as_str())
            {
                RawEntryMut::Vacant(entry) => {
                    entry.insert_hashed_nocheck(*hash, rule.id.clone(), node);
                }
                RawEntryMut::Occupied(mut entry) => *entry.get_mut() = node,
            }
        }
    }
    trees
}

struct Builder<'b, R: ?Sized> {
    context: Context<'b>,
    recorded: &'b R,
    /// The records of rules computed outside the main frame: (rule, frame) and index.
    detached: Vec<((u32, u16), usize)>,
    /// Indexes of children still to build, nearest parent's last (shared by every level so
    /// that a parent's children take no allocation but their own vector).
    pending: Vec<usize>,
    /// The nodes whose children are being built, outermost first: trees are built without
    /// recursion, however deep a trace read back from JSON nests.
    open: Vec<Open>,
}

/// A node whose children are being built.
struct Open {
    /// Its record.
    index: usize,
    /// Its children built so far.
    children: Vec<Node>,
    /// Where its children's indexes begin in `pending`.
    base: usize,
    /// Just past the index of the next child to build, in `pending` (down to `base`).
    next: usize,
}

/// What filling a node reads.
struct Context<'b> {
    templates: &'b Templates,
    frames: &'b [Date],
}

impl<R: Recorded + ?Sized> Builder<'_, R> {
    /// Appends to `out` the node of record `index` with everything under it (nothing when it
    /// shows nothing).
    fn build(&mut self, index: usize, out: &mut Vec<Node>) {
        let outer = self.open.len();
        self.enter(index, out);
        while let Some(top) = self.open.len().checked_sub(1).filter(|top| *top >= outer) {
            let Some(open) = self.open.get_mut(top) else { break };
            if open.next > open.base {
                open.next -= 1;
                let child = self.pending.get(open.next).copied();
                let mut siblings = std::mem::take(&mut open.children);
                if let Some(child) = child {
                    self.enter(child, &mut siblings);
                }
                if let Some(open) = self.open.get_mut(top) {
                    open.children = siblings;
                }
                continue;
            }
            let Some(done) = self.open.pop() else { break };
            self.pending.truncate(done.base);
            match self.open.last_mut().filter(|_| top > outer) {
                Some(parent) => {
                    let mut siblings = std::mem::take(&mut parent.children);
                    self.place(done.index, done.children, &mut siblings);
                    if let Some(parent) = self.open.last_mut() {
                        parent.children = siblings;
                    }
                }
                None => self.place(done.index, done.children, out),
            }
        }
    }

    /// Starts the node of record `index`: placed in `out` at once when it has no children,
    /// else opened with its children's indexes gathered.
    fn enter(&mut self, index: usize, out: &mut Vec<Node>) {
        let Some(spec) = self.site(index) else { return };
        let frame = self.recorded.frame(index);
        let mut index = index;
        if let (NodeKind::RuleRef, true, Some(rule)) = (spec.kind, frame != 0, spec.rule) {
            // Outside the main frame the referenced tree is not listed beside: embed it.
            if let Some(inner) = self.detached_before(rule, frame, index) {
                index = inner;
            }
        }
        let base = self.pending.len();
        let start = self.recorded.start(index);
        let mut at = index;
        while at > start {
            at -= 1;
            if self.site(at).is_some_and(|s| s.kind != NodeKind::Rule) {
                self.pending.push(at);
            }
            at = at.min(self.recorded.start(at));
        }
        match self.pending.len() - base {
            0 => self.place(index, Vec::new(), out),
            count => self.open.push(Open {
                index,
                children: Vec::with_capacity(count),
                base,
                next: base + count,
            }),
        }
    }

    /// Appends to `out` the node of record `index` over `children` (nothing when it shows
    /// nothing). Built where it stays: a node is large, and moving it costs more than
    /// filling it.
    fn place(&self, index: usize, children: Vec<Node>, out: &mut Vec<Node>) {
        let Some(spec) = self.site(index) else { return };
        // (`resize_with` writes the node in place; `push` would build it aside and copy it.)
        out.resize_with(out.len() + 1, || {
            Node::with_info(spec.kind, Arc::clone(&spec.info), Json::Null, false)
        });
        let Some(node) = out.last_mut() else { return };
        node.children = children;
        self.recorded.fill(index, spec.kind, node);
        if !self.context.finish(node, spec, self.recorded.frame(index)) {
            out.pop();
        }
    }

    /// What building the node of record `index` reads (`None` for a record that is no node).
    fn site(&self, index: usize) -> Option<&Site> {
        let site = self.recorded.node(index)?;
        self.context.templates.sites.get(site as usize)
    }

    /// The last record of `rule` computed under frame `frame`'s law before record `index`.
    fn detached_before(&self, rule: u32, frame: u16, index: usize) -> Option<usize> {
        self.detached
            .iter()
            .rev()
            .find(|(key, at)| *key == (rule, frame) && *at < index)
            .map(|(_, at)| *at)
    }
}

impl Context<'_> {
    /// Sets the parts of `node` that depend on the case besides what its record says; says
    /// whether the node is shown (an `if` with nothing recorded under it is not).
    fn finish(&self, node: &mut Node, spec: &Site, frame: u16) -> bool {
        let frame_date = self.frames.get(usize::from(frame)).copied().unwrap_or(Date::MIN);
        let label = |value: &Json| self.templates.value_label(spec.enum_index, value);
        match spec.kind {
            NodeKind::Rule => {
                node.value_label = label(&node.value);
                node.decided_by = node
                    .children
                    .iter()
                    .find(|c| c.kind == NodeKind::Exception && c.holds())
                    .and_then(|c| c.info.id.clone());
            }
            NodeKind::RuleRef if frame != 0 => {
                // Another date's tree of the rule was not recorded: the reference stands as it.
                node.kind = NodeKind::Rule;
            }
            NodeKind::RuleRef => {
                node.value_label = label(&node.value);
                if let Some(version) = self.templates.rule_version(spec.rule, frame_date) {
                    node.info = Arc::clone(&version.info);
                }
            }
            NodeKind::Fact => node.value_label = label(&node.value),
            NodeKind::Param => {
                node.value_label = label(&node.value);
                node.unknown = false;
                if let Some(info) = spec.param.and_then(|p| self.templates.param_on(p, frame_date)) {
                    node.info = Arc::clone(info);
                }
            }
            NodeKind::Condition => return !node.children.is_empty(),
            NodeKind::Held => {
                if let Some(version) = self.templates.rule_version(spec.rule, frame_date) {
                    node.info = Arc::clone(&version.info);
                }
            }
            _ => {}
        }
        true
    }
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
