//! Command-line interface: `check`, `eval`, `explain`, `test`, `batch`, `serve`, …. Uses only the public API.

/// `print!` that survives a closed pipe (`ruling eval … | head`): see [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that survives a closed pipe: see [`write_stdout`].
macro_rules! outln {
    () => { $crate::cli::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod batch;
mod commands;
mod diff_cmd;
mod error;
mod fmt_cmd;
mod lsp;
mod replace;
mod schema_cmd;
mod serve;
mod test_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Writes to standard output. When the reader has gone (`| head`), the output is no longer
/// wanted: the program ends quietly with status 0 instead of panicking as `print!` does; any other
/// write error ends it with status 2 and a message.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let result = std::io::stdout().lock().write_fmt(args);
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(i32::from(OK)),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(i32::from(BAD_INPUT));
        }
    }
}

/// Exit status: success.
pub(crate) const OK: u8 = 0;
/// Exit status: rule errors or failed tests.
pub(crate) const FAILED: u8 = 1;
/// Exit status: bad input or arguments.
pub(crate) const BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "ruling",
    version,
    about = "Statutes as rule files: check, evaluate and explain cases article by article"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of diagnostics (default: `zh` when LC_ALL, LC_MESSAGES or LANG starts with "zh").
    #[arg(long, global = true, value_enum)]
    lang: Option<LangArg>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check a rule set (a `.rule` file or a directory).
    Check {
        /// Rule file or directory.
        rules: PathBuf,
        /// Output format for diagnostics.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Also warn about rules that conclusions depend on without a `says` template.
        #[arg(long)]
        lint_says: bool,
    },
    /// Evaluate a case and print every conclusion with its explanation.
    Eval(EvalArgs),
    /// Explain one conclusion (or all) of a case.
    Explain(EvalArgs),
    /// Run case files and compare their expected conclusions.
    Test {
        /// Rule file or directory.
        rules: PathBuf,
        /// Case files or directories (default: tests/cases).
        cases: Vec<PathBuf>,
        /// Write the actual values into the case files' `expected`.
        #[arg(long)]
        update: bool,
        /// Report which rules, branches, comparisons and exceptions the cases exercised, by article.
        #[arg(long)]
        coverage: bool,
        /// Output format (`json`: one JSON document with the results and the coverage).
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Show which cases an edit of the rules changes: `OLD_RULES NEW_RULES`, or `--git REV RULES`.
    Diff {
        /// `OLD_RULES NEW_RULES`, or with `--git` the rules directory (old = it at REV).
        #[arg(required = true, num_args = 1..=2)]
        rules: Vec<PathBuf>,
        /// Take the old rules from this git revision of the rules directory.
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        /// Case files or directories (default: tests/cases).
        #[arg(long)]
        cases: Vec<PathBuf>,
        /// Output format (`json`: one JSON document).
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Exit with status 1 when some case changed.
        #[arg(long)]
        exit_code: bool,
        /// Width of each column of the side-by-side explanations.
        #[arg(long, default_value_t = 80)]
        column: usize,
    },
    /// Rewrite rule files in the canonical layout (`--check`: only report files that differ).
    Fmt {
        /// Rule files or directories (default: rules).
        paths: Vec<PathBuf>,
        /// Change nothing; exit 1 when a file is not in the canonical layout.
        #[arg(long)]
        check: bool,
        /// Write keywords in English (`rule`, `and`) or Chinese (`规则`, `且`).
        #[arg(long, value_enum, default_value_t = KeywordsArg::En)]
        keywords: KeywordsArg,
    },
    /// Run the language server (LSP over standard input and output) for editors.
    Lsp {
        /// Standard input and output, the only transport (accepted because clients such as
        /// `vscode-languageclient` pass it).
        #[arg(long)]
        stdio: bool,
    },
    /// Print the JSON Schema (draft 2020-12) of case files for a rule set.
    Schema {
        /// Rule file or directory.
        rules: PathBuf,
        /// The schema of evaluation results instead.
        #[arg(long)]
        conclusions: bool,
    },
    /// Evaluate many cases (JSONL or CSV), one result line each, in input order.
    Batch(batch::BatchArgs),
    /// Print the catalog of a rule set's explanations (JSON): declarations, dated versions,
    /// citations and every node a trace can name.
    Catalog {
        /// Rule file or directory.
        rules: PathBuf,
    },
    /// Serve the HTTP API (`/v1/…`) and the web page (`/`) for a rule set.
    Serve(serve::ServeArgs),
    /// Write a case-file skeleton (YAML): every fact the questions depend on, with its label,
    /// type, unit and default as a comment
    NewCase {
        /// Rule file or directory.
        rules: PathBuf,
        /// Only the facts these conclusions depend on (repeat, or separate with commas).
        #[arg(long = "question", value_name = "NAME", value_delimiter = ',', value_parser = question_name)]
        questions: Vec<String>,
        /// Write the skeleton to this file (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A conclusion name given to `--question`: spaces around it (`a, b`) are not part of it, and
/// an empty one (`a,,b`, a trailing comma) is refused rather than read as a name no rule has.
fn question_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("empty conclusion name (a stray comma?)".to_string());
    }
    Ok(name.to_string())
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Rule file or directory.
    rules: PathBuf,
    /// Case file (JSON, YAML or TOML).
    #[arg(long)]
    facts: PathBuf,
    /// Only this conclusion.
    conclusion: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Apply the law as of this date (overrides the case's `as_of`).
    #[arg(long)]
    as_of: Option<String>,
    /// A missing fact that leaves a rule undecided is an error.
    #[arg(long)]
    strict: bool,
    /// For a conclusion that does not hold: each failed element and by how much it missed.
    #[arg(long)]
    why_not: bool,
    /// Quote the statute text from doc comments.
    #[arg(long)]
    quote: bool,
    /// Stop evaluation after this many steps (raise it for cases with very long lists).
    #[arg(long, value_name = "N", default_value_t = ruling::Options::default().max_steps)]
    max_steps: u64,
    /// Evaluate and report only these conclusions and what they depend on (repeat, or separate
    /// with commas).
    #[arg(long = "question", value_name = "NAME", value_delimiter = ',', value_parser = question_name)]
    questions: Vec<String>,
    /// Without questions (here or in the case's `questions`), memos and `--strict` keep to the
    /// conclusions the case's facts are about; `--all` takes every conclusion instead.
    #[arg(long)]
    all: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeywordsArg {
    En,
    Zh,
}

/// The output of `check`, `test` and `diff`: reports, not case evaluations, so there is no memo
/// to ask for (`--format md` is refused rather than read as text).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    /// A memo in Markdown.
    Md,
    /// A memo as one self-contained, printable HTML page.
    Html,
}

/// Runs the command line and returns the exit status.
pub(crate) fn main() -> ExitCode {
    let mut command = Cli::command();
    if wants_chinese() {
        command = in_chinese(command);
    }
    let cli = match command.try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => {
            let _ignored = e.print();
            return ExitCode::from(if e.use_stderr() { BAD_INPUT } else { OK });
        }
    };
    ruling::diagnostic::set_language(match cli.lang {
        Some(LangArg::Zh) => ruling::diagnostic::Lang::Zh,
        Some(LangArg::En) => ruling::diagnostic::Lang::En,
        None => ruling::diagnostic::Lang::from_env(),
    });
    let status = match cli.command {
        Command::Check {
            rules,
            format,
            deny_warnings,
            lint_says,
        } => commands::check(&rules, format == ReportFormat::Json, deny_warnings, lint_says),
        Command::Eval(args) => commands::eval(&args, false),
        Command::Explain(args) => commands::eval(&args, true),
        Command::Test {
            rules,
            cases,
            update,
            coverage,
            format,
        } => test_cmd::run(
            &rules,
            &cases,
            &test_cmd::TestOptions {
                update,
                coverage,
                json: format == ReportFormat::Json,
            },
        ),
        Command::Schema { rules, conclusions } => schema_cmd::run(&rules, conclusions),
        Command::Catalog { rules } => schema_cmd::catalog(&rules),
        Command::NewCase {
            rules,
            questions,
            output,
        } => schema_cmd::new_case(&rules, &questions, output.as_deref()),
        Command::Fmt { paths, check, keywords } => {
            let keywords = match keywords {
                KeywordsArg::En => ruling::format::KeywordStyle::English,
                KeywordsArg::Zh => ruling::format::KeywordStyle::Chinese,
            };
            fmt_cmd::run(&paths, check, &ruling::format::FormatOptions { keywords })
        }
        Command::Lsp { stdio: _ } => lsp::run(),
        Command::Diff {
            rules,
            git,
            cases,
            format,
            exit_code,
            column,
        } => diff_cmd::run(&diff_cmd::DiffOptions {
            rules,
            git,
            cases,
            json: format == ReportFormat::Json,
            exit_code,
            column,
        }),
        Command::Batch(args) => batch::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    ExitCode::from(status)
}

/// Whether `--help` and clap's messages should be in Chinese: `--lang zh` on the command line,
/// else the environment (as for diagnostics).
fn wants_chinese() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let given = args
        .iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--lang=").map(String::from)));
    match given.as_deref() {
        Some(lang) => lang == "zh",
        None => ruling::diagnostic::Lang::from_env() == ruling::diagnostic::Lang::Zh,
    }
}

