//! `ruling fmt`: the canonical layout of rule files, printed from the AST.
//!
//! The layout is fixed (the one setting is the keyword style, [`FormatOptions`]): declarations
//! in source order, one blank line kept where the source had one or more, four-space indentation, a block's branches one per line, long
//! conditions broken before `and`/`or` and long sums before `+`/`-`, lines aimed at
//! [`WIDTH`] display columns (a Chinese character counts two). Doc comments (`///`) are part of
//! the AST; other comments (`//`, `/* */`) are found in the source text and printed again before
//! the declaration, definition or branch they precede, or after the line they end, so none is
//! lost. Literals are printed as written (`10万元`, `2 years`); keywords, truth values and `none`
//! in the chosen style (`rule` / `规则`, [`format_source_with`]). Formatting is idempotent and
//! never changes the meaning: the AST of the output equals the AST of the input, spans aside.
//!
//! ```
//! let messy = "rule  r : bool   \"标签\" cite 法 第一条 = any { \"1\" cite 第一项 : a>=1 , \"2\": b }";
//! let tidy = ruling::format::format_source("r.rule", messy).expect("parses");
//! assert_eq!(tidy, "rule r: bool \"标签\"\n    cite 法 第一条\n    = any {\n        \"1\" cite 第一项: a >= 1\n        \"2\": b\n    }\n");
//! assert_eq!(ruling::format::format_source("r.rule", &tidy).expect("parses"), tidy);
//! ```

mod comments;
mod expr;
mod spans;
mod text;

use crate::ast::{self, Item};
use crate::parse::{self, ParseError, ParseLimits};
use crate::source::{FileId, SourceFile, Span};
use comments::Comments;
use text::{blank_between, quote, spaces, width};

pub use crate::parse::keywords::{keyword_in, Keyword, KeywordStyle, SyntaxToken, TokenClass, KEYWORDS};
pub use spans::without_spans;

/// Settings of `ruling fmt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatOptions {
    /// The words keywords are written in (English by default, as the shipped rules).
    pub keywords: KeywordStyle,
}

/// The line width the layout aims at, in display columns.
pub const WIDTH: usize = 120;

/// Indentation of one level.
const INDENT: usize = 4;

/// Display width of text in columns (a Chinese character counts two).
pub fn display_width(text: &str) -> usize {
    width(text)
}

/// Parses one rule file's text into its AST (for tools that compare or print rule files).
pub fn parse_source(name: &str, text: &str) -> Result<ast::File, ParseError> {
    let file = SourceFile::in_memory(name, text);
    parse::parse_file(FileId(0), &file, &ParseLimits::default())
}

/// The canonical layout of one rule file's text.
pub fn format_source(name: &str, text: &str) -> Result<String, ParseError> {
    let file = parse_source(name, text)?;
    let mut printer = Printer {
        source: text,
        comments: Comments::scan(text),
    };
    Ok(printer.file(&file))
}

/// The canonical layout of one rule file's text, with keywords in the chosen style.
///
/// The layout is printed with English keywords, then the keywords are rewritten where the parser
/// finds them; both words of a keyword parse alike, so the AST is the same in either style.
///
/// ```
/// use ruling::format::{format_source_with, FormatOptions, KeywordStyle};
/// let chinese = FormatOptions { keywords: KeywordStyle::Chinese };
/// let text = "rule r: bool cite 法 第一条 = a and not b";
/// assert_eq!(format_source_with("r.rule", text, &chinese).expect("parses"), "规则 r: bool\n    依据 法 第一条\n    = a 且 非 b\n");
/// ```
pub fn format_source_with(name: &str, text: &str, options: &FormatOptions) -> Result<String, ParseError> {
    let english = format_source(name, text)?;
    match options.keywords {
        KeywordStyle::English => Ok(english),
        KeywordStyle::Chinese => {
            let file = SourceFile::in_memory(name, &english);
            parse::keywords::restyle(&file, KeywordStyle::Chinese)
        }
    }
}

