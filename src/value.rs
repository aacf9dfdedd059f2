//! Runtime values shared by every stage: exact numbers, dates, durations.
//!
//! Numbers are exact rationals (`i128 / i128`); money, counts, percentages and
//! ratios all use them, so `videos/200 + other/2000 >= 1` is decided exactly.
//! Arithmetic that would overflow is an error, never a wrapped or rounded value.

use std::fmt;
use std::sync::Arc;

use num_integer::Integer;
use num_rational::Ratio;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Signed, ToPrimitive, Zero};

/// An exact rational number.
pub type Rational = Ratio<i128>;

/// A calendar date (proleptic Gregorian).
pub type Date = jiff::civil::Date;

/// A span of time: calendar months plus exact minutes (days and hours are minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Whole calendar months (a year is 12).
    pub months: i64,
    /// Exact minutes (a day is 1440).
    pub minutes: i64,
}

/// A value computed by the rules or supplied as a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A truth value.
    Bool(bool),
    /// Any number: count, integer, decimal, money, percent.
    Number(Rational),
    /// A date.
    Date(Date),
    /// A duration.
    Duration(Duration),
    /// Text or an enum value.
    Text(Arc<str>),
    /// A list (of texts, numbers or records).
    List(Arc<[Value]>),
    /// A record: field values in declaration order.
    Record(Arc<[Value]>),
    /// No value: an optional conclusion that does not apply.
    Null,
}

/// Why an arithmetic operation has no exact result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithmeticError {
    /// The exact result does not fit in 128 bits.
    Overflow,
    /// Division by zero.
    DivisionByZero,
    /// Durations with both months and minutes cannot be compared.
    IncomparableDurations,
    /// A date moved outside the supported calendar range.
    DateOutOfRange,
}

impl fmt::Display for ArithmeticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArithmeticError::Overflow => "the exact result is too large",
            ArithmeticError::DivisionByZero => "division by zero",
            ArithmeticError::IncomparableDurations => {
                "a duration in months cannot be compared with one in days or hours"
            }
            ArithmeticError::DateOutOfRange => "the date is outside the supported range",
        })
    }
}

/// Exact addition.
pub fn add(a: &Rational, b: &Rational) -> Result<Rational, ArithmeticError> {
    if a.is_integer() && b.is_integer() {
        return i128::checked_add(*a.numer(), *b.numer())
            .map(Rational::from_integer)
            .ok_or(ArithmeticError::Overflow);
    }
    a.checked_add(b).ok_or(ArithmeticError::Overflow)
}

/// Exact subtraction.
pub fn sub(a: &Rational, b: &Rational) -> Result<Rational, ArithmeticError> {
    if a.is_integer() && b.is_integer() {
        return i128::checked_sub(*a.numer(), *b.numer())
            .map(Rational::from_integer)
            .ok_or(ArithmeticError::Overflow);
    }
    a.checked_sub(b).ok_or(ArithmeticError::Overflow)
}

/// Exact multiplication.
pub fn mul(a: &Rational, b: &Rational) -> Result<Rational, ArithmeticError> {
    if a.is_integer() && b.is_integer() {
        return i128::checked_mul(*a.numer(), *b.numer())
            .map(Rational::from_integer)
            .ok_or(ArithmeticError::Overflow);
    }
    a.checked_mul(b).ok_or(ArithmeticError::Overflow)
}

/// Exact division.
pub fn div(a: &Rational, b: &Rational) -> Result<Rational, ArithmeticError> {
    if b.is_zero() {
        return Err(ArithmeticError::DivisionByZero);
    }
    a.checked_div(b).ok_or(ArithmeticError::Overflow)
}

/// Exact comparison of two rationals, without overflow.
pub fn compare(a: &Rational, b: &Rational) -> std::cmp::Ordering {
    if a.denom() == b.denom() {
        return a.numer().cmp(b.numer());
    }
    // Ratio's Ord compares by continued fractions and never overflows.
    a.cmp(b)
}

/// Parses a decimal string such as `"200000.00"`, `"2.5"` or `"-3"` exactly.
pub fn parse_decimal(text: &str) -> Option<Rational> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || (digits.contains('.') && frac.is_empty()) {
        return None;
    }
    // Trailing zeros of the fraction do not change the value (`2…0.00` is `2…0`), and the
    // fraction is reduced before it meets the whole part, so every value that fits is read.
    let frac = frac.trim_end_matches('0');
    let digits_value = |text: &str| {
        text.bytes()
            .try_fold(0i128, |n, b| n.checked_mul(10)?.checked_add(i128::from(b - b'0')))
    };
    let denom = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let value = add(
        &Rational::from_integer(digits_value(whole)?),
        &Rational::new(digits_value(frac)?, denom),
    )
    .ok()?;
    Some(if negative { -value } else { value })
}

