//! Arrow columns in, conclusion columns out.
//!
//! `ruling.evaluate_arrow` (Python) hands over each input column as its Arrow buffers (validity
//! bitmap, values, offsets) through the buffer protocol: they are read where pyarrow keeps them,
//! never turned into Python objects. Each row becomes the JSON line `ruling batch` would read
//! (`{"id":…,"as_of":…,"facts":{…}}`, a null cell being an absent fact), or, with a case
//! column, that column's text is the line. The lines are evaluated in parallel without the
//! GIL, and each requested conclusion comes back as the buffers of one Arrow column (`bool`,
//! `int64` or `string`; unknown → null), which pyarrow wraps without copying.

use pyo3::buffer::{PyBuffer, ReadOnlyCell};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use rayon::prelude::*;
use ruling::batch::{BatchOptions, Records};
use ruling::ir::{Program, Type};
use ruling::RuleSet;
use serde_json::Value;

use crate::convert::write_json;

/// One input column: name, kind (`bool`, `i8`…`i64`, `u8`…`u64`, `f32`, `f64`, `utf8`,
/// `large_utf8`, `json`, `large_json`, `date32`, `null`), slice offset, and its buffers — a
/// dict with these keys.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct InColumn {
    name: String,
    kind: String,
    offset: usize,
    validity: Option<PyBuffer<u8>>,
    values: Option<PyBuffer<u8>>,
    offsets: Option<PyBuffer<u8>>,
}

/// The declared type of a conclusion, as `RuleSet.conclusions()` names it, and the Arrow
/// column it becomes: `bool` → bool, `count`/`integer` → int64, anything else → string.
pub(crate) fn type_name(program: &Program, ty: &Type) -> String {
    match ty {
        Type::Optional(inner) => type_name(program, inner),
        other => program.type_name(other),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OutKind {
    Bool,
    Int,
    Text,
}

fn out_kind(program: &Program, name: &str) -> OutKind {
    let ty = program.rule_id(name).and_then(|id| program.rule(id)).map(|r| &r.ty);
    let mut ty = ty;
    while let Some(Type::Optional(inner)) = ty {
        ty = Some(inner);
    }
    match ty {
        Some(Type::Bool) => OutKind::Bool,
        Some(Type::Count | Type::Integer) => OutKind::Int,
        _ => OutKind::Text,
    }
}

/// A buffer read in place.
struct Bytes<'a>(&'a [ReadOnlyCell<u8>]);

impl Bytes<'_> {
    fn byte(&self, i: usize) -> u8 {
        self.0.get(i).map_or(0, ReadOnlyCell::get)
    }
    fn bit(&self, i: usize) -> bool {
        (self.byte(i / 8) >> (i % 8)) & 1 == 1
    }
    fn array<const N: usize>(&self, index: usize) -> [u8; N] {
        let mut out = [0u8; N];
        for (k, b) in out.iter_mut().enumerate() {
            *b = self.byte(index * N + k);
        }
        out
    }
    fn range(&self, start: usize, end: usize) -> Vec<u8> {
        self.0
            .get(start..end)
            .map(|cells| cells.iter().map(ReadOnlyCell::get).collect())
            .unwrap_or_default()
    }
}

fn slice<'a>(py: Python<'a>, buffer: Option<&'a PyBuffer<u8>>, name: &str) -> PyResult<Option<Bytes<'a>>> {
    match buffer {
        None => Ok(None),
        Some(b) => b
            .as_slice(py)
            .map(|s| Some(Bytes(s)))
            .ok_or_else(|| PyValueError::new_err(format!("column `{name}`: buffer not contiguous"))),
    }
}

/// A column ready to be read row by row.
struct Reader<'a> {
    name: &'a str,
    kind: &'a str,
    offset: usize,
    validity: Option<Bytes<'a>>,
    values: Option<Bytes<'a>>,
    offsets: Option<Bytes<'a>>,
}

