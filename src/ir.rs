//! The checked program: names resolved to ids, every expression typed.
//!
//! `check` builds it from the AST; `eval` walks it and never sees a name string.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{AggregateKind, BinaryOp, BlockKind, CiteLevel};
use crate::source::{SourceMap, Span};
use crate::value::{Date, Value};

/// Index of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactId(pub u32);
/// Index of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub u32);
/// Index of a rule (a conclusion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);
/// Index of an enum type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);
/// Index of a record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId(pub u32);

/// Types of facts, parameters, rules and expressions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// Truth value.
    Bool,
    /// Non-negative integer.
    Count,
    /// Integer.
    Integer,
    /// Exact decimal.
    Decimal,
    /// Amount in 元.
    Money,
    /// Percentage (stored as a ratio).
    Percent,
    /// Calendar date.
    Date,
    /// Duration.
    Duration,
    /// Text.
    Text,
    /// One of declared values.
    Enum(EnumId),
    /// A list.
    List(Box<Type>),
    /// A record.
    Record(RecordId),
    /// A value that may be absent.
    Optional(Box<Type>),
    /// The type of `none`.
    Null,
    /// Already reported; silences follow-on errors.
    Error,
}

impl Type {
    /// Whether this is a count, integer, decimal or percent.
    pub fn is_number(&self) -> bool {
        matches!(self, Type::Count | Type::Integer | Type::Decimal | Type::Percent)
    }

    /// The type without its optional marker.
    pub fn strip_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }
}

/// A declared legal source.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Short name used in rule files.
    pub name: String,
    /// How citations name it.
    pub citation_name: String,
    /// Full title.
    pub title: Option<String>,
    /// In force from.
    pub in_force: Option<Date>,
    /// In force until.
    pub until: Option<Date>,
    /// Provisions of it the rule set does not encode, as the rule files say.
    pub not_encoded: Vec<String>,
}

/// A resolved citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// Index into [`Program::sources`].
    pub source: u32,
    /// Parts with levels (第三条, 第一项).
    pub parts: Vec<(CiteLevel, String)>,
    /// Rendered: `法释〔2019〕15号 第三条第一项`.
    pub text: Arc<str>,
}

/// A fact declaration.
#[derive(Debug, Clone)]
pub struct FactInfo {
    /// Identifier.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Type.
    pub ty: Type,
    /// Default when absent.
    pub default: Option<Value>,
    /// Default when absent: the value of another fact (`decision_date = conduct_date`).
    pub default_fact: Option<FactId>,
    /// Citation.
    pub cite: Option<Cite>,
    /// Doc text.
    pub doc: Vec<String>,
    /// Declaration.
    pub span: Span,
}

/// A parameter or rule with its versions.
#[derive(Debug, Clone)]
pub struct ValueInfo {
    /// Identifier.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Type.
    pub ty: Type,
    /// `says "…"`: how memos phrase why the rule holds (`{name}` placeholders).
    pub says: Option<Arc<str>>,
    /// Versions sorted by start date (an undated version comes first and is the only one).
    pub versions: Vec<Version>,
    /// Doc text.
    pub doc: Vec<String>,
    /// Exceptions to this rule, in declaration order.
    pub exceptions: Vec<usize>,
    /// Declaration.
    pub span: Span,
}

/// One dated definition.
#[derive(Debug, Clone)]
pub struct Version {
    /// In force from (absent: always).
    pub from: Option<Date>,
    /// Citation.
    pub cite: Option<Cite>,
    /// `quote "…"`: the statute text of this version.
    pub quote: Option<String>,
    /// The definition.
    pub body: Expr,
    /// Where.
    pub span: Span,
}

/// An exception to a rule.
#[derive(Debug, Clone)]
pub struct ExceptionInfo {
    /// Identifier.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// The rule it applies to.
    pub target: RuleId,
    /// In force from.
    pub from: Option<Date>,
    /// Citation.
    pub cite: Option<Cite>,
    /// Condition.
    pub when: Expr,
    /// Value given to the rule.
    pub value: Expr,
    /// Doc text.
    pub doc: Vec<String>,
    /// Declaration.
    pub span: Span,
}

/// An enum type.
#[derive(Debug, Clone)]
pub struct EnumInfo {
    /// Values with labels.
    pub values: Vec<(String, Option<String>)>,
}

/// A record type.
#[derive(Debug, Clone)]
pub struct RecordInfo {
    /// Fields.
    pub fields: Vec<FieldInfo>,
}

/// A record field.
#[derive(Debug, Clone)]
pub struct FieldInfo {
    /// Name.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Type.
    pub ty: Type,
    /// Default when absent.
    pub default: Option<Value>,
}

/// A typed expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// Shape.
    pub kind: ExprKind,
    /// Type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

