//! Case files: JSON, YAML or TOML documents → validated fact values.
//!
//! Nothing is silently ignored: unknown keys, wrong types, negative counts,
//! impossible dates and undeclared enum values are all errors naming the key path.

mod convert;
mod error;
mod from_rust;
mod limits;
mod locate;
mod strict;

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

pub use error::{CaseError, FactProblem, FactsError, Problem, ProblemKind};
pub use limits::CaseLimits;
#[cfg(feature = "batch")]
pub(crate) use locate::escape;

use crate::ir::{FactId, Program};
use crate::value::{Date, Value};

/// The serialisation of a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFormat {
    /// `.json`
    Json,
    /// `.yaml` / `.yml`
    Yaml,
    /// `.toml`
    Toml,
}

const CASE_KEYS: [&str; 11] = [
    "name",
    "description",
    "description_zh",
    "reasoning",
    "as_of",
    "facts",
    "expected",
    "expected_reasons",
    "expected_error",
    "id",
    "questions",
];

/// A case: facts, an optional `as_of` date and optional expectations.
#[derive(Debug, Clone)]
pub struct Case {
    /// Human title.
    pub name: Option<String>,
    /// Optional identifier (batch input).
    pub id: Option<Json>,
    /// The date whose law applies, as written.
    pub as_of: Option<String>,
    /// Facts as written, in file order.
    pub facts: Map<String, Json>,
    /// Expected conclusions.
    pub expected: Option<IndexMap<String, Json>>,
    /// Citations that must appear in each listed conclusion's explanation.
    pub expected_reasons: Option<IndexMap<String, Vec<String>>>,
    /// Expected errors of a malformed-case file.
    pub expected_error: Option<Json>,
    /// The conclusions the case is about (`questions`; empty: not stated).
    pub questions: Vec<String>,
    /// Where it came from (for diagnostics).
    pub origin: Arc<CaseOrigin>,
}

/// The text a case was read from, for pointing diagnostics into it.
#[derive(Debug, Clone)]
pub struct CaseOrigin {
    /// Name shown in diagnostics.
    pub name: String,
    /// The text.
    pub text: Arc<str>,
    /// Its format.
    pub format: CaseFormat,
}

/// A value of type `ty` as a case file gives it, read as a case file's facts are; `None` when a
/// case file would be refused for it.
#[cfg(feature = "batch")]
pub(crate) fn read_value(program: &Program, ty: &crate::ir::Type, json: Json) -> Option<Value> {
    convert::fact_value(program, ty, &json, convert::Pointer::Fact("")).ok()
}

/// Validated facts of one case, in slots by fact id.
#[derive(Debug, Clone)]
pub(crate) struct FactValues {
    /// `None` = unknown.
    pub(crate) values: Vec<Option<Value>>,
    /// Whether the value is the declared default.
    pub(crate) defaulted: Vec<bool>,
}