impl Reader<'_> {
    fn is_null(&self, row: usize) -> bool {
        self.kind == "null" || self.validity.as_ref().is_some_and(|v| !v.bit(self.offset + row))
    }

    /// The bytes of a string cell.
    fn text(&self, row: usize, large: bool) -> Vec<u8> {
        let (Some(offsets), Some(values)) = (&self.offsets, &self.values) else {
            return Vec::new();
        };
        let i = self.offset + row;
        let (start, end) = if large {
            (
                i64::from_le_bytes(offsets.array::<8>(i)),
                i64::from_le_bytes(offsets.array::<8>(i + 1)),
            )
        } else {
            (
                i64::from(i32::from_le_bytes(offsets.array::<4>(i))),
                i64::from(i32::from_le_bytes(offsets.array::<4>(i + 1))),
            )
        };
        values.range(usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0))
    }

    /// Appends the cell as a JSON value.
    fn write(&self, row: usize, out: &mut Vec<u8>) -> PyResult<()> {
        let i = self.offset + row;
        let Some(values) = &self.values else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        match self.kind {
            "bool" => out.extend_from_slice(if values.bit(i) { b"true" } else { b"false" }),
            "i8" => write_json(out, &i8::from_le_bytes(values.array::<1>(i))),
            "i16" => write_json(out, &i16::from_le_bytes(values.array::<2>(i))),
            "i32" => write_json(out, &i32::from_le_bytes(values.array::<4>(i))),
            "i64" => write_json(out, &i64::from_le_bytes(values.array::<8>(i))),
            "u8" => write_json(out, &values.byte(i)),
            "u16" => write_json(out, &u16::from_le_bytes(values.array::<2>(i))),
            "u32" => write_json(out, &u32::from_le_bytes(values.array::<4>(i))),
            "u64" => write_json(out, &u64::from_le_bytes(values.array::<8>(i))),
            "f32" | "f64" => {
                let f = if self.kind == "f32" {
                    f64::from(f32::from_le_bytes(values.array::<4>(i)))
                } else {
                    f64::from_le_bytes(values.array::<8>(i))
                };
                if !f.is_finite() {
                    return Err(PyValueError::new_err(format!(
                        "column `{}`, row {row}: {f} is not a number a case can hold",
                        self.name
                    )));
                }
                // pandas keeps a column of integers with gaps as floats: 250.0 is written 250.
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    write_json(out, &(f as i64));
                } else {
                    write_json(out, &f);
                }
            }
            "utf8" | "large_utf8" => {
                let bytes = self.text(row, self.kind == "large_utf8");
                write_json(out, &String::from_utf8_lossy(&bytes));
            }
            "json" | "large_json" => out.extend_from_slice(&self.text(row, self.kind == "large_json")),
            "date32" => write_json(out, &civil(i32::from_le_bytes(values.array::<4>(i)))),
            other => {
                return Err(PyValueError::new_err(format!(
                    "column `{}`: unsupported kind `{other}`",
                    self.name
                )))
            }
        }
        Ok(())
    }
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (the proleptic Gregorian calendar).
fn civil(days: i32) -> String {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// One output cell.
enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

/// Evaluates `rows` rows; returns `[(name, kind, validity, values, offsets)]`, one per output
/// and then `error` (the error record's `error` object as JSON text, null for a result).
pub(crate) fn evaluate<'py>(
    py: Python<'py>,
    rules: &RuleSet,
    options: &BatchOptions,
    rows: usize,
    columns: &[InColumn],
    outputs: &[String],
    case_column: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    let mut readers = Vec::with_capacity(columns.len());
    for c in columns {
        readers.push(Reader {
            name: &c.name,
            kind: &c.kind,
            offset: c.offset,
            validity: slice(py, c.validity.as_ref(), &c.name)?,
            values: slice(py, c.values.as_ref(), &c.name)?,
            offsets: slice(py, c.offsets.as_ref(), &c.name)?,
        });
    }
    let lines = lines(rows, &readers, case_column)?;
    let program = rules.program();
    let kinds: Vec<OutKind> = outputs.iter().map(|o| out_kind(program, o)).collect();
    let table = py.allow_threads(|| {
        let records = Records::new(rules, options);
        records
            .lines(&lines, 1)
            .into_par_iter()
            .map(|record| row(&record, outputs, &kinds))
            .collect::<Result<Vec<_>, String>>()
    });
    let table = table.map_err(PyValueError::new_err)?;
    let result = PyList::empty(py);
    for (k, (name, kind)) in outputs.iter().zip(&kinds).enumerate() {
        let column = table.iter().map(|(cells, _)| cells.get(k).unwrap_or(&Cell::Null));
        result.append(build(py, name, *kind, rows, column)?)?;
    }
    let errors: Vec<Cell> = table
        .iter()
        .map(|(_, e)| e.clone().map_or(Cell::Null, Cell::Text))
        .collect();
    result.append(build(py, "error", OutKind::Text, rows, errors.iter())?)?;
    Ok(result)
}

