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

use crate::convert::{json_to_py, write_py, Keys};
use crate::errors::{load_error, record_error};

/// Cases converted, evaluated and turned back into dicts together by `evaluate_many`.
const CHUNK: usize = 4096;

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

/// `"ruling::case::type_mismatch"` → the record's `error` object, if the record is one.
fn error_of(record: &serde_json::Value) -> Option<&serde_json::Value> {
    record.get("error").filter(|_| record.get("conclusions").is_none())
}

#[pymethods]
impl RuleSet {
    /// Loads and checks the rule files under `path` (a directory or one `.rule` file).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<RuleSet> {
        let loaded = py.allow_threads(|| Rules::load(&path));
        loaded.map(|rules| RuleSet { rules }).map_err(|e| load_error(py, &e))
    }

    /// Loads and checks rule files given as `{file name: source text}`.
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
        let record = py.allow_threads(|| {
            let records = Records::new(rules, &options);
            let mut out = Vec::with_capacity(1024);
            records.line(&mut records.worker(), &line, 1, &mut out);
            serde_json::from_slice::<serde_json::Value>(&out)
        });
        let record = record.map_err(|e| PyValueError::new_err(format!("internal: unreadable record: {e}")))?;
        if let Some(error) = error_of(&record) {
            return Err(record_error(py, rules, &line, &options, error));
        }
        json_to_py(py, &record, &mut Keys::default())
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
        let rules = &self.rules;
        let records = Records::new(rules, &options);
        let result = PyList::empty(py);
        let mut keys = Keys::default();
        let mut lines: Vec<Vec<u8>> = Vec::with_capacity(CHUNK);
        let mut number = 1u64;
        let mut flush = |lines: &mut Vec<Vec<u8>>, number: &mut u64| -> PyResult<()> {
            let first = *number;
            let parsed = py.allow_threads(|| {
                use rayon::prelude::*;
                records
                    .lines(lines, first)
                    .into_par_iter()
                    .map(|out| serde_json::from_slice::<serde_json::Value>(&out))
                    .collect::<Result<Vec<_>, _>>()
            });
            let parsed = parsed.map_err(|e| PyValueError::new_err(format!("internal: unreadable record: {e}")))?;
            for (record, line) in parsed.iter().zip(lines.iter()) {
                if raise {
                    if let Some(error) = error_of(record) {
                        return Err(record_error(py, rules, line, &options, error));
                    }
                }
                result.append(json_to_py(py, record, &mut keys)?)?;
            }
            *number += lines.len() as u64;
            lines.clear();
            Ok(())
        };
        for case in cases.try_iter()? {
            let mut line = Vec::with_capacity(512);
            write_py(&mut line, &case?, 0)?;
            lines.push(line);
            if lines.len() >= CHUNK {
                flush(&mut lines, &mut number)?;
            }
        }
        if !lines.is_empty() {
            flush(&mut lines, &mut number)?;
        }
        Ok(result)
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