/// What each command does, in Chinese (`ruling --help --lang zh`).
const ABOUT_ZH: &[(&str, &str)] = &[
    ("check", "解析并检查规则集（一个 `.rule` 文件或目录）"),
    ("eval", "计算案件，输出每个结论及其解释"),
    ("explain", "解释案件的一个（或全部）结论"),
    ("test", "运行案件文件，比对其期望结论"),
    (
        "diff",
        "显示修改规则会改变哪些案件的结论：`旧规则 新规则`，或 `--git 版本 规则`",
    ),
    ("fmt", "按规范版式重写规则文件（`--check`：只报告不符合的文件）"),
    ("lsp", "运行语言服务器（经标准输入输出的 LSP），供编辑器使用"),
    ("schema", "输出规则集案件文件的 JSON Schema（draft 2020-12）"),
    ("batch", "批量计算案件（JSONL 或 CSV），每个案件一行结果，按输入顺序"),
    (
        "catalog",
        "输出规则集解释的目录（JSON）：声明、时间版本、引用及轨迹可指称的每个节点",
    ),
    (
        "new-case",
        "输出案件骨架（YAML）：所问结论依赖的每个事实，附标签、类型、单位和默认值注释",
    ),
    (
        "serve",
        "提供 HTTP 接口（`/v1/…`）和网页（`/`），供试算案件、浏览法条、阅读备忘录",
    ),
];

