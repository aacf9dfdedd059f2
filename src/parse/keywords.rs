//! Keywords and their Chinese aliases: the table, and rewriting a file's keywords in one style.
//!
//! The grammar accepts both words of every pair (`rule` / `规则`); nothing after parsing can tell
//! them apart, so a file written with either parses to the same AST. `ruling fmt` prints English
//! keywords and, with the Chinese style, rewrites them here, token by token as the parser found
//! them: a word inside a name, a label, a comment or an enum value is never touched.

use pest::iterators::Pair;
use pest::Parser;

use super::error::ParseError;
use super::grammar::{Rule, RulingParser};
use crate::source::SourceFile;

/// Which words `ruling fmt` writes for keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum KeywordStyle {
    /// `rule`, `and`, `from 2019-11-01`: the style of the shipped rules.
    #[default]
    English,
    /// `规则`, `且`, `自 2019-11-01 起`.
    Chinese,
}

/// A keyword and its Chinese alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// The English word.
    pub english: &'static str,
    /// The Chinese word (`from` is written `自 DATE 起`: this is `自`).
    pub chinese: &'static str,
    /// Whether the words are reserved (cannot be names). `over`, `higher` and `lower` and their
    /// aliases are words of the `prefer` clause only.
    pub reserved: bool,
}

const fn kw(english: &'static str, chinese: &'static str) -> Keyword {
    Keyword {
        english,
        chinese,
        reserved: true,
    }
}

const fn clause_word(english: &'static str, chinese: &'static str) -> Keyword {
    Keyword {
        english,
        chinese,
        reserved: false,
    }
}

/// Every keyword that has a Chinese alias, in the order of the language reference. `enum` and
/// `list` have none: like the type names (`bool`, `money`), they stay English in both styles.
pub const KEYWORDS: &[Keyword] = &[
    kw("source", "法源"),
    kw("title", "标题"),
    kw("in_force", "施行"),
    kw("until", "失效"),
    kw("fact", "事实"),
    kw("param", "参数"),
    kw("rule", "规则"),
    kw("exception", "例外"),
    kw("to", "针对"),
    kw("when", "当"),
    kw("from", "自"),
    kw("cite", "依据"),
    kw("all", "全部"),
    kw("any", "任一"),
    kw("not", "非"),
    kw("and", "且"),
    kw("or", "或"),
    kw("of", "项"),
    kw("in", "属于"),
    kw("at", "于"),
    kw("if", "若"),
    kw("then", "则"),
    kw("else", "否则"),
    kw("where", "其中"),
    kw("true", "是"),
    kw("false", "否"),
    kw("none", "无"),
    kw("prefer", "优先"),
    clause_word("over", "而非"),
    clause_word("higher", "较高"),
    clause_word("lower", "较低"),
    clause_word("says", "表述"),
    clause_word("quote", "原文"),
    clause_word("not_encoded", "未编码"),
];

/// The word that closes `自 DATE 起`.
pub const SINCE_END: &str = "起";

/// The word of a keyword in a style (`("and", Chinese)` → `且`); `None` for a word without alias.
pub fn keyword_in(english: &str, style: KeywordStyle) -> Option<&'static str> {
    let keyword = KEYWORDS.iter().find(|k| k.english == english)?;
    Some(match style {
        KeywordStyle::English => keyword.english,
        KeywordStyle::Chinese => keyword.chinese,
    })
}

