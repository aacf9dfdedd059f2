//! Hover, go to definition, references, completion, formatting and rename.

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionItemLabelDetails, CompletionParams, CompletionResponse,
    Documentation, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, PrepareRenameResponse, ReferenceParams, RenameParams, TextDocumentPositionParams,
    TextEdit, Uri, WorkspaceEdit,
};
use ruling::ast::{self, Item};
use ruling::diagnostic::Lang;
use ruling::format::{FormatOptions, KeywordStyle, KEYWORDS};
use ruling::value::Date;

use super::analysis::{Analysis, RuleFile};
use super::index::{Decl, DeclKind, Namespace, Symbol};
use super::Server;

/// Picks the English or the Chinese text.
pub(crate) fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// The analysis, the file and the byte offset of a position in a document.
fn locate<'s>(server: &'s mut Server, at: &TextDocumentPositionParams) -> Option<(&'s Analysis, usize, usize)> {
    let (analysis, file) = server.analysis_of(&at.text_document.uri)?;
    let f = analysis.files.get(file)?;
    let offset = f.lines.offset(&f.text, at.position);
    Some((analysis, file, offset))
}

pub(crate) fn definition(server: &mut Server, params: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (analysis, file, offset) = locate(server, &params.text_document_position_params)?;
    let symbol = analysis.index.symbol_at(file, offset)?;
    let decl = analysis.index.decl(&symbol.name, symbol.namespace)?;
    let location = analysis.location(decl.file, decl.name_span.0, decl.name_span.1)?;
    Some(GotoDefinitionResponse::Scalar(location))
}

pub(crate) fn references(server: &mut Server, params: &ReferenceParams) -> Option<Vec<Location>> {
    let (analysis, file, offset) = locate(server, &params.text_document_position)?;
    let symbol = analysis.index.symbol_at(file, offset)?;
    let mut out = Vec::new();
    if params.context.include_declaration {
        for decl in analysis
            .index
            .decls
            .iter()
            .filter(|d| d.name == symbol.name && d.kind.namespace() == symbol.namespace)
        {
            out.extend(analysis.location(decl.file, decl.name_span.0, decl.name_span.1));
        }
    }
    for u in analysis.index.uses_of(&symbol.name, symbol.namespace) {
        out.extend(analysis.location(u.file, u.span.0, u.span.1));
    }
    Some(out)
}

// ---------------------------------------------------------------- hover

pub(crate) fn hover(server: &mut Server, params: &HoverParams) -> Option<Hover> {
    let (lang, today) = (server.settings.lang, server.settings.today);
    let (analysis, file, offset) = locate(server, &params.text_document_position_params)?;
    let f = analysis.files.get(file)?;
    let (text, span) = match analysis.index.symbol_at(file, offset) {
        Some(symbol) => (hover_symbol(analysis, &symbol, lang, today)?, symbol.span),
        None => keyword_hover(f, offset, lang)?,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(f.range(span.0, span.1)),
    })
}

/// `and` ↔ `且`: what a keyword under the cursor is in the other style.
fn keyword_hover(f: &RuleFile, offset: usize, lang: Lang) -> Option<(String, (usize, usize))> {
    let (start, end) = word_at(&f.text, offset);
    let word = f.text.get(start..end)?;
    let keyword = KEYWORDS.iter().find(|k| k.english == word || k.chinese == word)?;
    let text = format!(
        "{} `{}` · `{}`{}",
        tr(lang, "keyword", "关键字"),
        keyword.english,
        keyword.chinese,
        if keyword.english == "from" { " … 起" } else { "" }
    );
    Some((text, (start, end)))
}

/// The name-like word around an offset.
fn word_at(text: &str, offset: usize) -> (usize, usize) {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(before.len());
    let after = text.get(start..).unwrap_or("");
    let end = start
        + after
            .char_indices()
            .find(|(_, c)| !is_word(*c))
            .map(|(i, _)| i)
            .unwrap_or(after.len());
    (start, end)
}

fn item_of<'a>(analysis: &'a Analysis, decl: &Decl) -> Option<&'a Item> {
    analysis.files.get(decl.file)?.ast.as_ref()?.items.get(decl.item)
}

