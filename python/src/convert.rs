//! Python values → the JSON text of a case line, and JSON values → Python objects.

use std::collections::HashMap;
use std::io::Write;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

/// Deeper Python values are refused (a case file's own nesting limit is far below this).
const MAX_DEPTH: usize = 128;

/// Appends `value` as JSON: `None`, `bool`, `int`, `float`, `str`, `dict` (with `str` keys),
/// `list` and `tuple`; a `datetime.date` as its `isoformat()`, a `decimal.Decimal` as its text
/// (as case files write money), a NumPy scalar as its `item()`.
pub(crate) fn write_py(out: &mut Vec<u8>, value: &Bound<'_, PyAny>, depth: usize) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err("the case is nested too deeply"));
    }
    if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = value.downcast_exact::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(s) = value.downcast::<PyString>() {
        write_json(out, s.to_str()?);
    } else if let Ok(dict) = value.downcast::<PyDict>() {
        out.push(b'{');
        for (i, (key, item)) in dict.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let key = key
                .downcast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("a case's keys are str, not {}", type_name(&key))))?;
            write_json(out, key.to_str()?);
            out.push(b':');
            write_py(out, &item, depth + 1)?;
        }
        out.push(b'}');
    } else if value.is_instance_of::<PyInt>() {
        // `bool` was handled above; an `int` subclass (IntEnum) is written as its number.
        let number: i128 = value
            .extract()
            .map_err(|_| PyValueError::new_err(format!("integer {value} is too large")))?;
        let _infallible = write!(out, "{number}");
    } else if let Ok(f) = value.downcast::<PyFloat>() {
        let number = f.value();
        if !number.is_finite() {
            return Err(PyValueError::new_err(format!(
                "{number} is not a number a case can hold"
            )));
        }
        write_json(out, &number);
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        out.push(b'[');
        for (i, item) in value.try_iter()?.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_py(out, &item?, depth + 1)?;
        }
        out.push(b']');
    } else if value.hasattr("isoformat")? {
        let text: String = value.call_method0("isoformat")?.extract()?;
        write_json(out, &text);
    } else if type_name(value) == "Decimal" {
        let text: String = value.str()?.extract()?;
        write_json(out, &text);
    } else if value.hasattr("item")? && value.hasattr("dtype")? {
        write_py(out, &value.call_method0("item")?, depth + 1)?;
    } else {
        return Err(PyTypeError::new_err(format!(
            "a case holds None, bool, int, float, str, date, Decimal, dict and list values, not {}",
            type_name(value)
        )));
    }
    Ok(())
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

pub(crate) fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Serialising plain data into a Vec cannot fail.
    let _infallible = serde_json::to_writer(&mut *out, value);
}

/// Interned dict keys and short texts: a record names the same conclusions case after case,
/// mostly in the same order, so each text is first compared with the one at the same position
/// in the previous record and looked up by hash only when that guess fails.
#[derive(Default)]
pub(crate) struct Keys {
    keys: HashMap<String, Py<PyString>, foldhash::fast::FixedState>,
    order: Vec<(String, Py<PyString>)>,
    cursor: usize,
}

impl Keys {
    /// Starts a new record (the guesses follow the previous one).
    pub(crate) fn restart(&mut self) {
        self.cursor = 0;
    }

    fn get<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        let at = self.cursor;
        self.cursor += 1;
        if let Some((_, k)) = self.order.get(at).filter(|(text, _)| text == key) {
            return k.bind(py).clone();
        }
        let k = match self.keys.get(key) {
            Some(k) => k.bind(py).clone(),
            None => {
                let k = PyString::new(py, key);
                if self.keys.len() < 100_000 {
                    self.keys.insert(key.to_string(), k.clone().unbind());
                }
                k
            }
        };
        if at < 4096 {
            let entry = (key.to_string(), k.clone().unbind());
            if at < self.order.len() {
                if let Some(slot) = self.order.get_mut(at) {
                    *slot = entry;
                }
            } else if at == self.order.len() {
                self.order.push(entry);
            }
        }
        k
    }
}

/// A JSON value as the Python object `json.loads` makes of it.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value, keys: &mut Keys) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        // Values repeat from case to case too (enum values, dates, fact names in `missing_facts`).
        Value::String(s) if s.len() <= 64 => keys.get(py, s).into_any(),
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item, keys)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(keys.get(py, k), json_to_py(py, v, keys)?)?;
            }
            dict.into_any()
        }
    })
}

/// Reads one JSON document (a record) straight into Python objects: the same objects as
/// [`json_to_py`] of the parsed value, without the intermediate tree.
pub(crate) fn record_to_py<'py>(py: Python<'py>, record: &[u8], keys: &mut Keys) -> PyResult<Bound<'py, PyAny>> {
    use serde::de::DeserializeSeed;
    keys.restart();
    let mut deserializer = serde_json::Deserializer::from_slice(record);
    let value = PySeed { py, keys }
        .deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v))
        .map_err(|e| PyValueError::new_err(format!("internal: unreadable record: {e}")))?;
    Ok(value)
}

/// Builds the Python object of the JSON value being read.
struct PySeed<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut Keys,
}

impl<'de, 'py> serde::de::DeserializeSeed<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn de_error<E: serde::de::Error>(error: PyErr) -> E {
    E::custom(error.to_string())
}

impl<'de, 'py> serde::de::Visitor<'de> for PySeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(if v.len() <= 64 {
            self.keys.get(self.py, v).into_any()
        } else {
            PyString::new(self.py, v).into_any()
        })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(PySeed {
            py: self.py,
            keys: &mut *self.keys,
        })? {
            list.append(item).map_err(de_error)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key_seed(PySeed {
            py: self.py,
            keys: &mut *self.keys,
        })? {
            let value = map.next_value_seed(PySeed {
                py: self.py,
                keys: &mut *self.keys,
            })?;
            dict.set_item(key, value).map_err(de_error)?;
        }
        Ok(dict.into_any())
    }
}
