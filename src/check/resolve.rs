//! Pass 3: bodies of parameters, rules and exceptions → typed IR with ids.

use std::sync::Arc;

use super::names::Symbol;
use super::types::{arithmetic, equatable, ordered, unify};
use super::{suggest, CheckError, Checker, Owner};
use crate::ast::{self, AggregateKind, BinaryOp, BlockKind, CiteLevel};
use crate::ir::{self, ExprKind, Type};
use crate::source::Span;
use crate::value::Value;

/// Names visible inside an expression besides the global ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Element types of the enclosing aggregates, innermost last.
    items: Vec<Type>,
    /// The citation relative branch citations continue.
    parent_cite: Option<ir::Cite>,
}

/// Comparisons of an unknown name (or enum value) with a declared one that a rule set may spend
/// on "did you mean" suggestions. Each unknown name is compared with every declared name, so
/// thousands of them in a large rule set took minutes (8,000 unknown names among 16,000
/// declarations: 44 s); past this budget they are reported all the same, with
/// [`NO_MORE_SUGGESTIONS`]. An ordinary rule set never comes near it.
const SUGGESTION_COMPARISONS: usize = 1_000_000;

/// The help of an unknown name once the budget is spent.
pub(crate) const NO_MORE_SUGGESTIONS: &str =
    "no suggestion: this rule set has too many unknown names to compare each with every declared one";