/// The keywords, literals, citation parts and doc comments of a rule file as the parser reads them:
/// what an editor's highlighting must agree with (the VS Code grammar is tested against it).
pub fn syntax_tokens(name: &str, text: &str) -> Result<Vec<SyntaxToken>, ParseError> {
    let file = SourceFile::in_memory(name, text);
    parse::keywords::syntax_tokens(&file)
}

/// Prints an AST with the comments of its source text.
pub(crate) struct Printer<'a> {
    source: &'a str,
    comments: Comments,
}

/// A line-ordered run of comments and code, with the blank lines of the source kept.
struct Run {
    out: String,
    indent: usize,
    /// Where comments before the first element may start.
    origin: usize,
    /// Where the previous element ended in the source (`None` before the first).
    previous: Option<usize>,
}

impl Run {
    fn new(indent: usize, origin: usize) -> Run {
        Run {
            out: String::new(),
            indent,
            origin,
            previous: None,
        }
    }

    fn separate(&mut self, source: &str, start: usize) {
        if let Some(previous) = self.previous {
            if blank_between(source, previous, start) {
                self.out.push('\n');
            }
        }
    }

    fn comment(&mut self, source: &str, comment: &comments::Comment) {
        self.separate(source, comment.start);
        self.out.push_str(&spaces(self.indent));
        self.out.push_str(&comment.text);
        self.out.push('\n');
        self.previous = Some(comment.end);
    }
}

