//! Pass 3b: `prefer ORDER at A over B` on a parameter or rule.
//!
//! The clause says which version of a dated value applies where the value is used: the version in
//! force on date `A` when its value is the preferred one (`higher`, `lower`, `true`, `false`)
//! compared with the version in force on date `B`, else the version in force on `B`. This is the
//! rule of 《关于适用刑事司法解释时间效力问题的规定》第三条 (a newer, lighter interpretation applies to
//! earlier conduct still pending), and of 从旧兼从轻 generally.
//!
//! The evaluator has no notion of it: every use `x` of such a value in a rule or exception is
//! rewritten here into existing constructs,
//!
//! ```text
//! if all { "LABEL" cite CLAUSE: (x at A) > (x at B) } then x at A else x at B
//! ```
//!
//! (`<` for `lower`, `(x at A) == true` / `== false` for truth values), so an explanation shows
//! both versions, the comparison and the article that makes the choice. A use already written
//! `x at DATE` is left alone, and so are the definitions of parameters (a parameter built from
//! another takes that one's version of its own date) and `held(x)`. A value with a single version
//! has nothing to choose from: its uses are left as they are.

use std::collections::HashMap;
use std::sync::Arc;

use super::names::Symbol;
use super::resolve::Scope;
use super::{CheckError, Checker};
use crate::ast::{self, BinaryOp, BlockKind, PreferOrder};
use crate::ir::{self, ExprKind, Type};
use crate::source::Span;
use crate::value::Value;

/// A parameter or rule that has a `prefer` clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Param(ir::ParamId),
    Rule(ir::RuleId),
}

/// A checked clause.
#[derive(Debug, Clone)]
struct Clause {
    order: PreferOrder,
    preferred: ir::Expr,
    over: ir::Expr,
    label: Arc<str>,
    cite: Option<ir::Cite>,
    head_span: Span,
}