impl Checker<'_> {
    pub(crate) fn resolve_bodies(&mut self, files: &[ast::File]) {
        for item in files.iter().flat_map(|f| &f.items) {
            match item {
                ast::Item::Param(decl) => {
                    if let Some(Symbol::Param(id)) = self.own_symbol(&decl.name) {
                        let ty = self
                            .program_params
                            .get(id.0 as usize)
                            .map(|p| p.ty.clone())
                            .unwrap_or(Type::Error);
                        let versions = self.versions(decl, &ty, Owner::Param(id));
                        if let Some(p) = self.program_params.get_mut(id.0 as usize) {
                            p.versions = versions;
                        }
                    }
                }
                ast::Item::Rule(decl) => {
                    if let Some(Symbol::Rule(id)) = self.own_symbol(&decl.name) {
                        let ty = self
                            .program_rules
                            .get(id.0 as usize)
                            .map(|r| r.ty.clone())
                            .unwrap_or(Type::Error);
                        let versions = self.versions(decl, &ty, Owner::Rule(id));
                        if let Some(r) = self.program_rules.get_mut(id.0 as usize) {
                            r.versions = versions;
                        }
                    }
                }
                ast::Item::Exception(decl) => {
                    if self.own_symbol(&decl.name).is_some() {
                        self.exception(decl);
                    }
                }
                ast::Item::Source(_) | ast::Item::Fact(_) => {}
            }
        }
    }

    fn versions(&mut self, decl: &ast::ValueDecl, ty: &Type, owner: Owner) -> Vec<ir::Version> {
        if let Some(says) = &decl.says {
            self.check_template(says);
        }
        let mut versions: Vec<ir::Version> = decl
            .definitions
            .iter()
            .map(|def| {
                let cite = def.citation.as_ref().and_then(|c| self.cite(c, None));
                let scope = Scope {
                    items: Vec::new(),
                    parent_cite: cite.clone(),
                };
                let body = self.expr(&def.body, owner, &scope);
                let body = self.coerce(body, ty);
                ir::Version {
                    from: def.from.map(|(d, _)| d),
                    cite,
                    quote: def.quote.clone(),
                    body,
                    span: def.span,
                }
            })
            .collect();
        versions.sort_by_key(|v| v.from);
        versions
    }

    fn exception(&mut self, decl: &ast::ExceptionDecl) {
        let target = match self.symbols.get(&decl.target.text).map(|(s, _)| *s) {
            Some(Symbol::Rule(id)) => id,
            Some(other) => {
                let error = CheckError::NotARule {
                    src: self.src(decl.target.span),
                    span: decl.target.span.to_miette(),
                    name: decl.target.text.clone(),
                    kind: other.kind(),
                };
                self.report(error);
                return;
            }
            None => {
                self.unknown_name(&decl.target, &Scope::default());
                return;
            }
        };
        let rule_ty = self
            .program_rules
            .get(target.0 as usize)
            .map(|r| r.ty.clone())
            .unwrap_or(Type::Error);
        let cite = decl.citation.as_ref().and_then(|c| self.cite(c, None));
        let scope = Scope {
            items: Vec::new(),
            parent_cite: cite.clone(),
        };
        let owner = Owner::Rule(target);
        let when = self.expr(&decl.when, owner, &scope);
        let when = self.coerce(when, &Type::Bool);
        let value = match &decl.value {
            Some(v) => {
                let lowered = self.expr(v, owner, &scope);
                self.coerce(lowered, &rule_ty)
            }
            None => {
                if rule_ty != Type::Bool && rule_ty != Type::Error {
                    self.mismatch(&rule_ty, &Type::Bool, decl.span);
                }
                ir::Expr {
                    kind: ExprKind::Const(Value::Bool(false)),
                    ty: Type::Bool,
                    span: decl.span,
                }
            }
        };
        let index = self.program_exceptions.len();
        self.program_exceptions.push(ir::ExceptionInfo {
            name: decl.name.text.clone(),
            label: decl.label.clone(),
            target,
            from: decl.from.map(|(d, _)| d),
            cite,
            when,
            value,
            doc: decl.doc.clone(),
            span: decl.span,
        });
        if let Some(rule) = self.program_rules.get_mut(target.0 as usize) {
            rule.exceptions.push(index);
        }
    }

    /// Resolves a citation; a citation without a source continues `parent`.
    pub(crate) fn cite(&mut self, citation: &ast::Citation, parent: Option<&ir::Cite>) -> Option<ir::Cite> {
        let child_parts: Vec<(CiteLevel, String)> = citation.parts.iter().map(|p| (p.level, p.text.clone())).collect();
        let (source, parts) = match &citation.source {
            Some(name) => match self.sources.get_index_of(&name.text) {
                Some(index) => (index as u32, child_parts),
                None => {
                    let names: Vec<String> = self.sources.keys().cloned().collect();
                    let error = CheckError::UnknownSource {
                        src: self.src(name.span),
                        span: name.span.to_miette(),
                        name: name.text.clone(),
                        help: suggest::help_line(&name.text, &names),
                    };
                    self.report(error);
                    return None;
                }
            },
            None => {
                let Some(parent) = parent else {
                    let error = CheckError::RelativeCitation {
                        src: self.src(citation.span),
                        span: citation.span.to_miette(),
                    };
                    self.report(error);
                    return None;
                };
                let first_level = child_parts.first().map(|(l, _)| *l).unwrap_or(CiteLevel::Article);
                let mut parts: Vec<(CiteLevel, String)> =
                    parent.parts.iter().filter(|(l, _)| *l < first_level).cloned().collect();
                parts.extend(child_parts);
                (parent.source, parts)
            }
        };
        let source_name = self
            .sources
            .get_index(source as usize)
            .map(|(_, (s, _))| s.citation_name.clone())
            .unwrap_or_default();
        let joined: String = parts.iter().map(|(_, t)| t.as_str()).collect();
        let text: Arc<str> = if joined.is_empty() {
            source_name.into()
        } else {
            format!("{source_name} {joined}").into()
        };
        Some(ir::Cite { source, parts, text })
    }

    /// Resolves and types an expression. Nesting is bounded by the parser's limit; the
    /// stack grows on the heap when a deep (but accepted) expression needs it.
    pub(crate) fn expr(&mut self, e: &ast::Expr, owner: Owner, scope: &Scope) -> ir::Expr {
        stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.expr_here(e, owner, scope))
    }

    fn expr_here(&mut self, e: &ast::Expr, owner: Owner, scope: &Scope) -> ir::Expr {
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Literal(lit) => literal(lit),
            ast::ExprKind::Name(name) => self.name(name, owner, scope),
            ast::ExprKind::Paren(inner) => return self.expr(inner, owner, scope),
            ast::ExprKind::Unary(op, inner) => self.unary(*op, inner, owner, scope),
            ast::ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e.span, owner, scope),
            ast::ExprKind::At(target, date) => self.at(target, date, owner, scope),
            ast::ExprKind::Block(kind, branches) => {
                let branches = self.branches(branches, owner, scope);
                if *kind == BlockKind::Not && branches.len() != 1 {
                    self.arguments(e.span, "not { … }", "exactly one branch");
                }
                (ExprKind::Block(*kind, branches), Type::Bool)
            }
            ast::ExprKind::AtLeast(n, branches) => {
                (ExprKind::AtLeast(*n, self.branches(branches, owner, scope)), Type::Bool)
            }
            ast::ExprKind::If(c, a, b) => {
                let c = self.expr(c, owner, scope);
                let c = self.coerce(c, &Type::Bool);
                let (a, b) = (self.expr(a, owner, scope), self.expr(b, owner, scope));
                let ty = match unify(&a.ty, &b.ty) {
                    Some(t) => t,
                    None => {
                        self.mismatch(&a.ty, &b.ty, b.span);
                        Type::Error
                    }
                };
                (ExprKind::If(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
            ast::ExprKind::Aggregate(agg) => self.aggregate(agg, owner, scope),
            ast::ExprKind::Call(name, args) => self.call(name, args, e.span, owner, scope),
            ast::ExprKind::List(items) => {
                let items: Vec<ir::Expr> = items.iter().map(|i| self.expr(i, owner, scope)).collect();
                let mut ty = Type::Error;
                for item in &items {
                    ty = match (&ty, unify(&ty, &item.ty)) {
                        (Type::Error, _) => item.ty.clone(),
                        (_, Some(t)) => t,
                        (_, None) => {
                            self.mismatch(&ty, &item.ty, item.span);
                            Type::Error
                        }
                    };
                }
                (ExprKind::List(items), Type::List(Box::new(ty)))
            }
        };
        ir::Expr { kind, ty, span: e.span }
    }

    fn name(&mut self, name: &ast::Name, owner: Owner, scope: &Scope) -> (ExprKind, Type) {
        for (depth, item_ty) in scope.items.iter().rev().enumerate() {
            if let Type::Record(record) = item_ty {
                let fields = self
                    .records
                    .get(record.0 as usize)
                    .map(|r| r.fields.clone())
                    .unwrap_or_default();
                if let Some(index) = fields.iter().position(|f| f.name == name.text) {
                    let ty = fields.get(index).map(|f| f.ty.clone()).unwrap_or(Type::Error);
                    return (
                        ExprKind::Field {
                            depth: depth as u32,
                            field: index as u32,
                        },
                        ty,
                    );
                }
            }
        }
        let Some((symbol, _)) = self.symbols.get(&name.text).copied() else {
            self.unknown_name(name, scope);
            return (ExprKind::Const(Value::Null), Type::Error);
        };
        match (symbol, owner) {
            (Symbol::Fact(id), Owner::Param(_) | Owner::Default) => {
                self.not_constant(name, owner);
                (ExprKind::Fact(id), Type::Error)
            }
            (Symbol::Rule(_), Owner::Param(_) | Owner::Default) => {
                self.not_constant(name, owner);
                (ExprKind::Const(Value::Null), Type::Error)
            }
            (Symbol::Fact(id), _) => {
                self.used_facts.insert(id);
                let ty = self
                    .program_facts
                    .get(id.0 as usize)
                    .map(|f| f.ty.clone())
                    .unwrap_or(Type::Error);
                (ExprKind::Fact(id), ty)
            }
            (Symbol::Param(id), _) => {
                self.used_params.insert(id);
                self.depend(owner, Owner::Param(id), name.span);
                let ty = self
                    .program_params
                    .get(id.0 as usize)
                    .map(|p| p.ty.clone())
                    .unwrap_or(Type::Error);
                (ExprKind::Param(id), ty)
            }
            (Symbol::Rule(id), _) => {
                self.depend(owner, Owner::Rule(id), name.span);
                let ty = self
                    .program_rules
                    .get(id.0 as usize)
                    .map(|r| r.ty.clone())
                    .unwrap_or(Type::Error);
                (ExprKind::Rule(id), ty)
            }
            (Symbol::Exception(_), _) => {
                let error = CheckError::NotARule {
                    src: self.src(name.span),
                    span: name.span.to_miette(),
                    name: name.text.clone(),
                    kind: "exception; refer to the rule it modifies",
                };
                self.report(error);
                (ExprKind::Const(Value::Null), Type::Error)
            }
        }
    }

    fn not_constant(&mut self, name: &ast::Name, owner: Owner) {
        let what = if owner == Owner::Default {
            "default value"
        } else {
            "parameter"
        };
        let error = CheckError::NotConstant {
            src: self.src(name.span),
            span: name.span.to_miette(),
            what,
            name: name.text.clone(),
        };
        self.report(error);
    }

    fn depend(&mut self, owner: Owner, on: Owner, span: Span) {
        if owner != Owner::Default {
            self.dependencies.entry(owner).or_default().push((on, span));
        }
    }

    pub(crate) fn unknown_name(&mut self, name: &ast::Name, scope: &Scope) {
        let help = if self.may_suggest(self.symbols.len()) {
            let mut candidates: Vec<&str> = self.symbols.keys().map(String::as_str).collect();
            for item_ty in &scope.items {
                if let Type::Record(record) = item_ty {
                    if let Some(r) = self.records.get(record.0 as usize) {
                        candidates.extend(r.fields.iter().map(|f| f.name.as_str()));
                    }
                }
            }
            let glued = suggest::glued_keyword(&name.text, &candidates);
            let closest = suggest::did_you_mean(&name.text, candidates.iter().copied());
            if let Some(meant) = &closest {
                self.count_as_used(meant);
            }
            glued.or_else(|| closest.map(|s| format!("did you mean `{s}`?")))
        } else {
            Some(String::from(NO_MORE_SUGGESTIONS))
        };
        let error = CheckError::UnknownName {
            src: self.src(name.span),
            span: name.span.to_miette(),
            name: name.text.clone(),
            help,
        };
        self.report(error);
    }

    /// Counts the declaration a misspelt name was probably meant for as used: the error
    /// already names it, and an "is never used" warning about it would only follow from the
    /// typo.
    fn count_as_used(&mut self, meant: &str) {
        match self.symbols.get(meant).map(|(symbol, _)| *symbol) {
            Some(Symbol::Fact(id)) => {
                self.used_facts.insert(id);
            }
            Some(Symbol::Param(id)) => {
                self.used_params.insert(id);
            }
            _ => {}
        }
    }

    /// Whether one more unknown name may be compared with `candidates` declared names (see
    /// [`SUGGESTION_COMPARISONS`]); if so, they are taken from the budget.
    pub(crate) fn may_suggest(&mut self, candidates: usize) -> bool {
        let spent = self.suggestion_comparisons.saturating_add(candidates);
        if spent > SUGGESTION_COMPARISONS {
            return false;
        }
        self.suggestion_comparisons = spent;
        true
    }

    /// Every `{name}` of a `says` template names a fact, parameter or rule.
    fn check_template(&mut self, says: &ast::Says) {
        for (offset, name) in placeholders(&says.text) {
            if matches!(
                self.symbols.get(name).map(|(s, _)| *s),
                Some(Symbol::Fact(_) | Symbol::Param(_) | Symbol::Rule(_))
            ) {
                continue;
            }
            let candidates: Vec<&str> = if self.may_suggest(self.symbols.len()) {
                self.symbols
                    .iter()
                    .filter(|(_, (s, _))| !matches!(s, Symbol::Exception(_)))
                    .map(|(n, _)| n.as_str())
                    .collect()
            } else {
                Vec::new()
            };
            // The placeholder inside the quoted text; the whole template when escapes shift it.
            let span = if says.span.end - says.span.start != says.text.len() + 2 {
                says.span
            } else {
                let start = says.span.start + 1 + offset;
                Span {
                    start,
                    end: start + name.len() + 2,
                    ..says.span
                }
            };
            let error = CheckError::UnknownPlaceholder {
                src: self.src(span),
                span: span.to_miette(),
                name: name.to_string(),
                help: suggest::help_line(name, &candidates)
                    .or_else(|| Some(String::from("a placeholder `{name}` names a fact, parameter or rule"))),
            };
            self.report(error);
        }
    }

    fn arguments(&mut self, span: Span, function: &str, expected: &'static str) {
        let error = CheckError::WrongArguments {
            src: self.src(span),
            span: span.to_miette(),
            function: function.to_string(),
            expected,
            help: None,
        };
        self.report(error);
    }

    fn unary(&mut self, op: ast::UnaryOp, inner: &ast::Expr, owner: Owner, scope: &Scope) -> (ExprKind, Type) {
        let inner = self.expr(inner, owner, scope);
        match op {
            ast::UnaryOp::Not => {
                let inner = self.coerce(inner, &Type::Bool);
                (ExprKind::Not(Box::new(inner)), Type::Bool)
            }
            ast::UnaryOp::Neg => {
                let ty = match &inner.ty {
                    Type::Count => Type::Integer,
                    t if t.is_number() || matches!(t, Type::Money | Type::Duration | Type::Error) => t.clone(),
                    other => {
                        let other = other.clone();
                        self.mismatch(&Type::Decimal, &other, inner.span);
                        Type::Error
                    }
                };
                (ExprKind::Neg(Box::new(inner)), ty)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        owner: Owner,
        scope: &Scope,
    ) -> (ExprKind, Type) {
        let left = self.expr(l, owner, scope);
        let right = self.expr(r, owner, scope);
        let ty = match op {
            BinaryOp::And | BinaryOp::Or => {
                let left = self.coerce(left, &Type::Bool);
                let right = self.coerce(right, &Type::Bool);
                return (ExprKind::Binary(op, Box::new(left), Box::new(right)), Type::Bool);
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                self.enum_literal_check(&left, &right);
                self.comparison_type(op, &left.ty, &right.ty, span, equatable)
            }
            BinaryOp::Ge | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Lt => {
                self.comparison_type(op, &left.ty, &right.ty, span, ordered)
            }
            BinaryOp::In => self.membership(&left, &right, span),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let (l_ty, r_ty) = (left.ty.strip_optional().clone(), right.ty.strip_optional().clone());
                let optional = matches!(left.ty, Type::Optional(_)) || matches!(right.ty, Type::Optional(_));
                match arithmetic(op, &l_ty, &r_ty) {
                    Some(t) if optional => Type::Optional(Box::new(t)),
                    Some(t) => t,
                    None => {
                        self.unit_mismatch(op, &l_ty, &r_ty, span);
                        Type::Error
                    }
                }
            }
        };
        (ExprKind::Binary(op, Box::new(left), Box::new(right)), ty)
    }

    fn comparison_type(
        &mut self,
        op: BinaryOp,
        l: &Type,
        r: &Type,
        span: Span,
        allowed: fn(&Type, &Type) -> bool,
    ) -> Type {
        let optional = (matches!(l, Type::Optional(_)) || matches!(r, Type::Optional(_)))
            && !matches!(l, Type::Null)
            && !matches!(r, Type::Null);
        let (ls, rs) = if matches!(l, Type::Null) || matches!(r, Type::Null) {
            (l.clone(), r.clone())
        } else {
            (l.strip_optional().clone(), r.strip_optional().clone())
        };
        if !allowed(&ls, &rs) {
            self.unit_mismatch(op, &ls, &rs, span);
            return Type::Bool;
        }
        // Equality with an absent value is decided (`none == true` is false); order is not.
        if optional && !matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
            Type::Optional(Box::new(Type::Bool))
        } else {
            Type::Bool
        }
    }

    fn enum_literal_check(&mut self, left: &ir::Expr, right: &ir::Expr) {
        for (a, b) in [(left, right), (right, left)] {
            if let (Type::Enum(id), ExprKind::Const(Value::Text(text))) = (a.ty.strip_optional(), &b.kind) {
                self.check_enum_value(*id, text, b.span);
            }
        }
    }

    fn membership(&mut self, left: &ir::Expr, right: &ir::Expr, span: Span) -> Type {
        let Type::List(element) = &right.ty else {
            let found = right.ty.clone();
            self.mismatch(&Type::List(Box::new(left.ty.clone())), &found, right.span);
            return Type::Bool;
        };
        if !equatable(&left.ty, element) && **element != Type::Error {
            let element = (**element).clone();
            self.unit_mismatch(BinaryOp::In, &left.ty, &element, span);
        }
        if let (Type::Enum(id), ExprKind::List(items)) = (&left.ty, &right.kind) {
            for item in items {
                if let ExprKind::Const(Value::Text(text)) = &item.kind {
                    self.check_enum_value(*id, text, item.span);
                }
            }
        }
        Type::Bool
    }

    fn unit_mismatch(&mut self, op: BinaryOp, left: &Type, right: &Type, span: Span) {
        if *left == Type::Error || *right == Type::Error {
            return;
        }
        let action = match op {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul => "multiply",
            BinaryOp::Div => "divide",
            _ => "compare",
        };
        let help = match (left, right) {
            (Type::Money, n) | (n, Type::Money) if n.is_number() => Some(String::from(
                "write amounts with 元 (`5000元`, `10万元`), or divide money by money for a ratio",
            )),
            (Type::Date, n) | (n, Type::Date) if n.is_number() => {
                Some(String::from("add a duration to a date: `conduct_date - 2 years`"))
            }
            (Type::Duration, n) | (n, Type::Duration) if n.is_number() => {
                Some(String::from("write a duration with its unit: `60 minutes`, `1 hour`"))
            }
            _ => None,
        };
        let error = CheckError::UnitMismatch {
            src: self.src(span),
            span: span.to_miette(),
            action,
            op: op.symbol(),
            left: self.type_label(left),
            right: self.type_label(right),
            help,
        };
        self.report(error);
    }

    fn at(&mut self, target: &ast::Expr, date: &ast::Expr, owner: Owner, scope: &Scope) -> (ExprKind, Type) {
        let target = self.expr(target, owner, scope);
        if !matches!(target.kind, ExprKind::Rule(_) | ExprKind::Param(_)) && target.ty != Type::Error {
            let error = CheckError::InvalidAt {
                src: self.src(target.span),
                span: target.span.to_miette(),
            };
            self.report(error);
        }
        let date = self.expr(date, owner, scope);
        let date = self.coerce(date, &Type::Date);
        let ty = target.ty.clone();
        (ExprKind::At(Box::new(target), Box::new(date)), ty)
    }

    fn branches(&mut self, branches: &[ast::Branch], owner: Owner, scope: &Scope) -> Vec<ir::Branch> {
        branches
            .iter()
            .map(|b| {
                let cite = b
                    .citation
                    .as_ref()
                    .and_then(|c| self.cite(c, scope.parent_cite.as_ref()));
                let inner_scope = Scope {
                    items: scope.items.clone(),
                    parent_cite: cite.clone().or_else(|| scope.parent_cite.clone()),
                };
                let expr = self.expr(&b.expr, owner, &inner_scope);
                let expr = self.coerce(expr, &Type::Bool);
                if let Some(says) = &b.says {
                    self.check_template(says);
                }
                ir::Branch {
                    label: b.label.as_deref().map(Arc::from),
                    cite,
                    says: b.says.as_ref().map(|s| Arc::from(s.text.as_str())),
                    expr,
                    span: b.span,
                }
            })
            .collect()
    }

    fn aggregate(&mut self, agg: &ast::Aggregate, owner: Owner, scope: &Scope) -> (ExprKind, Type) {
        let list = self.expr(&agg.list, owner, scope);
        let element = match &list.ty {
            Type::List(element) => (**element).clone(),
            Type::Error => Type::Error,
            other => {
                let other = other.clone();
                self.mismatch(&Type::List(Box::new(Type::Error)), &other, list.span);
                Type::Error
            }
        };
        let mut inner = scope.clone();
        inner.items.push(element);
        let value = agg.value.as_ref().map(|v| self.expr(v, owner, &inner));
        let filter = agg.filter.as_ref().map(|f| {
            let f = self.expr(f, owner, &inner);
            self.coerce(f, &Type::Bool)
        });
        let ty = match agg.kind {
            AggregateKind::Count => Type::Count,
            AggregateKind::Any | AggregateKind::All => Type::Bool,
            AggregateKind::Sum | AggregateKind::Max | AggregateKind::Min => match &value {
                Some(v) if v.ty.is_number() || matches!(v.ty, Type::Money | Type::Error) => {
                    if agg.kind == AggregateKind::Sum {
                        v.ty.clone()
                    } else {
                        Type::Optional(Box::new(v.ty.clone()))
                    }
                }
                Some(v) if matches!(v.ty, Type::Date | Type::Duration) && agg.kind != AggregateKind::Sum => {
                    Type::Optional(Box::new(v.ty.clone()))
                }
                Some(v) => {
                    let found = v.ty.clone();
                    self.mismatch(&Type::Decimal, &found, v.span);
                    Type::Error
                }
                None => {
                    self.arguments(
                        agg.list.span,
                        "sum/max/min",
                        "a list and a value: `sum(list: value where …)`",
                    );
                    Type::Error
                }
            },
        };
        let value = match (agg.kind, value) {
            (AggregateKind::Any | AggregateKind::All, Some(v)) => Some(self.coerce(v, &Type::Bool)),
            (_, v) => v,
        };
        let kind = ExprKind::Aggregate {
            kind: agg.kind,
            list: Box::new(list),
            value: value.map(Box::new),
            filter: filter.map(Box::new),
        };
        (kind, ty)
    }

    fn call(
        &mut self,
        name: &ast::Name,
        args: &[ast::Expr],
        span: Span,
        owner: Owner,
        scope: &Scope,
    ) -> (ExprKind, Type) {
        match name.text.as_str() {
            "held" => {
                let target = match args {
                    [ast::Expr {
                        kind: ast::ExprKind::Name(n),
                        ..
                    }] => n,
                    _ => {
                        self.arguments(span, "held", "one rule name: `held(rule)`");
                        return (ExprKind::Const(Value::Null), Type::Error);
                    }
                };
                match self.symbols.get(&target.text).map(|(s, _)| *s) {
                    Some(Symbol::Rule(id)) => {
                        self.depend(owner, Owner::Rule(id), target.span);
                        (ExprKind::Held(id), Type::List(Box::new(Type::Text)))
                    }
                    Some(other) => {
                        let error = CheckError::NotARule {
                            src: self.src(target.span),
                            span: target.span.to_miette(),
                            name: target.text.clone(),
                            kind: other.kind(),
                        };
                        self.report(error);
                        (ExprKind::Const(Value::Null), Type::Error)
                    }
                    None => {
                        self.unknown_name(target, scope);
                        (ExprKind::Const(Value::Null), Type::Error)
                    }
                }
            }
            "known" => {
                let [arg] = args else {
                    self.arguments(span, "known", "one value: `known(actor_birth_date)`");
                    return (ExprKind::Const(Value::Null), Type::Error);
                };
                let arg = self.expr(arg, owner, scope);
                (ExprKind::Known(Box::new(arg)), Type::Bool)
            }
            "max" | "min" => {
                if args.len() < 2 {
                    self.arguments(span, &name.text, "two or more values");
                }
                let args: Vec<ir::Expr> = args.iter().map(|a| self.expr(a, owner, scope)).collect();
                let mut ty = args.first().map(|a| a.ty.clone()).unwrap_or(Type::Error);
                for a in args.iter().skip(1) {
                    ty = match unify(&ty, &a.ty) {
                        Some(t) => t,
                        None => {
                            self.mismatch(&ty, &a.ty, a.span);
                            Type::Error
                        }
                    };
                }
                (
                    ExprKind::Extreme {
                        max: name.text == "max",
                        args,
                    },
                    ty,
                )
            }
            _ => {
                let error = CheckError::UnknownName {
                    src: self.src(name.span),
                    span: name.span.to_miette(),
                    name: name.text.clone(),
                    help: suggest::help_line(
                        &name.text,
                        ["held", "known", "max", "min", "count", "sum", "any", "all"],
                    )
                    .or_else(|| {
                        Some(String::from(
                            "functions are held, known, max, min; aggregates are count, sum, max, min, any, all",
                        ))
                    }),
                };
                self.report(error);
                (ExprKind::Const(Value::Null), Type::Error)
            }
        }
    }
}

