//! Money as integer micro-units of the configured currency: exact sums, never floats.

use std::fmt;
use std::str::FromStr;

/// Micro-units per unit (six decimal places).
pub const MICROS: i64 = 1_000_000;

/// An amount of money in micro-units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// Why a price did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an amount: expected a decimal number with at most 6 decimal places, like 0.25")]
pub struct MoneyError(pub String);

impl Money {
    /// Micro-units.
    pub fn micros(self) -> i64 {
        self.0
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses `12`, `12.5`, `-0.000001`: digits with an optional point and up to 6 decimals.
    fn from_str(text: &str) -> Result<Money, MoneyError> {
        let err = || MoneyError(text.to_string());
        let (negative, body) = match text.trim().strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.trim()),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 6 {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| err())? };
        let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| err())?;
        let micros = whole.checked_mul(MICROS).and_then(|w| w.checked_add(frac)).ok_or_else(err)?;
        Ok(Money(if negative { -micros } else { micros }))
    }
}

impl fmt::Display for Money {
    /// At least two decimals, more only when they are not zero: `0.50`, `0.125`, `3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / MICROS as u64, abs % MICROS as u64);
        let frac = format!("{frac:06}");
        let frac = frac.trim_end_matches('0');
        write!(f, "{sign}{whole}.{frac:0<2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exactly() {
        assert_eq!("0.50".parse::<Money>(), Ok(Money(500_000)));
        assert_eq!("12".parse::<Money>(), Ok(Money(12_000_000)));
        assert_eq!(".5".parse::<Money>(), Ok(Money(500_000)));
        assert_eq!("-0.000001".parse::<Money>(), Ok(Money(-1)));
        for bad in ["", ".", "1.2345678", "1,5", "abc", "1e3", "--1", "99999999999999999"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_with_two_to_six_decimals() {
        assert_eq!(Money(500_000).to_string(), "0.50");
        assert_eq!(Money(125_000).to_string(), "0.125");
        assert_eq!(Money(3_000_000).to_string(), "3.00");
        assert_eq!(Money(-1).to_string(), "-0.000001");
    }

    proptest! {
        #[test]
        fn display_round_trips(m in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(Money(m).to_string().parse::<Money>(), Ok(Money(m)));
        }
    }
}