impl Checker<'_> {
    /// Checks every `prefer` clause and rewrites the uses of the values that have one.
    pub(crate) fn apply_prefer_clauses(&mut self, files: &[ast::File]) {
        let mut clauses: HashMap<Target, Clause> = HashMap::new();
        for item in files.iter().flat_map(|f| &f.items) {
            let (ast::Item::Param(decl) | ast::Item::Rule(decl)) = item else {
                continue;
            };
            let Some(prefer) = &decl.prefer else { continue };
            let (target, info) = match self.own_symbol(&decl.name) {
                Some(Symbol::Param(id)) => (Target::Param(id), self.program_params.get(id.0 as usize)),
                Some(Symbol::Rule(id)) => (Target::Rule(id), self.program_rules.get(id.0 as usize)),
                _ => continue,
            };
            let Some((ty, n_versions)) = info.map(|i| (i.ty.clone(), i.versions.len())) else {
                continue;
            };
            if let Some(clause) = self.prefer_clause(prefer, &ty, &decl.name.text) {
                if n_versions >= 2 {
                    clauses.insert(target, clause);
                }
            }
        }
        if clauses.is_empty() {
            return;
        }
        for rule in &mut self.program_rules {
            for version in &mut rule.versions {
                rewrite(&mut version.body, &clauses);
            }
        }
        for exception in &mut self.program_exceptions {
            rewrite(&mut exception.when, &clauses);
            rewrite(&mut exception.value, &clauses);
        }
    }

    fn prefer_clause(&mut self, prefer: &ast::Prefer, ty: &Type, name: &str) -> Option<Clause> {
        let base = ty.strip_optional();
        let fits = match prefer.order {
            PreferOrder::Higher | PreferOrder::Lower => {
                base.is_number() || matches!(base, Type::Money | Type::Date | Type::Duration | Type::Error)
            }
            PreferOrder::True | PreferOrder::False => matches!(base, Type::Bool | Type::Error),
        };
        let word = prefer.order.word();
        if !fits {
            let need = match prefer.order {
                PreferOrder::Higher | PreferOrder::Lower => "a number, an amount, a date or a duration",
                PreferOrder::True | PreferOrder::False => "a truth value (`bool`)",
            };
            let error = CheckError::InvalidPrefer {
                src: self.src(prefer.head_span),
                span: prefer.head_span.to_miette(),
                problem: format!("`prefer {word}` needs {need}, but `{name}` is {}", self.type_label(ty)),
                label: String::from("no such order for this type"),
                help: String::from(
                    "write `prefer higher` or `prefer lower` for numbers, amounts, dates and durations, `prefer true` or `prefer false` for truth values",
                ),
            };
            self.report(error);
        }
        let preferred = self.prefer_date(&prefer.preferred);
        let over = self.prefer_date(&prefer.over);
        let cite = match &prefer.citation {
            Some(c) => self.cite(c, None),
            None => {
                let error = CheckError::InvalidPrefer {
                    src: self.src(prefer.head_span),
                    span: prefer.head_span.to_miette(),
                    problem: String::from("a `prefer` clause without `cite`"),
                    label: String::from("which rule of law makes this choice?"),
                    help: String::from(
                        "add the article that chooses between the versions, e.g. `cite 时间效力规定 第三条`",
                    ),
                };
                self.report(error);
                None
            }
        };
        let (preferred, over) = (preferred?, over?);
        if !fits {
            return None;
        }
        let label = prefer.label.clone().unwrap_or_else(|| {
            let date = self.snippet(prefer.preferred.span);
            let why = match prefer.order {
                PreferOrder::Higher => "数值较高",
                PreferOrder::Lower => "数值较低",
                PreferOrder::True => "成立",
                PreferOrder::False => "不成立",
            };
            format!("{date} 时施行的版本{why}，适用该版本")
        });
        Some(Clause {
            order: prefer.order,
            preferred,
            over,
            label: label.into(),
            cite,
            head_span: prefer.head_span,
        })
    }

    /// A date of the clause: a date-valued fact or a date literal (in parentheses or not).
    fn prefer_date(&mut self, e: &ast::Expr) -> Option<ir::Expr> {
        let not_a_date = |checker: &mut Self, found: &str| {
            let error = CheckError::InvalidPrefer {
                src: checker.src(e.span),
                span: e.span.to_miette(),
                problem: format!("the dates of `prefer` are facts or date literals, not {found}"),
                label: String::from("not a date fact"),
                help: String::from(
                    "write the facts whose dates choose the version, e.g. `prefer higher at decision_date over conduct_date`",
                ),
            };
            checker.report(error);
            None
        };
        match &e.kind {
            ast::ExprKind::Paren(inner) => self.prefer_date(inner),
            ast::ExprKind::Literal(ast::Literal::Date(date)) => Some(ir::Expr {
                kind: ExprKind::Const(Value::Date(*date)),
                ty: Type::Date,
                span: e.span,
            }),
            ast::ExprKind::Name(name) => match self.symbols.get(&name.text).map(|(s, _)| *s) {
                Some(Symbol::Fact(id)) => {
                    let ty = self
                        .program_facts
                        .get(id.0 as usize)
                        .map(|f| f.ty.clone())
                        .unwrap_or(Type::Error);
                    if !matches!(ty.strip_optional(), Type::Date | Type::Error) {
                        self.mismatch(&Type::Date, &ty, e.span);
                        return None;
                    }
                    self.used_facts.insert(id);
                    Some(ir::Expr {
                        kind: ExprKind::Fact(id),
                        ty,
                        span: e.span,
                    })
                }
                Some(other) => not_a_date(self, &format!("the {} `{}`", other.kind(), name.text)),
                None => {
                    self.unknown_name(name, &Scope::default());
                    None
                }
            },
            _ => not_a_date(self, "an expression"),
        }
    }

    /// The source text of a span, on one line.
    fn snippet(&self, span: Span) -> String {
        self.source_map
            .get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Rewrites every use of a value with a clause inside `expr`.
fn rewrite(expr: &mut ir::Expr, clauses: &HashMap<Target, Clause>) {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || rewrite_here(expr, clauses));
}

