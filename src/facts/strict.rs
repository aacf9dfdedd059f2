//! Documents → JSON values with nothing lost on the way.
//!
//! A plain `serde_json::Value` keeps the last of two equal keys and turns YAML's `.inf` and
//! `.nan` into `null` (a fact "not given", so its default applies). Read through [`ValueSeed`],
//! a key given twice and a number with no exact value are noted with their JSON pointer, and
//! the case is rejected naming them.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::locate;

/// Something a document says that a JSON value cannot hold faithfully.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Oddity {
    /// The key `key` appears twice in the object at `path` (its own pointer).
    DuplicateKey {
        /// JSON pointer of the repeated key.
        path: String,
        /// The key.
        key: String,
    },
    /// A number that is infinite or not a number.
    NotFinite {
        /// JSON pointer of the value.
        path: String,
        /// How it reads (`inf`, `-inf`, `NaN`).
        shown: String,
    },
}

/// Parses a JSON text, noting every repeated key.
pub(crate) fn json(text: &str) -> Result<(Json, Vec<Oddity>), serde_json::Error> {
    let mut found = Found::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = ValueSeed(&mut found).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok((value, found.oddities))
}

/// What a value costs the budget besides its text: a document with aliases is charged for
/// every value each alias repeats.
const VALUE_COST: usize = 16;
/// How many times the size of its text a YAML document's values may take, aliases expanded
/// (plus [`EXPANSION_SLACK`]). Written out, a document's values are at most about eight times
/// its text (`[1,1,…]`: two bytes a value); only aliases repeat more.
const EXPANSION_FACTOR: usize = 16;
/// Bytes of values any YAML document may take, whatever its size.
const EXPANSION_SLACK: usize = 1 << 20;

/// Parses a YAML text, noting every repeated key and every infinite or NaN number. Aliases
/// that repeat values beyond [`EXPANSION_FACTOR`] times the text are refused: a few kilobytes
/// of nested aliases (“billion laughs”) would otherwise take gigabytes before the parser's own
/// repetition limit.
pub(crate) fn yaml(text: &str) -> Result<(Json, Vec<Oddity>), serde_yaml_ng::Error> {
    let mut found = Found {
        budget: Some(
            text.len()
                .saturating_mul(EXPANSION_FACTOR)
                .saturating_add(EXPANSION_SLACK),
        ),
        ..Found::default()
    };
    let value = ValueSeed(&mut found).deserialize(serde_yaml_ng::Deserializer::from_str(text))?;
    Ok((value, found.oddities))
}

/// The path walked so far and what was noted.
#[derive(Default)]
struct Found {
    path: Vec<String>,
    oddities: Vec<Oddity>,
    /// Bytes of values still allowed (`None`: no limit).
    budget: Option<usize>,
}

impl Found {
    /// Charges a value of `text` bytes to the budget; an error once it is spent.
    fn charge<E: de::Error>(&mut self, text: usize) -> Result<(), E> {
        let Some(budget) = self.budget.as_mut() else {
            return Ok(());
        };
        match budget.checked_sub(text.saturating_add(VALUE_COST)) {
            Some(left) => {
                *budget = left;
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "aliases (`*name`) repeat values beyond {EXPANSION_FACTOR} times the size of the \
                 document; write the repeated values out, or repeat them less"
            ))),
        }
    }

    fn pointer(&self, last: Option<&str>) -> String {
        let mut pointer = String::new();
        for segment in self.path.iter().map(String::as_str).chain(last) {
            pointer.push('/');
            pointer.push_str(&locate::escape(segment));
        }
        pointer
    }
}

/// Deserialises any value as a `serde_json::Value`, noting oddities in the [`Found`].
struct ValueSeed<'f>(&'f mut Found);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        self.0.charge(0)?;
        Ok(Json::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        self.0.charge(0)?;
        Ok(Json::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        self.0.charge(0)?;
        Ok(Json::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        self.0.charge(0)?;
        match serde_json::Number::from_f64(v) {
            Some(number) => Ok(Json::Number(number)),
            None => {
                let path = self.0.pointer(None);
                self.0.oddities.push(Oddity::NotFinite {
                    path,
                    shown: v.to_string(),
                });
                Ok(Json::Null)
            }
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        self.0.charge(v.len())?;
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        self.0.charge(v.len())?;
        Ok(Json::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        self.0.charge(0)?;
        Ok(Json::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        self.0.charge(0)?;
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        ValueSeed(self.0).deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        self.0.charge(0)?;
        let mut items = Vec::new();
        loop {
            self.0.path.push(items.len().to_string());
            let item = seq.next_element_seed(ValueSeed(&mut *self.0));
            self.0.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Json::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        self.0.charge(0)?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.0.charge(key.len())?;
            if object.contains_key(&key) {
                let path = self.0.pointer(Some(&key));
                self.0.oddities.push(Oddity::DuplicateKey { path, key: key.clone() });
            }
            self.0.path.push(key);
            let value = map.next_value_seed(ValueSeed(&mut *self.0));
            let key = self.0.path.pop().unwrap_or_default();
            object.insert(key, value?);
        }
        Ok(Json::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_that_repeat_values_far_beyond_the_document_are_refused() {
        // Three levels of nine aliases: 729 copies of a 6,000-byte string (4.4 MB) from a
        // 6 KB text (the parser's own repetition limit stops only larger expansions).
        let mut text = format!("a0: &a0 \"{}\"\n", "很".repeat(2000));
        for level in 1..4 {
            let items = vec![format!("*a{}", level - 1); 9].join(",");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let error = yaml(&text).map(|_| ()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            error.contains("aliases (`*name`) repeat values beyond 16 times"),
            "{error}"
        );
        // Aliases within reason, and a document written out however long, are read.
        assert!(yaml("a: &x [1, 2, 3]\nb: *x\nc: *x\n").is_ok());
        let long = format!("facts:\n  items: [{}]\n", vec!["1"; 200_000].join(","));
        assert!(yaml(&long).is_ok());
    }

    #[test]
    fn repeated_keys_are_noted_at_every_level() {
        let (_, found) = json(r#"{"a": 1, "facts": {"x": [{"k": 1, "k": 2}], "x": 3}, "a": 2}"#).unwrap_or_default();
        assert_eq!(
            found,
            vec![
                Oddity::DuplicateKey {
                    path: "/facts/x/0/k".into(),
                    key: "k".into()
                },
                Oddity::DuplicateKey {
                    path: "/facts/x".into(),
                    key: "x".into()
                },
                Oddity::DuplicateKey {
                    path: "/a".into(),
                    key: "a".into()
                },
            ]
        );
    }

    #[test]
    fn yaml_infinities_and_nan_are_noted() {
        let (_, found) = yaml("facts:\n  a: .inf\n  b: -.inf\n  c: .nan\n  d: 1.5\n").unwrap_or_default();
        let paths: Vec<String> = found
            .iter()
            .map(|o| match o {
                Oddity::NotFinite { path, shown } => format!("{path}={shown}"),
                Oddity::DuplicateKey { path, .. } => path.clone(),
            })
            .collect();
        assert_eq!(paths, ["/facts/a=inf", "/facts/b=-inf", "/facts/c=NaN"]);
    }
}
