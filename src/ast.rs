//! The rule files as written: data only, every node with its span.
//!
//! `parse` builds it, `check` reads it (never mutates it), `fmt` prints it back.

use crate::source::Span;
use crate::value::{Date, Duration, Rational};

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Declarations in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `source …`
    Source(SourceDecl),
    /// `fact …`
    Fact(FactDecl),
    /// `param …`
    Param(ValueDecl),
    /// `rule …`
    Rule(ValueDecl),
    /// `exception …`
    Exception(ExceptionDecl),
}

/// A name as written (NFC-normalised) with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The identifier text.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// `source 解释2019 "法释〔2019〕15号" title "…" in_force 2019-11-01`
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDecl {
    /// Doc comment lines (without `///`).
    pub doc: Vec<String>,
    /// The short name used in `cite`.
    pub name: Name,
    /// How citations name it (`法释〔2019〕15号`, `网络安全法（2016）`).
    pub citation_name: String,
    /// Full title.
    pub title: Option<String>,
    /// Date the instrument entered into force.
    pub in_force: Option<Date>,
    /// Date it ceased to be in force.
    pub until: Option<Date>,
    /// `not_encoded "…"`: provisions of it the rule set does not encode, as written.
    pub not_encoded: Vec<String>,
    /// The whole declaration.
    pub span: Span,
}

/// `fact illegal_videos: count "致使传播的违法视频文件数" = 0`
#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// Identifier.
    pub name: Name,
    /// Declared type.
    pub ty: TypeExpr,
    /// Human label.
    pub label: Option<String>,
    /// Default value when the case does not give one.
    pub default: Option<Expr>,
    /// Where the fact comes from in the law.
    pub citation: Option<Citation>,
    /// The whole declaration.
    pub span: Span,
}

/// A `param` or `rule`: a named, typed value with one or more (dated) definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueDecl {
    /// Doc comment lines (statute text).
    pub doc: Vec<String>,
    /// Identifier.
    pub name: Name,
    /// Declared type.
    pub ty: TypeExpr,
    /// Human label.
    pub label: Option<String>,
    /// `says "…{name}…"`: how memos phrase why the rule holds.
    pub says: Option<Says>,
    /// Definitions, each possibly dated and cited.
    pub definitions: Vec<Definition>,
    /// `prefer … at DATE over DATE`: which version applies where the value is used.
    pub prefer: Option<Prefer>,
    /// The whole declaration.
    pub span: Span,
}

/// `prefer higher at decision_date over conduct_date "label" cite 时间效力规定 第三条`: wherever the
/// parameter or rule is used, its value is the one of the version in force on `preferred` when that
/// value is the preferred one compared with the version in force on `over`, and the one of the
/// version in force on `over` otherwise (the check rewrites every use into `at` expressions).
#[derive(Debug, Clone, PartialEq)]
pub struct Prefer {
    /// Which value is preferred (lighter).
    pub order: PreferOrder,
    /// The date whose version applies when its value is preferred (`decision_date`).
    pub preferred: Expr,
    /// The date whose version applies otherwise (`conduct_date`).
    pub over: Expr,
    /// How explanations name the choice.
    pub label: Option<String>,
    /// The rule of law that makes the choice (`时间效力规定 第三条`).
    pub citation: Option<Citation>,
    /// `prefer … over DATE`, without label and citation: what explanations quote.
    pub head_span: Span,
    /// The whole clause.
    pub span: Span,
}

/// What `prefer` prefers: for numbers, amounts, dates and durations the higher or lower value, for
/// truth values `true` or `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferOrder {
    /// `prefer higher`: a higher threshold is lighter for the accused.
    Higher,
    /// `prefer lower`: a lower penalty is lighter.
    Lower,
    /// `prefer true`.
    True,
    /// `prefer false`: a conclusion that does not hold is lighter.
    False,
}

impl PreferOrder {
    /// The word as written.
    pub fn word(self) -> &'static str {
        match self {
            PreferOrder::Higher => "higher",
            PreferOrder::Lower => "lower",
            PreferOrder::True => "true",
            PreferOrder::False => "false",
        }
    }
}

/// `says "致使传播违法视频文件{illegal_videos}个"`: a phrase template; each `{name}` names a fact,
/// parameter or rule whose value the memo writes in its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Says {
    /// The template (unquoted).
    pub text: String,
    /// Where the quoted template is written.
    pub span: Span,
}

/// `from 2026-01-01 cite 网络安全法2025 第六十九条 = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// In force from this date (absent: always).
    pub from: Option<(Date, Span)>,
    /// Citation of this definition.
    pub citation: Option<Citation>,
    /// `quote "…"`: the statute text of this version.
    pub quote: Option<String>,
    /// The value.
    pub body: Expr,
    /// The whole definition.
    pub span: Span,
}

