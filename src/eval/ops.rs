//! Three-valued logic and exact operations on values.
//!
//! `None` stands for *unknown* (a missing fact). `Value::Null` is *no value*
//! (an optional conclusion that does not apply); in conditions it counts as false.

use std::cmp::Ordering;

use crate::ast::BinaryOp;
use crate::value::{self, ArithmeticError, Rational, Value};

/// A value that may be unknown.
pub(crate) type Tv = Option<Value>;

/// Truth of a value in a condition: `Some(bool)`, or `None` when unknown.
pub(crate) fn truth(v: &Tv) -> Option<bool> {
    match v {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => Some(false),
    }
}

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

/// The larger (or smaller) of two comparable values.
pub(crate) fn extreme(max: bool, a: Value, b: Value) -> Result<Value, ArithmeticError> {
    let a_less = matches!(compare(BinaryOp::Lt, &a, &b)?, Value::Bool(true));
    Ok(if a_less == max { b } else { a })
}

/// `left − right` for numeric comparisons, rendered exactly (for "missed by").
pub(crate) fn margin(a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => value::sub(x, y).ok().map(|d: Rational| value::format_rational(&d)),
        _ => None,
    }
}