/// Expression shapes after name resolution.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A constant.
    Const(Value),
    /// A fact.
    Fact(FactId),
    /// A parameter.
    Param(ParamId),
    /// A rule.
    Rule(RuleId),
    /// A field of the current item of an enclosing aggregate (`depth` 0 = innermost).
    Field {
        /// Aggregate nesting depth.
        depth: u32,
        /// Field index.
        field: u32,
    },
    /// `not e`
    Not(Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// `a op b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `e at date`
    At(Box<Expr>, Box<Expr>),
    /// `all`/`any`/`not` block.
    Block(BlockKind, Vec<Branch>),
    /// `N of { … }`
    AtLeast(u32, Vec<Branch>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Aggregates over a list.
    Aggregate {
        /// Which.
        kind: AggregateKind,
        /// The list.
        list: Box<Expr>,
        /// Per-item value.
        value: Option<Box<Expr>>,
        /// Filter.
        filter: Option<Box<Expr>>,
    },
    /// `held(rule)`: labels of the branches of the rule's block that hold.
    Held(RuleId),
    /// `known(e)`: whether `e` could be decided from the facts given (never unknown itself).
    Known(Box<Expr>),
    /// `max(a, b, …)` / `min(a, b, …)`
    Extreme {
        /// True for max.
        max: bool,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `[a, b]`
    List(Vec<Expr>),
}

/// A labelled, cited branch.
#[derive(Debug, Clone)]
pub struct Branch {
    /// Label.
    pub label: Option<Arc<str>>,
    /// Citation (absolute).
    pub cite: Option<Cite>,
    /// `says "…"`: how memos phrase why the branch holds.
    pub says: Option<Arc<str>>,
    /// Condition.
    pub expr: Expr,
    /// Where.
    pub span: Span,
}

/// A checked rule set.
#[derive(Debug, Clone)]
pub struct Program {
    /// Declared sources.
    pub sources: Vec<SourceInfo>,
    /// Facts in declaration order.
    pub facts: Vec<FactInfo>,
    /// Parameters.
    pub params: Vec<ValueInfo>,
    /// Rules (conclusions) in declaration order.
    pub rules: Vec<ValueInfo>,
    /// Exceptions.
    pub exceptions: Vec<ExceptionInfo>,
    /// Enum types.
    pub enums: Vec<EnumInfo>,
    /// Record types.
    pub records: Vec<RecordInfo>,
    /// Rules in an order where each comes after everything it depends on.
    pub rule_order: Vec<RuleId>,
    /// The rule files.
    pub source_map: SourceMap,
    /// Fact and rule names to ids (every case looks its keys up, every answer its conclusions).
    pub(crate) names: Names,
}

/// Name → index lookups of a program's facts and rules, built once with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    facts: HashMap<Arc<str>, u32>,
    rules: HashMap<Arc<str>, u32>,
}

impl Names {
    /// The index of the names of `facts` and `rules` (the first of a repeated name wins).
    pub(crate) fn new(facts: &[FactInfo], rules: &[ValueInfo]) -> Names {
        fn index<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<Arc<str>, u32> {
            let mut map = HashMap::new();
            for (i, name) in names.enumerate() {
                map.entry(Arc::from(name))
                    .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
            }
            map
        }
        Names {
            facts: index(facts.iter().map(|f| f.name.as_str())),
            rules: index(rules.iter().map(|r| r.name.as_str())),
        }
    }
}

/// The index of `name` among `items`: from the index when it names that item, else by a scan
/// (the fields of [`Program`] are public, so the index may no longer describe them; a scan costs
/// only on a miss, which is an error path).
fn lookup<T>(index: &HashMap<Arc<str>, u32>, name: &str, items: &[T], name_of: impl Fn(&T) -> &str) -> Option<u32> {
    if let Some(i) = index.get(name).copied() {
        if items.get(i as usize).is_some_and(|item| name_of(item) == name) {
            return Some(i);
        }
    }
    items
        .iter()
        .position(|item| name_of(item) == name)
        .and_then(|i| u32::try_from(i).ok())
}

impl Program {
    /// Looks up a fact by name.
    pub fn fact_id(&self, name: &str) -> Option<FactId> {
        lookup(&self.names.facts, name, &self.facts, |f| f.name.as_str()).map(FactId)
    }

    /// Looks up a rule by name.
    pub fn rule_id(&self, name: &str) -> Option<RuleId> {
        lookup(&self.names.rules, name, &self.rules, |r| r.name.as_str()).map(RuleId)
    }

    /// The fact with this id.
    pub fn fact(&self, id: FactId) -> Option<&FactInfo> {
        self.facts.get(id.0 as usize)
    }

    /// The parameter with this id.
    pub fn param(&self, id: ParamId) -> Option<&ValueInfo> {
        self.params.get(id.0 as usize)
    }

    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> Option<&ValueInfo> {
        self.rules.get(id.0 as usize)
    }

    /// Renders a type for messages and schemas.
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Count => "count".into(),
            Type::Integer => "integer".into(),
            Type::Decimal => "decimal".into(),
            Type::Money => "money".into(),
            Type::Percent => "percent".into(),
            Type::Date => "date".into(),
            Type::Duration => "duration".into(),
            Type::Text => "text".into(),
            Type::Enum(id) => {
                let values = self
                    .enums
                    .get(id.0 as usize)
                    .map(|e| e.values.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                format!("enum {{ {values} }}")
            }
            Type::List(inner) => format!("list<{}>", self.type_name(inner)),
            Type::Record(_) => "record".into(),
            Type::Optional(inner) => format!("{}?", self.type_name(inner)),
            Type::Null => "none".into(),
            Type::Error => "?".into(),
        }
    }
}

impl Expr {
    /// Calls `f` on each direct sub-expression.
    pub fn for_each_child(&self, mut f: impl FnMut(&Expr)) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Fact(_)
            | ExprKind::Param(_)
            | ExprKind::Rule(_)
            | ExprKind::Field { .. }
            | ExprKind::Held(_) => {}
            ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Known(e) => f(e),
            ExprKind::Binary(_, a, b) | ExprKind::At(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => branches.iter().for_each(|b| f(&b.expr)),
            ExprKind::If(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            ExprKind::Aggregate {
                list, value, filter, ..
            } => {
                f(list);
                if let Some(v) = value {
                    f(v);
                }
                if let Some(w) = filter {
                    f(w);
                }
            }
            ExprKind::Extreme { args, .. } | ExprKind::List(args) => args.iter().for_each(f),
        }
    }
}
