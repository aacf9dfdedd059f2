//! An ordered list of diagnostics (errors and warnings) and how they are rendered.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use miette::{Diagnostic, Severity};

mod clip;
mod source_text;

pub use source_text::SourceText;

/// Every diagnostic found by a stage, in the order found (files in path order).
#[derive(Default)]
pub struct Diagnostics {
    items: Vec<Box<dyn Diagnostic + Send + Sync>>,
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|d| d.to_string()))
            .finish()
    }
}

impl Diagnostics {
    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: impl Diagnostic + Send + Sync + 'static) {
        self.items.push(Box::new(diagnostic));
    }

    /// Number of diagnostics that are errors (not warnings).
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| is_error(d.as_ref())).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// All diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = &(dyn Diagnostic + Send + Sync)> {
        self.items.iter().map(|d| d.as_ref())
    }

    /// Stable codes of all diagnostics, in order.
    pub fn codes(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    /// Renders every diagnostic with miette's graphical handler, in the language set by
    /// [`set_language`] (English unless set).
    pub fn render(&self, color: bool, width: usize) -> String {
        self.render_in(Lang::current(), color, width)
    }

    /// Renders every diagnostic in the given language.
    pub fn render_in(&self, lang: Lang, color: bool, width: usize) -> String {
        let mut out = String::new();
        for item in &self.items {
            out.push_str(&render_diagnostic(item.as_ref(), lang, color, width));
            out.push('\n');
        }
        out
    }

    /// Diagnostics as JSON objects (code, severity, message, help, labels with byte offsets).
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|d| {
                let labels: Vec<serde_json::Value> = d
                    .labels()
                    .into_iter()
                    .flatten()
                    .map(|l| serde_json::json!({"offset": l.offset(), "length": l.len(), "label": l.label()}))
                    .collect();
                serde_json::json!({
                    "code": d.code().map(|c| c.to_string()),
                    "severity": if is_error(d.as_ref()) { "error" } else { "warning" },
                    "message": d.to_string(),
                    "help": d.help().map(|h| h.to_string()),
                    "labels": labels,
                })
            })
            .collect();
        serde_json::Value::Array(items)
    }

    /// Moves all diagnostics of `other` into this list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
}

fn is_error(d: &(dyn Diagnostic + Send + Sync)) -> bool {
    !matches!(d.severity(), Some(Severity::Warning) | Some(Severity::Advice))
}

// ---------------------------------------------------------------- languages

/// The language diagnostics are rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the messages as written in the code).
    #[default]
    En,
    /// Chinese: a title and help from the catalogue, the English message kept beside them.
    Zh,
}

/// The language set by [`set_language`]: 0 = not set (English), 1 = English, 2 = Chinese.
static LANGUAGE: AtomicU8 = AtomicU8::new(0);

/// Sets the language of [`Diagnostics::render`] for the whole process (the CLI's `--lang`).
pub fn set_language(lang: Lang) {
    LANGUAGE.store(if lang == Lang::Zh { 2 } else { 1 }, Ordering::Relaxed);
}

