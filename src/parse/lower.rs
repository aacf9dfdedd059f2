//! Pest pairs → AST: one small function per grammar rule, spans on every node.

use std::cell::Cell;

use pest::iterators::{Pair, Pairs};
use unicode_normalization::UnicodeNormalization;

use super::error::ParseError;
use super::grammar::Rule;
use super::literal;
use super::operators::OPERATORS;
use crate::ast::*;
use crate::source::{FileId, SourceFile, Span};

type Result<T> = std::result::Result<T, ParseError>;

/// Stack left free before a recursive step; below it the stack grows on the heap.
const RED_ZONE: usize = 256 * 1024;
/// Size of each extra stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Lowers the `file` pair.
pub(crate) fn file(
    file_id: FileId,
    source: &SourceFile,
    root: Option<Pair<'_, Rule>>,
    limits: &super::ParseLimits,
) -> Result<File> {
    let lowerer = Lowerer {
        file_id,
        source,
        max_depth: limits.max_nesting,
        depth: Cell::new(0),
    };
    let root = root.ok_or_else(|| lowerer.internal(Span::new(file_id, 0, 0), "no file rule"))?;
    // XID_Continue admits zero-width joiners and variation selectors, so two names could look
    // identical and be different; names must be what they look like. (Texts may hold them.)
    if source.text.chars().any(crate::visible::is_invisible) {
        let names = root
            .clone()
            .into_inner()
            .flatten()
            .filter(|p| matches!(p.as_rule(), Rule::ident | Rule::enum_name));
        for name in names {
            if let Some((_, character)) = crate::visible::invisible(name.as_str()) {
                return Err(lowerer.invisible_character(&name, character));
            }
        }
    }
    let mut items = Vec::new();
    for pair in root.into_inner() {
        match pair.as_rule() {
            Rule::EOI => {}
            _ => items.push(lowerer.item(pair)?),
        }
    }
    Ok(File { items })
}

struct Lowerer<'a> {
    file_id: FileId,
    source: &'a SourceFile,
    /// Deepest accepted expression nesting (operators in a chain count one level each).
    max_depth: usize,
    /// Upper bound of the nesting of the expression being lowered.
    depth: Cell<usize>,
}