impl Case {
    /// Reads a case file, choosing the format by extension, within the default [`CaseLimits`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Case, CaseError> {
        Case::from_path_with_limits(path, &CaseLimits::default())
    }

    /// Reads a case file within the given limits (a file over the size limit is not read).
    pub fn from_path_with_limits(path: impl AsRef<Path>, limits: &CaseLimits) -> Result<Case, CaseError> {
        let path = path.as_ref();
        let text = read_limited(path, limits.max_file_bytes)?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => CaseFormat::Yaml,
            Some("toml") => CaseFormat::Toml,
            _ => CaseFormat::Json,
        };
        Case::parse_with_limits(&path.display().to_string(), &text, format, limits)
    }

    /// Parses a JSON case document.
    pub fn from_json(text: &str) -> Result<Case, CaseError> {
        Case::parse("case.json", text, CaseFormat::Json)
    }

    /// Parses a case document of the given format, within the default [`CaseLimits`].
    pub fn parse(name: &str, text: &str, format: CaseFormat) -> Result<Case, CaseError> {
        Case::parse_with_limits(name, text, format, &CaseLimits::default())
    }

    /// Parses a case document of the given format within the given limits.
    pub fn parse_with_limits(
        name: &str,
        text: &str,
        format: CaseFormat,
        limits: &CaseLimits,
    ) -> Result<Case, CaseError> {
        // A byte-order mark some editors write first is not part of the document.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let origin = Arc::new(CaseOrigin {
            name: name.to_string(),
            text: Arc::from(text),
            format,
        });
        limits::check_text(&origin, limits)?;
        let (json, oddities) = convert::to_json(text, format).map_err(|message| CaseError::Syntax {
            src: error::named(&origin),
            span: locate::syntax_span(text, &message),
            message: message.text,
        })?;
        if let Some(oddity) = oddities.into_iter().next() {
            return Err(error::oddity(&origin, oddity));
        }
        Case::from_value_with_limits(json, origin, limits)
    }

    /// Builds a case from an already-parsed JSON value (one batch line), within the
    /// default [`CaseLimits`].
    pub fn from_value(json: Json, origin: Arc<CaseOrigin>) -> Result<Case, CaseError> {
        Case::from_value_with_limits(json, origin, &CaseLimits::default())
    }

    /// Builds a case from facts held in the program: any `Serialize` value whose JSON form is
    /// an object of fact name → value (a `serde_json::Value`, a map, or a struct with
    /// `#[derive(Serialize)]`), and the date whose law applies (`None`: the fact
    /// `conduct_date`). Values are checked against the declarations when the case is prepared.
    /// An infinite or NaN number is refused (`ruling::case::not_finite`), as in case files:
    /// `serde_json` alone would make it `null`, a fact not given.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Facts { illegal_videos: u64 }
    /// let case = ruling::Case::from_facts(&Facts { illegal_videos: 250 }, ruling::Date::new(2021, 5, 20).ok())
    ///     .expect("an object of facts");
    /// assert_eq!(case.facts["illegal_videos"], 250);
    /// ```
    pub fn from_facts<T: serde::Serialize + ?Sized>(facts: &T, as_of: Option<Date>) -> Result<Case, CaseError> {
        let (facts, not_finite) = match from_rust::to_json(facts, "/facts") {
            Ok(facts) => (facts, None),
            // `serde_json` writes the number as `null`: that text is still shown, with the
            // `null` marked, in the error.
            Err(from_rust::Refused::NotFinite { path, shown }) => (
                serde_json::to_value(facts).unwrap_or_default(),
                Some(strict::Oddity::NotFinite { path, shown }),
            ),
            Err(from_rust::Refused::Other(message)) => {
                return Err(CaseError::Io {
                    path: String::from("facts"),
                    message,
                })
            }
        };
        let mut case = Map::new();
        case.insert(String::from("facts"), facts);
        if let Some(date) = as_of {
            case.insert(String::from("as_of"), Json::String(date.to_string()));
        }
        let text = serde_json::to_string(&case).unwrap_or_default();
        let origin = Arc::new(CaseOrigin {
            name: String::from("facts"),
            text: Arc::from(text),
            format: CaseFormat::Json,
        });
        if let Some(oddity) = not_finite {
            return Err(error::oddity(&origin, oddity));
        }
        Case::from_value(Json::Object(case), origin)
    }

    /// Builds a case from an already-parsed JSON value within the given limits.
    pub fn from_value_with_limits(json: Json, origin: Arc<CaseOrigin>, limits: &CaseLimits) -> Result<Case, CaseError> {
        limits::check_value(&json, &origin, limits)?;
        let Json::Object(mut top) = json else {
            return Err(CaseError::Shape {
                src: error::named(&origin),
                span: (0, 0).into(),
                message: "a case is a JSON object".into(),
            });
        };
        if let Some(unknown) = top.keys().find(|k| !CASE_KEYS.contains(&k.as_str())) {
            let unknown = unknown.clone();
            return Err(CaseError::UnknownKey {
                src: error::named(&origin),
                span: locate::span_of(&origin, &[unknown.as_str()]),
                help: crate::suggest::help_line(&unknown, CASE_KEYS)
                    .unwrap_or_else(|| format!("a case has the keys {}", CASE_KEYS.join(", "))),
                key: unknown,
            });
        }
        let text_field = |top: &mut Map<String, Json>, key: &str| match top.remove(key) {
            Some(Json::String(s)) => Ok(Some(s)),
            Some(Json::Null) | None => Ok(None),
            Some(_) => Err(key.to_string()),
        };
        let shape = |key: String, what: &str| CaseError::Shape {
            src: error::named(&origin),
            span: locate::span_of(&origin, &[key.as_str()]),
            message: format!("`{key}` must be {what}"),
        };
        let name = text_field(&mut top, "name").map_err(|k| shape(k, "a string"))?;
        let as_of = text_field(&mut top, "as_of").map_err(|k| shape(k, "a date string YYYY-MM-DD"))?;
        let facts = match top.remove("facts") {
            Some(Json::Object(map)) => map,
            None | Some(Json::Null) => Map::new(),
            Some(_) => return Err(shape("facts".into(), "an object of fact values")),
        };
        let expected = match top.remove("expected") {
            Some(Json::Object(map)) => Some(map.into_iter().collect()),
            None | Some(Json::Null) => None,
            Some(_) => return Err(shape("expected".into(), "an object of conclusion values")),
        };
        let expected_reasons = match top.remove("expected_reasons") {
            Some(Json::Object(map)) => {
                let mut reasons = IndexMap::new();
                for (key, value) in map {
                    let list: Option<Vec<String>> = match value {
                        Json::Array(items) => items.into_iter().map(|i| i.as_str().map(String::from)).collect(),
                        Json::String(s) => Some(vec![s]),
                        _ => None,
                    };
                    let list = list.ok_or_else(|| shape(key.clone(), "a list of citation strings"))?;
                    reasons.insert(key, list);
                }
                Some(reasons)
            }
            None | Some(Json::Null) => None,
            Some(_) => {
                return Err(shape(
                    "expected_reasons".into(),
                    "an object: conclusion → list of citations",
                ))
            }
        };
        let questions = match top.remove("questions") {
            None | Some(Json::Null) => Vec::new(),
            // Names are trimmed, as `--question` trims them (` cl286 ` is `cl286`).
            Some(Json::String(one)) => vec![one.trim().to_string()],
            Some(Json::Array(items)) => items
                .into_iter()
                .map(|i| i.as_str().map(|name| name.trim().to_string()))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| shape("questions".into(), "a list of conclusion names"))?,
            Some(_) => return Err(shape("questions".into(), "a list of conclusion names")),
        };
        Ok(Case {
            name,
            questions,
            id: top.remove("id"),
            as_of,
            facts,
            expected,
            expected_reasons,
            expected_error: top.remove("expected_error"),
            origin,
        })
    }

    /// Validates the facts against the program's declarations; reports every problem.
    pub(crate) fn validate(&self, program: &Program, strict_required: bool) -> Result<FactValues, FactsError> {
        let mut problems = Vec::new();
        let n = program.facts.len();
        let mut values: Vec<Option<Value>> = vec![None; n];
        let mut defaulted = vec![false; n];
        for (key, json) in &self.facts {
            // Names in rule files are NFC; a key typed in NFD (`é` as `e` + accent) is the same name.
            let nfc = nfc(key);
            let Some(id) = program.fact_id(&nfc) else {
                let names = program.facts.iter().map(|f| f.name.as_str());
                let suggest = problems.len() < error::SHOWN_PROBLEMS;
                problems.push(error::Problem::unknown_fact(key, names, suggest));
                continue;
            };
            let Some(info) = program.fact(id) else { continue };
            if json.is_null() {
                continue;
            }
            match convert::fact_value(program, &info.ty, json, convert::Pointer::Fact(key)) {
                Ok(v) => set(&mut values, id, v),
                Err(mut p) => problems.append(&mut p),
            }
        }
        for (index, info) in program.facts.iter().enumerate() {
            if let (Some(None), Some(default)) = (values.get(index), &info.default) {
                set(&mut values, FactId(index as u32), default.clone());
                if let Some(d) = defaulted.get_mut(index) {
                    *d = true;
                }
            }
        }
        // Defaults naming other facts, followed through chains (bounded by the number of facts).
        for _ in 0..n {
            let mut changed = false;
            for (index, info) in program.facts.iter().enumerate() {
                let Some(source) = info.default_fact else { continue };
                let (Some(None), Some(Some(value))) = (values.get(index), values.get(source.0 as usize)) else {
                    continue;
                };
                let value = value.clone();
                set(&mut values, FactId(index as u32), value);
                if let Some(d) = defaulted.get_mut(index) {
                    *d = true;
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
        let _ = strict_required;
        if problems.is_empty() {
            Ok(FactValues { values, defaulted })
        } else {
            Err(FactsError::new(&self.origin, problems))
        }
    }

    /// The `as_of` date, validated.
    pub(crate) fn as_of_date(&self) -> Result<Option<Date>, FactsError> {
        match &self.as_of {
            None => Ok(None),
            Some(text) => crate::value::parse_date(text)
                .map(Some)
                .ok_or_else(|| FactsError::new(&self.origin, vec![error::Problem::invalid_date("/as_of", text)])),
        }
    }
}

/// Parses one JSON document (a batch line) as a case file's JSON, rejecting a key given twice
/// as a case file would be.
#[cfg(feature = "batch")]
pub(crate) fn json_value(origin: &Arc<CaseOrigin>) -> Result<Json, CaseError> {
    let text: &str = &origin.text;
    let (json, oddities) = convert::to_json(text, CaseFormat::Json).map_err(|message| CaseError::Syntax {
        src: error::named(origin),
        span: locate::syntax_span(text, &message),
        message: message.text,
    })?;
    match oddities.into_iter().next() {
        Some(oddity) => Err(error::oddity(origin, oddity)),
        None => Ok(json),
    }
}

/// Reads a file as UTF-8 text, refusing (without reading it all) one larger than `limit` bytes.
fn read_limited(path: &Path, limit: usize) -> Result<String, CaseError> {
    use std::io::Read;
    let io = |e: std::io::Error| CaseError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > limit {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(bytes.len() as u64);
        return Err(CaseError::TooLarge {
            path: path.display().to_string(),
            size,
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| CaseError::NotUtf8 {
        name: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

fn set(values: &mut [Option<Value>], id: FactId, value: Value) {
    if let Some(slot) = values.get_mut(id.0 as usize) {
        *slot = Some(value);
    }
}

/// `text` in Unicode normal form C, as the names in rule files are: a case typed with `é` as
/// `e` + combining accent (NFD, as some macOS tools write) then names the same fact, field or
/// enum value.
pub(crate) fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if unicode_normalization::is_nfc(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(unicode_normalization::UnicodeNormalization::nfc(text).collect())
    }
}
