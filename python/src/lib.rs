//! `ruling._ruling`: the extension module of the `ruling` Python package.
//!
//! Every evaluation goes through `ruling::batch::Records`, the code that writes `ruling batch`
//! records, so a result dict is `json.loads` of the record `ruling batch` writes for the same
//! case and options. Python values are turned into that JSON line while the GIL is held;
//! evaluation runs without it, in parallel (rayon) for many cases.

mod arrow;
mod convert;
mod errors;

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ruling::batch::{BatchOptions, Records};
use ruling::{ExplainMode, RuleSet as Rules};

use crate::convert::{json_to_py, record_to_py, write_py, Keys};
use crate::errors::{load_error, record_error};

/// Cases converted, evaluated and turned back into dicts together by `evaluate_many`.
const CHUNK: usize = 4096;

/// The lines of a chunk and their records.
type Parsed = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// Up to `size` cases of `input` as lines (empty at the end).
fn next_chunk(input: &mut Bound<'_, pyo3::types::PyIterator>, size: usize) -> PyResult<Vec<Vec<u8>>> {
    let mut lines = Vec::with_capacity(size);
    for case in input.by_ref().take(size) {
        let mut line = Vec::with_capacity(512);
        write_py(&mut line, &case?, 0)?;
        lines.push(line);
    }
    Ok(lines)
}

/// A loaded and checked rule set.
#[pyclass(module = "ruling", name = "RuleSet", frozen)]
struct RuleSet {
    rules: Rules,
}

/// The options of one call, as `ruling batch` takes them.
fn batch_options(
    rules: &Rules,
    as_of: Option<&str>,
    questions: Option<Vec<String>>,
    explain: &str,
    explain_format: &str,
) -> PyResult<BatchOptions> {
    let explain = match explain {
        "none" => ExplainMode::None,
        "outcome" => ExplainMode::Outcome,
        "full" => ExplainMode::Full,
        other => {
            return Err(PyValueError::new_err(format!(
                "explain must be \"none\", \"outcome\" or \"full\", not {other:?}"
            )))
        }
    };
    let trees = match explain_format {
        "trace" => false,
        "tree" => true,
        other => {
            return Err(PyValueError::new_err(format!(
                "explain_format must be \"trace\" or \"tree\", not {other:?}"
            )))
        }
    };
    if trees && explain == ExplainMode::None {
        // As `ruling batch`: a format for explanations that are not written would be ignored.
        return Err(PyValueError::new_err(
            "explain_format=\"tree\" says how explanations are written: pass explain=\"outcome\" or \"full\"",
        ));
    }
    let as_of = match as_of {
        None => None,
        Some(text) => Some(
            ruling::value::parse_date(text)
                .ok_or_else(|| PyValueError::new_err(format!("as_of {text:?} is not a date YYYY-MM-DD")))?,
        ),
    };
    let questions = questions.unwrap_or_default();
    if let Some(unknown) = questions.iter().find(|q| rules.program().rule_id(q).is_none()) {
        let names: Vec<&str> = rules.program().rules.iter().map(|r| r.name.as_str()).collect();
        let help = ruling::suggest::help_line(unknown, names).unwrap_or_default();
        return Err(PyValueError::new_err(
            format!("{unknown:?} is not a conclusion of the rule set {help}")
                .trim_end()
                .to_string(),
        ));
    }
    Ok(BatchOptions {
        explain,
        as_of,
        questions,
        trees,
        ..BatchOptions::default()
    })
}

/// A date argument: `None`, a `str` or anything with `isoformat()` (a `datetime.date`).
fn date_text(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => match v.extract::<String>() {
            Ok(text) => Ok(Some(text)),
            Err(_) => Ok(Some(v.call_method0("isoformat")?.extract::<String>()?)),
        },
    }
}

/// Whether a record is an error record (`{"id"?, "line", "error"}`: results never name `line`).
fn is_error_record(record: &[u8]) -> bool {
    let top: Result<std::collections::HashMap<&str, &serde_json::value::RawValue>, _> = serde_json::from_slice(record);
    top.is_ok_and(|t| t.contains_key("error") && !t.contains_key("conclusions"))
}

/// The exception of an error record.
fn raise_record(py: Python<'_>, rules: &Rules, line: &[u8], options: &BatchOptions, record: &[u8]) -> PyErr {
    let value: serde_json::Value = serde_json::from_slice(record).unwrap_or_default();
    record_error(
        py,
        rules,
        line,
        options,
        value.get("error").unwrap_or(&serde_json::Value::Null),
    )
}

