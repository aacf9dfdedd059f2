//! `ruling batch`: many cases from JSONL or CSV, one result line each, in input order.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use ruling::batch::{self, BatchOptions, BatchSummary, InputFormat};
use ruling::ExplainMode;

use super::commands::{load, print_diagnostic};
use super::replace::{self, Replacement};
use super::{question_name, BAD_INPUT, FAILED, OK};

/// Arguments of `ruling batch`.
#[derive(clap::Args)]
pub(crate) struct BatchArgs {
    /// Rule file or directory.
    rules: PathBuf,
    /// Cases: JSONL (one case per line) or CSV with a header row; `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// Results, one JSON line per input line in input order; `-` writes standard output.
    #[arg(long, default_value = "-")]
    output: PathBuf,
    /// Input format (default: by extension, `.csv` is CSV, anything else JSONL).
    #[arg(long, value_enum)]
    format: Option<BatchFormat>,
    /// What each result explains.
    #[arg(long, value_enum, default_value_t = Explain::None)]
    explain: Explain,
    /// Apply the law as of this date to every case (overrides each case's `as_of`).
    #[arg(long)]
    as_of: Option<String>,
    /// Print `BENCH load_ms=… eval_ns_per_case=… cases=…` to standard error at the end.
    #[arg(long)]
    stats: bool,
    /// Only these conclusions and what they depend on (repeat, or separate with commas).
    #[arg(long = "question", value_name = "NAME", value_delimiter = ',', value_parser = question_name)]
    questions: Vec<String>,
    /// How explanations are written: `trace` (compact, naming the catalog; the default) or
    /// `tree` (with `--explain outcome|full`).
    #[arg(long, value_enum)]
    explain_format: Option<ExplainFormat>,
    /// Where the rule set's catalog goes, which `--explain-format trace` names (default:
    /// beside the output, `OUTPUT.catalog.json`).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
}

/// Options about explanations given where no explanation is written (they would be ignored).
fn explanation_options_conflict(args: &BatchArgs) -> Option<&'static str> {
    let tree = args.explain_format == Some(ExplainFormat::Tree);
    match (args.explain, args.explain_format.is_some(), args.catalog.is_some()) {
        (Explain::None, true, _) => {
            Some("--explain-format says how explanations are written: add --explain outcome or --explain full")
        }
        (Explain::None, _, true) => {
            Some("--catalog is written for explanations: add --explain outcome or --explain full")
        }
        (_, _, true) if tree => {
            Some("--catalog is named by traces; trees (--explain-format tree) carry their own texts: drop one of them")
        }
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    Trace,
    Tree,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BatchFormat {
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Explain {
    None,
    Outcome,
    Full,
}

/// Runs `ruling batch`; exit status 1 when any input line was bad.
pub(crate) fn run(args: &BatchArgs) -> u8 {
    if let Some(conflict) = explanation_options_conflict(args) {
        let error = clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, format!("{conflict}\n"));
        let _printed = error.print();
        return BAD_INPUT;
    }
    let as_of = match super::error::as_of(args.as_of.as_deref()) {
        Ok(date) => date,
        Err(e) => {
            super::commands::print_diagnostic(&e);
            return BAD_INPUT;
        }
    };
    let started = Instant::now();
    let rules = match load(&args.rules) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    if let Some(error) = same_file(args) {
        print_diagnostic(&error);
        return BAD_INPUT;
    }
    let (input, size) = match open_input(&args.input) {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("error: cannot read `{}`: {message}", args.input.display());
            return BAD_INPUT;
        }
    };
    let (mut output, replacement) = match open_output(&args.output) {
        Ok(out) => out,
        Err(message) => {
            eprintln!("error: cannot write `{}`: {message}", args.output.display());
            return BAD_INPUT;
        }
    };
    let options = BatchOptions {
        explain: match args.explain {
            Explain::None => ExplainMode::None,
            Explain::Outcome => ExplainMode::Outcome,
            Explain::Full => ExplainMode::Full,
        },
        as_of,
        measure: args.stats,
        questions: args.questions.clone(),
        trees: args.explain_format == Some(ExplainFormat::Tree),
        ..BatchOptions::default()
    };
    if let Some(unknown) = args.questions.iter().find(|q| rules.program().rule_id(q).is_none()) {
        let help = rules.conclusion_hint(unknown).unwrap_or_default();
        eprintln!("error: `--question {unknown}` is not a conclusion of the rule set {help}");
        return BAD_INPUT;
    }
    if options.explain != ExplainMode::None && !options.trees {
        if let Err(status) = write_catalog(&rules, args) {
            return status;
        }
    }
    let bar = progress_bar(size);
    let report = |bytes: u64, summary: &BatchSummary| report(bar.as_ref(), bytes, summary);
    let result = batch::run(&rules, input, format_of(args), &mut output, &options, Some(&report));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    drop(output);
    // The results replace the output file only when every line was written.
    let committed = match (result, replacement) {
        (Ok(summary), Some(replacement)) => replacement
            .commit()
            .map(|()| summary)
            .map_err(|e| batch::BatchError::Write(e.to_string())),
        (result, _) => result,
    };
    match committed {
        Ok(summary) => finish(&summary, args.stats, load_ms),
        // `| head`: the rest was not wanted (as `eval` and `explain` end).
        Err(batch::BatchError::OutputClosed) => OK,
        Err(error) => {
            print_diagnostic(&error);
            BAD_INPUT
        }
    }
}

