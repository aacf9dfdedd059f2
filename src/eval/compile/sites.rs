//! Sites: the explanation nodes the compiled code can record. Each is an entry of the rule
//! set's [`Catalog`] (what a reader of a trace sees), with what the evaluator needs to encode
//! the value a record carries (its type).

use super::super::output;
use crate::explain::{Catalog, Declaration, NodeEntry, NodeKind};
use crate::ir::{self, FactId, ParamId, Program, RuleId, Type};
use crate::source::Span;
use crate::value::Value;

/// What a recorded node's value is, for encoding it.
#[derive(Debug, Clone)]
pub(crate) enum Fill {
    /// A rule's tree or a use of it: a value of the rule's type.
    Rule(RuleId),
    /// A fact: its value (records written as case files write them).
    Fact(FactId),
    /// A parameter's value.
    Param(ParamId),
    /// A three-valued truth (blocks, branches, exceptions, `N of`).
    Truth,
    /// A comparison: the truth, both sides and the margin.
    Comparison,
    /// A value of this type (conditions, aggregates, `at`, `held`).
    Typed(Type),
}

/// The sites of a program, built while compiling: catalog entries and how to encode values.
#[derive(Debug, Default)]
pub(crate) struct Sites {
    pub(crate) nodes: Vec<NodeEntry>,
    pub(crate) fills: Vec<Fill>,
}

impl Sites {
    fn push(&mut self, node: NodeEntry, fill: Fill) -> u32 {
        let index = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(node);
        self.fills.push(fill);
        index
    }

    /// A rule's tree under one of its versions (`None`: no version in force).
    pub(crate) fn rule(&mut self, id: RuleId, version: Option<usize>) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Rule);
        node.rule = Some(id.0);
        node.version = version.and_then(|v| u32::try_from(v).ok());
        self.push(node, Fill::Rule(id))
    }

    /// The use of a rule.
    pub(crate) fn rule_ref(&mut self, id: RuleId) -> u32 {
        let mut node = NodeEntry::of(NodeKind::RuleRef);
        node.rule = Some(id.0);
        self.push(node, Fill::Rule(id))
    }

    /// A fact.
    pub(crate) fn fact(&mut self, id: FactId) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Fact);
        node.fact = Some(id.0);
        self.push(node, Fill::Fact(id))
    }

    /// A parameter.
    pub(crate) fn param(&mut self, id: ParamId) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Param);
        node.param = Some(id.0);
        self.push(node, Fill::Param(id))
    }

    /// A comparison written at `span`.
    pub(crate) fn comparison(&mut self, program: &Program, op: crate::ast::BinaryOp, span: Span) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Comparison);
        node.text = Some(program.source_map.one_line(span));
        node.location = Some(program.source_map.location(span));
        node.op = Some(op.symbol().to_string());
        self.push(node, Fill::Comparison)
    }

    /// A branch of a block.
    pub(crate) fn branch(&mut self, program: &Program, branch: &ir::Branch) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Branch);
        node.label = branch.label.as_deref().map(String::from);
        node.citation = branch.cite.as_ref().map(|c| c.text.to_string());
        node.says = branch.says.as_deref().map(String::from);
        node.text = Some(program.source_map.one_line(branch.expr.span));
        node.location = Some(program.source_map.location(branch.span));
        self.push(node, Fill::Truth)
    }

    /// A block or `N of` node.
    pub(crate) fn block(&mut self, kind: NodeKind, text: Option<String>) -> u32 {
        let mut node = NodeEntry::of(kind);
        node.text = text;
        self.push(node, Fill::Truth)
    }

    /// A node of a typed value quoting the text at `span` (conditions, aggregates, `at`).
    pub(crate) fn typed(&mut self, program: &Program, kind: NodeKind, span: Span, ty: &Type) -> u32 {
        let mut node = NodeEntry::of(kind);
        node.text = Some(program.source_map.one_line(span));
        self.push(node, Fill::Typed(ty.clone()))
    }

    /// An exception.
    pub(crate) fn exception(&mut self, index: usize) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Exception);
        node.exception = u32::try_from(index).ok();
        self.push(node, Fill::Truth)
    }

    /// `held(rule)`.
    pub(crate) fn held(&mut self, id: RuleId) -> u32 {
        let mut node = NodeEntry::of(NodeKind::Held);
        node.rule = Some(id.0);
        self.push(node, Fill::Typed(Type::List(Box::new(Type::Text))))
    }
}