#[pymethods]
impl RuleSet {
    /// Loads and checks the rule files under `path` (a directory or one `.rule` file).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<RuleSet> {
        let loaded = py.allow_threads(|| Rules::load(&path));
        loaded.map(|rules| RuleSet { rules }).map_err(|e| load_error(py, &e))
    }

    /// Loads and checks rule files given as `(file name, source text)` pairs (`ruling.rule_sources`).
    #[staticmethod]
    fn from_sources(py: Python<'_>, sources: Vec<(String, String)>) -> PyResult<RuleSet> {
        let loaded = py.allow_threads(|| Rules::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str()))));
        loaded.map(|rules| RuleSet { rules }).map_err(|e| load_error(py, &e))
    }

    /// Evaluates one case: the dict of the `ruling batch` record for it.
    #[pyo3(signature = (case, *, as_of=None, questions=None, explain="none", explain_format="trace"))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        case: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        questions: Option<Vec<String>>,
        explain: &str,
        explain_format: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = date_text(as_of)?;
        let options = batch_options(&self.rules, as_of.as_deref(), questions, explain, explain_format)?;
        let mut line = Vec::with_capacity(512);
        write_py(&mut line, case, 0)?;
        let rules = &self.rules;
        let (record, error) = py.allow_threads(|| {
            let records = Records::new(rules, &options);
            let mut out = Vec::with_capacity(1024);
            let error = records.line(&mut records.worker(), &line, 1, &mut out);
            (out, error)
        });
        if error {
            return Err(raise_record(py, rules, &line, &options, &record));
        }
        record_to_py(py, &record, &mut Keys::default())
    }

    /// Evaluates many cases in parallel without the GIL: one dict per case, in order.
    /// `errors="record"` returns a bad case's error record; `"raise"` raises its exception.
    #[pyo3(signature = (cases, *, as_of=None, questions=None, explain="none", explain_format="trace", errors="record"))]
    #[allow(clippy::too_many_arguments, reason = "the keyword arguments of the Python method")]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        cases: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        questions: Option<Vec<String>>,
        explain: &str,
        explain_format: &str,
        errors: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let raise = match errors {
            "record" => false,
            "raise" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "errors must be \"record\" or \"raise\", not {other:?}"
                )))
            }
        };
        let as_of = date_text(as_of)?;
        let options = batch_options(&self.rules, as_of.as_deref(), questions, explain, explain_format)?;
        // The dicts made here hold no cycles: the cyclic garbage collector, which would walk
        // every dict made so far again and again as the list grows, is paused meanwhile.
        let gc = py.import("gc")?;
        let was_enabled = gc.call_method0("isenabled")?.is_truthy()?;
        if was_enabled {
            gc.call_method0("disable")?;
        }
        let result = evaluate_chunks(py, &self.rules, cases, &options, raise);
        if was_enabled {
            gc.call_method0("enable")?;
        }
        result
    }
    /// The catalog of the rule set's explanations (`ruling catalog`).
    fn catalog<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(self.rules.catalog())
            .map_err(|e| PyValueError::new_err(format!("internal: catalog: {e}")))?;
        json_to_py(py, &value, &mut Keys::default())
    }

    /// The JSON Schema of case files (`ruling schema`), or of results with `conclusions=True`.
    #[pyo3(signature = (*, conclusions=false))]
    fn schema<'py>(&self, py: Python<'py>, conclusions: bool) -> PyResult<Bound<'py, PyAny>> {
        let value = if conclusions {
            ruling::schema::result_schema(self.rules.program())
        } else {
            ruling::schema::case_schema(self.rules.program())
        };
        json_to_py(py, &value, &mut Keys::default())
    }

    /// The conclusions (rules) in declaration order, each with its declared type:
    /// `{"cl286_1_established": "bool", …}`.
    fn conclusions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let program = self.rules.program();
        let dict = PyDict::new(py);
        for rule in &program.rules {
            dict.set_item(&rule.name, arrow::type_name(program, &rule.ty))?;
        }
        Ok(dict)
    }

    /// The facts in declaration order, each with its declared type.
    fn facts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let program = self.rules.program();
        let dict = PyDict::new(py);
        for fact in &program.facts {
            dict.set_item(&fact.name, program.type_name(&fact.ty))?;
        }
        Ok(dict)
    }

    /// Evaluates Arrow columns (see `ruling.evaluate_arrow`, which prepares them).
    #[pyo3(signature = (rows, columns, outputs, *, case_column=None, as_of=None))]
    fn _evaluate_columns<'py>(
        &self,
        py: Python<'py>,
        rows: usize,
        columns: Vec<arrow::InColumn>,
        outputs: Vec<String>,
        case_column: Option<String>,
        as_of: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let as_of = date_text(as_of)?;
        let options = batch_options(&self.rules, as_of.as_deref(), Some(outputs.clone()), "none", "trace")?;
        arrow::evaluate(
            py,
            &self.rules,
            &options,
            rows,
            &columns,
            &outputs,
            case_column.as_deref(),
        )
    }

    fn __repr__(&self) -> String {
        let p = self.rules.program();
        format!(
            "<ruling.RuleSet: {} fact(s), {} rule(s), {} exception(s)>",
            p.facts.len(),
            p.rules.len(),
            p.exceptions.len()
        )
    }
}