fn rewrite_here(expr: &mut ir::Expr, clauses: &HashMap<Target, Clause>) {
    let target = match &expr.kind {
        ExprKind::Param(id) => Some(Target::Param(*id)),
        ExprKind::Rule(id) => Some(Target::Rule(*id)),
        _ => None,
    };
    if let Some(clause) = target.and_then(|t| clauses.get(&t)) {
        *expr = desugar(expr, clause);
        return;
    }
    match &mut expr.kind {
        ExprKind::At(target, date) => {
            if !matches!(target.kind, ExprKind::Param(_) | ExprKind::Rule(_)) {
                rewrite(target, clauses);
            }
            rewrite(date, clauses);
        }
        ExprKind::Const(_)
        | ExprKind::Fact(_)
        | ExprKind::Param(_)
        | ExprKind::Rule(_)
        | ExprKind::Field { .. }
        | ExprKind::Held(_) => {}
        ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Known(e) => rewrite(e, clauses),
        ExprKind::Binary(_, a, b) => {
            rewrite(a, clauses);
            rewrite(b, clauses);
        }
        ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => {
            for branch in branches {
                rewrite(&mut branch.expr, clauses);
            }
        }
        ExprKind::If(c, a, b) => {
            rewrite(c, clauses);
            rewrite(a, clauses);
            rewrite(b, clauses);
        }
        ExprKind::Aggregate {
            list, value, filter, ..
        } => {
            rewrite(list, clauses);
            if let Some(v) = value {
                rewrite(v, clauses);
            }
            if let Some(f) = filter {
                rewrite(f, clauses);
            }
        }
        ExprKind::Extreme { args, .. } | ExprKind::List(args) => {
            for arg in args {
                rewrite(arg, clauses);
            }
        }
    }
}

/// `if all { "LABEL" cite CLAUSE: (x at A) OP (x at B) } then x at A else x at B` for the use `x`.
fn desugar(use_site: &ir::Expr, clause: &Clause) -> ir::Expr {
    let at = |date: &ir::Expr| ir::Expr {
        kind: ExprKind::At(Box::new(use_site.clone()), Box::new(date.clone())),
        ty: use_site.ty.clone(),
        span: use_site.span,
    };
    let constant = |b: bool| ir::Expr {
        kind: ExprKind::Const(Value::Bool(b)),
        ty: Type::Bool,
        span: clause.head_span,
    };
    let comparison = match clause.order {
        PreferOrder::Higher => ExprKind::Binary(
            BinaryOp::Gt,
            Box::new(at(&clause.preferred)),
            Box::new(at(&clause.over)),
        ),
        PreferOrder::Lower => ExprKind::Binary(
            BinaryOp::Lt,
            Box::new(at(&clause.preferred)),
            Box::new(at(&clause.over)),
        ),
        PreferOrder::True => ExprKind::Binary(BinaryOp::Eq, Box::new(at(&clause.preferred)), Box::new(constant(true))),
        PreferOrder::False => {
            ExprKind::Binary(BinaryOp::Eq, Box::new(at(&clause.preferred)), Box::new(constant(false)))
        }
    };
    let comparison = ir::Expr {
        kind: comparison,
        ty: Type::Bool,
        span: clause.head_span,
    };
    let condition = ir::Expr {
        kind: ExprKind::Block(
            BlockKind::All,
            vec![ir::Branch {
                label: Some(Arc::clone(&clause.label)),
                cite: clause.cite.clone(),
                says: None,
                expr: comparison,
                span: clause.head_span,
            }],
        ),
        ty: Type::Bool,
        span: clause.head_span,
    };
    ir::Expr {
        kind: ExprKind::If(
            Box::new(condition),
            Box::new(at(&clause.preferred)),
            Box::new(at(&clause.over)),
        ),
        ty: use_site.ty.clone(),
        span: use_site.span,
    }
}
