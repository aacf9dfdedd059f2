//! Literals legal editors write: `10万元`, `5000元`, `5%`, `2 years`, `2019-11-01`.

use crate::value::{self, Date, Duration, Rational};

/// Parses the digits of a number with an optional `万`/`亿` magnitude suffix.
pub(crate) fn number_with_magnitude(text: &str) -> Option<Rational> {
    let (digits, factor) = if let Some(d) = text.strip_suffix('万') {
        (d, 10_000i128)
    } else if let Some(d) = text.strip_suffix('亿') {
        (d, 100_000_000i128)
    } else {
        (text, 1)
    };
    let base = value::parse_decimal(digits)?;
    value::mul(&base, &Rational::from_integer(factor)).ok()
}

/// `10万元` → 100000, `5000元` → 5000.
pub(crate) fn money(text: &str) -> Option<Rational> {
    number_with_magnitude(text.strip_suffix('元')?)
}

/// `5%` → 1/20.
pub(crate) fn percent(text: &str) -> Option<Rational> {
    let base = value::parse_decimal(text.strip_suffix('%')?)?;
    value::div(&base, &Rational::from_integer(100)).ok()
}

/// `2 years`, `60 minutes`, `2年`.
pub(crate) fn duration(text: &str) -> Option<Duration> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(digits_end);
    let amount: i64 = digits.parse().ok()?;
    Duration::from_unit(amount, unit.trim_start())
}

/// `2019-11-01`.
pub(crate) fn date(text: &str) -> Option<Date> {
    value::parse_date(text)
}

/// A quoted string with `\"`, `\\`, `\n`, `\t` escapes.
pub(crate) fn string(text: &str) -> String {
    let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_magnitudes_are_exact() {
        assert_eq!(money("10万元"), Some(Rational::from_integer(100_000)));
        assert_eq!(money("1.5万元"), Some(Rational::from_integer(15_000)));
        assert_eq!(money("5000元"), Some(Rational::from_integer(5_000)));
        assert_eq!(money("2亿元"), Some(Rational::from_integer(200_000_000)));
        assert_eq!(number_with_magnitude("5万"), Some(Rational::from_integer(50_000)));
        assert_eq!(percent("5%"), Some(Rational::new(1, 20)));
    }

    #[test]
    fn durations_in_both_languages() {
        assert_eq!(duration("2 years"), Duration::from_unit(2, "years"));
        assert_eq!(duration("2年"), Duration::from_unit(24, "months"));
        assert_eq!(duration("1 hour"), Duration::from_unit(60, "minutes"));
        assert_eq!(duration("2 fortnights"), None);
    }
}