/// What each argument means, in Chinese, by argument id: the same everywhere unless
/// [`ARG_HELP_ZH_IN`] says otherwise for a command.
const ARG_HELP_ZH: &[(&str, &str)] = &[
    ("rules", "规则文件或目录"),
    ("facts", "案件文件（JSON、YAML 或 TOML）"),
    ("conclusion", "只看这一个结论"),
    ("format", "输出格式"),
    ("as_of", "适用该日期的法律（优先于案件的 `as_of`）"),
    ("strict", "缺少的事实使规则无法确定时报错"),
    ("why_not", "对不成立的结论：列出每个未满足的要件及差距"),
    ("quote", "引用文档注释中的法条原文"),
    ("max_steps", "计算步数上限（列表很长的案件可调高）"),
    (
        "questions",
        "只计算并报告这些结论及其所依赖的结论（可重复，或用逗号分隔）",
    ),
    ("all", "评价全部结论（默认只评价案件所列问题，或案件事实涉及的结论）"),
    ("deny_warnings", "把警告当作错误"),
    ("lint_says", "对结论所依赖而没有 `says` 措辞模板的规则也给出警告"),
    ("cases", "案件文件或目录（默认：tests/cases）"),
    ("update", "按当前计算结果改写案件文件中的期望结论"),
    ("coverage", "报告案件覆盖了哪些规则分支，未覆盖的列出原因"),
    ("git", "旧规则取自规则目录在该 git 版本的内容"),
    ("exit_code", "有结论改变时以 1 退出"),
    ("column", "文本输出的列宽"),
    ("paths", "规则文件或目录（默认：rules）"),
    ("check", "不改写文件；有文件不符合规范版式时以 1 退出"),
    ("keywords", "关键字用英文（`rule`、`and`）或中文（`规则`、`且`）书写"),
    (
        "stdio",
        "经标准输入输出通信（唯一的传输方式；接受此参数是因为 `vscode-languageclient` 等客户端会传入）",
    ),
    ("conclusions", "改为输出计算结果的 schema"),
    ("input", "案件：JSONL（每行一个案件）或带表头的 CSV；`-` 读标准输入"),
    ("explain", "每个结果附带的解释"),
    (
        "stats",
        "结束时向标准错误输出 `BENCH load_ms=… eval_ns_per_case=… cases=…`",
    ),
    (
        "explain_format",
        "解释的写法：`trace`（紧凑，引用目录）或 `tree`（完整树）",
    ),
    (
        "catalog",
        "规则集目录的输出位置，`--explain-format trace` 引用它（默认：输出文件旁的 `OUTPUT.catalog.json`）",
    ),
    ("addr", "监听地址（端口 0：任选空闲端口，启动时打印）"),
    ("watch", "规则文件改变时重新加载（修改有错时保留原规则集）"),
    (
        "token_file",
        "`/v1/…` 要求 `Authorization: Bearer <令牌>`，令牌为该文件的内容（忽略首尾空白）",
    ),
    ("cors", "允许该来源的网页调用接口（如 `https://example.org`，或 `*`）"),
    ("max_body", "`/v1/evaluate` 和 `/v1/memo` 请求体的上限（字节）"),
    ("max_batch_body", "`/v1/batch` 请求体的上限（字节）"),
];

