//! Where every name of a rule set is declared and used, read off the ASTs of its files.
//!
//! The index works on the parsed files alone, so hover, go to definition, references and rename
//! keep working while the rule set has type errors (and in every file that still parses when
//! another does not). Names are looked up as the checker does, with one simplification: inside an
//! aggregate a record field hides a global of the same spelling, and the index does not know the
//! fields, so such a field counts as a use of the global.

use ruling::ast::{self, Expr, ExprKind, Item};

/// The two namespaces: facts, parameters, rules and exceptions share one; sources have their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Namespace {
    Value,
    Source,
}

/// What a declaration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclKind {
    Source,
    Fact,
    Param,
    Rule,
    Exception,
}

impl DeclKind {
    pub(crate) fn namespace(self) -> Namespace {
        match self {
            DeclKind::Source => Namespace::Source,
            _ => Namespace::Value,
        }
    }

    /// The keyword, as the hover and completion show it.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            DeclKind::Source => "source",
            DeclKind::Fact => "fact",
            DeclKind::Param => "param",
            DeclKind::Rule => "rule",
            DeclKind::Exception => "exception",
        }
    }
}

/// One declaration: its name and where it is.
#[derive(Debug, Clone)]
pub(crate) struct Decl {
    pub(crate) name: String,
    pub(crate) kind: DeclKind,
    /// Index of the file in the analysis.
    pub(crate) file: usize,
    /// Index of the item in the file's AST.
    pub(crate) item: usize,
    pub(crate) name_span: (usize, usize),
}

/// One use of a name.
#[derive(Debug, Clone)]
pub(crate) struct Use {
    pub(crate) name: String,
    pub(crate) namespace: Namespace,
    pub(crate) file: usize,
    pub(crate) span: (usize, usize),
}

/// Declarations and uses of all files.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) decls: Vec<Decl>,
    pub(crate) uses: Vec<Use>,
}

/// A name under the cursor: declared there or used there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Symbol {
    pub(crate) name: String,
    pub(crate) namespace: Namespace,
    /// The span of the name under the cursor.
    pub(crate) span: (usize, usize),
}

impl Index {
    /// Adds the declarations and uses of one file.
    pub(crate) fn add_file(&mut self, file: usize, ast: &ast::File) {
        for (item_idx, item) in ast.items.iter().enumerate() {
            let (kind, name) = match item {
                Item::Source(d) => (DeclKind::Source, &d.name),
                Item::Fact(d) => (DeclKind::Fact, &d.name),
                Item::Param(d) => (DeclKind::Param, &d.name),
                Item::Rule(d) => (DeclKind::Rule, &d.name),
                Item::Exception(d) => (DeclKind::Exception, &d.name),
            };
            self.decls.push(Decl {
                name: name.text.clone(),
                kind,
                file,
                item: item_idx,
                name_span: (name.span.start, name.span.end),
            });
            let mut walker = Walker {
                file,
                uses: &mut self.uses,
            };
            walker.item(item);
        }
    }

    /// The declaration of a name (the first, when it is declared twice).
    pub(crate) fn decl(&self, name: &str, namespace: Namespace) -> Option<&Decl> {
        self.decls
            .iter()
            .find(|d| d.name == name && d.kind.namespace() == namespace)
    }

    /// The name at a byte offset of a file (a declaration's name or a use).
    pub(crate) fn symbol_at(&self, file: usize, offset: usize) -> Option<Symbol> {
        let within = |span: (usize, usize)| span.0 <= offset && offset <= span.1;
        if let Some(d) = self.decls.iter().find(|d| d.file == file && within(d.name_span)) {
            return Some(Symbol {
                name: d.name.clone(),
                namespace: d.kind.namespace(),
                span: d.name_span,
            });
        }
        self.uses
            .iter()
            .filter(|u| u.file == file && within(u.span))
            // The innermost (shortest) span: `a at b` never overlaps, but be exact anyway.
            .min_by_key(|u| u.span.1 - u.span.0)
            .map(|u| Symbol {
                name: u.name.clone(),
                namespace: u.namespace,
                span: u.span,
            })
    }

    /// Every use of a name, in file order.
    pub(crate) fn uses_of<'a>(&'a self, name: &'a str, namespace: Namespace) -> impl Iterator<Item = &'a Use> + 'a {
        self.uses
            .iter()
            .filter(move |u| u.name == name && u.namespace == namespace)
    }
}

struct Walker<'a> {
    file: usize,
    uses: &'a mut Vec<Use>,
}

impl Walker<'_> {
    fn name(&mut self, name: &ast::Name, namespace: Namespace) {
        self.uses.push(Use {
            name: name.text.clone(),
            namespace,
            file: self.file,
            span: (name.span.start, name.span.end),
        });
    }

    fn citation(&mut self, citation: Option<&ast::Citation>) {
        if let Some(source) = citation.and_then(|c| c.source.as_ref()) {
            self.name(source, Namespace::Source);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Source(_) => {}
            Item::Fact(d) => {
                self.ty(&d.ty);
                if let Some(default) = &d.default {
                    self.expr(default);
                }
                self.citation(d.citation.as_ref());
            }
            Item::Param(d) | Item::Rule(d) => {
                self.ty(&d.ty);
                for definition in &d.definitions {
                    self.citation(definition.citation.as_ref());
                    self.expr(&definition.body);
                }
                if let Some(prefer) = &d.prefer {
                    self.expr(&prefer.preferred);
                    self.expr(&prefer.over);
                    self.citation(prefer.citation.as_ref());
                }
            }
            Item::Exception(d) => {
                self.name(&d.target, Namespace::Value);
                self.citation(d.citation.as_ref());
                self.expr(&d.when);
                if let Some(value) = &d.value {
                    self.expr(value);
                }
            }
        }
    }

    fn ty(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeKind::Named(_) | ast::TypeKind::Enum(_) => {}
            ast::TypeKind::List(inner) => self.ty(inner),
            ast::TypeKind::Records(fields) => {
                for field in fields {
                    self.ty(&field.ty);
                    if let Some(default) = &field.default {
                        self.expr(default);
                    }
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        // Deep expressions are limited by the parser (`ParseLimits::max_nesting`); the stack the
        // walk needs per level is small.
        match &expr.kind {
            ExprKind::Literal(_) => {}
            ExprKind::Name(name) => self.name(name, Namespace::Value),
            ExprKind::Unary(_, inner) | ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Binary(_, a, b) | ExprKind::At(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => {
                for branch in branches {
                    self.citation(branch.citation.as_ref());
                    self.expr(&branch.expr);
                }
            }
            ExprKind::If(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Aggregate(aggregate) => {
                self.expr(&aggregate.list);
                if let Some(value) = &aggregate.value {
                    self.expr(value);
                }
                if let Some(filter) = &aggregate.filter {
                    self.expr(filter);
                }
            }
            // The function's own name (`held`, `max`) is not a declaration of the rule set.
            ExprKind::Call(_, args) | ExprKind::List(args) => {
                for arg in args {
                    self.expr(arg);
                }
            }
        }
    }
}
