//! Pass 2: declared types, and the rules that relate types (units included).

use super::names::Symbol;
use super::{suggest, CheckError, Checker, Owner};
use crate::ast::{self, BinaryOp};
use crate::ir::{self, Type};
use crate::value::Value;

const TYPE_NAMES: [&str; 9] = [
    "bool", "count", "integer", "decimal", "money", "percent", "date", "duration", "text",
];

impl Checker<'_> {
    /// The symbol declared by exactly this name occurrence (not a duplicate of it).
    pub(crate) fn own_symbol(&self, name: &ast::Name) -> Option<Symbol> {
        self.symbols
            .get(&name.text)
            .filter(|(_, span)| *span == name.span)
            .map(|(s, _)| *s)
    }

    pub(crate) fn resolve_fact_types(&mut self, files: &[ast::File]) {
        let facts: Vec<(&ast::FactDecl, ir::FactId)> = files
            .iter()
            .flat_map(|f| &f.items)
            .filter_map(|item| match item {
                ast::Item::Fact(decl) => match self.own_symbol(&decl.name) {
                    Some(Symbol::Fact(id)) => Some((decl, id)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for (decl, id) in &facts {
            let ty = self.type_expr(&decl.ty);
            let cite = decl.citation.as_ref().and_then(|c| self.cite(c, None));
            if let Some(fact) = self.program_facts.get_mut(id.0 as usize) {
                fact.ty = ty;
                fact.cite = cite;
            }
        }
        // Defaults come second: a default may name another fact (`= conduct_date`),
        // whose type must be known by then.
        let mut named_defaults = Vec::new();
        for (decl, id) in facts {
            let Some(default) = &decl.default else { continue };
            let ty = self
                .program_facts
                .get(id.0 as usize)
                .map(|f| f.ty.clone())
                .unwrap_or(Type::Error);
            if let Some(other) = self.fact_reference(default) {
                let other_ty = self
                    .program_facts
                    .get(other.0 as usize)
                    .map(|f| f.ty.clone())
                    .unwrap_or(Type::Error);
                if !assignable(&ty, &other_ty) {
                    self.mismatch(&ty, &other_ty, default.span);
                }
                self.used_facts.insert(other);
                if let Some(fact) = self.program_facts.get_mut(id.0 as usize) {
                    fact.default_fact = Some(other);
                }
                named_defaults.push((id, default.span));
                continue;
            }
            let value = self.constant(default, &ty, "fact default");
            if let Some(fact) = self.program_facts.get_mut(id.0 as usize) {
                fact.default = value;
            }
        }
        self.check_default_cycles(&named_defaults);
    }

    /// Defaults naming facts in a circle (`fact x: count = y`, `fact y: count = x`) would
    /// leave every one of them unknown: each circle is reported once, at its first fact.
    fn check_default_cycles(&mut self, named_defaults: &[(ir::FactId, crate::source::Span)]) {
        let spans: std::collections::HashMap<ir::FactId, crate::source::Span> =
            named_defaults.iter().copied().collect();
        // 0: not visited, 1: on the current path, 2: done.
        let mut state = vec![0u8; self.program_facts.len()];
        for &(start, _) in named_defaults {
            let mut path = Vec::new();
            let mut current = Some(start);
            while let Some(id) = current {
                match state.get(id.0 as usize) {
                    Some(0) => {}
                    Some(1) => {
                        let at = path.iter().position(|p| *p == id).unwrap_or(0);
                        let circle: Vec<ir::FactId> = path.iter().skip(at).copied().collect();
                        self.report_default_cycle(&circle, &spans);
                        break;
                    }
                    _ => break,
                }
                if let Some(s) = state.get_mut(id.0 as usize) {
                    *s = 1;
                }
                path.push(id);
                current = self.program_facts.get(id.0 as usize).and_then(|f| f.default_fact);
            }
            for id in path {
                if let Some(s) = state.get_mut(id.0 as usize) {
                    *s = 2;
                }
            }
        }
    }

    fn report_default_cycle(
        &mut self,
        circle: &[ir::FactId],
        spans: &std::collections::HashMap<ir::FactId, crate::source::Span>,
    ) {
        let name = |id: &ir::FactId| {
            self.program_facts
                .get(id.0 as usize)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        };
        let mut names: Vec<String> = circle.iter().map(name).collect();
        if let Some(first) = names.first().cloned() {
            names.push(first);
        }
        let Some(span) = circle.first().and_then(|id| spans.get(id)).copied() else {
            return;
        };
        let error = CheckError::DefaultCycle {
            src: self.src(span),
            span: span.to_miette(),
            cycle: names.join(" → "),
        };
        self.report(error);
    }

    /// The fact a default names, when it is just another fact's name.
    fn fact_reference(&self, expr: &ast::Expr) -> Option<ir::FactId> {
        let ast::ExprKind::Name(name) = &expr.kind else {
            return None;
        };
        match self.symbols.get(&name.text) {
            Some((Symbol::Fact(id), _)) => Some(*id),
            _ => None,
        }
    }

    pub(crate) fn resolve_value_types(&mut self, files: &[ast::File]) {
        for item in files.iter().flat_map(|f| &f.items) {
            let (decl, symbol) = match item {
                ast::Item::Param(d) | ast::Item::Rule(d) => (d, self.own_symbol(&d.name)),
                _ => continue,
            };
            let ty = self.type_expr(&decl.ty);
            match symbol {
                Some(Symbol::Param(id)) => {
                    if let Some(p) = self.program_params.get_mut(id.0 as usize) {
                        p.ty = ty;
                    }
                }
                Some(Symbol::Rule(id)) => {
                    if let Some(r) = self.program_rules.get_mut(id.0 as usize) {
                        r.ty = ty;
                    }
                }
                _ => {}
            }
        }
    }

    pub(crate) fn type_expr(&mut self, ty: &ast::TypeExpr) -> Type {
        let base = match &ty.kind {
            ast::TypeKind::Named(name) => match name.text.as_str() {
                "bool" => Type::Bool,
                "count" => Type::Count,
                "integer" => Type::Integer,
                "decimal" => Type::Decimal,
                "money" => Type::Money,
                "percent" => Type::Percent,
                "date" => Type::Date,
                "duration" => Type::Duration,
                "text" => Type::Text,
                other => {
                    let error = CheckError::UnknownType {
                        src: self.src(name.span),
                        span: name.span.to_miette(),
                        name: other.to_string(),
                        help: suggest::help_line(other, TYPE_NAMES).or_else(|| {
                            Some(format!(
                                "types are: {}, enum {{…}}, list<…>, list {{…}}",
                                TYPE_NAMES.join(", ")
                            ))
                        }),
                    };
                    self.report(error);
                    Type::Error
                }
            },
            ast::TypeKind::Enum(values) => {
                let mut seen: Vec<(String, Option<String>)> = Vec::new();
                // A set beside the list: an enum of 200,000 values is checked in linear time.
                let mut names = std::collections::HashSet::new();
                for v in values {
                    if !names.insert(v.name.as_str()) {
                        let error = CheckError::DuplicateDefinition {
                            src: self.src(v.span),
                            span: v.span.to_miette(),
                            first: None,
                            name: v.name.clone(),
                            help: String::from("each enum value is listed once"),
                        };
                        self.report(error);
                        continue;
                    }
                    seen.push((v.name.clone(), v.label.clone()));
                }
                self.enums.push(ir::EnumInfo { values: seen });
                Type::Enum(ir::EnumId(self.enums.len() as u32 - 1))
            }
            ast::TypeKind::List(inner) => Type::List(Box::new(self.type_expr(inner))),
            ast::TypeKind::Records(fields) => {
                let mut infos: Vec<ir::FieldInfo> = Vec::new();
                for field in fields {
                    if infos.iter().any(|f| f.name == field.name.text) {
                        let error = CheckError::DuplicateDefinition {
                            src: self.src(field.name.span),
                            span: field.name.span.to_miette(),
                            first: None,
                            name: field.name.text.clone(),
                            help: String::from("each field is declared once"),
                        };
                        self.report(error);
                        continue;
                    }
                    let ty = self.type_expr(&field.ty);
                    let default = field
                        .default
                        .as_ref()
                        .and_then(|d| self.constant(d, &ty, "field default"));
                    infos.push(ir::FieldInfo {
                        name: field.name.text.clone(),
                        label: field.label.clone(),
                        ty,
                        default,
                    });
                }
                self.records.push(ir::RecordInfo { fields: infos });
                Type::List(Box::new(Type::Record(ir::RecordId(self.records.len() as u32 - 1))))
            }
        };
        if ty.optional {
            Type::Optional(Box::new(base))
        } else {
            base
        }
    }

    /// Resolves a default: a constant of the declared type.
    fn constant(&mut self, expr: &ast::Expr, ty: &Type, what: &'static str) -> Option<Value> {
        let lowered = self.expr(expr, Owner::Default, &super::resolve::Scope::default());
        let lowered = self.coerce(lowered, ty);
        let value = const_value(&lowered);
        if value.is_none() && lowered.ty != Type::Error {
            let error = CheckError::NotConstant {
                src: self.src(expr.span),
                span: expr.span.to_miette(),
                what,
                name: self.source_map.slice(expr.span).to_string(),
            };
            self.report(error);
        }
        value
    }

    /// Checks that `expr` fits `target`; reports a mismatch otherwise.
    pub(crate) fn coerce(&mut self, expr: ir::Expr, target: &Type) -> ir::Expr {
        if let (Type::Enum(id), ir::ExprKind::Const(Value::Text(text))) = (target.strip_optional(), &expr.kind) {
            self.check_enum_value(*id, text, expr.span);
            return ir::Expr {
                ty: target.clone(),
                ..expr
            };
        }
        // An enum-valued `if` (`if c then "basic" else "none"`): each branch is checked
        // against the enum, as a bare text would be.
        let expr = match expr {
            ir::Expr {
                kind: ir::ExprKind::If(c, a, b),
                span,
                ..
            } if matches!(target.strip_optional(), Type::Enum(_)) => {
                let a = self.coerce(*a, target);
                let b = self.coerce(*b, target);
                return ir::Expr {
                    kind: ir::ExprKind::If(c, Box::new(a), Box::new(b)),
                    ty: target.clone(),
                    span,
                };
            }
            other => other,
        };
        if let (Type::List(inner), ir::ExprKind::List(items)) = (target, &expr.kind) {
            let items = items.clone();
            let items: Vec<ir::Expr> = items.into_iter().map(|item| self.coerce(item, inner)).collect();
            return ir::Expr {
                kind: ir::ExprKind::List(items),
                ty: target.clone(),
                span: expr.span,
            };
        }
        if !assignable(target, &expr.ty) {
            self.mismatch(target, &expr.ty, expr.span);
        }
        expr
    }

    pub(crate) fn check_enum_value(&mut self, id: ir::EnumId, text: &str, span: crate::source::Span) {
        if self.is_enum_value(id, text) {
            return;
        }
        let Some(count) = self.enums.get(id.0 as usize).map(|info| info.values.len()) else {
            return;
        };
        let suggest = self.may_suggest(count);
        let Some(info) = self.enums.get(id.0 as usize) else {
            return;
        };
        let names = || info.values.iter().map(|(v, _)| v.as_str());
        let help = if suggest {
            suggest::help_line(text, names())
        } else {
            Some(String::from(super::resolve::NO_MORE_SUGGESTIONS))
        };
        let error = CheckError::UnknownEnumValue {
            src: self.src(span),
            span: span.to_miette(),
            value: text.to_string(),
            allowed: allowed_values(names(), count),
            help,
        };
        self.report(error);
    }

    pub(crate) fn mismatch(&mut self, expected: &Type, found: &Type, span: crate::source::Span) {
        if *expected == Type::Error || *found == Type::Error {
            return;
        }
        let help = match (expected.strip_optional(), found) {
            (Type::Money, t) if t.is_number() => Some(String::from(
                "amounts of money are written with 元, e.g. `5000元` or `10万元`",
            )),
            (Type::Bool, Type::Optional(_)) | (_, Type::Optional(_)) => {
                Some(String::from("this value may be `none`; compare it with `none` first"))
            }
            _ => None,
        };
        let error = CheckError::TypeMismatch {
            src: self.src(span),
            span: span.to_miette(),
            expected: self.type_label(expected),
            found: self.type_label(found),
            help,
        };
        self.report(error);
    }

    pub(crate) fn type_label(&self, ty: &Type) -> String {
        match ty {
            Type::Enum(id) => {
                let values = self
                    .enums
                    .get(id.0 as usize)
                    .map(|e| {
                        e.values
                            .iter()
                            .map(|(v, _)| v.as_str())
                            .take(4)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                format!("enum {{ {values} }}")
            }
            Type::List(inner) => format!("list<{}>", self.type_label(inner)),
            Type::Optional(inner) => format!("{}?", self.type_label(inner)),
            Type::Record(_) => String::from("record"),
            Type::Bool => "bool".into(),
            Type::Count => "count".into(),
            Type::Integer => "integer".into(),
            Type::Decimal => "decimal".into(),
            Type::Money => "money".into(),
            Type::Percent => "percent".into(),
            Type::Date => "date".into(),
            Type::Duration => "duration".into(),
            Type::Text => "text".into(),
            Type::Null => "none".into(),
            Type::Error => "?".into(),
        }
    }
}

/// The value of a constant expression (literals, lists of literals, negated numbers).
pub(crate) fn const_value(expr: &ir::Expr) -> Option<Value> {
    match &expr.kind {
        ir::ExprKind::Const(v) => Some(v.clone()),
        ir::ExprKind::Neg(inner) => match const_value(inner)? {
            Value::Number(n) => Some(Value::Number(-n)),
            _ => None,
        },
        ir::ExprKind::List(items) => {
            let values: Option<Vec<Value>> = items.iter().map(const_value).collect();
            Some(Value::List(values?.into()))
        }
        _ => None,
    }
}

/// Whether a value of type `source` may stand where `target` is expected.
pub(crate) fn assignable(target: &Type, source: &Type) -> bool {
    if target == source || *target == Type::Error || *source == Type::Error {
        return true;
    }
    match (target, source) {
        (Type::Optional(_), Type::Null) => true,
        (Type::Optional(t), Type::Optional(s)) => assignable(t, s),
        (Type::Optional(t), s) => assignable(t, s),
        (Type::Integer, Type::Count) => true,
        (Type::Decimal, s) | (Type::Percent, s) => s.is_number(),
        (Type::List(t), Type::List(s)) => assignable(t, s),
        _ => false,
    }
}

/// The common type of two branches (`if`, list items, `max`).
pub(crate) fn unify(a: &Type, b: &Type) -> Option<Type> {
    if assignable(a, b) {
        return Some(a.clone());
    }
    if assignable(b, a) {
        return Some(b.clone());
    }
    match (a, b) {
        (Type::Null, t) | (t, Type::Null) => Some(Type::Optional(Box::new(t.clone()))),
        (Type::Optional(x), y) | (y, Type::Optional(x)) => unify(x, y).map(|t| Type::Optional(Box::new(t))),
        (x, y) if x.is_number() && y.is_number() => Some(Type::Decimal),
        _ => None,
    }
}

/// The result type of arithmetic, or what cannot be combined.
pub(crate) fn arithmetic(op: BinaryOp, left: &Type, right: &Type) -> Option<Type> {
    use Type::*;
    let number = |t: &Type| t.is_number();
    Some(match (op, left, right) {
        (_, Error, _) | (_, _, Error) => Error,
        (BinaryOp::Add, Count, Count) | (BinaryOp::Mul, Count, Count) => Count,
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, Count | Integer, Count | Integer) => Integer,
        (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, l, r) if number(l) && number(r) => Decimal,
        (BinaryOp::Div, l, r) if number(l) && number(r) => Decimal,
        (BinaryOp::Add | BinaryOp::Sub, Money, Money) => Money,
        (BinaryOp::Mul, Money, n) | (BinaryOp::Mul, n, Money) if number(n) => Money,
        (BinaryOp::Div, Money, n) if number(n) => Money,
        (BinaryOp::Div, Money, Money) => Decimal,
        (BinaryOp::Add | BinaryOp::Sub, Date, Duration) => Date,
        (BinaryOp::Add, Duration, Date) => Date,
        (BinaryOp::Sub, Date, Date) => Duration,
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Duration,
        (BinaryOp::Mul, Duration, n) | (BinaryOp::Mul, n, Duration) if matches!(n, Count | Integer) => Duration,
        _ => return None,
    })
}

/// Whether two types can be compared with `<`, `>=`, ….
pub(crate) fn ordered(left: &Type, right: &Type) -> bool {
    use Type::*;
    matches!(
        (left, right),
        (Error, _) | (_, Error) | (Money, Money) | (Date, Date) | (Duration, Duration)
    ) || (left.is_number() && right.is_number())
}

/// Whether two types can be compared with `==` / `!=`.
pub(crate) fn equatable(left: &Type, right: &Type) -> bool {
    use Type::*;
    ordered(left, right)
        || matches!(
            (left, right),
            (Bool, Bool) | (Text, Text) | (Enum(_), Text) | (Text, Enum(_)) | (Null, _) | (_, Null)
        )
        || matches!((left, right), (Enum(a), Enum(b)) if a == b)
}

/// Most enum values an error lists: an enum of tens of thousands of values would make every
/// message about it that long.
const LISTED_VALUES: usize = 20;

/// `a, b, c`, or the first [`LISTED_VALUES`] of the `count` and how many more.
fn allowed_values<'a>(names: impl Iterator<Item = &'a str>, count: usize) -> String {
    let listed = names.take(LISTED_VALUES).collect::<Vec<_>>().join(", ");
    match count.checked_sub(LISTED_VALUES) {
        Some(more) if more > 0 => format!("{listed} … ({more} more)"),
        _ => listed,
    }
}

/// Enums with fewer values are searched in order; larger ones get a lookup set.
const SEARCHED_VALUES: usize = 32;

impl Checker<'_> {
    /// Whether `text` is one of the values of enum `id`.
    fn is_enum_value(&mut self, id: ir::EnumId, text: &str) -> bool {
        let Some(info) = self.enums.get(id.0 as usize) else {
            return false;
        };
        if info.values.len() <= SEARCHED_VALUES {
            return info.values.iter().any(|(v, _)| v == text);
        }
        self.enum_lookup
            .entry(id.0)
            .or_insert_with(|| info.values.iter().map(|(v, _)| v.clone()).collect())
            .contains(text)
    }
}
