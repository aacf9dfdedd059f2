//! The AST with every span cleared, so that two parses of differently laid-out text compare equal.

use crate::ast::*;
use crate::source::Span;

/// A copy of the file whose spans are all empty: `without_spans(&parse(format(x))) ==
/// without_spans(&parse(x))` is the formatter's guarantee.
pub fn without_spans(file: &File) -> File {
    let mut file = file.clone();
    for item in &mut file.items {
        item_spans(item);
    }
    file
}

fn item_spans(item: &mut Item) {
    match item {
        Item::Source(d) => {
            clear_name(&mut d.name);
            d.span = Span::default();
        }
        Item::Fact(d) => {
            clear_name(&mut d.name);
            type_spans(&mut d.ty);
            if let Some(e) = &mut d.default {
                expr_spans(e);
            }
            if let Some(c) = &mut d.citation {
                citation_spans(c);
            }
            d.span = Span::default();
        }
        Item::Param(d) | Item::Rule(d) => {
            clear_name(&mut d.name);
            type_spans(&mut d.ty);
            if let Some(says) = &mut d.says {
                says.span = Span::default();
            }
            for definition in &mut d.definitions {
                if let Some((_, span)) = &mut definition.from {
                    *span = Span::default();
                }
                if let Some(c) = &mut definition.citation {
                    citation_spans(c);
                }
                expr_spans(&mut definition.body);
                definition.span = Span::default();
            }
            if let Some(prefer) = &mut d.prefer {
                expr_spans(&mut prefer.preferred);
                expr_spans(&mut prefer.over);
                if let Some(c) = &mut prefer.citation {
                    citation_spans(c);
                }
                prefer.head_span = Span::default();
                prefer.span = Span::default();
            }
            d.span = Span::default();
        }
        Item::Exception(d) => {
            clear_name(&mut d.name);
            clear_name(&mut d.target);
            if let Some((_, span)) = &mut d.from {
                *span = Span::default();
            }
            if let Some(c) = &mut d.citation {
                citation_spans(c);
            }
            expr_spans(&mut d.when);
            if let Some(v) = &mut d.value {
                expr_spans(v);
            }
            d.span = Span::default();
        }
    }
}

fn clear_name(name: &mut Name) {
    name.span = Span::default();
}

fn citation_spans(c: &mut Citation) {
    if let Some(source) = &mut c.source {
        clear_name(source);
    }
    c.span = Span::default();
}

fn type_spans(ty: &mut TypeExpr) {
    match &mut ty.kind {
        TypeKind::Named(name) => clear_name(name),
        TypeKind::Enum(values) => {
            for v in values {
                v.span = Span::default();
            }
        }
        TypeKind::List(inner) => type_spans(inner),
        TypeKind::Records(fields) => {
            for f in fields {
                clear_name(&mut f.name);
                type_spans(&mut f.ty);
                if let Some(e) = &mut f.default {
                    expr_spans(e);
                }
                f.span = Span::default();
            }
        }
    }
    ty.span = Span::default();
}

fn branch_spans(branches: &mut [Branch]) {
    for b in branches {
        if let Some(says) = &mut b.says {
            says.span = Span::default();
        }
        if let Some(c) = &mut b.citation {
            citation_spans(c);
        }
        expr_spans(&mut b.expr);
        b.span = Span::default();
    }
}

fn expr_spans(expr: &mut Expr) {
    match &mut expr.kind {
        ExprKind::Literal(_) => {}
        ExprKind::Name(name) => clear_name(name),
        ExprKind::Unary(_, e) | ExprKind::Paren(e) => expr_spans(e),
        ExprKind::Binary(_, a, b) | ExprKind::At(a, b) => {
            expr_spans(a);
            expr_spans(b);
        }
        ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => branch_spans(branches),
        ExprKind::If(c, a, b) => {
            expr_spans(c);
            expr_spans(a);
            expr_spans(b);
        }
        ExprKind::Aggregate(agg) => {
            expr_spans(&mut agg.list);
            if let Some(v) = &mut agg.value {
                expr_spans(v);
            }
            if let Some(f) = &mut agg.filter {
                expr_spans(f);
            }
        }
        ExprKind::Call(name, args) => {
            clear_name(name);
            args.iter_mut().for_each(expr_spans);
        }
        ExprKind::List(items) => items.iter_mut().for_each(expr_spans),
    }
    expr.span = Span::default();
}
