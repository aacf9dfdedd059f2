//! One input record → one output line: a result, or an error record.

use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::{csv_input::Row, eval_options, fast, timed, BatchOptions, Done};
use crate::eval::{EvalError, Evaluator, ExplainMode, Options, PreparedCase};
use crate::facts::{Case, CaseError, CaseFormat, CaseLimits, CaseOrigin};
use crate::ir::Program;
use crate::ruleset::RuleSet;

/// What every worker shares: the rules, the options and precomputed output keys.
pub(crate) struct Context<'r> {
    rules: &'r RuleSet,
    program: &'r Program,
    options: Options,
    measure: bool,
    /// Limits on each line, as on a case file.
    limits: CaseLimits,
    /// Explanations as trees (else as compact traces naming the catalog).
    trees: bool,
    index: fast::FactIndex<'r>,
    /// `"name":` of each conclusion, JSON-encoded once.
    keys: Vec<Vec<u8>>,
}

/// What one parallel task evaluates with.
pub(crate) struct Worker {
    evaluator: Evaluator,
    scratch: fast::Scratch,
}

/// The `error` object of an error record.
#[derive(Clone)]
pub(crate) struct ErrorInfo {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) path: String,
}

impl<'r> Context<'r> {
    pub(crate) fn new(rules: &'r RuleSet, options: &BatchOptions) -> Self {
        let program = rules.program();
        let keys = program
            .rules
            .iter()
            .map(|r| {
                let mut key = serde_json::to_vec(&r.name).unwrap_or_default();
                key.push(b':');
                key
            })
            .collect();
        Context {
            rules,
            program,
            options: eval_options(options),
            measure: options.measure,
            limits: options.limits,
            trees: options.trees,
            index: fast::index(program),
            keys,
        }
    }

    /// A fresh worker (one per parallel task).
    pub(crate) fn worker(&self) -> Worker {
        Worker {
            evaluator: self.rules.evaluator(&self.options),
            scratch: fast::Scratch::new(),
        }
    }

    /// One JSONL line.
    pub(crate) fn jsonl_line(&self, worker: &mut Worker, line: &[u8], n: u64, out: &mut Vec<u8>) -> Done {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(e) => {
                let error = CaseError::NotUtf8 {
                    name: format!("line {n}"),
                    offset: e.valid_up_to(),
                };
                return self.error(None, n, case_error_info(&error), out);
            }
        };
        let Worker { evaluator, scratch } = worker;
        let Some(parsed) = fast::parse(self.program, &self.index, text, self.limits.max_text_bytes, scratch) else {
            return self.general_line(evaluator, text, n, out);
        };
        match evaluator.prepare_in_place(&mut scratch.case, parsed.as_of) {
            Ok(()) => self.evaluate(evaluator, &scratch.case, parsed.id, n, out),
            Err(error) => self.error(parsed.id, n, eval_error_info(&error), out),
        }
    }

    /// A line longer than the limit on a case document (its text was not kept).
    pub(crate) fn too_long(&self, bytes: u64, n: u64, out: &mut Vec<u8>) -> Done {
        let error = CaseError::TooLarge {
            path: format!("line {n}"),
            size: bytes,
            limit: self.limits.max_file_bytes,
        };
        self.error(None, n, case_error_info(&error), out)
    }

    /// One CSV row (already shaped as a case-file object).
    pub(crate) fn csv_row(&self, worker: &mut Worker, row: &Row, n: u64, out: &mut Vec<u8>) -> Done {
        if let Some(problem) = &row.problem {
            return self.error(row.id.as_deref(), n, problem.clone(), out);
        }
        let origin = Arc::new(CaseOrigin {
            name: format!("line {n}"),
            text: Arc::from(row.text.as_str()),
            format: CaseFormat::Json,
        });
        self.general(
            &mut worker.evaluator,
            row.case.clone(),
            origin,
            row.id.as_deref(),
            n,
            out,
        )
    }

    /// The general path: a JSON tree, a case, validation with precise errors.
    fn general_line(&self, evaluator: &mut Evaluator, text: &str, n: u64, out: &mut Vec<u8>) -> Done {
        let text = text.trim();
        let id = raw_id(text);
        let origin = Arc::new(CaseOrigin {
            name: format!("line {n}"),
            text: Arc::from(text),
            format: CaseFormat::Json,
        });
        match crate::facts::json_value(&origin) {
            Ok(json) => self.general(evaluator, bare_to_case(json), origin, id, n, out),
            Err(CaseError::Syntax { message, .. }) => {
                let info = ErrorInfo {
                    code: "ruling::case::syntax".into(),
                    message: format!("not a JSON object: {message}"),
                    path: String::new(),
                };
                self.error(id, n, info, out)
            }
            Err(error) => self.error(id, n, case_error_info(&error), out),
        }
    }

    fn general(
        &self,
        evaluator: &mut Evaluator,
        json: Json,
        origin: Arc<CaseOrigin>,
        id: Option<&RawValue>,
        n: u64,
        out: &mut Vec<u8>,
    ) -> Done {
        let case = match Case::from_value_with_limits(json, origin, &self.limits) {
            Ok(case) => case,
            Err(error) => return self.error(id, n, case_error_info(&error), out),
        };
        match evaluator.prepare(&case) {
            Ok(prepared) => self.evaluate(evaluator, &prepared, id, n, out),
            Err(error) => self.error(id, n, eval_error_info(&error), out),
        }
    }

    /// Evaluates a prepared case and writes its result line (or an error record).
    fn evaluate(
        &self,
        evaluator: &mut Evaluator,
        case: &PreparedCase,
        id: Option<&RawValue>,
        n: u64,
        out: &mut Vec<u8>,
    ) -> Done {
        let mark = out.len();
        let result = self.write_result(evaluator, case, id, out);
        match result {
            Ok(eval_time) => Done {
                error: false,
                eval_time,
            },
            Err(error) => {
                out.truncate(mark);
                self.error(id, n, eval_error_info(&error), out)
            }
        }
    }

    /// A result line: the conclusions asked about straight from the evaluator's words, then
    /// the explanation recorded (the compact trace, or the tree), then the missing facts.
    fn write_result(
        &self,
        evaluator: &mut Evaluator,
        case: &PreparedCase,
        id: Option<&RawValue>,
        out: &mut Vec<u8>,
    ) -> Result<std::time::Duration, EvalError> {
        let (result, elapsed) = timed(self.measure, || evaluator.record(case).map(|_| ()));
        result?;
        let values = evaluator.view(case);
        open_record(id, out);
        out.extend_from_slice(b"\"conclusions\":{");
        let mut unknown = Vec::new();
        let mut unknown_ids = Vec::new();
        let mut first = true;
        for (index, (key, rule)) in self.keys.iter().zip(&self.program.rules).enumerate() {
            if !values.is_reported(index) {
                continue;
            }
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            out.extend_from_slice(key);
            match values.truth(index) {
                Some(true) => out.extend_from_slice(b"true"),
                Some(false) => out.extend_from_slice(b"false"),
                None if values.is_unknown(index) => {
                    out.extend_from_slice(b"null");
                    unknown.push(rule.name.as_str());
                    unknown_ids.push(u32::try_from(index).unwrap_or(u32::MAX));
                }
                None => write_json(out, &values.json(index)),
            }
        }
        out.extend_from_slice(b"},\"unknown_conclusions\":");
        write_json(out, &unknown);
        // Taken before the missing facts, which may record the case again.
        let mut explanation = Vec::new();
        if self.options.explain != ExplainMode::None {
            if self.trees {
                write_json(&mut explanation, &evaluator.recorded_explanation());
            } else {
                write_json(&mut explanation, &evaluator.recorded_trace());
            }
        }
        out.extend_from_slice(b",\"missing_facts\":");
        if unknown.is_empty() {
            out.extend_from_slice(b"[]");
        } else {
            // The case just evaluated: only its unknown conclusions are recorded again.
            let missing = evaluator.missing_facts_of(case, &unknown_ids)?;
            write_json(out, &missing);
        }
        if !explanation.is_empty() {
            out.extend_from_slice(b",\"explanation\":");
            out.extend_from_slice(&explanation);
        }
        out.extend_from_slice(b"}\n");
        Ok(elapsed)
    }

    /// Writes an error record: `{"id":…,"line":n,"error":{"code":…,"message":…,"path":…}}`.
    fn error(&self, id: Option<&RawValue>, n: u64, info: ErrorInfo, out: &mut Vec<u8>) -> Done {
        open_record(id, out);
        out.extend_from_slice(b"\"line\":");
        write_json(out, &n);
        let mut error = Map::new();
        error.insert("code".into(), Json::String(info.code));
        error.insert("message".into(), Json::String(info.message));
        error.insert("path".into(), Json::String(info.path));
        out.extend_from_slice(b",\"error\":");
        write_json(out, &error);
        out.extend_from_slice(b"}\n");
        Done {
            error: true,
            eval_time: std::time::Duration::ZERO,
        }
    }
}