impl Lowerer<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file_id, s.start(), s.end())
    }

    fn internal(&self, span: Span, message: &str) -> ParseError {
        ParseError::Internal {
            src: self.source.named_source(),
            span: span.to_miette(),
            message: message.to_string(),
        }
    }

    fn invisible_character(&self, pair: &Pair<'_, Rule>, character: char) -> ParseError {
        let name = pair.as_str();
        let visible = crate::visible::visible_form(name);
        ParseError::InvisibleCharacter {
            src: self.source.named_source(),
            span: self.span(pair).to_miette(),
            shown: crate::visible::escape_name(name).into_owned(),
            character: crate::visible::describe(character),
            help: format!(
                "delete it: the name then reads `{visible}` (with it, two different names could look the same)"
            ),
        }
    }

    fn invalid(&self, pair: &Pair<'_, Rule>, what: &'static str, help: Option<&str>) -> ParseError {
        ParseError::InvalidLiteral {
            src: self.source.named_source(),
            span: self.span(pair).to_miette(),
            what,
            text: pair.as_str().to_string(),
            help: help.map(String::from),
        }
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        Ok(match pair.as_rule() {
            Rule::source_decl => Item::Source(self.source_decl(pair)?),
            Rule::fact_decl => Item::Fact(self.fact_decl(pair)?),
            Rule::param_decl => Item::Param(self.value_decl(pair)?),
            Rule::rule_decl => Item::Rule(self.value_decl(pair)?),
            Rule::exception_decl => Item::Exception(self.exception_decl(pair)?),
            _ => return Err(self.internal(self.span(&pair), "unexpected item")),
        })
    }

    fn doc(&self, pairs: &mut std::iter::Peekable<Pairs<'_, Rule>>) -> Vec<String> {
        match pairs.peek() {
            Some(p) if p.as_rule() == Rule::doc => {}
            _ => return Vec::new(),
        }
        let Some(doc) = pairs.next() else { return Vec::new() };
        doc.into_inner()
            .map(|line| {
                let text = line.as_str().trim_start_matches('/');
                text.strip_prefix(' ').unwrap_or(text).trim_end().to_string()
            })
            .collect()
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> Name {
        Name {
            text: pair.as_str().nfc().collect(),
            span: self.span(pair),
        }
    }

    fn expect<'i>(
        &self,
        pairs: &mut impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
        rule: Rule,
    ) -> Result<Pair<'i, Rule>> {
        match pairs.next() {
            Some(p) if p.as_rule() == rule => Ok(p),
            Some(p) => Err(self.internal(self.span(&p), &format!("expected {rule:?}, got {:?}", p.as_rule()))),
            None => Err(self.internal(span, &format!("missing {rule:?}"))),
        }
    }

    fn skip_keywords<'i>(pairs: &mut std::iter::Peekable<Pairs<'i, Rule>>) {
        while let Some(p) = pairs.peek() {
            if is_keyword(p.as_rule()) {
                pairs.next();
            } else {
                break;
            }
        }
    }

    fn source_decl(&self, pair: Pair<'_, Rule>) -> Result<SourceDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let doc = self.doc(&mut inner);
        Self::skip_keywords(&mut inner);
        let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        let citation_name = literal::string(self.expect(&mut inner, span, Rule::string)?.as_str());
        let mut decl = SourceDecl {
            doc,
            name,
            citation_name,
            title: None,
            in_force: None,
            until: None,
            not_encoded: Vec::new(),
            span,
        };
        for attr in inner {
            let mut parts = attr.into_inner();
            let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                return Err(self.internal(span, "incomplete source attribute"));
            };
            match key.as_rule() {
                Rule::kw_title => decl.title = Some(literal::string(value.as_str())),
                Rule::kw_in_force => decl.in_force = Some(self.date(&value)?),
                Rule::kw_until => decl.until = Some(self.date(&value)?),
                Rule::kw_not_encoded => decl.not_encoded.push(literal::string(value.as_str())),
                _ => return Err(self.internal(span, "unknown source attribute")),
            }
        }
        Ok(decl)
    }

    fn fact_decl(&self, pair: Pair<'_, Rule>) -> Result<FactDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let doc = self.doc(&mut inner);
        Self::skip_keywords(&mut inner);
        let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        let ty = self.type_expr(self.expect(&mut inner, span, Rule::type_expr)?)?;
        let mut decl = FactDecl {
            doc,
            name,
            ty,
            label: None,
            default: None,
            citation: None,
            span,
        };
        for p in inner {
            match p.as_rule() {
                Rule::string => decl.label = Some(literal::string(p.as_str())),
                Rule::expr => decl.default = Some(self.expr(p)?),
                Rule::citation => decl.citation = Some(self.citation(p)?),
                _ => return Err(self.internal(self.span(&p), "unexpected part of fact")),
            }
        }
        Ok(decl)
    }

    fn value_decl(&self, pair: Pair<'_, Rule>) -> Result<ValueDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let doc = self.doc(&mut inner);
        Self::skip_keywords(&mut inner);
        let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        let ty = self.type_expr(self.expect(&mut inner, span, Rule::type_expr)?)?;
        let mut decl = ValueDecl {
            doc,
            name,
            ty,
            label: None,
            says: None,
            definitions: Vec::new(),
            prefer: None,
            span,
        };
        for p in inner {
            match p.as_rule() {
                Rule::string => decl.label = Some(literal::string(p.as_str())),
                Rule::says => decl.says = Some(self.says(p)),
                Rule::definition => decl.definitions.push(self.definition(p)?),
                Rule::prefer_clause => decl.prefer = Some(self.prefer(p)?),
                _ => return Err(self.internal(self.span(&p), "unexpected part of declaration")),
            }
        }
        Ok(decl)
    }

    fn definition(&self, pair: Pair<'_, Rule>) -> Result<Definition> {
        let span = self.span(&pair);
        let mut from = None;
        let mut citation = None;
        let mut quote = None;
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_from | Rule::kw_since | Rule::kw_since_end => {}
                Rule::date => from = Some((self.date(&p)?, self.span(&p))),
                Rule::citation => citation = Some(self.citation(p)?),
                Rule::quote => {
                    quote = p
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::string)
                        .map(|q| literal::string(q.as_str()))
                }
                Rule::expr => body = Some(self.expr(p)?),
                _ => return Err(self.internal(self.span(&p), "unexpected part of definition")),
            }
        }
        let body = body.ok_or_else(|| self.internal(span, "definition without a value"))?;
        Ok(Definition {
            from,
            citation,
            quote,
            body,
            span,
        })
    }

    /// `says "…"`: the template and the span of its quoted text.
    fn says(&self, pair: Pair<'_, Rule>) -> Says {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::string) {
            Some(text) => Says {
                text: literal::string(text.as_str()),
                span: self.span(&text),
            },
            None => Says {
                text: String::new(),
                span,
            },
        }
    }

    fn prefer(&self, pair: Pair<'_, Rule>) -> Result<Prefer> {
        let span = self.span(&pair);
        let mut order = None;
        let mut dates = Vec::new();
        let (mut label, mut citation) = (None, None);
        let mut head_end = span.start;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_prefer | Rule::kw_at | Rule::kw_over => {}
                Rule::prefer_order => {
                    order = Some(match p.as_str() {
                        "higher" | "较高" => PreferOrder::Higher,
                        "lower" | "较低" => PreferOrder::Lower,
                        "true" | "是" => PreferOrder::True,
                        _ => PreferOrder::False,
                    });
                }
                Rule::string => label = Some(literal::string(p.as_str())),
                Rule::citation => citation = Some(self.citation(p)?),
                _ => {
                    let date = self.primary(p)?;
                    head_end = date.span.end;
                    dates.push(date);
                }
            }
        }
        let order = order.ok_or_else(|| self.internal(span, "`prefer` without an order"))?;
        let mut dates = dates.into_iter();
        let (Some(preferred), Some(over)) = (dates.next(), dates.next()) else {
            return Err(self.internal(span, "`prefer` without two dates"));
        };
        Ok(Prefer {
            order,
            preferred,
            over,
            label,
            citation,
            head_span: Span::new(self.file_id, span.start, head_end),
            span,
        })
    }

    fn exception_decl(&self, pair: Pair<'_, Rule>) -> Result<ExceptionDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let doc = self.doc(&mut inner);
        Self::skip_keywords(&mut inner);
        let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        Self::skip_keywords(&mut inner);
        let target = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        let (mut label, mut from, mut citation, mut when, mut value) = (None, None, None, None, None);
        for p in inner {
            match p.as_rule() {
                Rule::string => label = Some(literal::string(p.as_str())),
                Rule::kw_from | Rule::kw_since | Rule::kw_since_end | Rule::kw_when => {}
                Rule::date => from = Some((self.date(&p)?, self.span(&p))),
                Rule::citation => citation = Some(self.citation(p)?),
                Rule::expr if when.is_none() => when = Some(self.expr(p)?),
                Rule::expr => value = Some(self.expr(p)?),
                _ => return Err(self.internal(self.span(&p), "unexpected part of exception")),
            }
        }
        let when = when.ok_or_else(|| self.internal(span, "exception without `when`"))?;
        Ok(ExceptionDecl {
            doc,
            name,
            target,
            label,
            from,
            citation,
            when,
            value,
            span,
        })
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> Result<TypeExpr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let base = inner.next().ok_or_else(|| self.internal(span, "empty type"))?;
        let optional = inner.next().is_some();
        let kind = match base.as_rule() {
            Rule::type_name => {
                let ident = base
                    .into_inner()
                    .next()
                    .ok_or_else(|| self.internal(span, "empty type name"))?;
                TypeKind::Named(self.name(&ident))
            }
            Rule::enum_type => TypeKind::Enum(self.enum_values(base)?),
            Rule::list_type => self.list_type(base)?,
            _ => return Err(self.internal(span, "unknown type shape")),
        };
        Ok(TypeExpr { kind, optional, span })
    }

    fn enum_values(&self, pair: Pair<'_, Rule>) -> Result<Vec<EnumValue>> {
        let mut values = Vec::new();
        for p in pair.into_inner().filter(|p| p.as_rule() == Rule::enum_value) {
            let span = self.span(&p);
            let mut parts = p.into_inner();
            let first = parts.next().ok_or_else(|| self.internal(span, "empty enum value"))?;
            let quoted = first.as_rule() == Rule::string;
            let name = if quoted {
                literal::string(first.as_str())
            } else {
                first.as_str().nfc().collect()
            };
            let label = parts.next().map(|l| literal::string(l.as_str()));
            values.push(EnumValue {
                name,
                quoted,
                label,
                span,
            });
        }
        Ok(values)
    }

    fn list_type(&self, pair: Pair<'_, Rule>) -> Result<TypeKind> {
        let span = self.span(&pair);
        let inner = pair.into_inner().find(|p| p.as_rule() != Rule::kw_list);
        let inner = inner.ok_or_else(|| self.internal(span, "list without element type"))?;
        match inner.as_rule() {
            Rule::type_expr => Ok(TypeKind::List(Box::new(self.type_expr(inner)?))),
            Rule::record_type => {
                let fields = inner.into_inner().map(|f| self.field_decl(f)).collect::<Result<_>>()?;
                Ok(TypeKind::Records(fields))
            }
            _ => Err(self.internal(span, "unknown list element")),
        }
    }

    fn field_decl(&self, pair: Pair<'_, Rule>) -> Result<FieldDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
        let ty = self.type_expr(self.expect(&mut inner, span, Rule::type_expr)?)?;
        let mut field = FieldDecl {
            name,
            ty,
            label: None,
            default: None,
            span,
        };
        for p in inner {
            match p.as_rule() {
                Rule::string => field.label = Some(literal::string(p.as_str())),
                Rule::expr => field.default = Some(self.expr(p)?),
                _ => return Err(self.internal(self.span(&p), "unexpected part of field")),
            }
        }
        Ok(field)
    }

    fn citation(&self, pair: Pair<'_, Rule>) -> Result<Citation> {
        let span = self.span(&pair);
        let mut source = None;
        let mut parts = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_cite => {}
                Rule::ident => source = Some(self.name(&p)),
                Rule::cite_part => parts.push(cite_part(p.as_str())),
                _ => return Err(self.internal(self.span(&p), "unexpected part of citation")),
            }
        }
        Ok(Citation { source, parts, span })
    }

    fn date(&self, pair: &Pair<'_, Rule>) -> Result<crate::value::Date> {
        literal::date(pair.as_str()).ok_or_else(|| {
            self.invalid(
                pair,
                "date",
                Some("dates are written YYYY-MM-DD and must exist on the calendar"),
            )
        })
    }

    /// Lowers an expression; its operators nest one level each, on top of the
    /// enclosing expression's levels, and the total may not pass `max_depth`.
    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let outer = self.depth.get();
        let mut depth = outer + 1;
        for part in pair.clone().into_inner() {
            if is_operator(part.as_rule()) {
                depth += 1;
                if depth > self.max_depth {
                    let offset = part.as_span().start();
                    return Err(super::too_deep(self.source, offset, self.max_depth));
                }
            }
        }
        if depth > self.max_depth {
            return Err(super::too_deep(self.source, pair.as_span().start(), self.max_depth));
        }
        self.depth.set(depth);
        let lowered = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.operators(pair));
        self.depth.set(outer);
        lowered
    }

    fn operators(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        OPERATORS
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = Span::new(self.file_id, op.as_span().start(), rhs.span.end);
                let op = match op.as_rule() {
                    Rule::op_not => UnaryOp::Not,
                    _ => UnaryOp::Neg,
                };
                Ok(Expr {
                    kind: ExprKind::Unary(op, Box::new(rhs)),
                    span,
                })
            })
            .map_postfix(|lhs, op| {
                let lhs = lhs?;
                let span = Span::new(self.file_id, lhs.span.start, op.as_span().end());
                let op_span = self.span(&op);
                let date = op
                    .into_inner()
                    .find(|p| p.as_rule() != Rule::kw_at)
                    .ok_or_else(|| self.internal(op_span, "`at` without a date"))?;
                let date = self.primary(date)?;
                Ok(Expr {
                    kind: ExprKind::At(Box::new(lhs), Box::new(date)),
                    span,
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = Span::new(self.file_id, lhs.span.start, rhs.span.end);
                let op = binary_op(op.as_rule()).ok_or_else(|| self.internal(span, "unknown operator"))?;
                Ok(Expr {
                    kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    span,
                })
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = pair
                    .into_inner()
                    .next()
                    .ok_or_else(|| self.internal(span, "empty parentheses"))?;
                ExprKind::Paren(Box::new(self.expr(inner)?))
            }
            Rule::expr => return self.expr(pair),
            Rule::block => self.block(pair)?,
            Rule::n_of => self.n_of(pair)?,
            Rule::if_expr => {
                let mut parts = pair.into_inner().filter(|p| p.as_rule() == Rule::expr);
                let (Some(c), Some(a), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(self.internal(span, "incomplete if"));
                };
                ExprKind::If(
                    Box::new(self.expr(c)?),
                    Box::new(self.expr(a)?),
                    Box::new(self.expr(b)?),
                )
            }
            Rule::aggregate => self.aggregate(pair)?,
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = self.name(&self.expect(&mut inner, span, Rule::ident)?);
                let args = inner.map(|p| self.expr(p)).collect::<Result<_>>()?;
                ExprKind::Call(name, args)
            }
            Rule::list_literal => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect::<Result<_>>()?),
            Rule::ident => ExprKind::Name(self.name(&pair)),
            _ => ExprKind::Literal(self.literal(&pair)?),
        };
        Ok(Expr { kind, span })
    }

    fn literal(&self, pair: &Pair<'_, Rule>) -> Result<Literal> {
        let text = pair.as_str();
        Ok(match pair.as_rule() {
            Rule::date => Literal::Date(self.date(pair)?),
            Rule::duration => {
                Literal::Duration(literal::duration(text).ok_or_else(|| self.invalid(pair, "duration", None))?)
            }
            Rule::money => Literal::Money(literal::money(text).ok_or_else(|| self.invalid(pair, "amount", None))?),
            Rule::percent => {
                Literal::Percent(literal::percent(text).ok_or_else(|| self.invalid(pair, "percentage", None))?)
            }
            Rule::number | Rule::integer => Literal::Number(
                literal::number_with_magnitude(text)
                    .ok_or_else(|| self.invalid(pair, "number", Some("numbers have at most 38 digits")))?,
            ),
            Rule::string => Literal::Text(literal::string(text)),
            Rule::boolean => Literal::Bool(text == "true" || text == "是"),
            Rule::none => Literal::None,
            other => return Err(self.internal(self.span(pair), &format!("unexpected {other:?} in expression"))),
        })
    }

    fn branches<'i>(&self, pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Result<Vec<Branch>> {
        pairs
            .filter(|p| p.as_rule() == Rule::branch)
            .map(|p| {
                let span = self.span(&p);
                let (mut label, mut citation, mut says, mut expr) = (None, None, None, None);
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::string => label = Some(literal::string(part.as_str())),
                        Rule::citation => citation = Some(self.citation(part)?),
                        Rule::says => says = Some(self.says(part)),
                        _ => expr = Some(self.expr(part)?),
                    }
                }
                let expr = expr.ok_or_else(|| self.internal(span, "empty branch"))?;
                Ok(Branch {
                    label,
                    citation,
                    says,
                    expr,
                    span,
                })
            })
            .collect()
    }

    fn block(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind_pair = self.expect(&mut inner, span, Rule::block_kind)?;
        let kind = match kind_pair.as_str() {
            "all" | "全部" => BlockKind::All,
            "any" | "任一" => BlockKind::Any,
            _ => BlockKind::Not,
        };
        Ok(ExprKind::Block(kind, self.branches(inner)?))
    }

    fn n_of(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let n_pair = self.expect(&mut inner, span, Rule::integer)?;
        let n: u32 = n_pair
            .as_str()
            .parse()
            .map_err(|_| self.invalid(&n_pair, "count", None))?;
        Ok(ExprKind::AtLeast(n, self.branches(inner)?))
    }

    fn aggregate(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind_pair = self.expect(&mut inner, span, Rule::aggregate_kind)?;
        let kind = match kind_pair.as_str() {
            "count" => AggregateKind::Count,
            "sum" => AggregateKind::Sum,
            "max" => AggregateKind::Max,
            "min" => AggregateKind::Min,
            "any" | "任一" => AggregateKind::Any,
            _ => AggregateKind::All,
        };
        let list = self.expr(self.expect(&mut inner, span, Rule::expr)?)?;
        let (mut value, mut filter) = (None, None);
        let mut after_where = false;
        for p in inner {
            match p.as_rule() {
                Rule::kw_where => after_where = true,
                Rule::expr if after_where => filter = Some(Box::new(self.expr(p)?)),
                Rule::expr => value = Some(Box::new(self.expr(p)?)),
                _ => return Err(self.internal(self.span(&p), "unexpected part of aggregate")),
            }
        }
        Ok(ExprKind::Aggregate(Aggregate {
            kind,
            list: Box::new(list),
            value,
            filter,
        }))
    }
}

fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::op_or
            | Rule::op_and
            | Rule::op_eq
            | Rule::op_ne
            | Rule::op_ge
            | Rule::op_le
            | Rule::op_gt
            | Rule::op_lt
            | Rule::op_add
            | Rule::op_sub
            | Rule::op_mul
            | Rule::op_div
            | Rule::op_in
            | Rule::op_not
            | Rule::op_neg
            | Rule::op_at
    )
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_source | Rule::kw_fact | Rule::kw_param | Rule::kw_rule | Rule::kw_exception | Rule::kw_to
    )
}

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_in => BinaryOp::In,
        _ => return None,
    })
}

fn cite_part(text: &str) -> CitePart {
    let level = if text.ends_with('款') {
        CiteLevel::Paragraph
    } else if text.ends_with('项') {
        CiteLevel::Item
    } else if text.ends_with('目') {
        CiteLevel::SubItem
    } else {
        CiteLevel::Article
    };
    CitePart {
        level,
        text: text.to_string(),
    }
}
