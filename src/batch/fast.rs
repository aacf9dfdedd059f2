//! The fast path for one JSONL line: parsed straight into fact slots, without building a
//! JSON tree or any per-fact string. Anything unusual (an unknown key, a value of the wrong
//! type, case-file keys other than `id`, `as_of` and `facts`) gives up and leaves the line
//! to the general path, which produces exactly the error a case file would get.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::eval::PreparedCase;
use crate::facts::FactValues;
use crate::ir::{FactId, Program, Type};
use crate::value::{Rational, Value};

/// A hash map for short, trusted keys (fact names): foldhash, much faster than SipHash, with
/// a fixed seed (the keys come from the rule files, not from the input).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Fact name → id and declared type.
pub(crate) type FactIndex<'p> = FastMap<&'p str, (FactId, &'p Type)>;

/// Builds the name index of a program's facts.
pub(crate) fn index(program: &Program) -> FactIndex<'_> {
    program
        .facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), (FactId(i as u32), &f.ty)))
        .collect()
}

/// A line read by the fast path (its facts are in the worker's [`Scratch`]).
pub(crate) struct Parsed<'l> {
    /// The `id` exactly as written.
    pub(crate) id: Option<&'l RawValue>,
    pub(crate) as_of: Option<crate::value::Date>,
}

/// What a worker keeps from one line to the next: the case being filled, and the order of
/// the keys of the last line (JSONL files usually repeat it, so a key is first compared with
/// the name expected at its position, and hashed only when that guess fails).
pub(crate) struct Scratch {
    pub(crate) case: PreparedCase,
    order: Vec<Option<FactId>>,
    /// Which facts the line has named (a second mention gives up: the general path reports it).
    seen: Vec<bool>,
}

impl Scratch {
    pub(crate) fn new() -> Self {
        Scratch {
            case: PreparedCase::empty(),
            order: Vec::new(),
            seen: Vec::new(),
        }
    }
}

/// Parses one line into `scratch.facts`, or `None` when the general path must handle it
/// (anything unusual, a key given twice, a text longer than `max_text_bytes`).
pub(crate) fn parse<'l>(
    program: &Program,
    index: &FactIndex<'_>,
    text: &'l str,
    max_text_bytes: usize,
    scratch: &mut Scratch,
) -> Option<Parsed<'l>> {
    let n = program.facts.len();
    scratch.case.facts.values.clear();
    scratch.case.facts.values.resize(n, None);
    scratch.seen.clear();
    scratch.seen.resize(n, false);
    let mut top = Top {
        slots: Slots {
            program,
            index,
            values: &mut scratch.case.facts.values,
            seen: &mut scratch.seen,
            order: &mut scratch.order,
            position: 0,
            any: false,
            max_text_bytes,
        },
        id: None,
        as_of: None,
        nested: false,
        repeated: false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    (&mut de).deserialize_map(TopVisitor(&mut top)).ok()?;
    de.end().ok()?;
    if top.repeated || (top.nested && top.slots.any) {
        return None;
    }
    if top.as_of.is_some() && !top.nested {
        return None;
    }
    if top.id.is_some_and(|id| id.get().len() > max_text_bytes) {
        return None;
    }
    let as_of = match &top.as_of {
        Some(text) => Some(crate::value::parse_date(text)?),
        None => None,
    };
    let id = top.id;
    fill_defaults(program, &mut scratch.case.facts);
    Some(Parsed { id, as_of })
}

