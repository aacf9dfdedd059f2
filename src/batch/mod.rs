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
use crate::facts::CaseLimits;
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
    /// Limits on each input line or row, as on a case file: a line longer than
    /// `max_file_bytes` is not kept (its error record says so), texts are at most
    /// `max_text_bytes`, and so on.
    pub limits: CaseLimits,
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
            limits: CaseLimits::default(),
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
#[non_exhaustive]
pub enum BatchError {
    /// Reading the input failed.
    #[error("cannot read the input: {0}")]
    #[diagnostic(code(ruling::batch::read))]
    Read(String),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    #[diagnostic(code(ruling::batch::write))]
    Write(String),
    /// The reader of the output has gone (`ruling batch … | head`): the rest of the input was
    /// not evaluated. The command line ends quietly with status 0, as `eval` does.
    #[error("the reader of the output has gone; the rest of the input was not evaluated")]
    #[diagnostic(
        code(ruling::batch::output_closed),
        help("write to a file (`--output FILE`) to keep every result")
    )]
    OutputClosed,
    /// `ruling batch r --input io.jsonl --output io.jsonl` (also through a link): the results
    /// would replace the cases before they are read.
    #[error("the output `{output}` is the input file `{input}`")]
    #[diagnostic(
        code(ruling::batch::same_file),
        help("write the results to another file; the input was left as it was")
    )]
    SameFile {
        /// The input path as given.
        input: String,
        /// The output (or catalog) path as given.
        output: String,
    },
    /// A CSV header `id,illegal_videos,illegal_videos`: which column is the fact?
    #[error("the CSV header names `{name}` twice (columns {first} and {second})")]
    #[diagnostic(
        code(ruling::batch::duplicate_column),
        help("give each fact one column: remove or rename one of the two")
    )]
    DuplicateColumn {
        /// The column name.
        name: String,
        /// 1-based position of its first column.
        first: usize,
        /// 1-based position of the repeat.
        second: usize,
    },
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
            |tx, recycled| read_jsonl(input, options, tx, &recycled),
            |ctx: &record::Context<'_>, ev: &mut record::Worker, data: &[u8], line: &Line, n, out: &mut Vec<u8>| {
                match line {
                    Line::Text(range) => ctx.jsonl_line(ev, data.get(range.clone()).unwrap_or_default(), n, out),
                    Line::TooLong(bytes) => ctx.too_long(*bytes, n, out),
                }
            },
            &context,
            output,
            progress,
        ),
        InputFormat::Csv => pipeline(
            |tx, _| csv_input::read(input, rules.program(), options, tx),
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

/// Evaluates cases handed over one by one (or a slice at a time) to exactly the records
/// [`run`] writes for the same lines: for embedding ruling where the cases are not a file
/// (the Python package evaluates its dicts with it).
///
/// A line is what a JSONL input line may be — a case-file object, or a bare facts object whose
/// optional `id` is not a fact — and its record is the result line or the error record `run`
/// writes for it, ending with `\n`.
pub struct Records<'r> {
    context: record::Context<'r>,
    max_line: usize,
}

/// What one thread evaluates with: an evaluator (which reuses values between neighbouring
/// cases) and scratch space. Make one per thread with [`Records::worker`].
pub struct RecordWorker(record::Worker);

impl<'r> Records<'r> {
    /// Prepares the output keys and the fact index of `rules` for `options` (the chunk size and
    /// `measure` are not used).
    pub fn new(rules: &'r RuleSet, options: &BatchOptions) -> Self {
        Records {
            context: record::Context::new(rules, options),
            max_line: options.limits.max_file_bytes,
        }
    }

    /// A worker for one thread.
    pub fn worker(&self) -> RecordWorker {
        RecordWorker(self.context.worker())
    }

    /// Evaluates one line and appends its record to `out`; `number` is the line number an
    /// error record names. Returns whether the record is an error record.
    pub fn line(&self, worker: &mut RecordWorker, line: &[u8], number: u64, out: &mut Vec<u8>) -> bool {
        let done = if line.len() > self.max_line {
            self.context.too_long(line.len() as u64, number, out)
        } else {
            self.context.jsonl_line(&mut worker.0, line, number, out)
        };
        done.error
    }