/// `{"id":…,` or `{`: the id exactly as the input wrote it.
fn open_record(id: Option<&RawValue>, out: &mut Vec<u8>) {
    out.push(b'{');
    if let Some(id) = id {
        out.extend_from_slice(b"\"id\":");
        out.extend_from_slice(id.get().as_bytes());
        out.push(b',');
    }
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Serialising plain data into a Vec cannot fail.
    let _infallible = serde_json::to_writer(&mut *out, value);
}

/// The text of a line's top-level `id`, exactly as written (`12345678901234567890123`,
/// `1.10` and `-0` stay as they are).
fn raw_id(text: &str) -> Option<&RawValue> {
    let top: std::collections::HashMap<std::borrow::Cow<'_, str>, &RawValue> = serde_json::from_str(text).ok()?;
    top.get("id").copied()
}

/// A bare facts object (no `facts` key) becomes `{"id": …, "facts": {…}}`.
pub(crate) fn bare_to_case(json: Json) -> Json {
    match json {
        Json::Object(mut map) if !map.contains_key("facts") => {
            let mut case = Map::new();
            if let Some(id) = map.shift_remove("id") {
                case.insert("id".into(), id);
            }
            case.insert("facts".into(), Json::Object(map));
            Json::Object(case)
        }
        other => other,
    }
}

fn case_error_info(error: &CaseError) -> ErrorInfo {
    let path = match error {
        CaseError::UnknownKey { key, .. } => format!("/{}", crate::facts::escape(key)),
        other => other.path().unwrap_or_default().to_string(),
    };
    ErrorInfo {
        code: error.code_str(),
        message: error.to_string(),
        path,
    }
}

fn eval_error_info(error: &EvalError) -> ErrorInfo {
    if let EvalError::Facts(facts) = error {
        if let Some(first) = facts.problems.first() {
            let more = facts.problems.len() - 1;
            let message = match more {
                0 => first.message.clone(),
                _ => format!("{} (and {more} more problem(s))", first.message),
            };
            return ErrorInfo {
                code: format!("ruling::case::{}", first.kind),
                message,
                path: first.path.clone(),
            };
        }
    }
    let code = miette::Diagnostic::code(error)
        .map(|c| c.to_string())
        .unwrap_or_default();
    ErrorInfo {
        code,
        message: error.to_string(),
        path: String::new(),
    }
}
