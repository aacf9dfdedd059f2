//! The compiled form's values: one small `Copy` word per value.
//!
//! The evaluator moves words, never [`Value`]s: booleans, 64-bit integers, dates and the
//! texts the rule files name (enum values, text constants, branch labels — interned once,
//! compared as integers) are held in the word itself; anything else (fractions, money with
//! cents, durations, lists, texts a case brings) lives in a [`Store`] and the word holds its
//! index. Every operation has a fast path on words and falls back to the exact operations on
//! [`Value`]s (`ops.rs`), so the semantics are those of `Value` by construction.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use num_traits::ToPrimitive;

use crate::value::{Date, Rational, Value};

/// A value that may be unknown, in one 8-byte word: an integer is held as itself; the other
/// kinds are tags in a reserved range at the bottom of `i64` (an integer that falls there is
/// kept in the store instead). One plain word is copied with one move and compared as one
/// integer; a wider enum was stored and reloaded in parts, which stalled the processor.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct W(i64);

/// What a [`W`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Not known: a fact the case does not give (three-valued logic).
    Unknown,
    /// No value (`none`).
    Null,
    /// A truth value.
    Bool(bool),
    /// An integer (counts, whole amounts).
    Int(i64),
    /// A date.
    Date(Date),
    /// A text the rule files name, by its index in [`Strings`].
    Text(u32),
    /// Any other value, by its index in the [`Store`].
    Ref(u32),
}

const TAGS: i64 = i64::MIN;
const FALSE: i64 = TAGS + 2;
const TRUE: i64 = TAGS + 3;
const DATE: i64 = TAGS + (1 << 32);
const TEXT: i64 = TAGS + (2 << 32);
const REF: i64 = TAGS + (3 << 32);
/// The least integer a word holds as itself.
const LEAST_INT: i64 = TAGS + (4 << 32);

impl W {
    /// Unknown.
    pub(crate) const UNKNOWN: W = W(TAGS);
    /// `none`.
    pub(crate) const NULL: W = W(TAGS + 1);
    /// `false`.
    pub(crate) const FALSE: W = W(FALSE);
    /// `true`.
    pub(crate) const TRUE: W = W(TRUE);
    /// The integer 0.
    pub(crate) const ZERO: W = W(0);
    /// The integer 1.
    pub(crate) const ONE: W = W(1);

    /// A truth value.
    #[inline]
    pub(crate) fn bool(b: bool) -> W {
        if b {
            W::TRUE
        } else {
            W::FALSE
        }
    }

    /// An integer, when a word holds it as itself (else it goes to the store).
    #[inline]
    pub(crate) fn int(i: i64) -> Option<W> {
        (i >= LEAST_INT).then_some(W(i))
    }

    /// A date.
    pub(crate) fn date(d: Date) -> W {
        let year = i64::from(d.year()) + 32768;
        W(DATE + (year << 16) + (i64::from(d.month()) << 8) + i64::from(d.day()))
    }

    /// An interned text.
    pub(crate) fn text(id: u32) -> W {
        W(TEXT + i64::from(id))
    }

    /// A value in the store.
    pub(crate) fn reference(index: u32) -> W {
        W(REF + i64::from(index))
    }

    /// What the word holds.
    #[inline]
    pub(crate) fn kind(self) -> Kind {
        let w = self.0;
        if w >= LEAST_INT {
            return Kind::Int(w);
        }
        match w {
            TAGS => Kind::Unknown,
            FALSE => Kind::Bool(false),
            TRUE => Kind::Bool(true),
            _ if w >= REF => Kind::Ref((w - REF) as u32),
            _ if w >= TEXT => Kind::Text((w - TEXT) as u32),
            _ if w >= DATE => {
                let packed = w - DATE;
                let year = ((packed >> 16) - 32768) as i16;
                let date = Date::new(year, ((packed >> 8) & 0xff) as i8, (packed & 0xff) as i8);
                date.map_or(Kind::Unknown, Kind::Date)
            }
            _ => Kind::Null,
        }
    }

    /// The integer the word holds as itself.
    #[inline]
    pub(crate) fn as_int(self) -> Option<i64> {
        (self.0 >= LEAST_INT).then_some(self.0)
    }

    /// The index in the store of the value the word refers to.
    #[inline]
    pub(crate) fn store_index(self) -> Option<u32> {
        self.is_ref().then(|| (self.0 - REF) as u32)
    }