fn literal(lit: &ast::Literal) -> (ExprKind, Type) {
    let (value, ty) = match lit {
        ast::Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        ast::Literal::Number(n) => {
            let ty = if n.is_integer() && *n.numer() >= 0 {
                Type::Count
            } else {
                Type::Decimal
            };
            (Value::Number(*n), ty)
        }
        ast::Literal::Money(n) => (Value::Number(*n), Type::Money),
        ast::Literal::Percent(n) => (Value::Number(*n), Type::Percent),
        ast::Literal::Date(d) => (Value::Date(*d), Type::Date),
        ast::Literal::Duration(d) => (Value::Duration(*d), Type::Duration),
        ast::Literal::Text(t) => (Value::Text(Arc::from(t.as_str())), Type::Text),
        ast::Literal::None => (Value::Null, Type::Null),
    };
    (ExprKind::Const(value), ty)
}

/// The `{name}` placeholders of a `says` template, with the byte offset of each `{`.
pub(crate) fn placeholders(template: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = template.get(rest..).and_then(|t| t.find('{')) {
        let start = rest + open;
        let Some(close) = template.get(start..).and_then(|t| t.find('}')) else {
            break;
        };
        if let Some(name) = template.get(start + 1..start + close) {
            out.push((start, name.trim()));
        }
        rest = start + close + 1;
    }
    out
}