impl Lang {
    /// Chinese when the locale value (`zh_CN.UTF-8`, `zh`) starts with `zh`, else English.
    pub fn from_locale(value: &str) -> Lang {
        if value.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language of the environment: the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|key| std::env::var(key).ok())
            .find(|v| !v.trim().is_empty())
            .map(|v| Lang::from_locale(&v))
            .unwrap_or_default()
    }

    /// The language set by [`set_language`], English when none was set.
    pub fn current() -> Lang {
        if LANGUAGE.load(Ordering::Relaxed) == 2 {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// Chinese title and help of every diagnostic code (`docs/errors.md` lists the same codes).
pub const CATALOGUE_ZH: &[(&str, &str, &str)] = &[
    (
        "ruling::parse::syntax",
        "语法错误",
        "检查标记处附近的括号、引号、逗号和关键字；关键字与运算符用英文半角符号书写。",
    ),
    (
        "ruling::parse::invalid_literal",
        "无效的字面量",
        "日期写作 YYYY-MM-DD 且须真实存在；数字最多 38 位；金额写作 5000元、10万元。",
    ),
    (
        "ruling::parse::too_deep",
        "嵌套层数超过上限",
        "括号、if … else 链、list<…> 和运算符链都计入嵌套层数：把表达式拆成几条规则，各自命名一部分。",
    ),
    (
        "ruling::parse::too_many_tokens",
        "规则集的词元（词、数、字符串、运算符）超过上限",
        "规则集大到超出 ruling 约一秒内检查完的范围：把它拆成几个规则集（不同目录），嵌入时也可提高 `ParseLimits::max_tokens`。",
    ),
    (
        "ruling::parse::too_large",
        "规则文件超过大小上限",
        "把规则拆分到同一目录下的多个文件中。",
    ),
    (
        "ruling::parse::invisible_character",
        "名称中有不可见字符",
        "删除该字符：名称中的不可见字符会使两个不同的名称看起来完全一样。",
    ),
    (
        "ruling::parse::internal",
        "解析器内部错误",
        "这是 ruling 的缺陷：请把该规则文件报告给开发者。",
    ),
    (
        "ruling::check::unknown_name",
        "未知名称",
        "检查拼写；名称须声明为事实、参数或规则。",
    ),
    (
        "ruling::check::unknown_placeholder",
        "表述模板中的未知名称",
        "`says` 模板中的 {名称} 须为已声明的事实、参数或规则；检查拼写。",
    ),
    (
        "ruling::check::missing_says",
        "缺少表述模板（警告）",
        "给规则或其每个带标签的分支加上 `says \"…{事实}…\"`，备忘录才能使用编辑者的措辞。",
    ),
    (
        "ruling::check::unknown_type",
        "未知类型",
        "类型有 bool、count、integer、decimal、money、percent、date、duration、text、enum {…}、list<…>、list {…}。",
    ),
    (
        "ruling::check::unknown_source",
        "未知法源",
        "先用 source 声明该法律文件，或改正引用中的名称。",
    ),
    (
        "ruling::check::relative_citation",
        "相对引用缺少上级引用",
        "写出法源，例如 `cite 解释2019 第三条 第一项`。",
    ),
    (
        "ruling::check::duplicate_definition",
        "重复定义",
        "名称在整个规则集中必须唯一：重命名其中一个。",
    ),
    (
        "ruling::check::type_mismatch",
        "类型不符",
        "使表达式的类型与声明的类型一致。",
    ),
    (
        "ruling::check::unit_mismatch",
        "单位不符",
        "金额写作 5000元；日期只能加减期间；期间写明单位（60 minutes）。",
    ),
    (
        "ruling::check::unknown_enum_value",
        "不是该枚举的取值",
        "使用枚举声明中列出的取值。",
    ),
    (
        "ruling::check::cycle",
        "规则循环依赖",
        "规则不得直接或间接依赖自身：打破循环。",
    ),
    (
        "ruling::check::overlapping_versions",
        "版本重叠",
        "有多个版本时，每个版本写明不同的 from 日期。",
    ),
    (
        "ruling::check::exception_conflict",
        "例外相互冲突",
        "合并两个例外，或使它们的条件互斥。",
    ),
    (
        "ruling::check::not_a_rule",
        "不是规则",
        "例外和 held(…) 只能作用于规则。",
    ),
    (
        "ruling::check::invalid_held",
        "held 的对象不是带标签分项的规则",
        "held(规则) 要求该规则由带标签分支的 all/any 块定义。",
    ),
    (
        "ruling::check::not_constant",
        "参数或默认值依赖案件事实",
        "参数和默认值是法律规定的常量；依赖案件的值在规则中计算。",
    ),
    (
        "ruling::check::wrong_arguments",
        "函数参数不对",
        "按函数说明提供参数：held(规则)、known(值)、max/min(两个以上的值)。",
    ),
    (
        "ruling::check::invalid_at",
        "at 只能用于规则或参数",
        "事实不随法律变化：写作 `规则名 at 日期`。",
    ),
    (
        "ruling::check::invalid_prefer",
        "prefer 子句有误",
        "higher/lower 用于数值、金额、日期、期间，true/false 用于是非值；两个日期写事实名或日期；并以 cite 写明选择版本的条文。",
    ),
    (
        "ruling::check::too_deep",
        "求值路径过深",
        "缩短规则之间的引用链或拆分嵌套的表达式，或提高 ParseLimits::max_eval_depth。",
    ),
    (
        "ruling::check::unused",
        "声明未被使用（警告）",
        "删除它，或在规则中使用它。",
    ),
    (
        "ruling::check::missing_citation",
        "缺少法条引用（警告）",
        "加上 `cite 法源 第…条`，解释才能指明所依据的条文。",
    ),
    ("ruling::case::io", "无法读取案件文件", "检查路径和读取权限。"),
    (
        "ruling::case::syntax",
        "案件文件格式错误",
        "检查标记处附近的引号、逗号和括号。",
    ),
    (
        "ruling::case::shape",
        "案件文件结构不对",
        "案件是一个对象：facts 为事实对象，as_of 为日期字符串。",
    ),
    (
        "ruling::case::unknown_key",
        "案件文件中有未知的键",
        "案件文件的键为 name、description、as_of、facts、expected 等。",
    ),
    (
        "ruling::case::invalid_facts",
        "事实有误",
        "逐项改正标出的值；案件未被求值。",
    ),
    (
        "ruling::case::type_mismatch",
        "事实值的类型不对",
        "按声明的类型书写该值（`ruling schema` 列出各事实的类型）。",
    ),
    (
        "ruling::case::unknown_fact",
        "未知事实",
        "检查拼写；`ruling schema RULES` 列出规则声明的事实。",
    ),
    (
        "ruling::case::unknown_field",
        "记录中有未知字段",
        "只使用记录类型中声明的字段。",
    ),
    (
        "ruling::case::negative_value",
        "数量或金额为负",
        "计数和金额不能为负数。",
    ),
    (
        "ruling::case::invalid_date",
        "日期不存在或格式不对",
        "日期写作 YYYY-MM-DD，例如 \"2021-05-20\"。",
    ),
    (
        "ruling::case::unknown_enum_value",
        "不是该枚举的取值",
        "使用事实声明中列出的取值。",
    ),
    (
        "ruling::case::missing_required_fact",
        "缺少必填的值",
        "补上该字段，或在声明中给出默认值。",
    ),
    (
        "ruling::case::too_large",
        "案件文件超过大小上限",
        "拆分案件，或在嵌入时提高 CaseLimits::max_file_bytes。",
    ),
    (
        "ruling::case::too_many_items",
        "列表项数超过上限",
        "以合计（次数、总额）提供事实，或提高 CaseLimits::max_list_items。",
    ),
    (
        "ruling::case::text_too_long",
        "文本超过长度上限",
        "案件文件记载事实而非文书：缩短文本，或提高 CaseLimits::max_text_bytes。",
    ),
    (
        "ruling::case::too_deep",
        "嵌套层数超过上限",
        "事实是值、值的列表或记录的列表：减少嵌套。",
    ),
    (
        "ruling::eval::no_as_of",
        "没有可适用法律的日期",
        "在案件中写 as_of，或在命令行用 --as-of YYYY-MM-DD，或提供事实 conduct_date。",
    ),
    (
        "ruling::eval::missing_fact",
        "缺少规则所需的事实（严格模式）",
        "在案件的 facts 中补上该事实。",
    ),
    (
        "ruling::eval::exception_conflict",
        "两个例外同时适用且结果不同",
        "在规则文件中使例外的条件互斥。",
    ),
    (
        "ruling::eval::arithmetic",
        "无法精确计算",
        "检查除数是否为零、数值是否过大。",
    ),
    (
        "ruling::eval::step_limit",
        "求值步数超过上限",
        "提高步数上限（命令行 `--max-steps N`，库中 Options::max_steps），或简化规则。",
    ),
    ("ruling::eval::unknown_conclusion", "未知结论", "检查结论名称的拼写。"),
    (
        "ruling::trace::other_rule_set",
        "轨迹与目录不属于同一规则集",
        "用与轨迹一同写出的目录读取它。",
    ),
    ("ruling::trace::malformed", "解释轨迹格式错误", "轨迹应原样取自 ruling 的输出。"),
    (
        "ruling::load::io",
        "无法读取规则路径",
        "给出 .rule 文件，或包含 .rule 文件的目录。",
    ),
    ("ruling::load::empty", "目录中没有规则文件", "规则文件以 .rule 结尾。"),
    ("ruling::load::invalid", "规则文件有错误", "逐条改正列出的错误。"),
    (
        "ruling::batch::read",
        "无法读取批量输入",
        "检查输入文件及其格式（每行一个案件）。",
    ),
    ("ruling::batch::write", "无法写出批量结果", "检查输出路径和磁盘空间。"),
    (
        "ruling::batch::output_closed",
        "输出的读取方已关闭，其余输入未计算",
        "要保留全部结果，请写入文件（`--output 文件`）。",
    ),
    // Issue 12 (reliability): codes added together, kept in one block.
    (
        "ruling::batch::same_file",
        "输出文件就是输入文件",
        "把结果写到另一个文件；输入文件未被改动。",
    ),
    (
        "ruling::batch::duplicate_column",
        "CSV 表头中有重复的列名",
        "每个事实只占一列：删除或改名其中一列。",
    ),
    (
        "ruling::cli::bad_as_of",
        "--as-of 不是日期",
        "写成 YYYY-MM-DD（如 2021-05-20）。",
    ),
    (
        "ruling::cli::option_not_for_format",
        "该选项只用于文本输出",
        "去掉该选项，或不用 --format：JSON 的解释已含每个要件的值、差距和条文；备忘录已写明每项结论的理由和推导过程。",
    ),
    (
        "ruling::batch::ragged_row",
        "CSV 行的单元格数与表头列数不符",
        "补齐缺少的单元格，或删除多余的单元格（含逗号的值要加引号）。",
    ),
    (
        "ruling::case::duplicate_key",
        "同一个键出现了两次",
        "每个键只写一次：删除其中一个，或把两者合并。",
    ),
    (
        "ruling::case::not_finite",
        "数值不是有限数",
        "事实须是精确值：写出数字本身（无穷大与 NaN 无法计算）。",
    ),
    (
        "ruling::check::default_cycle",
        "事实默认值互相引用成环",
        "默认值可以引用另一个事实，但不能绕回自身：为其中一个给出具体值。",
    ),
    (
        "ruling::load::skipped",
        "跳过了不是普通文件的条目",
        "只读取规则目录中的普通文件：把文件复制进来，而不是链接。",
    ),
    (
        "ruling::case::not_utf8",
        "案件不是 UTF-8 文本",
        "以 UTF-8 编码保存案件（从 GBK 等编码转换来的文本须重新转换）。",
    ),
];

/// The Chinese title and help of a code.
pub fn zh_entry(code: &str) -> Option<(&'static str, &'static str)> {
    CATALOGUE_ZH
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, title, help)| (*title, *help))
}

