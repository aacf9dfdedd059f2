//! Three-valued logic and exact operations on values.
//!
//! `None` stands for *unknown* (a missing fact). `Value::Null` is *no value*
//! (an optional conclusion that does not apply); in conditions it counts as false.

use std::cmp::Ordering;

use crate::ast::BinaryOp;
use crate::value::{self, ArithmeticError, Rational, Value};

/// A value that may be unknown.
pub(crate) type Tv = Option<Value>;

/// `a and b` given both sides (b may be skipped when a is false).
pub(crate) fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// `a or b`.
pub(crate) fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Folds `N of { … }`: at least `n` true.
pub(crate) fn at_least(n: u32, n_true: u32, n_unknown: u32) -> Option<bool> {
    if n_true >= n {
        Some(true)
    } else if n_true + n_unknown < n {
        Some(false)
    } else {
        None
    }
}

/// Compares two known values with a comparison operator.
pub(crate) fn compare(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, ArithmeticError> {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return Ok(match op {
            BinaryOp::Eq => Value::Bool(a == b),
            BinaryOp::Ne => Value::Bool(a != b),
            _ => Value::Null,
        });
    }
    if op == BinaryOp::In {
        return Ok(Value::Bool(match b {
            Value::List(items) => items.iter().any(|i| equal(a, i)),
            _ => false,
        }));
    }
    let ordering = match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(value::compare(x, y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.compare(*y)?),
        _ => None,
    };
    let result = match (op, ordering) {
        (BinaryOp::Eq, None) => equal(a, b),
        (BinaryOp::Ne, None) => !equal(a, b),
        (_, None) => false,
        (BinaryOp::Eq, Some(o)) => o == Ordering::Equal,
        (BinaryOp::Ne, Some(o)) => o != Ordering::Equal,
        (BinaryOp::Ge, Some(o)) => o != Ordering::Less,
        (BinaryOp::Gt, Some(o)) => o == Ordering::Greater,
        (BinaryOp::Le, Some(o)) => o != Ordering::Greater,
        (BinaryOp::Lt, Some(o)) => o == Ordering::Less,
        (_, Some(_)) => false,
    };
    Ok(Value::Bool(result))
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => value::compare(x, y) == Ordering::Equal,
        _ => a == b,
    }
}

/// Exact arithmetic on two known values.
pub(crate) fn arithmetic(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, ArithmeticError> {
    Ok(match (op, a, b) {
        (_, Value::Null, _) | (_, _, Value::Null) => Value::Null,
        (BinaryOp::Add, Value::Number(x), Value::Number(y)) => Value::Number(value::add(x, y)?),
        (BinaryOp::Sub, Value::Number(x), Value::Number(y)) => Value::Number(value::sub(x, y)?),
        (BinaryOp::Mul, Value::Number(x), Value::Number(y)) => Value::Number(value::mul(x, y)?),
        (BinaryOp::Div, Value::Number(x), Value::Number(y)) => Value::Number(value::div(x, y)?),
        (BinaryOp::Add, Value::Date(d), Value::Duration(by)) | (BinaryOp::Add, Value::Duration(by), Value::Date(d)) => {
            Value::Date(value::shift_date(*d, *by)?)
        }
        (BinaryOp::Sub, Value::Date(d), Value::Duration(by)) => Value::Date(value::shift_date(*d, by.negate())?),
        (BinaryOp::Sub, Value::Date(x), Value::Date(y)) => {
            let days = y.until(*x).map_err(|_| ArithmeticError::DateOutOfRange)?.get_days();
            Value::Duration(value::Duration {
                months: 0,
                minutes: i64::from(days) * 1440,
            })
        }
        (BinaryOp::Add, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.checked_add(*y)?),
        (BinaryOp::Sub, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.checked_add(y.negate())?),
        (BinaryOp::Mul, Value::Duration(d), Value::Number(n))
        | (BinaryOp::Mul, Value::Number(n), Value::Duration(d)) => Value::Duration(d.checked_scale(n)?),
        _ => Value::Null,
    })
}

/// Negation of a number or duration.
pub(crate) fn negate(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(-*n),
        Value::Duration(d) => Value::Duration(d.negate()),
        other => other.clone(),
    }
}

/// `left − right` for numeric comparisons, rendered exactly (for "missed by").
pub(crate) fn margin(a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => value::sub(x, y).ok().map(|d: Rational| value::format_rational(&d)),
        _ => None,
    }
}

// ------------------------------------------------------------------ on words

use super::word::{number_word, Kind, Store, Strings, W};

/// The values of two words, for the exact fallback (`None` when either is unknown).
fn values_of(a: W, b: W, store: &Store<'_>, strings: &Strings) -> Option<(Value, Value)> {
    Some((store.value(a, strings)?, store.value(b, strings)?))
}

