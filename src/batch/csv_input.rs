//! CSV input: a header row naming facts (and optionally `id` and `as_of`), one case per row.
//! Cells are converted by the declared fact types: `true`/`false` for booleans, integers for
//! counts, the text as written for decimals, money, dates, durations, texts and enums, JSON for
//! lists. An empty cell is an absent fact. A cell that does not fit is reported by validation,
//! naming the column, exactly as in a case file.

use std::io::{BufRead, Read};
use std::sync::mpsc;

use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::record::ErrorInfo;
use super::{BatchError, BatchOptions, Sent};
use crate::ir::{Program, Type};

/// One CSV row shaped as a case-file object, with its text for error messages.
pub(crate) struct Row {
    pub(crate) case: Json,
    pub(crate) text: String,
    /// The `id` cell as JSON: a number when it is written as an integer JSON would write,
    /// else the text.
    pub(crate) id: Option<Box<RawValue>>,
    /// Why the row cannot be a case (cells missing or too many).
    pub(crate) problem: Option<ErrorInfo>,
}

/// Reads CSV rows in chunks; sends each chunk with the input bytes consumed so far.
pub(crate) fn read(
    input: Box<dyn BufRead + Send>,
    program: &Program,
    options: &BatchOptions,
    tx: mpsc::SyncSender<Sent<Row>>,
) -> Result<(), BatchError> {
    let chunk_size = options.chunk_size;
    let guarded = LineGuard {
        input,
        limit: options.limits.max_file_bytes,
        since_newline: 0,
        line: 1,
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(guarded);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| BatchError::Read(e.to_string()))?
        .iter()
        .map(|h| unicode_normalization::UnicodeNormalization::nfc(h.trim().trim_start_matches('\u{feff}')).collect())
        .collect();
    for (second, name) in headers.iter().enumerate() {
        if let Some(first) = headers.iter().take(second).position(|h| h == name) {
            return Err(BatchError::DuplicateColumn {
                name: name.clone(),
                first: first + 1,
                second: second + 1,
            });
        }
    }
    let types: Vec<Option<&Type>> = headers
        .iter()
        .map(|h| program.fact_id(h).and_then(|id| program.fact(id)).map(|f| &f.ty))
        .collect();
    let mut chunk = Vec::with_capacity(chunk_size);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(BatchError::Read(e.to_string())),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        chunk.push((line, row(&headers, &types, &record)));
        if chunk.len() >= chunk_size {
            let bytes = record.position().map(|p| p.byte()).unwrap_or(0);
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size));
            if tx.send((bytes, full, Vec::new())).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let bytes = reader.position().byte();
        let _closed = tx.send((bytes, chunk, Vec::new()));
    }
    Ok(())
}

/// Stops reading at a line longer than the limit on a case document (the CSV reader would
/// hold it all in memory: `--input /dev/zero`).
struct LineGuard {
    input: Box<dyn BufRead + Send>,
    limit: usize,
    since_newline: usize,
    line: u64,
}

impl Read for LineGuard {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.input.read(buffer)?;
        for byte in buffer.get(..read).unwrap_or_default() {
            if *byte == b'\n' {
                self.since_newline = 0;
                self.line += 1;
            } else {
                self.since_newline += 1;
            }
            if self.since_newline > self.limit {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {} is longer than the limit of {} bytes on a case (`CaseLimits::max_file_bytes`)",
                        self.line, self.limit
                    ),
                ));
            }
        }
        Ok(read)
    }
}

fn row(headers: &[String], types: &[Option<&Type>], record: &csv::StringRecord) -> Row {
    let mut case = Map::new();
    let mut facts = Map::new();
    let mut id = None;
    for ((header, ty), cell) in headers.iter().zip(types).zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        match (header.as_str(), ty) {
            ("id", None) => {
                let json = match cell.parse::<i64>() {
                    Ok(number) if number.to_string() == cell => Json::from(number),
                    _ => Json::from(cell),
                };
                id = RawValue::from_string(json.to_string()).ok();
                case.insert("id".into(), json);
            }
            ("as_of", None) => {
                case.insert("as_of".into(), Json::from(cell));
            }
            (_, Some(ty)) => {
                facts.insert(header.clone(), cell_value(ty, cell));
            }
            (_, None) => {
                facts.insert(header.clone(), Json::from(cell));
            }
        }
    }
    case.insert("facts".into(), Json::Object(facts));
    let text = record.iter().collect::<Vec<_>>().join(",");
    Row {
        case: Json::Object(case),
        text,
        id,
        problem: ragged(headers, record),
    }
}

/// A row with more or fewer cells than the header has columns.
fn ragged(headers: &[String], record: &csv::StringRecord) -> Option<ErrorInfo> {
    let (columns, cells) = (headers.len(), record.len());
    let detail = match cells.cmp(&columns) {
        std::cmp::Ordering::Equal => return None,
        std::cmp::Ordering::Greater => {
            let extra: Vec<String> = record.iter().skip(columns).map(|c| format!("`{c}`")).collect();
            format!("extra cell(s) {}", extra.join(", "))
        }
        std::cmp::Ordering::Less => {
            let missing: Vec<String> = headers.iter().skip(cells).map(|h| format!("`{h}`")).collect();
            format!("no cell for {}", missing.join(", "))
        }
    };
    Some(ErrorInfo {
        code: String::from("ruling::batch::ragged_row"),
        message: format!("the row has {cells} cell(s), the header {columns} column(s): {detail}"),
        path: String::new(),
    })
}

/// A cell as the JSON a case file would hold for a fact of this type.
fn cell_value(ty: &Type, cell: &str) -> Json {
    let trimmed = cell.trim();
    match ty.strip_optional() {
        Type::Bool => match trimmed {
            "true" | "TRUE" | "True" | "1" => Json::Bool(true),
            "false" | "FALSE" | "False" | "0" => Json::Bool(false),
            _ => Json::from(cell),
        },
        Type::Count | Type::Integer => trimmed
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| Json::from(cell)),
        Type::List(_) | Type::Record(_) => serde_json::from_str(trimmed).unwrap_or_else(|_| Json::from(cell)),
        _ => Json::from(trimmed),
    }
}