/// The output (or the catalog) is the input file, directly or through a link: writing it
/// would destroy the cases before they are read.
fn same_file(args: &BatchArgs) -> Option<batch::BatchError> {
    if args.input == Path::new("-") {
        return None;
    }
    let mut outputs = vec![args.output.clone()];
    outputs.extend(args.catalog.clone());
    outputs
        .into_iter()
        .filter(|output| output != Path::new("-"))
        .find(|output| replace::same_file(&args.input, output))
        .map(|output| batch::BatchError::SameFile {
            input: args.input.display().to_string(),
            output: output.display().to_string(),
        })
}

/// Writes the catalog the traces name, once, beside the results or where `--catalog` says.
fn write_catalog(rules: &ruling::RuleSet, args: &BatchArgs) -> Result<(), u8> {
    let path = match (&args.catalog, args.output.as_path()) {
        (Some(path), _) => path.clone(),
        (None, output) if output != Path::new("-") => {
            let mut name = output.as_os_str().to_owned();
            name.push(".catalog.json");
            PathBuf::from(name)
        }
        (None, _) => {
            eprintln!("error: traces written to standard output need `--catalog FILE` for the catalog they name");
            return Err(BAD_INPUT);
        }
    };
    let written = serde_json::to_vec(rules.catalog())
        .map_err(|e| e.to_string())
        .and_then(|json| replace::write(&path, &json).map_err(|e| e.to_string()));
    written.map_err(|message| {
        eprintln!("error: cannot write `{}`: {message}", path.display());
        BAD_INPUT
    })
}

fn finish(summary: &BatchSummary, stats: bool, load_ms: f64) -> u8 {
    if stats {
        let per_case = if summary.evaluated == 0 {
            0.0
        } else {
            summary.eval_time.as_nanos() as f64 / summary.evaluated as f64
        };
        eprintln!(
            "BENCH load_ms={load_ms:.3} eval_ns_per_case={per_case:.1} cases={}",
            summary.evaluated
        );
    }
    if summary.errors > 0 {
        if !stats {
            eprintln!(
                "{} of {} line(s) could not be evaluated (see the error records)",
                summary.errors, summary.records
            );
        }
        FAILED
    } else {
        OK
    }
}

fn format_of(args: &BatchArgs) -> InputFormat {
    match args.format {
        Some(BatchFormat::Csv) => InputFormat::Csv,
        Some(BatchFormat::Jsonl) => InputFormat::Jsonl,
        None if args.input.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => InputFormat::Csv,
        None => InputFormat::Jsonl,
    }
}

type Input = (Box<dyn BufRead + Send>, Option<u64>);

fn open_input(path: &Path) -> Result<Input, String> {
    if path == Path::new("-") {
        return Ok((Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())), None));
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(BufReader::with_capacity(1 << 16, file)), size))
}

type Output = (Box<dyn Write + Send>, Option<Replacement>);

/// Standard output; a device or FIFO as it is; a file through a [`Replacement`], so that
/// the old file stays whole until every result is written.
fn open_output(path: &Path) -> Result<Output, String> {
    if path == Path::new("-") {
        return Ok((Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())), None));
    }
    if !replace::replaceable(path) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| e.to_string())?;
        return Ok((Box::new(BufWriter::with_capacity(1 << 16, file)), None));
    }
    let replacement = Replacement::create(path).map_err(|e| e.to_string())?;
    let file = replacement.file().map_err(|e| e.to_string())?;
    Ok((Box::new(BufWriter::with_capacity(1 << 16, file)), Some(replacement)))
}

/// A progress bar on a terminal only: input consumed, cases per second, time left.
fn progress_bar(size: Option<u64>) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match size {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::new_spinner(),
    };
    let template = "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} ETA {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Some(bar)
}

fn report(bar: Option<&ProgressBar>, bytes: u64, summary: &BatchSummary) {
    let Some(bar) = bar else { return };
    bar.set_position(bytes);
    let seconds = bar.elapsed().as_secs_f64().max(1e-9);
    let rate = summary.records as f64 / seconds;
    bar.set_message(format!(
        "{} cases ({} errors), {rate:.0} cases/s",
        summary.records, summary.errors
    ));
}