/// `exception 名称 to rule "label" cite … when cond = value`
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptionDecl {
    /// Doc comment lines.
    pub doc: Vec<String>,
    /// Identifier of the exception.
    pub name: Name,
    /// The rule it defeats or overrides.
    pub target: Name,
    /// Human label.
    pub label: Option<String>,
    /// In force from this date.
    pub from: Option<(Date, Span)>,
    /// Citation.
    pub citation: Option<Citation>,
    /// When it applies.
    pub when: Expr,
    /// The value it gives the rule (default `false` for boolean rules).
    pub value: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The shape.
    pub kind: TypeKind,
    /// `T?`: the value may be absent.
    pub optional: bool,
    /// Where it is written.
    pub span: Span,
}

/// Type shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// `bool`, `count`, `money`, …
    Named(Name),
    /// `enum { person "自然人", unit "单位" }`
    Enum(Vec<EnumValue>),
    /// `list<text>`
    List(Box<TypeExpr>),
    /// `list { issued_on: date, refused: bool }`
    Records(Vec<FieldDecl>),
}

/// One declared enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The value as written in case files.
    pub name: String,
    /// Whether it was written quoted.
    pub quoted: bool,
    /// Human label.
    pub label: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A record field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// Field name.
    pub name: Name,
    /// Field type.
    pub ty: TypeExpr,
    /// Human label.
    pub label: Option<String>,
    /// Default when absent.
    pub default: Option<Expr>,
    /// Where it is written.
    pub span: Span,
}

/// `cite 解释2019 第三条 第一项`
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    /// The source; absent means "continue the enclosing citation".
    pub source: Option<Name>,
    /// 条 / 款 / 项 / 目 parts in order.
    pub parts: Vec<CitePart>,
    /// Where it is written.
    pub span: Span,
}

/// One part of a citation, such as `第三条`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitePart {
    /// Its level.
    pub level: CiteLevel,
    /// The text as written.
    pub text: String,
}

/// Levels of a Chinese statute citation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CiteLevel {
    /// 条
    Article,
    /// 款
    Paragraph,
    /// 项
    Item,
    /// 目
    SubItem,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Its shape.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Expression shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A reference to a fact, parameter, rule or record field.
    Name(Name),
    /// `not x`, `-x`
    Unary(UnaryOp, Box<Expr>),
    /// `a + b`, `a >= b`, …
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `rule at date`
    At(Box<Expr>, Box<Expr>),
    /// `all { … }`, `any { … }`, `not { … }`
    Block(BlockKind, Vec<Branch>),
    /// `2 of { … }`
    AtLeast(u32, Vec<Branch>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `count(list where c)`, `sum(list: e where c)`, …
    Aggregate(Aggregate),
    /// `held(rule)`, `max(a, b)`, …
    Call(Name, Vec<Expr>),
    /// `["a", "b"]`
    List(Vec<Expr>),
    /// `( e )`
    Paren(Box<Expr>),
}

/// An aggregate over a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Which aggregate.
    pub kind: AggregateKind,
    /// The list.
    pub list: Box<Expr>,
    /// The per-item value (`sum(list: value)`).
    pub value: Option<Box<Expr>>,
    /// The filter (`where …`).
    pub filter: Option<Box<Expr>>,
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// Number of items.
    Count,
    /// Sum of values.
    Sum,
    /// Largest value.
    Max,
    /// Smallest value.
    Min,
    /// Some item satisfies.
    Any,
    /// Every item satisfies.
    All,
}

/// Block connectives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// Every branch holds.
    All,
    /// Some branch holds.
    Any,
    /// The single branch does not hold.
    Not,
}

/// A labelled, cited branch of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Label (`"1"`, `"第三项"`).
    pub label: Option<String>,
    /// Citation, usually relative (`cite 第一项`).
    pub citation: Option<Citation>,
    /// `says "…{name}…"`: how memos phrase why the branch holds.
    pub says: Option<Says>,
    /// The condition.
    pub expr: Expr,
    /// Where it is written.
    pub span: Span,
}

/// Literals.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true`, `false`
    Bool(bool),
    /// `200`, `2.5`, `10万`
    Number(Rational),
    /// `10万元`, `5000元`
    Money(Rational),
    /// `5%`
    Percent(Rational),
    /// `2019-11-01`
    Date(Date),
    /// `2 years`
    Duration(Duration),
    /// `"text"`
    Text(String),
    /// `none`
    None,
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `in`
    In,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Ge => ">=",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Lt => "<",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::In => "in",
        }
    }

    /// Whether this is a comparison (its node shows both sides in explanations).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Ge | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Lt | BinaryOp::In
        )
    }
}
