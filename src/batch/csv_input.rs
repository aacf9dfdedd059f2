//! CSV input: a header row naming facts (and optionally `id` and `as_of`), one case per row.
//! Cells are converted by the declared fact types: `true`/`false` for booleans, integers for
//! counts, the text as written for decimals, money, dates, durations, texts and enums, JSON for
//! lists. An empty cell is an absent fact. A cell that does not fit is reported by validation,
//! naming the column, exactly as in a case file.

use std::io::BufRead;
use std::sync::mpsc;

use serde_json::{Map, Value as Json};

use super::{BatchError, Sent};
use crate::ir::{Program, Type};

/// One CSV row shaped as a case-file object, with its text for error messages.
pub(crate) struct Row {
    pub(crate) case: Json,
    pub(crate) text: String,
}

/// Reads CSV rows in chunks; sends each chunk with the input bytes consumed so far.
pub(crate) fn read(
    input: Box<dyn BufRead + Send>,
    program: &Program,
    chunk_size: usize,
    tx: mpsc::SyncSender<Sent<Row>>,
) -> Result<(), BatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| BatchError::Read(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
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

fn row(headers: &[String], types: &[Option<&Type>], record: &csv::StringRecord) -> Row {
    let mut case = Map::new();
    let mut facts = Map::new();
    for ((header, ty), cell) in headers.iter().zip(types).zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        match (header.as_str(), ty) {
            ("id", None) => {
                let id = cell.parse::<i64>().map(Json::from).unwrap_or_else(|_| Json::from(cell));
                case.insert("id".into(), id);
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
    }
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
