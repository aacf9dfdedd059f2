//! Syntax errors: pest's error turned into a diagnostic that speaks in words.

use crate::diagnostic::SourceText;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use super::grammar::Rule;

/// A rule file that cannot be read as ruling syntax.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum ParseError {
    /// `rule x: bool = all { a b` (the block is never closed)
    #[error("syntax error: expected {expected}")]
    #[diagnostic(code(ruling::parse::syntax))]
    Syntax {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where reading stopped.
        #[label("{found}")]
        span: SourceSpan,
        /// What would have been accepted, in words.
        expected: String,
        /// What was found instead.
        found: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// `rule x: money = 10.5.3元` (a literal the grammar accepts but that has no value)
    #[error("invalid {what} `{text}`")]
    #[diagnostic(code(ruling::parse::invalid_literal))]
    InvalidLiteral {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// The literal.
        #[label("cannot be read as {what}")]
        span: SourceSpan,
        /// Kind of literal.
        what: &'static str,
        /// The text.
        text: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// A file nested deeper than the parser's limit (`((((…))))` thousands deep).
    #[error("nesting deeper than {limit} levels")]
    #[diagnostic(
        code(ruling::parse::too_deep),
        help("split the expression into several rules, each naming a part")
    )]
    TooDeep {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where the limit was passed.
        #[label("nesting limit reached here")]
        span: SourceSpan,
        /// The limit.
        limit: usize,
    },
    /// A rule file larger than the configured limit.
    #[error("rule file is {size} bytes, more than the limit of {limit}")]
    #[diagnostic(
        code(ruling::parse::too_large),
        help("split it into several files in the same directory")
    )]
    TooLarge {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// The start of the file.
        #[label("this file")]
        span: SourceSpan,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A rule set of more than `ParseLimits::max_tokens` tokens (a generated file, most likely).
    #[error("the rule set has more than {limit} tokens (words, numbers, strings, operators); this one is past the limit{}", earlier(*before))]
    #[diagnostic(
        code(ruling::parse::too_many_tokens),
        help("a rule set this large is beyond what `ruling` checks in about a second; split it into separate rule sets (directories), or raise `ParseLimits::max_tokens` when embedding")
    )]
    TooManyTokens {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// The first token past the limit.
        #[label("token {} of the rule set", limit + 1)]
        span: SourceSpan,
        /// The limit.
        limit: usize,
        /// Tokens in the files read before this one.
        before: usize,
    },
    /// `fact a\u{200D}b: count` (a zero-width joiner inside a name, which then looks like `ab`)
    #[error("the name `{shown}` contains an invisible character, {character}")]
    #[diagnostic(code(ruling::parse::invisible_character))]
    InvisibleCharacter {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// The name.
        #[label("{character} inside this name")]
        span: SourceSpan,
        /// The name with its invisible characters escaped (`a\u{200d}b`).
        shown: String,
        /// The first invisible character (`U+200D ZERO WIDTH JOINER`).
        character: String,
        /// How to fix it.
        #[help]
        help: String,
    },
    /// An internal inconsistency between grammar and lowering (a bug in ruling).
    #[error("internal parser error: {message}")]
    #[diagnostic(
        code(ruling::parse::internal),
        help("please report this rule file to the ruling developers")
    )]
    Internal {
        /// The file.
        #[source_code]
        src: NamedSource<SourceText>,
        /// Where.
        #[label("here")]
        span: SourceSpan,
        /// What went wrong.
        message: String,
    },
}

/// Typical mistakes of a Chinese input method, with the fix.
pub(crate) fn hint_for_char(c: char) -> Option<&'static str> {
    Some(match c {
        '（' | '）' => "full-width parentheses `（）`: use ASCII `(` and `)`",
        '：' => "full-width colon `：`: use ASCII `:`",
        '，' => "full-width comma `，`: use ASCII `,`",
        '；' => "`；` is not used in rule files: separate branches with `,` or a new line",
        '＞' | '＜' | '＝' => "full-width comparison: use ASCII `>`, `<`, `>=`, `<=`, `==`",
        '≥' => "`≥` is written `>=`",
        '≤' => "`≤` is written `<=`",
        '≠' => "`≠` is written `!=`",
        '“' | '”' => "curly quotes: write labels between ASCII double quotes `\"…\"`",
        '｛' | '｝' => "full-width braces: use ASCII `{` and `}`",
        _ => return None,
    })
}