/// The catalog's declarations of a program (its nodes are added by the compiler).
pub(crate) fn declarations(program: &Program, inputs: &[super::inputs::Inputs]) -> Catalog {
    use crate::explain::{EnumValue, ExceptionEntry, SourceEntry, VersionEntry};
    let mut catalog = Catalog::new(rule_set_id(program));
    catalog.sources = program
        .sources
        .iter()
        .map(|s| SourceEntry {
            name: s.name.clone(),
            citation_name: s.citation_name.clone(),
            title: s.title.clone(),
            in_force: s.in_force.map(|d| d.to_string()),
            until: s.until.map(|d| d.to_string()),
            not_encoded: s.not_encoded.clone(),
        })
        .collect();
    catalog.enums = program
        .enums
        .iter()
        .map(|e| {
            e.values
                .iter()
                .map(|(value, label)| EnumValue {
                    value: value.clone(),
                    label: label.clone(),
                })
                .collect()
        })
        .collect();
    catalog.facts = program
        .facts
        .iter()
        .map(|f| Declaration {
            citation: f.cite.as_ref().map(|c| c.text.to_string()),
            doc: f.doc.clone(),
            location: Some(program.source_map.location(f.span)),
            ..declared(program, &f.name, &f.label, &f.ty, f.default.as_ref())
        })
        .collect();
    let valued = |info: &ir::ValueInfo| Declaration {
        id: info.name.clone(),
        label: info.label.clone(),
        type_name: program.type_name(&info.ty),
        enum_index: enum_index(&info.ty),
        citation: None,
        says: info.says.as_deref().map(String::from),
        default: None,
        fields: Vec::new(),
        versions: info
            .versions
            .iter()
            .map(|v| VersionEntry {
                from: v.from.map(|d| d.to_string()),
                citation: v.cite.as_ref().map(|c| c.text.to_string()),
                quote: v.quote.clone(),
            })
            .collect(),
        doc: info.doc.clone(),
        location: Some(program.source_map.location(info.span)),
        reads_facts: Vec::new(),
        reads_rules: Vec::new(),
        values: Vec::new(),
    };
    catalog.params = program.params.iter().map(valued).collect();
    catalog.rules = program
        .rules
        .iter()
        .zip(inputs)
        .map(|(info, inputs)| Declaration {
            reads_facts: inputs.facts.clone(),
            reads_rules: inputs.rules.clone(),
            values: Vec::new(),
            ..valued(info)
        })
        .collect();
    catalog.exceptions = program
        .exceptions
        .iter()
        .map(|e| ExceptionEntry {
            id: e.name.clone(),
            label: e.label.clone(),
            rule: e.target.0,
            from: e.from.map(|d| d.to_string()),
            citation: e.cite.as_ref().map(|c| c.text.to_string()),
            doc: e.doc.clone(),
            location: Some(program.source_map.location(e.span)),
        })
        .collect();
    catalog
}

/// A name for the rule set: FNV-1a over its files' paths (below the root) and texts.
fn rule_set_id(program: &Program) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (_, file) in program.source_map.iter() {
        for byte in file.relative.bytes().chain([0]).chain(file.text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The record a fact of a record type, or of a list of records, holds.
fn record_of<'p>(program: &'p Program, ty: &Type) -> Option<&'p ir::RecordInfo> {
    match ty.strip_optional() {
        Type::Record(id) => program.records.get(id.0 as usize),
        Type::List(element) => record_of(program, element),
        _ => None,
    }
}

/// A fact or record field as the catalog lists it: identifier, label, type, default (in the
/// encoding of case files) and, for records, their fields.
fn declared(program: &Program, name: &str, label: &Option<String>, ty: &Type, default: Option<&Value>) -> Declaration {
    let fields = record_of(program, ty).map(|record| {
        let field = |f: &ir::FieldInfo| declared(program, &f.name, &f.label, &f.ty, f.default.as_ref());
        record.fields.iter().map(field).collect()
    });
    Declaration {
        enum_index: enum_index(ty),
        default: default.map(|d| output::to_json_in(program, &Some(d.clone()), ty)),
        fields: fields.unwrap_or_default(),
        ..Declaration::new(name, label.clone(), program.type_name(ty))
    }
}

/// For an enum type (possibly optional): its index in the catalog's `enums`.
fn enum_index(ty: &Type) -> Option<u32> {
    match ty.strip_optional() {
        Type::Enum(id) => Some(id.0),
        _ => None,
    }
}
