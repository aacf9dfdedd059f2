//! Rust values → JSON for [`Case::from_facts`](super::Case::from_facts), refusing what has no
//! exact value.
//!
//! `serde_json::to_value` writes an infinite or NaN `f64` as `null`: the fact would then be "not
//! given" and its default applied, a silent wrong answer. This serializer builds the same JSON
//! value as `serde_json::to_value` (scalars and map keys are handed to serde_json), but stops at
//! the first such number and names its JSON pointer, as the YAML and TOML readers do.

use std::fmt;

use serde::ser::{self, Serialize};
use serde_json::{Map, Value as Json};

use super::locate;

/// Why a value could not be turned into JSON.
#[derive(Debug)]
pub(crate) enum Refused {
    /// An infinite or NaN number at this JSON pointer (below the facts), shown as `inf`, `-inf`
    /// or `NaN`.
    NotFinite { path: String, shown: String },
    /// What `serde_json::to_value` also refuses (a map key that is not a string, a failing
    /// `Serialize` implementation).
    Other(String),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NotFinite { path, shown } => write!(f, "`{path}` is {shown}, not a finite number"),
            Refused::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(msg: T) -> Refused {
        Refused::Other(msg.to_string())
    }
}

/// `value` as JSON; JSON pointers in errors start with `prefix` (`/facts`).
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, prefix: &str) -> Result<Json, Refused> {
    value.serialize(ToJson {
        path: prefix.to_string(),
    })
}

/// Serializes one value found at `path`.
struct ToJson {
    path: String,
}

fn plain<T: Serialize + ?Sized>(value: &T) -> Result<Json, Refused> {
    serde_json::to_value(value).map_err(|e| Refused::Other(e.to_string()))
}

impl ToJson {
    fn float(self, value: f64) -> Result<Json, Refused> {
        if value.is_finite() {
            return plain(&value);
        }
        Err(Refused::NotFinite {
            path: self.path,
            shown: value.to_string(),
        })
    }

    fn child(&self, segment: &str) -> ToJson {
        ToJson {
            path: format!("{}/{}", self.path, locate::escape(segment)),
        }
    }
}

/// The elements of a sequence, tuple or tuple variant.
struct Elements {
    at: ToJson,
    items: Vec<Json>,
    /// `Some(name)` for a tuple variant, written `{name: [...]}` as serde_json does.
    variant: Option<&'static str>,
}

/// The fields of a map, struct or struct variant.
struct Fields {
    at: ToJson,
    fields: Map<String, Json>,
    /// The key of the entry being written (a map gives keys and values separately).
    key: Option<String>,
    /// `Some(name)` for a struct variant, written `{name: {...}}`.
    variant: Option<&'static str>,
}

impl Elements {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        let at = self.at.child(&self.items.len().to_string());
        self.items.push(value.serialize(at)?);
        Ok(())
    }

    fn finish(self) -> Result<Json, Refused> {
        let array = Json::Array(self.items);
        Ok(match self.variant {
            Some(name) => Json::Object(Map::from_iter([(name.to_string(), array)])),
            None => array,
        })
    }
}

impl Fields {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Refused> {
        let at = self.at.child(&key);
        let value = value.serialize(at)?;
        let _replaced = self.fields.insert(key, value);
        Ok(())
    }

    fn finish(self) -> Result<Json, Refused> {
        let object = Json::Object(self.fields);
        Ok(match self.variant {
            Some(name) => Json::Object(Map::from_iter([(name.to_string(), object)])),
            None => object,
        })
    }
}

/// A map key as serde_json writes it: strings as they are, numbers and booleans as text.
fn key_text<T: Serialize + ?Sized>(key: &T) -> Result<String, Refused> {
    match plain(key)? {
        Json::String(text) => Ok(text),
        Json::Number(number) => Ok(number.to_string()),
        Json::Bool(flag) => Ok(flag.to_string()),
        _ => Err(Refused::Other(String::from("key must be a string"))),
    }
}

impl ser::Serializer for ToJson {
    type Ok = Json;
    type Error = Refused;
    type SerializeSeq = Elements;
    type SerializeTuple = Elements;
    type SerializeTupleStruct = Elements;
    type SerializeTupleVariant = Elements;
    type SerializeMap = Fields;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    fn serialize_bool(self, v: bool) -> Result<Json, Refused> {
        Ok(Json::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<Json, Refused> {
        plain(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<Json, Refused> {
        if v.is_finite() {
            return plain(&v);
        }
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Json, Refused> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<Json, Refused> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json, Refused> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, Refused> {
        plain(v)
    }
    fn serialize_none(self) -> Result<Json, Refused> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, Refused> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, Refused> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Json, Refused> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Json, Refused> {
        Ok(Json::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<Json, Refused> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Json, Refused> {
        let inner = value.serialize(self.child(variant))?;
        Ok(Json::Object(Map::from_iter([(variant.to_string(), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Elements, Refused> {
        Ok(Elements {
            at: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Elements, Refused> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Elements, Refused> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Elements, Refused> {
        Ok(Elements {
            at: self.child(variant),
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Fields, Refused> {
        Ok(Fields {
            at: self,
            fields: Map::new(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Fields, Refused> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Fields, Refused> {
        Ok(Fields {
            at: self.child(variant),
            fields: Map::new(),
            key: None,
            variant: Some(variant),
        })
    }
}

impl ser::SerializeSeq for Elements {
    type Ok = Json;
    type Error = Refused;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.push(value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeTuple for Elements {
    type Ok = Json;
    type Error = Refused;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.push(value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Elements {
    type Ok = Json;
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.push(value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Elements {
    type Ok = Json;
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.push(value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeMap for Fields {
    type Ok = Json;
    type Error = Refused;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        self.key = Some(key_text(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Refused::Other(String::from("a map value without its key")))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = Json;
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Refused> {
        self.insert(key.to_string(), value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Fields {
    type Ok = Json;
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Refused> {
        self.insert(key.to_string(), value)
    }
    fn end(self) -> Result<Json, Refused> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, String),
        Struct { a: Option<f64> },
    }

    #[derive(serde::Serialize)]
    struct Facts {
        n: u64,
        gains: f64,
        name: &'static str,
        list: Vec<Shape>,
        keyed: BTreeMap<u32, bool>,
        unit: (),
    }

    #[test]
    fn finite_values_give_what_serde_json_gives() {
        let facts = Facts {
            n: u64::MAX,
            gains: 1.5,
            name: "张三",
            list: vec![
                Shape::Unit,
                Shape::Newtype(1),
                Shape::Tuple(2, String::from("x")),
                Shape::Struct { a: None },
            ],
            keyed: BTreeMap::from([(1, true)]),
            unit: (),
        };
        assert_eq!(to_json(&facts, "/facts").ok(), serde_json::to_value(&facts).ok());
    }

    #[test]
    fn an_infinity_deep_inside_is_named_by_its_path() {
        let facts = vec![
            Shape::Unit,
            Shape::Struct {
                a: Some(f64::NEG_INFINITY),
            },
        ];
        let Err(Refused::NotFinite { path, shown }) = to_json(&facts, "/facts") else {
            panic!("infinity accepted")
        };
        assert_eq!((path.as_str(), shown.as_str()), ("/facts/1/Struct/a", "-inf"));
        let Err(Refused::NotFinite { shown, .. }) = to_json(&f32::NAN, "") else {
            panic!("NaN accepted")
        };
        assert_eq!(shown, "NaN");
    }
}