/// `法释〔2019〕15号 第三条第一项`, or the parts alone for a relative citation.
pub(crate) fn citation_text(analysis: &Analysis, citation: &ast::Citation) -> String {
    let parts: String = citation.parts.iter().map(|p| p.text.as_str()).collect();
    let Some(source) = &citation.source else {
        return parts;
    };
    let name = analysis
        .index
        .decl(&source.text, Namespace::Source)
        .and_then(|d| match item_of(analysis, d) {
            Some(Item::Source(s)) => Some(s.citation_name.clone()),
            _ => None,
        })
        .unwrap_or_else(|| source.text.clone());
    if parts.is_empty() {
        name
    } else {
        format!("{name} {parts}")
    }
}

fn slice(analysis: &Analysis, file: usize, span: ruling::source::Span) -> &str {
    analysis
        .files
        .get(file)
        .and_then(|f| f.text.get(span.start..span.end))
        .unwrap_or("")
}

fn hover_symbol(analysis: &Analysis, symbol: &Symbol, lang: Lang, today: Date) -> Option<String> {
    let decl = analysis.index.decl(&symbol.name, symbol.namespace)?;
    let item = item_of(analysis, decl)?;
    let mut out = String::new();
    let ty = |t: &ast::TypeExpr| {
        slice(analysis, decl.file, t.span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let doc: &[String] = match item {
        Item::Source(s) => {
            out.push_str(&format!("**source** `{}` — {}\n", s.name.text, s.citation_name));
            if let Some(title) = &s.title {
                out.push_str(&format!("\n{title}\n"));
            }
            let mut dates = Vec::new();
            if let Some(date) = s.in_force {
                dates.push(format!("{} {date}", tr(lang, "in force from", "施行日期")));
            }
            if let Some(date) = s.until {
                dates.push(format!("{} {date}", tr(lang, "until", "失效日期")));
            }
            if !dates.is_empty() {
                out.push_str(&format!("\n{}\n", dates.join(" · ")));
            }
            &s.doc
        }
        Item::Fact(d) => {
            out.push_str(&format!("**fact** `{}`: `{}`", d.name.text, ty(&d.ty)));
            if let Some(label) = &d.label {
                out.push_str(&format!(" — {label}"));
            }
            out.push('\n');
            if let Some(default) = &d.default {
                out.push_str(&format!(
                    "\n{}: `{}`\n",
                    tr(lang, "default", "默认值"),
                    slice(analysis, decl.file, default.span)
                ));
            }
            if let Some(c) = &d.citation {
                out.push_str(&format!(
                    "\n{}: {}\n",
                    tr(lang, "cites", "依据"),
                    citation_text(analysis, c)
                ));
            }
            enum_values(&d.ty, &mut out);
            &d.doc
        }
        Item::Param(d) | Item::Rule(d) => {
            out.push_str(&format!(
                "**{}** `{}`: `{}`",
                decl.kind.keyword(),
                d.name.text,
                ty(&d.ty)
            ));
            if let Some(label) = &d.label {
                out.push_str(&format!(" — {label}"));
            }
            out.push('\n');
            versions(analysis, decl, d, lang, today, &mut out);
            enum_values(&d.ty, &mut out);
            &d.doc
        }
        Item::Exception(d) => {
            out.push_str(&format!("**exception** `{}` → `{}`", d.name.text, d.target.text));
            if let Some(label) = &d.label {
                out.push_str(&format!(" — {label}"));
            }
            out.push('\n');
            if let Some((date, _)) = &d.from {
                out.push_str(&format!("\n{} {date}\n", tr(lang, "from", "施行日期")));
            }
            if let Some(c) = &d.citation {
                out.push_str(&format!(
                    "\n{}: {}\n",
                    tr(lang, "cites", "依据"),
                    citation_text(analysis, c)
                ));
            }
            &d.doc
        }
    };
    if !doc.is_empty() {
        // One line of the hover per line of the doc comment, as written (Markdown would join them
        // with a space, which splits Chinese sentences wrapped in the file).
        out.push_str("\n---\n\n");
        out.push_str(&doc.join("  \n"));
        out.push('\n');
    }
    let uses: Vec<String> = analysis
        .index
        .uses_of(&symbol.name, symbol.namespace)
        .map(|u| {
            let file = analysis.files.get(u.file);
            let name = file
                .and_then(|f| f.path.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let line = file.map(|f| f.lines.position(&f.text, u.span.0).line + 1).unwrap_or(0);
            format!("{name}:{line}")
        })
        .collect();
    out.push_str("\n---\n\n");
    if uses.is_empty() {
        out.push_str(tr(lang, "Not used in the rule set.", "规则集中没有使用。"));
    } else {
        let shown: Vec<&str> = uses.iter().take(12).map(String::as_str).collect();
        let more = if uses.len() > shown.len() { " …" } else { "" };
        out.push_str(&format!(
            "{} {}: {}{more}",
            tr(lang, "Used in", "使用处"),
            uses.len(),
            shown.join(", ")
        ));
    }
    out.push('\n');
    Some(out)
}

/// The dated versions of a parameter or rule, the one in force `today` marked.
fn versions(analysis: &Analysis, decl: &Decl, d: &ast::ValueDecl, lang: Lang, today: Date, out: &mut String) {
    let in_force = d
        .definitions
        .iter()
        .enumerate()
        .filter(|(_, def)| def.from.as_ref().is_none_or(|(from, _)| *from <= today))
        .max_by_key(|(_, def)| def.from.as_ref().map(|(from, _)| *from))
        .map(|(idx, _)| idx);
    out.push_str(&format!(
        "\n{} ({}):\n\n",
        tr(lang, "Versions", "版本"),
        d.definitions.len()
    ));
    for (idx, def) in d.definitions.iter().enumerate() {
        let mut line = match &def.from {
            Some((date, _)) => format!("{} {date}", tr(lang, "from", "自")),
            None => String::from(tr(lang, "always", "始终")),
        };
        if let Some(c) = &def.citation {
            line.push_str(&format!(" · {}", citation_text(analysis, c)));
        }
        let body = slice(analysis, decl.file, def.body.span);
        if !body.contains('\n') && body.chars().count() <= 40 {
            line.push_str(&format!(" = `{body}`"));
        }
        if Some(idx) == in_force {
            out.push_str(&format!(
                "- **{line}** ← {} {today}\n",
                tr(lang, "in force on", "施行中，")
            ));
        } else {
            out.push_str(&format!("- {line}\n"));
        }
    }
    if in_force.is_none() {
        out.push_str(&format!(
            "- {} {today}\n",
            tr(lang, "no version in force on", "无施行中的版本：")
        ));
    }
    if let Some(prefer) = &d.prefer {
        out.push_str(&format!("\n`{}`", slice(analysis, decl.file, prefer.head_span)));
        if let Some(c) = &prefer.citation {
            out.push_str(&format!(" · {}", citation_text(analysis, c)));
        }
        out.push('\n');
    }
}

fn enum_values(ty: &ast::TypeExpr, out: &mut String) {
    if let ast::TypeKind::Enum(values) = &ty.kind {
        out.push('\n');
        for value in values {
            match &value.label {
                Some(label) => out.push_str(&format!("- `\"{}\"` {label}\n", value.name)),
                None => out.push_str(&format!("- `\"{}\"`\n", value.name)),
            }
        }
    }
}

// ---------------------------------------------------------------- completion

pub(crate) fn completion(server: &mut Server, params: &CompletionParams) -> Option<CompletionResponse> {
    let (lang, style) = (server.settings.lang, server.settings.keywords);
    let (analysis, file, offset) = locate(server, &params.text_document_position)?;
    let f = analysis.files.get(file)?;
    let line_start = f
        .text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let before = f.text.get(line_start..offset).unwrap_or("");
    let in_string = before.matches('"').count() % 2 == 1 && !before.trim_start().starts_with("//");
    let (word_start, _) = word_at(&f.text, offset);
    let previous = f
        .text
        .get(line_start..word_start)
        .unwrap_or("")
        .split_whitespace()
        .last()
        .unwrap_or("");
    let items = if in_string {
        enum_value_items(analysis)
    } else if previous == "cite" || previous == "依据" {
        source_items(analysis)
    } else if is_type_position(before, word_start - line_start) {
        type_items()
    } else {
        let mut items = value_items(analysis);
        items.extend(keyword_items(style, lang));
        items
    };
    Some(CompletionResponse::Array(items))
}

/// Whether the cursor is where a declaration's type goes: `fact 名称: |`, `规则 名称: |`.
fn is_type_position(before: &str, word_start: usize) -> bool {
    let head = before.get(..word_start).unwrap_or(before);
    let words: Vec<&str> = head.split_whitespace().collect();
    match words.as_slice() {
        [keyword, name] => ["fact", "param", "rule", "事实", "参数", "规则"].contains(keyword) && name.ends_with(':'),
        [keyword, name, colon] => {
            ["fact", "param", "rule", "事实", "参数", "规则"].contains(keyword) && !name.is_empty() && *colon == ":"
        }
        _ => false,
    }
}

fn kind_of(kind: DeclKind) -> CompletionItemKind {
    match kind {
        DeclKind::Source => CompletionItemKind::MODULE,
        DeclKind::Fact => CompletionItemKind::FIELD,
        DeclKind::Param => CompletionItemKind::CONSTANT,
        DeclKind::Rule => CompletionItemKind::FUNCTION,
        DeclKind::Exception => CompletionItemKind::EVENT,
    }
}

fn value_items(analysis: &Analysis) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::new();
    for decl in &analysis.index.decls {
        if !matches!(decl.kind, DeclKind::Fact | DeclKind::Param | DeclKind::Rule) || !seen.insert(&decl.name) {
            continue;
        }
        let (label, ty) = match item_of(analysis, decl) {
            Some(Item::Fact(d)) => (d.label.clone(), Some(&d.ty)),
            Some(Item::Param(d) | Item::Rule(d)) => (d.label.clone(), Some(&d.ty)),
            _ => (None, None),
        };
        let ty = ty
            .map(|t| {
                slice(analysis, decl.file, t.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let ty = if ty.chars().count() > 30 {
            String::from("enum")
        } else {
            ty
        };
        items.push(CompletionItem {
            label: decl.name.clone(),
            label_details: Some(CompletionItemLabelDetails {
                detail: Some(format!(": {ty}")),
                description: label.clone(),
            }),
            kind: Some(kind_of(decl.kind)),
            detail: Some(format!("{} {}: {ty}", decl.kind.keyword(), decl.name)),
            documentation: label.clone().map(Documentation::String),
            // Typing a word of the label finds the name (`违法视频` → `illegal_videos`).
            filter_text: Some(match &label {
                Some(label) => format!("{} {label}", decl.name),
                None => decl.name.clone(),
            }),
            ..CompletionItem::default()
        });
    }
    items
}

fn source_items(analysis: &Analysis) -> Vec<CompletionItem> {
    analysis
        .index
        .decls
        .iter()
        .filter(|d| d.kind == DeclKind::Source)
        .filter_map(|decl| {
            let Some(Item::Source(s)) = item_of(analysis, decl) else {
                return None;
            };
            Some(CompletionItem {
                label: s.name.text.clone(),
                label_details: Some(CompletionItemLabelDetails {
                    detail: None,
                    description: Some(s.citation_name.clone()),
                }),
                kind: Some(CompletionItemKind::MODULE),
                detail: Some(s.citation_name.clone()),
                documentation: s.title.clone().map(Documentation::String),
                filter_text: Some(format!("{} {}", s.name.text, s.citation_name)),
                ..CompletionItem::default()
            })
        })
        .collect()
}

fn enum_value_items(analysis: &Analysis) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = Vec::new();
    for decl in &analysis.index.decls {
        let ty = match item_of(analysis, decl) {
            Some(Item::Fact(d)) => &d.ty,
            Some(Item::Param(d) | Item::Rule(d)) => &d.ty,
            _ => continue,
        };
        let ast::TypeKind::Enum(values) = &ty.kind else {
            continue;
        };
        for value in values {
            if items.iter().any(|i| i.label == value.name) {
                continue;
            }
            items.push(CompletionItem {
                label: value.name.clone(),
                label_details: Some(CompletionItemLabelDetails {
                    detail: None,
                    description: value.label.clone(),
                }),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some(format!("{} ({})", decl.name, value.label.as_deref().unwrap_or(""))),
                filter_text: Some(match &value.label {
                    Some(label) => format!("{} {label}", value.name),
                    None => value.name.clone(),
                }),
                ..CompletionItem::default()
            });
        }
    }
    items
}

fn type_items() -> Vec<CompletionItem> {
    [
        "bool", "count", "integer", "decimal", "money", "percent", "date", "duration", "text", "enum", "list",
    ]
    .iter()
    .map(|t| CompletionItem {
        label: (*t).to_string(),
        kind: Some(CompletionItemKind::TYPE_PARAMETER),
        ..CompletionItem::default()
    })
    .collect()
}

fn keyword_items(style: KeywordStyle, lang: Lang) -> Vec<CompletionItem> {
    KEYWORDS
        .iter()
        // `says` and `quote` are clause words too, but a line of their own is where one types them.
        .filter(|k| k.reserved || matches!(k.english, "says" | "quote"))
        .map(|k| {
            let (word, other) = match style {
                KeywordStyle::English => (k.english, k.chinese),
                KeywordStyle::Chinese => (k.chinese, k.english),
            };
            CompletionItem {
                label: word.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                detail: Some(format!("{} ({other})", tr(lang, "keyword", "关键字"))),
                filter_text: Some(format!("{word} {other}")),
                ..CompletionItem::default()
            }
        })
        .collect()
}

// ---------------------------------------------------------------- formatting and rename

pub(crate) fn formatting(server: &mut Server, params: &lsp_types::DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let options = FormatOptions {
        keywords: server.settings.keywords,
    };
    let (analysis, file) = server.analysis_of(&params.text_document.uri)?;
    let f = analysis.files.get(file)?;
    let name = f.path.display().to_string();
    // A file with a syntax error is left as it is (the diagnostic says why).
    let formatted = ruling::format::format_source_with(&name, &f.text, &options).ok()?;
    if formatted == *f.text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit::new(f.range(0, f.text.len()), formatted)])
}

pub(crate) fn prepare_rename(
    server: &mut Server,
    params: &TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (analysis, file, offset) = locate(server, params)?;
    let symbol = analysis.index.symbol_at(file, offset)?;
    analysis.index.decl(&symbol.name, symbol.namespace)?;
    let f = analysis.files.get(file)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: f.range(symbol.span.0, symbol.span.1),
        placeholder: symbol.name,
    })
}