/// Per command, arguments whose meaning differs from [`ARG_HELP_ZH`].
const ARG_HELP_ZH_IN: &[(&str, &str, &str)] = &[
    ("check", "format", "诊断信息的输出格式"),
    ("test", "format", "输出格式（`json`：一个 JSON 文档，含结果和覆盖情况）"),
    (
        "diff",
        "rules",
        "`旧规则 新规则`；使用 `--git` 时为规则目录（旧规则 = 它在该版本的内容）",
    ),
    ("diff", "format", "输出格式（`json`：一个 JSON 文档）"),
    (
        "batch",
        "output",
        "结果：每个输入行一行 JSON，按输入顺序；`-` 写标准输出",
    ),
    (
        "batch",
        "format",
        "输入格式（默认按扩展名：`.csv` 为 CSV，其余为 JSONL）",
    ),
    ("batch", "as_of", "对每个案件适用该日期的法律（优先于各案件的 `as_of`）"),
    (
        "new-case",
        "questions",
        "只列出这些结论所依赖的事实（可重复，或用逗号分隔）",
    ),
    ("new-case", "output", "把骨架写入该文件（默认：标准输出）"),
    ("serve", "max_steps", "每次计算的步数上限（请求可以要求更少，不能更多）"),
];

/// The Chinese help of argument `id` of command `command`, if there is one.
fn arg_help_zh(command: &str, id: &str) -> Option<&'static str> {
    ARG_HELP_ZH_IN
        .iter()
        .find(|(c, a, _)| *c == command && *a == id)
        .map(|(_, _, help)| *help)
        .or_else(|| ARG_HELP_ZH.iter().find(|(a, _)| *a == id).map(|(_, help)| *help))
}