    /// Whether the word refers to the store (its meaning depends on the store it came from).
    #[inline]
    pub(crate) fn is_ref(self) -> bool {
        (REF..LEAST_INT).contains(&self.0)
    }

    /// Whether the word holds a date.
    #[inline]
    pub(crate) fn is_date(self) -> bool {
        (DATE..TEXT).contains(&self.0)
    }

    /// The three-valued truth of a word in a condition (`none` and non-booleans count as false).
    #[inline]
    pub(crate) fn truth(self) -> Option<bool> {
        match self.0 {
            TAGS => None,
            TRUE => Some(true),
            _ => Some(false),
        }
    }

    /// A three-valued truth as a word.
    #[inline]
    pub(crate) fn of_truth(truth: Option<bool>) -> W {
        match truth {
            None => W::UNKNOWN,
            Some(b) => W::bool(b),
        }
    }

    /// Whether the word is known.
    #[inline]
    pub(crate) fn is_known(self) -> bool {
        self != W::UNKNOWN
    }

    /// The raw word (for records).
    pub(crate) fn raw(self) -> i64 {
        self.0
    }

    /// A word from its raw form.
    pub(crate) fn from_raw(raw: i64) -> W {
        W(raw)
    }
}

impl std::fmt::Debug for W {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.kind())
    }
}

/// The texts the rule files name, interned: equal texts have equal indexes.
#[derive(Debug, Default)]
pub(crate) struct Strings {
    texts: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl Strings {
    /// The index of a text, interning it.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.index.get(text) {
            return *id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let text: Arc<str> = Arc::from(text);
        self.texts.push(Arc::clone(&text));
        self.index.insert(text, id);
        id
    }

    /// The index of a text, if the rule files name it.
    pub(crate) fn find(&self, text: &str) -> Option<u32> {
        self.index.get(text).copied()
    }

    /// The text with this index.
    pub(crate) fn get(&self, id: u32) -> Option<&Arc<str>> {
        self.texts.get(id as usize)
    }
}

/// Values too large for a word, in one index space: the compiled program's constants, then
/// the case's facts, then the values computed while evaluating (cleared between cases).
#[derive(Debug)]
pub(crate) struct Store<'c> {
    constants: &'c [Value],
    facts: &'c [Value],
    temps: Cow<'c, [Value]>,
}

impl<'c> Store<'c> {
    /// A store over the program's constants and a case's facts, reusing `temps`.
    pub(crate) fn new(constants: &'c [Value], facts: &'c [Value], mut temps: Vec<Value>) -> Self {
        temps.clear();
        Store {
            constants,
            facts,
            temps: Cow::Owned(temps),
        }
    }

    /// A store to read the values an evaluation left in `temps`.
    pub(crate) fn view(constants: &'c [Value], facts: &'c [Value], temps: &'c [Value]) -> Self {
        Store {
            constants,
            facts,
            temps: Cow::Borrowed(temps),
        }
    }

    /// Takes back the values an earlier evaluation of the same case computed, so that its
    /// words stay valid (only on a store nothing has been pushed to yet).
    pub(crate) fn restore(&mut self, temps: Vec<Value>) {
        debug_assert!(self.temps.is_empty(), "restore before any push");
        self.temps = Cow::Owned(temps);
    }

    /// Gives the computed values back for reuse.
    pub(crate) fn into_temps(self) -> Vec<Value> {
        self.temps.into_owned()
    }

    /// The case's part of the store (facts, then computed values), as a trace keeps it.
    pub(crate) fn case_part(&self) -> Vec<Value> {
        self.facts.iter().chain(self.temps.iter()).cloned().collect()
    }

    /// The value behind a [`Kind::Ref`].
    pub(crate) fn get(&self, index: u32) -> Option<&Value> {
        let index = index as usize;
        match index.checked_sub(self.constants.len()) {
            None => self.constants.get(index),
            Some(local) => match local.checked_sub(self.facts.len()) {
                None => self.facts.get(local),
                Some(temp) => self.temps.get(temp),
            },
        }
    }

