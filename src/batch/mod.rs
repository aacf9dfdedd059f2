//! Batch evaluation: many cases in, one result line per case out, in input order.
//!
//! Input is JSONL (one case per line: a case-file object, or a bare facts object whose
//! optional `id` key is not a fact) or CSV with a header row (columns = facts). It is read
//! in bounded chunks on one thread, evaluated in parallel (rayon) and written in order on
//! another, so memory stays flat however many cases there are. A line that cannot be read
//! or validated becomes an error record; the run goes on.

mod csv_input;
mod fast;
mod record;

use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::eval::{ExplainMode, Options};
use crate::ruleset::RuleSet;
use crate::value::Date;

/// The input format of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row naming facts (and optionally `id`, `as_of`).
    Csv,
}

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// What each result line explains.
    pub explain: ExplainMode,
    /// Applies the law of this date to every case (else each case's `as_of` or `conduct_date`).
    pub as_of: Option<Date>,
    /// Cases read, evaluated and written together (bounds memory).
    pub chunk_size: usize,
    /// Measure evaluation time per case (for `--stats`).
    pub measure: bool,
    /// Only these conclusions and what they depend on (all when empty).
    pub questions: Vec<String>,
    /// Write explanations as trees instead of compact traces naming the rule set's catalog.
    pub trees: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            explain: ExplainMode::None,
            as_of: None,
            chunk_size: 2048,
            measure: false,
            questions: Vec::new(),
            trees: false,
        }
    }
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Input records read (blank lines excluded).
    pub records: u64,
    /// Cases evaluated (result lines written).
    pub evaluated: u64,
    /// Error records written.
    pub errors: u64,
    /// Time spent evaluating, summed over threads (when measured).
    pub eval_time: Duration,
}

/// Progress after each chunk: input bytes consumed so far and the running summary.
pub type Progress<'a> = &'a (dyn Fn(u64, &BatchSummary) + Sync);

/// Why a batch stopped (bad lines never stop it; only input or output failures do).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BatchError {
    /// Reading the input failed.
    #[error("cannot read the input: {0}")]
    #[diagnostic(code(ruling::batch::read))]
    Read(String),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    #[diagnostic(code(ruling::batch::write))]
    Write(String),
}

/// One chunk of input records: (line number, record).
pub(crate) type Chunk<T> = Vec<(u64, T)>;

/// What the reader sends: input bytes consumed so far, the records, and the text they index
/// into (JSONL records are byte ranges of it; CSV rows carry their own).
pub(crate) type Sent<T> = (u64, Chunk<T>, Vec<u8>);