/// Describes a grammar rule in words for "expected …" messages.
pub(crate) fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::file | Rule::item => "a declaration (`source`, `fact`, `param`, `rule` or `exception`)",
        Rule::base_type => "a type",
        Rule::numeral => "a numeral",
        Rule::infix => "an operator such as `and`, `>=` or `+`",
        Rule::prefix => "`not` or `-`",
        Rule::postfix => "`at DATE`",
        Rule::primary => "a value, a name or `(`",
        Rule::branches => "a branch",
        Rule::decimal_digits => "digits",
        Rule::WHITESPACE => "a space",
        Rule::COMMENT | Rule::line_comment | Rule::block_comment => "a comment",
        Rule::doc_line | Rule::doc => "a doc comment `///`",
        Rule::kw_source => "`source`",
        Rule::kw_title => "`title`",
        Rule::kw_in_force => "`in_force`",
        Rule::kw_until => "`until`",
        Rule::kw_fact => "`fact`",
        Rule::kw_param => "`param`",
        Rule::kw_rule => "`rule`",
        Rule::kw_exception => "`exception`",
        Rule::kw_to => "`to`",
        Rule::kw_when => "`when`",
        Rule::kw_from => "`from`",
        Rule::kw_since => "`自`",
        Rule::kw_since_end => "`起` (after `自 DATE`)",
        Rule::from_date => "`from DATE` or `自 DATE 起`",
        Rule::kw_cite => "`cite`",
        Rule::kw_all => "`all`",
        Rule::kw_any => "`any`",
        Rule::kw_not => "`not`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_of => "`of`",
        Rule::kw_in => "`in`",
        Rule::kw_at => "`at`",
        Rule::kw_if => "`if`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::kw_where => "`where`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_none => "`none`",
        Rule::kw_enum => "`enum`",
        Rule::kw_list => "`list`",
        Rule::kw_prefer => "`prefer`",
        Rule::kw_over => "`over`",
        Rule::kw_says => "`says`",
        Rule::kw_quote => "`quote`",
        Rule::kw_not_encoded => "`not_encoded`",
        Rule::prefer_clause => "a `prefer … at DATE over DATE` clause",
        Rule::prefer_order => "`higher`, `lower`, `true` or `false`",
        Rule::keyword => "a keyword",
        Rule::ident => "a name",
        Rule::source_decl => "a `source` declaration",
        Rule::source_attr => "`title`, `in_force` or `until`",
        Rule::fact_decl => "a `fact` declaration",
        Rule::param_decl => "a `param` declaration",
        Rule::rule_decl => "a `rule` declaration",
        Rule::definition => "a definition (`= …`, `from DATE`, `cite …` or `quote \"…\"`)",
        Rule::exception_decl => "an `exception` declaration",
        Rule::says => "a phrase template `says \"…\"`",
        Rule::quote => "a version's statute text `quote \"…\"`",
        Rule::type_expr | Rule::type_name => "a type",
        Rule::optional => "`?`",
        Rule::enum_type => "an `enum { … }` type",
        Rule::enum_value | Rule::enum_name => "an enum value",
        Rule::list_type => "a `list` type",
        Rule::record_type => "a record type `{ field: type, … }`",
        Rule::field_decl => "a field `name: type`",
        Rule::citation => "a citation `cite SOURCE 第…条`",
        Rule::cite_part => "an article part such as `第三条`, `第一款` or `第二项`",
        Rule::expr | Rule::paren => "an expression",
        Rule::op_or => "`or`",
        Rule::op_and => "`and`",
        Rule::op_eq => "`==`",
        Rule::op_ne => "`!=`",
        Rule::op_ge => "`>=`",
        Rule::op_le => "`<=`",
        Rule::op_gt => "`>`",
        Rule::op_lt => "`<`",
        Rule::op_add => "`+`",
        Rule::op_sub | Rule::op_neg => "`-`",
        Rule::op_mul => "`*`",
        Rule::op_div => "`/`",
        Rule::op_in => "`in`",
        Rule::op_not => "`not`",
        Rule::op_at => "`at DATE`",
        Rule::block | Rule::block_kind => "a block `all { … }` / `any { … }`",
        Rule::branch => "a branch",
        Rule::n_of => "`N of { … }`",
        Rule::if_expr => "`if … then … else …`",
        Rule::aggregate | Rule::aggregate_kind => "an aggregate such as `count(…)`",
        Rule::call => "a function call",
        Rule::list_literal => "a list `[…]`",
        Rule::date => "a date `YYYY-MM-DD`",
        Rule::duration | Rule::duration_unit_en | Rule::duration_unit_zh => "a duration such as `2 years`",
        Rule::money => "an amount such as `5000元`",
        Rule::percent => "a percentage such as `5%`",
        Rule::number | Rule::magnitude | Rule::integer => "a number",
        Rule::string => "a quoted text `\"…\"`",
        Rule::boolean => "`true` or `false`",
        Rule::none => "`none`",
    }
}

/// Converts pest's error into a [`ParseError::Syntax`] with byte-exact spans.
pub(crate) fn from_pest(file: &crate::source::SourceFile, error: &pest::error::Error<Rule>) -> ParseError {
    let text: &str = &file.text;
    let (start, end) = match error.location {
        pest::error::InputLocation::Pos(pos) => (pos, pos),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let found_char = text.get(start..).and_then(|rest| rest.chars().next());
    let end = if end > start {
        end
    } else {
        start + found_char.map(char::len_utf8).unwrap_or(0)
    };
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => expected_words(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let found = match found_char {
        None => String::from("the file ends here"),
        Some(c) if c.is_whitespace() => String::from("unexpected space or line break"),
        Some(_) => {
            let word: String = text
                .get(start..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(20)
                .collect();
            format!("found `{word}`")
        }
    };
    let help = found_char.and_then(hint_for_char).map(String::from);
    ParseError::Syntax {
        src: file.named_source(),
        span: miette::SourceSpan::new(start.into(), end.saturating_sub(start)),
        expected,
        found,
        help,
    }
}

fn expected_words(positives: &[Rule]) -> String {
    let mut words: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
    words.sort_unstable();
    words.dedup();
    match words.as_slice() {
        [] => String::from("something else"),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// ` (N in the files before this one)`, when there were any.
fn earlier(before: usize) -> String {
    if before == 0 {
        String::new()
    } else {
        format!(" ({before} in the files before this one)")
    }
}
