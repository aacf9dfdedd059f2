//! The outline of a rule file: sources → articles → declarations.
//!
//! A declaration sits under the source and article of its first citation (`cite 解释2019 第三条
//! 第一项` → `法释〔2019〕15号` → `第三条`), in file order; one without a citation sits at the top.
//! Source declarations are top-level entries of their own.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, Range, SymbolKind};
use ruling::ast::{self, Item};

use super::analysis::RuleFile;
use super::features::citation_text;
use super::Server;

pub(crate) fn document_symbols(server: &mut Server, params: &DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let (analysis, file) = server.analysis_of(&params.text_document.uri)?;
    let f = analysis.files.get(file)?;
    let items = &f.ast.as_ref()?.items;
    // (source heading, article heading, symbol), in file order.
    let mut top: Vec<DocumentSymbol> = Vec::new();
    for item in items {
        let (symbol, citation) = declaration_symbol(f, item);
        let Some(citation) = citation.filter(|c| c.source.is_some()) else {
            top.push(symbol);
            continue;
        };
        let source = citation_text(
            analysis,
            &ast::Citation {
                parts: Vec::new(),
                ..citation.clone()
            },
        );
        let article = citation
            .parts
            .iter()
            .find(|p| p.level == ast::CiteLevel::Article)
            .map(|p| p.text.clone());
        let group = match top
            .iter_mut()
            .rfind(|s| s.kind == SymbolKind::NAMESPACE && s.name == source)
        {
            Some(group) => group,
            None => {
                top.push(group_symbol(source, SymbolKind::NAMESPACE, symbol.range));
                let Some(last) = top.last_mut() else { continue };
                last
            }
        };
        let target = match article {
            Some(article) => {
                let children = group.children.get_or_insert_with(Vec::new);
                let idx = match children
                    .iter()
                    .position(|s| s.kind == SymbolKind::MODULE && s.name == article)
                {
                    Some(idx) => idx,
                    None => {
                        children.push(group_symbol(article, SymbolKind::MODULE, symbol.range));
                        children.len() - 1
                    }
                };
                extend(&mut group.range, symbol.range);
                let Some(article) = children.get_mut(idx) else { continue };
                article
            }
            None => group,
        };
        extend(&mut target.range, symbol.range);
        target.children.get_or_insert_with(Vec::new).push(symbol);
    }
    Some(DocumentSymbolResponse::Nested(top))
}

fn declaration_symbol<'a>(f: &RuleFile, item: &'a Item) -> (DocumentSymbol, Option<&'a ast::Citation>) {
    let (name, label, kind, span, citation) = match item {
        Item::Source(d) => (
            &d.name,
            Some(d.citation_name.clone()),
            SymbolKind::PACKAGE,
            d.span,
            None,
        ),
        Item::Fact(d) => (&d.name, d.label.clone(), SymbolKind::FIELD, d.span, d.citation.as_ref()),
        Item::Param(d) => (
            &d.name,
            d.label.clone(),
            SymbolKind::CONSTANT,
            d.span,
            d.definitions.iter().find_map(|v| v.citation.as_ref()),
        ),
        Item::Rule(d) => (
            &d.name,
            d.label.clone(),
            SymbolKind::FUNCTION,
            d.span,
            d.definitions.iter().find_map(|v| v.citation.as_ref()),
        ),
        Item::Exception(d) => (&d.name, d.label.clone(), SymbolKind::EVENT, d.span, d.citation.as_ref()),
    };
    let keyword = match item {
        Item::Source(_) => "source",
        Item::Fact(_) => "fact",
        Item::Param(_) => "param",
        Item::Rule(_) => "rule",
        Item::Exception(_) => "exception",
    };
    // The parser's span may take in the blank lines after a declaration: stop at its code.
    let code = f.text.get(span.start..span.end).unwrap_or("").trim_end();
    let range = f.range(span.start, span.start + code.len());
    let selection = f.range(name.span.start, name.span.end);
    #[expect(deprecated, reason = "DocumentSymbol::deprecated must be given")]
    let symbol = DocumentSymbol {
        name: name.text.clone(),
        detail: Some(match label {
            Some(label) => format!("{keyword} · {label}"),
            None => keyword.to_string(),
        }),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: None,
    };
    (symbol, citation)
}

fn group_symbol(name: String, kind: SymbolKind, range: Range) -> DocumentSymbol {
    #[expect(deprecated, reason = "DocumentSymbol::deprecated must be given")]
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: Range::new(range.start, range.start),
        children: Some(Vec::new()),
    }
}

/// Grows a range to cover another.
fn extend(range: &mut Range, other: Range) {
    if (other.start.line, other.start.character) < (range.start.line, range.start.character) {
        range.start = other.start;
    }
    if (other.end.line, other.end.character) > (range.end.line, range.end.character) {
        range.end = other.end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn extend_covers_both() {
        let mut range = Range::new(Position::new(3, 0), Position::new(4, 2));
        extend(&mut range, Range::new(Position::new(1, 5), Position::new(2, 0)));
        extend(&mut range, Range::new(Position::new(6, 1), Position::new(7, 9)));
        assert_eq!(range, Range::new(Position::new(1, 5), Position::new(7, 9)));
    }
}