/// The command line with its descriptions and headings in Chinese (options keep their names).
fn in_chinese(command: clap::Command) -> clap::Command {
    const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";
    let mut command = command
        .about("法律条文即规则文件：逐条检查、计算和解释案件")
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .next_help_heading("选项")
        .disable_help_subcommand(true)
        .mut_arg("lang", |a| {
            with_values_zh(
                a,
                "诊断信息的语言（默认：LC_ALL、LC_MESSAGES 或 LANG 以 \"zh\" 开头时为 zh）",
            )
        });
    for (name, about) in ABOUT_ZH {
        command = command.mut_subcommand(*name, |sub| {
            let sub = sub.about(*about).help_template(TEMPLATE).mut_args(chinese_heading);
            with_chinese_help(sub.mut_args(|arg| match arg_help_zh(name, arg.get_id().as_str()) {
                Some(help) => with_values_zh(arg, help),
                None => arg,
            }))
        });
    }
    with_chinese_help(command.mut_args(chinese_heading))
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        )
}

/// An argument described in Chinese, its possible and default values included in the
/// description (clap would print them as `[possible values: …]`, `[default: …]`).
fn with_values_zh(arg: clap::Arg, help: &str) -> clap::Arg {
    if !arg.get_action().takes_values() {
        return arg.help(help.to_string());
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_name() {
            "md" => "md（Markdown 备忘录）".to_string(),
            "html" => "html（可打印的独立 HTML 备忘录）".to_string(),
            name => name.to_string(),
        })
        .collect();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let mut text = help.to_string();
    if !values.is_empty() {
        text.push_str(&format!("；可选：{}", values.join("、")));
    }
    if !defaults.is_empty() {
        text.push_str(&format!("；默认：{}", defaults.join("、")));
    }
    arg.help(text).hide_possible_values(true).hide_default_value(true)
}

/// `-h, --help` described in Chinese, under `选项`.
fn with_chinese_help(command: clap::Command) -> clap::Command {
    command.disable_help_flag(true).arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help("显示帮助")
            .help_heading("选项"),
    )
}

/// Arguments under `参数`, options under `选项` (clap's own `-h` keeps its heading).
fn chinese_heading(arg: clap::Arg) -> clap::Arg {
    if arg.is_positional() {
        arg.help_heading("参数")
    } else {
        arg.help_heading("选项")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_argument_of_every_command_is_described_in_chinese() {
        let mut command = in_chinese(Cli::command());
        command.build();
        let mut english = Vec::new();
        for sub in command.get_subcommands() {
            assert!(
                has_chinese(&sub.get_about().map(|a| a.to_string()).unwrap_or_default()),
                "{}",
                sub.get_name()
            );
            for arg in sub.get_arguments() {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                if !has_chinese(&help) {
                    english.push(format!("{} {}: {help}", sub.get_name(), arg.get_id()));
                }
            }
        }
        assert!(
            english.is_empty(),
            "described only in English under --lang zh: {english:#?}"
        );
        let help = command
            .find_subcommand_mut("eval")
            .map(|eval| eval.render_long_help().to_string())
            .unwrap_or_default();
        for english in ["Possible values", "[default:", "A memo in Markdown", "Print help"] {
            assert!(!help.contains(english), "{english} in:\n{help}");
        }
        assert!(help.contains("可选：text、json、md（Markdown 备忘录）"), "{help}");
        assert!(help.contains("默认：10000000"), "{help}");
    }

    #[test]
    fn a_command_specific_description_wins_over_the_common_one() {
        assert_eq!(
            arg_help_zh("batch", "output"),
            Some("结果：每个输入行一行 JSON，按输入顺序；`-` 写标准输出")
        );
        assert_eq!(arg_help_zh("eval", "rules"), Some("规则文件或目录"));
        assert_eq!(arg_help_zh("eval", "no_such_argument"), None);
    }
}