/// Number of decimal places in a decimal string (`"1.50"` → 2).
pub fn decimal_places(text: &str) -> usize {
    text.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

/// Renders a rational as a terminating decimal when it is one, else as `p/q`.
pub fn format_rational(value: &Rational) -> String {
    if value.is_integer() {
        return integer_text(*value.numer());
    }
    match terminating_places(value) {
        Some(places) => format_fixed(value, places),
        None => format!("{}/{}", value.numer(), value.denom()),
    }
}

/// An integer's decimal digits (64-bit formatting when it fits: that of 128 bits is slower).
fn integer_text(n: i128) -> String {
    match i64::try_from(n) {
        Ok(small) => small.to_string(),
        Err(_) => n.to_string(),
    }
}

/// Renders money with exactly two decimals (rounded half away from zero if finer).
pub fn format_money(value: &Rational) -> String {
    format_fixed(value, 2)
}

fn terminating_places(value: &Rational) -> Option<u32> {
    let mut denom = *value.denom();
    let (mut twos, mut fives) = (0u32, 0u32);
    while denom.is_even() {
        denom /= 2;
        twos += 1;
    }
    while denom % 5 == 0 {
        denom /= 5;
        fives += 1;
    }
    (denom == 1).then_some(twos.max(fives))
}

/// `value` with `places` decimals, rounded half away from zero, computed digit by digit in
/// 128 bits so that no value (however large) overflows on the way.
fn format_fixed(value: &Rational, places: u32) -> String {
    let denom = value.denom().unsigned_abs().max(1);
    let numer = value.numer().unsigned_abs();
    let mut whole = numer / denom;
    let mut rest = numer % denom;
    let mut digits = Vec::with_capacity(places as usize);
    for _ in 0..places {
        let (digit, next) = times_ten(rest, denom);
        digits.push(digit);
        rest = next;
    }
    // Half away from zero: round up when the rest is at least half the denominator.
    if rest >= denom - rest {
        let mut carry = true;
        for digit in digits.iter_mut().rev() {
            if *digit == 9 {
                *digit = 0;
            } else {
                *digit += 1;
                carry = false;
                break;
            }
        }
        if carry {
            // `whole` is at most 2^127, so one more still fits in a u128.
            whole += 1;
        }
    }
    let zero = whole == 0 && digits.iter().all(|d| *d == 0);
    let whole = match u64::try_from(whole) {
        Ok(small) => small.to_string(),
        Err(_) => whole.to_string(),
    };
    let mut out = String::with_capacity(whole.len() + digits.len() + 2);
    if value.is_negative() && !zero {
        out.push('-');
    }
    out.push_str(&whole);
    if !digits.is_empty() {
        out.push('.');
        out.extend(digits.iter().map(|d| char::from(b'0' + *d)));
    }
    out
}

/// `(rest * 10) / denom` and `(rest * 10) % denom` for `rest < denom <= 2^127`, without
/// forming `rest * 10` (which may not fit): ten additions, each below `2 * denom`.
fn times_ten(rest: u128, denom: u128) -> (u8, u128) {
    let (mut digit, mut sum) = (0u8, 0u128);
    for _ in 0..10 {
        sum += rest;
        if sum >= denom {
            sum -= denom;
            digit += 1;
        }
    }
    (digit, sum)
}

/// Whether a rational is negative.
pub fn is_negative(value: &Rational) -> bool {
    value.is_negative()
}

impl Duration {
    /// A duration of `n` units as written in a rule file.
    pub fn from_unit(n: i64, unit: &str) -> Option<Duration> {
        let (months, minutes) = match unit {
            "years" | "year" | "年" => (n.checked_mul(12)?, 0),
            "months" | "month" | "个月" => (n, 0),
            "days" | "day" | "日" | "天" => (0, n.checked_mul(1440)?),
            "hours" | "hour" | "小时" => (0, n.checked_mul(60)?),
            "minutes" | "minute" | "分钟" => (0, n),
            _ => return None,
        };
        Some(Duration { months, minutes })
    }

    /// Sum of two durations.
    pub fn checked_add(self, other: Duration) -> Result<Duration, ArithmeticError> {
        Ok(Duration {
            months: self.months.checked_add(other.months).ok_or(ArithmeticError::Overflow)?,
            minutes: self
                .minutes
                .checked_add(other.minutes)
                .ok_or(ArithmeticError::Overflow)?,
        })
    }

    /// The duration scaled by an integer factor.
    pub fn checked_scale(self, factor: &Rational) -> Result<Duration, ArithmeticError> {
        let scale = |n: i64| -> Result<i64, ArithmeticError> {
            let exact = mul(&Rational::from_integer(i128::from(n)), factor)?;
            exact.to_integer().to_i64().ok_or(ArithmeticError::Overflow)
        };
        Ok(Duration {
            months: scale(self.months)?,
            minutes: scale(self.minutes)?,
        })
    }

    /// The negated duration.
    pub fn negate(self) -> Duration {
        Duration {
            months: -self.months,
            minutes: -self.minutes,
        }
    }

    /// Compares two durations when both are in months or both in minutes.
    pub fn compare(self, other: Duration) -> Result<std::cmp::Ordering, ArithmeticError> {
        if self.months == 0 && other.months == 0 {
            Ok(self.minutes.cmp(&other.minutes))
        } else if self.minutes == 0 && other.minutes == 0 {
            Ok(self.months.cmp(&other.months))
        } else {
            Err(ArithmeticError::IncomparableDurations)
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.months != 0 {
            if self.months % 12 == 0 {
                parts.push(format!("{} years", self.months / 12));
            } else {
                parts.push(format!("{} months", self.months));
            }
        }
        if self.minutes != 0 || parts.is_empty() {
            let m = self.minutes;
            if m % 1440 == 0 && m != 0 {
                parts.push(format!("{} days", m / 1440));
            } else if m % 60 == 0 && m != 0 {
                parts.push(format!("{} hours", m / 60));
            } else {
                parts.push(format!("{m} minutes"));
            }
        }
        f.write_str(&parts.join(" "))
    }
}

/// Moves a date by a duration. Month arithmetic clamps to the month's last day
/// (2020-02-29 − 1 year = 2019-02-28); minutes count whole days only.
pub fn shift_date(date: Date, by: Duration) -> Result<Date, ArithmeticError> {
    let span = jiff::Span::new()
        .try_months(by.months)
        .and_then(|s| s.try_days(by.minutes / 1440))
        .map_err(|_| ArithmeticError::DateOutOfRange)?;
    date.checked_add(span).map_err(|_| ArithmeticError::DateOutOfRange)
}

/// Parses a `YYYY-MM-DD` date, rejecting impossible dates such as `2021-02-30`.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    // Digits only (`-001-01-01` and `+021-01-01` are not dates), and no year 0.
    let digits = |range: std::ops::Range<usize>| {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then_some(part)
    };
    let year: i16 = digits(0..4)?.parse().ok()?;
    let month: i8 = digits(5..7)?.parse().ok()?;
    let day: i8 = digits(8..10)?.parse().ok()?;
    if year == 0 {
        return None;
    }
    Date::new(year, month, day).ok()
}

impl Value {
    /// The value as [`fmt::Display`] writes it, built without growing the string step by
    /// step (explanations write one per side of every comparison).
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Number(n) => format_rational(n),
            Value::Text(t) => t.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                // Room for a date or a short duration, so the string is not grown step by step.
                let mut out = String::with_capacity(16);
                let _ = fmt::Write::write_fmt(&mut out, format_args!("{self}"));
                out
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => match (n.is_integer(), i64::try_from(*n.numer())) {
                (true, Ok(small)) => write!(f, "{small}"),
                _ => f.write_str(&format_rational(n)),
            },
            Value::Date(d) => write!(f, "{d}"),
            Value::Duration(d) => write!(f, "{d}"),
            Value::Text(t) => write!(f, "{t}"),
            Value::List(items) | Value::Record(items) => {
                let inner: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", inner.join(", "))
            }
            Value::Null => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(parse_decimal("200000.00"), Some(Rational::from_integer(200000)));
        assert_eq!(parse_decimal("2.5"), Some(Rational::new(5, 2)));
        assert_eq!(parse_decimal("-3"), Some(Rational::from_integer(-3)));
        assert_eq!(parse_decimal("1."), None);
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn proportional_sum_is_exact() {
        let ratio = |a, b| div(&Rational::from_integer(a), &Rational::from_integer(b)).ok();
        let sum = |v, o| add(&ratio(v, 200)?, &ratio(o, 2000)?).ok();
        assert_eq!(sum(100, 1000), Some(Rational::from_integer(1)));
        assert_eq!(sum(99, 1000).map(|s| s < Rational::from_integer(1)), Some(true));
    }

    #[test]
    fn rationals_render_as_decimals_when_terminating() {
        assert_eq!(format_rational(&Rational::new(199, 200)), "0.995");
        assert_eq!(format_rational(&Rational::new(1, 3)), "1/3");
        assert_eq!(format_money(&Rational::from_integer(100000)), "100000.00");
        assert_eq!(format_money(&Rational::new(5, 100)), "0.05");
    }

    #[test]
    fn text_is_what_display_writes() {
        let values = [
            Value::Number(Rational::from_integer(i128::from(i64::MIN))),
            Value::Number(Rational::from_integer(i128::MIN)),
            Value::Number(Rational::from_integer(i128::MAX)),
            Value::Number(Rational::new(-199, 200)),
            Value::Number(Rational::new(1, 3)),
            Value::Number(Rational::new(i128::MIN + 1, 1 << 100)),
            Value::Text(Arc::from("拒不改正")),
            Value::Bool(true),
            Value::Null,
            Value::List(Arc::from(vec![Value::Number(Rational::new(5, 2)), Value::Null])),
        ];
        for value in values {
            assert_eq!(value.text(), value.to_string());
        }
        // A magnitude beyond 64 bits, and beyond i128::MAX (that of i128::MIN), prints in full.
        let min = Rational::from_integer(i128::MIN);
        assert_eq!(format_money(&min), format!("{}.00", i128::MIN));
    }

    #[test]
    fn huge_amounts_print_exactly_and_parse_with_or_without_decimals() {
        let huge = "2000000000000000000000000000000000000";
        let value = parse_decimal(huge).unwrap_or_default();
        assert_eq!(format_money(&value), format!("{huge}.00"));
        assert_eq!(parse_decimal(&format!("{huge}.00")), Some(value));
        assert_eq!(format_money(&-value), format!("-{huge}.00"));
        let max = Rational::from_integer(i128::MAX);
        assert_eq!(format_money(&max), format!("{}.00", i128::MAX));
        assert_eq!(
            format_money(&Rational::new(i128::MAX, 3)),
            "56713727820156410577229101238628035242.33"
        );
        assert_eq!(format_money(&Rational::new(-5, 1000)), "-0.01");
        assert_eq!(format_money(&Rational::new(-4, 1000)), "0.00");
        assert_eq!(format_money(&Rational::new(995, 100_000)), "0.01");
        assert_eq!(format_money(&Rational::new(1999, 200)), "10.00");
        assert_eq!(
            parse_decimal("17014118346046923173168730371588410572.5").map(|v| format_rational(&v)),
            Some(String::from("17014118346046923173168730371588410572.5"))
        );
    }

    #[test]
    fn dates_have_four_digit_years_from_1() {
        assert!(parse_date("-001-01-01").is_none());
        assert!(parse_date("0000-01-01").is_none());
        assert!(parse_date("+021-01-01").is_none());
        assert!(parse_date("0001-01-01").is_some());
        assert!(parse_date("9999-12-31").is_some());
    }

    #[test]
    fn dates_reject_impossible_days_and_clamp_leap_years() {
        assert!(parse_date("2021-02-30").is_none());
        assert!(parse_date("2021-2-03").is_none());
        let leap = parse_date("2020-02-29");
        let back = leap.and_then(|d| {
            shift_date(
                d,
                Duration {
                    months: -12,
                    minutes: 0,
                },
            )
            .ok()
        });
        assert_eq!(back, parse_date("2019-02-28"));
    }

    #[test]
    fn durations_compare_within_one_kind() {
        let hour = Duration::from_unit(1, "hour");
        let minutes = Duration::from_unit(60, "minutes");
        assert_eq!(hour, minutes);
        let year = Duration::from_unit(1, "year");
        match (hour, year) {
            (Some(h), Some(y)) => assert!(h.compare(y).is_err()),
            _ => unreachable_in_test(),
        }
    }

    fn unreachable_in_test() {
        assert_eq!(1, 0, "durations should be built");
    }
}