/// `evaluate_many` proper.
fn evaluate_chunks<'py>(
    py: Python<'py>,
    rules: &Rules,
    cases: &Bound<'py, PyAny>,
    options: &BatchOptions,
    raise: bool,
) -> PyResult<Bound<'py, PyList>> {
    let records = Records::new(rules, options);
    let result = PyList::empty(py);
    let mut keys = Keys::default();
    let mut input = cases.try_iter()?;
    // A pipeline: while this thread (holding the GIL) turns one chunk's records into dicts
    // and the next chunk's dicts into lines, another evaluates the chunk in between (rayon).
    let (to_eval, eval_rx) = std::sync::mpsc::sync_channel::<(u64, Vec<Vec<u8>>)>(1);
    let (to_py, py_rx) = std::sync::mpsc::sync_channel::<Parsed>(1);
    // Behind a mutex only to be `Sync` for `allow_threads`; this thread alone receives.
    let py_rx = std::sync::Mutex::new(py_rx);
    let receive = || py_rx.lock().map_err(|_| ()).and_then(|rx| rx.recv().map_err(|_| ()));
    std::thread::scope(|scope| -> PyResult<()> {
        let records = &records;
        scope.spawn(move || {
            for (first, lines) in eval_rx {
                let evaluated = records.lines(&lines, first);
                if to_py.send((lines, evaluated)).is_err() {
                    break;
                }
            }
        });
        let mut number = 1u64;
        let mut in_flight = 0usize;
        let mut done = false;
        let outcome = 'pipeline: loop {
            // Keep one chunk being evaluated while the previous one is converted.
            while !done && in_flight < 2 {
                match next_chunk(&mut input, CHUNK) {
                    Ok(lines) if lines.is_empty() => done = true,
                    Ok(lines) => {
                        let first = number;
                        number += lines.len() as u64;
                        let sent = py.allow_threads(|| to_eval.send((first, lines)));
                        if sent.is_err() {
                            done = true;
                        } else {
                            in_flight += 1;
                        }
                    }
                    Err(e) => break 'pipeline Err(e),
                }
            }
            if in_flight == 0 {
                break Ok(());
            }
            let Ok((lines, evaluated)) = py.allow_threads(receive) else {
                break Err(PyValueError::new_err("internal: the evaluation thread stopped"));
            };
            in_flight -= 1;
            let mut failed = None;
            for (record, line) in evaluated.iter().zip(lines.iter()) {
                if raise && is_error_record(record) {
                    failed = Some(raise_record(py, rules, line, options, record));
                    break;
                }
                if let Err(e) = record_to_py(py, record, &mut keys).and_then(|d| result.append(d)) {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(e) = failed {
                break Err(e);
            }
        };
        drop(to_eval);
        // Let the evaluation thread finish its chunk without the GIL.
        py.allow_threads(|| while receive().is_ok() {});
        outcome
    })?;
    Ok(result)
}

/// The extension module.
#[pymodule]
fn _ruling(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<RuleSet>()?;
    m.add("RulingError", py.get_type::<errors::RulingError>())?;
    m.add("RuleError", py.get_type::<errors::RuleError>())?;
    m.add("FactsError", py.get_type::<errors::FactsError>())?;
    m.add("EvalError", py.get_type::<errors::EvalError>())?;
    Ok(())
}