impl Printer<'_> {
    fn file(&mut self, file: &ast::File) -> String {
        let mut run = Run::new(0, 0);
        for item in &file.items {
            let span = item_span(item);
            self.element(&mut run, span, |p| p.item(item));
        }
        for comment in self.comments.take(run.previous.unwrap_or(0), self.source.len()) {
            run.comment(self.source, &comment);
        }
        if self.comments.remaining() > 0 {
            // A safety net: a comment no element claimed is kept, at the end.
            for comment in self.comments.take(0, self.source.len()) {
                run.out.push_str(&comment.text);
                run.out.push('\n');
            }
        }
        run.out
    }

    /// Prints one element of a run (a declaration or a branch) with the comments before it,
    /// the comments inside it that no nested element printed, and a comment ending its line.
    fn element(&mut self, run: &mut Run, span: Span, print: impl FnOnce(&mut Self) -> String) {
        let span = Span::new(span.file, span.start, self.code_end(span));
        let from = run.previous.unwrap_or(run.origin).min(span.start);
        for comment in self.comments.take(from, span.start) {
            run.comment(self.source, &comment);
        }
        let body = print(self);
        run.separate(self.source, span.start);
        for comment in self.comments.take(span.start, span.end) {
            run.out.push_str(&spaces(run.indent));
            run.out.push_str(&comment.text);
            run.out.push('\n');
        }
        run.out.push_str(&spaces(run.indent));
        run.out.push_str(&body);
        let end = self.trailing(span.end, &mut run.out);
        run.out.push('\n');
        run.previous = Some(end);
    }

    /// Where the code of a span ends: the parser's spans may take in the blank lines and
    /// comments that follow a declaration or branch.
    fn code_end(&self, span: Span) -> usize {
        let mut end = span.end.min(self.source.len());
        loop {
            let code = self.source.get(span.start..end).unwrap_or("");
            let trimmed = code.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
            end = span.start + trimmed.len();
            match self.comments.ending_at(end) {
                Some(start) if start >= span.start && start < end => end = start,
                _ => return end,
            }
        }
    }

    /// Appends a comment that follows `end` on the same source line; returns where it ends.
    fn trailing(&mut self, end: usize, out: &mut String) -> usize {
        let Some(comment) = self.comments.next_after(end) else {
            return end;
        };
        let between = self.source.get(end..comment.start).unwrap_or("\n");
        if !comment.single_line() || !between.chars().all(|c| c == ' ' || c == '\t' || c == ',') {
            return end;
        }
        let (start, stop) = (comment.start, comment.end);
        for comment in self.comments.take(start, start + 1) {
            out.push(' ');
            out.push_str(&comment.text);
        }
        stop
    }

    fn item(&mut self, item: &Item) -> String {
        match item {
            Item::Source(d) => with_doc(&d.doc, self.source_decl(d)),
            Item::Fact(d) => with_doc(&d.doc, self.fact(d)),
            Item::Param(d) => with_doc(&d.doc, self.value_decl("param", d)),
            Item::Rule(d) => with_doc(&d.doc, self.value_decl("rule", d)),
            Item::Exception(d) => with_doc(&d.doc, self.exception(d)),
        }
    }

    fn source_decl(&self, d: &ast::SourceDecl) -> String {
        let head = format!("source {} {}", d.name.text, quote(&d.citation_name));
        let mut attrs = Vec::new();
        if let Some(title) = &d.title {
            attrs.push(format!("title {}", quote(title)));
        }
        if let Some(date) = d.in_force {
            attrs.push(format!("in_force {date}"));
        }
        if let Some(date) = d.until {
            attrs.push(format!("until {date}"));
        }
        attrs.extend(d.not_encoded.iter().map(|text| format!("not_encoded {}", quote(text))));
        let one = std::iter::once(head.clone())
            .chain(attrs.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        if attrs.is_empty() || width(&one) <= WIDTH {
            return one;
        }
        let indent = spaces(INDENT);
        format!("{head}\n{indent}{}", attrs.join(&format!("\n{indent}")))
    }

    fn fact(&mut self, d: &ast::FactDecl) -> String {
        let mut tail = String::new();
        if let Some(label) = &d.label {
            tail.push_str(&format!(" {}", quote(label)));
        }
        if let Some(default) = &d.default {
            tail.push_str(" = ");
            tail.push_str(&self.flat_or_layout(default, 0, 0));
        }
        let head = format!("fact {}: ", d.name.text);
        let flat = format!("{head}{}{tail}", self.type_flat(&d.ty));
        let Some(cite) = d.citation.as_ref().map(citation) else {
            return if is_composite(&d.ty) && (width(&flat) > WIDTH || wants_lines(&d.ty)) {
                format!("{head}{}{tail}", self.type_broken(&d.ty, INDENT))
            } else {
                flat
            };
        };
        let one = format!("{flat} {cite}");
        if width(&one) <= WIDTH && !wants_lines(&d.ty) {
            return one;
        }
        let typed = if is_composite(&d.ty) && (width(&flat) > WIDTH || wants_lines(&d.ty)) {
            format!("{head}{}{tail}", self.type_broken(&d.ty, INDENT))
        } else {
            flat
        };
        if !typed.contains('\n') && text::end_col(&typed, 0) + 1 + width(&cite) <= WIDTH {
            format!("{typed} {cite}")
        } else {
            format!("{typed}\n{}{cite}", spaces(INDENT))
        }
    }

    fn value_decl(&mut self, keyword: &str, d: &ast::ValueDecl) -> String {
        let mut label = d.label.as_ref().map(|l| format!(" {}", quote(l))).unwrap_or_default();
        if let Some(says) = &d.says {
            label.push_str(&format!(" says {}", quote(&says.text)));
        }
        let mut head = format!("{keyword} {}: {}{label}", d.name.text, self.type_flat(&d.ty));
        if is_composite(&d.ty) && (width(&head) > WIDTH || wants_lines(&d.ty)) {
            head = format!("{keyword} {}: {}{label}", d.name.text, self.type_broken(&d.ty, INDENT));
        }
        if let ([only], None) = (d.definitions.as_slice(), &d.prefer) {
            // Comments between a doc comment and the keyword are printed above the doc, and those after
            // the code (the parser's span may take them in) after it; only those among the definitions
            // keep the declaration from being written on one line.
            let quiet = !self.comments.any_in(d.name.span.end, self.code_end(d.span));
            if keyword == "param" && only.from.is_none() && quiet {
                if let Some(body) = self.flat(&only.body) {
                    let one = format!("{head} {}= {body}", prefix_of(only));
                    if width(&one) <= WIDTH {
                        return one;
                    }
                }
            }
        }
        let mut run = Run::new(INDENT, d.name.span.end);
        for definition in &d.definitions {
            let param = keyword == "param";
            self.element(&mut run, definition.span, |p| p.definition(definition, param));
        }
        if let Some(prefer) = &d.prefer {
            self.element(&mut run, prefer.span, |p| p.prefer(prefer));
        }
        format!("{head}\n{}", run.out.trim_end_matches('\n'))
    }

    /// `prefer higher at decision_date over conduct_date "label" cite …` at indentation 4; the
    /// label and citation go on the next line when the clause is too wide.
    fn prefer(&mut self, prefer: &ast::Prefer) -> String {
        let date = |p: &mut Self, e: &ast::Expr| p.flat(e).unwrap_or_else(|| p.layout(e, INDENT, INDENT));
        let preferred = date(self, &prefer.preferred);
        let over = date(self, &prefer.over);
        let head = format!("prefer {} at {preferred} over {over}", prefer.order.word());
        let mut tail = Vec::new();
        if let Some(label) = &prefer.label {
            tail.push(quote(label));
        }
        if let Some(c) = &prefer.citation {
            tail.push(citation(c));
        }
        if tail.is_empty() {
            return head;
        }
        let one = format!("{head} {}", tail.join(" "));
        if INDENT + width(&one) <= WIDTH {
            one
        } else {
            format!("{head}\n{}{}", spaces(INDENT + 4), tail.join(" "))
        }
    }

    /// One definition at indentation 4: `from … cite … = value` on one line for a parameter or a
    /// dated version whose value is short, otherwise the dating and citation on one line and
    /// `= value` below.
    fn definition(&mut self, definition: &ast::Definition, param: bool) -> String {
        let prefix = prefix_of(definition);
        if param || definition.from.is_some() {
            if let Some(body) = self.flat(&definition.body) {
                let one = format!("{prefix}= {body}");
                if INDENT + width(&one) <= WIDTH {
                    return one;
                }
            }
        }
        let body = self.layout(&definition.body, INDENT, INDENT + 2);
        if prefix.is_empty() {
            format!("= {body}")
        } else {
            format!("{}\n{}= {body}", prefix.trim_end(), spaces(INDENT))
        }
    }

    fn exception(&mut self, d: &ast::ExceptionDecl) -> String {
        let mut out = format!("exception {} to {}", d.name.text, d.target.text);
        if let Some(label) = &d.label {
            out.push_str(&format!(" {}", quote(label)));
        }
        let indent = spaces(INDENT);
        let mut dating = Vec::new();
        if let Some((date, _)) = &d.from {
            dating.push(format!("from {date}"));
        }
        if let Some(c) = &d.citation {
            dating.push(citation(c));
        }
        if !dating.is_empty() {
            out.push_str(&format!("\n{indent}{}", dating.join(" ")));
        }
        let when = self.layout(&d.when, INDENT, INDENT + 5);
        out.push_str(&format!("\n{indent}when {when}"));
        if let Some(value) = &d.value {
            let value = self.layout(value, INDENT, INDENT + 2);
            out.push_str(&format!("\n{indent}= {value}"));
        }
        out
    }

    /// A type on one line.
    fn type_flat(&self, ty: &ast::TypeExpr) -> String {
        let base = match &ty.kind {
            ast::TypeKind::Named(name) => name.text.clone(),
            ast::TypeKind::Enum(values) => {
                let values: Vec<String> = values.iter().map(enum_value).collect();
                format!("enum {{ {} }}", values.join(", "))
            }
            ast::TypeKind::List(inner) => format!("list<{}>", self.type_flat(inner)),
            ast::TypeKind::Records(fields) => {
                let fields: Vec<String> = fields.iter().map(|f| self.field_flat(f)).collect();
                format!("list {{ {} }}", fields.join(", "))
            }
        };
        if ty.optional {
            format!("{base}?")
        } else {
            base
        }
    }

    /// An enum or record type with one value or field per line, one level deeper than
    /// `indent`, and the closing brace at `indent`.
    fn type_broken(&self, ty: &ast::TypeExpr, indent: usize) -> String {
        let inner = indent + INDENT;
        let entries: Vec<String> = match &ty.kind {
            ast::TypeKind::Enum(values) => values.iter().map(enum_value).collect(),
            ast::TypeKind::Records(fields) => fields.iter().map(|f| self.field(f, inner)).collect(),
            _ => return self.type_flat(ty),
        };
        let opening = match &ty.kind {
            ast::TypeKind::Enum(_) => "enum {",
            _ => "list {",
        };
        let body: String = entries.iter().map(|e| format!("{}{e},\n", spaces(inner))).collect();
        let optional = if ty.optional { "?" } else { "" };
        format!("{opening}\n{body}{}}}{optional}", spaces(indent))
    }

    /// A record field; its own enum or record type broken when long, at `indent`.
    fn field(&self, field: &ast::FieldDecl, indent: usize) -> String {
        let long = indent + width(&self.field_flat(field)) + 1 > WIDTH;
        let ty = if is_composite(&field.ty) && (long || wants_lines(&field.ty)) {
            self.type_broken(&field.ty, indent)
        } else {
            self.type_flat(&field.ty)
        };
        let mut out = format!("{}: {ty}", field.name.text);
        if let Some(label) = &field.label {
            out.push_str(&format!(" {}", quote(label)));
        }
        if let Some(default) = &field.default {
            if let Some(flat) = self.flat(default) {
                out.push_str(&format!(" = {flat}"));
            }
        }
        out
    }

    fn flat_or_layout(&mut self, expr: &ast::Expr, indent: usize, col: usize) -> String {
        match self.flat(expr) {
            Some(flat) => flat,
            None => self.layout(expr, indent, col),
        }
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Source(d) => d.span,
        Item::Fact(d) => d.span,
        Item::Param(d) | Item::Rule(d) => d.span,
        Item::Exception(d) => d.span,
    }
}