/// A comparison of two known words decided on the words alone, when it can be: equality of
/// words that hold their value (texts are interned, so equal texts are equal words), and the
/// order of integers and of dates. `None` leaves it to [`compare_words`].
#[inline]
pub(crate) fn compare_fast(op: BinaryOp, a: W, b: W) -> Option<W> {
    match op {
        BinaryOp::Eq | BinaryOp::Ne if !a.is_ref() && !b.is_ref() => Some(W::bool((a == b) == (op == BinaryOp::Eq))),
        BinaryOp::Ge | BinaryOp::Gt | BinaryOp::Le | BinaryOp::Lt => {
            let ordering = match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ if a.is_date() && b.is_date() => a.raw().cmp(&b.raw()),
                // An order with no value has no value.
                _ if a == W::NULL || b == W::NULL => return Some(W::NULL),
                _ => return None,
            };
            Some(W::bool(ordered(op, ordering)))
        }
        _ => None,
    }
}

/// A comparison of two known words, as [`compare`] does on values.
pub(crate) fn compare_words(
    op: BinaryOp,
    a: W,
    b: W,
    store: &mut Store<'_>,
    strings: &Strings,
) -> Result<W, ArithmeticError> {
    // Integers, and dates (whose words order as the dates do), compare as words.
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        return Ok(W::bool(ordered(op, x.cmp(&y))));
    }
    if a.is_date() && b.is_date() && op != BinaryOp::In {
        return Ok(W::bool(ordered(op, a.raw().cmp(&b.raw()))));
    }
    let ordering = match (a.kind(), b.kind()) {
        (Kind::Date(x), Kind::Date(y)) => Some(x.cmp(&y)),
        (Kind::Bool(x), Kind::Bool(y)) => return Ok(W::bool(equality(op, x == y))),
        (Kind::Text(x), Kind::Text(y)) => return Ok(W::bool(equality(op, x == y))),
        _ => None,
    };
    if let (Some(o), false) = (ordering, op == BinaryOp::In) {
        return Ok(W::bool(ordered(op, o)));
    }
    let Some((x, y)) = values_of(a, b, store, strings) else {
        return Ok(W::UNKNOWN);
    };
    let result = compare(op, &x, &y)?;
    Ok(store.word(result, strings))
}

/// `==` / `!=` given whether the sides are equal; other operators on unordered values are false.
fn equality(op: BinaryOp, equal: bool) -> bool {
    match op {
        BinaryOp::Eq => equal,
        BinaryOp::Ne => !equal,
        _ => false,
    }
}

#[inline]
pub(crate) fn ordered(op: BinaryOp, o: Ordering) -> bool {
    match op {
        BinaryOp::Eq => o == Ordering::Equal,
        BinaryOp::Ne => o != Ordering::Equal,
        BinaryOp::Ge => o != Ordering::Less,
        BinaryOp::Gt => o == Ordering::Greater,
        BinaryOp::Le => o != Ordering::Greater,
        BinaryOp::Lt => o == Ordering::Less,
        _ => false,
    }
}

/// Exact arithmetic on two known words, as [`arithmetic`] does on values.
pub(crate) fn arithmetic_words(
    op: BinaryOp,
    a: W,
    b: W,
    store: &mut Store<'_>,
    strings: &Strings,
) -> Result<W, ArithmeticError> {
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        let fast = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            _ => None,
        };
        if let Some(result) = fast.and_then(W::int) {
            return Ok(result);
        }
        if op == BinaryOp::Div {
            let quotient = value::div(
                &Rational::from_integer(i128::from(x)),
                &Rational::from_integer(i128::from(y)),
            )?;
            return Ok(number_word(quotient, store));
        }
    }
    let Some((x, y)) = values_of(a, b, store, strings) else {
        return Ok(W::UNKNOWN);
    };
    let result = arithmetic(op, &x, &y)?;
    Ok(store.word(result, strings))
}

/// Negation of a known word, as [`negate`] does on values.
pub(crate) fn negate_word(a: W, store: &mut Store<'_>, strings: &Strings) -> W {
    if let Some(n) = a.as_int().and_then(i64::checked_neg).and_then(W::int) {
        return n;
    }
    match store.value(a, strings) {
        Some(v) => store.word(negate(&v), strings),
        None => W::UNKNOWN,
    }
}

/// The larger (or smaller) of two known words, as [`extreme`] does on values.
pub(crate) fn extreme_words(
    max: bool,
    a: W,
    b: W,
    store: &mut Store<'_>,
    strings: &Strings,
) -> Result<W, ArithmeticError> {
    let a_less = compare_words(BinaryOp::Lt, a, b, store, strings)? == W::TRUE;
    Ok(if a_less == max { b } else { a })
}

/// Whether two known words hold the same value (numbers by value).
pub(crate) fn same_words(a: W, b: W, store: &Store<'_>, strings: &Strings) -> bool {
    if a == b {
        return true;
    }
    match (store.value(a, strings), store.value(b, strings)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}