/// Declared defaults for absent facts, then defaults naming other facts (as case files get them).
fn fill_defaults(program: &Program, facts: &mut FactValues) {
    let values = &mut facts.values;
    let defaulted = &mut facts.defaulted;
    defaulted.clear();
    defaulted.resize(values.len(), false);
    for ((slot, flag), info) in values.iter_mut().zip(defaulted.iter_mut()).zip(&program.facts) {
        if let (None, Some(default)) = (&slot, &info.default) {
            *slot = Some(default.clone());
            *flag = true;
        }
    }
    for _ in 0..values.len() {
        let mut changed = false;
        for (index, info) in program.facts.iter().enumerate() {
            let Some(source) = info.default_fact else { continue };
            let (Some(None), Some(Some(value))) = (values.get(index), values.get(source.0 as usize)) else {
                continue;
            };
            let value = value.clone();
            if let (Some(slot), Some(flag)) = (values.get_mut(index), defaulted.get_mut(index)) {
                *slot = Some(value);
                *flag = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

struct Slots<'a, 'p> {
    program: &'p Program,
    index: &'a FactIndex<'p>,
    values: &'a mut Vec<Option<Value>>,
    seen: &'a mut Vec<bool>,
    order: &'a mut Vec<Option<FactId>>,
    position: usize,
    any: bool,
    max_text_bytes: usize,
}

impl<'p> Slots<'_, 'p> {
    /// The fact named `name`: first the guess from the previous line's key order.
    fn lookup(&mut self, name: &str) -> Option<(FactId, &'p Type)> {
        let position = self.position;
        self.position += 1;
        if let Some(Some(id)) = self.order.get(position) {
            if let Some(info) = self.program.facts.get(id.0 as usize).filter(|f| f.name == name) {
                return Some((*id, &info.ty));
            }
        }
        let &(id, ty) = self.index.get(name)?;
        if self.order.len() <= position {
            self.order.resize(position + 1, None);
        }
        if let Some(slot) = self.order.get_mut(position) {
            *slot = Some(id);
        }
        Some((id, ty))
    }
}

struct Top<'a, 'p, 'l> {
    slots: Slots<'a, 'p>,
    id: Option<&'l RawValue>,
    as_of: Option<String>,
    nested: bool,
    /// `id`, `facts` or `as_of` given twice.
    repeated: bool,
}

/// Gives up on a line (the general path takes over); the message is never shown.
fn give_up<E: de::Error>() -> E {
    E::custom("not on the fast path")
}

/// A map key, borrowed from the line when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct TopVisitor<'t, 'a, 'p, 'l>(&'t mut Top<'a, 'p, 'l>);

impl<'de: 'l, 'l> Visitor<'de> for TopVisitor<'_, '_, '_, 'l> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a case object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let top = self.0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match key.as_ref() {
                "id" => {
                    top.repeated |= top.id.is_some();
                    top.id = Some(map.next_value::<&'de RawValue>()?);
                }
                "facts" => {
                    top.repeated |= top.nested;
                    top.nested = true;
                    map.next_value_seed(FactsSeed(&mut top.slots))?;
                }
                "as_of" => {
                    top.repeated |= top.as_of.is_some();
                    top.as_of = Some(map.next_value::<String>()?);
                }
                name => {
                    top.slots.any = true;
                    map.next_value_seed(FactSeed {
                        slots: &mut top.slots,
                        name,
                    })?;
                }
            }
        }
        Ok(())
    }
}

struct FactsSeed<'s, 'a, 'p>(&'s mut Slots<'a, 'p>);

impl<'de> DeserializeSeed<'de> for FactsSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FactsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of facts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            map.next_value_seed(FactSeed {
                slots: self.0,
                name: key.as_ref(),
            })?;
        }
        Ok(())
    }
}

struct FactSeed<'s, 'a, 'p, 'k> {
    slots: &'s mut Slots<'a, 'p>,
    name: &'k str,
}

impl<'de> DeserializeSeed<'de> for FactSeed<'_, '_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let Some((id, ty)) = self.slots.lookup(self.name) else {
            let _ignored = IgnoredAny::deserialize(deserializer)?;
            return Err(give_up());
        };
        match self.slots.seen.get_mut(id.0 as usize) {
            Some(seen) if !*seen => *seen = true,
            _ => return Err(give_up()),
        }
        let value = typed(self.slots.program, ty.strip_optional(), deserializer)?;
        if let Some(Value::Text(text)) = &value {
            if text.len() > self.slots.max_text_bytes {
                return Err(give_up());
            }
        }
        if let Some(slot) = self.slots.values.get_mut(id.0 as usize) {
            *slot = value;
        }
        Ok(())
    }
}