/// Labels of the case and check diagnostics in Chinese (the message keeps the original).
fn label_zh(label: &str) -> Option<&'static str> {
    Some(match label {
        "type mismatch" => "类型不对",
        "unknown enum value" => "不是该枚举的取值",
        "invalid date" => "日期无效",
        "unknown fact" => "未知事实",
        "unknown field" => "未知字段",
        "negative value" => "不能为负数",
        "here" => "此处",
        "not a fact, parameter or rule of this rule set" => "不是本规则集的事实、参数或规则",
        "memos phrase this rule from its expression" => "备忘录按表达式措辞",
        _ => return None,
    })
}

/// The specific help lines of common problems in Chinese, with their names and values kept;
/// `None` for a line without a translation (shown as written).
fn help_zh(help: &str) -> Option<String> {
    let between = |text: &str, start: &str, end: &str| -> Option<String> {
        text.strip_prefix(start)?.strip_suffix(end).map(String::from)
    };
    if let Some(name) = between(help, "did you mean `", "`?") {
        return Some(format!("是否应为 `{name}`？"));
    }
    if let Some(number) = help.strip_prefix("write the number without quotes: ") {
        return Some(format!("去掉引号，写作 {number}"));
    }
    if let Some(rest) = help.strip_prefix("write a code or its label: ") {
        return Some(format!("写取值代码或其标签：{rest}"));
    }
    if let Some((number, unit)) = help
        .strip_prefix("write ")
        .and_then(|r| r.split_once(": the number alone, without quotes or a unit (`"))
    {
        let unit = unit.strip_suffix("`)")?;
        return Some(format!("写作 {number}：只写数字，不加引号，不写单位（`{unit}`）"));
    }
    if let Some((text, ascii)) =
        help.split_once(" has full-width digits or punctuation (a Chinese input method): write ")
    {
        return Some(format!("{text} 含全角数字或标点（中文输入法）：写作 {ascii}"));
    }
    if let Some((text, rest)) = help.split_once(" has full-width digits (a Chinese input method): write ") {
        let number = rest.strip_suffix(", without quotes")?;
        return Some(format!("{text} 含全角数字（中文输入法）：写作 {number}，不加引号"));
    }
    Some(
        match help {
            "dates are written YYYY-MM-DD, e.g. \"2021-05-20\"" => "日期写作 YYYY-MM-DD，如 \"2021-05-20\"",
            "counts are 0 or more" => "数量为 0 或更大的整数",
            "counts are whole numbers" => "数量须为整数",
            "a placeholder `{name}` names a fact, parameter or rule" => "占位符 `{名称}` 须为事实、参数或规则",
            "`ruling schema RULES` lists the facts these rules declare" => {
                "`ruling schema 规则目录` 列出这些规则声明的事实"
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// A diagnostic shown in another language: the message and help are replaced by the
/// catalogue's (the original message kept in brackets, for its names and numbers); the
/// code, severity, source, labels and related diagnostics are those of the original.
pub struct Localized<'a> {
    inner: &'a dyn Diagnostic,
    lang: Lang,
    related: Vec<Localized<'a>>,
    /// The inner diagnostic's source, with long lines cut to a window.
    source: Option<clip::Clipped<'a>>,
}

impl<'a> Localized<'a> {
    /// Wraps a diagnostic (and its related ones) for rendering in `lang`.
    pub fn new(inner: &'a dyn Diagnostic, lang: Lang) -> Localized<'a> {
        let related = inner
            .related()
            .map(|items| items.map(|d| Localized::new(d, lang)).collect())
            .unwrap_or_default();
        let source = inner.source_code().map(clip::Clipped::new);
        Localized {
            inner,
            lang,
            related,
            source,
        }
    }

    fn entry(&self) -> Option<(&'static str, &'static str)> {
        if self.lang != Lang::Zh {
            return None;
        }
        let code = self.inner.code()?.to_string();
        zh_entry(&code)
    }
}

// Messages, help and labels quote case values and keys; a control character in one (an
// `ESC` sequence, a bidi override) is shown escaped (`\u{1b}`) rather than sent to the
// terminal. Source excerpts are masked by `SourceText`.
fn shown(text: &str) -> String {
    crate::visible::escape_controls_keeping_lines(text).into_owned()
}

impl fmt::Display for Localized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = shown(&self.inner.to_string());
        match self.entry() {
            Some((title, _)) => write!(f, "{title}（{message}）"),
            None => f.write_str(&message),
        }
    }
}

impl fmt::Debug for Localized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl std::error::Error for Localized<'_> {}

impl Diagnostic for Localized<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let Some((_, help)) = self.entry() else {
            let original = self.inner.help()?.to_string();
            return Some(Box::new(shown(&original)));
        };
        let text = match self.inner.help() {
            Some(original) => {
                let original = shown(&original.to_string());
                match help_zh(&original) {
                    Some(translated) => format!("{help}\n{translated}"),
                    None => format!("{help}\n{original}"),
                }
            }
            None => help.to_string(),
        };
        Some(Box::new(text))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let lang = self.lang;
        let labels = self.inner.labels()?.map(move |mut l| {
            let zh = if lang == Lang::Zh {
                l.label().and_then(label_zh)
            } else {
                None
            };
            let text = match zh {
                Some(zh) => Some(zh.to_string()),
                None => l.label().map(shown),
            };
            l.set_label(text);
            l
        });
        match &self.source {
            Some(source) => Some(Box::new(labels.map(|l| source.label(l)))),
            None => Some(Box::new(labels)),
        }
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
}

/// Renders one diagnostic with miette's graphical handler, in `lang`.
#[cfg(feature = "fancy")]
pub fn render_diagnostic(diagnostic: &dyn Diagnostic, lang: Lang, color: bool, width: usize) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    let _ignored = handler.render_report(&mut out, &Localized::new(diagnostic, lang));
    out
}

/// Renders one diagnostic as narrated text, in `lang` (built without the `fancy` feature).
#[cfg(not(feature = "fancy"))]
pub fn render_diagnostic(diagnostic: &dyn Diagnostic, lang: Lang, _color: bool, _width: usize) -> String {
    let handler = miette::NarratableReportHandler::new();
    let mut out = String::new();
    let _ignored = handler.render_report(&mut out, &Localized::new(diagnostic, lang));
    out
}