/// The JSON line of each row.
fn lines(rows: usize, readers: &[Reader<'_>], case_column: Option<&str>) -> PyResult<Vec<Vec<u8>>> {
    let mut lines = Vec::with_capacity(rows);
    if let Some(name) = case_column {
        let reader = readers
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| PyValueError::new_err(format!("no column `{name}`")))?;
        let large = matches!(reader.kind, "large_utf8" | "large_json");
        if !matches!(reader.kind, "utf8" | "large_utf8" | "json" | "large_json") {
            return Err(PyValueError::new_err(format!(
                "the case column `{name}` is not a string column"
            )));
        }
        for row in 0..rows {
            lines.push(if reader.is_null(row) {
                b"{}".to_vec()
            } else {
                reader.text(row, large)
            });
        }
        return Ok(lines);
    }
    let id = readers.iter().find(|r| r.name == "id");
    let as_of = readers.iter().find(|r| r.name == "as_of");
    let facts: Vec<&Reader<'_>> = readers.iter().filter(|r| r.name != "id" && r.name != "as_of").collect();
    let keys: Vec<Vec<u8>> = facts
        .iter()
        .map(|r| {
            let mut key = Vec::new();
            write_json(&mut key, r.name);
            key.push(b':');
            key
        })
        .collect();
    for row in 0..rows {
        let mut line = Vec::with_capacity(256);
        line.push(b'{');
        if let Some(id) = id.filter(|r| !r.is_null(row)) {
            line.extend_from_slice(b"\"id\":");
            id.write(row, &mut line)?;
            line.push(b',');
        }
        if let Some(as_of) = as_of.filter(|r| !r.is_null(row)) {
            line.extend_from_slice(b"\"as_of\":");
            as_of.write(row, &mut line)?;
            line.push(b',');
        }
        line.extend_from_slice(b"\"facts\":{");
        let mut first = true;
        for (reader, key) in facts.iter().zip(&keys) {
            if reader.is_null(row) {
                continue;
            }
            if !std::mem::take(&mut first) {
                line.push(b',');
            }
            line.extend_from_slice(key);
            reader.write(row, &mut line)?;
        }
        line.extend_from_slice(b"}}");
        lines.push(line);
    }
    Ok(lines)
}

/// The requested conclusions of one record, or its error.
fn row(record: &[u8], outputs: &[String], kinds: &[OutKind]) -> Result<(Vec<Cell>, Option<String>), String> {
    let value: Value = serde_json::from_slice(record).map_err(|e| format!("internal: unreadable record: {e}"))?;
    let Some(conclusions) = value.get("conclusions") else {
        let error = value.get("error").map(Value::to_string);
        return Ok((Vec::new(), error));
    };
    let mut cells = Vec::with_capacity(outputs.len());
    for (name, kind) in outputs.iter().zip(kinds) {
        let cell = match (conclusions.get(name), kind) {
            (None | Some(Value::Null), _) => Cell::Null,
            (Some(Value::Bool(b)), OutKind::Bool) => Cell::Bool(*b),
            (Some(v), OutKind::Int) => match v.as_i64() {
                Some(i) => Cell::Int(i),
                None => return Err(format!("conclusion `{name}`: {v} does not fit a 64-bit integer")),
            },
            (Some(Value::String(s)), _) => Cell::Text(s.clone()),
            (Some(v), _) => Cell::Text(v.to_string()),
        };
        cells.push(cell);
    }
    Ok((cells, None))
}

/// `(name, kind, validity, values, offsets)` of one output column.
fn build<'py, 'c>(
    py: Python<'py>,
    name: &str,
    kind: OutKind,
    rows: usize,
    cells: impl Iterator<Item = &'c Cell>,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut validity = vec![0u8; rows.div_ceil(8)];
    let mut values: Vec<u8> = match kind {
        OutKind::Bool => vec![0u8; rows.div_ceil(8)],
        OutKind::Int => Vec::with_capacity(rows * 8),
        OutKind::Text => Vec::new(),
    };
    let mut offsets: Vec<u8> = Vec::new();
    if kind == OutKind::Text {
        offsets.reserve((rows + 1) * 4);
        offsets.extend_from_slice(&0i32.to_le_bytes());
    }
    for (i, cell) in cells.enumerate().take(rows) {
        let set = |bits: &mut Vec<u8>| {
            if let Some(byte) = bits.get_mut(i / 8) {
                *byte |= 1 << (i % 8);
            }
        };
        if !matches!(cell, Cell::Null) {
            set(&mut validity);
        }
        match kind {
            OutKind::Bool => {
                if matches!(cell, Cell::Bool(true)) {
                    set(&mut values);
                }
            }
            OutKind::Int => {
                let v = if let Cell::Int(v) = cell { *v } else { 0 };
                values.extend_from_slice(&v.to_le_bytes());
            }
            OutKind::Text => {
                if let Cell::Text(s) = cell {
                    values.extend_from_slice(s.as_bytes());
                }
                let end = i32::try_from(values.len()).map_err(|_| {
                    PyValueError::new_err(format!("column `{name}`: more than 2 GiB of text in one batch"))
                })?;
                offsets.extend_from_slice(&end.to_le_bytes());
            }
        }
    }
    let kind = match kind {
        OutKind::Bool => "bool",
        OutKind::Int => "int64",
        OutKind::Text => "string",
    };
    let offsets = if offsets.is_empty() {
        py.None().into_bound(py)
    } else {
        PyBytes::new(py, &offsets).into_any()
    };
    PyTuple::new(
        py,
        [
            name.into_pyobject(py)?.into_any(),
            kind.into_pyobject(py)?.into_any(),
            PyBytes::new(py, &validity).into_any(),
            PyBytes::new(py, &values).into_any(),
            offsets,
        ],
    )
}