    /// Keeps a value for the case and gives its word.
    pub(crate) fn push(&mut self, value: Value) -> W {
        let index = self.constants.len() + self.facts.len() + self.temps.len();
        self.temps.to_mut().push(value);
        W::reference(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// The word of a value: held directly when it fits, else kept in the store.
    pub(crate) fn word(&mut self, value: Value, strings: &Strings) -> W {
        match direct(&value, strings) {
            Some(word) => word,
            None => self.push(value),
        }
    }

    /// The word of a possibly unknown value.
    pub(crate) fn word_of(&mut self, value: Option<Value>, strings: &Strings) -> W {
        match value {
            None => W::UNKNOWN,
            Some(v) => self.word(v, strings),
        }
    }

    /// The value of a word (`None` when unknown).
    pub(crate) fn value(&self, word: W, strings: &Strings) -> Option<Value> {
        Some(match word.kind() {
            Kind::Unknown => return None,
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Int(i) => Value::Number(Rational::from_integer(i128::from(i))),
            Kind::Date(d) => Value::Date(d),
            Kind::Text(id) => Value::Text(strings.get(id).cloned().unwrap_or_else(|| Arc::from(""))),
            Kind::Ref(index) => self.get(index).cloned().unwrap_or(Value::Null),
        })
    }
}

/// The word of a value that fits in one, without the store.
pub(crate) fn direct(value: &Value, strings: &Strings) -> Option<W> {
    Some(match value {
        Value::Bool(b) => W::bool(*b),
        Value::Null => W::NULL,
        Value::Date(d) => W::date(*d),
        Value::Number(n) if n.is_integer() => W::int(n.numer().to_i64()?)?,
        Value::Text(t) => W::text(strings.find(t)?),
        _ => return None,
    })
}

/// The word of a number: an integer when it is one and fits, else stored.
pub(crate) fn number_word(n: Rational, store: &mut Store<'_>) -> W {
    if n.is_integer() {
        if let Some(w) = n.numer().to_i64().and_then(W::int) {
            return w;
        }
    }
    store.push(Value::Number(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_values() {
        let mut strings = Strings::default();
        let unit = strings.intern("unit");
        let constants = [Value::Number(Rational::new(1, 3))];
        let mut store = Store::new(&constants, &[], Vec::new());
        let values = [
            Value::Bool(true),
            Value::Null,
            Value::Number(Rational::from_integer(200)),
            Value::Number(Rational::from_integer(i128::from(i64::MAX) + 1)),
            Value::Number(Rational::new(7, 2)),
            Value::Text(Arc::from("unit")),
            Value::Text(Arc::from("a text no rule names")),
            Value::Date(Date::constant(2021, 5, 20)),
        ];
        for value in values {
            let word = store.word(value.clone(), &strings);
            assert_eq!(store.value(word, &strings), Some(value));
        }
        assert_eq!(store.word(Value::Text(Arc::from("unit")), &strings), W::text(unit));
        assert_eq!(store.value(W::reference(0), &strings), Some(constants[0].clone()));
        assert_eq!(store.value(W::UNKNOWN, &strings), None);
        // An integer in the reserved range goes to the store, and comes back.
        let low = Value::Number(Rational::from_integer(i128::from(i64::MIN) + 5));
        let word = store.word(low.clone(), &strings);
        assert!(matches!(word.kind(), Kind::Ref(_)));
        assert_eq!(store.value(word, &strings), Some(low));
    }

    #[test]
    fn truth_is_three_valued_and_none_is_false() {
        assert_eq!(W::UNKNOWN.truth(), None);
        assert_eq!(W::NULL.truth(), Some(false));
        assert_eq!(W::TRUE.truth(), Some(true));
        assert_eq!(W::int(1).map(W::truth), Some(Some(false)));
    }

    #[test]
    fn every_kind_decodes_to_itself() {
        let dates = [
            Date::constant(-9999, 1, 1),
            Date::constant(2021, 12, 31),
            Date::constant(9999, 12, 31),
        ];
        for d in dates {
            assert_eq!(W::date(d).kind(), Kind::Date(d));
        }
        for i in [0, -1, i64::MAX, 1 << 40, -(1 << 40)] {
            assert_eq!(W::int(i).map(W::kind), Some(Kind::Int(i)));
        }
        assert_eq!(W::int(i64::MIN), None);
        assert_eq!(W::text(u32::MAX).kind(), Kind::Text(u32::MAX));
        assert_eq!(W::reference(u32::MAX).kind(), Kind::Ref(u32::MAX));
        assert_eq!(W::NULL.kind(), Kind::Null);
        assert_eq!(W::UNKNOWN.kind(), Kind::Unknown);
        assert_eq!(W::bool(false).kind(), Kind::Bool(false));
    }
}
