//! Pass 1: every declared name gets an id; duplicates are reported with both places.

use super::{CheckError, Checker};
use std::sync::Arc;

use crate::ast;
use crate::ir;
use crate::source::Span;

/// What a global name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Fact(ir::FactId),
    Param(ir::ParamId),
    Rule(ir::RuleId),
    Exception(usize),
}

impl Symbol {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Symbol::Fact(_) => "fact",
            Symbol::Param(_) => "parameter",
            Symbol::Rule(_) => "rule",
            Symbol::Exception(_) => "exception",
        }
    }
}

impl Checker<'_> {
    pub(crate) fn declare_all(&mut self, files: &[ast::File]) {
        for item in files.iter().flat_map(|f| &f.items) {
            match item {
                ast::Item::Source(decl) => self.declare_source(decl),
                ast::Item::Fact(decl) => {
                    let id = ir::FactId(self.program_facts.len() as u32);
                    if self.declare(&decl.name, Symbol::Fact(id)) {
                        self.program_facts.push(ir::FactInfo {
                            name: decl.name.text.clone(),
                            label: decl.label.clone(),
                            ty: ir::Type::Error,
                            default: None,
                            default_fact: None,
                            cite: None,
                            doc: decl.doc.clone(),
                            span: decl.span,
                        });
                    }
                }
                ast::Item::Param(decl) => {
                    let id = ir::ParamId(self.program_params.len() as u32);
                    if self.declare(&decl.name, Symbol::Param(id)) {
                        self.program_params.push(empty_value_info(decl));
                    }
                }
                ast::Item::Rule(decl) => {
                    let id = ir::RuleId(self.program_rules.len() as u32);
                    if self.declare(&decl.name, Symbol::Rule(id)) {
                        self.program_rules.push(empty_value_info(decl));
                    }
                }
                ast::Item::Exception(decl) => {
                    // Exceptions are numbered by their position among all exceptions.
                    if self.declare(&decl.name, Symbol::Exception(self.exceptions_declared)) {
                        self.exceptions_declared += 1;
                    }
                }
            }
        }
    }

    fn declare_source(&mut self, decl: &ast::SourceDecl) {
        if let Some((_, first)) = self.sources.get(&decl.name.text) {
            let first = *first;
            self.duplicate(&decl.name, first);
            return;
        }
        let info = ir::SourceInfo {
            name: decl.name.text.clone(),
            citation_name: decl.citation_name.clone(),
            title: decl.title.clone(),
            in_force: decl.in_force,
            until: decl.until,
            not_encoded: decl.not_encoded.clone(),
        };
        self.sources.insert(decl.name.text.clone(), (info, decl.name.span));
    }

    /// Declares a global name; false (and an error) if it already exists.
    fn declare(&mut self, name: &ast::Name, symbol: Symbol) -> bool {
        if let Some((_, first)) = self.symbols.get(&name.text) {
            let first = *first;
            self.duplicate(name, first);
            return false;
        }
        self.symbols.insert(name.text.clone(), (symbol, name.span));
        true
    }

    fn duplicate(&mut self, name: &ast::Name, first: Span) {
        let same_file = first.file == name.span.file;
        let help = if same_file {
            String::from("names are unique across the whole rule set: rename one of them")
        } else {
            format!(
                "first defined at {}; names are unique across the whole rule set",
                self.source_map.location(first)
            )
        };
        let error = CheckError::DuplicateDefinition {
            src: self.src(name.span),
            span: name.span.to_miette(),
            first: same_file.then(|| first.to_miette()),
            name: name.text.clone(),
            help,
        };
        self.report(error);
    }
}

fn empty_value_info(decl: &ast::ValueDecl) -> ir::ValueInfo {
    ir::ValueInfo {
        name: decl.name.text.clone(),
        label: decl.label.clone(),
        ty: ir::Type::Error,
        says: decl.says.as_ref().map(|s| Arc::from(s.text.as_str())),
        versions: Vec::new(),
        doc: decl.doc.clone(),
        exceptions: Vec::new(),
        span: decl.span,
    }
}