/// A fact value of a simple type (amounts, decimals and percentages only as strings); `None`
/// for `null` (absent). Other types give up.
fn typed<'de, D: Deserializer<'de>>(program: &Program, ty: &Type, deserializer: D) -> Result<Option<Value>, D::Error> {
    Ok(match ty {
        Type::Bool => Option::<bool>::deserialize(deserializer)?.map(Value::Bool),
        Type::Count => Option::<u64>::deserialize(deserializer)?.map(|n| number(i128::from(n))),
        Type::Integer => Option::<i64>::deserialize(deserializer)?.map(|n| number(i128::from(n))),
        Type::Date => match Option::<Cow<'de, str>>::deserialize(deserializer)? {
            None => None,
            Some(text) => Some(Value::Date(crate::value::parse_date(&text).ok_or_else(give_up)?)),
        },
        Type::Text => Option::<String>::deserialize(deserializer)?.map(|t| Value::Text(t.into())),
        Type::Enum(id) => match Option::<Cow<'de, str>>::deserialize(deserializer)? {
            None => None,
            Some(text) => {
                let declared = program.enums.get(id.0 as usize).ok_or_else(give_up)?;
                let (name, _) = declared.values.iter().find(|(v, _)| *v == *text).ok_or_else(give_up)?;
                Some(Value::Text(name.as_str().into()))
            }
        },
        Type::Money | Type::Decimal | Type::Percent => match Option::<String>::deserialize(deserializer)? {
            None => None,
            // Read exactly as a case file reads it; whatever it refuses, the general path
            // reports.
            Some(text) => {
                Some(crate::facts::read_value(program, ty, serde_json::Value::String(text)).ok_or_else(give_up)?)
            }
        },
        _ => return Err(give_up()),
    })
}

fn number(n: i128) -> Value {
    Value::Number(Rational::from_integer(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Case;
    use crate::RuleSet;
    use proptest::prelude::*;

    const RULES: &str = r#"
source 法 "某法" in_force 2000-01-01
fact amount: money "金额"
fact rate: percent "比例"
fact ratio: decimal "系数"
rule large: bool "较大" cite 法 第一条 = amount >= 1000元 or rate >= 5% or ratio > 1
"#;

    /// The fast path's facts for a line, or `None` when it leaves the line to the general path.
    fn fast(rules: &RuleSet, line: &str) -> Option<Vec<Option<Value>>> {
        let program = rules.program();
        let mut scratch = Scratch::new();
        parse(program, &index(program), line, 1 << 16, &mut scratch)?;
        Some(scratch.case.facts.values.clone())
    }

    /// The facts a case file with the same JSON gets (`None`: refused).
    fn general(rules: &RuleSet, line: &str) -> Option<Vec<Option<Value>>> {
        let case = Case::from_json(line).ok()?;
        Some(case.validate(rules.program(), false).ok()?.values)
    }

    /// Texts like numbers: signs, digits, points, percent signs, exponents and units.
    fn number_text() -> impl Strategy<Value = String> {
        use proptest::sample::select;
        let digits = proptest::collection::vec(select(vec!["0", "1", "5", "9"]), 0..5).prop_map(|d| d.concat());
        (
            select(vec!["", "-", " ", "+"]),
            digits.clone(),
            select(vec!["", "."]),
            digits,
            select(vec!["", "%", "％", " ", "e5", "元"]),
        )
            .prop_map(|(sign, whole, point, fraction, end)| format!("{sign}{whole}{point}{fraction}{end}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]
        /// Amounts, percentages and decimals written as strings: where the fast path reads a
        /// line, it reads the values a case file gets; where a case file is refused, the fast
        /// path leaves the line to the general path (which writes the error).
        #[test]
        fn amounts_percentages_and_decimals_read_as_case_files_read_them(
            text in number_text(),
            fact in proptest::sample::select(vec!["amount", "rate", "ratio"]),
        ) {
            let rules = RuleSet::from_source("t.rule", RULES).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let line = serde_json::json!({ "facts": { fact: text } }).to_string();
            if let Some(values) = fast(&rules, &line) {
                prop_assert_eq!(Some(values), general(&rules, &line), "{}", line);
            }
        }
    }

    #[test]
    fn plain_amounts_and_percentages_take_the_fast_path() {
        let Ok(rules) = RuleSet::from_source("t.rule", RULES) else {
            panic!("the test rules load")
        };
        for line in [
            r#"{"facts":{"amount":"1000.50"}}"#,
            r#"{"facts":{"amount":" 12 "}}"#,
            r#"{"facts":{"rate":"5%"}}"#,
            r#"{"facts":{"rate":"0.05"}}"#,
            r#"{"facts":{"ratio":"-2.125"}}"#,
        ] {
            let values = fast(&rules, line);
            assert!(values.is_some(), "{line}");
            assert_eq!(values, general(&rules, line), "{line}");
        }
        // Refused as case files refuse them: left to the general path.
        for line in [
            r#"{"facts":{"amount":"-1"}}"#,
            r#"{"facts":{"amount":"1.005"}}"#,
            r#"{"facts":{"rate":"５％"}}"#,
            r#"{"facts":{"amount":1000}}"#,
        ] {
            assert_eq!(fast(&rules, line), None, "{line}");
        }
    }
}