/// Evaluates one record with a worker, appending its output line.
pub(crate) trait Evaluate<T>:
    Fn(&record::Context<'_>, &mut record::Worker, &[u8], &T, u64, &mut Vec<u8>) -> Done + Sync
{
}

impl<T, F> Evaluate<T> for F where
    F: Fn(&record::Context<'_>, &mut record::Worker, &[u8], &T, u64, &mut Vec<u8>) -> Done + Sync
{
}

/// Evaluates every case of `input` and writes one line per case to `output`.
pub fn run(
    rules: &RuleSet,
    input: Box<dyn BufRead + Send>,
    format: InputFormat,
    output: &mut (dyn Write + Send),
    options: &BatchOptions,
    progress: Option<Progress<'_>>,
) -> Result<BatchSummary, BatchError> {
    let context = record::Context::new(rules, options);
    match format {
        InputFormat::Jsonl => pipeline(
            |tx, recycled| read_jsonl(input, options.chunk_size, tx, &recycled),
            |ctx: &record::Context<'_>,
             ev: &mut record::Worker,
             data: &[u8],
             line: &std::ops::Range<usize>,
             n,
             out: &mut Vec<u8>| { ctx.jsonl_line(ev, data.get(line.clone()).unwrap_or_default(), n, out) },
            &context,
            output,
            progress,
        ),
        InputFormat::Csv => pipeline(
            |tx, _| csv_input::read(input, rules.program(), options.chunk_size, tx),
            |ctx: &record::Context<'_>,
             ev: &mut record::Worker,
             _: &[u8],
             row: &csv_input::Row,
             n,
             out: &mut Vec<u8>| { ctx.csv_row(ev, row, n, out) },
            &context,
            output,
            progress,
        ),
    }
}

/// What one record produced.
pub(crate) struct Done {
    pub(crate) error: bool,
    pub(crate) eval_time: Duration,
}

/// Reader thread → parallel evaluation on this thread → writer thread, with bounded queues.
fn pipeline<T, R, E>(
    reader: R,
    evaluate: E,
    context: &record::Context<'_>,
    output: &mut (dyn Write + Send),
    progress: Option<Progress<'_>>,
) -> Result<BatchSummary, BatchError>
where
    T: Send + Sync,
    R: FnOnce(mpsc::SyncSender<Sent<T>>, mpsc::Receiver<Vec<u8>>) -> Result<(), BatchError> + Send,
    E: Evaluate<T>,
{
    let (in_tx, in_rx) = mpsc::sync_channel::<Sent<T>>(2);
    let (out_tx, out_rx) = mpsc::sync_channel::<Vec<Vec<u8>>>(2);
    std::thread::scope(|scope| {
        // Chunk buffers go back to the reader: no fresh pages (and page faults) per chunk.
        let (recycle_tx, recycle_rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let read = scope.spawn(move || reader(in_tx, recycle_rx));
        let write = scope.spawn(move || write_all(out_rx, output));
        let mut summary = BatchSummary::default();
        for (bytes, chunk, data) in in_rx {
            let (pieces, done) = evaluate_chunk(context, &evaluate, &chunk, &data);
            let _full_or_closed = recycle_tx.try_send(data);
            add(&mut summary, chunk.len() as u64, &done);
            if out_tx.send(pieces).is_err() {
                break;
            }
            if let Some(report) = progress {
                report(bytes, &summary);
            }
        }
        drop(out_tx);
        let wrote = write
            .join()
            .unwrap_or_else(|_| Err(BatchError::Write("the writer stopped".into())));
        let read = read
            .join()
            .unwrap_or_else(|_| Err(BatchError::Read("the reader stopped".into())));
        wrote.and(read).map(|()| summary)
    })
}

/// Records per parallel task: large enough to amortise the task, small enough to balance.
const TASK: usize = 256;

fn evaluate_chunk<T, E>(
    context: &record::Context<'_>,
    evaluate: &E,
    chunk: &Chunk<T>,
    data: &[u8],
) -> (Vec<Vec<u8>>, Tally)
where
    T: Sync,
    E: Evaluate<T>,
{
    let tasks: Vec<(Vec<u8>, Tally)> = chunk
        .par_chunks(TASK)
        .map_init(
            || context.worker(),
            |evaluator, records| {
                let mut out = Vec::with_capacity(records.len() * 160);
                let mut tally = Tally::default();
                for (line, record) in records {
                    tally.add(&evaluate(context, evaluator, data, record, *line, &mut out));
                }
                (out, tally)
            },
        )
        .collect();
    let mut total = Tally::default();
    let pieces = tasks
        .into_iter()
        .map(|(out, tally)| {
            total.merge(&tally);
            out
        })
        .collect();
    (pieces, total)
}

/// Counts of one task or chunk.
#[derive(Default)]
struct Tally {
    evaluated: u64,
    errors: u64,
    eval_time: Duration,
}

impl Tally {
    fn add(&mut self, done: &Done) {
        if done.error {
            self.errors += 1;
        } else {
            self.evaluated += 1;
        }
        self.eval_time += done.eval_time;
    }

    fn merge(&mut self, other: &Tally) {
        self.evaluated += other.evaluated;
        self.errors += other.errors;
        self.eval_time += other.eval_time;
    }
}

fn add(summary: &mut BatchSummary, records: u64, tally: &Tally) {
    summary.records += records;
    summary.evaluated += tally.evaluated;
    summary.errors += tally.errors;
    summary.eval_time += tally.eval_time;
}

fn write_all(rx: mpsc::Receiver<Vec<Vec<u8>>>, output: &mut (dyn Write + Send)) -> Result<(), BatchError> {
    let error = |e: std::io::Error| BatchError::Write(e.to_string());
    for pieces in rx {
        for piece in pieces {
            output.write_all(&piece).map_err(error)?;
        }
    }
    output.flush().map_err(error)
}

/// Reads JSONL lines in chunks of one buffer each; sends each chunk with the input bytes
/// consumed so far.
fn read_jsonl(
    mut input: Box<dyn BufRead + Send>,
    chunk_size: usize,
    tx: mpsc::SyncSender<Sent<std::ops::Range<usize>>>,
    recycled: &mpsc::Receiver<Vec<u8>>,
) -> Result<(), BatchError> {
    let mut line_no = 0u64;
    let mut bytes = 0u64;
    let mut chunk = Vec::with_capacity(chunk_size);
    let mut data: Vec<u8> = Vec::new();
    loop {
        let start = data.len();
        let read = input
            .read_until(b'\n', &mut data)
            .map_err(|e| BatchError::Read(e.to_string()))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        bytes += read as u64;
        match data.get(start..) {
            Some(line) if !line.iter().all(u8::is_ascii_whitespace) => chunk.push((line_no, start..data.len())),
            _ => data.truncate(start),
        }
        if chunk.len() >= chunk_size {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size));
            let next = match recycled.try_recv() {
                Ok(mut buffer) => {
                    buffer.clear();
                    buffer
                }
                Err(_) => Vec::with_capacity(text_capacity(&full)),
            };
            let text = std::mem::replace(&mut data, next);
            if tx.send((bytes, full, text)).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _closed = tx.send((bytes, chunk, data));
    }
    Ok(())
}

/// The buffer size for the next chunk: the last one's, with room to spare.
fn text_capacity(chunk: &Chunk<std::ops::Range<usize>>) -> usize {
    chunk.last().map(|(_, r)| r.end + r.end / 8).unwrap_or(1 << 20)
}

/// Evaluation options for the batch's evaluators (explanations are chosen per record).
fn eval_options(options: &BatchOptions) -> Options {
    Options {
        as_of: options.as_of,
        strict: false,
        explain: options.explain,
        questions: options.questions.clone(),
        ..Options::default()
    }
}

/// Times `f` when asked to.
fn timed<T>(measure: bool, f: impl FnOnce() -> T) -> (T, Duration) {
    if measure {
        let start = Instant::now();
        let value = f();
        (value, start.elapsed())
    } else {
        (f(), Duration::ZERO)
    }
}