    /// Evaluates `lines` in parallel (rayon) and returns their records in order; the first line
    /// is numbered `first_number`.
    pub fn lines<L: AsRef<[u8]> + Sync>(&self, lines: &[L], first_number: u64) -> Vec<Vec<u8>> {
        let tasks: Vec<Vec<Vec<u8>>> = lines
            .par_chunks(TASK)
            .enumerate()
            .map_init(
                || self.worker(),
                |worker, (task, chunk)| {
                    let first = first_number + (task * TASK) as u64;
                    chunk
                        .iter()
                        .zip(first..)
                        .map(|(line, n)| {
                            let mut out = Vec::with_capacity(256);
                            self.line(worker, line.as_ref(), n, &mut out);
                            out
                        })
                        .collect::<Vec<_>>()
                },
            )
            .collect();
        tasks.into_iter().flatten().collect()
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
    // One piece waits for the writer while the next is evaluated: when evaluating outruns
    // writing (full explanations, a slow disk), at most three pieces of output are held.
    let (out_tx, out_rx) = mpsc::sync_channel::<Vec<Vec<u8>>>(1);
    std::thread::scope(|scope| {
        // Chunk buffers go back to the reader: no fresh pages (and page faults) per chunk.
        let (recycle_tx, recycle_rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let read = scope.spawn(move || reader(in_tx, recycle_rx));
        let write = scope.spawn(move || write_all(out_rx, output));
        let mut summary = BatchSummary::default();
        'chunks: for (bytes, chunk, data) in in_rx {
            for piece in chunk.chunks(PIECE) {
                let (pieces, done) = evaluate_chunk(context, &evaluate, piece, &data);
                add(&mut summary, piece.len() as u64, &done);
                if out_tx.send(pieces).is_err() {
                    break 'chunks;
                }
            }
            let _full_or_closed = recycle_tx.try_send(data);
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
const TASK: usize = 128;

/// Records evaluated and handed to the writer together: four tasks to balance two cores, and
/// a bound on the output held at once (a full explanation is about 13 KB a line).
const PIECE: usize = 4 * TASK;

fn evaluate_chunk<T, E>(
    context: &record::Context<'_>,
    evaluate: &E,
    chunk: &[(u64, T)],
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
    let error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::BrokenPipe => BatchError::OutputClosed,
        _ => BatchError::Write(e.to_string()),
    };
    for pieces in rx {
        for piece in pieces {
            output.write_all(&piece).map_err(error)?;
        }
    }
    output.flush().map_err(error)
}

/// One JSONL line: its bytes in the chunk's buffer, or only its length when it was longer
/// than the limit (the bytes beyond the limit were read and dropped, never kept).
pub(crate) enum Line {
    Text(std::ops::Range<usize>),
    TooLong(u64),
}

/// Reads JSONL lines in chunks of one buffer each; sends each chunk with the input bytes
/// consumed so far.
fn read_jsonl(
    mut input: Box<dyn BufRead + Send>,
    options: &BatchOptions,
    tx: mpsc::SyncSender<Sent<Line>>,
    recycled: &mpsc::Receiver<Vec<u8>>,
) -> Result<(), BatchError> {
    let chunk_size = options.chunk_size;
    let limit = options.limits.max_file_bytes;
    let mut line_no = 0u64;
    let mut bytes = 0u64;
    let mut chunk = Vec::with_capacity(chunk_size);
    let mut data: Vec<u8> = Vec::new();
    loop {
        let start = data.len();
        let (read, too_long) = read_line(&mut input, &mut data, limit).map_err(|e| BatchError::Read(e.to_string()))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        bytes += read;
        // A byte-order mark some editors write first is not part of the first case.
        let first = if line_no == 1 && data.get(start..start + 3) == Some(b"\xEF\xBB\xBF".as_slice()) {
            start + 3
        } else {
            start
        };
        match data.get(first..) {
            _ if too_long => chunk.push((line_no, Line::TooLong(read))),
            Some(line) if !line.iter().all(u8::is_ascii_whitespace) => {
                chunk.push((line_no, Line::Text(first..data.len())));
            }
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

/// Reads one line (up to and including `\n`) onto `data`, keeping at most `limit` bytes of
/// it: a longer line is read to its end but dropped. Returns the bytes read and whether the
/// line was dropped.
fn read_line(input: &mut dyn BufRead, data: &mut Vec<u8>, limit: usize) -> std::io::Result<(u64, bool)> {
    let start = data.len();
    let (mut read, mut too_long) = (0u64, false);
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            break;
        }
        let (piece, ends) = match memchr::memchr(b'\n', buffer) {
            Some(newline) => (buffer.get(..=newline).unwrap_or(buffer), true),
            None => (buffer, false),
        };
        let length = piece.len();
        if !too_long {
            if data.len() - start + length > limit.saturating_add(1) {
                too_long = true;
                data.truncate(start);
            } else {
                data.extend_from_slice(piece);
            }
        }
        input.consume(length);
        read += length as u64;
        if ends {
            break;
        }
    }
    Ok((read, too_long))
}

/// The buffer size for the next chunk: the last one's, with room to spare.
fn text_capacity(chunk: &Chunk<Line>) -> usize {
    let end = chunk.iter().rev().find_map(|(_, line)| match line {
        Line::Text(range) => Some(range.end),
        Line::TooLong(_) => None,
    });
    end.map(|end| end + end / 8).unwrap_or(1 << 20)
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