#[expect(
    clippy::mutable_key_type,
    reason = "lsp-types keys workspace edits by `Uri`, whose lazily parsed parts do not change its hash"
)]
pub(crate) fn rename(server: &mut Server, params: &RenameParams) -> Result<Option<WorkspaceEdit>, (ErrorCode, String)> {
    let lang = server.settings.lang;
    let Some((analysis, file, offset)) = locate(server, &params.text_document_position) else {
        return Ok(None);
    };
    let Some(symbol) = analysis.index.symbol_at(file, offset) else {
        return Ok(None);
    };
    let new_name = params.new_name.trim();
    if !is_valid_name(new_name, symbol.namespace) {
        return Err((
            ErrorCode::InvalidParams,
            format!(
                "`{new_name}` {}",
                tr(
                    lang,
                    "is not a name: a name is letters, digits and `_`, starts with a letter or `_`, and is not a keyword",
                    "不是合法的名称：名称由字母、数字和 `_` 组成，以字母或 `_` 开头，且不能是关键字"
                )
            ),
        ));
    }
    if analysis.index.decl(new_name, symbol.namespace).is_some() {
        return Err((
            ErrorCode::InvalidParams,
            format!(
                "`{new_name}` {}",
                tr(lang, "is already declared in this rule set", "已在规则集中声明")
            ),
        ));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    let spans = analysis
        .index
        .decls
        .iter()
        .filter(|d| d.name == symbol.name && d.kind.namespace() == symbol.namespace)
        .map(|d| (d.file, d.name_span))
        .chain(
            analysis
                .index
                .uses_of(&symbol.name, symbol.namespace)
                .map(|u| (u.file, u.span)),
        );
    for (file, (start, end)) in spans {
        let Some(location) = analysis.location(file, start, end) else {
            continue;
        };
        changes
            .entry(location.uri)
            .or_default()
            .push(TextEdit::new(location.range, new_name.to_string()));
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

/// Whether the parser reads `name` as one name (not a keyword, not two words).
fn is_valid_name(name: &str, namespace: Namespace) -> bool {
    let text = match namespace {
        Namespace::Value => format!("fact {name}: bool"),
        Namespace::Source => format!("source {name} \"x\""),
    };
    match ruling::format::parse_source("rename.rule", &text) {
        Ok(file) => match file.items.first() {
            Some(Item::Fact(d)) => d.name.text == name,
            Some(Item::Source(d)) => d.name.text == name,
            _ => false,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_offered_after_a_declaration_name_only() {
        for (before, expected) in [
            ("fact 数量: ", true),
            ("规则 r : ", true),
            ("        \"1\" cite 第一项: ", false),
            ("rule r: bool = ", false),
        ] {
            assert_eq!(is_type_position(before, before.len()), expected, "{before}");
        }
    }

    #[test]
    fn the_word_around_an_offset() {
        let text = "a 违法视频 b";
        assert_eq!(word_at(text, 5), (2, 14));
        assert_eq!(word_at(text, 0), (0, 1));
        assert_eq!(word_at(text, 99), (15, 16));
    }
}