fn with_doc(doc: &[String], body: String) -> String {
    let mut out = String::new();
    for line in doc {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            out.push_str(&format!("/// {line}\n"));
        }
    }
    out.push_str(&body);
    out
}

fn is_composite(ty: &ast::TypeExpr) -> bool {
    matches!(ty.kind, ast::TypeKind::Enum(_) | ast::TypeKind::Records(_))
}

impl Printer<'_> {
    /// A record field on one line.
    fn field_flat(&self, field: &ast::FieldDecl) -> String {
        let mut out = format!("{}: {}", field.name.text, self.type_flat(&field.ty));
        if let Some(label) = &field.label {
            out.push_str(&format!(" {}", quote(label)));
        }
        if let Some(default) = &field.default {
            if let Some(flat) = self.flat(default) {
                out.push_str(&format!(" = {flat}"));
            }
        }
        out
    }
}

/// Record types, and enums of more than three values, are written one entry a line.
fn wants_lines(ty: &ast::TypeExpr) -> bool {
    match &ty.kind {
        ast::TypeKind::Enum(values) => values.len() > 3,
        ast::TypeKind::Records(_) => true,
        _ => false,
    }
}

fn enum_value(value: &ast::EnumValue) -> String {
    let name = if value.quoted {
        quote(&value.name)
    } else {
        value.name.clone()
    };
    match &value.label {
        Some(label) => format!("{name} {}", quote(label)),
        None => name,
    }
}

/// `cite 解释2019 第三条 第一项`
fn citation(c: &ast::Citation) -> String {
    let mut out = String::from("cite");
    if let Some(source) = &c.source {
        out.push(' ');
        out.push_str(&source.text);
    }
    for part in &c.parts {
        out.push(' ');
        out.push_str(&part.text);
    }
    out
}

/// `from 2019-11-01 cite 解释2019 第三条 ` (with a trailing space when not empty).
fn prefix_of(definition: &ast::Definition) -> String {
    let mut out = String::new();
    if let Some((date, _)) = &definition.from {
        out.push_str(&format!("from {date} "));
    }
    if let Some(c) = &definition.citation {
        out.push_str(&citation(c));
        out.push(' ');
    }
    if let Some(text) = &definition.quote {
        out.push_str(&format!("quote {} ", quote(text)));
    }
    out
}