/// Rewrites every keyword of a rule file in `style`; the text must parse (it is `ruling fmt`'s
/// own output). Spacing is kept, so the canonical layout stays canonical.
pub(crate) fn restyle(file: &SourceFile, style: KeywordStyle) -> Result<String, ParseError> {
    let text: &str = &file.text;
    let pairs = RulingParser::parse(Rule::file, text).map_err(|e| super::error::from_pest(file, &e))?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    // `from` becomes `自 DATE 起`: the `起` goes after the next date.
    let mut close_after_next_date = false;
    let mut last_date_end = 0;
    for pair in pairs.flatten() {
        let span = pair.as_span();
        match pair.as_rule() {
            Rule::date => {
                last_date_end = span.end();
                if std::mem::take(&mut close_after_next_date) {
                    edits.push((span.end(), span.end(), format!(" {SINCE_END}")));
                }
            }
            Rule::kw_from | Rule::kw_since => {
                // `自` already has its `起`; `from` gets one when it becomes `自`.
                close_after_next_date = pair.as_rule() == Rule::kw_from && style == KeywordStyle::Chinese;
                push_word(&mut edits, &pair, "from", style);
            }
            // `自 DATE 起` → `from DATE`: the `起` goes, with the space before it.
            Rule::kw_since_end if style == KeywordStyle::English => {
                edits.push((last_date_end.min(span.start()), span.end(), String::new()));
            }
            Rule::prefer_order => {
                let english = match pair.as_str() {
                    "higher" | "较高" => "higher",
                    "lower" | "较低" => "lower",
                    "true" | "是" => "true",
                    _ => "false",
                };
                push_word(&mut edits, &pair, english, style);
            }
            rule => {
                if let Some(english) = english_word(rule) {
                    push_word(&mut edits, &pair, english, style);
                }
            }
        }
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut at = 0;
    for (start, end, word) in edits {
        out.push_str(text.get(at..start).unwrap_or(""));
        out.push_str(&word);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    Ok(out)
}

/// What a token of a rule file is, for highlighting (the classes an editor's grammar must agree on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// A keyword, by its English word (`"rule"` also for `规则`; `"from"` for `自` and `起`).
    Keyword(&'static str),
    /// `"…"`: a label, a text or an enum value.
    String,
    /// `2019-11-01`
    Date,
    /// `10万元`, `5000元`
    Money,
    /// `2 years`, `30日`
    Duration,
    /// `5%`
    Percent,
    /// `200`, `1.5`, `10万`
    Number,
    /// `第三条`, `第一项`
    CitePart,
    /// A `///` line.
    DocComment,
    /// `higher`, `lower`, `true`, `false` (or `较高`, `较低`, `是`, `否`) after `prefer`.
    PreferOrder,
    /// A name (of a declaration, a use, a source, a field).
    Name,
}

/// A token the parser found: byte range and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxToken {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub class: TokenClass,
}

/// The keywords, names, literals, citation parts and doc comments of a rule file, in order, as the
/// parser reads them (line and block comments are not tokens of the grammar).
pub(crate) fn syntax_tokens(file: &SourceFile) -> Result<Vec<SyntaxToken>, ParseError> {
    let text: &str = &file.text;
    let pairs = RulingParser::parse(Rule::file, text).map_err(|e| super::error::from_pest(file, &e))?;
    let mut out = Vec::new();
    for pair in pairs.flatten() {
        let class = match pair.as_rule() {
            Rule::kw_from | Rule::kw_since | Rule::kw_since_end => TokenClass::Keyword("from"),
            Rule::kw_enum => TokenClass::Keyword("enum"),
            Rule::kw_list => TokenClass::Keyword("list"),
            Rule::prefer_order => TokenClass::PreferOrder,
            Rule::ident => TokenClass::Name,
            Rule::string => TokenClass::String,
            Rule::date => TokenClass::Date,
            Rule::money => TokenClass::Money,
            Rule::duration => TokenClass::Duration,
            Rule::percent => TokenClass::Percent,
            // `integer` is also the `N` of `N of { … }`.
            Rule::number | Rule::integer => TokenClass::Number,
            Rule::cite_part => TokenClass::CitePart,
            Rule::doc_line => TokenClass::DocComment,
            rule => match english_word(rule) {
                Some(word) => TokenClass::Keyword(word),
                None => continue,
            },
        };
        let span = pair.as_span();
        out.push(SyntaxToken {
            start: span.start(),
            end: span.end(),
            class,
        });
    }
    Ok(out)
}

fn push_word(edits: &mut Vec<(usize, usize, String)>, pair: &Pair<'_, Rule>, english: &str, style: KeywordStyle) {
    let Some(word) = keyword_in(english, style) else {
        return;
    };
    if pair.as_str() != word {
        let span = pair.as_span();
        edits.push((span.start(), span.end(), word.to_string()));
    }
}

/// The English word of a keyword token (`None` for the other rules and for `enum`, `list`).
fn english_word(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_source => "source",
        Rule::kw_title => "title",
        Rule::kw_in_force => "in_force",
        Rule::kw_until => "until",
        Rule::kw_fact => "fact",
        Rule::kw_param => "param",
        Rule::kw_rule => "rule",
        Rule::kw_exception => "exception",
        Rule::kw_to => "to",
        Rule::kw_when => "when",
        Rule::kw_cite => "cite",
        Rule::kw_all => "all",
        Rule::kw_any => "any",
        Rule::kw_not => "not",
        Rule::kw_and => "and",
        Rule::kw_or => "or",
        Rule::kw_of => "of",
        Rule::kw_in => "in",
        Rule::kw_at => "at",
        Rule::kw_if => "if",
        Rule::kw_then => "then",
        Rule::kw_else => "else",
        Rule::kw_where => "where",
        Rule::kw_true => "true",
        Rule::kw_false => "false",
        Rule::kw_none => "none",
        Rule::kw_prefer => "prefer",
        Rule::kw_over => "over",
        Rule::kw_says => "says",
        Rule::kw_quote => "quote",
        Rule::kw_not_encoded => "not_encoded",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAMMAR: &str = include_str!("../../grammar/ruling.pest");

    fn restyled(text: &str, style: KeywordStyle) -> String {
        let file = SourceFile::in_memory("t.rule", text);
        restyle(&file, style).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn every_alias_is_in_the_grammar() {
        for keyword in KEYWORDS {
            assert!(GRAMMAR.contains(&format!("\"{}\"", keyword.chinese)), "{keyword:?}");
            assert!(GRAMMAR.contains(&format!("\"{}\"", keyword.english)), "{keyword:?}");
        }
        assert!(GRAMMAR.contains(&format!("\"{SINCE_END}\"")));
    }

    #[test]
    fn restyles_both_ways() {
        let english = "rule r: bool \"标签\"\n    from 2019-11-01 cite 法 第一条\n    = any {\n        \"1\": a and not b\n        \"2\": if c then true else none == none\n    }\n";
        let chinese = "规则 r: bool \"标签\"\n    自 2019-11-01 起 依据 法 第一条\n    = 任一 {\n        \"1\": a 且 非 b\n        \"2\": 若 c 则 是 否则 无 == 无\n    }\n";
        assert_eq!(restyled(english, KeywordStyle::Chinese), chinese);
        assert_eq!(restyled(chinese, KeywordStyle::English), english);
        assert_eq!(restyled(english, KeywordStyle::English), english);
        assert_eq!(restyled(chinese, KeywordStyle::Chinese), chinese);
    }

    #[test]
    fn words_inside_names_labels_and_comments_are_kept() {
        let english = "// rule and or\nfact and_or: enum { none \"and\" } \"rule\"\n";
        assert_eq!(
            restyled(english, KeywordStyle::Chinese),
            "// rule and or\n事实 and_or: enum { none \"and\" } \"rule\"\n"
        );
    }
}
